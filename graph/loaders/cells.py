"""Parsing one cell of a given kind into its canonical value, or a reason it is invalid.

Every parser takes the raw cell (text, number, bool or date, as the file typed it) and returns
the canonical value, None for an empty cell, or raises Bad with a reason in Chinese and English.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Any

from graph.identifiers import USCC_ALPHABET, is_valid_uscc, mask_id, mask_phone, ric_problem
from graph.loaders import spec as S
from graph.loaders.spec import Column, normalise

Note = Callable[[str], None]  # records a warning code for the current cell


class CellIssue:
    """A cell whose value the file does not hold, put in the grid by the reader: a formula never
    computed, an Excel error value, or a cell covered by a merge. Rejected in a required column,
    a warning (and empty) in an optional one."""

    __slots__ = ("code", "en", "text", "zh")

    def __init__(self, code: str, zh: str, en: str, text: str = "") -> None:
        self.code, self.zh, self.en, self.text = code, zh, en, text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"CellIssue({self.code!r}, {self.text!r})"


FORMULA_NO_VALUE = CellIssue(
    "formula_no_value",
    "公式没有计算结果，请在 Excel 中打开并保存后再导入",
    "a formula without a computed value (the file was saved by a tool that does not calculate): open"
    " and save it in Excel, then load it again",
)


def excel_error(value: str) -> CellIssue:
    return CellIssue(
        "excel_error",
        f"单元格是 Excel 错误值（如 {value}），公式或引用出错，请改正后再导入",
        f"the cell holds an Excel error value (e.g. {value}): fix the formula or reference",
        value,
    )


def merged_cell(ref: str) -> CellIssue:
    return CellIssue(
        "merged_cell",
        f"单元格在合并单元格中（如 {ref}），只有左上角有值；请取消合并，并在每一行填写",
        f"the cell lies inside a merged range (e.g. {ref}); only its top-left cell holds the value:"
        " unmerge and fill in every row",
        "",
    )


class Bad(Exception):
    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(code)
        self.code, self.zh, self.en = code, zh, en


_MAX_EXACT = 2**53
_SPLIT = re.compile(r"[;,、\s]+")
_PHONE = re.compile(r"(?:\+?86|0086)?(1[3-9]\d{9})")
_PHONE_STRIP = re.compile(r"[\s\-()]")
_INT = re.compile(r"\d+")
_INT_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+")
_DATE = re.compile(r"(\d{4})(?:[-/.](\d{1,2})[-/.](\d{1,2})|年(\d{1,2})月(\d{1,2})日?)")
_FLOAT = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
# Serial numbers accepted in date columns: 1910-01-01 .. 2099-12-31 (a bare year like 2011 is not a date)
_SERIAL_MIN, _SERIAL_MAX = 3654, 73050
TRUE_WORDS = frozenset({"是", "y", "yes", "true", "t", "1", "√"})
FALSE_WORDS = frozenset({"否", "n", "no", "false", "f", "0", "×"})
FORMULA_START = ("=", "+", "-", "@")


def text_of(cell: Any, col: Column, note: Note) -> str:
    """The normalised text of a cell; numbers in code columns become integer text (rule 2)."""
    if isinstance(cell, str):
        return normalise(cell)
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "是" if cell else "否"
    if isinstance(cell, (int, float)):
        return _number_text(cell, col, note)
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat() if cell.time() == dt.time() else cell.isoformat(sep=" ")
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return normalise(str(cell))


def _number_text(v: float, col: Column, note: Note) -> str:
    if col.kind == S.ID_NUMBER:
        raise Bad(
            "id_as_number",
            "身份证号被 Excel 存成了数字，后几位已经丢失。请把该列设为“文本”格式后重新输入",
            "the ID number was stored by Excel as a number and has lost digits: format the column as text "
            "and type the number again",
        )
    if col.kind in (S.USCC, S.USCC_LIST):
        raise Bad(
            "uscc_as_number",
            "信用代码被 Excel 存成了数字，可能已丢失数字。请把该列设为“文本”格式后重新输入",
            "the credit code was stored by Excel as a number and may have lost digits: format the column "
            "as text and type it again",
        )
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        raise Bad("not_number", "单元格是无效数字", "the cell holds an invalid number")
    integral = isinstance(v, int) or v.is_integer()
    if col.kind in (S.CODE, S.ANY_LIST, S.PHONE):
        if not integral:
            raise Bad(
                "code_fraction",
                f"“{col.header}”是编码，不能是带小数的数字（{v}）",
                f"{col.header} is a code, not a fractional number ({v})",
            )
        if abs(v) >= _MAX_EXACT:
            raise Bad(
                "code_lost_digits",
                f"“{col.header}”被 Excel 存成了数字，位数太多已丢失精度。请设为“文本”格式后重新输入",
                f"{col.header} was stored as a number too long to keep its digits: format it as text and"
                " retype",
            )
        if col.kind != S.PHONE:
            note("numeric_code")
        return str(int(v))
    if integral:
        return str(int(v))
    return repr(float(v))


def _check_len(text: str, col: Column) -> None:
    limit = S.FREE_TEXT_MAX if col.long_text else S.MAX_LEN.get(col.kind, S.FREE_TEXT_MAX)
    if len(text) > limit:
        raise Bad(
            "too_long",
            f"“{col.header}”太长（{len(text)} 个字符，最多 {limit} 个），请检查是否粘贴错了内容",
            f"{col.header} is too long ({len(text)} characters, at most {limit}): was something pasted by"
            " mistake?",
        )


def t_text(t: str, col: Column, note: Note) -> str:
    _check_len(t, col)
    if t[0] in FORMULA_START:
        note("formula_text")
    return t


def uscc_problem(code: str) -> Bad | None:
    if is_valid_uscc(code):
        return None
    if len(code) != 18:
        return Bad(
            "uscc_length",
            f"统一社会信用代码应为 18 位，这里是 {len(code)} 位，请核对营业执照",
            f"a unified social credit code has 18 characters, this one has {len(code)}: check the licence",
        )
    bad = sorted({c for c in code if c not in USCC_ALPHABET})
    if bad:
        return Bad(
            "uscc_chars",
            f"统一社会信用代码含有不会出现的字符：{' '.join(bad)}（I、O、S、V、Z 和符号都不会出现），请核对"
            "营业执照",
            f"the credit code holds characters that never occur in one: {' '.join(bad)} "
            "(no I, O, S, V, Z or symbols): check the licence",
        )
    return Bad(
        "uscc_check",
        "统一社会信用代码的校验位（第 18 位）不对，可能有字符抄错了，请核对营业执照",
        "the credit code's check character (18th) does not match: a character was probably mistyped; "
        "check the licence",
    )


def t_uscc(t: str, col: Column, note: Note) -> str:
    t = t.upper()
    bad = uscc_problem(t)
    if bad is not None:
        raise bad
    return t


def split_list(text: str) -> list[str]:
    """Reading rule 3: split on ; , 、 and whitespace; empty items dropped, repeats kept once."""
    return list(dict.fromkeys(x for x in _SPLIT.split(text) if x))


def t_uscc_list(t: str, col: Column, note: Note) -> list[str] | None:
    items = [x.upper() for x in split_list(t)]
    if not items:
        return None
    bad = [(x, uscc_problem(x)) for x in items]
    wrong = [(x, b) for x, b in bad if b is not None]
    if wrong:
        b = wrong[0][1]
        shown = "、".join(v for v, _ in wrong[:5])
        raise Bad(
            b.code,
            f"以下信用代码无效：{shown}。{b.zh}",
            f"invalid credit code(s): {', '.join(v for v, _ in wrong[:5])}. {b.en}",
        )
    return list(dict.fromkeys(items))


def t_any_list(t: str, col: Column, note: Note) -> list[str] | None:
    items = split_list(t)
    if not items:
        return None
    for x in items:
        if len(x) > S.MAX_LEN[S.CODE]:
            raise Bad(
                "too_long",
                f"“{col.header}”中有一项太长（{len(x)} 个字符），请用分号分隔多个代码",
                f"an item of {col.header} is too long ({len(x)} characters): separate codes with ';'",
            )
    return items


def normalise_id(text: str) -> str:
    return "".join(text.split()).upper()


def t_id_number(t: str, col: Column, note: Note) -> str:
    code = normalise_id(t)
    problem = ric_problem(code)
    if problem == "format":
        raise Bad(
            "id_format",
            f"身份证号应为 18 位（17 位数字加最后一位数字或 X），这里是 {len(code)} 位",
            f"an ID number has 18 characters (17 digits, then a digit or X); this one has {len(code)}",
        )
    if problem == "birth_date":
        raise Bad(
            "id_birth_date",
            "身份证号中的出生日期（第 7–14 位）不是真实的过去日期，请核对",
            "the birth date inside the ID number (characters 7-14) is not a real past date: check it",
        )
    if problem == "check_char":
        raise Bad(
            "id_check",
            "身份证号的校验位（第 18 位）不对，可能有数字抄错了，请核对",
            "the ID number's check character (18th) does not match: a digit was probably mistyped",
        )
    return code


def t_phone(t: str, col: Column, note: Note) -> str:
    """Returns the 11-digit national number."""
    digits = _PHONE_STRIP.sub("", t)
    m = _PHONE.fullmatch(digits)
    if m is None:
        raise _phone_bad(digits)
    return m.group(1)


def _phone_bad(digits: str) -> Bad:
    import phonenumbers

    n = sum(c.isdigit() for c in digits)
    try:
        num = phonenumbers.parse(digits, "CN")
        kind = phonenumbers.number_type(num)
        if phonenumbers.is_valid_number(num) and kind == phonenumbers.PhoneNumberType.FIXED_LINE:
            return Bad(
                "phone_landline",
                "这是固定电话，请填写 11 位手机号",
                "this is a landline number: give an 11-digit mobile number",
            )
    except phonenumbers.NumberParseException:
        pass
    return Bad(
        "phone_format",
        f"手机号应为 11 位、以 13–19 开头（可带 +86、空格或短横线），这里有 {n} 位数字",
        f"a mobile number has 11 digits starting 13-19 (an optional +86, spaces or hyphens); this has {n}"
        " digits",
    )


def t_enum(t: str, col: Column, note: Note) -> str:
    t = col.choice_aliases.get(t, t)
    if t not in col.choices:
        _check_len(t, col)
        raise Bad(
            "enum",
            f"“{t}”不是“{col.header}”的可选值。可选：{' / '.join(col.choices)}",
            f"{t!r} is not a valid {col.header} ({col.key}); choose one of: {' / '.join(col.choices)}",
        )
    return t


def p_int(cell: Any, col: Column, note: Note) -> int | None:
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        if isinstance(cell, float) and not cell.is_integer():
            raise _int_bad(col, str(cell))
        return _non_negative(int(cell), col)
    t = text_of(cell, col, note)
    return t_int(t, col, note) if t else None


def t_int(t: str, col: Column, note: Note) -> int:
    if t.isdigit() and t.isascii():
        return int(t)
    if _INT_GROUPED.fullmatch(t):
        v = int(t.replace(",", ""))
    elif t.endswith(".0") and _INT.fullmatch(t[:-2]):
        v = int(t[:-2])
    elif t.startswith("-") and _INT.fullmatch(t[1:]):
        v = -int(t[1:])
    else:
        raise _int_bad(col, t)
    return _non_negative(v, col)


def _non_negative(v: int, col: Column) -> int:
    if v < 0:
        raise Bad(
            "negative",
            f"“{col.header}”不能是负数（{v}）",
            f"{col.header} cannot be negative ({v})",
        )
    return v


def _int_bad(col: Column, t: str) -> Bad:
    return Bad(
        "not_integer",
        f"“{col.header}”应为不小于 0 的整数，不能是“{t[:40]}”",
        f"{col.header} must be a whole number >= 0, not {t[:40]!r}",
    )


def p_bool(cell: Any, col: Column, note: Note) -> bool | None:
    if isinstance(cell, bool):
        return cell
    t = text_of(cell, col, note)
    return t_bool(t, col, note) if t else None


def t_bool(t: str, col: Column, note: Note) -> bool:
    low = t.lower()
    if low in TRUE_WORDS:
        return True
    if low in FALSE_WORDS:
        return False
    raise Bad(
        "not_bool",
        f"“{col.header}”应填“是”或“否”（也可填 Y/N、true/false），不能是“{t[:40]}”",
        f"{col.header} must be 是/否 (Y/N, true/false), not {t[:40]!r}",
    )


def _bad_date(col: Column, t: str) -> Bad:
    return Bad(
        "date",
        f"“{col.header}”不是有效日期：“{t[:40]}”。请写成 2011-07-01、2011/7/1、2011.7.1 或 2011年7月1日",
        f"{col.header}: {t[:40]!r} is not a valid date; write it as 2011-07-01, 2011/7/1, 2011.7.1 or 2011"
        "年7月1日",
    )


def p_date(cell: Any, col: Column, note: Note) -> str | None:
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat()
    if isinstance(cell, dt.date):
        return cell.isoformat()
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        if _SERIAL_MIN <= cell <= _SERIAL_MAX and float(cell).is_integer():
            return (_EXCEL_EPOCH + dt.timedelta(days=int(cell))).isoformat()
        raise _bad_date(col, str(cell))
    t = text_of(cell, col, note)
    return t_date(t, col, note) if t else None


def t_date(t: str, col: Column, note: Note) -> str:
    m = _DATE.fullmatch(t)
    if m is None:
        # "2011-07-01 00:00:00" as text from a datetime cell exported to CSV
        head = t.split(" ", 1)[0]
        m = _DATE.fullmatch(head) if head != t and t[len(head) :].strip() in ("00:00:00", "0:00:00") else None
    if m is None:
        raise _bad_date(col, t)
    y = int(m.group(1))
    mo = int(m.group(2) or m.group(4))
    d = int(m.group(3) or m.group(5))
    try:
        date = dt.date(y, mo, d)
    except ValueError:
        raise Bad(
            "date_impossible",
            f"“{col.header}”的日期不存在：“{t}”（月份或日子超出范围）",
            f"{col.header}: {t!r} is not a real calendar date",
        ) from None
    if not 1900 <= y <= 2100:
        raise _bad_date(col, t)
    return date.isoformat()


def p_float(cell: Any, col: Column, note: Note) -> float | None:
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return _finite(float(cell), col)
    t = text_of(cell, col, note)
    return t_float(t, col, note) if t else None


def t_float(t: str, col: Column, note: Note) -> float:
    if not _FLOAT.fullmatch(t):
        raise Bad(
            "not_number",
            f"“{col.header}”应为数字（十进制度，如 105.93），不能是“{t[:40]}”",
            f"{col.header} must be a decimal number (degrees, e.g. 105.93), not {t[:40]!r}",
        )
    return _finite(float(t), col)


def _finite(v: float, col: Column) -> float:
    if not math.isfinite(v):
        raise Bad("not_number", f"“{col.header}”不是有效数字", f"{col.header} is not a valid number")
    return v


def _generic(parse_text: Callable[[str, Column, Note], Any]) -> Callable[[Any, Column, Note], Any]:
    def parse(cell: Any, col: Column, note: Note) -> Any:
        t = text_of(cell, col, note)
        return parse_text(t, col, note) if t else None

    return parse


# Parsers of already-normalised, non-empty text (the hot path: CSV cells, text cells)...
TEXT_PARSERS: dict[str, Callable[[str, Column, Note], Any]] = {
    S.TEXT: t_text,
    S.CODE: t_text,
    S.USCC: t_uscc,
    S.USCC_LIST: t_uscc_list,
    S.ANY_LIST: t_any_list,
    S.ID_NUMBER: t_id_number,
    S.PHONE: t_phone,
    S.ENUM: t_enum,
    S.INT: t_int,
    S.BOOL: t_bool,
    S.DATE: t_date,
    S.FLOAT: t_float,
}
# ... and of any cell as the file typed it (numbers, bools, dates, text).
PARSERS: dict[str, Callable[[Any, Column, Note], Any]] = {
    k: _generic(f) for k, f in TEXT_PARSERS.items() if k not in (S.INT, S.BOOL, S.DATE, S.FLOAT)
}
PARSERS.update({S.INT: p_int, S.BOOL: p_bool, S.DATE: p_date, S.FLOAT: p_float})


DISPLAY_LIMIT = 200


def display_value(cell: Any, col: Column) -> str:
    """What the report shows for a cell: personal data masked, long text cut."""
    if isinstance(cell, str):
        t = normalise(cell)
    elif isinstance(cell, float) and cell.is_integer() and abs(cell) < 1e16:
        t = str(int(cell))
    else:
        t = "" if cell is None else str(cell)
    if col.kind == S.ID_NUMBER:
        return mask_id(normalise_id(t))
    if col.kind == S.PHONE:
        digits = "".join(c for c in t if c.isdigit())
        if len(digits) > 11 and digits.startswith("86"):
            digits = digits[2:]
        return mask_phone(digits)
    if len(t) > DISPLAY_LIMIT:
        return t[:DISPLAY_LIMIT] + f"…（共 {len(t)} 字 / {len(t)} chars）"
    return t
