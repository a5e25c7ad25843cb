"""Admin "unmasking": find the people behind a raw ID number or phone the admin already holds.

The graph keeps only keyed hashes and masked forms, so nothing can be revealed that is not
stored. What an admin can do is the reverse: state a reason, give a raw ID number or mobile
number, and learn which members (or instructors, by phone) it belongs to. The raw value is
hashed here with the server's key, matched against ``id_hash`` / ``phone_hash``, and
forgotten; the audit entry holds the reason, the masked value and the records found.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, Field, StringConstraints, model_validator

from graph.audit import audit
from graph.errors import InputError
from graph.identifiers import Hasher, mask_id, mask_phone, ric_problem
from queries.lookup import MEMBERS_BY_HASH, LookupParams, LookupResult, Match
from queries.question import ask

if TYPE_CHECKING:
    from api.answer import Caller

__all__ = ["LookupRequest", "LookupResult", "Match", "lookup_members"]

_PHONE_STRIP = re.compile(r"[\s\-()]")
_PHONE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")


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

    params = LookupParams(key_id=key_id, id_hash=wanted.get("id_hash"), phone_hash=wanted.get("phone_hash"))
    res = ask(c.store, MEMBERS_BY_HASH, c.scope(), params)
    from api.answer import route_template

    audit(
        "api_unmask_lookup",
        c.who.who,
        c.settings,
        route=route_template(c.request),
        reason=body.reason,
        query=masked,
        records=[m.node.id for m in res.matches],
    )
    return res
