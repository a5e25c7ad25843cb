"""Test workbooks built in code (never committed as files): valid identifiers, xlsx and CSV writers.

A sheet is a list of rows; a cell is str (written as text), int/float (an Excel number),
datetime.date (an Excel date cell) or None (empty).
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from graph.identifiers import USCC_ALPHABET, ric_check_char, uscc_check_char

Sheets = dict[str, list[list[Any]]]


def uscc(n: int, prefix: str = "91500118MA") -> str:
    first = f"{prefix}{n:0{17 - len(prefix)}d}"
    return first + uscc_check_char(first)


def ric(n: int, birth: str = "19800101") -> str:
    first = f"500118{birth}{n:03d}"
    return first + ric_check_char(first)


def _wrong_check(good: str, alphabet: str) -> str:
    """``good`` with its check character (the last) moved to the next one of ``alphabet``."""
    return good[:-1] + alphabet[(alphabet.index(good[-1]) + 1) % len(alphabet)]


def bad_uscc(n: int) -> str:
    return _wrong_check(uscc(n), USCC_ALPHABET)


def bad_ric(n: int) -> str:
    return _wrong_check(ric(n), "0123456789X")


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def write_xlsx(path: Path, sheets: Sheets) -> Path:
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    )
    datefmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, bool):
                    ws.write_boolean(r, c, v)
                elif isinstance(v, (int, float)):
                    ws.write_number(r, c, v)
                elif isinstance(v, dt.date):
                    ws.write_datetime(r, c, dt.datetime(v.year, v.month, v.day), datefmt)
                else:
                    ws.write_string(r, c, v)
    wb.close()
    return path


def write_csv_folder(folder: Path, sheets: Sheets, encodings: dict[str, str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in sheets.items():
        enc = (encodings or {}).get(name, "utf-8")
        with (folder / f"{name}.csv").open("w", encoding=enc, newline="") as fh:
            w = csv.writer(fh)
            for row in rows:
                w.writerow(["" if v is None else str(v) for v in row])
    return folder


def rel_set(store: Any, rel: str) -> set[tuple[str, str]]:
    from graph.model import Rel

    return {(a, b) for a, b, _rid, _p in store.fetch_relationships(Rel(rel))}
