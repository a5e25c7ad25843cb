"""Property-based fuzzing of the OpenAPI schema (schemathesis): no 5xx, answers match the schema.

Embedded backend only (the query answers are the contract suite's business; here the API's
edges are under test). Bounded: a few examples per operation, no deadline.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from requests.structures import CaseInsensitiveDict
from schemathesis.checks import ALL_CHECKS

from api.app import create_app
from tests.api.conftest import Tokens, add_personal_hashes, assert_no_personal_leak
from tests.fixtures import load_fixture

MAX_EXAMPLES = 25
# ignored_auth re-sends through starlette-testclient, which leaks anyio streams (pytest turns
# those into errors): _check does the same check through our own client instead.
CHECKS = tuple(c for c in ALL_CHECKS if c.__name__ != "ignored_auth")
# schemathesis 3.x still uses deprecated jsonschema / its own deprecated names internally
pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning:schemathesis.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:hypothesis_jsonschema.*"),
]


@pytest.fixture
def fuzz_app(embedded_store: Any) -> Any:
    load_fixture(embedded_store)
    add_personal_hashes(embedded_store)
    app = create_app(store=embedded_store)
    app.state.limiter.limit = 0  # the fuzzer is faster than any rate limit
    return app


@pytest.fixture
def fuzz_client(fuzz_app: Any) -> Iterator[TestClient]:
    with TestClient(fuzz_app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def api_schema(fuzz_app: Any) -> Any:
    # FastAPI writes OpenAPI 3.1; schemathesis 3.x reads it behind this switch
    schemathesis.experimental.OPEN_API_3_1.enable()
    # Positive data only: negative generation takes minutes here; test_errors covers 422s.
    return schemathesis.from_dict(fuzz_app.openapi(), app=fuzz_app, base_url="http://testserver")


with warnings.catch_warnings():
    # schemathesis 3.39 warns about its own defaults here (filtration arguments we do not pass)
    warnings.simplefilter("ignore", DeprecationWarning)
    schema = schemathesis.from_pytest_fixture("api_schema")
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


def _send(client: TestClient, case: Any, headers: dict[str, str]) -> requests.Response:
    """Send a case with our own TestClient and hand schemathesis a ``requests`` response.

    (``case.call()`` goes through starlette-testclient, which leaves anyio streams unclosed;
    pytest turns those into errors at exit.)
    """
    kw = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
    extra: dict[str, Any] = {}
    if "json" in kw:
        extra["json"] = kw["json"]
    elif kw.get("data") is not None:
        extra["content"] = kw["data"]
    r = client.request(kw["method"], kw["url"], headers=kw.get("headers"), params=kw.get("params"), **extra)
    out = requests.Response()
    out.status_code = r.status_code
    out.headers = CaseInsensitiveDict(r.headers)
    out._content = r.content
    out.url = str(r.url)
    out.encoding = r.encoding
    out.elapsed = dt.timedelta(0)
    out.request = requests.Request(
        r.request.method, str(r.request.url), headers=dict(r.request.headers)
    ).prepare()
    return out


def _check(client: TestClient, case: Any, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    response = _send(client, case, headers)
    assert response.status_code < 500, (
        case.method,
        case.formatted_path,
        case.query,
        response.status_code,
        response.text[:300],
    )
    case.validate_response(response, checks=CHECKS, headers=headers)
    assert_no_personal_leak(response.content)
    # schemathesis' ignored_auth, through our client: without the token, 401 (but /health)
    anonymous = _send(client, case, {"Authorization": ""})
    assert anonymous.status_code == (200 if case.path.endswith("/health") else 401), case.path


@schema.parametrize()
@FUZZ_SETTINGS
def test_fuzz_as_admin(case: Any, fuzz_client: TestClient, tokens: Tokens) -> None:
    _check(fuzz_client, case, tokens.admin)


@schema.parametrize()
@FUZZ_SETTINGS
def test_fuzz_as_town(case: Any, fuzz_client: TestClient, tokens: Tokens) -> None:
    _check(fuzz_client, case, tokens.town1)
