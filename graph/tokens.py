"""API and dashboard tokens: random bearer tokens, only their SHA-256 digest is stored.

Roles: ``admin`` (everything, may unmask with a stated reason), ``district`` (whole
district, masked), ``town`` (its own town only). The file lives under ORGGRAPH_HOME and is
rewritten atomically; readers pick up changes by the file's stamp.

Every token expires (default DEFAULT_DAYS after creation). A record written before expiry
existed has no ``expires_at``: it expires DEFAULT_DAYS after its creation like a new one.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import secrets
from pathlib import Path
from typing import IO, Literal

from pydantic import BaseModel

from graph.errors import Forbidden, InputError
from graph.settings import Settings, get_settings, private_home, private_open

Role = Literal["admin", "district", "town"]
ROLES: tuple[Role, ...] = ("admin", "district", "town")
TOKEN_FILE = "tokens.json"
_PREFIX = "og_"
DEFAULT_DAYS = 90
MAX_DAYS = 3650


class TokenExpired(Forbidden):
    """A known token past its expiry: its own reason, so the user knows to ask for a new one."""

    code = "token_expired"


class Principal(BaseModel):
    """Who is asking: what a verified token stands for."""

    token_id: str
    role: Role
    town: str | None = None
    label: str = ""

    @property
    def scope_town(self) -> str | None:
        """The town every query of this caller is confined to (None = whole district)."""
        return self.town if self.role == "town" else None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def who(self) -> str:
        return f"token:{self.token_id}:{self.role}" + (f":{self.town}" if self.town else "")


class TokenRecord(BaseModel):
    token_id: str
    digest: str
    role: Role
    town: str | None = None
    label: str = ""
    created_at: str
    revoked_at: str | None = None
    expires_at: str | None = None

    @property
    def expiry(self) -> dt.datetime:
        if self.expires_at is not None:
            return dt.datetime.fromisoformat(self.expires_at)
        return dt.datetime.fromisoformat(self.created_at) + dt.timedelta(days=DEFAULT_DAYS)

    def expired(self, now: dt.datetime | None = None) -> bool:
        return (now or dt.datetime.now(dt.UTC)) >= self.expiry


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenStore:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self.path = Path(self.settings.home) / TOKEN_FILE
        self._stamp: tuple[int, int] | None = None
        self._by_digest: dict[str, TokenRecord] = {}

    def _load(self) -> list[TokenRecord]:
        if not self.path.exists():
            return []
        data = json.loads(self.path.read_text(encoding="utf-8"))
        return [TokenRecord.model_validate(x) for x in data]

    def _save(self, records: list[TokenRecord]) -> None:
        private_home(self.path.parent)
        tmp = self.path.with_name(f".{TOKEN_FILE}.{os.getpid()}.tmp")
        with private_open(tmp, "w") as out:
            out.write(json.dumps([r.model_dump() for r in records], ensure_ascii=False, indent=1))
        os.replace(tmp, self.path)

    def _locked(self) -> IO[str]:
        private_home(self.path.parent)
        fh = private_open(self.path.parent / "tokens.lock", "a")
        fcntl.flock(fh, fcntl.LOCK_EX)
        return fh

    def create(
        self, role: str, town: str | None = None, label: str = "", days: int = DEFAULT_DAYS
    ) -> tuple[str, TokenRecord]:
        """A new random token (returned once, never stored) and its record; valid ``days`` days."""
        if not 1 <= days <= MAX_DAYS:
            raise InputError(
                f"有效期必须在 1 到 {MAX_DAYS} 天之间（--days）", f"--days must be between 1 and {MAX_DAYS}"
            )
        if role not in ROLES:
            raise InputError(f"未知角色：{role}（可选 admin、district、town）", f"unknown role {role!r}")
        if role == "town" and not town:
            raise InputError("镇街角色必须指定 --town 镇街编码", "role town needs --town CODE")
        if role != "town" and town:
            raise InputError("只有镇街角色可以指定 --town", "--town is only for role town")
        token = _PREFIX + secrets.token_urlsafe(32)
        now = dt.datetime.now(dt.UTC)
        rec = TokenRecord(
            token_id=secrets.token_hex(4),
            digest=_digest(token),
            role=role,
            town=town,
            label=label,
            created_at=now.isoformat(timespec="seconds"),
            expires_at=(now + dt.timedelta(days=days)).isoformat(timespec="seconds"),
        )
        fh = self._locked()
        try:
            records = self._load()
            records.append(rec)
            self._save(records)
        finally:
            fh.close()
        return token, rec

    def list(self) -> list[TokenRecord]:
        return self._load()

    def revoke(self, token_id: str) -> TokenRecord:
        fh = self._locked()
        try:
            records = self._load()
            for rec in records:
                if rec.token_id == token_id and rec.revoked_at is None:
                    rec.revoked_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
                    self._save(records)
                    return rec
        finally:
            fh.close()
        raise InputError(f"找不到有效令牌：{token_id}", f"no active token {token_id!r}")

    def verify(self, token: str | None) -> Principal:
        """The principal of a presented token; Forbidden when unknown or revoked, TokenExpired
        (a Forbidden) when past its expiry."""
        if not token:
            raise Forbidden("需要登录令牌", "a token is required")
        try:
            st = self.path.stat()
            stamp: tuple[int, int] | None = (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            stamp = None
        if stamp != self._stamp:
            self._by_digest = {r.digest: r for r in self._load() if r.revoked_at is None}
            self._stamp = stamp
        rec = self._by_digest.get(_digest(token.strip()))
        if rec is None:
            raise Forbidden("令牌无效或已撤销", "invalid or revoked token")
        if rec.expired():
            when = rec.expiry.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
            raise TokenExpired(
                f"令牌 {rec.token_id} 已于 {when} 过期，请联系管理员重新生成（orggraph token create）",
                f"token {rec.token_id} expired at {when}: ask an admin for a new one",
            )
        return Principal(token_id=rec.token_id, role=rec.role, town=rec.town, label=rec.label)

    def principal_of(self, token_id: str) -> Principal:
        """The principal of an active token by its id (a dashboard session keeps only the id);
        Forbidden when unknown, revoked or expired."""
        for rec in self._load():
            if rec.token_id == token_id and rec.revoked_at is None and not rec.expired():
                return Principal(token_id=rec.token_id, role=rec.role, town=rec.town, label=rec.label)
        raise Forbidden("令牌无效或已撤销", "invalid or revoked token")
