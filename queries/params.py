"""Parameters: one pydantic model per question, shared by every face.

The model is the single definition of a question's parameters, their defaults, limits and
Chinese descriptions: the query validates with it, FastAPI reads it as query parameters
(``Annotated[GapsParams, Query()]``), the CLI builds its options from it, the dashboard
builds the model from its widgets. The town is never a parameter: it is the :class:`Scope`.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from graph.errors import InputError

MAX_PAGE = 500  # the most items one page of any list may hold


class Params(BaseModel):
    """Base of every question's parameters: frozen (hashable cache keys), unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def key(self) -> str:
        """A stable text of the values (cache keys, audit lines)."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)

    @classmethod
    def parse(cls, values: dict[str, Any] | None = None, /, **kw: Any) -> Any:
        """Build from loose values; a bad value raises InputError with a Chinese reason."""
        data = {**(values or {}), **kw}
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise input_error(exc) from None


def input_error(exc: ValidationError) -> InputError:
    first = exc.errors()[0]
    name = ".".join(str(p) for p in first.get("loc", ())) or "参数"
    zh = _ZH.get(first.get("type", ""), "取值无效")
    ctx = first.get("ctx") or {}
    detail = "、".join(
        f"{k}={v}" for k, v in ctx.items() if k in ("ge", "le", "gt", "lt", "max_length", "expected")
    )
    return InputError(
        f"参数 {name} 无效：{zh}" + (f"（{detail}）" if detail else ""),
        f"invalid parameter {name}: {first.get('msg', '')}",
    )


_ZH = {
    "missing": "缺少必填参数",
    "extra_forbidden": "未知参数",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "float_parsing": "应为数字",
    "bool_parsing": "应为是/否",
    "greater_than_equal": "小于允许的最小值",
    "less_than_equal": "大于允许的最大值",
    "greater_than": "小于允许的最小值",
    "less_than": "大于允许的最大值",
    "string_too_long": "过长",
    "string_too_short": "过短",
    "literal_error": "不在可选值之内",
    "enum": "不在可选值之内",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
}
