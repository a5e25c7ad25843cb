"""The project's exceptions. Driver and OS errors are translated into these at the store boundary."""

from __future__ import annotations


class OrgGraphError(Exception):
    """Base of every orggraph error. ``message_zh`` is what a user sees first."""

    code = "orggraph_error"
    status = 500

    def __init__(self, message_zh: str, message_en: str = "") -> None:
        self.message_zh = message_zh
        self.message_en = message_en or message_zh
        super().__init__(f"{message_zh} / {message_en}" if message_en else message_zh)


class InputError(OrgGraphError):
    code = "invalid_input"
    status = 422


class StoreUnavailable(OrgGraphError):
    code = "store_unavailable"
    status = 503


class NotFound(OrgGraphError):
    code = "not_found"
    status = 404


class Forbidden(OrgGraphError):
    code = "forbidden"
    status = 403


class ConfigError(OrgGraphError):
    code = "config_error"
    status = 500
