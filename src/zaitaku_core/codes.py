"""全国地方公共団体コード (JIS X 0402): municipal codes with their check digit.

In the manner of python-stdnum: a few pure functions and one exception
(:class:`~zaitaku_core.errors.MunicipalCodeError`). A code is two digits of prefecture, three of
municipality and one check digit: weights 6, 5, 4, 3, 2 on the five digits, ``r = sum mod 11``, and the
check digit is the last digit of ``11 − r``.

>>> validate("012041")
'012041'
>>> calc_check_digit("36201")
'8'
>>> prefecture_name("362018")
'徳島県'
"""

from __future__ import annotations

import unicodedata

from zaitaku_core.errors import MunicipalCodeError
from zaitaku_core.i18n import N_, NN_

__all__ = [
    "PREFECTURES",
    "calc_check_digit",
    "compact",
    "is_valid",
    "prefecture_code",
    "prefecture_name",
    "validate",
]

#: The 47 prefectures by their two-digit code.
PREFECTURES: dict[str, str] = dict(
    zip(
        (f"{n:02d}" for n in range(1, 48)),
        [
            "北海道",
            "青森県",
            "岩手県",
            "宮城県",
            "秋田県",
            "山形県",
            "福島県",
            "茨城県",
            "栃木県",
            "群馬県",
            "埼玉県",
            "千葉県",
            "東京都",
            "神奈川県",
            "新潟県",
            "富山県",
            "石川県",
            "福井県",
            "山梨県",
            "長野県",
            "岐阜県",
            "静岡県",
            "愛知県",
            "三重県",
            "滋賀県",
            "京都府",
            "大阪府",
            "兵庫県",
            "奈良県",
            "和歌山県",
            "鳥取県",
            "島根県",
            "岡山県",
            "広島県",
            "山口県",
            "徳島県",
            "香川県",
            "愛媛県",
            "高知県",
            "福岡県",
            "佐賀県",
            "長崎県",
            "熊本県",
            "大分県",
            "宮崎県",
            "鹿児島県",
            "沖縄県",
        ],
        strict=True,
    )
)

_WEIGHTS = (6, 5, 4, 3, 2)


def compact(code: str) -> str:
    """Fold full-width digits and drop spaces and hyphens.

    >>> compact("０１２ ０４-１")
    '012041'
    """
    folded = unicodedata.normalize("NFKC", str(code))
    return "".join(ch for ch in folded if ch not in " -\u3000")


def calc_check_digit(five: str) -> str:
    """The check digit of a five-digit code (spaces, hyphens and full-width digits allowed, as in
    :func:`compact`).

    Raises:
        MunicipalCodeError: the code is not five digits.
    """
    value = compact(five)
    if len(value) != 5 or not value.isascii() or not value.isdigit():
        raise MunicipalCodeError(
            N_("{five!r} is not a five-digit code; the check digit is computed from five digits"), values={"five": five}
        )
    total = sum(int(digit) * weight for digit, weight in zip(value, _WEIGHTS, strict=True))
    return str((11 - total % 11) % 10)


def validate(code: str, *, allow_five: bool = False) -> str:
    """Check ``code`` and return it as six digits.

    Args:
        code: The code, with or without spaces, hyphens or full-width digits.
        allow_five: Accept a five-digit code without check digit and add the check digit.

    Raises:
        MunicipalCodeError: wrong length, a non-digit, an unknown prefecture or a wrong check digit.
    """
    value = compact(code)
    if not value.isascii() or not value.isdigit():
        raise MunicipalCodeError(N_("municipal code {code!r} must consist of digits"), values={"code": code})
    if allow_five and len(value) == 5:
        value += calc_check_digit(value)
    if len(value) != 6:
        message = (
            NN_(
                "municipal code {code!r} has {count} digit; expected five or six digits",
                "municipal code {code!r} has {count} digits; expected five or six digits",
            )
            if allow_five
            else NN_(
                "municipal code {code!r} has {count} digit; expected six digits (five and a check digit)",
                "municipal code {code!r} has {count} digits; expected six digits (five and a check digit)",
            )
        )
        raise MunicipalCodeError(message, values={"code": code, "count": len(value)})
    if value[:2] not in PREFECTURES:
        raise MunicipalCodeError(
            N_("municipal code {code!r} starts with {prefix}, not a prefecture (01–47)"),
            values={"code": code, "prefix": value[:2]},
        )
    expected_digit = calc_check_digit(value[:5])
    if value[5] != expected_digit:
        raise MunicipalCodeError(
            N_("municipal code {code!r} has check digit {digit}; the check digit of {five} is {expected}"),
            values={"code": code, "digit": value[5], "five": value[:5], "expected": expected_digit},
        )
    return value


def is_valid(code: str) -> bool:
    """Whether ``code`` is a valid six-digit municipal code."""
    try:
        validate(code)
    except MunicipalCodeError:
        return False
    return True


def prefecture_code(code: str) -> str:
    """The two-digit prefecture part of a valid code."""
    return validate(code)[:2]


def prefecture_name(code: str) -> str:
    """The name of the prefecture of a valid code."""
    return PREFECTURES[prefecture_code(code)]
