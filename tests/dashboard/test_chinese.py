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
ALLOWED = {"Excel", "csv", "xls", "xlsx", "PageRank", "og"}
FILE = re.compile(r"[\w.\-]+\.(xlsx|xls|csv|json|geojson|pdf)")  # a file name
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_\-.:/]*")


def english_words(text: str) -> list[str]:
    """English words in ``text``, leaving out codes (a token with a digit, a short capital code
    such as GDP or NP), command hints (in backticks), links, markup and the allowed names.
    A relationship type such as PAIRED_WITH or COVERS is a word: it must be said in Chinese."""
    text = re.sub(r"<(style|script)>.*?</(style|script)>", " ", text, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)  # markup, not text
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\borggraph(?:\s+[A-Za-z0-9_.=/\-]+)*", " ", text)  # a command hint
    text = re.sub(r"https?://\S+", " ", text)
    out = []
    for tok in WORD.findall(text):
        tok = tok.strip(".:/-")
        if not tok or any(c.isdigit() for c in tok) or tok in ALLOWED or FILE.fullmatch(tok):
            continue
        if tok.isupper() and "_" not in tok and len(tok) <= 4:  # a code or an abbreviation (GDP)
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
        if t in (
            "markdown",
            "caption",
            "subheader",
            "header",
            "title",
            "text",
            "alert",
            "info",
            "warning",
            "success",
            "error",
            "exception",
            "toast",
        ):
            out.append(str(getattr(n, "value", "") or getattr(n, "body", "")))
        elif t == "metric":
            out += [str(n.label), str(n.value), str(getattr(n, "help", "") or "")]
        elif t in ("selectbox", "multiselect", "radio", "button_group", "segmented_control", "pills"):
            out.append(str(getattr(n, "label", "")))
            out += [str(o) for o in getattr(n, "options", [])]
        elif t in (
            "text_input",
            "number_input",
            "checkbox",
            "button",
            "download_button",
            "slider",
            "toggle",
            "file_uploader",
            "expander",
            "tab",
        ):
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
    assert english_words("覆盖率 PAIRED_WITH None（COVERS）") == ["PAIRED_WITH", "None", "COVERS"]
    assert english_words("代码 91500118MA5U1 `orggraph template x.xlsx` 1+X Excel 影响力（PageRank）") == []
    assert english_words("运行 orggraph boundaries import towns.geojson 后；台账：demo-district.xlsx") == []


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


def test_pagerank_has_a_chinese_label(loaded: Any) -> None:
    at = app(token("district"), "centrality")
    assert "影响力（PageRank）" in at.selectbox(key="cen_metric").options


def test_gaps_tables_show_a_dash_for_none(loaded: Any) -> None:
    at = app(token("district"), "gaps")
    frames = [df for df in _frames(at) if "依托党组织" in df.columns]
    assert frames
    for df in frames:
        assert not df.isna().any().any()
        assert not (df.astype(str) == "").any().any()
