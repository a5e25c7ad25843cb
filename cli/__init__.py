"""The orggraph command line, composed at the top: every command of graph/ (loaders, stats,
export, neo4j), queries/ (questions, figures), the API, the dashboard and tokens, with one
error handler and one set of exit codes (:data:`cli.main.EXIT_CODES`).

The console script ``orggraph`` and ``python -m cli`` run :func:`main`.
"""

from __future__ import annotations

from cli.main import app, main

__all__ = ["app", "main"]
