"""A light pass over an .xlsx file's sheet XML, before calamine reads it.

calamine turns a sheet into one dense rectangle from A1 to its farthest cell: a single space
typed in XFD1048576 asks for ~17 billion cells and the process dies. This pass finds each
sheet's cells; when the rectangle would be far larger than the cells, the sheet is rewritten
compactly (blank cells dropped, the remaining rows and columns packed together, their Excel
numbers kept aside) into a private copy of the workbook that calamine reads instead.

It also finds what calamine does not report: formulas without a cached value, Excel error
values, merged ranges and hidden rows (all in Excel coordinates).
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree as ET

# A sheet is rewritten when calamine's rectangle exceeds this many cells and this many times
# its real cells (a clean district sheet: rectangle ~= cells).
DENSE_LIMIT = 2_000_000
DENSE_RATIO = 4

_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"')
_CELL = re.compile(rb"<((?:\w+:)?)c\b([^>]*?)(?:/>|>(.*?)</\1c>)", re.S)
_ATTR_R = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')
_ATTR_T = re.compile(rb'\bt="(\w+)"')
_V = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_T = re.compile(rb"<(?:\w+:)?t(?:\s[^>]*)?>([^<]*)</(?:\w+:)?t>")
_HIDDEN_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*\bhidden="(?:1|true)"[^>]*>')
_ROW_R = re.compile(rb'\br="([0-9]{1,7})"')
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]{1,3})([0-9]{1,7}):([A-Z]{1,3})([0-9]{1,7})"')
_ROOT = re.compile(rb"<((?:\w+:)?)worksheet\b[^>]*>")


def col_number(letters: bytes | str) -> int:
    n = 0
    for ch in letters if isinstance(letters, str) else letters.decode():
        n = n * 26 + ord(ch) - 64
    return n


def col_letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


@dataclass
class SheetScan:
    """What the pass found in one sheet; coordinates are Excel's (1-based)."""

    formula_no_value: list[tuple[int, int]] = field(default_factory=list)
    errors: list[tuple[int, int, str]] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2
    hidden_rows: list[int] = field(default_factory=list)
    # set when the sheet was rewritten compactly: Excel row / column of each grid row / column
    row_no: list[int] | None = None
    col_no: list[int] | None = None
    dropped_blank: int = 0
    dropped_example: str = ""


@dataclass
class Scan:
    path: Path  # what calamine should read (the original, or the compact private copy)
    sheets: dict[str, SheetScan]
    tmpdir: str | None = None

    def close(self) -> None:
        if self.tmpdir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> zip member of its XML."""
    wb = ET.fromstring(zf.read("xl/workbook.xml"))
    rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {}
    for rel in rels:
        target = rel.get("Target", "")
        target = target[1:] if target.startswith("/") else str(PurePosixPath("xl") / target)
        targets[rel.get("Id")] = target
    out = {}
    for el in wb.iter():
        if _local(el.tag) == "sheet":
            rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
            if rid in targets:
                out[el.get("name", "")] = targets[rid]
    return out


def _shared_blank(zf: zipfile.ZipFile) -> list[bool]:
    """For each shared string: is it blank (empty or spaces only)?"""
    try:
        data = zf.read("xl/sharedStrings.xml")
    except KeyError:
        return []
    out = []
    for si in ET.fromstring(data):
        if _local(si.tag) != "si":
            continue
        text = "".join(t.text or "" for t in si.iter() if _local(t.tag) == "t")
        out.append(not text.strip())
    return out


def scan(path: Path) -> Scan:
    """Scan every sheet; rewrite the workbook compactly when a sheet needs it."""
    with zipfile.ZipFile(path) as zf:
        parts = _sheet_parts(zf)
        sheets: dict[str, SheetScan] = {}
        rewrites: dict[str, bytes] = {}
        blank: list[bool] | None = None
        for name, part in parts.items():
            try:
                data = zf.read(part)
            except KeyError:
                continue
            sc = SheetScan()
            sheets[name] = sc
            _specials(data, sc)
            refs = _REF.findall(data)
            if not refs:
                continue
            max_row = max(int(r) for _, r in refs)
            max_col = max(col_number(c) for c in {c for c, _ in refs})
            if max_row * max_col > max(DENSE_LIMIT, DENSE_RATIO * len(refs)):
                if blank is None:
                    blank = _shared_blank(zf)
                rewrites[part] = _compact(data, sc, blank)
        if not rewrites:
            return Scan(path, sheets)
        tmpdir = tempfile.mkdtemp(prefix="orggraph-read-")  # 0700: the copy holds raw personal data
        out = Path(tmpdir) / ("compact" + path.suffix.lower())
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
            for info in zf.infolist():
                dst.writestr(info.filename, rewrites.get(info.filename) or zf.read(info.filename))
        return Scan(out, sheets, tmpdir)


def _specials(data: bytes, sc: SheetScan) -> None:
    if b"<f" in data or b't="e"' in data:
        for m in _CELL.finditer(data):
            attrs, inner = m.group(2), m.group(3) or b""
            t = _ATTR_T.search(attrs)
            has_f = b"<f" in inner or b":f" in inner
            if not has_f and not (t and t.group(1) == b"e"):
                continue
            r = _ATTR_R.search(attrs)
            if r is None:
                continue
            row, col = int(r.group(2)), col_number(r.group(1))
            v = _V.search(inner)
            if t and t.group(1) == b"e":
                sc.errors.append((row, col, (v.group(1).decode() if v else "#N/A") or "#N/A"))
            elif v is None or not v.group(1):
                sc.formula_no_value.append((row, col))
    if b"hidden=" in data:
        for m in _HIDDEN_ROW.finditer(data):
            r = _ROW_R.search(m.group(0))
            if r:
                sc.hidden_rows.append(int(r.group(1)))
    if b"mergeCell" in data:
        for m in _MERGE.finditer(data):
            c1, r1, c2, r2 = m.groups()
            sc.merges.append((int(r1), col_number(c1), int(r2), col_number(c2)))


def _compact(data: bytes, sc: SheetScan, blank: list[bool]) -> bytes:
    """The sheet with blank cells dropped and the rest packed into consecutive rows and columns."""
    kept: list[tuple[int, int, bytes, bytes, bytes]] = []  # row, col, prefix, attrs, inner
    for m in _CELL.finditer(data):
        prefix, attrs, inner = m.group(1), m.group(2), m.group(3) or b""
        r = _ATTR_R.search(attrs)
        if r is None:
            continue
        row, col = int(r.group(2)), col_number(r.group(1))
        t = _ATTR_T.search(attrs)
        kind = t.group(1) if t else b"n"
        v = _V.search(inner)
        if kind == b"s":
            empty = (
                v is None
                or not v.group(1).strip().isdigit()
                or (int(v.group(1)) < len(blank) and blank[int(v.group(1))])
            )
        elif kind == b"inlineStr":
            empty = not b"".join(_T.findall(inner)).strip()
        elif kind == b"str":
            empty = (v is None or not v.group(1).strip()) and b"<f" not in inner
        else:
            empty = (v is None or not v.group(1).strip()) and b"<f" not in inner and kind != b"e"
        if empty:
            sc.dropped_blank += 1
            if not sc.dropped_example or (row, col) > _pos(sc.dropped_example):
                sc.dropped_example = f"{col_letters(col)}{row}"
            continue
        kept.append((row, col, prefix, attrs, inner))
    rows = sorted({k[0] for k in kept})
    cols = sorted({k[1] for k in kept})
    row_ix = {r: i + 1 for i, r in enumerate(rows)}
    col_ix = {c: i + 1 for i, c in enumerate(cols)}
    sc.row_no, sc.col_no = rows, cols
    root = _ROOT.search(data)
    prefix = root.group(1) if root else b""
    head = (
        root.group(0)
        if root
        else b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    )
    body = [b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n', head, b"<", prefix, b"sheetData>"]
    kept.sort()
    current = None
    for row, col, cprefix, attrs, inner in kept:
        if row != current:
            if current is not None:
                body += [b"</", prefix, b"row>"]
            body += [b"<", prefix, b'row r="', str(row_ix[row]).encode(), b'">']
            current = row
        ref = f'r="{col_letters(col_ix[col])}{row_ix[row]}"'.encode()
        body += [b"<", cprefix, b"c", _ATTR_R.sub(ref, attrs, count=1), b">", inner, b"</", cprefix, b"c>"]
    if current is not None:
        body += [b"</", prefix, b"row>"]
    body += [b"</", prefix, b"sheetData></", prefix, b"worksheet>"]
    return b"".join(body)


def _pos(ref: str) -> tuple[int, int]:
    m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    return (int(m.group(2)), col_number(m.group(1))) if m else (0, 0)
