"""The same app on the Neo4j backend: every page renders and shows the queries' answers."""

from __future__ import annotations

from typing import Any

import pytest

import queries
from dashboard.common import pct
from tests.dashboard.conftest import PAGES, all_text, app, metrics, no_exception, token

pytestmark = pytest.mark.neo4j


def test_every_page_on_neo4j(loaded_neo4j: Any) -> None:
    tok = token("admin")
    at = app(tok)
    no_exception(at)
    cov = queries.COVERAGE(loaded_neo4j)
    assert metrics(at)["非公经济组织覆盖率"] == pct(cov.nonpublic.rate)
    for page in PAGES:
        at.switch_page(PAGES[page]).run()
        no_exception(at)
    at.switch_page(PAGES["gaps"]).run()
    assert metrics(at)["未建党组织"] == str(queries.GAPS(loaded_neo4j).total)


def test_town_scope_on_neo4j(loaded_neo4j: Any) -> None:
    at = app(token("town", "T1"), "pairing")
    no_exception(at)
    text = all_text(at)
    assert "甲机械公司党支部" in text and "辛建设集团党委" not in text
