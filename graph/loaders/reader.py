"""Reading a roster: .xlsx / .xls (calamine) or a folder of CSV files, into raw sheets.

Cells stay as the file typed them (text, number, bool, date) so the validator can tell an ID
number typed as text from one Excel already turned into a float. Row numbers are the ones
Excel shows (1-based, counting title rows above the header).
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from graph.errors import InputError
from graph.loaders.spec import COLUMN_TOKENS, SHEET_ORDER, Column, Sheet, header_token, match_sheet

HEADER_SCAN_ROWS = 10
GUIDE_SHEETS = frozenset({"说明", "填表说明"})
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


@dataclass
class Notice:
    """A warning or a fatal problem found while reading (before any row is validated)."""

    code: str
    zh: str
    en: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None


@dataclass
class RawSheet:
    spec: Sheet
    source_name: str  # the sheet (or file) name as found
    header_row: int  # Excel row number of the header
    columns: list[tuple[int, Column]]  # (cell index, column)
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)  # (Excel row, cells)


@dataclass
class Workbook:
    path: Path
    sha256: str
    sheets: dict[str, RawSheet]  # by Chinese sheet name, in SHEET_ORDER
    warnings: list[Notice]
    fatal: list[Notice]


@dataclass
class _Grid:
    """One sheet as read: rows of cells, and where they sit in Excel when that is not simply
    (index + 1) because the sheet was read compactly (see xlsx_scan)."""

    name: str
    rows: list[list[Any]]
    row_no: list[int] | None = None
    col_no: list[int] | None = None

    def excel_row(self, idx: int) -> int:
        return self.row_no[idx] if self.row_no is not None else idx + 1

    def excel_col(self, ci: int) -> int:
        return self.col_no[ci] if self.col_no is not None and ci < len(self.col_no) else ci + 1


def _expected_sheets() -> str:
    return "、".join(SHEET_ORDER)


def file_digest(path: Path) -> str:
    """SHA-256 of a file, or of a CSV folder as the digest over its sorted (name, digest) pairs."""
    if path.is_dir():
        h = hashlib.sha256()
        for f in sorted(path.glob("*.csv")):
            h.update(f.name.encode() + b"\0" + _sha_file(f).encode() + b"\n")
        return h.hexdigest()
    return _sha_file(path)


def _sha_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_workbook(path: Path) -> Workbook:
    path = Path(path)
    if not path.exists():
        raise InputError(f"找不到文件或文件夹：{path}", f"no such file or folder: {path}")
    grids: list[_Grid] = []
    warnings: list[Notice] = []
    if path.is_dir():
        files = sorted(path.glob("*.csv"))
        if not files:
            raise InputError(
                f"文件夹 {path} 中没有 CSV 文件（每个工作表一个“表名.csv”）",
                f"folder {path} holds no CSV file (one '<sheet name>.csv' per sheet)",
            )
        for f in files:
            cells, enc = _read_csv(f)
            if enc != "utf-8":
                warnings.append(
                    Notice(
                        "csv_encoding",
                        f"{f.name} 按 {enc.upper()} 编码读取",
                        f"{f.name} read as {enc.upper()}",
                        f.stem,
                    )
                )
            grids.append(_Grid(f.stem, cells))
    elif path.suffix.lower() in EXCEL_SUFFIXES:
        grids = _read_excel(path, warnings)
    elif path.suffix.lower() == ".csv":
        cells, _ = _read_csv(path)
        grids = [_Grid(path.stem, cells)]
    else:
        raise InputError(
            f"不支持的文件类型：{path.suffix}（请用 .xlsx、.xls 或 CSV 文件夹）",
            f"unsupported file type {path.suffix!r}: use .xlsx, .xls or a folder of CSV files",
        )
    sheets: dict[str, RawSheet] = {}
    fatal: list[Notice] = []
    for grid in grids:
        name = grid.name
        spec = match_sheet(name)
        if spec is None and name.strip() in GUIDE_SHEETS:
            continue  # the template's own instructions
        if spec is None:
            warnings.append(
                Notice(
                    "unknown_sheet",
                    f"工作表“{name}”不是台账表，已忽略。可用的表名：{_expected_sheets()}",
                    f"sheet {name!r} is not a roster sheet and was ignored; expected one of:"
                    f" {', '.join(SHEET_ORDER)}",
                    name,
                )
            )
            continue
        if spec.name in sheets:
            fatal.append(
                Notice(
                    "duplicate_sheet",
                    f"工作表“{spec.name}”出现了两次（“{sheets[spec.name].source_name}”和“{name}”），请合并为一个",
                    f"sheet {spec.name} appears twice ({sheets[spec.name].source_name!r} and {name!r});"
                    " merge them",
                    spec.name,
                )
            )
            continue
        raw = _locate_header(spec, name, grid, warnings, fatal)
        if raw is not None:
            sheets[spec.name] = raw
    ordered = {n: sheets[n] for n in SHEET_ORDER if n in sheets}
    if not ordered and not fatal:
        warnings.append(
            Notice(
                "no_sheets",
                f"没有找到任何可导入的台账表。可用的表名：{_expected_sheets()}",
                f"no roster sheet found; expected sheet names: {', '.join(SHEET_ORDER)}",
            )
        )
    return Workbook(path, file_digest(path), ordered, warnings, fatal)


def _read_excel(path: Path, warnings: list[Notice]) -> list[_Grid]:
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    from graph.loaders import xlsx_scan

    scan: xlsx_scan.Scan | None = None
    try:
        if zipfile.is_zipfile(path) and path.suffix.lower() in (".xlsx", ".xlsm"):
            try:
                scan = xlsx_scan.scan(path)
            except (KeyError, zipfile.BadZipFile, ET.ParseError, OSError):
                scan = None  # not a workbook we can look into: calamine will say what is wrong
        wb = CalamineWorkbook.from_path(str(scan.path if scan else path))
        out = []
        hidden = {m.name for m in wb.sheets_metadata if m.visible != SheetVisibleEnum.Visible}
        for name in wb.sheet_names:
            sheet = wb.get_sheet_by_name(name)
            # skip_empty_area=False keeps row 1 at index 0, so row numbers match Excel's
            grid = _Grid(name, sheet.to_python(skip_empty_area=False))
            sc = scan.sheets.get(name) if scan else None
            if sc is None and scan is None:
                merges = [
                    (r1 + 1, c1 + 1, r2 + 1, c2 + 1)
                    for (r1, c1), (r2, c2) in (sheet.merged_cell_ranges or [])
                ]
                sc = xlsx_scan.SheetScan(merges=merges)
            if sc is not None:
                _apply_scan(grid, sc, warnings)
            if name in hidden and match_sheet(name) is not None:
                warnings.append(
                    Notice(
                        "hidden_sheet",
                        f"工作表“{name}”在 Excel 中是隐藏的，已照常导入（请确认它确实应当导入）",
                        f"sheet {name!r} is hidden in Excel; it was loaded as usual (make sure it should be)",
                        name,
                    )
                )
            out.append(grid)
        wb.close()
        return out
    except Exception as exc:  # calamine raises several unrelated types for broken files
        raise InputError(
            f"无法读取 Excel 文件 {path.name}：文件损坏、加密或不是 Excel 格式",
            f"cannot read {path.name}: damaged, password-protected or not an Excel file ({exc})",
        ) from exc
    finally:
        if scan is not None:
            scan.close()


def _apply_scan(grid: _Grid, sc: Any, warnings: list[Notice]) -> None:
    """Put what calamine cannot tell into the grid (formulas without a value, error values,
    cells under a merge) and warn about hidden rows and dropped far-away blank cells."""
    from graph.loaders.cells import FORMULA_NO_VALUE, excel_error, merged_cell
    from graph.loaders.xlsx_scan import col_letters

    grid.row_no, grid.col_no = sc.row_no, sc.col_no
    rows = grid.rows
    rix: dict[int, int] | None = None
    cix: dict[int, int] | None = None
    if grid.row_no is not None:
        rix = {r: i for i, r in enumerate(grid.row_no)}
        cix = {c: i for i, c in enumerate(grid.col_no or [])}

    def put(row: int, col: int, value: Any) -> None:
        if rix is not None and cix is not None:
            i, j = rix.get(row), cix.get(col)
        else:
            i, j = row - 1, col - 1
        if i is None or j is None or not 0 <= i < len(rows):
            return
        cells = rows[i]
        if j < len(cells) and cells[j] in ("", None):
            cells[j] = value

    for row, col in sc.formula_no_value:
        put(row, col, FORMULA_NO_VALUE)
    for row, col, text in sc.errors:
        put(row, col, excel_error(text))
    for r1, c1, r2, c2 in sc.merges:
        ref = f"{col_letters(c1)}{r1}:{col_letters(c2)}{r2}"
        issue = merged_cell(ref)
        if rix is not None:
            targets = [
                (r, c) for r in grid.row_no or [] if r1 <= r <= r2 for c in grid.col_no or [] if c1 <= c <= c2
            ]
        else:
            last_row = min(r2, len(rows))
            width = max((len(x) for x in rows), default=0)
            targets = [(r, c) for r in range(r1, last_row + 1) for c in range(c1, min(c2, width) + 1)]
        for r, c in targets:
            if (r, c) != (r1, c1):
                put(r, c, issue)
    if sc.hidden_rows and match_sheet(grid.name) is not None:
        shown = "、".join(map(str, sc.hidden_rows[:10])) + ("等" if len(sc.hidden_rows) > 10 else "")
        warnings.append(
            Notice(
                "hidden_rows",
                f"工作表“{grid.name}”中有 {len(sc.hidden_rows)} 个隐藏行（第 {shown} 行），已照常导入",
                f"sheet {grid.name!r} has {len(sc.hidden_rows)} hidden rows (rows {shown}); they were loaded"
                " as usual",
                grid.name,
                sc.hidden_rows[0],
            )
        )
    if sc.dropped_blank:
        warnings.append(
            Notice(
                "stray_cells",
                f"工作表“{grid.name}”中有 {sc.dropped_blank} 个空白单元格远在数据区域之外（如"
                f" {sc.dropped_example}），已忽略",
                f"sheet {grid.name!r}: ignored {sc.dropped_blank} blank cells far outside the data (e.g."
                f" {sc.dropped_example})",
                grid.name,
            )
        )


def _read_csv(path: Path) -> tuple[list[list[Any]], str]:
    data = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        return list(csv.reader(io.StringIO(text, newline=""))), "utf-8" if enc == "utf-8-sig" else enc
    raise InputError(
        f"{path.name} 既不是 UTF-8 也不是 GB18030 编码，请另存为 UTF-8 CSV",
        f"{path.name} is neither UTF-8 nor GB18030: save it as UTF-8 CSV",
    )


def _cell_text(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return "" if v is None else str(v)


def _blank(cells: Sequence[Any]) -> bool:
    return all((c is None or (isinstance(c, str) and not c.strip())) for c in cells)


def _locate_header(
    spec: Sheet, name: str, g: _Grid, warnings: list[Notice], fatal: list[Notice]
) -> RawSheet | None:
    grid = g.rows
    if all(_blank(r) for r in grid):
        warnings.append(
            Notice(
                "empty_sheet",
                f"工作表“{name}”是空的，未导入",
                f"sheet {name!r} is empty; nothing loaded from it",
                spec.name,
            )
        )
        return None
    tokens = COLUMN_TOKENS[spec.name]
    required = {c.key for c in spec.required}
    best: tuple[int, int, set[str]] = (-1, -1, set())
    for idx, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        if g.excel_row(idx) > HEADER_SCAN_ROWS:
            break
        found = {tokens[t].key for t in (header_token(_cell_text(c)) for c in row) if t in tokens}
        if required <= found:
            return _build_raw(spec, name, g, idx, warnings, fatal)
        if len(found & required) > best[1]:
            best = (idx, len(found & required), found)
    missing = [c.header for c in spec.required if c.key not in best[2]]
    closest = g.excel_row(best[0]) if best[1] > 0 else 0
    where = f"（最接近的是第 {closest} 行）" if best[1] > 0 else ""
    where_en = f" (closest: row {closest})" if best[1] > 0 else ""
    fatal.append(
        Notice(
            "missing_columns",
            f"工作表“{name}”前 {HEADER_SCAN_ROWS} 行中找不到含全部必填列的表头{where}，缺少"
            f"：{'、'.join(missing)}。"
            "请按模板（orggraph template）补上这些列",
            f"sheet {name!r}: no header row within the first {HEADER_SCAN_ROWS} rows holds every required "
            f"column{where_en}; missing: {', '.join(missing)}. Add them as in the template (orggraph"
            " template)",
            spec.name,
            closest or None,
        )
    )
    return None


def _build_raw(
    spec: Sheet, name: str, g: _Grid, idx: int, warnings: list[Notice], fatal: list[Notice]
) -> RawSheet | None:
    from graph.loaders.cells import CellIssue

    grid = g.rows
    header_row = g.excel_row(idx)
    tokens = COLUMN_TOKENS[spec.name]
    header = grid[idx]
    columns: list[tuple[int, Column]] = []
    seen: dict[str, str] = {}
    unknown: list[str] = []
    for ci, cell in enumerate(header):
        text = _cell_text(cell).strip()
        col = tokens.get(header_token(text))
        if col is None:
            if text:
                unknown.append(text)
            elif any(ci < len(r) and not _blank([r[ci]]) for r in grid[idx + 1 :]):
                n = g.excel_col(ci)
                unknown.append(f"(第 {n} 列无表头 / column {n} has no header)")
            continue
        if col.key in seen:
            fatal.append(
                Notice(
                    "duplicate_column",
                    f"工作表“{name}”中“{col.header}”列出现了两次（“{seen[col.key]}”和“{text}”），无法确定用哪一列",
                    f"sheet {name!r}: column {col.header} ({col.key}) appears twice ({seen[col.key]!r} and "
                    f"{text!r}); keep one",
                    spec.name,
                    header_row,
                    col.header,
                )
            )
            return None
        seen[col.key] = text
        columns.append((ci, col))
    if unknown:
        expected = "、".join(c.header for c in spec.columns)
        warnings.append(
            Notice(
                "unknown_columns",
                f"工作表“{name}”中以下列不是台账列，已忽略：{'、'.join(unknown)}。可用的列：{expected}",
                f"sheet {name!r}: ignored unknown columns {', '.join(unknown)}; expected columns: "
                + ", ".join(f"{c.header} ({c.key})" for c in spec.columns),
                spec.name,
                header_row,
            )
        )
    raw = RawSheet(spec, name, header_row, columns)
    width = max(ci for ci, _ in columns) + 1
    rows = raw.rows
    row_no = g.row_no
    for r in range(idx + 1, len(grid)):
        row = grid[r]
        for c in row:  # skip blank rows; the first cell usually decides
            if c.__class__ is str:
                if c and not c.isspace():
                    break
            elif c is not None and not (c.__class__ is CellIssue and c.code == "merged_cell"):
                break
        else:
            continue
        n = len(row)
        if n > width:
            row = row[:width]
        elif n < width:
            row = [*row, *([""] * (width - n))]
        rows.append((row_no[r] if row_no is not None else r + 1, row))
    return raw
