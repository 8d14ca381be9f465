"""The environment check that notebook 00 runs: is this machine ready?

It reports, it never installs: a learner sees what is missing and the one
command that fixes it (``make lab`` sets everything up).
"""

from __future__ import annotations

import html
import sys
from dataclasses import dataclass
from importlib import metadata

from ..i18n import N_, gettext as _

__all__ = ["check_environment"]

#: (distribution, minimum version, why the collection needs it)
#: The reasons are English, shown in the learner's language (see :mod:`gpool_helpers.i18n`).
REQUIREMENTS = (
    ("torch", "2.4", N_("the pooling layers themselves")),
    ("matplotlib", "3.8", N_("heatmaps and plots")),
    ("ipywidgets", "8.1", N_("sliders and the pooling explorer")),
    ("jupyterlab_widgets", "3.0", N_("widgets rendering inside JupyterLab")),
    ("scikit-learn", "1.4", N_("the handwritten digits of notebook 07")),
)
PINNED_TORCH = "2.13.0"
#: The lowest Python the package supports (pyproject.toml's requires-python).
MINIMUM_PYTHON = (3, 11)
#: The Pythons the pinned set installs on and the tests pass on, as README says them (the same list as
#: tools/check_python.py's SUPPORTED, which set-up refuses others with; a test keeps the two equal).
SUPPORTED_PYTHONS = ((3, 11), (3, 12), (3, 13))
#: What the check says Python needs, in the learner's language.
SUPPORTED_PYTHONS_TEXT = N_("3.11, 3.12 or 3.13")
#: What ``found`` says of a package that is not installed.
MISSING = N_("missing")
#: Added to torch's reason when its version is not the one the stored outputs were made with.
STORED_WITH_NOTE = N_("{why}; the stored outputs were made with {version}, so printed numbers may differ")


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("+")[0].split("."):
        # Leading digits only: "0rc1" is 0, a pre-release of that number.
        digits = ""
        for ch in piece:
            if not ch.isdigit():
                break
            digits += ch
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


@dataclass(frozen=True)
class Check:
    name: str
    wanted: str
    found: str
    ok: bool
    why: str
    #: The torch version the stored outputs were made with, when this one differs (``why`` then says so).
    stored_with: str | None = None

    @property
    def wanted_text(self) -> str:
        """``wanted`` in the learner's language (Python's versions; a package's ">= 2.4" reads the same in any)."""
        return _(self.wanted) if self.wanted == SUPPORTED_PYTHONS_TEXT else self.wanted

    @property
    def found_text(self) -> str:
        """``found`` in the learner's language (a version, or "missing")."""
        return _(self.found) if self.found == MISSING else self.found

    @property
    def why_text(self) -> str:
        """``why`` in the learner's language."""
        if self.stored_with is None:
            return _(self.why)
        purpose = self.why.removesuffix(STORED_WITH_NOTE.format(why="", version=self.stored_with))
        return _(STORED_WITH_NOTE).format(why=_(purpose), version=self.stored_with)


@dataclass(frozen=True)
class EnvironmentReport:
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def summary(self) -> str:
        if self.ok:
            return _("Ready: everything the notebooks need is installed.")
        missing = ", ".join(check.name for check in self.checks if not check.ok)
        return _("Not ready: {missing}. Run `make lab` from the repository folder to set up.").format(missing=missing)

    def __repr__(self) -> str:
        lines = [self.summary]
        for check in self.checks:
            mark = "ok " if check.ok else "NO "
            needs = _("(needs {wanted}: {why})").format(wanted=check.wanted_text, why=check.why_text)
            lines.append(f"  {mark} {check.name:<20} {check.found_text:<12} {needs}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            "<tr>"
            f"<td>{'&#10003;' if check.ok else '&#10007;'}</td>"
            f"<td><code>{html.escape(check.name)}</code></td>"
            f"<td>{html.escape(check.found_text)}</td>"
            f"<td>{html.escape(check.wanted_text)}</td>"
            f"<td>{html.escape(check.why_text)}</td>"
            "</tr>"
            for check in self.checks
        )
        return (
            f"<p><strong>{html.escape(self.summary)}</strong></p>"
            f"<table><thead><tr><th></th><th>{_('package')}</th><th>{_('found')}</th><th>{_('needs')}</th>"
            f"<th>{_('for')}</th></tr></thead><tbody>{rows}</tbody></table>"
        )


def python_check(version: tuple[int, ...] = tuple(sys.version_info[:3])) -> Check:
    """Python against the versions README names (3.11, 3.12 or 3.13): a newer one is not ready either."""
    return Check("python", SUPPORTED_PYTHONS_TEXT, ".".join(map(str, version[:3])),
                 tuple(version[:2]) in SUPPORTED_PYTHONS, N_("the language"))


def check_environment() -> EnvironmentReport:
    """Python and every package the notebooks import, against their minimums."""
    checks = [python_check()]
    for name, minimum, why in REQUIREMENTS:
        try:
            found = metadata.version(name)
        except metadata.PackageNotFoundError:
            checks.append(Check(name, f">= {minimum}", MISSING, False, why))
            continue
        ok = _version_tuple(found) >= _version_tuple(minimum)
        if name == "torch" and _version_tuple(found) != _version_tuple(PINNED_TORCH):
            why = STORED_WITH_NOTE.format(why=why, version=PINNED_TORCH)
            checks.append(Check(name, f">= {minimum}", found, ok, why, stored_with=PINNED_TORCH))
            continue
        checks.append(Check(name, f">= {minimum}", found, ok, why))
    return EnvironmentReport(tuple(checks))
