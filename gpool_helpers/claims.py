"""Claims about a training run that must hold on every machine, checked live.

Training in float32 adds numbers in an order that depends on the CPU's vector
width and the thread count, so two machines end a run with slightly different
weights, and accuracies that differ by a point or so. A notebook therefore
shows the numbers of this run in a cell whose output the tests do not compare,
and states what it concludes from them in a :func:`check_claims` cell: an
ordering, a bound with a margin measured across simulated CPUs, an exact count.
That cell prints the same lines on every machine when the claims hold, and
raises :class:`ClaimFailed` with the numbers when one does not, so the text
can never quietly outlive the evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

from .i18n import gettext as _

__all__ = ["Claim", "ClaimFailed", "check_claims"]


class ClaimFailed(AssertionError):
    """A claim the notebook's text relies on is false on this run."""


@dataclass(frozen=True)
class Claim:
    """One sentence of the text, whether this run bears it out, and the numbers behind it."""

    statement: str
    holds: bool
    evidence: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.statement, str) or not self.statement.strip():
            raise TypeError(_("Claim expects statement to be a non-empty str; got {got}").format(got=repr(self.statement)))
        if not isinstance(self.holds, bool):
            raise TypeError(
                _("Claim expects holds to be a bool (the result of a comparison); got a {type}").format(
                    type=type(self.holds).__name__)
            )


def check_claims(*claims: Claim) -> None:
    """Print every claim once all hold; otherwise raise naming each false one with its evidence."""
    if not claims:
        raise ValueError(_("check_claims expects at least one Claim"))
    for claim in claims:
        if not isinstance(claim, Claim):
            raise TypeError(_("check_claims expects Claim objects; got a {type}").format(type=type(claim).__name__))
    failed = [claim for claim in claims if not claim.holds]
    if failed:
        # A statement is the notebook's own sentence: tools/translate.py collects the
        # literal ones from the English notebooks, so a Chinese reader sees it in Chinese.
        # The evidence is numbers and names, shown as written.
        lines = [_("{failed} of {total} claims do not hold on this run:").format(failed=len(failed), total=len(claims))]
        lines += [f"  - {_(claim.statement)} ({claim.evidence or _('no evidence recorded')})" for claim in failed]
        raise ClaimFailed("\n".join(lines))
    print(_("Checked on this run; every claim holds:"))
    for claim in claims:
        print(f"  ok  {_(claim.statement)}")
