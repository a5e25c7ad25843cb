"""Backticked label and relationship-type names for Cypher written as f-strings.

``{PO}`` in a query is ``label(Label.PARTY_ORG)``: derived here once (only whitelisted names reach
Cypher text), not again at the top of every query module.
"""

from __future__ import annotations

from graph.model import REL_ENDS, Label, Rel
from graph.schema import label, rel_type

TOWN, PARK, VIL = (label(x) for x in (Label.TOWN, Label.PARK, Label.VILLAGE))
ORG, PO, MEM, INS = (label(x) for x in (Label.ORGANIZATION, Label.PARTY_ORG, Label.MEMBER, Label.INSTRUCTOR))
COVERS, REPORTS, ASSIGNED = (rel_type(r) for r in (Rel.COVERS, Rel.REPORTS_TO, Rel.ASSIGNED_TO))
REL_IN, ACTIVE_IN, WORKS = (rel_type(r) for r in (Rel.RELATIONSHIP_IN, Rel.ACTIVE_IN, Rel.WORKS_AT))
PAIRED, JOINT, HELPS, CONTACTED = (
    rel_type(r) for r in (Rel.PAIRED_WITH, Rel.JOINT_BUILDS_WITH, Rel.HELPS_BUILD, Rel.CONTACTED)
)
LOCATED, IN_PARK, IN_ASSOC, SUB = (
    rel_type(r) for r in (Rel.LOCATED_IN, Rel.IN_PARK, Rel.IN_ASSOCIATION, Rel.SUBSIDIARY_OF)
)


def has_in_cypher(var: str, rel: Rel, start: Label) -> str:
    """Cypher: some ``start`` node has a ``rel`` relationship into ``var``, as a degree check.

    Exact because ``rel`` only ever starts at ``start`` nodes (graph.model.REL_ENDS; the loader
    writes no other): the planner reads the degree instead of expanding and testing the far
    node's label for every row (issue 19: 82k organisations per district question at scale 40)."""
    if REL_ENDS[rel][0] != {start}:
        raise ValueError(f"{rel.value} does not start only at {start.value}")
    return f"EXISTS {{ ({var})<-[:{rel_type(rel)}]-() }}"


def covered_cypher(var: str) -> str:
    """Cypher: some party organisation COVERS ``var``."""
    return has_in_cypher(var, Rel.COVERS, Label.PARTY_ORG)


def instructed_cypher(var: str) -> str:
    """Cypher: an instructor serves ``var``, or a party organisation covering it."""
    a, c = rel_type(Rel.ASSIGNED_TO), rel_type(Rel.COVERS)
    direct = has_in_cypher(var, Rel.ASSIGNED_TO, Label.INSTRUCTOR)
    return f"({direct} OR EXISTS {{ ({var})<-[:{c}]-()<-[:{a}]-() }})"
