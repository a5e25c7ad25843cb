"""API test fixtures: the shared fixture graph on both backends, tokens per role, a client.

Members of the fixture get synthetic raw ID numbers and phones here; only their keyed
hashes and masked forms are written to the store (as the loaders do), and the raw values
serve two purposes: the admin lookup finds people by them, and every response body is
checked never to contain them.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph.identifiers import Hasher, mask_id, mask_phone, ric_check_char
from graph.model import Label
from graph.settings import Settings, get_settings
from graph.tokens import TokenStore
from tests.fixtures import INSTRUCTORS, MEMBERS, load_fixture

API = "/api/v1"


def _raw_id(i: int) -> str:
    first17 = f"500118{1970 + i:04d}0{1 + i % 9}{10 + i:02d}{i:03d}"
    return first17 + ric_check_char(first17)


# member_id -> (raw ID number, raw 11-digit mobile)
RAW_MEMBERS: dict[str, tuple[str, str]] = {
    m["member_id"]: (_raw_id(i), f"1380013{i:04d}") for i, m in enumerate(MEMBERS, start=1)
}
RAW_INSTRUCTORS: dict[str, str] = {
    x["instructor_id"]: f"1390013{i:04d}" for i, x in enumerate(INSTRUCTORS, 1)
}


def add_personal_hashes(store: Any, settings: Settings | None = None) -> None:
    """Give members and instructors keyed hashes and masked forms, as a load would."""
    key_id, key = (settings or get_settings()).hash_key()
    h = Hasher(key_id, key)
    members = []
    for m in MEMBERS:
        raw_id, phone = RAW_MEMBERS[m["member_id"]]
        members.append(
            {
                **m,
                "id_hash": h(raw_id),
                "id_masked": mask_id(raw_id),
                "phone_hash": h("+86" + phone),
                "phone_masked": mask_phone(phone),
                "key_id": key_id,
            }
        )
    instructors = [
        {
            **x,
            "phone_hash": h("+86" + RAW_INSTRUCTORS[x["instructor_id"]]),
            "phone_masked": mask_phone(RAW_INSTRUCTORS[x["instructor_id"]]),
            "key_id": key_id,
        }
        for x in INSTRUCTORS
    ]
    with store.bulk():
        store.upsert_nodes(Label.MEMBER, members)
        store.upsert_nodes(Label.INSTRUCTOR, instructors)


def forbidden_strings() -> list[str]:
    """Raw personal values and keyed hashes: none may appear in any response body."""
    key_id, key = get_settings().hash_key()
    h = Hasher(key_id, key)
    out: list[str] = []
    for raw_id, phone in RAW_MEMBERS.values():
        out += [raw_id, raw_id[:14], phone, "+86" + phone, h(raw_id), h("+86" + phone)]
    for phone in RAW_INSTRUCTORS.values():
        out += [phone, h("+86" + phone)]
    return out


def assert_no_personal_leak(body: str | bytes) -> None:
    text = body.decode() if isinstance(body, bytes) else body
    # JSON may escape nothing in digits, but decode \u escapes anyway for names
    with contextlib.suppress(ValueError):
        text = json.dumps(json.loads(text), ensure_ascii=False)
    for s in forbidden_strings():
        assert s not in text, f"personal value leaked: {s[:6]}..."
    assert "id_hash" not in text and "phone_hash" not in text


@dataclass
class Tokens:
    admin: str
    district: str
    town1: str  # T1 中山路街道
    town2: str  # T2 青峰镇
    revoked: str

    def headers(self, role: str | None) -> dict[str, str]:
        if role is None:
            return {}
        return {"Authorization": f"Bearer {getattr(self, role)}"}


@pytest.fixture
def graph_store(store: Any) -> Any:
    """The fixture graph (with personal hashes) in the parametrised store."""
    load_fixture(store)
    add_personal_hashes(store)
    return store


@pytest.fixture
def tokens() -> Tokens:
    ts = TokenStore()
    revoked, rec = ts.create("district", label="revoked")
    ts.revoke(rec.token_id)
    return Tokens(
        admin=ts.create("admin")[0],
        district=ts.create("district")[0],
        town1=ts.create("town", town="T1")[0],
        town2=ts.create("town", town="T2")[0],
        revoked=revoked,
    )


@pytest.fixture
def client(graph_store: Any) -> Iterator[TestClient]:
    app = create_app(store=graph_store)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
