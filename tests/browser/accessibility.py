"""What the browser suite asks of a page for WCAG 2.1 AA: axe-core's verdict and real text alternatives.

axe-core (bundled by the axe-playwright-python package, version 4.12) runs inside the page, so
it judges what a reader meets: the rendered theme, MathJax's typeset output, the widgets as drawn.
Only the rules tagged for WCAG 2.0/2.1 levels A and AA run; best-practice rules (landmarks on
every page, one h1) are not success criteria and are not asserted.
"""

from __future__ import annotations

import re

#: axe-core's tags for the success criteria of WCAG 2.0 and 2.1 at levels A and AA.
WCAG_21_AA_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": list(WCAG_21_AA_TAGS)}, "resultTypes": ["violations"]}

#: nbconvert writes this for every <img> that has no alt of its own: a placeholder, not a description.
NBCONVERT_PLACEHOLDER = "No description has been provided for this image"
#: What would tell a reader nothing: matplotlib's and our own text forms, file names, single words.
NOT_A_DESCRIPTION = re.compile(r"^\s*(<Figure\b.*|image|picture|figure|plot|\S+\.(png|jpe?g|svg))\s*$", re.I)
#: A description says something: at least this many words (or, in Chinese, characters).
MINIMUM_WORDS = 5


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now: [{rule, impact, help, targets}]."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=AXE_OPTIONS)
    return [
        {
            "rule": violation["id"],
            "impact": violation.get("impact"),
            "help": violation["help"],
            "criteria": [tag for tag in violation.get("tags", []) if re.fullmatch(r"wcag\d{3,4}", tag)],
            "count": len(violation["nodes"]),
            "targets": [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]],
            "summary": violation["nodes"][0].get("failureSummary", "")[:300] if violation["nodes"] else "",
            # The distinct reasons (e.g. each foreground/background pair of a contrast failure), at most 8.
            "reasons": sorted({_reason(node) for node in violation["nodes"]})[:8],
        }
        for violation in results.response["violations"]
    ]


def _reason(node: dict) -> str:
    message = " ".join(check.get("message", "") for check in node.get("any", []) + node.get("all", []))
    # "insufficient color contrast of 2.16 (foreground color: #b0b0b0, background color: #ffffff, font size ...)"
    return re.sub(r",? font size.*?\)", ")", message)[:200]


def describe_violations(name: str, violations: list[dict]) -> str:
    lines = [f"{name}: {sum(v['count'] for v in violations)} element(s) fail"]
    for violation in violations:
        lines.append(
            f"  {violation['rule']} ({', '.join(violation['criteria']) or 'no SC tag'}, {violation['impact']}): "
            f"{violation['count']} x, e.g. {violation['targets']}: {violation['summary']}"
        )
    return "\n".join(lines)


def is_a_description(text: str | None) -> bool:
    """True for a text alternative that says something, False for none, a placeholder or a file name."""
    if text is None or not text.strip() or text.strip() == NBCONVERT_PLACEHOLDER:
        return False
    if NOT_A_DESCRIPTION.match(text):
        return False
    words = len(text.split())
    chinese = len(re.findall(r"[\u4e00-\u9fff]", text))
    return words >= MINIMUM_WORDS or chinese >= 2 * MINIMUM_WORDS


#: Every <img> with its text alternative as a screen reader computes it first (alt, then aria-label, then title).
IMAGES_WITH_TEXT = """() => [...document.images].map(image => ({
    alt: image.getAttribute('alt') ?? image.getAttribute('aria-label') ?? image.getAttribute('title'),
    visible: !!(image.offsetWidth || image.offsetHeight),
    source: (image.getAttribute('src') || '').slice(0, 40),
}))"""


def images_without_description(page) -> list[dict]:
    """The page's visible images whose text alternative is missing or not a description."""
    return [image for image in page.evaluate(IMAGES_WITH_TEXT) if image["visible"] and not is_a_description(image["alt"])]
