"""The load report: what was written, every rejected row with a reason a clerk can act on,
cascades grouped under their root cause, warnings. JSON for machines, .xlsx for people.

Values in the report are display values: ID numbers and phones masked, long text cut. The
xlsx writes every value with write_string, so text such as ``=HYPERLINK(...)`` shows as text
and is never evaluated by a spreadsheet.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from graph.settings import PRIVATE_FILE, private_open

EXIT_MEANING = {
    0: ("全部导入成功", "everything loaded"),
    1: ("部分行被拒绝，其余已导入", "some rows were rejected, every other row was loaded"),
    2: ("输入无法使用，未导入任何内容", "unusable input, nothing loaded"),
    3: (
        "图数据库不可用或导入中途失败；再次运行同一命令即可完成",
        "the store was unreachable or failed mid-load; run the same load again to complete it",
    ),
}


class Problem(BaseModel):
    sheet: str
    row: int | None = None  # as Excel shows it
    column: str = ""
    value: str = ""  # masked / cut
    code: str
    reason_zh: str
    reason_en: str
    key: str | None = None
    cause_sheet: str | None = None  # set on cascades: the root row
    cause_row: int | None = None


class Group(BaseModel):
    """A root cause (one rejected row, all its problems) and the rows rejected because of it."""

    sheet: str
    row: int
    key: str | None
    problems: list[Problem]
    cascade: list[Problem] = Field(default_factory=list)


class Warning_(BaseModel):
    code: str
    message_zh: str
    message_en: str
    sheet: str | None = None
    column: str | None = None
    rows: list[int] = Field(default_factory=list)
    count: int = 1


class SyncRemoval(BaseModel):
    kind: str  # "node" | "relationship"
    label: str  # node label or relationship type
    key: str  # node key, or "from -> to (rid)"
    dependents: list[str] = Field(default_factory=list)


def _empty_counts() -> dict[str, dict[str, int]]:
    return {"nodes": {}, "relationships": {}}


class LoadResult(BaseModel):
    path: str
    sha256: str = ""
    exit_code: int
    dry_run: bool = False
    sync: bool = False
    message_zh: str = ""
    message_en: str = ""
    sheets: dict[str, int] = Field(default_factory=dict)  # data rows read per sheet
    counts: dict[str, dict[str, int]] = Field(default_factory=lambda: _empty_counts())
    rejected_rows: int = 0
    problems: list[Problem] = Field(default_factory=list)  # every problem, flat, in sheet/row order
    groups: list[Group] = Field(default_factory=list)  # the same, grouped under root causes
    fatal: list[Problem] = Field(default_factory=list)  # why the input is unusable (exit 2)
    warnings: list[Warning_] = Field(default_factory=list)
    sync_removals: list[SyncRemoval] = Field(default_factory=list)
    sync_refused: str | None = None
    seconds: float = 0.0
    snapshot: str | None = None  # the history snapshot recorded by the loading workflow

    @property
    def items_written(self) -> int:
        return sum(self.counts["nodes"].values()) + sum(self.counts["relationships"].values())

    def rejected(self) -> set[tuple[str, int | None, str]]:
        """(sheet, row, column) of every problem: what tests assert on."""
        return {(p.sheet, p.row, p.column) for p in self.problems}

    def to_json(self, indent: int | None = 1) -> str:
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, indent=indent)

    def write(self, out: Path) -> tuple[Path, Path]:
        """The .xlsx at ``out`` and the same content as JSON beside it."""
        out = Path(out)
        if out.suffix.lower() != ".xlsx":
            out = out.with_suffix(".xlsx")
        js = out.with_suffix(".json")
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = js.with_name(js.name + ".tmp")
        with private_open(tmp, "w") as fh:  # masked values and reasons of rejected rows: private
            fh.write(self.to_json())
        tmp.replace(js)
        self.write_xlsx(out)
        return out, js

    def write_xlsx(self, out: Path) -> None:
        import xlsxwriter

        out = Path(out)
        tmp = out.with_name(out.name + ".tmp.xlsx")
        # strings_to_formulas/urls off: nothing from input becomes a formula or a link
        wb = xlsxwriter.Workbook(
            str(tmp), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
        )
        bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
        root_fmt = wb.add_format({"bold": True, "bg_color": "#FCE4D6", "text_wrap": True, "valign": "top"})
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        casc = wb.add_format({"text_wrap": True, "valign": "top", "font_color": "#595959", "indent": 1})

        def put(ws: Any, r: int, c: int, value: Any, fmt: Any = None) -> None:
            if value is None:
                return
            if isinstance(value, bool):
                value = "是" if value else "否"
            if isinstance(value, (int, float)):
                ws.write_number(r, c, value, fmt)
            else:
                ws.write_string(r, c, str(value)[:32000], fmt)

        ws = wb.add_worksheet("汇总 summary")
        ws.set_column(0, 0, 28)
        ws.set_column(1, 1, 70)
        zh, en = EXIT_MEANING.get(self.exit_code, ("", ""))
        lines: list[tuple[str, Any]] = [
            ("文件 file", self.path),
            ("SHA-256", self.sha256),
            ("结果 exit status", f"{self.exit_code}：{zh} / {en}"),
            ("试运行 dry run", "是" if self.dry_run else "否"),
            ("同步删除 sync", "是" if self.sync else "否"),
            ("说明 message", " / ".join(x for x in (self.message_zh, self.message_en) if x)),
            ("被拒绝的行 rejected rows", self.rejected_rows),
            ("写入的条目 items written", self.items_written),
        ]
        for i, (k, v) in enumerate(lines):
            put(ws, i, 0, k, bold)
            put(ws, i, 1, v, wrap)
        r = len(lines) + 1
        put(ws, r, 0, "读取的行 rows read", bold)
        for sheet, n in self.sheets.items():
            r += 1
            put(ws, r, 0, sheet)
            put(ws, r, 1, n)
        r += 2
        put(ws, r, 0, "写入 written", bold)
        for part in ("nodes", "relationships"):
            for k, n in self.counts.get(part, {}).items():
                if n:
                    r += 1
                    put(ws, r, 0, k)
                    put(ws, r, 1, n)

        headers = [
            "表 sheet",
            "行 row",
            "列 column",
            "值 value",
            "原因 reason",
            "reason",
            "代码 code",
            "编码 key",
            "根源 root cause",
        ]
        ws = wb.add_worksheet("被拒绝的行 rejected")
        for c, h in enumerate(headers):
            put(ws, 0, c, h, bold)
        ws.freeze_panes(1, 0)
        for c, w in enumerate((10, 6, 18, 28, 50, 50, 16, 20, 16)):
            ws.set_column(c, c, w)
        r = 0
        for fp in self.fatal:
            r += 1
            _problem_row(put, ws, r, fp, root_fmt)
        for g in self.groups:
            for p in g.problems:
                r += 1
                _problem_row(put, ws, r, p, root_fmt)
            for p in g.cascade:
                r += 1
                _problem_row(put, ws, r, p, casc)

        ws = wb.add_worksheet("警告 warnings")
        for c, h in enumerate(
            ["表 sheet", "列 column", "说明", "message", "次数 count", "行 rows", "代码 code"]
        ):
            put(ws, 0, c, h, bold)
        for c, w in enumerate((10, 18, 60, 60, 8, 30, 18)):
            ws.set_column(c, c, w)
        for i, w_ in enumerate(self.warnings, start=1):
            for c, v in enumerate(
                (
                    w_.sheet,
                    w_.column,
                    w_.message_zh,
                    w_.message_en,
                    w_.count,
                    "、".join(map(str, w_.rows)),
                    w_.code,
                )
            ):
                put(ws, i, c, v, wrap)

        if self.sync or self.sync_removals or self.sync_refused:
            ws = wb.add_worksheet("同步删除 sync")
            for c, h in enumerate(["类别 kind", "标签/类型 label", "编码 key", "依赖它的记录 dependents"]):
                put(ws, 0, c, h, bold)
            ws.set_column(0, 3, 30)
            r = 0
            if self.sync_refused:
                r += 1
                put(ws, r, 0, self.sync_refused, root_fmt)
            for s in self.sync_removals:
                r += 1
                for c, v in enumerate((s.kind, s.label, s.key, "\n".join(s.dependents[:50]))):
                    put(ws, r, c, v, wrap)
        wb.close()
        tmp.chmod(PRIVATE_FILE)
        tmp.replace(out)


def _problem_row(put: Any, ws: Any, r: int, p: Problem, fmt: Any) -> None:
    cause = f"{p.cause_sheet} 第 {p.cause_row} 行" if p.cause_sheet else ""
    for c, v in enumerate(
        (p.sheet, p.row, p.column, p.value, p.reason_zh, p.reason_en, p.code, p.key, cause)
    ):
        put(ws, r, c, v, fmt)
