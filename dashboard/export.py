"""Excel exports of what a page shows. Every cell is written as a value, never a formula."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def to_xlsx(frames: dict[str, pd.DataFrame]) -> bytes:
    """One sheet per frame. Text such as ``=HYPERLINK(...)`` or ``+1`` stays text: a roster
    value is hostile input and must not become a live formula in someone's spreadsheet."""
    buf = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with pd.ExcelWriter(buf, engine="xlsxwriter", engine_kwargs={"options": options}) as xw:
        for name, df in frames.items():
            sheet = name[:31]
            df.to_excel(xw, sheet_name=sheet, index=False)
            ws = xw.sheets[sheet]
            ws.freeze_panes(1, 0)
            for i, col in enumerate(df.columns):
                width = max([len(str(col))] + [len(str(v)) for v in df[col].head(200).tolist()])
                ws.set_column(i, i, min(max(width * 1.6, 8), 60))
    return buf.getvalue()


def file_name(stem: str) -> str:
    return f"{stem}-{dt.date.today().isoformat()}.xlsx"
