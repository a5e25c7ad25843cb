"""Transitional: the old embedded-index entry points, until every question reads facts
through ``store.facts`` (issue 11). Delete when nothing imports it."""

from __future__ import annotations

from typing import Any

from graph.store.index import GraphIndex as Index

__all__ = ["Index", "index", "props_of"]


def index(store: Any) -> Index:
    return store.index()


def props_of(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in ("_label", "_type", "rid")}
