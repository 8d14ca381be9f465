"""Stop early, with a clear message, on a Python the pinned set does not install on.

requirements/constraints.txt pins numpy 2.4, scipy 1.17 and scikit-learn 1.9,
which need Python 3.11 or newer; 3.11, 3.12 and 3.13 are the versions
`make test` has passed on. run.py asks it before anything is installed (in
the learner's language: ``--lang zh``, make's ``LANG=zh``), with only the
standard library; ``python tools/check_python.py [--lang zh]`` asks it alone.
"""

from __future__ import annotations

import sys

SUPPORTED = ((3, 11), (3, 12), (3, 13))
#: The languages this message is written in (run.py's --lang).
LANGUAGES = ("en", "zh")


def supported_names(language: str = "en") -> str:
    """The supported versions as README says them: "3.11, 3.12, 3.13" or "3.11、3.12、3.13"."""
    return ("、" if language == "zh" else ", ").join(f"{major}.{minor}" for major, minor in SUPPORTED)


def problem(version: tuple[int, ...] = tuple(sys.version_info[:2]), language: str = "en") -> str | None:
    """None when ``version`` is supported, else the message to show, in ``language`` ("en" or "zh")."""
    if tuple(version[:2]) in SUPPORTED:
        return None
    if language == "zh":
        return (
            f"gpool 支持 Python {supported_names('zh')}；当前是 Python {version[0]}.{version[1]}。"
            "请用 PYTHON=... 换一个 Python，例如：make setup PYTHON=python3.11"
        )
    return (
        f"gpool supports Python {supported_names()}; this is Python {version[0]}.{version[1]}. "
        "Choose another with PYTHON=..., for example: make setup PYTHON=python3.11"
    )


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    language = argv[argv.index("--lang") + 1] if "--lang" in argv[:-1] else "en"
    if language not in LANGUAGES:
        print(f"check_python: --lang expects one of {', '.join(LANGUAGES)}; got {language!r}", file=sys.stderr)
        return 2
    message = problem(tuple(sys.version_info[:2]), language=language)
    if message:
        print(message, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
