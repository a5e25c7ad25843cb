"""The reference figures of domain/FACTS.md, computed from the loaded graph.

- :mod:`queries.figures.definitions`: vocabulary, each figure's definition and the article's
  value, FACTS.md's agreement rule (:func:`agrees`), the result models;
- :mod:`queries.figures.facts`: the facts behind each figure, a Cypher and a networkx side
  each (:class:`graph.store.base.FactSet`);
- :mod:`queries.figures.answer`: the question :data:`FIGURES`, written once over the facts.

Rendering is the CLI's (``cli/figures.py``) and the dashboard's. Named organisations
(箕山电煤, 通达运输, 渝永建设) and structural bodies (区委两新工委, 园区党工委, ...) are found in
the graph by name and kind, never by key.

Example
-------
>>> from graph.store import open_store
>>> res = FIGURES(open_store(), Scope("T01"))  # doctest: +SKIP
>>> res.all_agree, res.omitted  # doctest: +SKIP
(None, ['F4', 'F20', 'F21', 'F22'])
"""

from __future__ import annotations

from queries.figures.answer import FIGURES, FiguresParams
from queries.figures.definitions import (
    CONTEXT,
    SPECS,
    ContextFigure,
    Figure,
    FigurePart,
    FiguresResult,
    agrees,
    agrees_all,
    article_tokens,
)

__all__ = [
    "CONTEXT",
    "FIGURES",
    "SPECS",
    "ContextFigure",
    "Figure",
    "FigurePart",
    "FiguresParams",
    "FiguresResult",
    "agrees",
    "agrees_all",
    "article_tokens",
]
