"""The API never answers from a half-written graph: 503 with the Chinese reason (issue 13 item 3)."""

from __future__ import annotations

from typing import Any

import pytest

from graph.model import Label
from tests.loaders.test_load_state import ZH, _mark_incomplete


def test_api_answers_503_while_incomplete(
    graph_store: Any, client: Any, tokens: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.api.conftest import API

    h = tokens.headers("district")
    assert client.get(f"{API}/coverage", headers=h).status_code == 200
    _mark_incomplete(graph_store, monkeypatch)
    for path in ("/coverage", "/org-tree", "/search?q=甲"):
        r = client.get(API + path, headers=h)
        assert r.status_code == 503, (path, r.text)
        body = r.json()
        assert body["message_zh"] == ZH and body["code"] == "load_incomplete"
        assert "load" in body["message_en"] and r.headers["Retry-After"]
    assert client.get(f"{API}/health").status_code == 200  # up, just not answering from it
    graph_store.end_load()
    monkeypatch.undo()
    graph_store.upsert_nodes(Label.TOWN, [{"town_code": "T0", "town_name": "零镇"}])
    assert client.get(f"{API}/coverage", headers=h).status_code == 200
