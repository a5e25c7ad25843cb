"""The questions orggraph answers, one function each, on either backend.

Every function takes the store first and keyword arguments after it; ``town`` (a town
code) scopes the answer to that town's subgraph (DESIGN.md, security): the Town itself,
nodes whose ``town_code`` is that town, plus the district-level structure above them
(PartyOrg without ``town_code``). Entities outside the scope raise
:class:`graph.errors.NotFound`, exactly like missing ones; bad arguments raise
:class:`graph.errors.InputError`. Results are the pydantic models of :mod:`queries.models`.

Questions already in the one-answer shape are :class:`queries.question.Question` values
(``COVERAGE``, ``GAPS``, ``PAIRING``, ``PATH``...): ``COVERAGE(store, Scope("T01"), by="park")`` or
``ask(store, GAPS, scope, GapsParams(limit=10))``.

Entity references (``source``, ``target``, ``key``) are either ``"Label:key"``
(e.g. ``"Organization:91500118MA5U7XXXX1"``) or a bare key, looked up in every label
(an ambiguous bare key raises InputError).

Example
-------
>>> from graph.store import open_store
>>> import queries
>>> store = open_store()
>>> queries.PATH(store, queries.Scope("T01"), source="O01", target="D0").found  # doctest: +SKIP
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from queries.models import (
    CentralityResult,
)

if TYPE_CHECKING:
    from graph.store.base import GraphStore

# The question modules share their names with the functions below. Import them first so the
# functions, defined afterwards, are what ``queries.coverage`` etc. name; the modules stay
# reachable with ``from queries.coverage import ...`` (sys.modules).
from queries import (
    centrality as _centrality,
)
from queries.coverage import COVERAGE, CoverageParams
from queries.dataset import DATASET, DatasetParams
from queries.ego import EGO, EgoParams
from queries.entities import (
    ORG_TREE,
    ORGANIZATION,
    PARTY_ORG,
    SEARCH,
    OrganizationParams,
    OrgTreeParams,
    PartyOrgParams,
    SearchParams,
)
from queries.fiveones import FIVE_ONES, FiveOnesParams
from queries.gaps import GAPS, GapsParams
from queries.impact import IMPACT, ImpactParams
from queries.lookup import MEMBERS_BY_HASH, LookupParams
from queries.membership import INCONSISTENCIES, MEMBERSHIP, InconsistencyParams, MembershipParams
from queries.pairing import PAIRING, PairingParams
from queries.paths import PATH, PathParams
from queries.question import QUESTIONS, ask
from queries.scope import Scope
from queries.todo import TODO, TodoParams

__all__ = [
    "COVERAGE",
    "DATASET",
    "EGO",
    "FIVE_ONES",
    "GAPS",
    "IMPACT",
    "INCONSISTENCIES",
    "MEMBERSHIP",
    "MEMBERS_BY_HASH",
    "ORGANIZATION",
    "ORG_TREE",
    "PAIRING",
    "PARTY_ORG",
    "PATH",
    "QUESTIONS",
    "SEARCH",
    "TODO",
    "CoverageParams",
    "DatasetParams",
    "EgoParams",
    "FiveOnesParams",
    "GapsParams",
    "ImpactParams",
    "InconsistencyParams",
    "LookupParams",
    "MembershipParams",
    "OrgTreeParams",
    "OrganizationParams",
    "PairingParams",
    "PartyOrgParams",
    "PathParams",
    "Scope",
    "SearchParams",
    "TodoParams",
    "ask",
    "centrality",
]


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
        ``approximate`` is always False now: betweenness is exact (igraph).
    """
    from queries.scope import Scope

    return _centrality.CENTRALITY(store, Scope(town), network=network, metric=metric, top=top)
