"""The environment check that notebook 00 runs: is this machine ready?

It reports, it never installs: a learner sees what is missing and the one
command that fixes it (``make lab`` sets everything up).
"""

from __future__ import annotations

import html
import sys
from dataclasses import dataclass
from importlib import metadata

#: (distribution, minimum version, why the collection needs it)
REQUIREMENTS = (
    ("torch", "2.4", "the pooling layers themselves"),
    ("matplotlib", "3.8", "heatmaps and plots"),
    ("ipywidgets", "8.1", "sliders and the pooling explorer"),
    ("jupyterlab_widgets", "3.0", "widgets rendering inside JupyterLab"),
    ("scikit-learn", "1.4", "the handwritten digits of notebook 07"),
)
PINNED_TORCH = "2.13.0"


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


@dataclass(frozen=True)
class EnvironmentReport:
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def summary(self) -> str:
        if self.ok:
            return "Ready: everything the notebooks need is installed."
        missing = ", ".join(check.name for check in self.checks if not check.ok)
        return f"Not ready: {missing}. Run `make lab` from the repository folder to set up."

    def __repr__(self) -> str:
        lines = [self.summary]
        for check in self.checks:
            mark = "ok " if check.ok else "NO "
            lines.append(f"  {mark} {check.name:<20} {check.found:<12} (needs {check.wanted}: {check.why})")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            "<tr>"
            f"<td>{'&#10003;' if check.ok else '&#10007;'}</td>"
            f"<td><code>{html.escape(check.name)}</code></td>"
            f"<td>{html.escape(check.found)}</td>"
            f"<td>{html.escape(check.wanted)}</td>"
            f"<td>{html.escape(check.why)}</td>"
            "</tr>"
            for check in self.checks
        )
        return (
            f"<p><strong>{html.escape(self.summary)}</strong></p>"
            "<table><thead><tr><th></th><th>package</th><th>found</th><th>needs</th>"
            f"<th>for</th></tr></thead><tbody>{rows}</tbody></table>"
        )


def check_environment() -> EnvironmentReport:
    """Python and every package the notebooks import, against their minimums."""
    checks = [
        Check(
            "python",
            ">= 3.10",
            ".".join(map(str, sys.version_info[:3])),
            sys.version_info >= (3, 10),
            "the language",
        )
    ]
    for name, minimum, why in REQUIREMENTS:
        try:
            found = metadata.version(name)
        except metadata.PackageNotFoundError:
            checks.append(Check(name, f">= {minimum}", "missing", False, why))
            continue
        ok = _version_tuple(found) >= _version_tuple(minimum)
        if name == "torch" and _version_tuple(found) != _version_tuple(PINNED_TORCH):
            why = f"{why}; the stored outputs were made with {PINNED_TORCH}, so printed numbers may differ"
        checks.append(Check(name, f">= {minimum}", found, ok, why))
    return EnvironmentReport(tuple(checks))
