"""One Settings object for the whole process (ORGGRAPH_* and NEO4J_* environment variables)."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import IO, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

from graph.errors import ConfigError

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
LOCAL_NEO4J_URI = "neo4j://127.0.0.1:7687"
LOCAL_NEO4J_PASSWORD = "orggraph-dev"
# Measured (bench/store_bench.py, bench/SCALE_NOTES.md): scale 10 (290k items) opens in ~1.6 CPU-s with
# ~310 MB per reader; scale 40 (1.16 M) needs ~6.5 s and ~1.1 GB.
EMBEDDED_MAX_ITEMS = 300_000
ENV_PREFIXES = ("ORGGRAPH_", "NEO4J_")


class _OwnEnv(EnvSettingsSource):
    """The environment, reduced to our own variables. ``populate_by_name`` (so code can write
    ``Settings(home=...)``) would otherwise make pydantic-settings read the bare field names
    too: HOME, ENV, SECRET_KEY and BACKEND belong to other software."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {k: v for k, v in super()._load_env_vars().items() if k.upper().startswith(ENV_PREFIXES)}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True)

    backend: Literal["embedded", "neo4j"] | None = Field(default=None, alias="ORGGRAPH_BACKEND")
    home: Path = Field(default=Path(".orggraph"), alias="ORGGRAPH_HOME")
    env: Literal["development", "production"] = Field(default="development", alias="ORGGRAPH_ENV")
    secret_key: SecretStr | None = Field(default=None, alias="ORGGRAPH_SECRET_KEY")
    neo4j_uri: str | None = Field(default=None, alias="NEO4J_URI")
    neo4j_user: str = Field(default="neo4j", alias="NEO4J_USER")
    neo4j_password: SecretStr = Field(default=SecretStr(LOCAL_NEO4J_PASSWORD), alias="NEO4J_PASSWORD")
    neo4j_database: str = Field(default="neo4j", alias="NEO4J_DATABASE")
    rate_limit_per_minute: int = Field(default=6000, alias="ORGGRAPH_RATE_LIMIT")
    cors_origins: str = Field(default="", alias="ORGGRAPH_CORS_ORIGINS")
    # audit.log is rotated past this size (0: never), keeping this many older files (audit.log.1 ..)
    audit_max_bytes: int = Field(default=10_000_000, ge=0, alias="ORGGRAPH_AUDIT_MAX_BYTES")
    audit_keep: int = Field(default=5, ge=1, le=1000, alias="ORGGRAPH_AUDIT_KEEP")
    # a load runs in a process of its own with these limits (address space in MB, wall time in s)
    load_memory_mb: int = Field(default=8192, ge=256, alias="ORGGRAPH_LOAD_MEMORY_MB")
    load_timeout_s: float = Field(default=7200.0, gt=0, alias="ORGGRAPH_LOAD_TIMEOUT")
    # an identical log line is written once per this many seconds, then with the count left out
    log_repeat_seconds: float = Field(default=60.0, ge=0, alias="ORGGRAPH_LOG_REPEAT_SECONDS")
    # the embedded store refuses a graph larger than this many items (nodes + relationships; 0: no
    # limit): past it a cold open costs seconds and the memory per process passes ~600 MB
    embedded_max_items: int = Field(default=EMBEDDED_MAX_ITEMS, ge=0, alias="ORGGRAPH_EMBEDDED_MAX_ITEMS")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # No .env file and no secrets directory: the process environment (our names only) and code.
        return init_settings, _OwnEnv(settings_cls)

    @property
    def resolved_backend(self) -> str:
        if self.backend:
            return self.backend
        return "neo4j" if self.neo4j_uri else "embedded"

    @property
    def resolved_neo4j_uri(self) -> str:
        return self.neo4j_uri or LOCAL_NEO4J_URI

    def check(self) -> None:
        """Refuse development defaults in production (no default secrets outside development)."""
        if self.env != "production":
            return
        if self.secret_key is None or len(self.secret_key.get_secret_value()) < 32:
            raise ConfigError(
                "生产环境必须设置 ORGGRAPH_SECRET_KEY（至少 32 个字符）",
                "ORGGRAPH_SECRET_KEY (32+ characters) is required in production",
            )
        if self.resolved_backend == "neo4j" and (
            self.neo4j_password.get_secret_value() == LOCAL_NEO4J_PASSWORD
        ):
            raise ConfigError(
                "生产环境不能使用开发默认的 Neo4j 密码，请设置 NEO4J_PASSWORD",
                "the development Neo4j password is refused in production: set NEO4J_PASSWORD",
            )

    def hash_key(self) -> tuple[str, bytes]:
        """The HMAC key for ID and phone hashes and its key id (first 8 hex of its SHA-256).

        In development a random key is created once under ORGGRAPH_HOME.
        """
        import hashlib

        if self.secret_key is not None:
            raw = self.secret_key.get_secret_value().encode()
        else:
            self.check()
            path = self.home / "secret.key"
            if not path.exists():
                private_home(self.home)
                tmp = path.with_name(f".secret.{os.getpid()}.tmp")
                with private_open(tmp, "w") as fh:
                    fh.write(secrets.token_hex(32))
                # link() refuses to overwrite: when two processes start at once, the first key wins
                with contextlib.suppress(FileExistsError):
                    os.link(tmp, path)
                tmp.unlink()
            raw = path.read_text().strip().encode()
        return hashlib.sha256(raw).hexdigest()[:8], raw


_tightened: set[Path] = set()


def private_home(home: Path) -> Path:
    """ORGGRAPH_HOME, created 0700. The first time a process touches a home, whatever an older
    version (or a loose umask) left there is tightened: folders 0700, files 0600."""
    home = Path(home)
    home.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    key = home.resolve()
    if key not in _tightened:
        _tighten(home)
        _tightened.add(key)
    return home


def _tighten(home: Path) -> None:
    uid = os.getuid()

    def fix(path: str, mode: int) -> None:
        with contextlib.suppress(OSError):
            st = os.lstat(path)
            if st.st_uid == uid and not stat.S_ISLNK(st.st_mode) and stat.S_IMODE(st.st_mode) & 0o077:
                os.chmod(path, mode)

    fix(str(home), PRIVATE_DIR)
    for root, dirs, files in os.walk(home):  # a home holds a handful of files
        for d in dirs:
            fix(os.path.join(root, d), PRIVATE_DIR)
        for f in files:
            fix(os.path.join(root, f), PRIVATE_FILE)


def private_open(path: Path, mode: str = "a") -> IO[str]:
    """A text file opened for writing ("w" or "a"), created 0600 whatever the umask (and made
    0600 if it already existed looser)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode == "a" else os.O_TRUNC)
    fd = os.open(path, flags, PRIVATE_FILE)
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) != PRIVATE_FILE:
            os.fchmod(fd, PRIVATE_FILE)
        return os.fdopen(fd, mode, encoding="utf-8")
    except BaseException:
        os.close(fd)
        raise


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    settings = Settings()
    settings.check()
    return settings
