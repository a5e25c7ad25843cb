"""The questions orggraph answers, one function each, on either backend.

Every function takes the store first and keyword arguments after it; ``town`` (a town
code) scopes the answer to that town's subgraph (DESIGN.md, security): the Town itself,
nodes whose ``town_code`` is that town, plus the district-level structure above them
(PartyOrg without ``town_code``). Entities outside the scope raise
:class:`graph.errors.NotFound`, exactly like missing ones; bad arguments raise
:class:`graph.errors.InputError`. Results are the pydantic models of :mod:`queries.models`.

Entity references (``source``, ``target``, ``key``) are either ``"Label:key"``
(e.g. ``"Organization:91500118MA5U7XXXX1"``) or a bare key, looked up in every label
(an ambiguous bare key raises InputError).

Example
-------
>>> from graph.store import open_store
>>> import queries
>>> store = open_store()
>>> queries.coverage(store, town="T01").nonpublic.rate  # doctest: +SKIP
0.7252
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from queries.models import (
    CentralityResult,
    CoverageResult,
    GapsResult,
)

if TYPE_CHECKING:
    from graph.store.base import GraphStore

# The question modules share their names with the functions below. Import them first so the
# functions, defined afterwards, are what ``queries.coverage`` etc. name; the modules stay
# reachable with ``from queries.coverage import ...`` (sys.modules).
from queries import (
    centrality as _centrality,
)
from queries import (
    coverage as _coverage,
)

# Importing a question module registers its questions (queries.question.QUESTIONS).
from queries import ego, entities, lookup, membership, pairing, paths  # noqa: F401
from queries import (
    gaps as _gaps,
)

__all__ = [
    "centrality",
    "coverage",
    "gaps",
]


def coverage(
    store: GraphStore,
    *,
    town: str | None = None,
    by: str = "category",
    category: str | None = None,
    park: str | None = None,
    industry: str | None = None,
    association: str | None = None,
    limit: int | None = 1000,
) -> CoverageResult:
    """Organisational (组织覆盖) and work (工作覆盖) coverage, and the uncovered organisations.

    Parameters
    ----------
    store : GraphStore
    town : str, optional
        Town scope.
    by : {"category", "town", "park", "industry", "association"}
        Grouping of ``rows``.
    category, park, industry, association : str, optional
        Filters on the organisations counted (association = the association's USCC).
    limit : int, optional
        At most this many ``uncovered`` organisations (``None``: all); counts are always whole
        and ``uncovered_total`` says how many there are.

    Returns
    -------
    CoverageResult
        ``nonpublic`` / ``social`` / ``self_employed`` totals, ``rows`` per group (sorted by
        group value), and ``uncovered`` (sorted by key). 注销 organisations are excluded.
    """
    return _coverage.coverage(
        store,
        town=town,
        by=by,
        category=category,
        park=park,
        industry=industry,
        association=association,
        limit=limit,
    )


def gaps(
    store: GraphStore,
    *,
    town: str | None = None,
    park: str | None = None,
    industry: str | None = None,
    category: str | None = None,
    min_employees: int | None = None,
    max_hops: int = 4,
    candidates: int = 5,
    limit: int | None = 50,
    offset: int = 0,
) -> GapsResult:
    """Uncovered organisations ranked for action, each with hosts, members and a recommendation.

    Parameters
    ----------
    store : GraphStore
    town, park, industry, category : str, optional
        Filters (town is also the scope).
    min_employees : int, optional
        Only organisations with at least this many employees.
    max_hops : int
        Graph distance within which a party organisation counts as near (1-6).
    candidates : int
        How many ranked candidate hosts per organisation.
    limit, offset : int
        Page of ``entries`` (``limit=None``: all). ``self_employed`` is paged the same way.

    Returns
    -------
    GapsResult
        Entries ordered by full members (desc), all members (desc), employees (desc), key.
        Candidates rank by DESIGN.md's "near" rule; the recommendation follows its default.
    """
    return _gaps.gaps(
        store,
        town=town,
        park=park,
        industry=industry,
        category=category,
        min_employees=min_employees,
        max_hops=max_hops,
        candidates=candidates,
        limit=limit,
        offset=offset,
    )


def centrality(
    store: GraphStore,
    *,
    town: str | None = None,
    network: str = "organisation",
    metric: str = "degree",
    top: int = 20,
) -> CentralityResult:
    """Centrality ranking, articulation points and bridges of one network.

    Parameters
    ----------
    store : GraphStore
    town : str, optional
        Computed on the town's subgraph only.
    network : {"pairing", "organisation", "membership"}
        As DESIGN.md defines them.
    metric : {"degree", "betweenness", "pagerank"}
    top : int
        How many ranked items.

    Returns
    -------
    CentralityResult
        ``approximate`` is True when betweenness was sampled (fixed seed).
    """
    from queries.scope import Scope

    return _centrality.CENTRALITY(store, Scope(town), network=network, metric=metric, top=top)
