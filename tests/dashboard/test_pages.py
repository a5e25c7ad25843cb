"""Every page with the fixture graph loaded: no exception, the numbers shown are the queries'
answers, filters change the results, and scoping and the admin-only page hold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

import queries
from dashboard.common import pct
from graph.tokens import TokenStore
from queries.membership import INCONSISTENCIES, MEMBERSHIP
from queries.pairing import PAIRING
from queries.paths import PATH
from tests.dashboard.conftest import APP, PAGES, all_text, app, chart_data, metrics, no_exception, token

# Names that exist only outside town T1 (中山路街道): a T1 user must never see them.
OTHER_TOWNS = [
    *(
        "青峰镇",
        "双石镇",
        "辛建设",
        "癸农业",
        "壬超市",
        "社工服务",
        "双石陶瓷",
        "双石商会",
        "黄瓜山村",
        "石笋村",
    ),
    *("蒋十二", "沈十三", "韩十四", "杨十五", "秦十七", "张指导", "李指导"),
]


# --- login -----------------------------------------------------------------------------------


def test_login_page_without_token(loaded: Any) -> None:
    at = app(None)
    no_exception(at)
    assert at.text_input(key="login_token")
    assert not at.metric  # nothing of the data before login
    assert "甲机械" not in all_text(at)


def test_login_with_bad_and_good_token(loaded: Any) -> None:
    at = app(None)
    at.text_input(key="login_token").input("og_not-a-token")
    at.button[0].click().run()
    assert any("令牌无效" in e.value for e in at.error)
    at.text_input(key="login_token").input(token("district"))
    at.button[0].click().run()
    assert not at.exception
    assert "非公经济组织覆盖率" in metrics(at)


def test_login_refuses_an_expired_token(loaded: Any) -> None:
    from graph.tokens import TokenStore
    from tests.api.test_cli import _expire

    tok = token("district")
    _expire(TokenStore().list()[-1].token_id)
    at = app(None)
    at.text_input(key="login_token").input(tok)
    at.button[0].click().run()
    assert any("已于" in e.value and "过期" in e.value for e in at.error)
    assert not at.metric


def test_revoked_token_ends_session(loaded: Any) -> None:
    from graph.tokens import TokenStore

    tok = token("district")
    at = app(tok)
    assert metrics(at)
    ts = TokenStore()
    ts.revoke(ts.list()[-1].token_id)
    at.run()
    assert at.text_input(key="login_token")
    assert not at.metric


@pytest.mark.parametrize("page", [p for p in PAGES if p != "import"])
def test_every_page_renders_for_admin(loaded: Any, page: str) -> None:
    at = app(token("admin"), page)
    no_exception(at)
    assert at.markdown, page


# --- overview ----------------------------------------------------------------------------------


def test_overview_numbers_are_the_queries_answers(loaded: Any) -> None:
    at = app(token("district"))
    no_exception(at)
    m = metrics(at)
    cov = queries.COVERAGE(loaded)
    assert m["非公经济组织覆盖率"] == pct(cov.nonpublic.rate)
    assert m["社会组织覆盖率"] == pct(cov.social.rate)
    assert m["个体工商户"] == str(cov.self_employed.total)
    assert m["非公未建党组织"] == str(cov.nonpublic.total - cov.nonpublic.covered)
    demo = PAIRING(loaded, pairing_type="示范帮扶")
    joint = PAIRING(loaded, pairing_type="村企联建")
    assert m["示范帮扶结对"] == str(len(demo.edges))
    assert m["村企联建"] == str(len(joint.edges))
    # fixture: PO1 区级, PO3 镇街级, PO4 市级; six two-new party organisations (PO1-PO6)
    assert m["示范点"] == "3"
    assert m["两新党组织"] == "6"
    text = all_text(at)
    for name in ("中共永川区委", "区委两新工委", "中山路街道两新党委", "凤凰湖园区党工委"):
        assert name in text  # the four-level tree, its third level as (closed) expanders
    assert "甲机械公司党支部" not in text  # closed expanders are lazy: nothing inside is built
    at.session_state["tree_PC1"] = True  # open the park committee's expander
    at.run()
    no_exception(at)
    assert "甲机械公司党支部" in all_text(at)


def test_overview_reference_figures(loaded: Any) -> None:
    from queries.figures import FIGURES

    at = app(token("district"))
    res = FIGURES(loaded)
    table = next(d.value for d in at.dataframe if "图谱计算值" in d.value.columns)
    assert list(table["编号"]) == [f.id for f in res.figures]
    assert list(table["图谱计算值"]) == [f.value_text for f in res.figures]
    f14 = next(f for f in res.figures if f.id == "F14")
    assert metrics(at)["党建指导员"] == str(next(p.value for p in f14.parts if p.key == "instructors"))
    # The tiny fixture is not the article's district: no “原文” beside the cards.
    assert res.all_agree is False
    assert not any("原文" in c.value for c in at.caption)


def test_overview_for_a_town_user(loaded: Any) -> None:
    at = app(token("town", "T2"))
    no_exception(at)
    cov = queries.COVERAGE(loaded, queries.Scope("T2"))
    assert metrics(at)["非公经济组织覆盖率"] == pct(cov.nonpublic.rate)
    assert cov.nonpublic.rate != queries.COVERAGE(loaded).nonpublic.rate


# --- gaps --------------------------------------------------------------------------------------


def test_gaps_list_and_filters(loaded: Any) -> None:
    at = app(token("district"), "gaps")
    no_exception(at)
    res = queries.GAPS(loaded, limit=None)
    assert metrics(at)["未建党组织"] == str(res.total)
    table = at.dataframe[0].value
    assert list(table["统一社会信用代码"]) == [e.org.key for e in res.entries]
    assert list(table["建议方式"]) == [e.recommendation.formation for e in res.entries]

    at.selectbox(key="gaps_town").set_value("T2").run()
    no_exception(at)
    t2 = queries.GAPS(loaded, queries.Scope("T2"), limit=None)
    assert metrics(at)["未建党组织"] == str(t2.total)
    assert t2.total != res.total
    assert list(at.dataframe[0].value["统一社会信用代码"]) == [e.org.key for e in t2.entries]

    at.selectbox(key="gaps_town").set_value(None).run()
    at.number_input(key="gaps_min_emp").set_value(50).run()
    big = queries.GAPS(loaded, min_employees=50, limit=None)
    assert metrics(at)["未建党组织"] == str(big.total)
    assert big.total < res.total


def test_gaps_scatter_highlights_uncovered(loaded: Any) -> None:
    at = app(token("district"), "gaps")
    data = chart_data(at)  # the scatter (the only chart on the page)
    series = {s["name"]: [p["name"] for p in s["data"]] for s in data["options"]["series"]}
    assert "癸农业公司" in series["未建（当前清单）"]  # uncovered, has coordinates
    assert "甲机械公司" in series["已建党组织"]
    assert "tiles" not in str(data).lower() and "http" not in str(data)


# --- pairing -----------------------------------------------------------------------------------


def test_pairing_network_and_filters(loaded: Any) -> None:
    at = app(token("district"), "pairing")
    no_exception(at)
    net = PAIRING(loaded, pairing_type="示范帮扶")
    m = metrics(at)
    assert m["结对关系"] == str(len(net.edges))
    assert m["未结对示范点"] == str(len(net.unpaired_points))
    assert m["无人结对的未建组织"] == str(len(net.uncovered_unpaired))
    drawn = chart_data(at)["options"]["series"][0]
    lonely = {u.id for u in net.unpaired_points}
    assert lonely  # the fixture has a demonstration point without partners (PO3)
    graph_ids = [n["id"] for n in drawn["data"] if not n["id"].startswith("title:")]
    assert sorted(graph_ids) == sorted(n.id for n in net.nodes if n.id not in lonely)
    assert len(drawn["links"]) == len(net.edges)
    _grouped_by_town(drawn["data"], net)
    at.toggle(key="pair_lonely").set_value(True).run()  # isolated ones only when asked
    drawn = chart_data(at)["options"]["series"][0]
    assert lonely <= {n["id"] for n in drawn["data"]}
    at.toggle(key="pair_lonely").set_value(False).run()

    at.selectbox(key="pair_tier").set_value("市级").run()
    no_exception(at)
    city = PAIRING(loaded, pairing_type="示范帮扶", tier="市级")
    assert metrics(at)["结对关系"] == str(len(city.edges)) != m["结对关系"]

    at.button_group(key="pair_type").set_value("村企联建").run()
    no_exception(at)
    joint = PAIRING(loaded, pairing_type="村企联建")
    assert metrics(at)["联建关系"] == str(len(joint.edges))
    assert metrics(at)["无联建的村社区"] == str(len(joint.unpaired_points))


def _grouped_by_town(data: list[dict[str, Any]], net: Any) -> None:
    """The district view: one title per town, each town's nodes in a box of their own below it."""
    town_of = {n.id: n.node.town_code or "" for n in net.nodes}
    titles = {n["id"].removeprefix("title:"): n for n in data if n["id"].startswith("title:")}
    boxes: dict[str, list[float]] = {}
    for n in data:
        if n["id"] in town_of:
            t = town_of[n["id"]]
            b = boxes.setdefault(t, [n["x"], n["y"], n["x"], n["y"]])
            boxes[t] = [min(b[0], n["x"]), min(b[1], n["y"]), max(b[2], n["x"]), max(b[3], n["y"])]
    assert set(titles) == set(boxes) and len(boxes) > 1
    for t, (x0, y0, x1, y1) in boxes.items():
        assert titles[t]["y"] < y0 and titles[t]["x"] <= x0  # the title heads its town
        for u, (a0, b0, a1, b1) in boxes.items():
            if u != t:
                assert x1 < a0 or a1 < x0 or y1 < b0 or b1 < y0, (t, u)  # towns never overlap
    xs = [n["x"] for n in data]
    ys = [n["y"] for n in data]
    assert (max(xs) - min(xs)) > (max(ys) - min(ys))  # wider than tall: it fills the page's width


def test_pairing_picker_follows_the_network(loaded: Any) -> None:
    at = app(token("district"), "pairing")
    at.selectbox(key="pair_node").set_value("PartyOrg:PO4").run()
    assert at.selectbox(key="pair_node").value == "PartyOrg:PO4"
    at.button_group(key="pair_type").set_value("村企联建").run()
    no_exception(at)
    assert at.selectbox(key="pair_node").value is None  # not a stale node of the other network
    joint = PAIRING(loaded, pairing_type="村企联建")
    shown = {n.id for n in joint.nodes} - {u.id for u in joint.unpaired_points}
    assert set(at.selectbox(key="pair_node").options) == {
        f"{n.node.name}（{'组织' if n.node.label == 'Organization' else '村社区'}）"
        for n in joint.nodes
        if n.id in shown
    }
    at.selectbox(key="pair_node").set_value("Organization:O09").run()
    at.button_group(key="pair_type").set_value("示范帮扶").run()
    assert at.selectbox(key="pair_node").value is None
    # a town's own view is packed without town titles
    at.selectbox(key="pair_town").set_value("T2").run()
    no_exception(at)
    assert not [n for n in chart_data(at)["options"]["series"][0]["data"] if n["id"].startswith("title:")]


def test_pairing_node_details_and_neighbours(loaded: Any) -> None:
    at = app(token("district"), "pairing")
    at.selectbox(key="pair_node").set_value("PartyOrg:PO4").run()
    no_exception(at)
    text = all_text(at)
    assert "辛建设集团党委" in text
    neighbours = at.dataframe[0].value  # the details panel's partner table comes first
    assert set(neighbours["编码"]) == {"PO5", "O13"}


# --- membership --------------------------------------------------------------------------------


def test_membership_search_and_chains(loaded: Any) -> None:
    at = app(token("district"), "membership")
    no_exception(at)
    at.text_input(key="mem_q").input("孙三").run()
    no_exception(at)
    assert at.selectbox(key="mem_pick").value == "M03"
    r = MEMBERSHIP(loaded, member_id="M03")
    text = all_text(at)
    for step in r.relationship_chain + r.activity_chain:
        assert step.node.name in text
    assert any("活动地与所在镇街不一致" in w.value for w in at.warning)
    from graph.audit import read_audit

    assert any(e["action"] == "dashboard.membership" and e["member"] == "M03" for e in read_audit())


def test_membership_inconsistency_list_and_filter(loaded: Any) -> None:
    at = app(token("district"), "membership")
    res = INCONSISTENCIES(loaded)
    assert metrics(at)["不一致合计"] == str(res.total)
    at.selectbox(key="inc_code").set_value("flagged_without_relationship").run()
    no_exception(at)
    one = INCONSISTENCIES(loaded, code="flagged_without_relationship")
    assert metrics(at)["不一致合计"] == str(one.total) != str(res.total)
    table = at.dataframe[-1].value
    assert sorted(table["党员编号"]) == sorted(i.member.key for i in one.items)


# --- paths, centrality, entity -------------------------------------------------------------------


def test_path_between_two_entities(loaded: Any) -> None:
    at = app(token("district"), "paths")
    at.text_input(key="path_src_q").input("甲机械公司").run()
    at.selectbox(key="path_src_pick").set_value("Organization:O01").run()
    at.text_input(key="path_dst_q").input("乙电子公司").run()
    at.selectbox(key="path_dst_pick").set_value("Organization:O02").run()
    no_exception(at)
    r = PATH(loaded, source="Organization:O01", target="Organization:O02")
    assert r.found and not r.through_hubs
    assert metrics(at)["最短路径长度"] == f"{r.length} 步"
    shown = [m.value for m in at.markdown]
    assert all(any(p.sentence_zh in v for v in shown) for p in r.paths)
    assert [b for b in at.get("download_button") if "导出路径（Excel，可直接打印）" in b.proto.label]
    # the type filter (Chinese labels) and k: the example sentence of issue 15, two paths
    at.multiselect(key="path_types").set_value(["WORKS_AT", "RELATIONSHIP_IN", "PAIRED_WITH"]).run()
    at.number_input(key="path_k").set_value(2).run()
    no_exception(at)
    said = [m.value for m in at.markdown if m.value.startswith("**路径 ")]
    assert len(said) == 2 and "甲机械公司的党员赵*，组织关系在甲机械公司党支部" in said[0]
    # only through the hubs: said so, one path offered; with the switch on, no such note
    at.multiselect(key="path_types").set_value(["COVERS", "REPORTS_TO"]).run()
    at.text_input(key="path_dst_q").input("区委两新工委").run()
    at.selectbox(key="path_dst_pick").set_value("PartyOrg:D1").run()
    no_exception(at)
    assert any("没有不经过枢纽的路径" in i.value for i in at.info)
    assert len([m for m in at.markdown if m.value.startswith("**路径 ")]) == 1
    at.toggle(key="path_hubs").set_value(True).run()
    no_exception(at)
    assert not any("没有不经过枢纽的路径" in i.value for i in at.info)


def test_centrality_rankings_and_network_switch(loaded: Any) -> None:
    from queries.centrality import CENTRALITY, CentralityParams
    from queries.impact import IMPACT, ImpactParams

    at = app(token("district"), "centrality")
    no_exception(at)
    # the default view: demonstration points ranked by impact, with the sentence
    rk = IMPACT(loaded, queries.Scope(), ImpactParams(rank="demo_point")).ranking
    first = at.dataframe[0].value
    assert list(first["编码"]) == [i.entity.node.key for i in rk.items]
    assert list(first["影响"]) == [i.sentence_zh for i in rk.items]
    at.selectbox(key="imp_kind").set_value("instructor").run()
    no_exception(at)
    ins = IMPACT(loaded, queries.Scope(), ImpactParams(rank="instructor")).ranking
    assert list(at.dataframe[0].value["编码"]) == [i.entity.node.key for i in ins.items]
    # where the networks break: consequences, not bare scores
    r = CENTRALITY(loaded, queries.Scope(), CentralityParams(network="organisation", cuts=50))
    m = metrics(at)
    assert m["节点"] == str(r.node_count)
    assert m["关键节点"] == str(r.cut_points_total)
    assert any(
        c.sentence_zh in " ".join(map(str, d.value["后果"])) for d in at.dataframe[1:2] for c in r.cut_points
    )
    at.selectbox(key="cen_net").set_value("pairing").run()
    no_exception(at)
    p = CENTRALITY(loaded, queries.Scope(), CentralityParams(network="pairing"))
    assert metrics(at)["节点"] == str(p.node_count) != m["节点"]
    assert "末梢" in all_text(at)
    at.selectbox(key="cen_metric").set_value("betweenness").run()
    no_exception(at)
    assert "中介中心性：" in all_text(at)


def test_entity_page_search_and_details(loaded: Any) -> None:
    at = app(token("district"), "entity")
    at.text_input(key="ent_q").input("辛建设集团").run()
    at.selectbox(key="ent_pick").set_value("Organization:O09").run()
    no_exception(at)
    assert metrics(at)["从业人员"] == "610"
    assert metrics(at)["党组织覆盖"] == "已覆盖"
    assert "辛建设集团党委" in all_text(at)


def test_entity_page_member_and_village(loaded: Any) -> None:
    """A member's and a village's page show their own details, chains and neighbours (issue 15)."""
    from queries.entities import MEMBER, VILLAGE

    at = app(token("district"), "entity")
    at.text_input(key="ent_q").input("M03").run()
    at.selectbox(key="ent_pick").set_value("Member:M03").run()
    no_exception(at)
    d = MEMBER(loaded, member_id="M03")
    text = all_text(at)
    assert metrics(at)["党员类别"] == d.properties["member_type"]
    assert d.properties["id_masked"] in text and d.properties["phone_masked"] in text
    assert not any("_hash" in k for k in d.properties)  # never on the page
    # relationship chain up to the top, the activity chain, and the inconsistency the member carries
    chain = " → ".join(
        x.name or x.key for x in [d.member, *(s.node for s in d.membership.relationship_chain)]
    )
    assert chain in text and "中共永川区委" in chain
    assert d.activity_org is not None and d.activity_org.name in text
    assert [w.value for w in at.warning] == [i.message for i in d.membership.inconsistencies] != []
    assert "周边关系" in text  # the neighbourhood drawing and table
    at.text_input(key="ent_q").input("V1").run()
    at.selectbox(key="ent_pick").set_value("Village:V1").run()
    no_exception(at)
    v = VILLAGE(loaded, code="V1")
    assert metrics(at)["联建组织"] == str(len(v.joint_builders)) == "2"
    frame = next(f.value for f in at.dataframe if "组织的党组织" in f.value.columns)
    assert list(frame["编码"]) == [j.org.key for j in v.joint_builders]
    assert "辛建设集团党委" in " ".join(frame["组织的党组织"])
    assert "青峰镇两新党委" in all_text(at)


# --- scoping -------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", [p for p in PAGES if p != "import"])
def test_town_user_sees_no_other_town(loaded: Any, page: str) -> None:
    at = app(token("town", "T1"), page)
    no_exception(at)
    # Inputs that would reach other towns' entities if the scope leaked.
    if page == "membership":
        at.text_input(key="mem_q").input("蒋").run()
    elif page == "entity":
        at.text_input(key="ent_q").input("辛").run()
    elif page == "paths":
        at.text_input(key="path_src_q").input("甲机械").run()
        at.text_input(key="path_dst_q").input("辛建设").run()
    elif page == "pairing":
        at.button_group(key="pair_type").set_value("村企联建").run()
    no_exception(at)
    text = all_text(at)
    leaked = [n for n in OTHER_TOWNS if n in text]
    assert not leaked, f"{page}: {leaked}"


def test_town_user_has_no_town_filter(loaded: Any) -> None:
    at = app(token("town", "T1"), "gaps")
    assert "gaps_town" not in [s.key for s in at.selectbox]
    assert metrics(at)["未建党组织"] == str(queries.GAPS(loaded, queries.Scope("T1")).total)


# --- the admin-only import page -------------------------------------------------------------------


@pytest.mark.parametrize("role,town", [("district", None), ("town", "T1")])
def test_non_admin_cannot_open_import(loaded: Any, role: str, town: str | None) -> None:
    tok = token(role, town)
    at = app(tok)
    assert "数据导入" not in all_text(at)  # not in the navigation either
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGES["import"])
    # Even run directly (bypassing the navigation), the page refuses a non-admin.
    direct = AppTest.from_file(str(Path(APP).parent / PAGES["import"]), default_timeout=60)
    direct.session_state["og_principal"] = TokenStore().verify(tok)
    direct.run()
    assert any("只有管理员" in e.value for e in direct.error)
    assert not direct.get("file_uploader")


def test_admin_opens_import(loaded: Any) -> None:
    at = app(token("admin"), "import")
    no_exception(at)
    assert "数据导入" in all_text(at)
    assert at.get("file_uploader")
