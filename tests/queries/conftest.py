"""Query tests run on the hand-checkable fixture graph (tests/fixtures.py), on both backends."""

from __future__ import annotations

import pytest

from tests.fixtures import load_fixture


@pytest.fixture
def fx(store):  # type: ignore[no-untyped-def]
    """The ``store`` fixture (each backend in turn) loaded with the fixture graph."""
    load_fixture(store)
    return store
