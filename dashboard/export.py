"""Excel exports of what a page shows, laid out to print as meeting material (会议材料).

Every cell is written as a value, never a formula. With an :class:`ExportInfo` each sheet opens
with a title, the filters used, the data date and the user's scope; every sheet prints landscape
on A4, fitted to the page width, with the header row repeated on each page and a page footer.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DASH = "—"
WRAP_AT = 40  # columns wider than this many characters wrap instead of growing


@dataclass(frozen=True)
class ExportInfo:
    title: str
    filters: list[tuple[str, str]] = field(default_factory=list)  # (筛选项, 取值)
    data_date: str = "未记录"  # which data: the last load's date and file
    scope: str = "全区"  # the user's scope: 全区, or the town a town user is limited to
    who: str = ""
    exported_at: str = field(default_factory=lambda: dt.datetime.now().strftime("%Y-%m-%d %H:%M"))

    def lines(self) -> list[str]:
        filters = "；".join(f"{k}：{v}" for k, v in self.filters) or "无"
        return [
            f"筛选条件：{filters}",
            f"数据日期：{self.data_date}　　数据范围：{self.scope}",
            f"导出：{self.who + '，' if self.who else ''}{self.exported_at}",
        ]


def _text(v: Any) -> Any:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
        return DASH
    return v


def _width(v: Any) -> int:
    s = str(v)
    return sum(2 if ord(c) > 0x2E80 else 1 for c in s)


def _hf(text: str) -> str:
    return text.replace("&", "&&")[:200]  # & starts a header/footer code in Excel


def to_xlsx(frames: dict[str, pd.DataFrame], info: ExportInfo | None = None) -> bytes:
    """One sheet per frame. Text such as ``=HYPERLINK(...)`` or ``+1`` stays text: a roster
    value is hostile input and must not become a live formula in someone's spreadsheet."""
    import xlsxwriter

    buf = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, **options})
    title_fmt = wb.add_format({"bold": True, "font_size": 16})
    meta_fmt = wb.add_format({"font_color": "#444444"})
    head_fmt = wb.add_format(
        {"bold": True, "bg_color": "#F2E6E6", "border": 1, "text_wrap": True, "valign": "vcenter"}
    )
    cell_fmt = wb.add_format({"border": 1, "valign": "top"})
    wrap_fmt = wb.add_format({"border": 1, "valign": "top", "text_wrap": True})
    for name, df in frames.items():
        ws = wb.add_worksheet(name[:31])
        top = 0
        if info is not None:
            ws.write_string(0, 0, info.title if len(frames) == 1 else f"{info.title}（{name}）", title_fmt)
            ws.set_row(0, 24)
            for i, line in enumerate(info.lines(), start=1):
                ws.write_string(i, 0, line, meta_fmt)
            top = len(info.lines()) + 2  # a blank row before the table
        cols = list(df.columns)
        widths = []
        for j, col in enumerate(cols):
            values = [_text(v) for v in df[col].tolist()]
            w = max([_width(col)] + [_width(v) for v in values[:500]])
            widths.append(w)
            ws.write_string(top, j, str(col), head_fmt)
            fmt = wrap_fmt if w > WRAP_AT else cell_fmt
            for i, v in enumerate(values, start=top + 1):
                if isinstance(v, bool):
                    ws.write_string(i, j, "是" if v else "否", fmt)
                elif isinstance(v, (int, float)):
                    ws.write_number(i, j, v, fmt)
                else:
                    ws.write_string(i, j, str(v), fmt)
            ws.set_column(j, j, min(max(w * 1.1, 6), WRAP_AT))
        ws.freeze_panes(top + 1, 0)
        if cols:
            ws.autofilter(top, 0, top + len(df), len(cols) - 1)
        # printing: landscape A4, one page wide, header row on every page, page numbers
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(top)
        ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
        ws.center_horizontally()
        title = info.title if info is not None else name
        ws.set_header(f"&L{_hf(title)}&R{_hf(info.scope if info is not None else '')}")
        ws.set_footer(f"&L{_hf(info.data_date if info is not None else '')}&C第 &P 页，共 &N 页")
    wb.close()
    return buf.getvalue()


def file_name(stem: str) -> str:
    return f"{stem}-{dt.date.today().isoformat()}.xlsx"


def data_date_text(last_load: Any) -> str:
    """“2026-12-02 导入（台账：x.xlsx）” for the dataset answer's last load, or “未记录”."""
    if last_load is None:
        return "未记录（尚无导入记录）"
    try:
        when = dt.datetime.fromisoformat(last_load.loaded_at).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        when = last_load.loaded_at
    return f"{when} 导入（台账：{last_load.file}）"


def export_info(title: str, filters: list[tuple[str, str]]) -> ExportInfo:
    """The export header for the logged-in user: title, filters, data date, scope."""
    from dashboard.common import ROLE_ZH, me, q, town_name

    p = me()
    ds = q("dataset")
    scope = f"仅本镇街：{town_name(p.scope_town)}" if p.scope_town else "全区"
    return ExportInfo(
        title=title,
        filters=filters,
        data_date=data_date_text(ds.last_load),
        scope=scope,
        who=ROLE_ZH.get(p.role, p.role),
    )
