"""Errors as RFC 9457 problems, the store down, rate limits, CORS, offline docs, the cache."""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import RateLimiter
from api.problems import RateLimited
from graph.model import Label, Rel
from graph.settings import get_settings
from graph.tokens import TokenStore
from tests.api.conftest import API, Tokens

PROBLEM_KEYS = {"type", "title", "status", "detail", "code", "message_zh", "message_en"}


def assert_problem(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text[:400]
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body.keys() >= PROBLEM_KEYS
    assert body["status"] == status and body["code"] == code
    assert body["type"] == f"urn:orggraph:problem:{code}"
    assert body["message_zh"] and body["message_en"]
    assert "Traceback" not in r.text and 'File "' not in r.text
    return body


# --- 401 / 403 / 404 / 405 / 422 --------------------------------------------------------


def test_401_shapes(client: TestClient, tokens: Tokens) -> None:
    r = client.get(API + "/coverage")
    assert_problem(r, 401, "unauthorized")
    assert r.headers["www-authenticate"] == 'Bearer realm="orggraph"'
    r = client.get(API + "/coverage", headers={"Authorization": "Bearer nope"})
    assert_problem(r, 401, "unauthorized")
    assert 'error="invalid_token"' in r.headers["www-authenticate"]
    r = client.get(API + "/coverage", headers={"Authorization": f"Basic {tokens.admin}"})
    assert_problem(r, 401, "unauthorized")
    r = client.get(API + "/coverage", headers={"Authorization": f"Bearer {tokens.revoked}"})
    assert_problem(r, 401, "unauthorized")


def test_revocation_takes_effect_at_once(client: TestClient) -> None:
    ts = TokenStore()
    token, rec = ts.create("district")
    h = {"Authorization": f"Bearer {token}"}
    assert client.get(API + "/coverage", headers=h).status_code == 200
    ts.revoke(rec.token_id)
    assert_problem(client.get(API + "/coverage", headers=h), 401, "unauthorized")


def test_404_problems(client: TestClient, tokens: Tokens) -> None:
    body = assert_problem(
        client.get(API + "/organizations/NOPE", headers=tokens.headers("admin")), 404, "not_found"
    )
    assert body["instance"] == "/api/v1/organizations/NOPE"
    assert_problem(
        client.get(API + "/members/M99/membership", headers=tokens.headers("admin")), 404, "not_found"
    )
    assert_problem(client.get(API + "/coverage?town=T9", headers=tokens.headers("admin")), 404, "not_found")
    assert_problem(client.get(API + "/no/such/route"), 404, "not_found")
    # hostile keys are simply not found
    r = client.get(API + "/organizations/x'}) DETACH DELETE n //", headers=tokens.headers("admin"))
    assert_problem(r, 404, "not_found")


def test_405_problem(client: TestClient, tokens: Tokens) -> None:
    assert_problem(client.post(API + "/coverage", headers=tokens.headers("admin")), 405, "method_not_allowed")


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/gaps?limit=0", "query.limit"),
        ("/gaps?limit=501", "query.limit"),
        ("/gaps?offset=-1", "query.offset"),
        ("/gaps?max_hops=abc", "query.max_hops"),
        ("/centrality?metric=closeness", "query.metric"),
        ("/centrality?top=0", "query.top"),
        ("/coverage?by=colour", "query.by"),
        ("/coverage?category=国企", "query.category"),
        ("/paths?source=O01", "query.target"),
        ("/ego?key=PO1&hops=4", "query.hops"),
        ("/search?q=", "query.q"),
        ("/pairings?pairing_type=x", "query.pairing_type"),
        ("/membership/inconsistencies?code=x", "query.code"),
    ],
)
def test_422_names_the_field(client: TestClient, tokens: Tokens, url: str, field: str) -> None:
    body = assert_problem(client.get(API + url, headers=tokens.headers("district")), 422, "validation_error")
    assert field in [e["field"] for e in body["errors"]]
    name = field.split(".", 1)[1]
    assert name in body["message_zh"] and name in body["message_en"]


def test_422_from_the_query_layer(client: TestClient, tokens: Tokens) -> None:
    r = client.get(API + "/paths?source=O01&target=O02&types=NOT_A_TYPE", headers=tokens.headers("admin"))
    body = assert_problem(r, 422, "validation_error")
    assert body["errors"][0]["field"].startswith("query.types")
    r = client.get(API + "/paths?source=O01&target=O02&k=6", headers=tokens.headers("admin"))
    assert assert_problem(r, 422, "validation_error")["errors"][0]["field"] == "query.k"


def test_unauthenticated_invalid_request_is_401_not_422(client: TestClient) -> None:
    assert_problem(client.get(API + "/gaps?limit=0"), 401, "unauthorized")


# --- 500 / 501 / 503 --------------------------------------------------------------------


def test_500_hides_internals(client: TestClient, tokens: Tokens, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*a: Any, **k: Any) -> Any:
        raise RuntimeError("secret internals /etc/passwd neo4j://10.0.0.1")

    from api import answer

    monkeypatch.setattr(answer, "ask_question", boom)  # the question fails inside the answer
    r = client.get(API + "/coverage", headers=tokens.headers("admin"))
    assert_problem(r, 500, "internal_error")
    assert "secret" not in r.text and "passwd" not in r.text and "RuntimeError" not in r.text


@pytest.fixture
def down_client(tokens: Tokens) -> Any:
    """An API whose Neo4j is a closed port on this machine."""
    from graph.store.neo4j import Neo4jStore

    store = Neo4jStore("neo4j://127.0.0.1:9", "neo4j", "not-used", "neo4j")
    app = create_app(store=store)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
    store.close()


DOWN_ZH = "图数据库暂时不可用，请稍后再试；若持续出现请联系管理员"


@pytest.mark.parametrize(
    "url",
    [
        "/health",
        "/coverage",
        "/gaps?town=T1",
        "/members/M01/membership",
        "/search?q=a",
        "/paths?source=a&target=b",
    ],
)
def test_503_when_the_store_is_down(down_client: TestClient, tokens: Tokens, url: str) -> None:
    t0 = time.monotonic()
    r = down_client.get(API + url, headers=tokens.headers("district"))
    assert time.monotonic() - t0 < 5, "a stopped store must answer 503 at once, not after driver retries"
    body = assert_problem(r, 503, "store_unavailable")
    assert body["detail"] == body["message_zh"] == DOWN_ZH
    assert body["title"] == "服务暂不可用 / Service Unavailable"
    assert r.headers["retry-after"] == "10"
    assert "127.0.0.1" not in r.text and "neo4j://" not in r.text  # no internals


def test_store_outage_logs_once_per_window(
    down_client: TestClient, tokens: Tokens, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="orggraph.api"):
        for _ in range(30):
            assert down_client.get(API + "/coverage", headers=tokens.headers("district")).status_code == 503
    mine = [r.getMessage() for r in caplog.records if r.name == "orggraph.api"]
    assert len(mine) == 1, mine


def test_503_still_checks_the_token_first(down_client: TestClient) -> None:
    assert_problem(down_client.get(API + "/coverage"), 401, "unauthorized")


# --- 429 ---------------------------------------------------------------------------------


def test_rate_limit_per_token(graph_store: Any, tokens: Tokens, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORGGRAPH_RATE_LIMIT", "3")
    get_settings.cache_clear()
    app = create_app(store=graph_store)
    with TestClient(app, raise_server_exceptions=False) as c:
        for _ in range(3):
            assert c.get(API + "/org-tree", headers=tokens.headers("district")).status_code == 200
        r = c.get(API + "/org-tree", headers=tokens.headers("district"))
        assert_problem(r, 429, "rate_limited")
        assert 1 <= int(r.headers["retry-after"]) <= 60
        # another token has its own budget; /health has none
        assert c.get(API + "/org-tree", headers=tokens.headers("admin")).status_code == 200
        assert c.get(API + "/health").status_code == 200


def test_rate_limiter_slides() -> None:
    rl = RateLimiter(per_minute=10)
    for i in range(10):
        rl.hit("t", now=60.0 + i)
    with pytest.raises(RateLimited) as exc:
        rl.hit("t", now=75.0)
    assert 1 <= exc.value.retry_after <= 60
    # half a window later, the previous window counts for half: 5 + 0 < 10
    rl.hit("t", now=150.0)
    # two windows later, all is forgotten
    for i in range(10):
        rl.hit("t", now=300.0 + i)
    RateLimiter(per_minute=0).hit("t")  # 0 disables


# --- CORS --------------------------------------------------------------------------------


def _preflight(c: TestClient, origin: str) -> Any:
    return c.options(
        API + "/coverage",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "Authorization",
        },
    )


def test_no_cors_by_default(client: TestClient, tokens: Tokens) -> None:
    r = client.get(API + "/coverage", headers={**tokens.headers("admin"), "Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in r.headers
    assert "access-control-allow-origin" not in _preflight(client, "http://evil.example").headers


def test_cors_only_for_listed_origins(
    graph_store: Any, tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORGGRAPH_CORS_ORIGINS", "http://dashboard.intranet, http://other.intranet")
    get_settings.cache_clear()
    with TestClient(create_app(store=graph_store)) as c:
        ok = _preflight(c, "http://dashboard.intranet")
        assert ok.status_code == 200
        assert ok.headers["access-control-allow-origin"] == "http://dashboard.intranet"
        assert "authorization" in ok.headers["access-control-allow-headers"].lower()
        bad = _preflight(c, "http://evil.example")
        assert "access-control-allow-origin" not in bad.headers
        r = c.get(API + "/coverage", headers={**tokens.headers("admin"), "Origin": "http://other.intranet"})
        assert r.headers["access-control-allow-origin"] == "http://other.intranet"


# --- docs and schema ---------------------------------------------------------------------


def test_docs_are_served_offline(client: TestClient) -> None:
    r = client.get("/docs")
    assert r.status_code == 200
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", r.text)
    assert urls and all(u.startswith("/") for u in urls), urls
    assert "https://" not in r.text and "http://" not in r.text
    for u in urls:
        asset = client.get(u)
        assert asset.status_code == 200 and len(asset.content) > 1000, u
    assert client.get("/redoc").status_code == 404  # its page loads a remote logo


def test_openapi_documents_auth_and_problems(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    paths = spec["paths"]
    expected = {
        "/health", "/coverage", "/gaps", "/paths", "/members/{member_id}/membership",
        "/membership/inconsistencies", "/pairings", "/centrality", "/ego", "/organizations/{uscc}",
        "/party-orgs/{code}", "/search", "/figures", "/org-tree", "/members/lookup",
        "/plans", "/plans/pairing", "/five-ones", "/todo",
    }  # fmt: skip
    # every route is documented below; these must be among them (new ones may join)
    assert expected <= {p.removeprefix(API) for p in paths}
    for path, ops in paths.items():
        for op in ops.values():
            assert "application/problem+json" in op["responses"]["503"]["content"]
            if path != API + "/health":
                assert op["security"] and "401" in op["responses"] and "404" in op["responses"]
    assert "security" not in paths[API + "/health"]["get"]
    assert "HTTPValidationError" not in json.dumps(spec)


# --- cache -------------------------------------------------------------------------------


def test_cache_drops_when_the_graph_changes(client: TestClient, tokens: Tokens, graph_store: Any) -> None:
    from queries.cache import stats

    h = tokens.headers("district")
    first = client.get(API + "/coverage?town=T1", headers=h).json()
    computed = stats()["misses"]
    assert client.get(API + "/coverage?town=T1", headers=h).json() == first
    assert stats()["misses"] == computed  # answered from the one answer cache
    # the key is the effective scope: a T1 token shares the T1 entry, T2 has its own
    client.get(API + "/coverage", headers=tokens.headers("town1"))
    assert stats()["misses"] == computed
    client.get(API + "/coverage", headers=tokens.headers("town2"))
    assert stats()["misses"] > computed
    graph_store.upsert_nodes(
        Label.ORGANIZATION,
        [
            {
                "uscc": "O99",
                "org_name": "新公司",
                "org_category": "非公企业",
                "town_code": "T1",
                "status": "在营",
            }
        ],
    )
    graph_store.upsert_relationships(
        Rel.LOCATED_IN, Label.ORGANIZATION, Label.TOWN, [{"from": "O99", "to": "T1", "rid": "", "props": {}}]
    )
    # Neo4j: another store object's version is reused for up to a second (Neo4jStore.version)
    deadline = time.monotonic() + 3
    while True:
        after = client.get(API + "/coverage?town=T1", headers=h).json()
        if after != first or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert after["nonpublic"]["total"] == first["nonpublic"]["total"] + 1


def test_unknown_query_parameter_is_refused(client: TestClient, tokens: Tokens) -> None:
    """A mistyped filter must not silently answer for the whole district."""
    body = assert_problem(
        client.get(API + "/coverage?twon=T1", headers=tokens.headers("district")), 422, "validation_error"
    )
    assert [e["field"] for e in body["errors"]] == ["query.twon"]
    assert "twon" in body["message_zh"]
    assert (
        client.get(API + "/coverage?town=T1&limit=5", headers=tokens.headers("district")).status_code == 200
    )
    assert_problem(client.get(API + "/coverage?twon=T1"), 401, "unauthorized")


def test_cold_question_is_computed_once(
    client: TestClient, tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many clients asking the same cold heavy question wait for one computation."""
    import importlib
    from concurrent.futures import ThreadPoolExecutor

    centrality = importlib.import_module("queries.centrality")  # the module, not queries.centrality()
    calls = []
    real = centrality.summarise

    def slow(*a: Any, **k: Any) -> Any:
        calls.append(1)
        time.sleep(0.3)
        return real(*a, **k)

    monkeypatch.setattr(centrality, "summarise", slow)
    h = tokens.headers("district")
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: client.get(API + "/centrality?top=3", headers=h), range(8)))
    assert {r.status_code for r in answers} == {200}
    assert len({r.content for r in answers}) == 1
    assert len(calls) == 1


def test_problem_titles_and_field_messages_are_chinese_first(client: TestClient, tokens: Tokens) -> None:
    r = client.get(API + "/gaps?limit=abc", headers=tokens.headers("district"))
    body = assert_problem(r, 422, "validation_error")
    assert body["title"].startswith("参数无效 / Unprocessable")
    err = body["errors"][0]
    assert err["message"] == "应为整数" and "integer" in err["message_en"]
    r = client.get(API + "/coverage")
    assert assert_problem(r, 401, "unauthorized")["title"].startswith("未登录或令牌无效 / ")
    r = client.get(API + "/no-such-route", headers=tokens.headers("district"))
    assert assert_problem(r, 404, "not_found")["title"] == "未找到 / Not Found"
