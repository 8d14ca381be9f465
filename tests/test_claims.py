"""check_claims: the same lines when claims hold, a loud failure with numbers when not."""

from __future__ import annotations

import pytest

from gpool_helpers.claims import Claim, ClaimFailed, check_claims


def test_holding_claims_print_their_statements_and_no_numbers(capsys):
    check_claims(Claim("GAP has the fewest parameters", 330 < 33_482, "330 against 33,482"),
                 Claim("accuracy above chance", 0.91 > 0.25, "91 % against 25 %"))
    printed = capsys.readouterr().out
    assert "ok  GAP has the fewest parameters" in printed and "ok  accuracy above chance" in printed
    assert "330" not in printed and "91" not in printed


def test_a_false_claim_raises_with_its_evidence_and_names_only_the_false_ones(capsys):
    with pytest.raises(ClaimFailed) as error:
        check_claims(Claim("true one", True, "1"), Claim("GMP stays at 100 %", 97.0 >= 100, "97.0 % at 48 x 48"))
    message = str(error.value)
    assert "1 of 2 claims do not hold" in message
    assert "GMP stays at 100 % (97.0 % at 48 x 48)" in message
    assert "true one" not in message
    assert capsys.readouterr().out == "", "nothing is printed as if it held"
    assert isinstance(error.value, AssertionError)


@pytest.mark.parametrize(
    ("arguments", "error", "words"),
    [
        (("", True), TypeError, "non-empty str"),
        (("claim", 1), TypeError, "holds to be a bool"),
        (("claim", None), TypeError, "got a NoneType"),
    ],
)
def test_malformed_claims_are_clear_errors(arguments, error, words):
    with pytest.raises(error, match=words):
        Claim(*arguments)


def test_check_claims_needs_claims():
    with pytest.raises(ValueError, match="at least one Claim"):
        check_claims()
    with pytest.raises(TypeError, match="got a str"):
        check_claims("a sentence")
