"""The coverage plan as meeting material (会议材料): one workbook, title, parameters, date, scope."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from queries.plan import PairingResult, PlanResult

PARAM_ZH = {
    "distance_km": "邻近距离（公里）",
    "max_units": "联合建每组最多单位数",
    "host_cap": "每个党组织最多新增挂靠数",
    "instructor_cap": "每名指导员最多派驻处数",
    "include_individual": "纳入个体工商户",
    "weight": "组织覆盖计量",
    "accepted": "已确认行数",
    "accept": "确认原行的单位",
    "removed": "视为已撤销的对象",
    "forbidden_hosts": "不得挂靠的党组织",
    "excluded": "排除的单位",
    "pairing_cap": "每个示范点最多结对数",
    "forbidden_points": "不再安排结对的示范点",
}


def param_lines(params: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for k, v in params.items():
        if k == "accepted":
            v = len(v)
        elif isinstance(v, (list, tuple)):
            v = "、".join(map(str, v)) or "无"
        elif isinstance(v, bool):
            v = "是" if v else "否"
        out.append((PARAM_ZH.get(k, k), str(v)))
    return out


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.2f}%"


def coverage_lines(res: PlanResult) -> list[list[Any]]:
    """Rows [scope, set, total, org before, org after, work before, work after]: the scope, then each town."""
    rows: list[list[Any]] = []
    pairs = [
        (res.before.district, res.after.district),
        *list(zip(res.before.towns, res.after.towns, strict=True)),
    ]
    for b, a in pairs:
        name = "全部" if b.town is None else (b.town_name or b.town)
        for label, rb, ra in (("非公企业", b.nonpublic, a.nonpublic), ("社会组织", b.social, a.social)):
            rows.append(
                [name, label, rb.total, _pct(rb.rate), _pct(ra.rate), _pct(rb.work_rate), _pct(ra.work_rate)]
            )
    return rows


def write_plan_workbook(
    res: PlanResult,
    out: Path,
    title: str = "两新组织党组织组建规划",
    scope_name: str | None = None,
    author: str | None = None,
    pairing: PairingResult | None = None,
) -> Path:
    """Write the plan as a printable workbook (A4 landscape, header rows repeated)."""
    import xlsxwriter

    out.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(out))
    h1 = wb.add_format({"bold": True, "font_size": 16})
    hd = wb.add_format({"bold": True, "bg_color": "#EEEEEE", "border": 1, "text_wrap": True})
    cell = wb.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    today = dt.date.today().isoformat()

    def sheet(name: str, headers: list[str], rows: list[list[Any]], widths: list[int]) -> None:
        ws = wb.add_worksheet(name)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.write(0, 0, f"{title}：{name}", h1)
        ws.write(
            1,
            0,
            f"范围：{scope_name or res.town or '全区'}    日期：{today}"
            + (f"    编制：{author}" if author else ""),
        )
        for c, (hname, w) in enumerate(zip(headers, widths, strict=True)):
            ws.write(3, c, hname, hd)
            ws.set_column(c, c, w)
        for r, row in enumerate(rows, start=4):
            for c, v in enumerate(row):
                ws.write(r, c, "" if v is None else v, cell)
        ws.repeat_rows(3)

    summary = [[k, v] for k, v in param_lines(res.parameters)]
    summary += [
        ["计划行数", str(len(res.rows))],
        ["未安排单位", str(len(res.unplaced))],
        ["求解状态", res.solver.status],
    ]
    summary += [["说明", n] for n in res.notes]
    sheet("参数", ["项目", "取值"], summary, [28, 60])
    sheet(
        "覆盖率",
        ["范围", "类别", "总数", "现组织覆盖率", "规划后组织覆盖率", "现工作覆盖率", "规划后工作覆盖率"],
        coverage_lines(res),
        [16, 10, 8, 14, 16, 14, 16],
    )
    sheet(
        "组建方案",
        ["单位", "镇街", "组建方式", "依托党组织/联合单位/指导员", "距离(公里)", "正式党员", "理由"],
        [
            [
                r.org_name or r.org,
                r.town,
                r.formation,
                r.host_name or r.host or "、".join(r.group_names) or r.instructor_name or r.instructor,
                r.distance_km,
                r.full_members,
                ("【无坐标】" if r.no_coords else "") + r.reason,
            ]
            for r in res.rows
        ],
        [30, 12, 10, 34, 10, 8, 70],
    )
    sheet(
        "未安排",
        ["单位", "镇街", "正式党员", "原因"],
        [[u.org_name or u.org, u.town, u.full_members, u.reason] for u in res.unplaced],
        [30, 12, 8, 90],
    )
    if pairing is not None:
        sheet(
            "结对帮扶",
            ["对象", "类别", "示范点", "层级", "理由"],
            [
                [r.target_name or r.target, r.phase, r.point_name or r.point, r.point_tier, r.reason]
                for r in pairing.rows
            ],
            [30, 12, 30, 8, 70],
        )
    wb.close()
    return out
