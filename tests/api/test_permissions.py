"""The permission matrix: every route x every role x own / other town, on both backends.

Expected: no token, a wrong token or a revoked one -> 401 (with WWW-Authenticate); admin
and district -> 200 everywhere (201 for a save); a town token (T1) -> 200 in its own town,
404 for another town's records or a request for another town (``Scope.for_caller``: answered
like a missing record), and every 200 it gets names only T1's entities and the district-level
party organisations above them (no key, no name, no ``Label:key`` id of another town's
entity). Admin-only routes answer 403 to the other roles. No body, whoever asks, holds a
raw ID number, a raw phone or a keyed hash.

Every route of the app is in :data:`ROUTES` or in :data:`EXEMPT` (with the reason):
:func:`test_every_route_is_in_the_matrix` enumerates ``app.routes``, so a new route fails
until it is given its row here.

The graph is loaded once per backend for this module, with two history snapshots, the towns'
boundaries and a saved plan per town; the writes the matrix makes (saved plans) add documents,
never change the graph.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from api.app import create_app
from graph.loaders.boundaries import import_boundaries
from graph.loaders.report import LoadResult
from graph.model import Label
from graph.settings import Settings
from graph.store import GraphStore
from graph.store.embedded import EmbeddedStore
from graph.tokens import TokenStore
from queries import history
from queries.plan import PlanParams
from queries.plan_saved import save_plan
from queries.scope import Scope
from tests.api.conftest import API, RAW_MEMBERS, add_personal_hashes, assert_no_personal_leak
from tests.fixtures import INSTRUCTORS, MEMBERS, ORGS, PARTY_ORGS, TOWNS, VILLAGES, load_fixture
from tests.map.test_map_faces import _collection
from workflows.loading import record

SECRET = "test-secret-key-0123456789abcdef-0123456789"
# An organisation registered in T2 between the two history snapshots (the diff names it).
NEW_T2_ORG = {"uscc": "O90", "org_name": "青峰新材料公司", "org_category": "非公企业", "town_code": "T2"}


@dataclass(frozen=True)
class Case:
    """One route's row: a URL in the caller's own town (T1), one for another town's record or
    town, one without a town parameter. ``{plan_T1}`` etc. name the module's saved plans."""

    name: str
    own: str
    other: str
    bare: str
    method: str = "GET"
    body: dict[str, Any] | None = None
    ok: int = 200
    admin_only: bool = False
    # Why the district's answer for ``other`` names nothing of another town (when it does not).
    other_is_anonymous: str = ""
    urls: dict[str, str] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "urls", {"own": self.own, "other": self.other, "bare": self.bare})


def _lookup(raw: str) -> dict[str, str]:
    return {"id_number": raw, "reason": "matrix check"}


def by_town(name: str, path: str, bare: str | None = None, **kw: Any) -> Case:
    """A route whose town is a query parameter: ``?town=T1``, ``?town=T2``, none (or ``bare``)."""
    sep = "&" if "?" in path else "?"
    return Case(name, f"{path}{sep}town=T1", f"{path}{sep}town=T2", bare or path, **kw)


def paths(name: str, *pairs: tuple[str, str]) -> Case:
    own, other, bare = (f"/paths?source={a}&target={b}" for a, b in pairs)
    return Case(name, own, other, bare)


ROUTES: list[Case] = [
    by_town("coverage", "/coverage"),
    by_town("gaps", "/gaps"),
    paths("paths", ("O01", "O02"), ("O09", "O10"), ("PO1", "O01")),
    paths("paths-cross", ("O01", "O04"), ("O01", "O09"), ("O04", "O14")),
    Case("membership", "/members/M01/membership", "/members/M12/membership", "/members/M03/membership"),
    by_town("inconsistencies", "/membership/inconsistencies"),
    by_town("pairings", "/pairings", "/pairings?pairing_type=村企联建"),
    by_town("centrality", "/centrality", "/centrality?network=membership"),
    Case("impact", "/impact?keys=PO1", "/impact?keys=PO4", "/impact?rank=demo_point"),
    Case("ego", "/ego?key=PO1", "/ego?key=PO4", "/ego?key=Member:M01&hops=2"),
    Case("organizations", "/organizations/O01", "/organizations/O09", "/organizations/O07"),
    Case("party-orgs", "/party-orgs/PO1", "/party-orgs/PO4", "/party-orgs/TC1"),
    Case("member", "/members/M01", "/members/M12", "/members/M03"),
    Case("village", "/villages/V2", "/villages/V1", "/villages/V2"),
    by_town("search", "/search?q=公司"),
    by_town("org-tree", "/org-tree"),
    by_town("figures", "/figures", other_is_anonymous="figures are counts and rates: they name no entity"),
    by_town("map-towns", "/map/towns"),
    by_town("map-points", "/map/organizations"),
    by_town("map-links", "/map/links", "/map/links?kinds=示范帮扶&kinds=村企联建"),
    by_town("plan", "/plans", "/plans?distance_km=5"),
    by_town("plan-locks", "/plans", method="POST", body={"excluded": ["O02"]}),
    by_town("plan-pairing", "/plans/pairing"),
    by_town("plans-saved", "/plans/saved"),
    by_town("plan-save", "/plans/saved", method="POST", body={"name": "矩阵方案"}, ok=201),
    Case(
        "plan-saved-one", "/plans/saved/{plan_T1}", "/plans/saved/{plan_T2}", "/plans/saved/{plan_T1}?town=T1"
    ),
    Case(
        "plan-accept",
        "/plans/saved/{plan_T1}/accept",
        "/plans/saved/{plan_T2}/accept",
        "/plans/saved/{plan_T1}/accept?town=T1",
        method="POST",
        body={"orgs": ["O02", "O13"]},  # a row of each town's plan: the other is counted, not named
    ),
    by_town("history", "/history"),
    by_town("history-snapshot", "/history/0002", "/history/2"),
    by_town("history-diff", "/history/0001/diff/0002", "/history/2/diff/1"),
    by_town("five-ones", "/five-ones"),
    by_town("todo", "/todo"),
    # admin only: every other role is refused (403) before any town is looked at
    Case(
        "member-lookup",
        *["/members/lookup"] * 3,
        method="POST",
        body=_lookup(RAW_MEMBERS["M01"][0]),
        admin_only=True,
        other_is_anonymous="admin only: the district is refused too (403)",
    ),
]
CASES = {c.name: c for c in ROUTES}

# Routes outside the matrix, each with the reason (and the test that covers it instead).
EXEMPT: dict[tuple[str, str], str] = {
    # public by design: up/down for anyone; counts only for a district-wide token (test_matrix_health)
    ("GET", f"{API}/health"): "public",
}

BAD_ROLES = ("anonymous", "garbage", "revoked")
ROLES = [*BAD_ROLES, "admin", "district", "town1"]
KINDS = ["own", "other", "bare"]
# Another town's record is answered exactly like a missing one (no existence oracle).
PROBLEM_CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found"}


def _other_town_entities() -> tuple[frozenset[str], frozenset[str]]:
    """``Label:key`` ids and bare keys / names of everything a T1 caller must never see: every
    entity located in another town, and I3 (an instructor of two towns, no town)."""
    rows: list[tuple[Label, str, str | None]] = []
    for label, items, key, name in (
        (Label.ORGANIZATION, [*ORGS, NEW_T2_ORG], "uscc", "org_name"),
        (
            Label.PARTY_ORG,
            [p for p in PARTY_ORGS if p.get("town_code") is not None],
            "party_org_code",
            "party_org_name",
        ),
        (Label.MEMBER, MEMBERS, "member_id", "name"),
        (Label.INSTRUCTOR, INSTRUCTORS, "instructor_id", "name"),
        (Label.VILLAGE, VILLAGES, "village_code", "village_name"),
        (Label.TOWN, TOWNS, "town_code", "town_name"),
    ):
        rows += [(label, x[key], x.get(name)) for x in items if x.get("town_code") != "T1"]
    ids = frozenset(f"{lab.value}:{k}" for lab, k, _ in rows)
    words = frozenset(w for _, k, n in rows for w in (k, n) if w)
    return ids, words


OTHER_TOWN_IDS, OTHER_TOWN_WORDS = _other_town_entities()


class Matrix:
    def __init__(self, client: TestClient, tokens: dict[str, str], plans: dict[str, str]) -> None:
        self.client = client
        self.tokens = tokens
        self.plans = plans

    def headers(self, role: str) -> dict[str, str]:
        if role == "anonymous":
            return {}
        if role == "garbage":
            return {"Authorization": "Bearer og_not-a-real-token"}
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def call(self, case: Case, kind: str, role: str) -> Any:
        url = API + case.urls[kind].format(**self.plans)
        return self.client.request(case.method, url, json=case.body, headers=self.headers(role))


def _history(store: GraphStore) -> None:
    """Two snapshots: the fixture as a baseline, then one with a T2 organisation registered."""
    loaded = LoadResult(path="matrix.xlsx", exit_code=0)
    record(store, loaded, None)
    before = history.capture(store)
    with store.bulk():
        store.upsert_nodes(Label.ORGANIZATION, [NEW_T2_ORG])
    record(store, loaded, before)


def _open(backend: str, home: Any) -> GraphStore:
    if backend == "embedded":
        return EmbeddedStore(home / "embedded")
    from tests.conftest import _open_neo4j

    store: GraphStore = _open_neo4j()
    store.wipe()
    store.apply_schema()
    return store


@pytest.fixture(scope="module", params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def matrix(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    home = tmp_path_factory.mktemp("matrix-home")
    settings = Settings(ORGGRAPH_HOME=str(home), ORGGRAPH_SECRET_KEY=SECRET)
    store = _open(request.param, home)
    load_fixture(store)
    add_personal_hashes(store, settings)
    _history(store)
    boundaries = home / "towns.geojson"
    boundaries.write_text(json.dumps(_collection([t["town_code"] for t in TOWNS])), encoding="utf-8")
    assert import_boundaries(store, boundaries).ok
    plans = {
        f"plan_{scope.town}": save_plan(store, scope, "矩阵", PlanParams(), "matrix").id
        for scope in (Scope("T1"), Scope("T2"))
    }
    ts = TokenStore(settings)
    revoked, rec = ts.create("district")
    ts.revoke(rec.token_id)
    tokens = {
        "admin": ts.create("admin")[0],
        "district": ts.create("district")[0],
        "town1": ts.create("town", town="T1")[0],
        "revoked": revoked,
    }
    app = create_app(settings=settings, store=store)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Matrix(client, tokens, plans)
    store.close()


def _noderefs(obj: Any) -> Iterator[dict[str, Any]]:
    if isinstance(obj, dict):
        if "label" in obj and "key" in obj and "town_code" in obj:
            yield obj
        for v in obj.values():
            yield from _noderefs(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _noderefs(v)


def assert_confined_to_t1(body: str) -> None:
    data = json.loads(body)
    if isinstance(data, dict) and "town" in data and not isinstance(data["town"], dict):
        assert data["town"] == "T1", f"a T1 caller got the answer for {data['town']!r}"
    for ref in _noderefs(data):
        ok = ref["town_code"] == "T1" or (ref["town_code"] is None and ref["label"] == "PartyOrg")
        assert ok, f"a T1 caller was shown {ref}"
    text = json.dumps(data, ensure_ascii=False)
    for word in sorted(OTHER_TOWN_IDS | OTHER_TOWN_WORDS):
        assert json.dumps(word, ensure_ascii=False) not in text, f"a T1 caller was shown {word}"


def expected(case: Case, role: str, kind: str) -> int:
    if role in BAD_ROLES:
        return 401
    if case.admin_only and role != "admin":
        return 403
    if role == "town1" and kind == "other":
        return 404
    return case.ok


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("route", list(CASES))
@pytest.mark.parametrize("role", ROLES)
def test_matrix(matrix: Matrix, role: str, route: str, kind: str) -> None:
    case = CASES[route]
    r = matrix.call(case, kind, role)
    want = expected(case, role, kind)
    assert r.status_code == want, (role, case.method, case.urls[kind], r.status_code, r.text[:400])
    assert_no_personal_leak(r.content)
    if want != case.ok:
        assert r.headers["content-type"] == "application/problem+json"
        problem = r.json()
        assert (
            problem["status"] == want
            and problem["code"] == PROBLEM_CODES[want]
            and problem["message_zh"]
            and problem["message_en"]
        )
        if want == 401:
            assert r.headers["www-authenticate"].startswith("Bearer")
        return
    if role == "town1":
        assert_confined_to_t1(r.text)


def _templates() -> set[tuple[str, str]]:
    """(method, path) of every API route of the app, as FastAPI resolves included routers."""
    app = create_app(settings=Settings(ORGGRAPH_SECRET_KEY=SECRET))
    out: set[tuple[str, str]] = set()
    for r in iter_route_contexts(app.routes):
        if isinstance(r.original_route, APIRoute) and r.path.startswith(API + "/"):
            out |= {(m, r.path) for m in r.methods or ()}
    return out


def _route_of(method: str, url: str, templates: set[tuple[str, str]]) -> set[tuple[str, str]]:
    path = (API + url).split("?")[0]
    return {
        (m, t)
        for m, t in templates
        if m == method and re.fullmatch(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(t)), path)
    }


def test_every_route_is_in_the_matrix() -> None:
    """A route the matrix does not name (nor EXEMPT) fails here: give it a row in ROUTES."""
    templates = _templates()
    covered: set[tuple[str, str]] = set()
    for case in ROUTES:
        for kind, url in case.urls.items():
            hit = _route_of(case.method, url, templates)
            assert len(hit) == 1, f"{case.name} {kind} {case.method} {url}: matches {hit or 'no route'}"
            covered |= hit
    assert set(EXEMPT) <= templates, f"EXEMPT names routes the app does not have: {set(EXEMPT) - templates}"
    missing = templates - covered - set(EXEMPT)
    assert not missing, f"routes with no row in the permission matrix: {sorted(missing)}"
    assert not covered & set(EXEMPT)


@pytest.mark.parametrize("role", ROLES)
def test_matrix_health(matrix: Matrix, role: str) -> None:
    r = matrix.client.get(API + "/health", headers=matrix.headers(role))
    assert r.status_code == 200
    assert ("counts" in r.json()) == (role in ("admin", "district"))


def test_lookup_finds_the_member_of_another_town(matrix: Matrix) -> None:
    r = matrix.client.post(
        API + "/members/lookup", json=_lookup(RAW_MEMBERS["M12"][0]), headers=matrix.headers("admin")
    )
    assert r.status_code == 200, r.text[:300]
    assert [m["node"]["key"] for m in r.json()["matches"]] == ["M12"]


@pytest.mark.parametrize(
    "url",
    [
        "/coverage?town=T1",
        "/coverage",
        "/gaps",
        "/search?q=公司",
        "/centrality",
        "/history",
        "/history/2",
        "/todo",
        "/five-ones",
        "/plans/pairing",
        "/impact?rank=demo_point",
    ],
)
def test_town_scope_comes_from_the_token(matrix: Matrix, url: str) -> None:
    """A T1 caller without a town parameter gets exactly the T1 answer an admin gets with ?town=T1."""
    mine = matrix.client.get(API + url, headers=matrix.headers("town1"))
    sep = "&" if "?" in url else "?"
    admin_url = url if "town=" in url else f"{url}{sep}town=T1"
    theirs = matrix.client.get(API + admin_url, headers=matrix.headers("admin"))
    assert mine.status_code == theirs.status_code == 200
    assert mine.json() == theirs.json()


def test_town_search_hides_other_towns(matrix: Matrix) -> None:
    r = matrix.client.get(API + "/search", params={"q": "辛建设"}, headers=matrix.headers("town1"))
    assert r.status_code == 200 and r.json() == []
    r = matrix.client.get(API + "/search", params={"q": "M12"}, headers=matrix.headers("town1"))
    assert r.status_code == 200 and r.json() == []


@pytest.mark.parametrize("route", [c.name for c in ROUTES if not c.other_is_anonymous])
def test_confinement_check_is_not_vacuous(matrix: Matrix, route: str) -> None:
    """What a town caller is refused (the ``other`` URL) does name another town for the
    district: the 404 hides something, and the confinement check trips on it."""
    r = matrix.call(CASES[route], "other", "district")
    assert r.status_code == CASES[route].ok, r.text[:300]
    with pytest.raises(AssertionError):
        assert_confined_to_t1(r.text)


def test_town_history_counts_only_its_own_changes(matrix: Matrix) -> None:
    """A snapshot's change counts are the changes the caller may see (O90 registered in T2 is
    no T1 caller's business, not even as a count)."""
    mine = matrix.client.get(API + "/history/2", headers=matrix.headers("town1")).json()
    assert mine["snapshot"]["change_counts"] == history.counts_of(
        history.Change.model_validate(c) for c in mine["changes"]
    )
    series = matrix.client.get(API + "/history", headers=matrix.headers("town1")).json()["snapshots"]
    assert series[-1]["change_counts"] == mine["snapshot"]["change_counts"]
    district = matrix.client.get(API + "/history/2", headers=matrix.headers("district")).json()
    assert district["snapshot"]["change_counts"].get("org_added") == 1


def test_refused_writes_write_nothing(matrix: Matrix) -> None:
    """A save refused (no token, a bad one, a town token asking for another town) keeps no plan."""

    def saved() -> list[str]:
        r = matrix.client.get(API + "/plans/saved", headers=matrix.headers("district"))
        return sorted(p["id"] for p in r.json())

    before = saved()
    case = CASES["plan-save"]
    for role, kind in [*((role, "bare") for role in BAD_ROLES), ("town1", "other")]:
        assert matrix.call(case, kind, role).status_code == expected(case, role, kind)
    assert saved() == before
