"""Admin "unmasking": find the people behind a raw ID number or phone the admin already holds.

The graph keeps only keyed hashes and masked forms, so nothing can be revealed that is not
stored. What an admin can do is the reverse: state a reason, give a raw ID number or mobile
number, and learn which members (or instructors, by phone) it belongs to. The raw value is
hashed here with the server's key, matched against ``id_hash`` / ``phone_hash``, and
forgotten; the audit entry holds the reason, the masked value and the records found.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator

from graph.audit import audit
from graph.errors import InputError
from graph.identifiers import mask_id, mask_phone, ric_problem
from graph.loaders.build import Hasher
from graph.model import NODE_KEYS, NODE_NAMES, Label
from queries._common import cached
from queries.models import NodeRef

if TYPE_CHECKING:
    from api.answer import Caller

_PHONE_STRIP = re.compile(r"[\s\-()]")
_PHONE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")

# The hashed fields each label can be found by (graph.schema indexes them all).
_FIELDS: dict[Label, tuple[str, ...]] = {
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


class LookupRequest(BaseModel):
    id_number: str | None = Field(default=None, max_length=40, description="身份证号 / resident ID number")
    phone: str | None = Field(default=None, max_length=40, description="手机号 / mobile number")
    # Two characters: a short Chinese reason such as “核对” says enough; blanks are not a reason.
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=500)] = Field(
        description="查询理由（至少 2 个字，记入审计）/ why (2+ characters, audited)"
    )

    @model_validator(mode="after")
    def _one_of(self) -> LookupRequest:
        if not (self.id_number or self.phone):
            raise ValueError("give id_number or phone / 请提供身份证号或手机号")
        return self


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


def _normalise_id(raw: str) -> str:
    code = "".join(raw.split()).upper()
    if ric_problem(code) is not None:
        raise InputError("身份证号格式不正确", "not a valid resident ID number")
    return code


def _normalise_phone(raw: str) -> str:
    m = _PHONE.match(_PHONE_STRIP.sub("", raw))
    if m is None:
        raise InputError("手机号格式不正确（11 位，以 13–19 开头）", "not a valid mainland mobile number")
    return m.group(1)


class _HashIndex:
    """The embedded store's Members and Instructors by hash, built once per store version."""

    def __init__(self, store: Any) -> None:
        self.by_hash: dict[tuple[str, str], list[tuple[Label, dict[str, Any]]]] = {}
        # (key_id, has id_hash, has phone_hash) -> records, for the stale count
        self.keyed: Counter[tuple[str, bool, bool]] = Counter()
        for label, fields in _FIELDS.items():
            for props in store.fetch_nodes(label).values():
                for f in fields:
                    h = props.get(f)
                    if h is not None:
                        self.by_hash.setdefault((f, h), []).append((label, props))
                kid = props.get("key_id")
                if kid is not None:
                    has_id = "id_hash" in fields and "id_hash" in props
                    self.keyed[(kid, has_id, "phone_hash" in props)] += 1


def _find(store: Any, wanted: dict[str, str], key_id: str) -> tuple[list[tuple[Label, dict[str, Any]]], int]:
    """Records whose id_hash / phone_hash is one wanted, under the current key (or none), and
    the number of records with a wanted field hashed under another key (which cannot match)."""
    params = {"id_hash": wanted.get("id_hash"), "phone_hash": wanted.get("phone_hash"), "key_id": key_id}
    if store.backend == "neo4j":
        rows = store.read(LOOKUP_BY_HASH, params, "lookup_by_hash")
        candidates = [(Label(r["l"]), r["p"]) for r in rows]
        res = store.read(COUNT_STALE, params, "lookup_stale")
        stale = int(res[0]["n"]) if res else 0
    else:
        ix: _HashIndex = cached(store, "lookup_hash_index", lambda: _HashIndex(store))
        candidates = []
        seen: set[tuple[Label, str]] = set()
        for f, h in wanted.items():
            for label, props in ix.by_hash.get((f, h), ()):
                k = (label, str(props[NODE_KEYS[label]]))
                if k not in seen:
                    seen.add(k)
                    candidates.append((label, props))
        stale = sum(
            n
            for (kid, has_id, has_phone), n in ix.keyed.items()
            if kid != key_id and (("id_hash" in wanted and has_id) or ("phone_hash" in wanted and has_phone))
        )
    found = [(lab, p) for lab, p in candidates if p.get("key_id") in (None, key_id)]
    return found, stale


def lookup_members(c: Caller, body: LookupRequest) -> LookupResult:
    key_id, key = c.settings.hash_key()
    hasher = Hasher(key_id, key)
    wanted: dict[str, str] = {}
    masked: dict[str, str] = {}
    if body.id_number:
        code = _normalise_id(body.id_number)
        wanted["id_hash"], masked["id_number"] = hasher(code), mask_id(code)
    if body.phone:
        number = _normalise_phone(body.phone)
        # the loaders hash the E.164 form
        wanted["phone_hash"], masked["phone"] = hasher("+86" + number), mask_phone(number)

    matches: list[Match] = []
    found, stale = _find(c.store, wanted, key_id)
    for label, props in found:
        hit: list[Literal["id_number", "phone"]] = []
        if "id_hash" in wanted and props.get("id_hash") == wanted["id_hash"]:
            hit.append("id_number")
        if "phone_hash" in wanted and props.get("phone_hash") == wanted["phone_hash"]:
            hit.append("phone")
        if not hit:
            continue
        name = props.get(NODE_NAMES[label])
        tc = props.get("town_code")
        matches.append(
            Match(
                node=NodeRef(
                    label=label.value,
                    key=str(props[NODE_KEYS[label]]),
                    name=None if name is None else str(name),
                    town_code=None if tc is None else str(tc),
                ),
                matched=hit,
                id_masked=props.get("id_masked"),
                phone_masked=props.get("phone_masked"),
                key_current=props.get("key_id") in (None, key_id),
            )
        )
    from api.answer import route_template

    matches.sort(key=lambda m: (m.node.label, m.node.key))
    audit(
        "api_unmask_lookup",
        c.who.who,
        c.settings,
        route=route_template(c.request),
        reason=body.reason,
        query=masked,
        records=[m.node.id for m in matches],
    )
    return LookupResult(matches=matches, stale_records=stale)
