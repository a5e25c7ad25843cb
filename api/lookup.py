"""Admin "unmasking": find the people behind a raw ID number or phone the admin already holds.

The graph keeps only keyed hashes and masked forms, so nothing can be revealed that is not
stored. What an admin can do is the reverse: state a reason, give a raw ID number or mobile
number, and learn which members (or instructors, by phone) it belongs to. The raw value is
hashed here with the server's key, matched against ``id_hash`` / ``phone_hash``, and
forgotten; the audit entry holds the reason, the masked value and the records found.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field, model_validator

from graph.audit import audit
from graph.errors import InputError
from graph.identifiers import mask_id, mask_phone, ric_problem
from graph.loaders.build import Hasher
from graph.model import NODE_KEYS, NODE_NAMES, Label
from queries.models import NodeRef

if TYPE_CHECKING:
    from api.answer import Caller

_PHONE_STRIP = re.compile(r"[\s\-()]")
_PHONE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")


class LookupRequest(BaseModel):
    id_number: str | None = Field(default=None, max_length=40, description="身份证号 / resident ID number")
    phone: str | None = Field(default=None, max_length=40, description="手机号 / mobile number")
    reason: str = Field(min_length=4, max_length=500, description="查询理由（记入审计）/ why (audited)")

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
    stale = 0
    for label in (Label.MEMBER, Label.INSTRUCTOR):
        for props in c.store.fetch_nodes(label).values():
            if props.get("key_id") not in (None, key_id) and any(f in props for f in wanted):
                stale += 1
                continue
            hit: list[Literal["id_number", "phone"]] = []
            if "id_hash" in wanted and props.get("id_hash") == wanted["id_hash"]:
                hit.append("id_number")
            if "phone_hash" in wanted and props.get("phone_hash") == wanted["phone_hash"]:
                hit.append("phone")
            if hit:
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
