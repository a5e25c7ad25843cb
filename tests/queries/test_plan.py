"""The coverage plan (issue 14): a hand-made problem solved exactly, and the demo district's plan
checked rule by rule by a validator that reads the store itself (not the plan's facts)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import pytest

from graph.loaders.demo import generate
from graph.loaders.load import load_roster
from graph.model import ASSOCIATION_CATEGORIES, NONPUBLIC_CATEGORIES, SOCIAL_CATEGORIES, Label, Rel
from graph.settings import Settings
from graph.store.embedded import EmbeddedStore
from queries import cache
from queries.plan import (
    PAIRING_PLAN,
    PLAN,
    AcceptedRow,
    PairingParams,
    PlanParams,
    PlanResult,
    build_problem,
    greedy_assignment,
    greedy_from_facts,
    plan_facts,
    plan_from_facts,
)
from queries.plan_facts import CoverageCount, Covered, Instructor, Party, PlanFacts, Unit
from queries.scope import Scope

SECRET = "test-secret-key-0123456789abcdef-0123456789"

# --- a hand-made problem whose optimum is known -------------------------------------------------
# Town T1, host_cap 1. Latitude steps of 0.01 degree are ~1.11 km.
#   U1  3 full members                 -> 单独建
#   U2  1 full, U3 2 full, same park   -> 联合建 {U2, U3} (3 full together)
#   U4  1 full, near H3 only           -> 挂靠建 H3
#   U5  no members, 50 staff, near H1 (0.6 km) and H2 (2.2 km)
#   U6  no members, 10 staff, near H1 only
#       greedy (members, then staff, nearest host) gives U5 -> H1 and leaves U6 out;
#       the optimum is U5 -> H2, U6 -> H1: both covered            -> 1+X
#   U7  no members, no host near, no instructor yet, I1 has room   -> 派驻指导员 I1
#   U8  no members, no host near, already instructed               -> unplaced (no_host)
#   U9  注销-free but 在建                                          -> unplaced (not_in_operation)


def _u(key: str, lat: float | None, full: int = 0, **kw: Any) -> Unit:
    base: dict[str, Any] = {
        "key": key,
        "name": f"{key}公司",
        "town": "T1",
        "category": "非公企业",
        "industry": "制造业",
        "park": None,
        "association": None,
        "employees": 10,
        "status": "在营",
        "lon": None if lat is None else 105.9,
        "lat": lat,
        "full": full,
        "probationary": 0,
        "instructed": False,
        "paired": False,
    }
    base.update(kw)
    return Unit(**base)


def _host(key: str, lat: float, load: int = 1) -> Party:
    cov = Covered(f"C{key}", "T1", None, None, "非公企业", "制造业", 105.9, lat)
    return Party(
        key, f"{key}党支部", "T1", "组织党组织", "党支部", "单独建", None, None, (cov,), load, 0, False
    )


HAND = PlanFacts(
    units=(
        _u("U1", 29.30, full=3),
        _u("U2", 29.40, full=1, park="P1"),
        _u("U3", 29.60, full=2, park="P1"),
        _u("U4", 29.80, full=1),
        _u("U5", 29.006, employees=50),
        _u("U6", 28.98, employees=10),
        _u("U7", 30.50),
        _u("U8", 30.70, instructed=True),
        _u("U9", 31.00, full=4, status="在建"),
    ),
    parties=(
        _host("H1", 29.0),
        _host("H2", 29.026),
        _host("H3", 29.81),
    ),
    instructors=(Instructor("I1", "张三", ("T1", "T1")),),
    counts=(CoverageCount("T1", "非公企业", True, True, 3), CoverageCount("T1", "非公企业", False, True, 9)),
    towns=(("T1", "一镇"),),
    parks=(("P1", "一园"),),
    associations=(),
)
HAND_PARAMS = PlanParams(host_cap=1)


def _decisions(res: PlanResult) -> dict[str, tuple[str, Any]]:
    out: dict[str, tuple[str, Any]] = {}
    for r in res.rows:
        other = r.host or (tuple(r.group) if r.group else None) or r.instructor
        out[r.org] = (r.formation, other)
    return out


def test_hand_made_problem_is_solved_exactly() -> None:
    res = plan_from_facts(HAND, HAND_PARAMS, "T1")
    assert _decisions(res) == {
        "U1": ("单独建", None),
        "U2": ("联合建", ("U2", "U3")),
        "U3": ("联合建", ("U2", "U3")),
        "U4": ("挂靠建", "H3"),
        "U5": ("1+X", "H2"),
        "U6": ("1+X", "H1"),
        "U7": ("派驻指导员", "I1"),
    }
    assert {(u.org, u.rule) for u in res.unplaced} == {("U8", "no_host"), ("U9", "not_in_operation")}
    assert res.solver.status == "OPTIMAL"
    assert res.solver.objective[:2] == [6.0, 7.0]  # six covered by a party organisation, seven served
    # before: 3 of 12 covered, all work-covered but U7 ... (counts above say 12 served); after: +6
    assert res.before.district.nonpublic.covered == 3
    assert res.after.district.nonpublic.covered == 9
    joint = next(r for r in res.rows if r.org == "U2")
    assert "U3公司" in joint.reason and "合计正式党员3名" in joint.reason and "一园" in joint.reason


def test_greedy_misses_the_hand_made_optimum() -> None:
    g = greedy_from_facts(HAND, HAND_PARAMS, "T1")
    assert _decisions(g)["U5"] == ("1+X", "H1")
    assert _decisions(g).get("U6", ("",))[0] not in ("1+X", "挂靠建")  # at best an instructor
    assert len(build_problem(HAND, HAND_PARAMS).units) == 8
    assert len(greedy_assignment(build_problem(HAND, HAND_PARAMS)).covered()) == 5


def test_locks_are_kept_and_reported() -> None:
    # Accept U5 -> H1 (the greedy choice): U6 can then only get an instructor.
    p = PlanParams(host_cap=1, accepted=(AcceptedRow(org="U5", formation="1+X", host="H1"),))
    d = _decisions(plan_from_facts(HAND, p, "T1"))
    assert d["U5"] == ("1+X", "H1")
    assert d["U6"][0] == "派驻指导员" or "U6" not in d
    row = next(r for r in plan_from_facts(HAND, p, "T1").rows if r.org == "U5")
    assert row.locked
    # A forbidden host is never used; an excluded unit is listed as excluded.
    p2 = PlanParams(host_cap=1, forbidden_hosts=("H2",), excluded=("U1",))
    r2 = plan_from_facts(HAND, p2, "T1")
    assert all(r.host != "H2" for r in r2.rows)
    assert ("U1", "excluded") in {(u.org, u.rule) for u in r2.unplaced}
    # An accepted row that no longer holds is dropped with a note, not obeyed.
    p3 = PlanParams(host_cap=1, accepted=(AcceptedRow(org="U7", formation="1+X", host="H1"),))
    r3 = plan_from_facts(HAND, p3, "T1")
    assert r3.notes and "U7" in r3.notes[0]


# --- the demo district --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    wb = generate(tmp_path_factory.mktemp("demo") / "demo.xlsx", scale=1, seed=2011)
    home = tmp_path_factory.mktemp("home")
    store = EmbeddedStore(home)
    settings = Settings(ORGGRAPH_HOME=home, ORGGRAPH_SECRET_KEY=SECRET, ORGGRAPH_ENV="development")
    store.apply_schema()
    assert load_roster(wb, store, settings=settings).exit_code == 0
    yield store
    store.close()


@pytest.fixture(scope="module")
def demo_plan(demo_store: EmbeddedStore) -> PlanResult:
    return PLAN(demo_store, Scope(), PlanParams())


def _km(a: dict[str, Any], b: dict[str, Any]) -> float | None:
    if a.get("lon") is None or a.get("lat") is None or b.get("lon") is None or b.get("lat") is None:
        return None
    p1, p2 = math.radians(a["lat"]), math.radians(b["lat"])
    dl = math.radians(b["lon"] - a["lon"])
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def validate(store: Any, res: PlanResult, p: PlanParams, town: str | None = None) -> list[str]:
    """Every rule of issue 14 for every row, from the store's own nodes and relationships."""
    orgs = store.fetch_nodes(Label.ORGANIZATION)
    parties = store.fetch_nodes(Label.PARTY_ORG)
    members = store.fetch_nodes(Label.MEMBER)

    def ends(rel: Rel) -> list[tuple[str, str]]:
        return [(f, t) for f, t, _, _ in store.fetch_relationships(rel)]

    covers: dict[str, list[str]] = defaultdict(list)  # party org -> organisations
    covered: set[str] = set()
    for f, t in ends(Rel.COVERS):
        covers[f.split(":", 1)[1]].append(t.split(":", 1)[1])
        covered.add(t.split(":", 1)[1])
    full: Counter[str] = Counter()
    anyone: Counter[str] = Counter()
    for f, t in ends(Rel.WORKS_AT):
        m = members[f.split(":", 1)[1]]
        anyone[t.split(":", 1)[1]] += 1
        if m.get("member_type") == "正式党员":
            full[t.split(":", 1)[1]] += 1
    assigned: dict[str, list[str]] = defaultdict(list)
    instructed: set[str] = set()
    for f, t in ends(Rel.ASSIGNED_TO):
        lab, key = t.split(":", 1)
        node = orgs.get(key) if lab == "Organization" else parties.get(key)
        assigned[f.split(":", 1)[1]].append((node or {}).get("town_code"))
        if lab == "Organization":
            instructed.add(key)
    cats = NONPUBLIC_CATEGORIES | SOCIAL_CATEGORIES
    units = {
        k
        for k, o in orgs.items()
        if k not in covered
        and o.get("status") == "在营"
        and o.get("org_category") in cats
        and (town is None or o.get("town_code") == town)
        and k not in p.excluded
    }
    errors: list[str] = []
    seen: Counter[str] = Counter(r.org for r in res.rows)
    errors += [f"{k}: {n} rows" for k, n in seen.items() if n > 1]
    placed = set(seen)
    unplaced = {u.org for u in res.unplaced if u.rule not in ("excluded", "not_in_operation")}
    if placed | unplaced != units or placed & unplaced:
        errors.append(f"rows + unplaced != units ({len(placed)} + {len(unplaced)} vs {len(units)})")
    new_load: Counter[str] = Counter()
    new_ins: Counter[str] = Counter()

    def near(a: dict[str, Any], b_list: list[dict[str, Any]], parks: set[str], assocs: set[str]) -> bool:
        if a.get("park_code") and a["park_code"] in parks:
            return True
        if (a.get("association_uscc") and a["association_uscc"] in assocs) or a["uscc"] in {
            x.get("association_uscc") for x in b_list
        }:
            return True
        if a.get("lon") is None or a.get("lat") is None:
            return True  # no coordinates: near every host of its town
        d = [_km(a, b) for b in b_list]
        return any(x is not None and x <= p.distance_km + 1e-9 for x in d)

    for r in res.rows:
        o = orgs[r.org]
        if r.org not in units:
            errors.append(f"{r.org}: not a unit to place")
            continue
        if r.formation == "单独建":
            if full[r.org] < 3:
                errors.append(f"{r.org}: 单独建 with {full[r.org]} full members")
        elif r.formation == "联合建":
            g = r.group
            if not (2 <= len(g) <= p.max_units) or r.org not in g:
                errors.append(f"{r.org}: group size {len(g)}")
            if sum(full[x] for x in g) < 3 or any(full[x] < 1 for x in g):
                errors.append(f"{r.org}: group members {[full[x] for x in g]}")
            if len({orgs[x].get("town_code") for x in g}) != 1:
                errors.append(f"{r.org}: group spans towns")
            for x in g:
                other = next((q for q in res.rows if q.org == x), None)
                if other is None or other.group != g:
                    errors.append(f"{r.org}: member {x} without the same group row")
                for y in g:
                    if x < y:
                        a, b = orgs[x], orgs[y]
                        same_park = a.get("park_code") and a.get("park_code") == b.get("park_code")
                        aa, ba = a.get("association_uscc"), b.get("association_uscc")
                        same_assoc = (aa and (aa in (ba, y))) or (ba and ba == x)
                        d = _km(a, b)
                        if not (same_park or same_assoc or d is None or d <= p.distance_km + 1e-9):
                            errors.append(f"{r.org}: {x} and {y} not near ({d})")
        elif r.formation in ("挂靠建", "1+X"):
            h = parties.get(r.host or "")
            if h is None:
                errors.append(f"{r.org}: host {r.host} missing")
                continue
            new_load[r.host or ""] += 1
            if h.get("kind") not in ("组织党组织", "协会党组织") or h.get("level") not in (
                "党支部",
                "党总支",
                "党委",
            ):
                errors.append(f"{r.org}: host {r.host} is {h.get('kind')} {h.get('level')}")
            want = "挂靠建" if anyone[r.org] else "1+X"
            if r.formation != want:
                errors.append(f"{r.org}: {r.formation} but should be {want}")
            cs = [orgs[c] for c in covers[r.host or ""] if c in orgs and orgs[c].get("status") != "注销"]
            parks = {x["park_code"] for x in cs if x.get("park_code")} | (
                {h["park_code"]} if h.get("park_code") else set()
            )
            assocs = {x["association_uscc"] for x in cs if x.get("association_uscc")}
            assocs |= {x["uscc"] for x in cs if x.get("org_category") in ASSOCIATION_CATEGORIES}
            if h.get("town_code") == o.get("town_code"):
                if not near(o, cs, parks, assocs):
                    errors.append(f"{r.org}: host {r.host} not near")
            elif not (
                h.get("kind") == "协会党组织"
                and o.get("association_uscc")
                and o["association_uscc"]
                in {x["uscc"] for x in cs if x.get("org_category") in ASSOCIATION_CATEGORIES}
            ):
                errors.append(f"{r.org}: host {r.host} of another town and not its association's")
            d = [x for x in (_km(o, c) for c in cs) if x is not None]
            if r.distance_km is not None and (not d or abs(min(d) - r.distance_km) > 0.002):
                errors.append(f"{r.org}: distance {r.distance_km} vs {min(d) if d else None}")
        elif r.formation == "派驻指导员":
            if r.org in instructed:
                errors.append(f"{r.org}: already had an instructor")
            towns = Counter(t for t in assigned[r.instructor or ""] if t is not None)
            mine = min(towns, key=lambda t: (-towns[t], t)) if towns else None
            if mine != o.get("town_code"):
                errors.append(f"{r.org}: instructor {r.instructor} of town {mine}")
            new_ins[r.instructor or ""] += 1
        if not r.reason or not any("\u4e00" <= ch <= "\u9fff" for ch in r.reason):
            errors.append(f"{r.org}: no Chinese reason")
    errors += [f"host {h}: {n} new > {p.host_cap}" for h, n in new_load.items() if n > p.host_cap]
    errors += [
        f"instructor {i}: {len(assigned[i]) + n} > {p.instructor_cap}"
        for i, n in new_ins.items()
        if len(assigned[i]) + n > p.instructor_cap
    ]
    # before -> after adds exactly the units the plan covers
    org_rows = [r for r in res.rows if r.formation != "派驻指导员"]
    for kd, cs_ in (("nonpublic", NONPUBLIC_CATEGORIES), ("social", SOCIAL_CATEGORIES)):
        added = sum(1 for r in org_rows if r.category in cs_)
        b, a = getattr(res.before.district, kd), getattr(res.after.district, kd)
        if a.covered - b.covered != added:
            errors.append(f"{kd}: after - before = {a.covered - b.covered}, rows {added}")
        live = [o for k, o in orgs.items() if o.get("status") != "注销" and o.get("org_category") in cs_]
        if town is not None:
            live = [o for o in live if o.get("town_code") == town]
        if b.total != len(live) or b.covered != sum(1 for o in live if o["uscc"] in covered):
            errors.append(f"{kd}: before {b.covered}/{b.total} disagrees with the store")
    return errors


def test_demo_plan_obeys_every_rule(demo_store: EmbeddedStore, demo_plan: PlanResult) -> None:
    assert validate(demo_store, demo_plan, PlanParams()) == []
    kinds = Counter(r.formation for r in demo_plan.rows)
    assert kinds["单独建"] and kinds["联合建"] and kinds["1+X"]
    assert demo_plan.solver.status == "OPTIMAL"


def test_demo_plan_never_covers_fewer_than_greedy(demo_store: EmbeddedStore, demo_plan: PlanResult) -> None:
    f = plan_facts(demo_store, Scope())
    g = greedy_from_facts(f, PlanParams())
    assert validate(demo_store, g, PlanParams()) == []  # the baseline obeys the rules too

    def org(res: PlanResult) -> int:
        return sum(1 for r in res.rows if r.formation != "派驻指导员")

    assert org(demo_plan) >= org(g)


def test_demo_plan_with_tight_caps_still_valid_and_not_below_greedy(demo_store: EmbeddedStore) -> None:
    town = sorted(demo_store.fetch_nodes(Label.TOWN))[0]
    p = PlanParams(host_cap=1, distance_km=1.0, max_units=3, instructor_cap=4)
    res = PLAN(demo_store, Scope(town), p)
    assert validate(demo_store, res, p, town) == []
    g = greedy_from_facts(plan_facts(demo_store, Scope(town)), p, town)
    n = sum(1 for r in res.rows if r.formation != "派驻指导员")
    assert n >= sum(1 for r in g.rows if r.formation != "派驻指导员")
    assert res.unplaced and all(u.reason for u in res.unplaced)


def test_second_run_gives_the_same_plan(demo_store: EmbeddedStore, demo_plan: PlanResult) -> None:
    cache.clear(demo_store)
    again = PLAN(demo_store, Scope(), PlanParams())
    a, b = demo_plan.model_dump(), again.model_dump()
    a["solver"].pop("seconds")
    b["solver"].pop("seconds")
    assert a == b


def test_json_shape(demo_plan: PlanResult) -> None:
    d = demo_plan.model_dump(mode="json")
    assert {"parameters", "before", "after", "rows", "unplaced", "solver"} <= set(d)
    assert {"status", "objective", "bound", "seconds"} <= set(d["solver"])
    for r in d["rows"]:
        assert {"org", "formation", "host", "group", "instructor", "reason"} <= set(r)
        assert isinstance(r["org"], str) and all(isinstance(x, str) for x in r["group"])
        assert r["host"] is None or isinstance(r["host"], str)


def test_town_plan_stays_in_its_town(demo_store: EmbeddedStore) -> None:
    town = sorted(demo_store.fetch_nodes(Label.TOWN))[3]
    res = PLAN(demo_store, Scope(town), PlanParams())
    orgs = demo_store.fetch_nodes(Label.ORGANIZATION)
    parties = demo_store.fetch_nodes(Label.PARTY_ORG)
    assert res.rows
    for r in res.rows:
        assert orgs[r.org]["town_code"] == town
        if r.host:
            assert parties[r.host].get("town_code") in (town, None)
    assert [t.town for t in res.before.towns] == [town]


def test_pairing_plan_respects_caps_and_order(demo_store: EmbeddedStore) -> None:
    p = PairingParams()
    res = PAIRING_PLAN(demo_store, Scope(), p)
    parties = demo_store.fetch_nodes(Label.PARTY_ORG)
    today: Counter[str] = Counter()
    for f, _t in {(f, t) for f, t, _, _ in demo_store.fetch_relationships(Rel.PAIRED_WITH)}:
        today[f.split(":", 1)[1]] += 1
    new = Counter(r.point for r in res.rows)
    assert res.rows
    for pt, n in new.items():
        assert parties[pt].get("demo_tier")
        assert today[pt] + n <= p.pairing_cap
    # units are served by priority: nobody unpaired outranks a paired unit while places ran out
    assert (
        sum(max(0, p.pairing_cap - today[k]) for k, v in parties.items() if v.get("demo_tier"))
        == len(res.rows)
        or not res.unpaired
    )
