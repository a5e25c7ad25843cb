"""Validation of a whole workbook: cells, duplicates, references (workbook and store), cascades.

The result holds, for every row, either its canonical values or why it was rejected; rows that
reference a rejected row are rejected with a pointer to the root cause (reading rule 5).
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from graph.loaders import spec as S
from graph.loaders.cells import PARSERS, TEXT_PARSERS, Bad, CellIssue, display_value
from graph.loaders.reader import RawSheet, Workbook
from graph.loaders.report import Warning_
from graph.loaders.spec import ZERO_WIDTH, Column, Sheet, normalise
from graph.model import (
    ASSOCIATION_CATEGORIES,
    LABEL_ZH,
    MEMBER_FLAGS,
    Label,
)

TOP_KINDS = frozenset({"区委", "区委两新工委"})
LON_RANGE = (73.0, 136.0)  # roughly China, WGS-84
LAT_RANGE = (3.0, 54.0)


@dataclass(slots=True)
class Problem:
    sheet: str
    row: int
    column: str  # Chinese header ("" for the whole row)
    value: str  # as displayed (masked, cut)
    code: str
    zh: str
    en: str
    key: str | None = None
    cause: tuple[str, int] | None = None  # root (sheet, row) for cascades


@dataclass(slots=True, eq=False)
class Row:
    sheet: Sheet
    row: int
    cells: list[Any]
    values: dict[str, Any]
    originals: dict[str, str]
    problems: list[Problem]
    key: str | None = None
    skipped: bool = False  # an identical duplicate of an earlier row
    cause: Row | None = None  # the root row of a cascade
    rid: str = ""
    resolved: dict[tuple[str, str], tuple[Label, str]] = field(default_factory=dict)  # (column, key) -> found

    @property
    def rejected(self) -> bool:
        return bool(self.problems)


@dataclass
class Validation:
    sheets: dict[str, list[Row]]  # by Chinese sheet name, every data row
    index: dict[Label, dict[str, Row]]  # workbook records by label and key (first of duplicates)
    store_props: dict[Label, dict[str, dict[str, Any]]]  # referenced records found in the store
    warnings: list[Warning_]
    colpos: dict[str, dict[str, int]]  # sheet -> column key -> cell index

    def accepted(self, sheet: str) -> list[Row]:
        return [r for r in self.sheets.get(sheet, []) if not r.problems and not r.skipped]

    def rejected_rows(self) -> list[Row]:
        return [r for rows in self.sheets.values() for r in rows if r.problems]

    def problems(self) -> list[Problem]:
        return [p for r in self.rejected_rows() for p in r.problems]

    def props_of(self, label: Label, key: str) -> dict[str, Any] | None:
        row = self.index.get(label, {}).get(key)
        if row is not None:
            return row.values
        return self.store_props.get(label, {}).get(key)


class _Warnings:
    """Warnings aggregated per (sheet, column, code) so a 10,000-row sheet gives one line."""

    MAX_ROWS = 20

    def __init__(self) -> None:
        self.items: dict[tuple[str | None, str | None, str], Warning_] = {}
        self.order: list[Warning_] = []

    def add(
        self,
        code: str,
        zh: str,
        en: str,
        sheet: str | None = None,
        column: str | None = None,
        row: int | None = None,
    ) -> None:
        k = (sheet, column, code)
        w = self.items.get(k)
        if w is None:
            w = Warning_(code=code, message_zh=zh, message_en=en, sheet=sheet, column=column, count=0)
            self.items[k] = w
            self.order.append(w)
        w.count += 1
        if row is not None and len(w.rows) < self.MAX_ROWS:
            w.rows.append(row)

    def single(self, w: Warning_) -> None:
        self.order.append(w)


_CELL_WARNINGS = {
    "numeric_code": (
        "编码被存成了数字，已按整数文本读取（建议把该列设为“文本”格式）",
        "a code stored as a number was read as its integer text (format the column as text)",
    ),
    "formula_text": (
        "以 = + - @ 开头的内容按普通文本保存，不会被当作公式",
        "text starting with = + - @ is stored as plain text, never evaluated",
    ),
    "normalised": (
        "全角字符、零宽字符已转换为标准形式（如全角数字、字母转为半角）",
        "full-width / zero-width characters were normalised (e.g. full-width digits to ASCII)",
    ),
}


_NO_ORIGINALS: dict[str, str] = {}
_NO_CELLS: list[Any] = []
# References whose resolved (label, key) the builder needs (they may name two kinds, or depend on a type).
_RESOLVED_COLUMNS = frozenset({"assigned_to", "from_code", "to_code", "helper_id"})
_RULE_SHEETS = frozenset({"组织", "党组织", "党员", "结对"})


def _required(col: Column) -> Bad:
    return Bad("required", f"必填列“{col.header}”为空", f"required column {col.header} ({col.key}) is empty")


def row_rid(sheet: Sheet, values: dict[str, Any]) -> str:
    """Identity of a row of a keyless sheet: a short stable hash of all its canonical values."""
    parts = [sheet.name]
    for c in sheet.columns:
        v = values.get(c.key)
        parts.append("" if v is None else (";".join(v) if isinstance(v, list) else str(v)))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


_Outcome = tuple[Any, str | None, tuple[str, ...], Bad | None]  # value, original, warning codes, why bad


def _text_outcome(cell: str, col: Column, is_text: bool, tparse: Callable[..., Any]) -> _Outcome:
    """What a text cell gives in ``col``: normalised once (reading rule 1), then parsed."""
    codes: list[str] = []
    plain = None
    if cell.isascii():
        t = cell.strip()
    else:
        t = unicodedata.normalize("NFKC", cell).translate(ZERO_WIDTH).strip()
        shown = cell.translate(ZERO_WIDTH).strip()
        if t != shown:
            if is_text:
                plain = shown
            else:
                codes.append("normalised")
    try:
        v = tparse(t, col, codes.append) if t else None
    except Bad as bad:
        return None, None, tuple(codes), bad.with_traceback(None)
    return v, plain, tuple(codes), None


class _Memo:
    """Outcomes of a column's text cells by cell text; given up once most cells turn out distinct."""

    CHECK_EVERY = 4096

    __slots__ = ("table",)

    def __init__(self) -> None:
        self.table: dict[str, _Outcome] | None = {}

    def add(self, cell: str, outcome: _Outcome, rows_seen: int) -> None:
        table = self.table
        if table is None:
            return
        table[cell] = outcome
        if len(table) % self.CHECK_EVERY == 0 and len(table) * 2 > rows_seen:
            self.table = None


class Validator:
    def __init__(self, workbook: Workbook, lookup: Callable[[Label, list[str]], dict[str, dict[str, Any]]]):
        self.wb = workbook
        self.lookup = lookup  # store.fetch_nodes for keys the workbook lacks
        self.warn = _Warnings()
        self.sheets: dict[str, list[Row]] = {}
        self.index: dict[Label, dict[str, Row]] = {lab: {} for lab in Label}
        self.store_props: dict[Label, dict[str, dict[str, Any]]] = {lab: {} for lab in Label}
        self.colpos: dict[str, dict[str, int]] = {}
        # target row -> rows referencing it (column key, key): the cascade follows these
        self.dependents: dict[Row, list[tuple[Row, str, str]]] = defaultdict(list)

    # --- phase 1: cells ----------------------------------------------------------------

    def parse_sheet(self, raw: RawSheet) -> list[Row]:
        sheet = raw.spec
        name = sheet.name
        cols = raw.columns
        self.colpos[name] = {c.key: ci for ci, c in cols}
        # per column: a memo of its text cells' outcomes (most columns repeat a few values: codes,
        # choices, dates), dropped for a column whose cells are mostly distinct (names, IDs)
        parsers = [
            (ci, c, c.key, c.required, c.kind == S.TEXT, TEXT_PARSERS[c.kind], PARSERS[c.kind], _Memo())
            for ci, c in cols
        ]
        out: list[Row] = []
        warn = self.warn
        current: list[Any] = [0, None]  # row, column (for note)
        key_column = sheet.key_column
        coordinates = name in ("组织", "村社区")  # sheets with 经度 / 纬度

        def note(code: str) -> None:
            zh, en = _CELL_WARNINGS[code]
            warn.add(code, zh, en, name, current[1].header, current[0])

        for i, (rno, cells) in enumerate(raw.rows, 1):
            current[0] = rno
            values: dict[str, Any] = {}
            originals: dict[str, str] | None = None
            problems: list[Problem] = []
            for ci, col, key, required, is_text, tparse, parse, memo in parsers:
                cell = cells[ci]
                current[1] = col
                if cell.__class__ is str:
                    # the hot path (every CSV cell): the outcome of this text in this column
                    seen = memo.table.get(cell) if memo.table is not None else None
                    if seen is None:
                        seen = _text_outcome(cell, col, is_text, tparse)
                        memo.add(cell, seen, i)
                    v, plain, codes, bad = seen
                    for code in codes:
                        note(code)
                    if bad is not None:
                        problems.append(self._problem(sheet, rno, col, cell, bad))
                        continue
                    if plain is not None:
                        if originals is None:
                            originals = {}
                        originals[key] = plain  # shown where the original form matters
                    if v.__class__ is list:
                        v = list(v)  # never one list shared by two rows
                else:
                    try:
                        if cell.__class__ is CellIssue:
                            if required:
                                raise Bad(cell.code, cell.zh, cell.en)
                            warn.add(cell.code, cell.zh, cell.en, name, col.header, rno)
                            v = None
                        else:
                            v = None if cell is None else parse(cell, col, note)
                    except Bad as exc:
                        problems.append(self._problem(sheet, rno, col, cell, exc))
                        continue
                if v is None:
                    if required:
                        problems.append(self._problem(sheet, rno, col, cell, _required(col)))
                    continue
                values[key] = v
            row = Row(sheet, rno, cells, values, originals or _NO_ORIGINALS, problems)
            if key_column is not None:
                row.key = values.get(key_column)
            if coordinates and not problems and ("lon" in values or "lat" in values):
                self._coordinates(row)
            out.append(row)
        self.sheets[name] = out
        return out

    def _coordinates(self, row: Row) -> None:
        v = row.values
        if ("lon" in v) != ("lat" in v):
            missing = "lat" if "lon" in v else "lon"
            self.add_problem(
                row,
                missing,
                Bad(
                    "coordinates_pair",
                    "经度和纬度要么都填，要么都不填：这一行只填了其中一个",
                    "longitude and latitude go together: this row has only one of them",
                ),
            )
            return
        if not LON_RANGE[0] <= v["lon"] <= LON_RANGE[1]:
            self.add_problem(
                row,
                "lon",
                Bad(
                    "lon_range",
                    f"经度 {v['lon']} 不在中国境内（应在 {LON_RANGE[0]}–{LON_RANGE[1]} 之间），是否把经纬度"
                    "填反了？",
                    f"longitude {v['lon']} is outside China ({LON_RANGE[0]}-{LON_RANGE[1]}); swapped with"
                    " latitude?",
                ),
            )
        if not LAT_RANGE[0] <= v["lat"] <= LAT_RANGE[1]:
            self.add_problem(
                row,
                "lat",
                Bad(
                    "lat_range",
                    f"纬度 {v['lat']} 不在中国境内（应在 {LAT_RANGE[0]}–{LAT_RANGE[1]} 之间），是否把经纬度"
                    "填反了？",
                    f"latitude {v['lat']} is outside China ({LAT_RANGE[0]}-{LAT_RANGE[1]}); swapped with"
                    " longitude?",
                ),
            )

    def _problem(
        self, sheet: Sheet, rno: int, col: Column | None, cell: Any, bad: Bad, key: str | None = None
    ) -> Problem:
        shown = display_value(cell, col) if col is not None else ""
        return Problem(sheet.name, rno, col.header if col else "", shown, bad.code, bad.zh, bad.en, key)

    def _cell(self, row: Row, key: str) -> Any:
        ci = self.colpos[row.sheet.name].get(key)
        return row.cells[ci] if ci is not None else ""

    def add_problem(self, row: Row, key: str | None, bad: Bad) -> None:
        col = row.sheet.column(key) if key else None
        cell = self._cell(row, key) if key else ""
        row.problems.append(self._problem(row.sheet, row.row, col, cell, bad, row.key))

    # --- phase 2: duplicates --------------------------------------------------------------

    def _identity(self, row: Row) -> tuple[Any, ...]:
        return tuple(
            normalise(c) if isinstance(c, str) else c
            for c in (self._cell(row, col.key) for col in row.sheet.columns)
        )

    def duplicates(self, rows: list[Row]) -> None:
        if not rows:
            return
        sheet = rows[0].sheet
        groups: dict[str, list[Row]] = {}
        if sheet.label is None:
            seen: dict[str, Row] = {}
            for r in rows:
                if r.problems:
                    continue
                r.rid = rid = row_rid(sheet, r.values)
                first = seen.get(rid)
                if first is None:
                    seen[rid] = r
                else:
                    groups.setdefault(rid, [first]).append(r)
            for same in groups.values():
                self._identical(same)
            return
        idx = self.index[sheet.label]
        for r in rows:
            key = r.key
            if key is None:
                continue
            first = idx.get(key)
            if first is None:
                idx[key] = r
            else:
                groups.setdefault(key, [first]).append(r)
        key_col = sheet.column(sheet.key_column or "")
        for key, same in groups.items():
            if len({self._identity(r) for r in same}) == 1:
                self._identical(same)
                continue
            nums = "、".join(str(r.row) for r in same)
            for r in same:
                self.add_problem(
                    r,
                    key_col.key,
                    Bad(
                        "duplicate_key",
                        f"{key_col.header}“{key}”在第 {nums} 行重复出现且内容不同，无法确定哪一行是对的；请"
                        "只保留一行",
                        f"{key_col.header} {key!r} appears on rows {nums.replace('、', ', ')} with"
                        " different content; "
                        "keep only one of them",
                    ),
                )

    def _identical(self, same: list[Row]) -> None:
        first = same[0]
        for r in same[1:]:
            r.skipped = True
        nums = "、".join(str(r.row) for r in same)
        what = f"“{first.key}”" if first.key else ""
        en = f"rows {nums.replace('、', ', ')} {first.key or ''} are identical; loaded once"
        self.warn.single(
            Warning_(
                code="duplicate_identical",
                message_zh=f"第 {nums} 行{what}完全相同，只导入一次",
                message_en=en.replace("  ", " "),
                sheet=first.sheet.name,
                column=first.sheet.key_column and first.sheet.column(first.sheet.key_column).header,
                rows=[r.row for r in same],
                count=len(same),
            )
        )

    # --- phase 3: references ----------------------------------------------------------------

    def _find(self, lab: Label, key: str) -> tuple[Row | None, dict[str, Any] | None]:
        row = self.index[lab].get(key)
        if row is not None:
            return row, row.values
        props = self.store_props[lab].get(key)
        return None, props

    def references(self) -> None:
        """Resolve every reference: in the workbook first; the rest (and every reference that may
        name two kinds) against the store, fetched in one call per label."""
        index = self.index
        dependents = self.dependents
        deferred: list[tuple[Row, str, tuple[Label, ...], str]] = []
        for rows in self.sheets.values():
            for r in rows:
                if r.skipped or r.problems:
                    continue
                for col_key, labels, key in _refs(r):
                    if len(labels) == 1:
                        target = index[labels[0]].get(key)
                        if target is not None:
                            if target is not r:
                                dependents[target].append((r, col_key, key))
                            if col_key in _RESOLVED_COLUMNS:
                                r.resolved[(col_key, key)] = (labels[0], key)
                            continue
                    deferred.append((r, col_key, labels, key))
        wanted: dict[Label, set[str]] = defaultdict(set)
        for _r, _c, labels, key in deferred:
            for lab in labels:
                if key not in index[lab]:
                    wanted[lab].add(key)
                    if lab is Label.ORGANIZATION and key.upper() != key:
                        wanted[lab].add(key.upper())
        for lab, keys in wanted.items():
            self.store_props[lab] = self.lookup(lab, sorted(keys))
        for r, col_key, labels, key in deferred:
            self._check_ref(r, col_key, labels, key)
        for rows in self.sheets.values():
            if rows and rows[0].sheet.name in _RULE_SHEETS:
                for r in rows:
                    if not r.skipped and not r.problems:
                        _row_rules(self, r)

    def _check_ref(self, r: Row, col_key: str, labels: tuple[Label, ...], key: str) -> None:
        found: list[tuple[Label, Row | None, str]] = []
        for lab in labels:
            actual = key
            row = self.index[lab].get(key)
            if row is None and key not in self.store_props[lab]:
                if lab is not Label.ORGANIZATION or key.upper() == key:
                    continue
                actual = key.upper()
                row = self.index[lab].get(actual)
                if row is None and actual not in self.store_props[lab]:
                    continue
            found.append((lab, row, actual))
        if len(found) == 1:
            lab, row, actual = found[0]
            if row is not None and row is not r:
                self.dependents[row].append((r, col_key, key))
            r.resolved[(col_key, key)] = (lab, actual)
            return
        col = r.sheet.column(col_key)
        if not found:
            what = "或".join(LABEL_ZH[lab] for lab in labels)
            what_en = " or ".join(lab.value for lab in labels)
            self.add_problem(
                r,
                col_key,
                Bad(
                    "missing_ref",
                    f"“{col.header}”中的{what}“{key}”不存在：本台账和已导入的数据中都没有，请先登记它或改正编码",
                    f"{col.header}: {what_en} {key!r} exists neither in this workbook nor in the graph; "
                    "add it first or correct the code",
                ),
            )
            return
        if len(found) > 1:
            a, b = (LABEL_ZH[f[0]] for f in found[:2])
            self.add_problem(
                r,
                col_key,
                Bad(
                    "ambiguous_ref",
                    f"“{col.header}”中的“{key}”既是{a}又是{b}，无法确定指哪一个；请改正其中一个编码",
                    f"{col.header}: {key!r} names both a {found[0][0].value} and a {found[1][0].value}; "
                    "make the codes distinct",
                ),
            )
            return

    # --- phase 4: cascades --------------------------------------------------------------------

    def cycles(self) -> None:
        for sheet_name, field_key in (("党组织", "parent_code"), ("组织", "parent_uscc")):
            rows = [r for r in self.sheets.get(sheet_name, []) if not r.problems and not r.skipped]
            lab = S.SHEET_BY_NAME[sheet_name].label
            assert lab is not None
            idx = self.index[lab]
            state: dict[str, int] = {}
            for start in rows:
                path: list[Row] = []
                cur: Row | None = start
                while cur is not None and cur.key is not None and state.get(cur.key, 0) == 0:
                    state[cur.key] = 1
                    path.append(cur)
                    parent = cur.values.get(field_key)
                    cur = idx.get(parent) if parent else None
                if cur is not None and cur.key is not None and state.get(cur.key) == 1:
                    loop = path[path.index(cur) :]
                    chain = " → ".join(str(x.key) for x in [*loop, cur])
                    for x in loop:
                        if not x.problems:
                            self.add_problem(
                                x,
                                field_key,
                                Bad(
                                    "cycle",
                                    f"上级关系形成了循环：{chain}，请改正其中的上级编码",
                                    f"the parent chain loops back: {chain}; correct one of the parent codes",
                                ),
                            )
                for x in path:
                    state[x.key or ""] = 2

    def cascade(self) -> None:
        dependents = self.dependents
        queue = deque(r for rows in self.sheets.values() for r in rows if r.problems)
        while queue:
            t = queue.popleft()
            root = t.cause or t
            for d, col_key, key in dependents.get(t, ()):
                if d.problems or d.skipped:
                    continue
                col = d.sheet.column(col_key)
                d.cause = root
                lab = t.sheet.label
                what = LABEL_ZH[lab] if lab else t.sheet.name
                d.problems.append(
                    Problem(
                        d.sheet.name,
                        d.row,
                        col.header,
                        display_value(self._cell(d, col.key), col),
                        "rejected_ref",
                        f"引用的{what}“{key}”所在行（“{t.sheet.name}”表第 {t.row} 行）被拒绝，请先改正那一行",
                        f"references {lab.value if lab else t.sheet.key} {key!r}, whose row ({t.sheet.name}"
                        f" row {t.row}) "
                        "was rejected: fix that row first",
                        d.key,
                        (root.sheet.name, root.row),
                    )
                )
                queue.append(d)

    # --- all --------------------------------------------------------------------------------

    def run(self) -> Validation:
        for raw in self.wb.sheets.values():
            self.parse_sheet(raw)
        for rows in self.sheets.values():
            self.duplicates(rows)
        self.references()
        self.cycles()
        self.cascade()
        self._member_ids()
        # Problems already hold their display values: the raw cells are no longer needed, and on
        # a million-item roster they are a few hundred MB.
        for raw in self.wb.sheets.values():
            raw.rows = []
        for rows in self.sheets.values():
            for r in rows:
                r.cells = _NO_CELLS
        self.dependents.clear()
        return Validation(self.sheets, self.index, self.store_props, self.warn.order, self.colpos)

    def _member_ids(self) -> None:
        from graph.identifiers import mask_id

        seen: dict[str, list[Row]] = defaultdict(list)
        for r in self.sheets.get("党员", []):
            if not r.skipped and "id_number" in r.values:
                seen[r.values["id_number"]].append(r)
        for idn, rows in seen.items():
            if len(rows) > 1:
                ids = "、".join(str(r.key) for r in rows)
                nums = [r.row for r in rows]
                self.warn.single(
                    Warning_(
                        code="same_id_number",
                        message_zh=f"党员 {ids} 的身份证号相同（{mask_id(idn)}），"
                        "可能是同一个人登记了两次，请核对",
                        message_en=f"members {ids.replace('、', ', ')} share one ID number ({mask_id(idn)}):"
                        " possibly one person registered twice",
                        sheet="党员",
                        column="身份证号",
                        rows=nums,
                        count=len(rows),
                    )
                )


def _refs(r: Row) -> Iterable[tuple[str, tuple[Label, ...], str]]:
    """The references a row makes: (column key, labels it may name, key)."""
    v = r.values
    name = r.sheet.name
    T, P, ORG, PO, M, INS, V = (
        Label.TOWN,
        Label.PARK,
        Label.ORGANIZATION,
        Label.PARTY_ORG,
        Label.MEMBER,
        Label.INSTRUCTOR,
        Label.VILLAGE,
    )
    if name in ("园区", "村社区"):
        yield "town_code", (T,), v["town_code"]
    elif name == "组织":
        yield "town_code", (T,), v["town_code"]
        if "park_code" in v:
            yield "park_code", (P,), v["park_code"]
        if "association_uscc" in v and v["association_uscc"] != r.key:
            yield "association_uscc", (ORG,), v["association_uscc"]
        if "parent_uscc" in v and v["parent_uscc"] != r.key:
            yield "parent_uscc", (ORG,), v["parent_uscc"]
    elif name == "党组织":
        if "parent_code" in v and v["parent_code"] != r.key:
            yield "parent_code", (PO,), v["parent_code"]
        if "town_code" in v:
            yield "town_code", (T,), v["town_code"]
        if "park_code" in v:
            yield "park_code", (P,), v["park_code"]
        for u in v.get("covers", ()):
            yield "covers", (ORG,), u
    elif name == "党员":
        for k in ("relationship_org", "activity_org"):
            if k in v:
                yield k, (PO,), v[k]
        if "employer_uscc" in v:
            yield "employer_uscc", (ORG,), v["employer_uscc"]
    elif name == "党建指导员":
        for x in v.get("assigned_to", ()):
            yield "assigned_to", (ORG, PO), x
    elif name == "结对":
        if v["pairing_type"] == "示范帮扶":
            yield "from_code", (PO,), v["from_code"]
            yield "to_code", (PO, ORG), v["to_code"]
        else:
            yield "from_code", (ORG,), v["from_code"]
            yield "to_code", (V,), v["to_code"]
    elif name in ("帮建", "联系记录"):
        yield "helper_id", (INS, M), v["helper_id"]
        yield "target_uscc", (ORG,), v["target_uscc"]


def _row_rules(val: Validator, r: Row) -> None:
    """Rules about a row that need the records it references (categories, tiers, self-links)."""
    v = r.values
    name = r.sheet.name
    if name == "组织":
        for k, what, what_en in (
            ("association_uscc", "所属协会", "association"),
            ("parent_uscc", "上级单位", "parent"),
        ):
            if v.get(k) == r.key:
                val.add_problem(
                    r,
                    k,
                    Bad("self_ref", f"{what}不能是组织自己", f"an organisation cannot be its own {what_en}"),
                )
        assoc = v.get("association_uscc")
        if assoc and assoc != r.key:
            _row, props = val._find(Label.ORGANIZATION, assoc)
            cat = props.get("org_category") if props else None
            if props is not None and cat not in ASSOCIATION_CATEGORIES:
                val.add_problem(
                    r,
                    "association_uscc",
                    Bad(
                        "not_association",
                        f"所属协会“{assoc}”的组织类别是“{cat or '未填'}”，不是行业协会、商会或专业市场",
                        f"association {assoc!r} is of category {cat!r}, not an association, chamber or"
                        " market",
                    ),
                )
    elif name == "党组织":
        if v.get("parent_code") == r.key:
            val.add_problem(
                r,
                "parent_code",
                Bad("self_ref", "上级党组织不能是自己", "a party organisation cannot report to itself"),
            )
        kind = v.get("kind", "组织党组织")
        if "parent_code" not in v and kind not in TOP_KINDS:
            val.add_problem(
                r,
                "parent_code",
                Bad(
                    "parent_required",
                    "上级党组织编码为空：只有区委、区委两新工委可以没有上级，请填写隶属的上级党组织",
                    "the parent party organisation is empty: only the district committee (or its two-new"
                    " working "
                    "committee) may have none; fill in the reporting line",
                ),
            )
    elif name == "党员":
        if "relationship_org" not in v and v.get("flag") not in MEMBER_FLAGS:
            val.add_problem(
                r,
                "relationship_org",
                Bad(
                    "relationship_required",
                    "组织关系所在党组织编码为空：只有流动党员、隐性党员可以留空",
                    "the relationship party organisation is empty: allowed only for floating or hidden"
                    " members "
                    "(身份标记 流动党员 / 隐性党员)",
                ),
            )
    elif name == "结对" and v["pairing_type"] == "示范帮扶":
        _row, props = val._find(Label.PARTY_ORG, v["from_code"])
        if props is not None and not props.get("demo_tier"):
            val.add_problem(
                r,
                "from_code",
                Bad(
                    "not_demo_point",
                    f"发起方党组织“{v['from_code']}”没有示范等级，不是示范点；示范帮扶的发起方必须是示范点",
                    f"party organisation {v['from_code']!r} has no demonstration tier, so it cannot start a "
                    "示范帮扶 pairing",
                ),
            )
