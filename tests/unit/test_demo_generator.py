"""The demo district generator: FACTS.md figures, determinism, scale, identifiers, references.

``figures_from_workbook`` recomputes the figures with pandas straight from the rows written
(following FACTS.md's definitions and ROSTER.md's reading rules), not from the generator's
constants, so it checks the design rather than restating it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from graph.identifiers import is_valid_uscc, ric_problem
from graph.loaders import demo
from graph.loaders.demo import SHEETS, generate

NONPUBLIC = {"非公企业", "专业市场"}
SOCIAL = {"社会组织", "行业协会", "商会"}
TWO_NEW_KINDS = {"组织党组织", "协会党组织"}
TWO_NEW_LEVELS = {"党委", "党总支", "党支部"}
STRUCTURE_KINDS = {"镇街两新党委", "园区党工委", "非公有制经济组织党委"}
POSTS = {"书记", "副书记", "委员"}
_LIST_SPLIT = re.compile(r"[;,、\s]+")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def _items(cell: str) -> list[str]:
    """ROSTER reading rule 3: split a list cell, drop empties, keep repeats once."""
    return list(dict.fromkeys(x for x in _LIST_SPLIT.split(cell) if x))


def read_sheets(path: Path) -> dict[str, pd.DataFrame]:
    if path.is_dir():
        return {
            p.stem: pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            for p in sorted(path.glob("*.csv"))
        }
    return pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False, engine="calamine")


def _pct(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else 0.0


def figures_from_workbook(path: Path) -> dict[str, object]:
    """FACTS.md's graph figures, computed from the workbook's rows."""
    s = read_sheets(Path(path))
    orgs, party, members = s["组织"], s["党组织"], s["党员"]
    inst, pairs, helps = s["党建指导员"], s["结对"], s["帮建"]

    covers: dict[str, list[str]] = {
        code: _items(cell) for code, cell in zip(party["党组织编码"], party["覆盖组织信用代码"], strict=True)
    }
    covered = {u for us in covers.values() for u in us}
    kind = dict(zip(party["党组织编码"], party["类型"], strict=True))
    tier = dict(zip(party["党组织编码"], party["示范等级"], strict=True))
    live = orgs[orgs["经营状态"] != "注销"]
    is_cov = live["统一社会信用代码"].isin(covered)
    np_mask = live["组织类别"].isin(NONPUBLIC)
    soc_mask = live["组织类别"].isin(SOCIAL)
    f: dict[str, object] = {}

    f["F1"] = int((party["类型"] == "镇街两新党委").sum())
    f["F1_towns"] = party.loc[party["类型"] == "镇街两新党委", "所在镇街编码"].nunique()
    park_committees = party[(party["类型"] == "园区党工委") & (party["所在园区编码"] != "")]
    f["F2"] = int(s["园区"]["园区编码"].isin(park_committees["所在园区编码"]).sum())

    in_park = party["所在园区编码"] != ""
    f["F3_branches"] = int((in_park & (party["层级"] == "党支部") & (party["类型"] == "组织党组织")).sum())
    f["F3_groups"] = int((in_park & (party["类型"] == "项目党小组")).sum())
    park_orgs = live[live["所在园区编码"] != ""]
    f["F3_coverage"] = _pct(int(park_orgs["统一社会信用代码"].isin(covered).sum()), len(park_orgs))

    wc = party.loc[party["类型"] == "区委两新工委", "党组织编码"]
    direct = party[party["上级党组织编码"].isin(wc) & ~party["类型"].isin(STRUCTURE_KINDS)]
    f["F4"] = len(direct)
    f["F4_names"] = set(direct["党组织名称"])

    for name in ("市级", "区级", "镇街级"):
        f[f"F5_{name}"] = int((party["示范等级"] == name).sum())
    f["F5"] = int((party["示范等级"] != "").sum())

    demo_pairs = pairs[pairs["结对类型"] == "示范帮扶"]
    targets = set(demo_pairs["对象编码"])
    f["F6_party"] = sum(1 for t in targets if t in kind and not tier[t])
    org_targets = targets & set(orgs["统一社会信用代码"])
    f["F6_orgs"] = len(org_targets - covered)
    f["F6_covered_org_targets"] = len(org_targets & covered)

    f["F8"] = int((np_mask & ~is_cov).sum())
    f["F9"] = int(members["身份标记"].isin({"流动党员", "隐性党员"}).sum())
    helped = helps["帮建对象信用代码"]
    f["F10"] = helped[helped.isin(orgs["统一社会信用代码"])].nunique()

    f11 = party[party["类型"].isin(TWO_NEW_KINDS) & party["层级"].isin(TWO_NEW_LEVELS)]
    f11_codes = set(f11["党组织编码"])
    f["F11"] = len(f11)
    f["F11_non_demo_unpaired"] = len({c for c in f11_codes if not tier[c]} - targets)

    f["F12"] = _pct(int((np_mask & is_cov).sum()), int(np_mask.sum()))
    f["F13"] = _pct(int((soc_mask & is_cov).sum()), int(soc_mask.sum()))

    f["F14"] = len(inst)
    reach = set(covered)
    for cell in inst["派驻对象"]:
        for t in _items(cell):
            reach.add(t)
            reach.update(covers.get(t, ()))
    scope = live[np_mask | soc_mask]
    f["F14_coverage"] = _pct(int(scope["统一社会信用代码"].isin(reach).sum()), len(scope))

    posts = members[members["党内职务"].isin(POSTS) & members["组织关系所在党组织编码"].isin(f11_codes)]
    f["F15"] = len(posts)
    f["F15_cross"] = _pct(int((posts["交叉任职"] == "是").sum()), len(posts))
    rel_kind = members["组织关系所在党组织编码"].map(kind)
    f["F16_assoc_secretaries"] = int(((members["党内职务"] == "书记") & (rel_kind == "协会党组织")).sum())
    f["F16_owners"] = int(((members["是否业主"] == "是") & (members["党内职务"] != "")).sum())

    joint = pairs[pairs["结对类型"] == "村企联建"]
    above = dict(zip(orgs["统一社会信用代码"], orgs["是否规上"], strict=True))
    f["F17_orgs"] = joint["发起方编码"].nunique()
    f["F17_villages"] = joint["对象编码"].nunique()
    f["F17_all_above"] = all(above.get(u) == "是" for u in joint["发起方编码"])

    def company(org_name: str) -> dict[str, object]:
        org = orgs[orgs["组织名称"] == org_name].iloc[0]
        top = party[
            (party["类型"] == "组织党组织")
            & party["层级"].isin({"党委", "党总支"})
            & (party["覆盖组织信用代码"].map(_items).map(lambda us: org["统一社会信用代码"] in us))
            & (party["上级党组织编码"].map(kind) != "组织党组织")
        ].iloc[0]
        branches = party[(party["上级党组织编码"] == top["党组织编码"]) & (party["层级"] == "党支部")]
        mem = members[members["组织关系所在党组织编码"].isin({top["党组织编码"], *branches["党组织编码"]})]
        return {
            "employees": int(org["从业人员数"]),
            "top_name": top["党组织名称"],
            "founded": top["成立日期"],
            "branches": len(branches),
            "branch_names": list(branches["党组织名称"]),
            "members": len(mem),
            "management": int((mem["管理岗位"] == "是").sum()),
            "titled": int((mem["专业技术职称"] != "").sum()),
            "subsidiaries": int((orgs["上级单位信用代码"] == org["统一社会信用代码"]).sum()),
        }

    f["F20"] = company("永川区箕山电煤有限责任公司")
    f["F21"] = company("永川区通达运输有限责任公司")
    f["F22"] = company("重庆渝永建设(集团)有限公司")["subsidiaries"]
    f["xiakun_tier"] = tier[
        party.loc[party["党组织名称"] == "重庆市厦坤建设(集团)有限公司党委", "党组织编码"].iloc[0]
    ]
    return f


# FACTS.md's agreement rule.
def plain(n: object) -> Callable[[object], bool]:
    return lambda x: x == n


def plus(n: int) -> Callable[[object], bool]:
    step = 10 ** (len(str(n)) - 1)
    return lambda x: isinstance(x, int) and n <= x < n + step


def pct(value: float, decimals: int) -> Callable[[object], bool]:
    return lambda x: isinstance(x, float) and round(x, decimals) == value


EXPECTED: dict[str, Callable[[object], bool]] = {
    "F1": plain(23),
    "F1_towns": plain(23),
    "F2": plain(3),
    "F3_branches": plain(27),
    "F3_groups": plain(17),
    "F3_coverage": pct(100, 0),
    "F4": plain(12),
    "F5": plain(207),
    "F5_市级": plain(12),
    "F5_区级": plain(57),
    "F5_镇街级": plain(138),
    "F6_party": plain(168),
    "F6_orgs": plain(157),
    "F6_covered_org_targets": plain(0),
    "F8": plus(500),
    "F9": plain(167),
    "F10": plus(100),
    "F11": plain(375),
    "F11_non_demo_unpaired": plain(0),
    "F12": pct(72.52, 2),
    "F13": pct(50, 0),
    "F14": plain(290),
    "F14_coverage": pct(100, 0),
    "F15": plus(420),
    "F15_cross": pct(82.7, 1),
    "F16_assoc_secretaries": plain(23),
    "F16_owners": plain(73),
    "F17_orgs": plain(129),
    "F17_villages": plain(173),
    "F17_all_above": plain(True),
    "F22": plain(6),
    "xiakun_tier": plain("市级"),
}


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("demo") / "demo.xlsx")


@pytest.fixture(scope="module")
def sheets(workbook: Path) -> dict[str, pd.DataFrame]:
    return read_sheets(workbook)


def _check_figures(fig: dict[str, object]) -> None:
    wrong = {k: fig[k] for k, ok in EXPECTED.items() if not ok(fig[k])}
    assert not wrong, wrong
    assert "渝西矿业集团党委" in fig["F4_names"]  # type: ignore[operator]
    jishan, tongda = fig["F20"], fig["F21"]
    assert isinstance(jishan, dict) and isinstance(tongda, dict)
    assert (jishan["employees"], jishan["branches"], jishan["members"]) == (610, 5, 105)
    assert (jishan["management"], jishan["titled"]) == (38, 16)
    assert round(100 * 38 / 105, 2) == 36.19 and round(100 * 16 / 105, 2) == 15.24
    assert str(jishan["founded"]).startswith("1976")
    assert (tongda["branches"], tongda["members"]) == (5, 100)
    assert sorted(n[-5:-3] for n in tongda["branch_names"]) == sorted(
        ["机关", "客出", "物业", "装卸", "退休"]
    )


def test_every_facts_figure_agrees(workbook: Path) -> None:
    _check_figures(figures_from_workbook(workbook))


@pytest.mark.parametrize("seed", [7, 123456])
def test_figures_hold_for_other_seeds(tmp_path: Path, seed: int) -> None:
    _check_figures(figures_from_workbook(generate(tmp_path / "d.xlsx", seed=seed)))


def test_layout_follows_roster(sheets: dict[str, pd.DataFrame]) -> None:
    assert list(sheets) == [demo.NOTE_SHEET, *SHEETS]
    for name, header in SHEETS.items():
        assert tuple(sheets[name].columns) == header, name
    assert demo.SYNTHETIC_MARK in sheets[demo.NOTE_SHEET].columns[0]


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path) -> None:
    a = generate(tmp_path / "a.xlsx").read_bytes()
    b = generate(tmp_path / "b.xlsx").read_bytes()
    c = generate(tmp_path / "c.xlsx", seed=2012).read_bytes()
    assert a == b
    assert a != c
    assert (
        read_sheets(tmp_path / "a.xlsx")["组织"]["组织名称"].tolist()
        != read_sheets(tmp_path / "c.xlsx")["组织"]["组织名称"].tolist()
    )


def test_identifiers_are_valid(sheets: dict[str, pd.DataFrame]) -> None:
    usccs = sheets["组织"]["统一社会信用代码"]
    assert usccs.map(is_valid_uscc).all()
    assert usccs.is_unique
    ids = sheets["党员"]["身份证号"]
    assert ids.map(lambda x: ric_problem(x) is None).all()
    assert ids.str.startswith("500118").all() and ids.is_unique
    phones = pd.concat([sheets["党员"]["手机号"], sheets["党建指导员"]["手机号"]])
    assert phones.map(lambda x: bool(_MOBILE.match(x))).all()


def _check_references(s: dict[str, pd.DataFrame]) -> None:
    towns = set(s["镇街"]["镇街编码"])
    parks = set(s["园区"]["园区编码"])
    villages = set(s["村社区"]["村编码"])
    orgs, party, members = s["组织"], s["党组织"], s["党员"]
    usccs = set(orgs["统一社会信用代码"])
    codes = set(party["党组织编码"])
    member_ids, inst_ids = set(members["党员编号"]), set(s["党建指导员"]["指导员编号"])
    for df, key in (
        (s["镇街"], "镇街编码"),
        (s["园区"], "园区编码"),
        (s["村社区"], "村编码"),
        (orgs, "统一社会信用代码"),
        (party, "党组织编码"),
        (members, "党员编号"),
        (s["党建指导员"], "指导员编号"),
    ):
        assert df[key].is_unique, key
    assert not (usccs & codes) and not (member_ids & inst_ids)

    def within(values: pd.Series, allowed: set[str]) -> bool:
        return bool(values[values != ""].isin(allowed).all())

    assert within(s["园区"]["所在镇街编码"], towns) and within(s["村社区"]["所在镇街编码"], towns)
    assert within(orgs["所在镇街编码"], towns) and (orgs["所在镇街编码"] != "").all()
    assert within(orgs["所在园区编码"], parks) and within(orgs["上级单位信用代码"], usccs)
    assoc = set(orgs.loc[orgs["组织类别"].isin({"行业协会", "商会", "专业市场"}), "统一社会信用代码"])
    assert within(orgs["所属协会信用代码"], assoc)
    lon, lat = orgs["经度"], orgs["纬度"]
    assert ((lon == "") == (lat == "")).all()
    assert lon[lon != ""].astype(float).between(105.5, 106.4).all()
    assert lat[lat != ""].astype(float).between(28.9, 29.8).all()

    tops = party[party["上级党组织编码"] == ""]
    assert list(tops["类型"]) == ["区委"] * len(tops)
    assert within(party["上级党组织编码"], codes) and within(party["所在镇街编码"], towns)
    assert within(party["所在园区编码"], parks)
    assert all(u in usccs for cell in party["覆盖组织信用代码"] for u in _items(cell))
    assert party["成立日期"].map(lambda d: d == "" or re.fullmatch(r"\d{4}-\d\d-\d\d", d) is not None).all()
    # Every party organisation is in a town, directly or through what it covers (or is district level).
    for _, p in party.iterrows():
        if p["所在镇街编码"] == "" and p["类型"] in TWO_NEW_KINDS:
            cov_towns = set(
                orgs.loc[orgs["统一社会信用代码"].isin(_items(p["覆盖组织信用代码"])), "所在镇街编码"]
            )
            assert len(cov_towns) == 1, p["党组织编码"]

    assert within(members["组织关系所在党组织编码"], codes) and within(members["活动所在党组织编码"], codes)
    assert within(members["工作单位信用代码"], usccs)
    no_rel = members[members["组织关系所在党组织编码"] == ""]
    assert no_rel["身份标记"].isin({"流动党员", "隐性党员"}).all()
    for cell in s["党建指导员"]["派驻对象"]:
        assert all((t in usccs) != (t in codes) for t in _items(cell))

    tier = dict(zip(party["党组织编码"], party["示范等级"], strict=True))
    covered = {u for cell in party["覆盖组织信用代码"] for u in _items(cell)}
    pairs = s["结对"]
    dp = pairs[pairs["结对类型"] == "示范帮扶"]
    assert dp["发起方编码"].map(lambda c: bool(tier.get(c))).all()
    assert all((t in codes) or (t in usccs and t not in covered) for t in dp["对象编码"])
    jp = pairs[pairs["结对类型"] == "村企联建"]
    assert within(jp["发起方编码"], usccs) and within(jp["对象编码"], villages)
    assert set(pairs["结对类型"]) == {"示范帮扶", "村企联建"}
    helpers = member_ids | inst_ids
    for df, target in ((s["帮建"], "帮建对象信用代码"), (s["联系记录"], "对象信用代码")):
        assert within(df["帮建人编号"], helpers) and within(df[target], usccs)
    dates = s["联系记录"]["日期"]
    assert dates.str.fullmatch(r"2011-\d\d-\d\d").all()
    assert set(s["联系记录"]["方式"]) <= {"电话", "走访", "业主面谈", "发展党员", "建立党组织"}
    assert set(s["帮建"]["状态"]) <= {"进行中", "已建立", "暂停"}


def test_every_reference_resolves(sheets: dict[str, pd.DataFrame]) -> None:
    _check_references(sheets)


def test_no_duplicate_rows_or_pairs(sheets: dict[str, pd.DataFrame]) -> None:
    # Keyless sheets are identified by all their columns (ROSTER rule 10): no accidental repeats.
    for name in SHEETS:
        assert not sheets[name].duplicated().any(), name
    assert not sheets["结对"][["结对类型", "发起方编码", "对象编码"]].duplicated().any()
    assert not sheets["帮建"][["帮建人编号", "帮建对象信用代码"]].duplicated().any()


def test_vocabularies(sheets: dict[str, pd.DataFrame]) -> None:
    from graph import model

    orgs, party, members = sheets["组织"], sheets["党组织"], sheets["党员"]
    assert set(orgs["组织类别"]) == set(model.ORG_CATEGORIES)
    assert set(orgs["经营状态"]) == set(model.ORG_STATUSES)
    assert set(party["层级"]) <= set(model.PARTY_LEVELS)
    assert set(party["类型"]) == set(model.PARTY_KINDS)
    assert set(party["组建方式"]) - {""} == set(model.FORMATIONS)
    assert set(party["示范等级"]) - {""} == set(model.DEMO_TIERS)
    assert set(members["党员类型"]) == set(model.MEMBER_TYPES)
    assert set(members["身份标记"]) - {""} == set(model.MEMBER_FLAGS)
    assert set(members["党内职务"]) - {""} == set(model.POSTS)
    assert orgs["从业人员数"].str.fullmatch(r"\d+").all()
    # A few seeded inconsistencies for the membership checks, not many.
    committees = dict(zip(party["党组织编码"], party["所在镇街编码"], strict=True))
    town = dict(zip(orgs["统一社会信用代码"], orgs["所在镇街编码"], strict=True))
    act = members[(members["活动所在党组织编码"] != "") & (members["工作单位信用代码"] != "")]
    elsewhere = act[act["活动所在党组织编码"].map(committees) != act["工作单位信用代码"].map(town)]
    assert 1 <= len(elsewhere) <= 10


def test_scale_two_doubles_with_distinct_keys(tmp_path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    two = read_sheets(generate(tmp_path / "two.xlsx", scale=2))
    for name in SHEETS:
        assert len(two[name]) == 2 * len(sheets[name]), name
    _check_references(two)
    assert two["组织"]["统一社会信用代码"].map(is_valid_uscc).all()
    assert two["党员"]["身份证号"].is_unique
    names = two["镇街"]["镇街名称"]
    assert "青峰镇" in set(names) and "青峰镇·2" in set(names)
    fig = figures_from_workbook(tmp_path / "two.xlsx")
    assert (fig["F1"], fig["F11"], fig["F9"]) == (46, 750, 334)
    assert EXPECTED["F12"](fig["F12"]) and EXPECTED["F15_cross"](fig["F15_cross"])


def test_csv_folder_when_not_xlsx(tmp_path: Path, workbook: Path) -> None:
    folder = generate(tmp_path / "demo-csv")
    assert folder == tmp_path / "demo-csv" and folder.is_dir()
    for name in SHEETS:
        raw = (folder / f"{name}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf" + ",".join(SHEETS[name]).encode())
    assert figures_from_workbook(folder) == figures_from_workbook(workbook)


def test_csv_when_a_sheet_exceeds_excel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "EXCEL_MAX_ROWS", 10_000)  # 联系记录 passes this at scale 2
    out = generate(tmp_path / "big.xlsx", scale=2)
    assert out == tmp_path / "big" and (out / "联系记录.csv").is_file()
    assert not (tmp_path / "big.xlsx").exists()


def test_rejects_bad_scale(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate(tmp_path / "x.xlsx", scale=0)


@pytest.mark.slow
def test_scale_forty_csv(tmp_path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    folder = generate(tmp_path / "forty", scale=40)
    for name in SHEETS:
        with open(folder / f"{name}.csv", encoding="utf-8-sig") as fh:
            assert sum(1 for _ in fh) - 1 == 40 * len(sheets[name]), name
