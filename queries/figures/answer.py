"""The figures answer: facts (:mod:`queries.figures.facts`) read into the definitions'
parts and compared with the article (:mod:`queries.figures.definitions`), written once.

Values: counts are ints; percentages are in percent (``72.52`` means 72.52%), rounded to 4
decimals for output, while agreement is decided on the exact fraction. A compound figure
has a ``value`` dict keyed like its ``parts``.

Town scope: the article's figures describe the whole district, so a town's values are never
compared with them (``agrees`` and ``all_agree`` are ``None``); the district-only figures
(F4, F20–F22) are left out and listed in ``omitted``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal, TypeVar

from graph.store.base import FactSet, GraphStore
from queries._common import check_scope
from queries.cache import facts
from queries.figures import facts as fx
from queries.figures.definitions import (
    BRANCH,
    CONTEXT,
    JISHAN,
    SPECS,
    TIER_KEYS,
    TONGDA,
    YUYONG,
    Definition,
    Figure,
    FigurePart,
    FiguresResult,
    Number,
    Value,
    agrees,
    article_tokens,
    decimals,
    pct_text,
)
from queries.params import Params
from queries.question import Question, register
from queries.scope import DISTRICT, Scope

F = TypeVar("F")


class FiguresParams(Params):
    """The figures take no parameters: the scope (district or one town) is all."""


@dataclass(frozen=True)
class Read:
    """A figure's numbers by part key (the keys a ratio names included), and the names behind them."""

    values: Mapping[str, int | None]
    detail: list[str] = field(default_factory=list)


# --- facts read into numbers -----------------------------------------------------------------


def _counts(counts: fx.Counts) -> Read:
    return Read(counts)


def _named(rows: tuple[fx.Named, ...]) -> Read:
    return Read({"count": len(rows)}, [n.name or n.code for n in rows])


def _tiers(rows: tuple[fx.TierCount, ...]) -> Read:
    values = {"total": sum(r.n for r in rows)}
    for tier, key in TIER_KEYS.items():
        values[key] = sum(r.n for r in rows if r.tier == tier)
    return Read(values)


def _joint(counts: fx.Counts) -> Read:
    return Read(counts, [f"其中规上企业 {counts['above_scale']} 家"])


def _missing(needle: str) -> Read:
    return Read({}, [f"图中没有名称含“{needle}”的组织"])


def _company(needle: str) -> Callable[[fx.Company | None], Read]:
    def read(c: fx.Company | None) -> Read:
        if c is None:
            return _missing(needle)
        values = {
            "staff": c.staff,
            "branches": len(c.branches),
            "members": c.members,
            "in_management": c.in_management,
            "titled": c.titled,
        }
        if c.committee is None:
            return Read(values, [f"{c.org_name}：没有覆盖它的党委或党总支"])
        # "永川区箕山电煤有限责任公司机关党支部" -> "机关": the article names branches that way.
        names = [b.name or b.code for b in c.branches]
        return Read(values, [n.removeprefix(c.org_name).removesuffix(BRANCH) or n for n in names])

    return read


def _subsidiaries(s: fx.Subsidiaries | None) -> Read:
    if s is None:
        return _missing(YUYONG)
    return Read({"count": len(s.names)}, sorted(n for n in s.names if n))


Source = Callable[[GraphStore, Scope], Read]


def _source(fs: FactSet[Scope, F], read: Callable[[F], Read]) -> Source:
    return lambda store, scope: read(facts(store, fs, scope))


SOURCES: dict[str, Source] = {
    "F1": _source(fx.F1, _counts),
    "F2": _source(fx.F2, _named),
    "F3": _source(fx.F3, _counts),
    "F4": _source(fx.F4, _named),
    "F5": _source(fx.F5, _tiers),
    "F6": _source(fx.F6, _counts),
    "F8": _source(fx.F8, _counts),
    "F9": _source(fx.F9, _counts),
    "F10": _source(fx.F10, _counts),
    "F11": _source(fx.F11, _counts),
    "F12": _source(fx.F12, _counts),
    "F13": _source(fx.F13, _counts),
    "F14": _source(fx.F14, _counts),
    "F15": _source(fx.F15, _counts),
    "F16": _source(fx.F16, _counts),
    "F17": _source(fx.F17, _joint),
    "F20": _source(fx.F20, _company(JISHAN)),
    "F21": _source(fx.F21, _company(TONGDA)),
    "F22": _source(fx.F22, _subsidiaries),
}
assert list(SOURCES) == [s.id for s in SPECS]


# --- the answer ------------------------------------------------------------------------------


def evaluate(spec: Definition, read: Read, compare: bool) -> Figure:
    """One figure from its numbers; ``compare``: judge each part against the article."""
    parts: list[FigurePart] = []
    texts: list[str] = []
    for part, token in zip(spec.parts, article_tokens(spec.article), strict=True):
        exact: Number | None
        num = den = None
        unit: Literal["count", "percent"]
        if part.ratio is not None:
            num, den = read.values.get(part.ratio[0]), read.values.get(part.ratio[1])
            exact = Fraction(100 * num, den) if num is not None and den else None
            shown: Value = None if exact is None else round(float(exact), 4)
            # Shown to the decimals the article prints (what the comparison uses); a town: 2.
            texts.append("—" if exact is None else pct_text(exact, decimals(token) if compare else 2))
            unit = "percent"
        else:
            exact = read.values.get(part.key)
            shown = exact
            texts.append("—" if exact is None else str(exact))
            unit = "count"
        parts.append(
            FigurePart(
                key=part.key,
                label_zh=part.label_zh,
                unit=unit,
                value=shown,
                article=token,
                agrees=agrees(exact, token) if compare else None,
                numerator=num,
                denominator=den,
            )
        )
    value: Value | dict[str, Value] = parts[0].value if len(parts) == 1 else {p.key: p.value for p in parts}
    return Figure(
        id=spec.id,
        title_zh=spec.title_zh,
        title_en=spec.title_en,
        value=value,
        value_text=" / ".join(texts),
        article=spec.article,
        agrees=all(bool(p.agrees) for p in parts) if compare else None,
        definition=spec.definition,
        parts=parts,
        detail=list(read.detail),
    )


def figures(store: GraphStore, scope: Scope, p: FiguresParams) -> FiguresResult:
    """The reference figures of FACTS.md computed from the graph, each beside the article's value.

    ``figures`` in id order (F1 ... F22, graph figures only), ``all_agree``, and the context
    figures (F7, F18, F19, F23) with the article's value only. A town scope: the town's own
    values, not compared with the article, without the district-only figures (``omitted``).

    Example
    -------
    >>> FIGURES(store).all_agree  # doctest: +SKIP
    True
    """
    check_scope(store, scope)
    compare = scope.is_district
    specs = [s for s in SPECS if compare or not s.district_only]
    out = [evaluate(s, SOURCES[s.id](store, DISTRICT if s.district_only else scope), compare) for s in specs]
    return FiguresResult(
        town=scope.town,
        figures=out,
        all_agree=all(bool(f.agrees) for f in out) if compare else None,
        context=[c.model_copy() for c in CONTEXT],
        omitted=[] if compare else [s.id for s in SPECS if s.district_only],
    )


FIGURES = register(Question("figures", "原文参考数字", FiguresParams, FiguresResult, figures))
