"""A tiny, hand-checkable org graph shared by query, contract, API and dashboard tests.

``load_fixture(store)`` writes it through the store API (one ``store.bulk()``), with the
derived ``town_code`` of party organisations, members and instructors set explicitly.

Towns, park, villages
=====  ==========  =========================================
T1     中山路街道  park P1 凤凰湖工业园区; village V2 红旗村
T2     青峰镇      village V1 黄瓜山村
T3     双石镇      village V3 石笋村 (nobody builds with it)
=====  ==========  =========================================

Organisations (O08 is 注销: outside every rate and list)
===  ============  ==========  ====  ====  =======  ========================================
key  name          category    town  park  covered  notes
===  ============  ==========  ====  ====  =======  ========================================
O01  甲机械公司    非公企业    T1    P1    PO1      120 staff, coords, joint-builds with V2
O02  乙电子公司    非公企业    T1    P1    -        1 full member (M04); PO1 pairs it; I3
O03  丙材料公司    非公企业    T1    P1    -        在建; 2 full members (M05 floating, M06 hidden)
O04  丁商贸公司    非公企业    T1    -     PO2      in association O05, coords
O05  机械行业协会  行业协会    T1    -     PO3      the association
O06  戊记餐馆      个体工商户  T1    -     -        reported separately
O07  己科技公司    非公企业    T1    -     -        in O05; 3 full + 1 probationary members
O08  庚物流公司    非公企业    T1    -     -        注销
O09  辛建设集团    非公企业    T2    -     PO4      610 staff, coords, joint-builds with V1
O10  辛建设二公司  非公企业    T2    -     PO5      SUBSIDIARY_OF O09, joint-builds with V1
O11  壬超市        非公企业    T2    -     PO5      (1+X)
O12  青峰社工中心  社会组织    T2    -     PO5      (1+X)
O13  癸农业公司    非公企业    T2    -     -        coords; no members; PO4 pairs it; I1 helps
O14  青峰农贸市场  专业市场    T1    -     PO2      (联合建 with O04)
O15  双石陶瓷厂    非公企业    T3    -     -        1 full member (M15, hidden, no relationship)
O16  双石商会      商会        T3    -     -        no members; instructor I3
===  ============  ==========  ====  ====  =======  ========================================

Party organisations (four-level chain: D0 区委 <- D1 区委两新工委 <- TC*/PC1/NP <- ...)
====  =====================  ======  ===================  =======  ====  =========================
key   name                   level   kind                 formation town  reports to / notes
====  =====================  ======  ===================  =======  ====  =========================
D0    永川区委               党委    区委                 -        -     top
D1    区委两新工委           党工委  区委两新工委         -        -     D0
NP    非公有制经济组织党委   党委    非公有制经济组织党委 -        -     D1
TC1   中山路街道两新党委     党委    镇街两新党委         -        T1    D1
TC2   青峰镇两新党委         党委    镇街两新党委         -        T2    D1
TC3   双石镇两新党委         党委    镇街两新党委         -        T3    D1
PC1   凤凰湖园区党工委       党工委  园区党工委           -        T1    D1; park P1
PO1   甲机械党支部           党支部  组织党组织           单独建   T1    PC1; park P1; 区级 demo
PO2   丁商贸联合党支部       党支部  组织党组织           联合建   T1    TC1; covers O04, O14
PO3   机械行业协会党支部     党支部  协会党组织           单独建   T1    TC1; 镇街级 demo, no partner
PO4   辛建设集团党委         党委    组织党组织           单独建   T2    D1 (directly managed); 市级 demo
PO5   辛建设二公司党支部     党支部  组织党组织           1+X      T2*   PO4; covers O10 O11 O12
PO6   辛建设集团机关党支部   党支部  组织党组织           单独建   T2    PO4; covers nothing
====  =====================  ======  ===================  =======  ====  =========================
(*) derived from the covered organisations: PO5 has no LOCATED_IN.

Pairings: 示范帮扶 PO1->O02, PO1->PO2, PO4->PO5, PO4->O13; 村企联建 O01->V2, O09->V1, O10->V1.

Members (relationship / activity / employer; the inconsistency each carries)
===  ======  ========  ==========  ====  ====  ====  ========================================
key  name    type      flag/post   rel   act   work  inconsistency
===  ======  ========  ==========  ====  ====  ====  ========================================
M01  赵一    正式党员  书记, cross PO1   TC1   O01   - (also HELPS_BUILD O02)
M02  钱二    正式党员  委员        PO1   TC1   O01   -
M03  孙三    正式党员  -           PO1   TC2   O01   activity_town_mismatch (TC2 in T2, O01 in T1)
M04  李四    正式党员  -           PO1   TC1   O02   relationship_not_covering_employer
M05  周五    正式党员  流动党员    -     -     O03   flagged_without_relationship
M06  吴六    正式党员  隐性党员    TC1   -     O03   relationship_not_covering_employer
M07  郑七    正式党员  cross, -    PO3   TC1   O05   committee_without_post
M08  冯八    正式党员  -           PO3   TC1   O07   relationship_not_covering_employer
M09  陈九    正式党员  -           PO3   TC1   O07   relationship_not_covering_employer
M10  褚十    正式党员  -           PO3   TC1   O07   relationship_not_covering_employer
M11  卫十一  预备党员  -           PO3   TC1   O07   relationship_not_covering_employer
M12  蒋十二  正式党员  书记, owner PO4   TC2   O09   -
M13  沈十三  预备党员  -           PO5   TC2   O11   -
M14  韩十四  正式党员  委员, cross PO5   TC2   O10   -
M15  杨十五  正式党员  隐性党员    -     -     O15   flagged_without_relationship
M16  朱十六  正式党员  -           PO2   TC1   O04   -
M17  秦十七  正式党员  -           PO6   TC2   O09   - (PO6's parent PO4 covers O09)
===  ======  ========  ==========  ====  ====  ====  ========================================

Instructors: I1 张指导 -> PO4, O13 (town T2; HELPS_BUILD O13 进行中, two CONTACTED);
I2 李指导 -> O15 (T3); I3 王指导 -> O02, O16 (two towns: no town_code, district level).
"""

from __future__ import annotations

from typing import Any

from graph.model import Label, Rel

TOWNS = [
    {"town_code": "T1", "town_name": "中山路街道", "town_type": "街道"},
    {"town_code": "T2", "town_name": "青峰镇", "town_type": "镇"},
    {"town_code": "T3", "town_name": "双石镇", "town_type": "镇"},
]
PARKS = [{"park_code": "P1", "park_name": "凤凰湖工业园区", "town_code": "T1"}]
VILLAGES = [
    {"village_code": "V1", "village_name": "黄瓜山村", "town_code": "T2"},
    {"village_code": "V2", "village_name": "红旗村", "town_code": "T1"},
    {"village_code": "V3", "village_name": "石笋村", "town_code": "T3"},
]


def _filled(**columns: str | None) -> dict[str, str]:
    """The columns given a value (an empty cell is no property)."""
    return {k: v for k, v in columns.items() if v}


def _org(uscc: str, name: str, cat: str, town: str, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"uscc": uscc, "org_name": name, "org_category": cat, "town_code": town}
    row.setdefault("status", "在营")
    row.update(extra)
    return row


_P1_MAKER = {"park_code": "P1", "industry": "制造业"}  # the industrial park's manufacturers
ORGS = [
    _org(
        "O01",
        "甲机械公司",
        "非公企业",
        "T1",
        **_P1_MAKER,
        employees=120,
        above_scale=True,
        lon=105.90,
        lat=29.35,
    ),
    _org(
        "O02",
        "乙电子公司",
        "非公企业",
        "T1",
        **_P1_MAKER,
        employees=40,
        above_scale=False,
        lon=105.91,
        lat=29.36,
    ),
    _org("O03", "丙材料公司", "非公企业", "T1", **_P1_MAKER, employees=15, status="在建"),
    _org(
        "O04",
        "丁商贸公司",
        "非公企业",
        "T1",
        industry="商贸",
        association_uscc="O05",
        employees=8,
        lon=105.95,
        lat=29.40,
    ),
    _org("O05", "永川区机械行业协会", "行业协会", "T1", industry="制造业"),
    _org("O06", "戊记餐馆", "个体工商户", "T1", industry="餐饮", employees=3),
    _org("O07", "己科技公司", "非公企业", "T1", industry="制造业", association_uscc="O05", employees=60),
    _org("O08", "庚物流公司", "非公企业", "T1", industry="物流", employees=5, status="注销"),
    _org(
        "O09",
        "辛建设集团",
        "非公企业",
        "T2",
        industry="建筑业",
        employees=610,
        above_scale=True,
        lon=105.80,
        lat=29.30,
    ),
    _org(
        "O10",
        "辛建设二公司",
        "非公企业",
        "T2",
        industry="建筑业",
        employees=30,
        parent_uscc="O09",
        above_scale=True,
    ),
    _org("O11", "壬超市", "非公企业", "T2", industry="商贸", employees=12),
    _org("O12", "青峰镇社工服务中心", "社会组织", "T2", industry="社会服务"),
    _org("O13", "癸农业公司", "非公企业", "T2", industry="农业", employees=25, lon=105.81, lat=29.31),
    _org("O14", "青峰农贸市场", "专业市场", "T1", industry="商贸", employees=20),
    _org("O15", "双石陶瓷厂", "非公企业", "T3", industry="制造业", employees=45),
    _org("O16", "双石商会", "商会", "T3", industry="商贸"),
]


def _po(
    code: str, name: str, level: str, kind: str, parent: str | None, town: str | None, **extra: Any
) -> dict[str, Any]:
    row: dict[str, Any] = {"party_org_code": code, "party_org_name": name, "level": level, "kind": kind}
    row.update(_filled(parent_code=parent, town_code=town), **extra)
    return row


PARTY_ORGS = [
    _po("D0", "中共永川区委", "党委", "区委", None, None),
    _po("D1", "区委两新工委", "党工委", "区委两新工委", "D0", None),
    _po("NP", "非公有制经济组织党委", "党委", "非公有制经济组织党委", "D1", None),
    _po("TC1", "中山路街道两新党委", "党委", "镇街两新党委", "D1", "T1"),
    _po("TC2", "青峰镇两新党委", "党委", "镇街两新党委", "D1", "T2"),
    _po("TC3", "双石镇两新党委", "党委", "镇街两新党委", "D1", "T3"),
    _po("PC1", "凤凰湖园区党工委", "党工委", "园区党工委", "D1", "T1", park_code="P1"),
    _po(
        "PO1",
        "甲机械公司党支部",
        "党支部",
        "组织党组织",
        "PC1",
        "T1",
        park_code="P1",
        formation="单独建",
        demo_tier="区级",
        founded="2005-07-01",
    ),
    _po("PO2", "丁商贸联合党支部", "党支部", "组织党组织", "TC1", "T1", formation="联合建"),
    _po(
        "PO3",
        "机械行业协会党支部",
        "党支部",
        "协会党组织",
        "TC1",
        "T1",
        formation="单独建",
        demo_tier="镇街级",
    ),
    _po(
        "PO4",
        "辛建设集团党委",
        "党委",
        "组织党组织",
        "D1",
        "T2",
        formation="单独建",
        demo_tier="市级",
        founded="1976-05-01",
    ),
    _po("PO5", "辛建设二公司党支部", "党支部", "组织党组织", "PO4", "T2", formation="1+X"),
    _po("PO6", "辛建设集团机关党支部", "党支部", "组织党组织", "PO4", "T2", formation="单独建"),
]
# Party organisations whose town comes from their own column (the others' is derived).
PO_OWN_TOWN = {
    "TC1": "T1",
    "TC2": "T2",
    "TC3": "T3",
    "PC1": "T1",
    "PO1": "T1",
    "PO2": "T1",
    "PO3": "T1",
    "PO4": "T2",
    "PO6": "T2",
}


def _m(
    mid: str,
    name: str,
    mtype: str,
    town: str,
    rel: str | None,
    act: str | None,
    work: str | None,
    **extra: Any,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "member_id": mid,
        "name": name,
        "member_type": mtype,
        "town_code": town,
        "id_masked": f"500118********{mid[1:]:0>4}",
        "phone_masked": "138****" + f"{int(mid[1:]):04d}",
        "gender": "男",
        "cross_appointed": False,
        "owner": False,
        "in_management": False,
    }
    row.update(_filled(relationship_org=rel, activity_org=act, employer_uscc=work), **extra)
    return row


MEMBERS = [
    _m(
        "M01",
        "赵一",
        "正式党员",
        "T1",
        "PO1",
        "TC1",
        "O01",
        post="书记",
        cross_appointed=True,
        in_management=True,
        title="工程师",
    ),
    _m("M02", "钱二", "正式党员", "T1", "PO1", "TC1", "O01", post="委员"),
    _m("M03", "孙三", "正式党员", "T1", "PO1", "TC2", "O01"),
    _m("M04", "李四", "正式党员", "T1", "PO1", "TC1", "O02"),
    _m("M05", "周五", "正式党员", "T1", None, None, "O03", flag="流动党员"),
    _m("M06", "吴六", "正式党员", "T1", "TC1", None, "O03", flag="隐性党员", gender="女"),
    _m("M07", "郑七", "正式党员", "T1", "PO3", "TC1", "O05", cross_appointed=True),
    _m("M08", "冯八", "正式党员", "T1", "PO3", "TC1", "O07"),
    _m("M09", "陈九", "正式党员", "T1", "PO3", "TC1", "O07"),
    _m("M10", "褚十", "正式党员", "T1", "PO3", "TC1", "O07"),
    _m("M11", "卫十一", "预备党员", "T1", "PO3", "TC1", "O07"),
    _m("M12", "蒋十二", "正式党员", "T2", "PO4", "TC2", "O09", post="书记", owner=True, in_management=True),
    _m("M13", "沈十三", "预备党员", "T2", "PO5", "TC2", "O11"),
    _m("M14", "韩十四", "正式党员", "T2", "PO5", "TC2", "O10", post="委员", cross_appointed=True),
    _m("M15", "杨十五", "正式党员", "T3", None, None, "O15", flag="隐性党员"),
    _m("M16", "朱十六", "正式党员", "T1", "PO2", "TC1", "O04"),
    _m("M17", "秦十七", "正式党员", "T2", "PO6", "TC2", "O09"),
]

INSTRUCTORS = [
    {"instructor_id": "I1", "name": "张指导", "phone_masked": "139****0001", "town_code": "T2"},
    {"instructor_id": "I2", "name": "李指导", "phone_masked": "139****0002", "town_code": "T3"},
    {"instructor_id": "I3", "name": "王指导", "phone_masked": "139****0003"},
]

COVERS = [
    ("PO1", "O01"),
    ("PO2", "O04"),
    ("PO2", "O14"),
    ("PO3", "O05"),
    ("PO4", "O09"),
    ("PO5", "O10"),
    ("PO5", "O11"),
    ("PO5", "O12"),
]
PAIRED = [  # (from demo point, to label, to key, since)
    ("PO1", Label.ORGANIZATION, "O02", "2011-03-01"),
    ("PO1", Label.PARTY_ORG, "PO2", "2010-06-01"),
    ("PO4", Label.PARTY_ORG, "PO5", "2009-09-01"),
    ("PO4", Label.ORGANIZATION, "O13", "2011-04-01"),
]
JOINT = [("O01", "V2", "2010-01-01"), ("O09", "V1", "2009-05-01"), ("O10", "V1", "2011-02-01")]
ASSIGNED = [
    ("I1", Label.PARTY_ORG, "PO4"),
    ("I1", Label.ORGANIZATION, "O13"),
    ("I2", Label.ORGANIZATION, "O15"),
    ("I3", Label.ORGANIZATION, "O02"),
    ("I3", Label.ORGANIZATION, "O16"),
]
HELPS = [
    ("I1", Label.INSTRUCTOR, "O13", "2011-03-01", "进行中"),
    ("M01", Label.MEMBER, "O02", "2011-05-01", "进行中"),
]
CONTACTS = [("I1", "O13", "1", "2011-03-05", "电话"), ("I1", "O13", "2", "2011-04-10", "走访")]


def _rels(pairs: list[tuple[str, str]], props: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return [{"from": a, "to": b, "rid": "", "props": dict(props or {})} for a, b in pairs]


def _pairs(records: list[dict[str, Any]], label: Label, column: str) -> list[tuple[str, str]]:
    """(key, value) of every record with ``column`` filled: the relationships that column makes."""
    return [(r[label.key], r[column]) for r in records if column in r]


def load_fixture(store: Any) -> None:
    """Write the fixture graph into an empty store (schema first)."""
    store.apply_schema()
    O, P, M = Label.ORGANIZATION, Label.PARTY_ORG, Label.MEMBER  # noqa: E741
    with store.bulk():
        store.upsert_nodes(Label.TOWN, TOWNS)
        store.upsert_nodes(Label.PARK, PARKS)
        store.upsert_nodes(Label.VILLAGE, VILLAGES)
        store.upsert_nodes(O, ORGS)
        store.upsert_nodes(P, PARTY_ORGS)
        store.upsert_nodes(M, MEMBERS)
        store.upsert_nodes(Label.INSTRUCTOR, INSTRUCTORS)

        up = store.upsert_relationships
        T, K = Label.TOWN, Label.PARK
        for rel, fl, tl, pairs in (
            (Rel.LOCATED_IN, K, T, _pairs(PARKS, K, "town_code")),
            (Rel.LOCATED_IN, Label.VILLAGE, T, _pairs(VILLAGES, Label.VILLAGE, "town_code")),
            (Rel.LOCATED_IN, O, T, _pairs(ORGS, O, "town_code")),
            (Rel.LOCATED_IN, P, T, sorted(PO_OWN_TOWN.items())),
            (Rel.IN_PARK, O, K, _pairs(ORGS, O, "park_code")),
            (Rel.IN_PARK, P, K, _pairs(PARTY_ORGS, P, "park_code")),
            (Rel.IN_ASSOCIATION, O, O, _pairs(ORGS, O, "association_uscc")),
            (Rel.SUBSIDIARY_OF, O, O, _pairs(ORGS, O, "parent_uscc")),
            (Rel.REPORTS_TO, P, P, _pairs(PARTY_ORGS, P, "parent_code")),
            (Rel.COVERS, P, O, COVERS),
            (Rel.RELATIONSHIP_IN, M, P, _pairs(MEMBERS, M, "relationship_org")),
            (Rel.ACTIVE_IN, M, P, _pairs(MEMBERS, M, "activity_org")),
            (Rel.WORKS_AT, M, O, _pairs(MEMBERS, M, "employer_uscc")),
        ):
            up(rel, fl, tl, _rels(pairs))
        for to_label in (O, P):
            up(
                Rel.PAIRED_WITH,
                P,
                to_label,
                [
                    {"from": a, "to": b, "rid": "", "props": {"pairing_type": "示范帮扶", "since": s}}
                    for a, lab, b, s in PAIRED
                    if lab == to_label
                ],
            )
            up(
                Rel.ASSIGNED_TO,
                Label.INSTRUCTOR,
                to_label,
                _rels([(a, b) for a, lab, b in ASSIGNED if lab == to_label]),
            )
        up(
            Rel.JOINT_BUILDS_WITH,
            O,
            Label.VILLAGE,
            [{"from": a, "to": b, "rid": "", "props": {"since": s}} for a, b, s in JOINT],
        )
        for from_label in (Label.INSTRUCTOR, M):
            up(
                Rel.HELPS_BUILD,
                from_label,
                O,
                [
                    {"from": a, "to": b, "rid": "", "props": {"since": s, "status": st}}
                    for a, lab, b, s, st in HELPS
                    if lab == from_label
                ],
            )
        up(
            Rel.CONTACTED,
            Label.INSTRUCTOR,
            O,
            [
                {"from": a, "to": b, "rid": rid, "props": {"date": d, "method": m}}
                for a, b, rid, d, m in CONTACTS
            ],
        )
