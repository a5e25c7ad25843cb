"""Building a pydantic model from records that already hold most of its fields.

Answers and reports are often a record of facts with a few fields renamed or added (a loader's
warning as the report's warning, a host as a gap candidate). Copying each same-named field by hand
is written once here, so a field added to both sides is carried without another edit.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


def model_from(model: type[M], *sources: object, **given: Any) -> M:
    """``model(**given)``, each field not given taken from the first of ``sources`` with an
    attribute of that name (a field no source has keeps the model's default).

    Example
    -------
    >>> class P(BaseModel):
    ...     name: str
    ...     town: str | None = None
    ...     rank: int
    >>> class Row:
    ...     name, town, other = "A", "T1", 0
    >>> model_from(P, Row(), rank=1)
    P(name='A', town='T1', rank=1)
    """
    values = dict(given)
    for name in model.model_fields:
        if name in values:
            continue
        for src in sources:
            if hasattr(src, name):
                values[name] = getattr(src, name)
                break
    return model(**values)
