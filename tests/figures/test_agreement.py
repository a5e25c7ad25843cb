"""FACTS.md's agreement rule, and the article values typed into queries.figures."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from queries.figures import CONTEXT, SPECS, agrees, agrees_all, article_tokens

FACTS = Path(__file__).resolve().parents[3] / "shared" / "domain" / "FACTS.md"


@pytest.mark.parametrize(
    ("value", "token", "expected"),
    [
        # "N+": N <= x < N + 10**(digits(N) - 1)
        (500, "500+", True),
        (518, "500+", True),
        (599, "500+", True),
        (600, "500+", False),
        (499, "500+", False),
        (100, "100+", True),
        (199, "100+", True),
        (200, "100+", False),
        (99, "100+", False),
        (420, "420+", True),
        (474, "420+", True),
        (519, "420+", True),
        (520, "420+", False),
        (419, "420+", False),
        (5, "5+", True),  # one digit: the step is 1
        (6, "5+", False),
        # percentages: rounded half-up to the decimals the article prints
        (Fraction(136700, 1885), "72.52%", True),  # 1367 of 1885 = 72.5199%
        (Fraction(136200, 1885), "72.52%", False),
        (72.515, "72.52%", True),
        (72.525, "72.52%", False),
        (72.5149, "72.52%", False),
        (Fraction(39200, 474), "82.7%", True),  # 392 of 474 = 82.7004%
        (Fraction(34800, 421), "82.7%", True),  # the article's own example: 348 of 421 = 82.66%
        (Fraction(34900, 421), "82.7%", False),  # 82.90%
        (Fraction(100), "100%", True),
        (Fraction(99996, 1000), "100%", True),
        (99.4, "100%", False),
        (50, "50%", True),
        (49.5, "50%", True),
        (49.49, "50%", False),
        (50.5, "50%", False),
        (Fraction(3800, 105), "36.19%", True),
        (Fraction(1600, 105), "15.24%", True),
        (Decimal("15.235"), "15.24%", True),
        # plain numbers: equal
        (23, "23", True),
        (23.0, "23", True),
        (24, "23", False),
        (0, "0", True),
        (None, "23", False),
        (True, "1", False),  # a flag is no count
    ],
)
def test_agrees(value: object, token: str, expected: bool) -> None:
    assert agrees(value, token) is expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("article", "tokens"),
    [
        ("23", ["23"]),
        ("500+", ["500+"]),
        ("72.52%", ["72.52%"]),
        ("3 (凤凰湖, 港桥, 三教)", ["3"]),
        ("12 (incl. 渝西矿业集团党委)", ["12"]),
        ("207 = 12 + 57 + 138", ["207", "12", "57", "138"]),
        ("168 non-demo party orgs + 157 orgs without a party org", ["168", "157"]),
        ("420+ / 82.7%", ["420+", "82.7%"]),
        ("610 / 5 / 105 / 38 (36.19%) / 16 (15.24%)", ["610", "5", "105", "38", "36.19%", "16", "15.24%"]),
        ("5 (机关, 客出, 物业, 装卸, 退休) / 100", ["5", "100"]),
        ("129 orgs with 173 villages", ["129", "173"]),
    ],
)
def test_article_tokens(article: str, tokens: list[str]) -> None:
    assert article_tokens(article) == tokens


def test_compound_agrees_when_every_part_agrees() -> None:
    assert agrees_all([207, 12, 57, 138], "207 = 12 + 57 + 138")
    assert not agrees_all([206, 12, 57, 137], "207 = 12 + 57 + 138")
    assert not agrees_all([207, 12, 57], "207 = 12 + 57 + 138")  # a part missing
    assert agrees_all([474, Fraction(39200, 474)], "420+ / 82.7%")
    assert not agrees_all([474, None], "420+ / 82.7%")
    jishan = [610, 5, 105, 38, Fraction(3800, 105), 16, Fraction(1600, 105)]
    assert agrees_all(jishan, "610 / 5 / 105 / 38 (36.19%) / 16 (15.24%)")
    assert not agrees_all([*jishan[:3], 39, *jishan[4:]], "610 / 5 / 105 / 38 (36.19%) / 16 (15.24%)")


def test_nineteen_graph_figures_and_four_context_ones() -> None:
    ids = [s.id for s in SPECS]
    expected = [f"F{i}" for i in (1, 2, 3, 4, 5, 6, *range(8, 18), 20, 21, 22)]
    assert ids == expected
    assert [c.id for c in CONTEXT] == ["F7", "F18", "F19", "F23"]


def _facts_table() -> dict[str, tuple[str, str]]:
    rows: dict[str, tuple[str, str]] = {}
    for line in FACTS.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and re.fullmatch(r"F\d+", cells[0]):
            rows[cells[0]] = (cells[2], cells[3])  # value, kind
    return rows


@pytest.mark.skipif(not FACTS.exists(), reason=f"{FACTS} not present")
def test_article_values_are_facts_md_verbatim() -> None:
    table = _facts_table()
    for s in SPECS:
        assert table[s.id] == (s.article, "graph"), s.id
    for c in CONTEXT:
        assert table[c.id] == (c.article, "context"), c.id
    assert len(table) == len(SPECS) + len(CONTEXT)
