"""全国地方公共団体コード: check digits, errors and what a single-digit corruption can slip past."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zaitaku_core import codes
from zaitaku_core.cli import main
from zaitaku_core.cli.errors import EXIT_INVALID
from zaitaku_core.errors import MunicipalCodeError

WEIGHTS = (6, 5, 4, 3, 2)

five_digits = st.builds(lambda pref, rest: f"{pref:02d}{rest:03d}", st.integers(1, 47), st.integers(0, 999))


def remainder(five: str) -> int:
    return sum(int(d) * w for d, w in zip(five, WEIGHTS, strict=True)) % 11


@pytest.mark.parametrize(("code", "name"), [("012041", "北海道"), ("362018", "徳島県"), ("131016", "東京都")])
def test_known_codes(code: str, name: str) -> None:
    assert codes.validate(code) == code
    assert codes.prefecture_name(code) == name


def test_compact_and_five_digit_form() -> None:
    assert codes.validate("０１２０４１") == "012041"
    assert codes.validate("01204", allow_five=True) == "012041"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("012042", "has check digit 2; the check digit of 01204 is 1"),
        ("01204", "has 5 digits; expected six digits"),
        ("01204a", "must consist of digits"),
        ("992041", "not a prefecture"),
    ],
)
def test_errors_say_what_is_wrong(code: str, message: str) -> None:
    with pytest.raises(MunicipalCodeError, match=message) as info:
        codes.validate(code)
    assert info.value.code == "municipal-code"
    assert not codes.is_valid(code)


@given(five_digits)
def test_computed_codes_are_valid(five: str) -> None:
    assert codes.is_valid(five + codes.calc_check_digit(five))


@given(five_digits)
def test_single_digit_corruptions(five: str) -> None:
    """Every corruption is rejected except the ones the scheme cannot see.

    The check digit is the last digit of 11 − r, so r = 0 and r = 10 share check digit 1: a corruption
    of one of the first five digits that moves r from 0 to 10 or back passes (about 1.6 % of all
    corruptions; brute force over every code confirms no other case passes). A corrupted check digit is
    always rejected.
    """
    code = five + codes.calc_check_digit(five)
    for position in range(6):
        for digit in "0123456789":
            if digit == code[position]:
                continue
            corrupt = code[:position] + digit + code[position + 1 :]
            if corrupt[:2] not in codes.PREFECTURES:
                assert not codes.is_valid(corrupt)
                continue
            blind_spot = position < 5 and {remainder(five), remainder(corrupt[:5])} == {0, 10}
            assert codes.is_valid(corrupt) is blind_spot


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "ja",
            "全国地方公共団体コードが正しくありません: 団体コード '012069' の検査数字が 9 です。"
            "01206 の検査数字は 8 です",
        ),
        ("en", "error [municipal-code] municipal code '012069' has check digit 9; the check digit of 01206 is 8"),
    ],
)
def test_a_wrong_check_digit_reads_in_the_users_language_on_the_cli(
    tmp_path: Path, lang: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The error line of ``zaitaku new-city`` says what is wrong with the code in the language asked for."""
    args = ["--lang", lang, "new-city", "kushiro", "--code", "012069", "--name", "釧路市", "--dir", str(tmp_path)]
    assert main(args) == EXIT_INVALID
    assert expected in capsys.readouterr().err
    assert not any(tmp_path.iterdir())  # nothing written


def test_catalogue_messages_keep_their_english_text() -> None:
    """``str(err)`` and ``err.message`` stay English (what callers and older tests match on)."""
    with pytest.raises(MunicipalCodeError) as caught:
        codes.validate("01-2a")
    assert caught.value.message == "municipal code '01-2a' must consist of digits"
    assert caught.value.describe("ja").endswith("団体コード '01-2a' は数字だけで書いてください")
