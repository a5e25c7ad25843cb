"""Command-line options generated from a question's parameters model.

A question's options are its :class:`~queries.params.Params` fields: the name (``top`` ->
``--top``), the default, the Chinese description as help and the choices of a ``Literal``
come from the model, so the CLI never restates them; the model validates the values (a bad
one exits 2 with the model's Chinese reason).

Example
-------
>>> def run(p: CentralityParams, extra: dict[str, Any]) -> None: ...  # doctest: +SKIP
>>> app.command("centrality")(command_from(CentralityParams, run, extra=[town_param]))  # doctest: +SKIP
"""

from __future__ import annotations

import enum
import inspect
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Literal, TypeVar

import typer
from pydantic.fields import FieldInfo

from queries.params import Params

P = TypeVar("P", bound=Params)

_SCALARS = (int, float, str, bool)


def _cli_type(annotation: Any) -> tuple[Any, str]:
    """(type typer can parse, choices text) for a field's annotation."""
    origin = typing.get_origin(annotation)
    if origin is Literal:
        values = typing.get_args(annotation)
        return str, " | ".join(map(str, values))
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(inner) == 1:
            t, choices = _cli_type(inner[0])
            return t | None, choices
        return str | None, ""
    if origin in (list, tuple, Sequence, frozenset, set):
        args = typing.get_args(annotation)
        t, choices = _cli_type(args[0]) if args else (str, "")
        return list[t], choices  # type: ignore[valid-type]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return str, " | ".join(str(m.value) for m in annotation)
    if annotation in _SCALARS:
        return annotation, ""
    return str, ""  # dates and the like: the model parses the text


def _help(field: FieldInfo, choices: str) -> str:
    text = field.description or ""
    if choices and choices not in text:
        text = f"{text}（可选：{choices}）" if text else f"可选：{choices}"
    return text


def model_parameters(
    model: type[Params],
    *,
    arguments: Sequence[str] = (),
    flags: Mapping[str, str] | None = None,
) -> list[inspect.Parameter]:
    """One typer parameter per field: ``arguments`` are positional, the rest ``--options``
    (``flags`` renames an option, e.g. ``{"pairing_type": "--type"}``)."""
    flags = flags or {}
    out: list[inspect.Parameter] = []
    for name, field in model.model_fields.items():
        t, choices = _cli_type(field.annotation)
        required = field.is_required()
        default: Any = inspect.Parameter.empty if required else field.get_default(call_default_factory=True)
        if isinstance(default, enum.Enum):
            default = default.value
        if isinstance(default, (tuple, frozenset, set)):
            default = list(default)
        info: Any
        if name in arguments:
            info = typer.Argument(help=_help(field, choices), show_default=not required)
        else:
            info = typer.Option(flags.get(name, "--" + name.replace("_", "-")), help=_help(field, choices))
        kind = inspect.Parameter.KEYWORD_ONLY
        out.append(inspect.Parameter(name, kind, default=default, annotation=Annotated[t, info]))
    # positional arguments first, in the order given
    order = list(arguments)
    out.sort(key=lambda p: order.index(p.name) if p.name in order else len(order))
    return out


def command_from(
    model: type[P],
    run: Callable[[P, dict[str, Any]], None],
    *,
    extra: Sequence[inspect.Parameter] = (),
    arguments: Sequence[str] = (),
    flags: Mapping[str, str] | None = None,
    doc: str = "",
) -> Callable[..., None]:
    """A typer command whose options are ``model``'s fields plus ``extra`` (town, backend,
    json...). It builds the model from the values (InputError on a bad one) and calls
    ``run(params, extra_values)``."""
    fields = model_parameters(model, arguments=arguments, flags=flags)
    names = {p.name for p in fields}

    def command(**values: Any) -> None:
        given = {k: v for k, v in values.items() if k in names}
        rest = {k: v for k, v in values.items() if k not in names}
        run(model.parse(given), rest)

    command.__signature__ = inspect.Signature([*fields, *extra])  # type: ignore[attr-defined]
    command.__doc__ = doc
    return command


def option(name: str, annotation: Any, default: Any = None) -> inspect.Parameter:
    """An extra keyword parameter for :func:`command_from` (``annotation`` carries typer's Option)."""
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
