"""The permission matrix: every role x every route x own / other town, on both backends.

Expected: no token, a wrong token or a revoked one -> 401 (with WWW-Authenticate); admin
and district -> 200 everywhere; a town token (T1) -> 200 in its own town, 404 for another
town's records or a request for another town, and every 200 it gets names only T1's
entities and the district-level party organisations above them. No body, whoever asks,
holds a raw ID number, a raw phone or a keyed hash.

The graph is loaded once per backend for this module (the checks only read).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph.settings import Settings
from graph.store.embedded import EmbeddedStore
from graph.tokens import TokenStore
from tests.api.conftest import API, RAW_MEMBERS, add_personal_hashes, assert_no_personal_leak
from tests.fixtures import INSTRUCTORS, MEMBERS, ORGS, PARTY_ORGS, TOWNS, VILLAGES, load_fixture

# (route, own-town URL, other-town URL, URL without a town parameter)
ROUTES: list[tuple[str, str, str, str]] = [
    ("coverage", "/coverage?town=T1", "/coverage?town=T2", "/coverage"),
    ("gaps", "/gaps?town=T1", "/gaps?town=T2", "/gaps"),
    ("paths", "/paths?source=O01&target=O02", "/paths?source=O09&target=O10", "/paths?source=PO1&target=O01"),
    (
        "paths-cross",
        "/paths?source=O01&target=O04",
        "/paths?source=O01&target=O09",
        "/paths?source=O04&target=O14",
    ),
    ("membership", "/members/M01/membership", "/members/M12/membership", "/members/M03/membership"),
    (
        "inconsistencies",
        "/membership/inconsistencies?town=T1",
        "/membership/inconsistencies?town=T2",
        "/membership/inconsistencies",
    ),
    ("pairings", "/pairings?town=T1", "/pairings?town=T2", "/pairings?pairing_type=村企联建"),
    ("centrality", "/centrality?town=T1", "/centrality?town=T2", "/centrality?network=membership"),
    ("ego", "/ego?key=PO1", "/ego?key=PO4", "/ego?key=Member:M01&hops=2"),
    ("organizations", "/organizations/O01", "/organizations/O09", "/organizations/O07"),
    ("party-orgs", "/party-orgs/PO1", "/party-orgs/PO4", "/party-orgs/TC1"),
    ("member", "/members/M01", "/members/M12", "/members/M03"),
    ("village", "/villages/V2", "/villages/V1", "/villages/V2"),
    ("search", "/search?q=公司&town=T1", "/search?q=公司&town=T2", "/search?q=公司"),
    ("org-tree", "/org-tree?town=T1", "/org-tree?town=T2", "/org-tree"),
    ("figures", "/figures?town=T1", "/figures?town=T2", "/figures"),
    ("map-towns", "/map/towns?town=T1", "/map/towns?town=T2", "/map/towns"),
    ("map-points", "/map/organizations?town=T1", "/map/organizations?town=T2", "/map/organizations"),
    ("map-links", "/map/links?town=T1", "/map/links?town=T2", "/map/links?kinds=示范帮扶&kinds=村企联建"),
]
ROLES = ["anonymous", "garbage", "revoked", "admin", "district", "town1"]
KINDS = ["own", "other", "bare"]

# Entities a T1 caller must never see: everything located in another town, and I3 (no town).
_OTHER = (
    [f"Organization:{o['uscc']}" for o in ORGS if o["town_code"] != "T1"]
    + [f"PartyOrg:{p['party_org_code']}" for p in PARTY_ORGS if p.get("town_code") not in (None, "T1")]
    + [f"Member:{m['member_id']}" for m in MEMBERS if m["town_code"] != "T1"]
    + [f"Instructor:{i['instructor_id']}" for i in INSTRUCTORS if i.get("town_code") != "T1"]
    + [f"Village:{v['village_code']}" for v in VILLAGES if v["town_code"] != "T1"]
    + [f"Town:{t['town_code']}" for t in TOWNS if t["town_code"] != "T1"]
)
OTHER_TOWN_IDS = frozenset(_OTHER)


class Matrix:
    def __init__(self, client: TestClient, tokens: dict[str, str]) -> None:
        self.client = client
        self.tokens = tokens

    def headers(self, role: str) -> dict[str, str]:
        if role == "anonymous":
            return {}
        if role == "garbage":
            return {"Authorization": "Bearer og_not-a-real-token"}
        return {"Authorization": f"Bearer {self.tokens[role]}"}


@pytest.fixture(scope="module", params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def matrix(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    home = tmp_path_factory.mktemp("matrix-home")
    settings = Settings(
        ORGGRAPH_HOME=str(home), ORGGRAPH_SECRET_KEY="test-secret-key-0123456789abcdef-0123456789"
    )
    if request.param == "embedded":
        store: Any = EmbeddedStore(home / "embedded")
    else:
        from tests.conftest import _open_neo4j

        store = _open_neo4j()
        store.wipe()
        store.apply_schema()
    load_fixture(store)
    add_personal_hashes(store, settings)
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
        yield Matrix(client, tokens)
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
    import json

    data = json.loads(body)
    for ref in _noderefs(data):
        ok = ref["town_code"] == "T1" or (ref["town_code"] is None and ref["label"] == "PartyOrg")
        assert ok, f"a T1 caller was shown {ref}"
    for nid in OTHER_TOWN_IDS:
        assert f'"{nid}"' not in body, f"a T1 caller was shown {nid}"


def expected(role: str, kind: str) -> int:
    if role in ("anonymous", "garbage", "revoked"):
        return 401
    if role == "town1" and kind == "other":
        return 404
    return 200


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("route", [r[0] for r in ROUTES])
@pytest.mark.parametrize("role", ROLES)
def test_matrix(matrix: Matrix, role: str, route: str, kind: str) -> None:
    own, other, bare = next(r[1:] for r in ROUTES if r[0] == route)
    url = {"own": own, "other": other, "bare": bare}[kind]
    r = matrix.client.get(API + url, headers=matrix.headers(role))
    want = expected(role, kind)
    assert r.status_code == want, (role, url, r.status_code, r.text[:400])
    assert_no_personal_leak(r.content)
    if want != 200:
        assert r.headers["content-type"] == "application/problem+json"
        problem = r.json()
        assert (
            problem["status"] == want and problem["code"] and problem["message_zh"] and problem["message_en"]
        )
        if want == 401:
            assert r.headers["www-authenticate"].startswith("Bearer")
        return
    if role == "town1":
        assert_confined_to_t1(r.text)


@pytest.mark.parametrize("role", ROLES)
def test_matrix_health(matrix: Matrix, role: str) -> None:
    r = matrix.client.get(API + "/health", headers=matrix.headers(role))
    assert r.status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_matrix_lookup(matrix: Matrix, role: str) -> None:
    raw_id = RAW_MEMBERS["M12"][0]
    r = matrix.client.post(
        API + "/members/lookup",
        json={"id_number": raw_id, "reason": "matrix check"},
        headers=matrix.headers(role),
    )
    want = {"admin": 200, "district": 403, "town1": 403}.get(role, 401)
    assert r.status_code == want, r.text[:300]
    assert_no_personal_leak(r.content)
    if want == 200:
        assert [m["node"]["key"] for m in r.json()["matches"]] == ["M12"]
    else:
        assert r.json()["code"] == {401: "unauthorized", 403: "forbidden"}[want]


@pytest.mark.parametrize(
    "url",
    ["/coverage?town=T1", "/coverage", "/gaps", "/search?q=公司", "/centrality"],
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


def test_confinement_check_is_not_vacuous(matrix: Matrix) -> None:
    """The district's whole-district answers name other towns, so the check must trip on them."""
    for url in ("/gaps", "/centrality", "/members/M12/membership"):
        r = matrix.client.get(API + url, headers=matrix.headers("district"))
        assert r.status_code == 200
        with pytest.raises(AssertionError):
            assert_confined_to_t1(r.text)
