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
