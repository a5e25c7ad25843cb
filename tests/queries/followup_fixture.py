"""A hand-made roster for the follow-up questions (issue 17), loaded through the loader.

Every expected value in tests/queries/test_followup.py is worked out by hand from this table.
As-of 2011-12-31 is a Saturday; ISO week 52 of 2011 runs Mon 12-26 .. Sun 2012-01-01.

Help-build pairs (帮建) and contacts (联系记录)
=====  ====  ======  ==========  ============================================================
pair   town  status  since       contacts
=====  ====  ======  ==========  ============================================================
H1->A  T1    进行中  2011-06-01  calls: the Saturday of ISO weeks 40..51 except 45 (W51: 12-24,
                     (+ a 2nd    exactly 7 days before 12-31); visits 07-31 (last day of July),
                     row 08-01)  09-30, 10-31, 11-30 and 2012-01-05 (after the as-of date);
                                 owner 09-30, 12-31; 发展党员 02-10
H1->B  T1    进行中  2011-10-15  visit 12-01 only (week 41 and Q4 start before 10-15)
H2->C  T2    进行中  (none)      calls: Monday of weeks 40..52; visits the 15th of Jul..Dec;
                                 owner 02-10, 05-10, 08-10, 11-10; 发展党员 05-05
H2->D  T1    暂停    2011-01-01  建立党组织 03-03 (D counts for H2's yearly rule)
H3->E  T2    进行中  2011-01-01  none (H3 is a member)
H4->F  T2    进行中  (none)      none
=====  ====  ======  ==========  ============================================================

To-do material: G (T1, uncovered) has 3 full members; H (uncovered) 2 full + 1 probationary;
W is 注销 with 3 full members. J (联合建) covers K (core, listed first though its code sorts
last), L, M with 3 / 3 / 2 full members; X1 (1+X) covers N (core, 1) and P (4); Y (挂靠建)
covers Q and R (3). BR1 (协会党组织 branch) covers the association U and has 2 full members
(u1, mm1) and 1 probationary; BR2 (T2) is a branch with nobody. Z is a 党总支 with nobody.
DP (市级 demonstration point) covers S and pairs with J and G. Terms: J 2011-12-01 (ended),
DP 2011-12-31, X1 2012-06-30, BR1 2012-07-01. Instructor H4 has 6 assignments, H1 5.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from graph.loaders.spec import SHEET_BY_NAME
from tests.loaders.workbooks import uscc, write_xlsx

ORGS = ["A", "B", "C", "D", "E", "F", "G", "H", "K", "L", "M", "N", "P", "Q", "R", "S", "U", "W"]
# K sorts after L and M on purpose: the core unit comes from the column's order, not the key.
_NUM = {o: i for i, o in enumerate(ORGS, start=1)}
_NUM["K"] = 99
USCC = {o: uscc(_NUM[o]) for o in ORGS}
TOWN = {o: "T2" if o in ("C", "E", "F") else "T1" for o in ORGS}


def _header(sheet: str) -> list[str]:
    return [c.header for c in SHEET_BY_NAME[sheet].columns]


def _row(sheet: str, **values: Any) -> list[Any]:
    cols = SHEET_BY_NAME[sheet].columns
    unknown = set(values) - {c.key for c in cols}
    assert not unknown, unknown
    return [values.get(c.key) for c in cols]


def _week_day(week: int, weekday: int) -> dt.date:
    return dt.date.fromisocalendar(2011, week, weekday)


def sheets() -> dict[str, list[list[Any]]]:
    towns = [
        _header("镇街"),
        _row("镇街", town_code="T1", town_name="一镇"),
        _row("镇街", town_code="T2", town_name="二镇"),
    ]
    orgs = [_header("组织")]
    for o in ORGS:
        orgs.append(
            _row(
                "组织",
                uscc=USCC[o],
                org_name=f"{o}公司" if o != "U" else "U行业协会",
                org_category="行业协会" if o == "U" else "非公企业",
                town_code=TOWN[o],
                status="注销" if o == "W" else None,
            )
        )

    def po(code: str, level: str, kind: str, parent: str | None, town: str | None, **kw: Any) -> list[Any]:
        return _row(
            "党组织",
            party_org_code=code,
            party_org_name=f"{code}党组织",
            level=level,
            kind=kind,
            parent_code=parent,
            town_code=town,
            **kw,
        )

    def covers(*orgs: str) -> str:
        return ";".join(USCC[o] for o in orgs)

    parties = [
        _header("党组织"),
        po("D0", "党委", "区委", None, None),
        po("D1", "党工委", "区委两新工委", "D0", None),
        po("TC1", "党委", "镇街两新党委", "D1", "T1"),
        po("TC2", "党委", "镇街两新党委", "D1", "T2"),
        po(
            "DP",
            "党支部",
            "组织党组织",
            "TC1",
            "T1",
            formation="单独建",
            covers=covers("S"),
            demo_tier="市级",
            term_ends="2011-12-31",
        ),
        po(
            "J",
            "党支部",
            "组织党组织",
            "TC1",
            "T1",
            formation="联合建",
            covers=covers("K", "L", "M"),
            term_ends="2011-12-01",
        ),
        po(
            "X1",
            "党支部",
            "组织党组织",
            "TC1",
            "T1",
            formation="1+X",
            covers=covers("N", "P"),
            term_ends="2012-06-30",
        ),
        po("Y", "党支部", "组织党组织", "TC1", "T1", formation="挂靠建", covers=covers("Q", "R")),
        po(
            "BR1",
            "党支部",
            "协会党组织",
            "TC1",
            "T1",
            formation="单独建",
            covers=covers("U"),
            term_ends="2012-07-01",
        ),
        po("BR2", "党支部", "组织党组织", "TC2", "T2"),
        po("Z", "党总支", "组织党组织", "TC1", "T1"),
    ]

    members = [_header("党员")]

    def m(mid: str, rel: str, employer: str, full: bool = True, act: str = "TC1") -> None:
        members.append(
            _row(
                "党员",
                member_id=mid,
                name=f"党员{mid}",
                member_type="正式党员" if full else "预备党员",
                relationship_org=rel,
                activity_org=act,
                employer_uscc=USCC[employer],
            )
        )

    for i in range(3):
        m(f"g{i}", "DP", "G")
        m(f"k{i}", "J", "K")
        m(f"l{i}", "J", "L")
        m(f"r{i}", "Y", "R")
        m(f"w{i}", "DP", "W")
    for i in range(2):
        m(f"h{i}", "DP", "H")
        m(f"m{i}", "J", "M")
    m("h2", "DP", "H", full=False)
    m("n0", "X1", "N")
    for i in range(4):
        m(f"p{i}", "X1", "P")
    m("u0", "BR1", "U")
    m("u1", "BR1", "U", full=False)
    m("mm1", "BR1", "L")  # relationship not covering the employer: transfer to J
    m("H3", "DP", "S")  # the helper
    m("mm3", "DP", "S", act="TC2")  # activity in another town: back to TC1

    instructors = [
        _header("党建指导员"),
        _row(
            "党建指导员", instructor_id="H1", name="指导员一", assigned_to=";".join(USCC[o] for o in "ABKLM")
        ),
        _row("党建指导员", instructor_id="H2", name="指导员二", assigned_to=";".join(USCC[o] for o in "CD")),
        _row(
            "党建指导员",
            instructor_id="H4",
            name="指导员四",
            assigned_to=";".join([USCC["F"], USCC["H"], "X1", "Y", "Z", "BR1"]),
        ),
    ]
    pairings = [
        _header("结对"),
        _row("结对", pairing_type="示范帮扶", from_code="DP", to_code="J"),
        _row("结对", pairing_type="示范帮扶", from_code="DP", to_code=USCC["G"]),
    ]
    ledger = [
        _header("帮建"),
        _row("帮建", helper_id="H1", target_uscc=USCC["A"], since="2011-06-01", status="进行中"),
        _row("帮建", helper_id="H1", target_uscc=USCC["A"], since="2011-08-01", status="进行中"),
        _row("帮建", helper_id="H1", target_uscc=USCC["B"], since="2011-10-15", status="进行中"),
        _row("帮建", helper_id="H2", target_uscc=USCC["C"], status="进行中"),
        _row("帮建", helper_id="H2", target_uscc=USCC["D"], since="2011-01-01", status="暂停"),
        _row("帮建", helper_id="H3", target_uscc=USCC["E"], since="2011-01-01", status="进行中"),
        _row("帮建", helper_id="H4", target_uscc=USCC["F"], status="进行中"),
    ]
    contacts = [_header("联系记录")]

    def c(helper: str, org: str, day: dt.date | str, method: str) -> None:
        contacts.append(
            _row("联系记录", helper_id=helper, target_uscc=USCC[org], date=str(day), method=method)
        )

    for w in range(40, 52):
        if w != 45:
            c("H1", "A", _week_day(w, 6), "电话")
    for d in ("2011-07-31", "2011-09-30", "2011-10-31", "2011-11-30", "2012-01-05"):
        c("H1", "A", d, "走访")
    c("H1", "A", "2011-09-30", "业主面谈")
    c("H1", "A", "2011-12-31", "业主面谈")
    c("H1", "A", "2011-02-10", "发展党员")
    c("H1", "B", "2011-12-01", "走访")
    for w in range(40, 53):
        c("H2", "C", _week_day(w, 1), "电话")
    for mo in range(7, 13):
        c("H2", "C", dt.date(2011, mo, 15), "走访")
    for d in ("2011-02-10", "2011-05-10", "2011-08-10", "2011-11-10"):
        c("H2", "C", d, "业主面谈")
    c("H2", "C", "2011-05-05", "发展党员")
    c("H2", "D", "2011-03-03", "建立党组织")
    return {
        "镇街": towns,
        "组织": orgs,
        "党组织": parties,
        "党员": members,
        "党建指导员": instructors,
        "结对": pairings,
        "帮建": ledger,
        "联系记录": contacts,
    }


def load(store: Any, folder: Path) -> Any:
    from graph.loaders.load import load_roster

    folder.mkdir(parents=True, exist_ok=True)
    path = write_xlsx(folder / "followup.xlsx", sheets())
    res = load_roster(path, store)
    assert res.exit_code == 0, [p.model_dump() for p in res.problems][:5]
    return store
