"""One cell at a time: every kind of value, good and bad (no store involved)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from graph.loaders import cells as C
from graph.loaders.cells import Bad
from graph.loaders.spec import SHEET_BY_NAME, header_token, match_sheet, normalise
from tests.loaders.workbooks import bad_ric, bad_uscc, fullwidth, ric, uscc


def col(sheet: str, key: str) -> Any:
    return SHEET_BY_NAME[sheet].column(key)


def parse(sheet: str, key: str, cell: Any) -> tuple[Any, list[str]]:
    notes: list[str] = []
    c = col(sheet, key)
    return C.PARSERS[c.kind](cell, c, notes.append), notes


def bad(sheet: str, key: str, cell: Any) -> str:
    with pytest.raises(Bad) as info:
        parse(sheet, key, cell)
    return info.value.code


def test_normalise() -> None:
    assert normalise("\u200b　ＡＢＣ１２３，；（）\u200d ") == "ABC123,;()"
    assert normalise("  plain ") == "plain"
    assert header_token(" 镇街编码* ") == "镇街编码" and header_token("Town_Code") == "towncode"
    assert match_sheet("Party-Orgs").name == "党组织" and match_sheet("orgs").name == "组织"
    assert match_sheet("Sheet1") is None


@pytest.mark.parametrize(
    "code",
    [
        uscc(1),
        uscc(2, prefix="Y1500118MA"),
        uscc(3, prefix="N2500118MA"),
        fullwidth(uscc(4)),
        uscc(5).lower(),
        f" {uscc(6)}\u200b",
    ],
)
def test_valid_uscc(code: str) -> None:
    assert parse("组织", "uscc", code)[0] == normalise(code).upper()


def test_uscc_list_splits_and_dedupes() -> None:
    a, b = uscc(1), uscc(2)
    assert parse("党组织", "covers", f"{a}；{b}、{a}\n {b},")[0] == [a, b]
    assert bad("党组织", "covers", f"{a};{bad_uscc(2)}") == "uscc_check"


@pytest.mark.parametrize("idn", [ric(1), ric(2).lower(), fullwidth(ric(3)), f"{ric(4)[:6]} {ric(4)[6:]}"])
def test_valid_id(idn: str) -> None:
    assert parse("党员", "id_number", idn)[0] == "".join(normalise(idn).split()).upper()


def test_id_with_unknown_area_code_is_accepted() -> None:
    first = "990000" + "19800101" + "123"
    from graph.identifiers import ric_check_char

    assert parse("党员", "id_number", first + ric_check_char(first))[0].startswith("990000")


def _cases(sheet: str, key: str, pairs: list[tuple[Any, Any]]) -> list[Any]:
    return [pytest.param(sheet, key, cell, out, id=f"{key}-{i}") for i, (cell, out) in enumerate(pairs)]


# (sheet, column, cell as the file typed it, value read)
GOOD = [
    *_cases(
        "党员",
        "phone",
        [
            ("13800138000", "13800138000"),
            ("+86 138 0013 8000", "13800138000"),
            ("86-139-0013-9000", "13900139000"),
            ("+86(199)12345678", "19912345678"),
            (13800138000.0, "13800138000"),
            ("１３８００１３８０００", "13800138000"),
        ],
    ),
    *_cases(
        "党组织",
        "founded",
        [
            ("2011-07-01", "2011-07-01"),
            ("2011/7/1", "2011-07-01"),
            ("2011.7.1", "2011-07-01"),
            ("2011年7月1日", "2011-07-01"),
            ("２０１１年７月１日", "2011-07-01"),
            (dt.date(2011, 7, 1), "2011-07-01"),
            (dt.datetime(2011, 7, 1, 0, 0), "2011-07-01"),
            (40725, "2011-07-01"),
            (40725.0, "2011-07-01"),
            ("2011-07-01 00:00:00", "2011-07-01"),
        ],
    ),
    *_cases(
        "党员",
        "owner",
        [
            ("是", True),
            ("否", False),
            ("Y", True),
            ("n", False),
            ("TRUE", True),
            ("false", False),
            (True, True),
            ("ｙｅｓ", True),
        ],
    ),
    *_cases("组织", "employees", [("12", 12), (12.0, 12), ("1,200", 1200), ("0", 0), ("３０", 30)]),
]
# (sheet, column, cell as the file typed it, the problem's code)
BAD = [
    *_cases(
        "组织",
        "uscc",
        [
            (bad_uscc(1), "uscc_check"),
            (uscc(1)[:17], "uscc_length"),
            (uscc(1)[:16] + "I" + uscc(1)[17], "uscc_chars"),
            (915001180000000000.0, "uscc_as_number"),
        ],
    ),
    *_cases(
        "党员",
        "id_number",
        [
            (bad_ric(1), "id_check"),
            (ric(1)[:17], "id_format"),
            (float(ric(1)), "id_as_number"),
            (int(ric(1)[:17]), "id_as_number"),
            (ric(1, birth="20990101"), "id_birth_date"),
            (ric(1, birth="19800230"), "id_birth_date"),
        ],
    ),
    *_cases(
        "党员",
        "phone",
        [
            ("1380013800", "phone_format"),
            ("12800138000", "phone_format"),
            ("138001380001", "phone_format"),
            ("023-49881234", "phone_landline"),
            ("电话", "phone_format"),
        ],
    ),
    *_cases(
        "党组织",
        "founded",
        [
            ("2011-02-30", "date_impossible"),
            ("2011-13-01", "date_impossible"),
            ("01/07/2011", "date"),
            ("2011", "date"),
            (2011, "date"),
            ("去年", "date"),
            ("1850-01-01", "date"),
        ],
    ),
    *_cases("党员", "owner", [("也许", "not_bool")]),
    *_cases(
        "组织",
        "employees",
        [
            ("-5", "negative"),
            (-5, "negative"),
            ("12.5", "not_integer"),
            (12.5, "not_integer"),
            ("abc", "not_integer"),
        ],
    ),
]


@pytest.mark.parametrize(("sheet", "key", "cell", "value"), GOOD)
def test_valid_cell(sheet: str, key: str, cell: Any, value: Any) -> None:
    got = parse(sheet, key, cell)[0]
    assert (type(got), got) == (type(value), value)  # True is not 1


@pytest.mark.parametrize(("sheet", "key", "cell", "why"), BAD)
def test_invalid_cell(sheet: str, key: str, cell: Any, why: str) -> None:
    assert bad(sheet, key, cell) == why


def test_enums_and_aliases() -> None:
    assert parse("党组织", "kind", "非公经济组织党委")[0] == "非公有制经济组织党委"
    assert parse("党组织", "demo_tier", "镇街（园区）级")[0] == "镇街级"
    assert parse("党组织", "formation", "１+X")[0] == "1+X"
    assert bad("党组织", "level", "支部") == "enum"


def test_code_numbers() -> None:
    assert parse("镇街", "town_code", 1001.0) == ("1001", ["numeric_code"])
    assert bad("镇街", "town_code", 10.5) == "code_fraction"
    assert bad("镇街", "town_code", 1.2e20) == "code_lost_digits"


def test_text_limits_and_formulas() -> None:
    assert parse("组织", "org_name", '=HYPERLINK("x")') == ('=HYPERLINK("x")', ["formula_text"])
    assert bad("组织", "org_name", "名" * 201) == "too_long"
    assert len(parse("组织", "industry", "业" * 30000)[0]) == 30000
    assert bad("镇街", "town_code", "X" * 65) == "too_long"


def test_display_masks_personal_data_and_cuts_long_text() -> None:
    assert C.display_value(ric(1), col("党员", "id_number")) == ric(1)[:6] + "********" + ric(1)[-4:]
    assert C.display_value("+86 138 0013 8000", col("党员", "phone")) == "138****8000"
    shown = C.display_value("长" * 30000, col("组织", "industry"))
    assert len(shown) < 300 and "30000" in shown
