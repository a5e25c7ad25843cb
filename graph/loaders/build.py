"""From validated rows to what the store writes: node rows, relationship rows, derived towns.

Property names are the ROSTER keys (the queries rely on them); an empty cell gives no property.
Personal data leaves here only as keyed hashes and masked forms.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graph.identifiers import Hasher, mask_id, mask_phone
from graph.loaders.spec import KEYLESS_RELS, OWNED_RELS, SHEET_BY_NAME
from graph.loaders.validate import Row, Validation
from graph.model import Label, Rel

__all__ = ["Hasher", "Plan", "build_plan"]  # Hasher lives in graph.identifiers

RelKey = tuple[Rel, Label, Label]
# Columns that never become a node property as such (they become hashes or relationships).
_NOT_PROPS = frozenset({"id_number", "phone", "covers", "assigned_to"})
_PERSONAL_SHEETS = frozenset({"党组织", "党员", "党建指导员"})  # the sheets holding those columns
_NO_PROPS: dict[str, Any] = {}  # shared: the stores copy properties, never mutate them
# Per node sheet, the columns naming one other record: (column, relationship type, its label).
# An empty cell makes no relationship.
_REFERENCES: dict[str, tuple[tuple[str, Rel, Label], ...]] = {
    "园区": (("town_code", Rel.LOCATED_IN, Label.TOWN),),
    "村社区": (("town_code", Rel.LOCATED_IN, Label.TOWN),),
    "组织": (
        ("town_code", Rel.LOCATED_IN, Label.TOWN),
        ("park_code", Rel.IN_PARK, Label.PARK),
        ("association_uscc", Rel.IN_ASSOCIATION, Label.ORGANIZATION),
        ("parent_uscc", Rel.SUBSIDIARY_OF, Label.ORGANIZATION),
    ),
    "党组织": (  # LOCATED_IN only from the row's own column, not from a derived town
        ("town_code", Rel.LOCATED_IN, Label.TOWN),
        ("park_code", Rel.IN_PARK, Label.PARK),
        ("parent_code", Rel.REPORTS_TO, Label.PARTY_ORG),
    ),
    "党员": (
        ("relationship_org", Rel.RELATIONSHIP_IN, Label.PARTY_ORG),
        ("activity_org", Rel.ACTIVE_IN, Label.PARTY_ORG),
        ("employer_uscc", Rel.WORKS_AT, Label.ORGANIZATION),
    ),
}
# Keyless sheets of a helper's work with an organisation: (sheet, type, properties of the row).
_HELPER_SHEETS = (
    ("帮建", Rel.HELPS_BUILD, ("since", "status")),
    ("联系记录", Rel.CONTACTED, ("date", "method")),
)


@dataclass
class Plan:
    nodes: dict[Label, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    rels: dict[RelKey, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    # per node label: the keys whose owned relationships are replaced, and those types
    owned: dict[Label, tuple[list[str], tuple[Rel, ...]]] = field(default_factory=dict)
    # keyless sheets: every rid the workbook holds (accepted or identical duplicates), per type
    keyless_rids: dict[Rel, set[str]] = field(default_factory=dict)

    def items(self) -> int:
        return sum(len(x) for x in self.nodes.values()) + sum(len(x) for x in self.rels.values())


def _base_props(r: Row) -> dict[str, Any]:
    props = dict(r.values)
    for k in _NOT_PROPS.intersection(props) if r.sheet.name in _PERSONAL_SHEETS else ():
        del props[k]
    if r.originals:
        for k, orig in r.originals.items():
            props[f"{k}_original"] = orig
    return props


def build_plan(val: Validation, hasher: Hasher) -> Plan:
    plan = Plan()
    nodes, rels = plan.nodes, plan.rels
    town_of_org: dict[str, str | None] = {}
    town_of_po: dict[str, str | None] = {}

    def org_town(key: str) -> str | None:
        if key not in town_of_org:
            p = val.props_of(Label.ORGANIZATION, key)
            town_of_org[key] = p.get("town_code") if p else None
        return town_of_org[key]

    def po_town(key: str) -> str | None:
        if key not in town_of_po:
            p = val.props_of(Label.PARTY_ORG, key)
            town_of_po[key] = p.get("town_code") if p else None
        return town_of_po[key]

    def link(rel: Rel, fl: Label, frm: str, tl: Label, to: str, rid: str = "", **props: Any) -> None:
        if props:
            props = {k: v for k, v in props.items() if v is not None}
        rels[(rel, fl, tl)].append({"from": frm, "to": to, "rid": rid, "props": props or _NO_PROPS})

    def references(r: Row, label: Label) -> None:
        v, k = r.values, r.key or ""
        for column, rel, tl in _REFERENCES.get(r.sheet.name, ()):
            if column in v:
                link(rel, label, k, tl, v[column])

    def node_sheet(
        name: str,
        label: Label,
        props: Callable[[Row], dict[str, Any]] = _base_props,
        then: Callable[[Row], None] | None = None,
    ) -> None:
        """A node sheet's accepted rows: a node each, its reference columns linked, then ``then``."""
        if name not in val.sheets:
            return
        rows = val.accepted(name)
        for r in rows:
            nodes[label].append(props(r))
            references(r, label)
            if then is not None:
                then(r)
        _own(plan, name, label, rows)

    def org_props(r: Row) -> dict[str, Any]:
        p = _base_props(r)
        p.setdefault("status", "在营")
        return p

    def party_org_props(r: Row) -> dict[str, Any]:
        v, k = r.values, r.key or ""
        town = v.get("town_code")
        if town is None:
            towns = {org_town(u) for u in v.get("covers", ())}
            if len(towns) == 1:
                town = towns.pop()
        town_of_po[k] = town
        p = _base_props(r)
        p.setdefault("kind", "组织党组织")
        if town is not None:
            p["town_code"] = town
        return p

    def covers(r: Row) -> None:
        # order: the first covered organisation is the core unit (joint and 1+X formations)
        for i, u in enumerate(r.values.get("covers", ())):
            link(Rel.COVERS, Label.PARTY_ORG, r.key or "", Label.ORGANIZATION, u, order=i)

    def member_props(r: Row) -> dict[str, Any]:
        v = r.values
        p = _base_props(r)
        _personal(p, v, hasher)
        town = org_town(v["employer_uscc"]) if "employer_uscc" in v else None
        if town is None and "relationship_org" in v:
            town = po_town(v["relationship_org"])
        if town is not None:
            p["town_code"] = town
        return p

    def instructor_props(r: Row) -> dict[str, Any]:
        v, k = r.values, r.key or ""
        p = _base_props(r)
        _personal(p, v, hasher)
        targets: set[str | None] = set()
        for x in v["assigned_to"]:
            lab, actual = r.resolved[("assigned_to", x)]
            targets.add(org_town(actual) if lab is Label.ORGANIZATION else po_town(actual))
            link(Rel.ASSIGNED_TO, Label.INSTRUCTOR, k, lab, actual)
        if len(targets) == 1 and None not in targets:
            p["town_code"] = targets.pop()
        return p

    node_sheet("镇街", Label.TOWN)
    node_sheet("园区", Label.PARK)
    node_sheet("村社区", Label.VILLAGE)
    node_sheet("组织", Label.ORGANIZATION, org_props)
    node_sheet("党组织", Label.PARTY_ORG, party_org_props, covers)
    node_sheet("党员", Label.MEMBER, member_props)
    node_sheet("党建指导员", Label.INSTRUCTOR, instructor_props)

    if "结对" in val.sheets:
        for r in val.accepted("结对"):
            v = r.values
            fl, frm = r.resolved[("from_code", v["from_code"])]
            tl, to = r.resolved[("to_code", v["to_code"])]
            if v["pairing_type"] == "示范帮扶":
                link(
                    Rel.PAIRED_WITH,
                    fl,
                    frm,
                    tl,
                    to,
                    r.rid,
                    pairing_type=v["pairing_type"],
                    since=v.get("since"),
                )
            else:
                link(Rel.JOINT_BUILDS_WITH, fl, frm, tl, to, r.rid, since=v.get("since"))
    for name, rel, keys in _HELPER_SHEETS:
        for r in val.accepted(name) if name in val.sheets else ():
            v = r.values
            hl, helper = r.resolved[("helper_id", v["helper_id"])]
            link(rel, hl, helper, Label.ORGANIZATION, v["target_uscc"], r.rid, **{x: v.get(x) for x in keys})
    for name, types in KEYLESS_RELS.items():
        if name in val.sheets:
            rids = {r.rid for r in val.sheets[name] if r.rid}
            for t in types:
                plan.keyless_rids[t] = rids
    return plan


def _own(plan: Plan, sheet: str, label: Label, rows: list[Row]) -> None:
    assert SHEET_BY_NAME[sheet].label is label
    if sheet in OWNED_RELS:
        plan.owned[label] = ([r.key or "" for r in rows], OWNED_RELS[sheet])


def _personal(p: dict[str, Any], v: dict[str, Any], hasher: Hasher) -> None:
    if "id_number" in v:
        p["id_hash"] = hasher(v["id_number"])
        p["id_masked"] = mask_id(v["id_number"])
        p["key_id"] = hasher.key_id
    if "phone" in v:
        p["phone_hash"] = hasher("+86" + v["phone"])  # E.164
        p["phone_masked"] = mask_phone(v["phone"])
        p["key_id"] = hasher.key_id
