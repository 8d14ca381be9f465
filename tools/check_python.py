"""Stop early, with a clear message, on a Python the pinned set does not install on.

requirements/constraints.txt pins numpy 2.4, scipy 1.17 and scikit-learn 1.9,
which need Python 3.11 or newer; 3.11, 3.12 and 3.13 are the versions
`make test` has passed on. Run by the Makefile right after it creates .venv,
and by gpool's other entry points, with only the standard library.
"""

from __future__ import annotations

import sys

SUPPORTED = ((3, 11), (3, 12), (3, 13))


def problem(version: tuple[int, ...] = tuple(sys.version_info[:2])) -> str | None:
    """None when ``version`` is supported, else the message to show."""
    if tuple(version[:2]) in SUPPORTED:
        return None
    names = ", ".join(f"{major}.{minor}" for major, minor in SUPPORTED)
    return (
        f"gpool supports Python {names}; this is Python {version[0]}.{version[1]}. "
        "Choose another with PYTHON=..., for example: make setup PYTHON=python3.11"
    )


if __name__ == "__main__":
    message = problem()
    if message:
        sys.exit(message)
