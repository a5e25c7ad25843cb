"""The to-do list as an Excel workbook laid out for printing: meeting material (会议材料) per town.

One summary sheet (汇总: items per town and kind), then one sheet per town whose print layout
carries the title, the filters, the data date and the scope on every page (landscape, one page
wide, the header row repeated, page numbers in the footer). Cells are written as text, so a
name starting with ``=`` shows as text (never a formula).

Example
-------
>>> write_todo_xlsx(TODO(store, Scope("T01"), params), "todo.xlsx", filters="全部类别")  # doctest: +SKIP
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from queries.todo import KIND_ZH, KINDS, TodoItem, TodoParams, TodoResult

COLUMNS = (
    ("序号", 6),
    ("类别", 18),
    ("对象", 30),
    ("编码", 22),
    ("原因", 48),
    ("建议措施", 40),
    ("逾期", 6),
    ("天数", 8),
    ("到期日", 12),
    ("相关", 30),
)
_SHEET_BAD = str.maketrans({c: "_" for c in "[]:*?/\\"})


def filters_text(p: TodoParams) -> str:
    kinds = "、".join(KIND_ZH[k] for k in p.kinds) if p.kinds else "全部类别"
    parts = [f"类别：{kinds}", f"指导员派驻上限 {p.instructor_cap} 个", f"换届提醒 {p.term_months} 个月内"]
    if p.overdue_only:
        parts.append("只看已逾期")
    return "；".join(parts)


def _sheet_name(text: str, used: set[str]) -> str:
    base = text.translate(_SHEET_BAD)[:28] or "镇街"
    name, n = base, 1
    while name in used:
        n += 1
        name = f"{base[:25]}({n})"
    used.add(name)
    return name


def _row(n: int, i: TodoItem) -> list[str]:
    return [
        str(n),
        i.kind_zh,
        i.subject.name or i.subject.key,
        i.subject.key,
        i.reason,
        i.action,
        "是" if i.overdue else "",
        "" if i.days is None else str(i.days),
        "" if i.due is None else i.due.isoformat(),
        "、".join(r.name or r.key for r in i.related),
    ]


def write_todo_xlsx(
    res: TodoResult, out: Path | str | io.BytesIO, *, filters: str, scope_name: str | None = None
) -> None:
    """Write ``res`` (all its items: ask with a limit that holds them) to ``out``."""
    import xlsxwriter

    target: Any = str(out) if isinstance(out, (str, Path)) else out
    wb = xlsxwriter.Workbook(
        target,
        {
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "in_memory": True,
        },
    )
    title_f = wb.add_format({"bold": True, "font_size": 16})
    meta_f = wb.add_format({"font_size": 10, "font_color": "#555555"})
    head_f = wb.add_format(
        {"bold": True, "bg_color": "#F2DCDB", "border": 1, "text_wrap": True, "valign": "top"}
    )
    cell_f = wb.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    late_f = wb.add_format({"border": 1, "text_wrap": True, "valign": "top", "font_color": "#C00000"})
    scope_text = scope_name or ("全区" if res.town is None else res.town)
    date_text = f"数据日期（截至）：{res.as_of.isoformat()}"
    footer = "&C第 &P 页，共 &N 页"

    summary = wb.add_worksheet("汇总")
    summary.write_string(0, 0, f"督办事项汇总（{scope_text}）", title_f)
    summary.write_string(1, 0, f"{date_text}；范围：{scope_text}；筛选：{filters}", meta_f)
    kinds = [k for k in KINDS if k in res.counts]
    heads = ["镇街", "合计", "其中逾期", *(KIND_ZH[k] for k in kinds)]
    for c, h in enumerate(heads):
        summary.write_string(3, c, h, head_f)
        summary.set_column(c, c, 16 if c else 20)
    for r, t in enumerate(res.towns, start=4):
        vals = [t.town_name or t.town_code or "区级", str(t.total), str(t.overdue)]
        vals += [str(t.counts.get(k, 0)) for k in kinds]
        for c, v in enumerate(vals):
            summary.write_string(r, c, v, cell_f)
    summary.set_landscape()
    summary.fit_to_pages(1, 0)
    summary.set_footer(footer)

    used = {"汇总"}
    for t in res.towns:
        name = t.town_name or t.town_code or "区级"
        ws = wb.add_worksheet(_sheet_name(name, used))
        ws.write_string(0, 0, f"{name} 督办事项（会议材料）", title_f)
        ws.write_string(1, 0, f"{date_text}；范围：{scope_text}；筛选：{filters}", meta_f)
        ws.write_string(2, 0, f"共 {t.total} 项，其中逾期 {t.overdue} 项", meta_f)
        for c, (h, width) in enumerate(COLUMNS):
            ws.write_string(4, c, h, head_f)
            ws.set_column(c, c, width)
        items = [i for i in res.items if i.town_code == t.town_code]
        for n, i in enumerate(items, start=1):
            f = late_f if i.overdue else cell_f
            for c, v in enumerate(_row(n, i)):
                ws.write_string(4 + n, c, v, f)
        ws.freeze_panes(5, 0)
        ws.repeat_rows(4)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.4, right=0.4, top=0.8, bottom=0.7)
        ws.set_header(f"&L{name} 督办事项&R{date_text}")
        ws.set_footer(footer)
    wb.close()
