"""Members (and instructors, by phone) by keyed hash: the records behind an ID number or phone.

The graph keeps only keyed hashes of ID numbers and phones (``id_hash`` / ``phone_hash``,
with the ``key_id`` they were made under). The caller hashes the raw value with the server's
key (:class:`graph.identifiers.Hasher`) and asks for the records holding that hash under
the current key, and how many records hold a field hashed under another key (which cannot
match until reloaded). The raw value never reaches this module. Admin only (the API checks).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field

from graph.model import NODE_KEYS, Label
from graph.store.base import CypherReader, FactSet, GraphStore
from graph.store.index import GraphIndex
from queries._common import ref
from queries.models import NodeRef
from queries.params import Params
from queries.question import Question, register
from queries.scope import Scope

_HASH = r"^[0-9a-f]{64}$"


class LookupParams(Params):
    id_hash: str | None = Field(None, pattern=_HASH, description="身份证号的密钥哈希")
    phone_hash: str | None = Field(None, pattern=_HASH, description="手机号（+86 形式）的密钥哈希")
    key_id: str = Field(min_length=1, max_length=100, description="当前哈希密钥编号")


class Match(BaseModel):
    node: NodeRef
    matched: list[Literal["id_number", "phone"]]
    id_masked: str | None = None
    phone_masked: str | None = None
    key_current: bool = Field(description="该记录的哈希用当前密钥生成 / hashed with the current key")


class LookupResult(BaseModel):
    matches: list[Match]
    stale_records: int = Field(
        description="用旧密钥哈希、无法比对的记录数（需重新导入）/ records hashed with an old key (reload)"
    )


# The hashed fields each label can be found by (graph.schema indexes them all).
FIELDS: dict[Label, tuple[str, ...]] = {
    Label.MEMBER: ("id_hash", "phone_hash"),
    Label.INSTRUCTOR: ("phone_hash",),
}

# Neo4j: one index seek per (label, field); a null parameter matches nothing.
LOOKUP_BY_HASH = """
CALL () {
  MATCH (n:`Member` {id_hash: $id_hash}) RETURN n
  UNION
  MATCH (n:`Member` {phone_hash: $phone_hash}) RETURN n
  UNION
  MATCH (n:`Instructor` {phone_hash: $phone_hash}) RETURN n
}
RETURN labels(n)[0] AS l, properties(n) AS p
"""
# Records hashed under another key (two range seeks on the key_id index, never a label scan).
COUNT_STALE = """
CALL () {
  MATCH (n:`Member`) WHERE n.key_id < $key_id OR n.key_id > $key_id
  RETURN n.id_hash IS NOT NULL AS has_id, n.phone_hash IS NOT NULL AS has_phone
  UNION ALL
  MATCH (n:`Instructor`) WHERE n.key_id < $key_id OR n.key_id > $key_id
  RETURN false AS has_id, n.phone_hash IS NOT NULL AS has_phone
}
WITH has_id, has_phone
WHERE ($id_hash IS NOT NULL AND has_id) OR ($phone_hash IS NOT NULL AND has_phone)
RETURN count(*) AS n
"""


@dataclass(frozen=True)
class Holder:
    label: Label
    props: dict[str, Any]


@dataclass(frozen=True)
class HashFacts:
    holders: list[Holder] = field(default_factory=list)  # records holding a wanted hash (any key)
    stale: int = 0  # records with a wanted field hashed under another key


def _cypher(db: CypherReader, p: LookupParams) -> HashFacts:
    params = {"id_hash": p.id_hash, "phone_hash": p.phone_hash, "key_id": p.key_id}
    holders = [Holder(Label(r["l"]), r["p"]) for r in db.read(LOOKUP_BY_HASH, params, "lookup_by_hash")]
    res = db.read(COUNT_STALE, params, "lookup_stale")
    return HashFacts(holders, int(res[0]["n"]) if res else 0)


@dataclass(frozen=True)
class _HashIndex:
    by_hash: dict[tuple[str, str], list[Holder]]
    keyed: Counter[tuple[str, bool, bool]]  # (key_id, has id_hash, has phone_hash) -> records


def _hash_index(ix: GraphIndex) -> _HashIndex:
    by_hash: dict[tuple[str, str], list[Holder]] = {}
    keyed: Counter[tuple[str, bool, bool]] = Counter()
    for label, fields in FIELDS.items():
        for _, d in ix.label_nodes(label.value):
            props = {k: v for k, v in d.items() if k not in ("_label", "_type", "rid")}
            for f in fields:
                h = props.get(f)
                if h is not None:
                    by_hash.setdefault((f, h), []).append(Holder(label, props))
            kid = props.get("key_id")
            if kid is not None:
                has_id = "id_hash" in fields and "id_hash" in props
                keyed[(kid, has_id, "phone_hash" in props)] += 1
    return _HashIndex(by_hash, keyed)


def _networkx(ix: GraphIndex, p: LookupParams) -> HashFacts:
    hx = ix.derived("lookup_hash_index", lambda: _hash_index(ix))
    wanted = _wanted(p)
    holders: list[Holder] = []
    seen: set[tuple[Label, str]] = set()
    for f, h in wanted.items():
        for x in hx.by_hash.get((f, h), ()):
            k = (x.label, str(x.props[NODE_KEYS[x.label]]))
            if k not in seen:
                seen.add(k)
                holders.append(x)
    stale = sum(
        n
        for (kid, has_id, has_phone), n in hx.keyed.items()
        if kid != p.key_id and (("id_hash" in wanted and has_id) or ("phone_hash" in wanted and has_phone))
    )
    return HashFacts(holders, stale)


HASH_HOLDERS = FactSet("lookup.by_hash", cypher=_cypher, networkx=_networkx)


def _wanted(p: LookupParams) -> dict[str, str]:
    return {k: v for k, v in (("id_hash", p.id_hash), ("phone_hash", p.phone_hash)) if v is not None}


def matches(f: HashFacts, p: LookupParams, scope: Scope) -> LookupResult:
    """The records holding a wanted hash under the current key (or none), sorted (pure)."""
    wanted = _wanted(p)
    out: list[Match] = []
    for x in f.holders:
        props = x.props
        if props.get("key_id") not in (None, p.key_id) or not scope.admits(x.label, props):
            continue
        hit: list[Literal["id_number", "phone"]] = []
        if "id_hash" in wanted and props.get("id_hash") == wanted["id_hash"]:
            hit.append("id_number")
        if "phone_hash" in wanted and props.get("phone_hash") == wanted["phone_hash"]:
            hit.append("phone")
        if not hit:
            continue
        out.append(
            Match(
                node=ref(x.label.value, props),
                matched=hit,
                id_masked=props.get("id_masked"),
                phone_masked=props.get("phone_masked"),
                key_current=props.get("key_id") in (None, p.key_id),
            )
        )
    out.sort(key=lambda m: (m.node.label, m.node.key))
    return LookupResult(matches=out, stale_records=f.stale)


def members_by_hash(store: GraphStore, scope: Scope, p: LookupParams) -> LookupResult:
    """Members and instructors holding the given keyed hashes.

    Example
    -------
    >>> MEMBERS_BY_HASH(store, Scope(), LookupParams(phone_hash=h, key_id="k1")).matches  # doctest: +SKIP
    """
    return matches(store.facts(HASH_HOLDERS, p), p, scope)


# Never cached: each lookup is a deliberate, audited act on fresh data.
MEMBERS_BY_HASH = register(
    Question(
        "members_by_hash",
        "按证件号/手机号查找党员",
        LookupParams,
        LookupResult,
        members_by_hash,
        personal=True,
        cache=False,
    )
)
