"""All user-visible text of the dashboard is Chinese: table cells (None shown as —), labels,
captions, metrics, tabs and options. Codes, numbers, the product name and command hints stay."""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd
import pytest

from tests.dashboard.conftest import PAGES, _walk, app, token

# Terms that are names, not English prose: file formats, products, the API, the PageRank algorithm
# (always shown with its Chinese label: 影响力（PageRank）), the token prefix.
ALLOWED = {"Excel", "API", "CSV", "XLSX", "XLS", "csv", "xls", "xlsx", "PageRank", "og", "MB", "KB", "HTTP", "UTC"}
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_\-.:/]*")


def english_words(text: str) -> list[str]:
    """English words in ``text``: not codes (a token with a digit, or ALL-CAPS with _), not inside
    backticks (command hints), not an allowed name."""
    text = re.sub(r"<(style|script)>.*?</\\1>", " ", text, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)  # markup, not text
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"https?://\S+", " ", text)
    out = []
    for tok in WORD.findall(text):
        tok = tok.strip(".:/-")
        if not tok or any(c.isdigit() for c in tok) or tok in ALLOWED:
            continue
        if len(tok) == 1:  # a single letter: 1+X, a unit, a marker
            continue
        out.append(tok)
    return out


def _frames(at: Any) -> list[pd.DataFrame]:
    return [n.value for n in _walk(at.main) if getattr(n, "type", None) == "dataframe"]


def _texts(at: Any) -> list[str]:
    out: list[str] = []
    for n in _walk(at.main):
        t = getattr(n, "type", None)
        if t in ("markdown", "caption", "subheader", "header", "title", "text", "alert", "info", "warning",
                 "success", "error", "exception", "toast"):
            out.append(str(getattr(n, "value", "") or getattr(n, "body", "")))
        elif t == "metric":
            out += [str(n.label), str(n.value), str(getattr(n, "help", "") or "")]
        elif t in ("selectbox", "multiselect", "radio", "button_group", "segmented_control", "pills"):
            out.append(str(getattr(n, "label", "")))
            out += [str(o) for o in getattr(n, "options", [])]
        elif t in ("text_input", "number_input", "checkbox", "button", "download_button", "slider",
                   "toggle", "file_uploader", "expander", "tab"):
            out.append(str(getattr(n, "label", "")))
            if getattr(n, "help", None):
                out.append(str(n.help))
    return out


def _null(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT


def _problems(at: Any) -> list[str]:
    bad: list[str] = []
    for df in _frames(at):
        for col in df.columns:
            if english_words(str(col)):
                bad.append(f"column {col!r}")
            for v in df[col].tolist():
                if _null(v):
                    bad.append(f"None in column {col!r}")
                    break
                words = english_words(str(v))
                if words:
                    bad.append(f"{col}: {v!r} ({words})")
                    break
    for t in _texts(at):
        words = english_words(t)
        if words:
            bad.append(f"text {t[:120]!r} ({words})")
    return bad


def test_english_words_rule() -> None:
    assert english_words("覆盖率 PAIRED_WITH None") == ["PAIRED_WITH", "None"]
    assert english_words("代码 91500118MA5U1 `orggraph template x.xlsx` 1+X Excel 影响力（PageRank）") == []


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_is_chinese_for_admin(loaded: Any, page: str) -> None:
    at = app(token("admin"), page)
    assert not at.exception
    assert _problems(at) == []


@pytest.mark.parametrize("page", [p for p in PAGES if p != "import"])
def test_every_page_is_chinese_for_a_town_user(loaded: Any, page: str) -> None:
    at = app(token("town", "T1"), page)
    assert not at.exception
    assert _problems(at) == []
