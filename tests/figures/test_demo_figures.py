"""The scale-1 demo district, loaded once per backend: every graph figure agrees with the
article, both backends give identical answers, and the figures really are computed (changing
the graph changes exactly the affected figures by exactly the expected amount).

The stores are module-scoped (loading the demo into Neo4j takes a while); tests that change
the graph put it back before they end. Other test runs share the local Neo4j and wipe it
per test: if the demo vanishes mid-module, rerun.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from graph.model import DEREGISTERED, NONPUBLIC_CATEGORIES, SOCIAL_CATEGORIES, Label, Rel
from graph.store.base import split_node_id
from graph.store.embedded import EmbeddedStore
from queries.figures import FIGURES, FiguresResult
from queries.scope import Scope

EXPECTED = {  # what the article prints, as the demo reproduces it (exact values, not the rule)
    "F1": 23,
    "F2": 3,
    "F4": 12,
    "F5": {"total": 207, "city": 12, "district": 57, "town": 138},
    "F6": {"party_orgs": 168, "orgs": 157},
    "F9": 167,
    "F11": 375,
    "F16": {"assoc_secretaries": 23, "owners": 73},
    "F17": {"orgs": 129, "villages": 173},
    "F21": {"branches": 5, "members": 100},
    "F22": 6,
}


@pytest.fixture(
    scope="module",
    params=["embedded", pytest.param("neo4j", marks=[pytest.mark.neo4j, pytest.mark.slow])],
)
def demo(request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue(f"{request.param}_demo")


def _values(res: FiguresResult) -> dict[str, Any]:
    return {f.id: f.value for f in res.figures}


def _part(res: FiguresResult, fid: str, key: str) -> Any:
    f = next(f for f in res.figures if f.id == fid)
    return next(p for p in f.parts if p.key == key)


def _ratio(res: FiguresResult, fid: str, key: str) -> tuple[int | None, int | None]:
    p = _part(res, fid, key)
    return p.numerator, p.denominator


def _unchanged_except(before: FiguresResult, after: FiguresResult, changed: set[str]) -> None:
    b, a = _values(before), _values(after)
    assert {k for k in b if a[k] != b[k]} == changed


# --- agreement ------------------------------------------------------------------------------


def test_every_graph_figure_agrees(demo: Any) -> None:
    res = FIGURES(demo)
    bad = {f.id: (f.value_text, f.article) for f in res.figures if not f.agrees}
    assert not bad
    assert res.all_agree is True and len(res.figures) == 19
    assert res.omitted == [] and [c.id for c in res.context] == ["F7", "F18", "F19", "F23"]
    values = _values(res)
    for fid, want in EXPECTED.items():
        assert values[fid] == want, fid
    # Within the "N+" and percentage ranges, the demo's exact design:
    assert values["F8"] == 518 and values["F10"] == 136
    assert _ratio(res, "F12", "coverage") == (1367, 1885)
    assert _ratio(res, "F13", "coverage") == (48, 96)
    assert _ratio(res, "F15", "cross_share") == (392, 474)
    assert _ratio(res, "F20", "in_management_share") == (38, 105)
    assert _ratio(res, "F20", "titled_share") == (16, 105)
    assert _part(res, "F20", "staff").value == 610
    details = {f.id: f.detail for f in res.figures}
    assert details["F2"] == ["凤凰湖工业园", "港桥工业园", "三教工业园"]
    assert "渝西矿业集团党委" in details["F4"]
    assert details["F21"] == ["机关", "客出", "物业", "装卸", "退休"]
    assert len(details["F22"]) == 6


def test_town_scope_adds_up_to_the_district(demo: Any) -> None:
    district = FIGURES(demo)
    towns = sorted(demo.fetch_nodes(Label.TOWN))
    if demo.backend == "neo4j":
        towns = towns[:3]  # the full sum runs on the embedded store; here the scoped Cypher runs at all
    total: dict[str, int] = defaultdict(int)
    for town in towns:
        res = FIGURES(demo, Scope(town))
        assert res.all_agree is None and res.omitted == ["F4", "F20", "F21", "F22"]
        assert _values(res)["F1"] == 1
        for fid, key in (("F12", "coverage"), ("F13", "coverage"), ("F14", "work_coverage")):
            num, den = _ratio(res, fid, key)
            total[f"{fid}n"] += num or 0
            total[f"{fid}d"] += den or 0
        total["F8"] += _values(res)["F8"]
        total["F17"] += _values(res)["F17"]["orgs"]
    if len(towns) == 23:  # every organisation is in exactly one town
        assert (total["F12n"], total["F12d"]) == _ratio(district, "F12", "coverage")
        assert (total["F13n"], total["F13d"]) == _ratio(district, "F13", "coverage")
        assert (total["F14n"], total["F14d"]) == _ratio(district, "F14", "work_coverage")
        assert total["F8"] == _values(district)["F8"]
        assert total["F17"] == _values(district)["F17"]["orgs"]


@pytest.mark.neo4j
@pytest.mark.slow
def test_both_backends_give_identical_answers(embedded_demo: Any, neo4j_demo: Any) -> None:
    assert FIGURES(embedded_demo).model_dump() == FIGURES(neo4j_demo).model_dump()
    for town in sorted(embedded_demo.fetch_nodes(Label.TOWN))[::5]:
        assert (
            FIGURES(embedded_demo, Scope(town)).model_dump() == FIGURES(neo4j_demo, Scope(town)).model_dump()
        )


# --- the figures are computed from the graph ------------------------------------------------


def _key(nid: str) -> str:
    return split_node_id(nid)[1]


def _sole_covers(store: Any, categories: frozenset[str], n: int) -> list[dict[str, Any]]:
    """COVERS rows of n live organisations of these categories that exactly one party
    organisation covers, chosen so that no other figure depends on them: outside parks,
    not paired, no instructor of their own."""
    orgs = store.fetch_nodes(Label.ORGANIZATION)
    covers: dict[str, list[tuple[str, str, str, dict[str, Any]]]] = defaultdict(list)
    for row in store.fetch_relationships(Rel.COVERS):
        covers[_key(row[1])].append(row)
    busy = {
        _key(v)
        for rel in (Rel.PAIRED_WITH, Rel.ASSIGNED_TO, Rel.HELPS_BUILD)
        for _, v, _, _ in store.fetch_relationships(rel)
    }
    busy |= {_key(u) for u, _, _, _ in store.fetch_relationships(Rel.IN_PARK)}
    busy |= {_key(u) for u, _, _, _ in store.fetch_relationships(Rel.JOINT_BUILDS_WITH)}
    picked = [
        k
        for k in sorted(covers)
        if len(covers[k]) == 1
        and orgs[k].get("org_category") in categories
        and orgs[k].get("status") != DEREGISTERED
        and k not in busy
    ][:n]
    assert len(picked) == n
    return [
        {"from": _key(u), "to": _key(v), "rid": rid, "props": props}
        for k in picked
        for u, v, rid, props in covers[k]
    ]


def test_removing_covers_changes_coverage_by_exactly_that(demo: Any) -> None:
    before = FIGURES(demo)
    nonpublic = _sole_covers(demo, NONPUBLIC_CATEGORIES, 5)
    social = _sole_covers(demo, SOCIAL_CATEGORIES, 2)
    rows = nonpublic + social
    assert demo.delete_relationships(Rel.COVERS, rows) == 7
    try:
        after = FIGURES(demo)
        assert _values(after)["F8"] == _values(before)["F8"] + 5
        n, d = _ratio(before, "F12", "coverage")
        assert _ratio(after, "F12", "coverage") == (n - 5, d)  # type: ignore[operator]
        n, d = _ratio(before, "F13", "coverage")
        assert _ratio(after, "F13", "coverage") == (n - 2, d)  # type: ignore[operator]
        n, d = _ratio(before, "F14", "work_coverage")
        assert _ratio(after, "F14", "work_coverage") == (n - 7, d)  # type: ignore[operator]
        _unchanged_except(before, after, {"F8", "F12", "F13", "F14"})
        agree = {f.id: f.agrees for f in after.figures}
        assert agree["F8"]  # 523 is still "500+"
        assert agree["F14"]  # 1974 of 1981 = 99.65% still prints as "100%"
        assert not agree["F12"] and not agree["F13"]
        assert after.all_agree is False
    finally:
        demo.upsert_relationships(Rel.COVERS, Label.PARTY_ORG, Label.ORGANIZATION, rows)
    assert FIGURES(demo).model_dump() == before.model_dump()


def test_removing_demonstration_tiers_changes_f5_by_exactly_that(demo: Any) -> None:
    before = FIGURES(demo)
    parties = demo.fetch_nodes(Label.PARTY_ORG)
    targets = {_key(v) for _, v, _, _ in demo.fetch_relationships(Rel.PAIRED_WITH)}
    city = sorted(k for k, p in parties.items() if p.get("demo_tier") == "市级" and k not in targets)[0]
    town = sorted(k for k, p in parties.items() if p.get("demo_tier") == "镇街级" and k not in targets)[0]
    originals = [parties[city], parties[town]]
    stripped = [{k: v for k, v in p.items() if k != "demo_tier"} for p in originals]
    demo.upsert_nodes(Label.PARTY_ORG, stripped)
    try:
        after = FIGURES(demo)
        assert _values(after)["F5"] == {"total": 205, "city": 11, "district": 57, "town": 137}
        _unchanged_except(before, after, {"F5"})
        assert not next(f for f in after.figures if f.id == "F5").agrees
    finally:
        demo.upsert_nodes(Label.PARTY_ORG, originals)
    assert FIGURES(demo).model_dump() == before.model_dump()


def test_moving_a_member_out_of_jishan_changes_f20(demo: Any) -> None:
    before = FIGURES(demo)
    parties = demo.fetch_nodes(Label.PARTY_ORG)
    units = {k for k, p in parties.items() if "箕山电煤" in p.get("party_org_name", "")}
    members = demo.fetch_nodes(Label.MEMBER)
    rel = sorted(
        (u, v, rid, props)
        for u, v, rid, props in demo.fetch_relationships(Rel.RELATIONSHIP_IN)
        if _key(v) in units
        and not any(members[_key(u)].get(k) for k in ("post", "title", "flag", "in_management"))
    )[0]
    row = {"from": _key(rel[0]), "to": _key(rel[1]), "rid": rel[2], "props": rel[3]}
    assert demo.delete_relationships(Rel.RELATIONSHIP_IN, [row]) == 1
    try:
        after = FIGURES(demo)
        assert _part(after, "F20", "members").value == 104
        assert _ratio(after, "F20", "in_management_share") == (38, 104)
        assert _ratio(after, "F20", "titled_share") == (16, 104)
        _unchanged_except(before, after, {"F20"})
        assert not next(f for f in after.figures if f.id == "F20").agrees
    finally:
        demo.upsert_relationships(Rel.RELATIONSHIP_IN, Label.MEMBER, Label.PARTY_ORG, [row])
    assert FIGURES(demo).model_dump() == before.model_dump()


# --- command line ---------------------------------------------------------------------------


def _cli(monkeypatch: pytest.MonkeyPatch, home: Path, *args: str) -> Any:
    from cli import app
    from graph.settings import get_settings

    monkeypatch.setenv("ORGGRAPH_HOME", str(home))
    get_settings.cache_clear()
    return CliRunner().invoke(app, ["figures", *args])


def test_cli_json(embedded_demo: EmbeddedStore, monkeypatch: pytest.MonkeyPatch) -> None:
    res = _cli(monkeypatch, embedded_demo.home, "--json", "--backend", "embedded")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["all_agree"] is True
    assert [f["id"] for f in data["figures"]][:3] == ["F1", "F2", "F3"]
    f12 = next(f for f in data["figures"] if f["id"] == "F12")
    assert (f12["value"], f12["article"], f12["agrees"]) == (72.5199, "72.52%", True)
    f5 = next(f for f in data["figures"] if f["id"] == "F5")
    assert f5["value"] == {"total": 207, "city": 12, "district": 57, "town": 138}


def test_cli_table(embedded_demo: EmbeddedStore, monkeypatch: pytest.MonkeyPatch) -> None:
    res = _cli(monkeypatch, embedded_demo.home, "--backend", "embedded")
    assert res.exit_code == 0, res.output
    for text in ("编号", "原文值", "是否一致", "F22", "✓", "19 / 19 项与原文一致"):
        assert text in res.stdout
    assert "✗" not in res.stdout


def test_cli_unknown_town(embedded_demo: EmbeddedStore, monkeypatch: pytest.MonkeyPatch) -> None:
    res = _cli(monkeypatch, embedded_demo.home, "--backend", "embedded", "--town", "NOPE")
    assert res.exit_code == 2


def test_cli_store_down(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NEO4J_URI", "neo4j://127.0.0.1:9")  # discard port: nothing listens
    res = _cli(monkeypatch, tmp_path, "--backend", "neo4j")
    assert res.exit_code == 3
