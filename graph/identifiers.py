"""Check characters and masking of Chinese identifiers (USCC, resident ID, mobile phone).

Pure functions, no I/O: the loaders validate with them and the demo generator makes
valid synthetic identifiers with them. :class:`Hasher` is the keyed hash the loaders store
and the admin lookup matches against.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import hmac
import operator
import re

# GB 32100-2015: 31 characters (digits + upper-case letters without I, O, S, V, Z).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}

# GB 11643-1999: weights 2^(17-i) mod 11, check digits indexed by the sum mod 11.
_RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RIC_CHECK = "10X98765432"
_RIC_RE = re.compile(r"^\d{17}[\dX]$")


def uscc_check_char(first17: str) -> str:
    """Return the 18th (check) character of a unified social credit code.

    Example
    -------
    >>> uscc_check_char("91500118MA5U4A1B2")  # doctest: +SKIP
    """
    if len(first17) != len(_USCC_WEIGHTS):
        raise ValueError(f"17 characters expected, got {len(first17)}")
    try:  # map over a value table: a million codes per load, so no per-character Python frame
        total = sum(map(operator.mul, map(_USCC_VALUE.__getitem__, first17), _USCC_WEIGHTS))
    except KeyError as exc:
        raise ValueError(f"not a credit code character: {exc}") from None
    return USCC_ALPHABET[(31 - total % 31) % 31]


@functools.lru_cache(maxsize=1 << 16)  # a roster names the same organisation on many rows
def is_valid_uscc(code: str) -> bool:
    """True when ``code`` has 18 characters of the GB 32100 alphabet and a correct check character.

    Registration authorities are not checked on purpose: real codes start with letters
    (N, Y, ...) that stricter validators refuse.
    """
    if not _USCC_RE.match(code):
        return False
    return uscc_check_char(code[:17]) == code[17]


def ric_check_char(first17: str) -> str:
    """Return the 18th (check) character of a resident identity card number."""
    if len(first17) != len(_RIC_WEIGHTS):
        raise ValueError(f"17 digits expected, got {len(first17)}")
    total = sum(map(operator.mul, map(int, first17), _RIC_WEIGHTS))
    return _RIC_CHECK[total % 11]


def ric_birth_date(code: str) -> _dt.date | None:
    """The birth date encoded in an 18-character ID number, or None when impossible."""
    try:
        return _dt.date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        return None


def ric_problem(code: str, today: _dt.date | None = None) -> str | None:
    """Why ``code`` is not a valid resident ID number, or None when it is.

    Only the format, the check character and a real, past birth date are checked; the area
    code is not (dated area tables reject real IDs whose area code changed).
    """
    if not _RIC_RE.match(code):
        return "format"
    born = ric_birth_date(code)
    if born is None or born > (today or _dt.date.today()) or born.year < 1900:
        return "birth_date"
    if ric_check_char(code[:17]) != code[17]:
        return "check_char"
    return None


def mask_id(code: str) -> str:
    """``110105199001011234`` -> ``110105********1234``."""
    if len(code) < 10:
        return "*" * len(code)
    return code[:6] + "*" * (len(code) - 10) + code[-4:]


def mask_phone(number: str) -> str:
    """``13800138000`` -> ``138****8000``."""
    if len(number) < 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


class Hasher:
    """HMAC-SHA256 under the configured key; key_id is stored beside each hash (rotation)."""

    def __init__(self, key_id: str, key: bytes) -> None:
        self.key_id = key_id
        self._base = hmac.new(key, digestmod=hashlib.sha256)

    def __call__(self, text: str) -> str:
        h = self._base.copy()
        h.update(text.encode())
        return h.hexdigest()


def mask_name(name: str) -> str:
    """``张三丰`` -> ``张**``: the family name only (history and exports name people this way)."""
    name = name.strip()
    if len(name) <= 1:
        return name
    return name[0] + "*" * (len(name) - 1)
