"""Figures on the tiny hand-checkable graph (tests/fixtures.py), on both backends.

Each expected value below is counted by hand from the tables in tests/fixtures.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from graph.errors import NotFound
from queries.figures import FIGURES
from queries.scope import Scope
from tests.fixtures import load_fixture


@pytest.fixture
def fx(store: Any) -> Any:
    load_fixture(store)
    return store


def _parts(res: Any) -> dict[str, dict[str, Any]]:
    return {f.id: {p.key: p for p in f.parts} for f in res.figures}


def test_hand_counted_figures(fx: Any) -> None:
    res = FIGURES(fx)
    v = {f.id: f.value for f in res.figures}
    assert v["F1"] == 3  # TC1-TC3
    assert v["F2"] == 1  # P1 with PC1
    assert v["F4"] == 1  # PO4 (NP, TC*, PC1 are structure)
    assert v["F5"] == {"total": 3, "city": 1, "district": 1, "town": 1}  # PO4, PO1, PO3
    assert v["F6"] == {"party_orgs": 2, "orgs": 2}  # PO2, PO5; O02, O13
    assert v["F8"] == 5  # O02 O03 O07 O13 O15 (O08 is 注销, O14 covered)
    assert v["F9"] == 3  # M05 M06 M15
    assert v["F10"] == 2  # O02 O13
    assert v["F11"] == 6  # PO1-PO6
    assert v["F16"] == {"assoc_secretaries": 0, "owners": 1}  # M07 holds no post; M12
    assert v["F17"] == {"orgs": 3, "villages": 2}  # O01 O09 O10; V1 V2
    parts = _parts(res)
    # (numerator, denominator) of each percentage
    assert (parts["F3"]["branches"].value, parts["F3"]["project_groups"].value) == (1, 0)
    assert (parts["F3"]["coverage"].numerator, parts["F3"]["coverage"].denominator) == (1, 3)
    assert (parts["F12"]["coverage"].numerator, parts["F12"]["coverage"].denominator) == (6, 11)
    assert parts["F12"]["coverage"].value == 54.5455
    assert (parts["F13"]["coverage"].numerator, parts["F13"]["coverage"].denominator) == (2, 3)
    # F14: 8 covered + O02 O13 O15 O16 served by instructors; O03 and O07 by nobody.
    assert parts["F14"]["instructors"].value == 3
    assert (parts["F14"]["work_coverage"].numerator, parts["F14"]["work_coverage"].denominator) == (12, 14)
    # F15: M01 M02 M12 M14 hold posts in F11 organisations; M01 and M14 cross-appointed.
    assert parts["F15"]["members"].value == 4
    assert (parts["F15"]["cross_share"].numerator, parts["F15"]["cross_share"].denominator) == (2, 4)
    assert res.figures[1].detail == ["凤凰湖工业园区"]
    # No organisation of the article is in this graph: no values, no agreement, and a reason.
    for fid in ("F20", "F21", "F22"):
        f = next(f for f in res.figures if f.id == fid)
        assert f.agrees is False
        assert all(p.value is None for p in f.parts)
        assert f.detail and "图中没有名称含" in f.detail[0]
    assert res.all_agree is False
    assert next(f for f in res.figures if f.id == "F16").agrees is False


def test_town_scope(fx: Any) -> None:
    res = FIGURES(fx, Scope("T2"))
    assert res.town == "T2" and res.all_agree is None
    assert res.omitted == ["F4", "F20", "F21", "F22"]
    assert all(f.agrees is None and all(p.agrees is None for p in f.parts) for f in res.figures)
    v = {f.id: f.value for f in res.figures}
    assert v["F1"] == 1
    assert v["F2"] == 0
    assert v["F5"] == {"total": 1, "city": 1, "district": 0, "town": 0}  # PO4
    assert v["F6"] == {"party_orgs": 1, "orgs": 1}  # PO5 (town derived from its covers), O13
    assert v["F8"] == 1  # O13
    assert v["F11"] == 3  # PO4 PO5 PO6
    assert v["F17"] == {"orgs": 2, "villages": 1}  # O09 O10; V1
    with pytest.raises(NotFound):
        FIGURES(fx, Scope("T9"))


def test_empty_graph(store: Any) -> None:
    res = FIGURES(store)
    assert len(res.figures) == 19 and res.all_agree is False
    for f in res.figures:
        for p in f.parts:
            assert p.value in (0, None)
            if p.unit == "percent":
                assert p.value is None and p.denominator in (0, None)
