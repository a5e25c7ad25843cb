"""The questions orggraph answers, one function each, on either backend.

Every function takes the store first and keyword arguments after it; ``town`` (a town
code) scopes the answer to that town's subgraph (DESIGN.md, security): the Town itself,
nodes whose ``town_code`` is that town, plus the district-level structure above them
(PartyOrg without ``town_code``). Entities outside the scope raise
:class:`graph.errors.NotFound`, exactly like missing ones; bad arguments raise
:class:`graph.errors.InputError`. Results are the pydantic models of :mod:`queries.models`.

Questions already in the one-answer shape are :class:`queries.question.Question` values
(``COVERAGE``, ``GAPS``): ``COVERAGE(store, Scope("T01"), by="park")`` or
``ask(store, GAPS, scope, GapsParams(limit=10))``.

Entity references (``source``, ``target``, ``key``) are either ``"Label:key"``
(e.g. ``"Organization:91500118MA5U7XXXX1"``) or a bare key, looked up in every label
(an ambiguous bare key raises InputError).

Example
-------
>>> from graph.store import open_store
>>> import queries
>>> store = open_store()
>>> queries.path(store, source="O01", target="D0", town="T01").found  # doctest: +SKIP
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from queries.models import (
    CentralityResult,
    EgoNetwork,
    InconsistencyList,
    MembershipResult,
    OrganizationDetail,
    OrgTree,
    PairingNetwork,
    PartyOrgDetail,
    PathResult,
    SearchHit,
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
    ego as _ego,
)
from queries import (
    entities as _entities,
)
from queries import fiveones as _fiveones  # noqa: F401  (registers five-ones)
from queries import (
    membership as _membership,
)
from queries import (
    pairing as _pairing,
)
from queries import (
    paths as _paths,
)
from queries import todo as _todo  # noqa: F401  (registers todo)
from queries.coverage import COVERAGE, CoverageParams
from queries.gaps import GAPS, GapsParams
from queries.question import QUESTIONS, ask
from queries.scope import Scope

__all__ = [
    "COVERAGE",
    "GAPS",
    "QUESTIONS",
    "CoverageParams",
    "GapsParams",
    "Scope",
    "ask",
    "centrality",
    "ego",
    "membership",
    "membership_inconsistencies",
    "org_tree",
    "organization",
    "pairing",
    "party_org",
    "path",
    "search",
]


def path(
    store: GraphStore,
    *,
    source: str,
    target: str,
    town: str | None = None,
    max_hops: int = 6,
    rels: list[str] | None = None,
    limit: int = 5,
) -> PathResult:
    """Shortest path(s) between two entities, with every node and relationship named.

    Parameters
    ----------
    store : GraphStore
    source, target : str
        ``"Label:key"`` or a bare key.
    town : str, optional
        Scope: the path never passes through another town's entities.
    max_hops : int
        1-10.
    rels : list of str, optional
        Relationship types to walk (graph.model.Rel values); default every type except
        CONTACTED (a contact log, many per pair, and HELPS_BUILD already joins the pair).
    limit : int
        At most this many shortest paths (sorted by their node ids).

    Returns
    -------
    PathResult
        ``found=False`` with no paths when none exists within ``max_hops``.
    """
    return _paths.path(
        store, source=source, target=target, town=town, max_hops=max_hops, rels=rels, limit=limit
    )


def membership(store: GraphStore, *, member_id: str, town: str | None = None) -> MembershipResult:
    """One member's relationship chain, activity chain, employer and inconsistencies.

    Parameters
    ----------
    store : GraphStore
    member_id : str
    town : str, optional

    Returns
    -------
    MembershipResult
    """
    return _membership.membership(store, member_id=member_id, town=town)


def membership_inconsistencies(
    store: GraphStore, *, town: str | None = None, code: str | None = None
) -> InconsistencyList:
    """The district-wide (or one town's) list of membership inconsistencies.

    Parameters
    ----------
    store : GraphStore
    town : str, optional
    code : str, optional
        Only this kind: activity_town_mismatch, relationship_not_covering_employer,
        flagged_without_relationship, committee_without_post.

    Returns
    -------
    InconsistencyList
        Items sorted by member key, then code.
    """
    return _membership.membership_inconsistencies(store, town=town, code=code)


def pairing(
    store: GraphStore,
    *,
    town: str | None = None,
    pairing_type: str = "示范帮扶",
    tier: str | None = None,
) -> PairingNetwork:
    """The 示范帮扶 or 村企联建 network with unpaired points, partners and components.

    Parameters
    ----------
    store : GraphStore
    town : str, optional
    pairing_type : {"示范帮扶", "村企联建"}
    tier : {"市级", "区级", "镇街级"}, optional
        Only demonstration points of this tier (示范帮扶).

    Returns
    -------
    PairingNetwork
    """
    return _pairing.pairing(store, town=town, pairing_type=pairing_type, tier=tier)


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


def ego(store: GraphStore, *, key: str, town: str | None = None, hops: int = 1, cap: int = 500) -> EgoNetwork:
    """The neighbourhood of one entity (every relationship type), capped in size.

    Parameters
    ----------
    store : GraphStore
    key : str
        ``"Label:key"`` or a bare key.
    town : str, optional
    hops : int
        1-3.
    cap : int
        Most nodes returned (nearest first, then by id); ``capped`` says when cut.

    Returns
    -------
    EgoNetwork
    """
    return _ego.ego(store, key=key, town=town, hops=hops, cap=cap)


def organization(store: GraphStore, uscc: str, town: str | None = None) -> OrganizationDetail:
    """One organisation with its place, coverage, instructors, pairings and member counts.

    Parameters
    ----------
    store : GraphStore
    uscc : str
    town : str, optional

    Returns
    -------
    OrganizationDetail
    """
    return _entities.organization(store, uscc, town=town)


def party_org(store: GraphStore, code: str, town: str | None = None) -> PartyOrgDetail:
    """One party organisation with its reporting line, children, coverage and committee.

    Parameters
    ----------
    store : GraphStore
    code : str
    town : str, optional

    Returns
    -------
    PartyOrgDetail
    """
    return _entities.party_org(store, code, town=town)


def search(store: GraphStore, q: str, town: str | None = None, limit: int = 20) -> list[SearchHit]:
    """Entities whose key equals or whose name contains ``q`` (case-insensitive).

    Parameters
    ----------
    store : GraphStore
    q : str
    town : str, optional
    limit : int

    Returns
    -------
    list of SearchHit
        Exact key matches first, then by label order (organisations, party organisations,
        ...), then name length, then key.
    """
    return _entities.search(store, q, town=town, limit=limit)


def org_tree(store: GraphStore, town: str | None = None) -> OrgTree:
    """The four-level tree: 区委 -> 区委两新工委 -> town / non-public / park committees -> party orgs.

    Parameters
    ----------
    store : GraphStore
    town : str, optional

    Returns
    -------
    OrgTree
        Built from REPORTS_TO; children sorted by key.
    """
    return _entities.org_tree(store, town=town)
