"""`orggraph template`: an empty roster workbook that a clerk can fill in without guessing.

Every sheet with its headers (required ones in red), dropdown lists for the enumerations and
是/否 columns, text format on code, ID and phone columns (so Excel never turns an ID number into
a float), and a 说明 sheet explaining each column.
"""

from __future__ import annotations

from pathlib import Path

from graph.loaders import spec as S
from graph.loaders.spec import SHEETS

DATA_ROWS = 20000  # rows covered by dropdowns and text formats
_KIND_ZH = {
    S.TEXT: "文本",
    S.CODE: "编码（文本）",
    S.USCC: "统一社会信用代码（18 位）",
    S.USCC_LIST: "一个或多个信用代码",
    S.ANY_LIST: "一个或多个信用代码或党组织编码",
    S.ID_NUMBER: "身份证号（18 位，文本格式）",
    S.PHONE: "手机号（11 位）",
    S.ENUM: "下拉选择",
    S.INT: "整数（≥0）",
    S.BOOL: "是 / 否",
    S.DATE: "日期",
    S.FLOAT: "小数",
}
_TEXT_KINDS = {S.CODE, S.USCC, S.USCC_LIST, S.ANY_LIST, S.ID_NUMBER, S.PHONE, S.TEXT}


def write_template(out: Path) -> Path:
    import xlsxwriter

    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        out = out.with_suffix(".xlsx")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp.xlsx")
    wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_numbers": False})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    head_req = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "font_color": "#C00000"})
    text = wb.add_format({"num_format": "@"})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})

    guide = wb.add_worksheet("说明")
    guide.set_column(0, 0, 14)
    guide.set_column(1, 1, 24)
    guide.set_column(2, 2, 22)
    guide.set_column(3, 3, 8)
    guide.set_column(4, 4, 26)
    guide.set_column(5, 5, 70)
    intro = [
        "填表说明：每个工作表第一行是表头，不要改表头文字；红色表头为必填列。表头上方可以有标题行（前 10 行"
        "内）。",
        "编码、信用代码、身份证号、手机号列已设为文本格式，请不要改成数字格式（否则身份证号会丢失后几位）。",
        "一格填多个代码时，用分号、逗号、顿号或换行分隔。日期写成 2011-07-01、2011/7/1、2011.7.1 或 2011年7"
        "月1日。",
        "某一行有任何一格不合格，整行都不会导入，并在导入报告中说明原因；引用了被拒绝行的行也会被拒绝。",
        "身份证号和手机号只保存加密摘要和脱敏形式（如 110105********1234、138****5678）。",
    ]
    for i, line in enumerate(intro):
        guide.merge_range(i, 0, i, 5, line, wrap)
    r = len(intro) + 1
    for c, h in enumerate(("工作表", "列名（表头）", "英文名", "必填", "填写内容", "说明")):
        guide.write_string(r, c, h, head)
    for sheet in SHEETS:
        r += 1
        guide.write_string(r, 0, sheet.name, head)
        guide.merge_range(r, 1, r, 5, f"{sheet.help}（英文表名 {sheet.key} 也可识别）", wrap)
        for col in sheet.columns:
            r += 1
            listed = " / ".join(col.choices)
            if col.choice_aliases:
                listed += "（也可写：" + "、".join(col.choice_aliases) + "）"
            what = _KIND_ZH[col.kind] + (f"：{listed}" if col.kind == S.ENUM else "")
            aliases = f"（也可写作：{'、'.join(col.aliases)}）" if col.aliases else ""
            for c, v in enumerate(
                (sheet.name, col.header + aliases, col.key, "是" if col.required else "", what, col.help)
            ):
                guide.write_string(r, c, v, wrap)

    for sheet in SHEETS:
        ws = wb.add_worksheet(sheet.name)
        ws.freeze_panes(1, 0)
        for c, col in enumerate(sheet.columns):
            width = max(12, len(col.header) * 2 + 4)
            if col.kind in _TEXT_KINDS:
                ws.set_column(c, c, max(width, 20 if col.kind in (S.USCC, S.ID_NUMBER) else width), text)
            elif col.kind == S.DATE:
                ws.set_column(c, c, width, date)
            else:
                ws.set_column(c, c, width)
            ws.write_string(0, c, col.header, head_req if col.required else head)
            ws.write_comment(0, c, (("必填。" if col.required else "") + col.help)[:1000])
            choices: list[str] = []
            if col.kind == S.ENUM:
                choices = list(col.choices)
            elif col.kind == S.BOOL:
                choices = ["是", "否"]
            if choices:
                ws.data_validation(
                    1,
                    c,
                    DATA_ROWS,
                    c,
                    {
                        "validate": "list",
                        "source": choices,
                        "error_type": "warning",
                        "error_title": col.header,
                        "error_message": "请从下拉列表中选择：" + " / ".join(choices),
                    },
                )
            elif col.kind == S.INT:
                ws.data_validation(
                    1,
                    c,
                    DATA_ROWS,
                    c,
                    {
                        "validate": "integer",
                        "criteria": ">=",
                        "value": 0,
                        "error_type": "warning",
                        "error_message": "请填写不小于 0 的整数",
                    },
                )
            elif col.kind == S.DATE:
                ws.data_validation(
                    1,
                    c,
                    DATA_ROWS,
                    c,
                    {
                        "validate": "any",
                        "input_title": col.header,
                        "input_message": "日期，如 2011-07-01",
                    },
                )
    wb.close()
    tmp.replace(out)
    return out
