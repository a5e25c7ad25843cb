"""Backticked label and relationship-type names for Cypher written as f-strings.

``{PO}`` in a query is ``label(Label.PARTY_ORG)``: derived here once (only whitelisted names reach
Cypher text), not again at the top of every query module.
"""

from __future__ import annotations

from graph.model import Label, Rel
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
