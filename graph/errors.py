"""The project's exceptions. Driver and OS errors are translated into these at the store boundary."""

from __future__ import annotations

from typing import Any


class OrgGraphError(Exception):
    """Base of every orggraph error. ``message_zh`` is what a user sees first.

    A subclass names its machine code and HTTP status as class keywords:
    ``class NotFound(OrgGraphError, code="not_found", status=404): ...``.
    """

    code = "orggraph_error"
    status = 500

    def __init_subclass__(cls, code: str | None = None, status: int | None = None, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if code is not None:
            cls.code = code
        if status is not None:
            cls.status = status

    def __init__(self, message_zh: str, message_en: str = "") -> None:
        self.message_zh = message_zh
        self.message_en = message_en or message_zh
        super().__init__(f"{message_zh} / {message_en}" if message_en else message_zh)


class InputError(OrgGraphError, code="invalid_input", status=422): ...


class StoreUnavailable(OrgGraphError, code="store_unavailable", status=503): ...


class StoreTooLarge(StoreUnavailable, code="store_too_large"):
    """The graph is larger than the embedded store serves well: every process that opens it would
    pay seconds and a gigabyte of memory. Neo4j is the store for it (bench/SCALE_NOTES.md)."""

    def __init__(self, items: int, limit: int) -> None:
        super().__init__(
            f"数据量过大：该图有 {items:,} 条（节点与关系），超过内置存储的上限 {limit:,} 条"
            "（约 10 个区县的规模；再大时每个进程打开它要数秒、占用约 1 GB 内存）。"
            "请改用 Neo4j：设置 NEO4J_URI（本地开发：make neo4j-start，见 README），再重新导入。"
            "上限可用 ORGGRAPH_EMBEDDED_MAX_ITEMS 调整（0 表示不限制）。",
            f"the graph holds {items:,} items (nodes and relationships), more than the embedded store's "
            f"limit of {limit:,} (about 10 districts; beyond it every process needs seconds and ~1 GB to "
            "open it): use Neo4j (set NEO4J_URI; locally: make neo4j-start) and load again; "
            "ORGGRAPH_EMBEDDED_MAX_ITEMS changes the limit (0: none)",
        )
        self.items, self.limit = items, limit


class NotFound(OrgGraphError, code="not_found", status=404): ...


class Forbidden(OrgGraphError, code="forbidden", status=403): ...


class ConfigError(OrgGraphError, code="config_error", status=500): ...


class LoadIncomplete(OrgGraphError, code="load_incomplete", status=503):
    """A load is running or was interrupted: the graph may be half written, so nothing answers from it."""

    MESSAGE_ZH = "数据正在导入或上次导入未完成，请重新运行导入"
    MESSAGE_EN = "a load is in progress or the last load did not finish: run the load again"

    def __init__(self, detail_zh: str = "", detail_en: str = "") -> None:
        super().__init__(
            self.MESSAGE_ZH + (f"（{detail_zh}）" if detail_zh else ""),
            self.MESSAGE_EN + (f" ({detail_en})" if detail_en else ""),
        )
