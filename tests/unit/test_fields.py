"""graph.fields.model_from: given values win, then the first source with the attribute, then defaults."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from pydantic import BaseModel, ValidationError

from graph.fields import model_from


class Out(BaseModel):
    key: str
    name: str | None = None
    rows: list[int] = []
    count: int = 1


@dataclass
class A:
    key: str
    name: str
    other: int = 0


@dataclass
class B:
    name: str
    rows: list[int]


def test_given_then_first_source_then_default() -> None:
    out = model_from(Out, A("k1", "a"), B("b", [3]), count=5)
    assert out == Out(key="k1", name="a", rows=[3], count=5)
    assert model_from(Out, B("b", [3]), A("k1", "a")).name == "b"  # source order decides
    assert model_from(Out, A("k1", "a"), name=None).name is None  # given wins, even None
    assert model_from(Out, A("k1", "a")).count == 1  # no source has it: the default


def test_a_required_field_no_source_has_is_an_error() -> None:
    with pytest.raises(ValidationError):
        model_from(Out, B("b", []))
