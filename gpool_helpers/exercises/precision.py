"""How precise a number answer must be, and how far off a wrong one is, said without giving the answer away.

A question states its precision in its prompt (:meth:`Precision.phrase`):
an exact whole number (a count), or a number of significant figures. An
answer passes when it is within half a unit of the last stated figure, so a
learner's own rounding to that many figures passes, and so does anything more
precise (a full float, or an expression like ``1 / 35``).

A wrong number is told its direction and rough size (:func:`how_far`), never
the value: each statement the feedback could make implies a range for the
answer, and a statement is only made when at least :data:`MIN_ANSWERS_LEFT`
answers at the stated precision fit that range. So "too small, by about a
factor of 64" is said to 640 when the answer is 40970, but 3 is only told
"too small" when the answer is 9.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..i18n import gettext as _

#: A hint about size is given only if it leaves at least this many answers open.
MIN_ANSWERS_LEFT = 10

# Rough sizes, for when a precise one would narrow the answer too far:
# factors (ratios of 1.5 and more) and percentages (closer than that).
_FACTOR_BINS = ((1.5, 2.0), (2.0, 3.0), (3.0, 5.0), (5.0, 10.0), (10.0, 100.0), (100.0, 1000.0))
_PERCENT_BINS = ((0.0, 0.1), (0.1, 1.0), (1.0, 5.0), (5.0, 10.0), (10.0, 20.0), (20.0, 50.0))
# Float arithmetic (0.39 / 0.01 = 39.000000000000004) must not push a rounded answer out.
_SLACK = 1e-9


@dataclass(frozen=True)
class Precision:
    """An exact whole number (``figures`` None) or ``figures`` significant figures."""

    figures: int | None = None

    def __post_init__(self) -> None:
        if self.figures is not None and (
            isinstance(self.figures, bool) or not isinstance(self.figures, int) or not 1 <= self.figures <= 15
        ):
            raise ValueError(f"Precision expects figures as an int from 1 to 15, or None; got {self.figures!r}")

    @property
    def whole(self) -> bool:
        return self.figures is None

    def phrase(self) -> str:
        """How the prompt states it, in the learner's language."""
        if self.whole:
            return _("an exact whole number")
        return _("to {count} significant figures").format(count=self.figures)

    def unit(self, expected: float) -> float:
        """One unit of the last figure that counts: 1 for a whole number, 0.001 for 0.0286 at 3 figures."""
        if self.whole:
            return 1.0
        return _figure_unit(expected, self.figures)

    def matches(self, answer: float, expected: float) -> bool:
        if not (math.isfinite(answer) and math.isfinite(expected)):
            return answer == expected
        if self.whole:
            return answer == expected
        if expected == 0:
            return abs(answer) < 1e-12
        return abs(answer - expected) <= 0.5 * self.unit(expected) * (1 + _SLACK)

    def rounded_further(self, answer: float, expected: float) -> bool:
        """``answer`` is ``expected`` rounded to fewer figures than this precision keeps.

        40970 for a count becomes 41000 or 40000; 0.02857 to 2 figures becomes 0.03.
        """
        if not (math.isfinite(answer) and math.isfinite(expected)) or expected == 0 or self.matches(answer, expected):
            return False
        kept = _significant_digits(expected) if self.whole else self.figures
        for figures in range(1, kept):
            unit = _figure_unit(expected, figures)
            steps = answer / unit
            if abs(answer - expected) <= 0.5 * unit * (1 + _SLACK) and abs(steps - round(steps)) < 1e-6:
                return True
        return False


WHOLE_NUMBER = Precision()


def significant(figures: int) -> Precision:
    """``figures`` significant figures: ``significant(2)`` accepts 0.39 for 0.3892."""
    return Precision(figures)


def _figure_unit(value: float, figures: int) -> float:
    return 10.0 ** (math.floor(math.log10(abs(value))) - figures + 1)


def _significant_digits(value: float) -> int:
    """Figures up to the last non-zero one: 40970 has 4, 9 has 1."""
    digits = f"{abs(value):.15g}".replace(".", "").lstrip("0").split("e")[0].rstrip("0")
    return max(len(digits), 1)


def _rough(number: float) -> str:
    """``number`` to two significant figures, plainly written: 64, 2.5, 120, 1,300."""
    rounded = float(f"{number:.2g}")
    if rounded >= 100:
        return f"{int(rounded):,}"
    return f"{rounded:g}"


def how_far(answer: float, expected: float, precision: Precision) -> str:
    """What is wrong with the number ``answer``, as a predicate: "is too small, by about a factor of 64".

    The caller puts a subject before it ("Your answer ...", "the first one ...").
    Empty when ``answer`` matches.
    """
    if precision.matches(answer, expected):
        return ""
    if not math.isfinite(answer):
        return _("is not a finite number")
    if answer == 0:
        return _("is zero, and the answer is not")
    if expected == 0 or not math.isfinite(expected):
        return _("is too large") if answer > expected else _("is too small")
    size = _size_words(abs(answer), abs(expected), precision)
    if (answer > 0) != (expected > 0):
        if not size:
            return _("has the wrong sign")
        return _("has the wrong sign, and without the sign it {how}").format(how=size)
    if answer < 0:
        # "Too large" of -2.2 against -1.0 would read as the wrong direction: speak of sizes.
        return _("has the right sign, but without the sign it {how}").format(how=size)
    return size


def _size_words(answer: float, expected: float, precision: Precision) -> str:
    """For positive ``answer`` and ``expected``: the most precise size statement that leaves enough answers open."""
    if precision.matches(answer, expected):
        return ""
    larger = answer > expected
    ratio = answer / expected if larger else expected / answer
    unit = precision.unit(expected)

    def leaves_enough(low: float, high: float) -> bool:
        # The answers a statement allows, for a ratio between low and high; its middle must not be
        # the answer itself (1 against 650 would be told "a factor of 650").
        middle = (low + high) / 2
        if high != math.inf and precision.matches(answer / middle if larger else answer * middle, expected):
            return False
        if larger:
            span = answer / max(low, 1.0) - answer / high if high != math.inf else answer / max(low, 1.0)
        else:
            span = answer * high - answer * low if high != math.inf else math.inf
        return span / unit >= MIN_ANSWERS_LEFT

    def percent_range(low: float, high: float) -> tuple[float, float]:
        # A difference of p % of the expected value, as a ratio of the two.
        if larger:
            return 1 + low / 100, 1 + high / 100
        return 1 / (1 - low / 100), (1 / (1 - high / 100) if high < 100 else math.inf)

    if ratio >= 1.5:
        shown = _rough(ratio)
        said = float(f"{ratio:.2g}")
        half_step = 0.5 * _figure_unit(said, 2)
        if ratio < 1000 and leaves_enough(said - half_step, said + half_step):
            return (_("is too large, by about a factor of {factor}") if larger
                    else _("is too small, by about a factor of {factor}")).format(factor=shown)
        for low, high in _FACTOR_BINS:
            if low <= ratio < high and leaves_enough(low, high):
                return (_("is too large, by a factor between {low} and {high}") if larger
                        else _("is too small, by a factor between {low} and {high}")).format(
                    low=_rough(low), high=_rough(high)
                )
        if ratio >= 1000 and leaves_enough(1000, math.inf):
            return (_("is too large, by a factor of more than {low}") if larger
                    else _("is too small, by a factor of more than {low}")).format(low=_rough(1000))
    else:
        percent = 100 * abs(answer - expected) / expected
        if percent >= 1:
            shown = _rough(percent)
            said = float(f"{percent:.2g}")
            half_step = 0.5 * _figure_unit(said, 2)
            if leaves_enough(*percent_range(said - half_step, said + half_step)):
                return (_("is too large, by about {percent} %") if larger
                        else _("is too small, by about {percent} %")).format(percent=shown)
        for low, high in _PERCENT_BINS:
            if low <= percent < high and leaves_enough(*percent_range(low, high)):
                if low == 0 or high <= 1:
                    return (_("is slightly too large, by less than {high} %") if larger
                            else _("is slightly too small, by less than {high} %")).format(high=f"{high:g}")
                return (_("is too large, by between {low} and {high} %") if larger
                        else _("is too small, by between {low} and {high} %")).format(low=f"{low:g}", high=f"{high:g}")
    return _("is too large") if larger else _("is too small")
