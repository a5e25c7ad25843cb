"""The hostile roster: every kind of bad row a real 台账 holds, with the exact rows to reject.

Row numbers below are Excel's (header on row 1 unless a title row sits above it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.loaders.workbooks import bad_ric, bad_uscc, fullwidth, ric, uscc

U = {i: uscc(i) for i in range(1, 20)}
U8_Y = uscc(8, prefix="Y1500118MA")  # an N/Y-style registration code: valid, must not be refused
FORMULA = "=SUM(A1:A2)"
HYPERLINK = '=HYPERLINK("http://evil.example/x","点我")'
LONG = "长" * 30000
ID1 = ric(1)
PHONE_OK = "+86 138 0013 8000"

TOWNS = [
    ["镇街编码", "镇街名称", "类型"],
    ["T01", "中山路街道", "街道"],  # 2
    ["T02", "青峰镇", "镇"],  # 3
    ["T03", "卫星湖街道", "村"],  # 4 rejected: 类型
    ["T01", "中山路街道", "街道"],  # 5 identical duplicate of row 2: loaded once, warning
    [1001, "来苏镇", "镇"],  # 6 numeric code -> "1001", warning
    ["T04", "=1+1镇", FORMULA],  # 7 rejected: 类型; the report must show the formula as text
]
PARKS = [
    ["永川区工业园区台账（2011 年）", None, None],  # 1 title row
    ["园区编码", "园区名称", "所在镇街编码"],  # 2 header
    ["P01", "凤凰湖工业园", "T01"],  # 3
    ["P02", "港桥工业园", "T09"],  # 4 rejected: town T09 missing
    ["P03", "三教工业园", "T03"],  # 5 cascade: town T03 rejected (镇街 4)
]
VILLAGES = [
    ["村编码", "村名称", "所在镇街编码"],
    ["V01", "黄瓜山村", "T01"],  # 2
    [fullwidth("V02"), "石梯（社区）\u200b", fullwidth("T02")],  # 3 full-width, valid after NFKC
]
ORG_HEAD = [
    "统一社会信用代码",
    "组织名称",
    "组织类别",
    "行业",
    "所在镇街编码",
    "所在园区编码",
    "所属协会信用代码",
    "从业人员数",
    "是否规上",
    "经营状态",
    "上级单位信用代码",
    "经度",
    "纬度",
    "备注",
]


def org(code: Any, name: str, cat: str = "非公企业", town: Any = "T01", **kw: Any) -> list[Any]:
    return [
        code,
        name,
        cat,
        kw.get("industry"),
        town,
        kw.get("park"),
        kw.get("assoc"),
        kw.get("employees"),
        kw.get("above"),
        kw.get("status"),
        kw.get("parent"),
        kw.get("lon"),
        kw.get("lat"),
        kw.get("note"),
    ]


ORGS = [
    ORG_HEAD,
    org(U[1], "重庆甲机械有限公司", park="P01", employees=120, above="是", lon=105.93, lat=29.35),  # 2
    org(fullwidth(U[2]), "永川区乙行业协会", "行业协会", employees="３０"),  # 3 full-width USCC and count
    org(bad_uscc(3), "丙公司"),  # 4 rejected: check character
    org(U[4], "丁公司", employees=-5),  # 5 rejected: negative
    org(U[5], "戊公司", employees="约二十人"),  # 6 rejected: not a number
    org(U[6], "己公司", lon=105.9),  # 7 rejected: lon without lat (reported on 纬度)
    org(U[7], HYPERLINK, industry=LONG, note="备注列被忽略"),  # 8 formula text kept as text; 30,000 chars
    org(U8_Y, "永川区商会", "商会", town="T02"),  # 9 Y-registration code
    org(U[9], "甲机械子公司", park="P01", assoc=U[2], parent=U[1], above="N"),  # 10
    org(U[10], "庚公司", "外资企业", town="T02"),  # 11 rejected: category
    org(U[11], "辛公司", park="P02"),  # 12 cascade: park P02 rejected (园区 4)
    org(U[12], "壬公司甲"),  # 13 rejected: duplicate key, different content
    org(U[12], "壬公司乙"),  # 14 rejected: duplicate key, different content
    org(U[13], LONG),  # 15 rejected: a 30,000-character name
    org(U[14], "癸公司", assoc=U[1]),  # 16 rejected: association is a 非公企业
    org(U[15], "已注销公司", town=1001, status="注销", employees=12.0, above="false"),  # 17
]
PO_HEAD = [
    "党组织编码",
    "党组织名称",
    "层级",
    "类型",
    "组建方式",
    "上级党组织编码",
    "所在镇街编码",
    "所在园区编码",
    "覆盖组织信用代码",
    "示范等级",
    "成立日期",
]


def po(code: str, name: str, level: str = "党支部", **kw: Any) -> list[Any]:
    return [
        code,
        name,
        level,
        kw.get("kind"),
        kw.get("formation"),
        kw.get("parent"),
        kw.get("town"),
        kw.get("park"),
        kw.get("covers"),
        kw.get("tier"),
        kw.get("founded"),
    ]


PARTY_ORGS = [
    PO_HEAD,
    po("D0", "中共永川区委", "党委", kind="区委"),  # 2 the top: no parent
    po("D1", "区委两新工委", "党工委", kind="区委两新工委", parent="D0"),  # 3
    po("D2", "中山路街道两新党委", "党委", kind="镇街两新党委", parent="D1", town="T01"),  # 4
    po(
        "PO1",
        "甲机械党支部",
        parent="D2",
        covers=f"{U[1]}；{U[9]}",
        tier="镇街（园区）级",
        founded="2011年7月1日",
        formation="单独建",
    ),  # 5 town derived from covers (T01)
    po("PO2", "丁公司党支部", parent="D2", covers=U[4]),  # 6 cascade: covers a rejected org (组织 5)
    po("PO3", "坏层级党组织", "支部", parent="D2"),  # 7 rejected: level
    po("PO4", "下级党小组", "党小组", parent="PO3"),  # 8 cascade: parent PO3 rejected
    po("PO5", "无上级党支部"),  # 9 rejected: parent required
    po("PO6", "非公经济组织党委", "党委", kind="非公经济组织党委", parent="D1"),  # 10 alias; district level
    po("PO7", "坏日期党支部", parent="D2", founded="2011-02-30"),  # 11 rejected: impossible date
    po(
        "PO8",
        "联合党支部",
        parent="D2",
        covers=f"{U[2]}, {U8_Y}",
        tier="区级",
        founded=dt.date(2010, 6, 1),
        formation="联合建",
    ),  # 12 covers two towns: no town
    po(U[7], "与组织同码的党支部", parent="D2", town="T01"),  # 13 its code is also a USCC (ambiguity bait)
]
MEMBER_HEAD = [
    "党员编号",
    "姓名",
    "身份证号",
    "手机号",
    "性别",
    "党员类型",
    "组织关系所在党组织编码",
    "活动所在党组织编码",
    "工作单位信用代码",
    "身份标记",
    "党内职务",
    "交叉任职",
    "是否业主",
    "管理岗位",
    "专业技术职称",
]


def member(mid: str, name: str, idn: Any = None, phone: Any = None, **kw: Any) -> list[Any]:
    return [
        mid,
        name,
        idn,
        phone,
        kw.get("gender"),
        kw.get("mtype"),
        kw.get("rel"),
        kw.get("act"),
        kw.get("emp"),
        kw.get("flag"),
        kw.get("post"),
        kw.get("cross"),
        kw.get("owner"),
        kw.get("mgmt"),
        kw.get("title"),
    ]


MEMBERS = [
    MEMBER_HEAD,
    member(
        "M1",
        "张三",
        ID1,
        PHONE_OK,
        gender="男",
        mtype="正式党员",
        rel="PO1",
        act="D2",
        emp=U[1],
        post="书记",
        cross="是",
        owner="Y",
        mgmt="true",
        title="高级工程师",
    ),  # 2
    member("M2", "李四", float(ric(2)), "13900139001", rel="PO1"),  # 3 rejected: ID stored as a number
    member("M3", "王五", ric(3), "1380013800", rel="PO1"),  # 4 rejected: 10-digit phone
    member("M4", "赵六", bad_ric(4), rel="PO1"),  # 5 rejected: ID check character
    member("M5", "钱七", ric(5), flag="流动党员", emp=U[2]),  # 6 floating member without relationship org
    member("M6", "孙八", ric(6)),  # 7 rejected: relationship org required
    member("M7", "周九", ric(7), rel="PO1", emp=U[4]),  # 8 cascade: employer rejected (组织 5)
    member("M8", "吴十", ID1, rel="PO8"),  # 9 same ID as M1: warning
    member("M9", "郑十一", ric(9), rel="PO2"),  # 10 cascade: PO2 rejected, root 组织 5
]
INSTRUCTORS = [
    ["指导员编号", "姓名", "手机号", "派驻对象"],
    ["I1", "陈指导", 13900139000, f"{U[1]}、PO1"],  # 2 phone as an Excel number; town T01
    ["I2", "林指导", "139-0013-9002", "PO6"],  # 3 district-level target: no town
    ["I3", "黄指导", None, U[7]],  # 4 rejected: ambiguous (organisation and party organisation)
    ["I4", "何指导", None, "PO99"],  # 5 rejected: missing
]
PAIRINGS = [
    ["结对类型", "发起方编码", "对象编码", "开始日期"],
    ["示范帮扶", "PO1", "PO8", "2012-01-01"],  # 2
    ["示范帮扶", "PO1", U[15], "2012/3/1"],  # 3
    ["示范帮扶", "PO6", U[1], None],  # 4 rejected: PO6 is no demonstration point
    ["村企联建", U[1], "V01", "2013.5.6"],  # 5
    ["村企联建", U[1], "V01", "2013.5.6"],  # 6 identical to 5: once, warning
    ["村企联建", U[1], "V99", None],  # 7 rejected: village missing
]
HELP = [
    ["帮建人编号", "帮建对象信用代码", "开始日期", "状态"],
    ["I1", U[15], "2012-01-01", "进行中"],  # 2
    ["M1", U[9], None, "已建立"],  # 3
    ["I1", U[6], None, None],  # 4 cascade: target rejected (组织 7)
]
CONTACTS = [
    ["帮建人编号", "对象信用代码", "日期", "方式"],
    ["I1", U[15], "2012-02-01", "电话"],  # 2
    ["I1", U[15], dt.date(2012, 3, 1), "走访"],  # 3 an Excel date cell
    ["I1", U[15], "2012-13-01", "电话"],  # 4 rejected: impossible date
]

SHEETS: dict[str, list[list[Any]]] = {
    "镇街": TOWNS,
    "园区": PARKS,
    "村社区": VILLAGES,
    "组织": ORGS,
    "党组织": PARTY_ORGS,
    "党员": MEMBERS,
    "党建指导员": INSTRUCTORS,
    "结对": PAIRINGS,
    "帮建": HELP,
    "联系记录": CONTACTS,
    "Sheet1": [["随便写的"]],
}

# (sheet, Excel row, column) of every problem, and which of them are cascades (root in brackets)
REJECTED = {
    ("镇街", 4, "类型"),
    ("镇街", 7, "类型"),
    ("园区", 4, "所在镇街编码"),
    ("园区", 5, "所在镇街编码"),
    ("组织", 4, "统一社会信用代码"),
    ("组织", 5, "从业人员数"),
    ("组织", 6, "从业人员数"),
    ("组织", 7, "纬度"),
    ("组织", 11, "组织类别"),
    ("组织", 12, "所在园区编码"),
    ("组织", 13, "统一社会信用代码"),
    ("组织", 14, "统一社会信用代码"),
    ("组织", 15, "组织名称"),
    ("组织", 16, "所属协会信用代码"),
    ("党组织", 6, "覆盖组织信用代码"),
    ("党组织", 7, "层级"),
    ("党组织", 8, "上级党组织编码"),
    ("党组织", 9, "上级党组织编码"),
    ("党组织", 11, "成立日期"),
    ("党员", 3, "身份证号"),
    ("党员", 4, "手机号"),
    ("党员", 5, "身份证号"),
    ("党员", 7, "组织关系所在党组织编码"),
    ("党员", 8, "工作单位信用代码"),
    ("党员", 10, "组织关系所在党组织编码"),
    ("党建指导员", 4, "派驻对象"),
    ("党建指导员", 5, "派驻对象"),
    ("结对", 4, "发起方编码"),
    ("结对", 7, "对象编码"),
    ("帮建", 4, "帮建对象信用代码"),
    ("联系记录", 4, "日期"),
}
CASCADES = {
    ("园区", 5): ("镇街", 4),
    ("组织", 12): ("园区", 4),
    ("党组织", 6): ("组织", 5),
    ("党组织", 8): ("党组织", 7),
    ("党员", 8): ("组织", 5),
    ("党员", 10): ("组织", 5),
    ("帮建", 4): ("组织", 7),
}

NODES = {
    "Town": {"T01", "T02", "1001"},
    "Park": {"P01"},
    "Village": {"V01", "V02"},
    "Organization": {U[1], U[2], U[7], U8_Y, U[9], U[15]},
    "PartyOrg": {"D0", "D1", "D2", "PO1", "PO6", "PO8", U[7]},
    "Member": {"M1", "M5", "M8"},
    "Instructor": {"I1", "I2"},
}
