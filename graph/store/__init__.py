"""Stores: open the configured backend (ORGGRAPH_BACKEND, NEO4J_*)."""

from __future__ import annotations

from graph.settings import Settings, get_settings
from graph.store.base import GraphStore, node_id, split_node_id
from graph.store.embedded import EmbeddedStore

__all__ = ["EmbeddedStore", "GraphStore", "backend_name", "node_id", "open_store", "split_node_id"]


def open_store(settings: Settings | None = None, backend: str | None = None) -> GraphStore:
    """The store the settings name. Neo4j is imported only when it is used."""
    settings = settings or get_settings()
    chosen = backend or settings.resolved_backend
    if chosen == "neo4j":
        from graph.store.neo4j import Neo4jStore

        return Neo4jStore(
            settings.resolved_neo4j_uri,
            settings.neo4j_user,
            settings.neo4j_password.get_secret_value(),
            settings.neo4j_database,
        )
    return EmbeddedStore(settings.home, max_items=settings.embedded_max_items or None)


def backend_name(store: GraphStore) -> str:
    """Which backend a store is, for people (health, stats); never to choose a code path."""
    return store.backend
