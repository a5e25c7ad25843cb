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

    def admits(self, label: str | Label, props: Mapping[str, Any]) -> bool:
        """Whether an entity (its label and properties) is visible in this scope."""
        if self.town is None:
            return True
        tc = props.get("town_code")
        if tc == self.town:
            return True
        return tc is None and str(getattr(label, "value", label)) == Label.PARTY_ORG.value

    def owns(self, props: Mapping[str, Any]) -> bool:
        """Whether an entity belongs to the scope's own town (district-level bodies excluded)."""
        return self.town is None or props.get("town_code") == self.town

    # --- Cypher side -------------------------------------------------------------------

    def cypher(self, var: str) -> str:
        """A predicate on ``var`` using the ``$town`` parameter (see :meth:`params`)."""
        po = L(Label.PARTY_ORG)
        return f"($town IS NULL OR {var}.town_code = $town OR ({var}:{po} AND {var}.town_code IS NULL))"

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
        if self.town is None or label != Label.PARTY_ORG:
            return own
        po = L(Label.PARTY_ORG)
        return (
            f"CALL () {{ {own} RETURN {var} UNION MATCH ({var}:{po}) WHERE {var}.town_code IS NULL "
            f"RETURN {var} }}"
        )

    def params(self) -> dict[str, Any]:
        return {"town": self.town}


DISTRICT = Scope(None)
