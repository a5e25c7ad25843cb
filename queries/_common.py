"""Helpers every question shares: key checks, the scope's town, node references."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graph.errors import InputError, NotFound
from graph.model import NODE_KEYS, NODE_NAMES, STRUCTURAL_KINDS, Label
from graph.schema import label as L
from graph.store.base import CypherReader, FactSet, GraphStore
from graph.store.index import GraphIndex
from queries.models import NodeRef
from queries.scope import Scope

# Keys are codes: letters, digits, CJK and a little punctuation. Anything with quotes,
# backticks, braces, brackets, semicolons, whitespace or control characters is no key of
# ours, so it is answered as "not found" before any query runs.
_KEY_RE = re.compile(r"[0-9A-Za-z\u3400-\u9fff_\-./#+]{1,100}")

FK: dict[str, str] = {lab.value: key for lab, key in NODE_KEYS.items()}
NAMES: dict[str, str] = {lab.value: prop for lab, prop in NODE_NAMES.items()}
STRUCTURAL = sorted(STRUCTURAL_KINDS)
LABEL_ORDER = [
    Label.ORGANIZATION,
    Label.PARTY_ORG,
    Label.TOWN,
    Label.PARK,
    Label.VILLAGE,
    Label.MEMBER,
    Label.INSTRUCTOR,
]


def not_found(what: str, key: str) -> NotFound:
    return NotFound(f"未找到{what}：{key}", f"{what} not found: {key!r}")


def check_key(key: Any, what: str = "对象") -> str:
    """A key that can be looked up, or NotFound (never sent to a store)."""
    if not isinstance(key, str) or not _KEY_RE.fullmatch(key):
        raise not_found(what, str(key)[:100])
    return key


def check_scope(store: GraphStore, scope: Scope) -> Scope:
    """A town scope must name an existing town (NotFound otherwise)."""
    check_town(store, scope.town)
    return scope


def check_town(store: GraphStore, town: str | None) -> str | None:
    """Validate the scope: an existing town code (NotFound otherwise)."""
    if town is None:
        return None
    check_key(town, "镇街")
    if not store.fetch_nodes(Label.TOWN, [town]):
        raise not_found("镇街", town)
    return town


def is_hub(label: str, props: Mapping[str, Any]) -> bool:
    """Nodes that connect everything and so never count towards "near" (DESIGN.md)."""
    if label in (Label.TOWN.value, Label.PARK.value):
        return True
    if label == Label.PARTY_ORG.value:
        return props.get("town_code") is None or props.get("kind") in STRUCTURAL_KINDS
    return False


def hub_cypher(var: str) -> str:
    """:func:`is_hub` in Cypher (needs ``$structural`` = :data:`STRUCTURAL`)."""
    po = L(Label.PARTY_ORG)
    return (
        f"({var}:{L(Label.TOWN)} OR {var}:{L(Label.PARK)} OR ({var}:{po}"
        f" AND ({var}.town_code IS NULL OR coalesce({var}.kind, '') IN $structural)))"
    )


def ref(label: str, props: Mapping[str, Any]) -> NodeRef:
    key = props[FK[label]]
    name = props.get(NAMES[label])
    tc = props.get("town_code")
    return NodeRef(
        label=label,
        key=str(key),
        name=None if name is None else str(name),
        town_code=None if tc is None else str(tc),
    )


def head(label: Label, props: Mapping[str, Any]) -> tuple[str, Any, Any]:
    """A node's key, name and town from its properties: the first three fields of most facts."""
    return str(props[NODE_KEYS[label]]), props.get(NODE_NAMES[label]), props.get("town_code")


def ref_from(label: str, key: str, name: Any, town_code: Any) -> NodeRef:
    return NodeRef(
        label=label,
        key=str(key),
        name=None if name is None else str(name),
        town_code=None if town_code is None else str(town_code),
    )


def parse_ref(value: str) -> tuple[Label | None, str]:
    """``"Label:key"`` or a bare key."""
    if not isinstance(value, str):
        raise not_found("对象", str(value))
    head, sep, tail = value.partition(":")
    if sep and head in FK:
        return Label(head), check_key(tail)
    return None, check_key(value)


@dataclass(frozen=True)
class KeyQuery:
    refs: tuple[tuple[str, tuple[Label, ...]], ...]  # (key, the labels it may name) per reference


Holders = tuple[tuple[str, dict[str, Any]], ...]  # (label, properties) of the nodes one key names


def _holders_cypher(db: CypherReader, p: KeyQuery) -> tuple[Holders, ...]:
    # One round trip for every reference: an index seek per (reference, label).
    text = " UNION ALL ".join(
        f"MATCH (n:{L(lab)} {{{NODE_KEYS[lab]}: $k{i}}}) "
        f"RETURN {i} AS i, '{lab.value}' AS l, properties(n) AS p"
        for i, (_key, labels) in enumerate(p.refs)
        for lab in labels
    )
    rows = db.read(text, {f"k{i}": key for i, (key, _labels) in enumerate(p.refs)}, "key_holders")
    out = []
    for i, (_key, labels) in enumerate(p.refs):
        order = {lab.value: j for j, lab in enumerate(labels)}
        mine = ((r["l"], dict(r["p"])) for r in rows if r["i"] == i)
        out.append(tuple(sorted(mine, key=lambda x: order[x[0]])))
    return tuple(out)


def _holders_nx(ix: GraphIndex, p: KeyQuery) -> tuple[Holders, ...]:
    return tuple(
        tuple(
            (lab.value, {k: v for k, v in ix.props(nid).items() if not k.startswith("_")})
            for lab in labels
            if (nid := f"{lab.value}:{key}") in ix.nodes
        )
        for key, labels in p.refs
    )


KEY_HOLDERS = FactSet("common.key_holders", cypher=_holders_cypher, networkx=_holders_nx)


def resolve_all(store: GraphStore, values: list[str], scope: Scope) -> list[tuple[str, dict[str, Any]]]:
    """(label, properties) of the entity each reference names, within the scope: one store call."""
    refs = []
    for value in values:
        lab, key = parse_ref(value)
        refs.append((key, (lab,) if lab is not None else tuple(LABEL_ORDER)))
    held: tuple[Holders, ...] = store.facts(KEY_HOLDERS, KeyQuery(tuple(refs)))
    out = []
    for (key, _labels), holders in zip(refs, held, strict=True):
        found = [f for f in holders if scope.admits(f[0], f[1])]
        if not found:
            raise not_found("对象", key)
        if len(found) > 1:
            names = "、".join(f"{f[0]}:{key}" for f in found)
            raise InputError(
                f"编码 {key} 对应多个对象（{names}），请写成 类型:编码",
                f"key {key!r} is ambiguous ({names}); write Label:key",
            )
        out.append(found[0])
    return out


def resolve(store: GraphStore, value: str, scope: Scope) -> tuple[str, dict[str, Any]]:
    """(label, properties) of the entity a reference names, within the scope."""
    return resolve_all(store, [value], scope)[0]


def fetch_one(store: GraphStore, label: Label, key: str, scope: Scope, what: str) -> dict[str, Any]:
    check_key(key, what)
    props = store.fetch_nodes(label, [key]).get(key)
    if props is None or not scope.admits(label, props):
        raise not_found(what, key)
    return props


def visible(n: NodeRef, scope: Scope) -> bool:
    """Whether a node named in an answer is in the scope."""
    return scope.admits(n.label, {"town_code": n.town_code})


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def coords(props: Mapping[str, Any]) -> tuple[float, float] | None:
    lon, lat = props.get("lon"), props.get("lat")
    if lon is None or lat is None:
        return None
    try:
        return float(lon), float(lat)
    except (TypeError, ValueError):
        return None


def rate(num: int, den: int) -> float | None:
    return None if den == 0 else num / den
