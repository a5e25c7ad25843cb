"""Coverage on the fixture, expected values counted by hand from tests/fixtures.py."""

from __future__ import annotations

import pytest

import queries
from graph.errors import InputError, NotFound


def rows(res):  # type: ignore[no-untyped-def]
    return {r.group: (r.total, r.covered, r.work_covered) for r in res.rows}


def test_district_totals(fx) -> None:  # type: ignore[no-untyped-def]
    res = queries.COVERAGE(fx)
    # non-public: O01 O02 O03 O04 O07 O09 O10 O11 O13 O14 O15 (O08 注销 is out);
    # covered: O01 O04 O09 O10 O11 O14
    assert (res.nonpublic.total, res.nonpublic.covered) == (11, 6)
    assert res.nonpublic.rate == pytest.approx(6 / 11)
    # work coverage adds O02 (I3), O13 (I1), O15 (I2)
    assert (res.nonpublic.work_covered, res.nonpublic.work_rate) == (9, pytest.approx(9 / 11))
    assert (res.social.total, res.social.covered, res.social.work_covered) == (3, 2, 3)
    assert (res.self_employed.total, res.self_employed.covered, res.self_employed.rate) == (1, 0, 0.0)
    assert [u.org.key for u in res.uncovered] == ["O02", "O03", "O06", "O07", "O13", "O15", "O16"]
    assert {u.org.key: u.work_covered for u in res.uncovered} == {
        "O02": True,
        "O03": False,
        "O06": False,
        "O07": False,
        "O13": True,
        "O15": True,
        "O16": True,
    }


def test_by_category(fx) -> None:  # type: ignore[no-untyped-def]
    res = queries.COVERAGE(fx, by="category")
    assert rows(res) == {
        "非公企业": (10, 5, 8),
        "专业市场": (1, 1, 1),
        "行业协会": (1, 1, 1),
        "社会组织": (1, 1, 1),
        "商会": (1, 0, 1),
        "个体工商户": (1, 0, 0),
    }
    assert [r.group for r in res.rows] == sorted(r.group for r in res.rows)


def test_by_town_with_names(fx) -> None:  # type: ignore[no-untyped-def]
    res = queries.COVERAGE(fx, by="town")
    assert rows(res) == {"T1": (8, 4, 5), "T2": (5, 4, 5), "T3": (2, 0, 2)}
    assert [r.group_name for r in res.rows] == ["中山路街道", "青峰镇", "双石镇"]
    assert res.rows[0].rate == 0.5


def test_by_park_and_association(fx) -> None:  # type: ignore[no-untyped-def]
    res = queries.COVERAGE(fx, by="park")
    assert rows(res) == {"": (12, 7, 10), "P1": (3, 1, 2)}
    assert res.rows[0].group_name == "（未填）"
    assert res.rows[1].group_name == "凤凰湖工业园区"
    res = queries.COVERAGE(fx, by="association")
    assert rows(res)["O05"] == (2, 1, 1)
    assert res.rows[-1].group_name == "永川区机械行业协会"


def test_filters(fx) -> None:  # type: ignore[no-untyped-def]
    res = queries.COVERAGE(fx, association="O05")
    assert (res.nonpublic.total, res.nonpublic.covered) == (2, 1)
    assert [u.org.key for u in res.uncovered] == ["O07"]
    res = queries.COVERAGE(fx, industry="商贸")
    assert [u.org.key for u in res.uncovered] == ["O16"]
    assert (res.nonpublic.total, res.social.total) == (3, 1)
    res = queries.COVERAGE(fx, category="商会")
    assert (res.social.total, res.nonpublic.total) == (1, 0)
    assert res.nonpublic.rate is None


def test_town_scope(fx) -> None:  # type: ignore[no-untyped-def]
    res = queries.COVERAGE(fx, queries.Scope("T3"))
    assert (res.nonpublic.total, res.nonpublic.covered, res.nonpublic.work_covered) == (1, 0, 1)
    assert (res.social.total, res.social.covered) == (1, 0)
    assert [u.org.key for u in res.uncovered] == ["O15", "O16"]
    res = queries.COVERAGE(fx, queries.Scope("T2"), by="town")
    assert rows(res) == {"T2": (5, 4, 5)}


def test_bad_arguments(fx) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError):
        queries.COVERAGE(fx, by="colour")
    with pytest.raises(InputError):
        queries.COVERAGE(fx, category="国企")
    with pytest.raises(NotFound):
        queries.COVERAGE(fx, queries.Scope("T9"))


def test_uncovered_list_is_paged_not_the_counts(fx) -> None:  # type: ignore[no-untyped-def]
    res = queries.COVERAGE(fx, limit=2)
    assert [u.org.key for u in res.uncovered] == ["O02", "O03"]
    assert res.uncovered_total == 7
    assert (res.nonpublic.total, res.nonpublic.covered) == (11, 6)
    page = queries.COVERAGE(fx, limit=2, offset=5)
    assert ([u.org.key for u in page.uncovered], page.offset, page.uncovered_total) == (["O15", "O16"], 5, 7)
    assert queries.COVERAGE(fx, offset=7).uncovered == []
    with pytest.raises(InputError):
        queries.COVERAGE(fx, limit=0)
