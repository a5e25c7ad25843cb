"""Scope: whose part of the district a question sees. The one home of the town rule.

DESIGN.md (security): a town user's every question runs on the subgraph of its town's
entities (``town_code``) plus the district-level structure above them (party organisations
without a town). ``Scope`` says it once for Python (:meth:`Scope.admits`) and once for Cypher
(:meth:`Scope.cypher`, :meth:`Scope.match`); nothing else in the code base restates it.

A scope is built on the server from the caller's token (:meth:`Scope.for_caller`); a
district caller may narrow it to one town, a town caller can never widen it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graph.errors import NotFound
from graph.model import Label
from graph.schema import label as L

# Labels whose nodes without a town are district-level bodies every town sees (the party
# organisations above the towns: 区委, 两新工委, ...).
DISTRICT_LEVEL: tuple[Label, ...] = (Label.PARTY_ORG,)
_DISTRICT_LEVEL_NAMES = frozenset(lab.value for lab in DISTRICT_LEVEL)


@dataclass(frozen=True)
class Scope:
    """The caller's town (``town``), or the whole district (``town is None``).

    Example
    -------
    >>> s = Scope("T01")
    >>> s.admits("Organization", {"town_code": "T02"})
    False
    >>> s.admits("PartyOrg", {"town_code": None})
    True
    """

    town: str | None = None

    @classmethod
    def district(cls) -> Scope:
        return cls(None)

    @classmethod
    def for_caller(cls, caller_town: str | None, requested: str | None = None) -> Scope:
        """The caller's own town always wins; another town is answered like a missing record."""
        if caller_town is not None:
            if requested is not None and requested != caller_town:
                raise NotFound(f"未找到镇街：{requested}", f"town not found: {requested!r}")
            return cls(caller_town)
        return cls(requested)

    @property
    def is_district(self) -> bool:
        return self.town is None

    @property
    def key(self) -> str:
        """Cache-key part: answers of different scopes never mix."""
        return self.town or "*"

    # --- Python side -------------------------------------------------------------------

    def town_codes(self, label: str | Label) -> tuple[str | None, ...] | None:
        """The ``town_code`` values of a label's nodes this scope admits (``None``: every node).

        The rule itself: a town sees its own nodes, plus the district-level bodies above the
        towns (nodes of :data:`DISTRICT_LEVEL` labels without a town). The embedded index
        answers :meth:`graph.store.index.GraphIndex.scoped_nodes` from these values."""
        if self.town is None:
            return None
        if str(getattr(label, "value", label)) in _DISTRICT_LEVEL_NAMES:
            return (self.town, None)
        return (self.town,)

    def admits(self, label: str | Label, props: Mapping[str, Any]) -> bool:
        """Whether an entity (its label and properties) is visible in this scope."""
        codes = self.town_codes(label)
        return codes is None or props.get("town_code") in codes

    def owns(self, props: Mapping[str, Any]) -> bool:
        """Whether an entity belongs to the scope's own town (district-level bodies excluded)."""
        return self.town is None or props.get("town_code") == self.town

    # --- Cypher side -------------------------------------------------------------------

    def cypher(self, var: str) -> str:
        """A predicate on ``var`` using the ``$town`` parameter (see :meth:`params`)."""
        above = " OR ".join(f"({var}:{L(lab)} AND {var}.town_code IS NULL)" for lab in DISTRICT_LEVEL)
        return f"($town IS NULL OR {var}.town_code = $town OR {above})"

    def owned(self, var: str) -> str:
        """A predicate on ``var``: it belongs to the scope's own town (:meth:`owns` in Cypher)."""
        return f"($town IS NULL OR {var}.town_code = $town)"

    def match(self, var: str, label: Label) -> str:
        """``MATCH`` of a label's nodes owned by the scope: through the ``town_code`` index
        when a town is set, a label scan for the district."""
        if self.town is None:
            return f"MATCH ({var}:{L(label)})"
        return f"MATCH ({var}:{L(label)} {{town_code: $town}})"

    def match_admitted(self, var: str, label: Label) -> str:
        """``MATCH`` of every node of a label the scope admits (:meth:`admits`): for a town, its
        own through the ``town_code`` index and, for party organisations, the district-level ones."""
        own = self.match(var, label)
        if self.town is None or label not in DISTRICT_LEVEL:
            return own
        return (
            f"CALL () {{ {own} RETURN {var} UNION MATCH ({var}:{L(label)}) WHERE {var}.town_code IS NULL "
            f"RETURN {var} }}"
        )

    def params(self) -> dict[str, Any]:
        return {"town": self.town}


DISTRICT = Scope(None)
