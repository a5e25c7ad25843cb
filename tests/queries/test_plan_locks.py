"""The plan's locks from every face (accept units, forbid hosts, exclude units), the impact ->
re-plan hand-off (``removed``) and accepted rows of saved plans on the to-do list (issue 14)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from graph.errors import InputError, NotFound
from graph.model import Label, Rel
from queries.impact import IMPACT, ImpactParams
from queries.plan import PAIRING_PLAN, PLAN, PairingParams, PlanParams
from queries.plan_saved import accept_rows, get_plan, save_plan
from queries.scope import Scope
from queries.todo import TODO, TodoParams
from tests.queries.test_cli import home  # noqa: F401  (fixture)


def _rows(res: Any) -> dict[str, Any]:
    return {r.org: r for r in res.rows}


def test_accept_forbid_exclude(fx: Any) -> None:
    first = _rows(PLAN(fx, Scope(), PlanParams()))
    host = first["O02"].host
    assert host and first["O13"].host
    res = PLAN(
        fx, Scope(), PlanParams(accept=("O02",), forbidden_hosts=(first["O13"].host,), excluded=("O07",))
    )
    rows = _rows(res)
    assert rows["O02"].locked and rows["O02"].host == host  # kept as the plan gave it
    assert res.parameters["accepted"][0]["org"] == "O02" and res.parameters["accept"] == []
    assert all(r.host != first["O13"].host for r in res.rows)
    assert ("O07", "excluded") in {(u.org, u.rule) for u in res.unplaced}
    # a unit without a row cannot be accepted: said, not obeyed
    res2 = PLAN(fx, Scope(), PlanParams(accept=("O03",)))
    assert any("O03" in n for n in res2.notes) and not any(r.locked for r in res2.rows)


def test_removed_entities_are_planned_again(fx: Any) -> None:
    keys = ("PO1", "PO2", "I1")
    imp = IMPACT(fx, Scope(), ImpactParams(keys=keys)).impact
    assert imp is not None
    res = PLAN(
        fx, Scope(), PlanParams(removed=(*imp.handoff.forbidden_hosts, *imp.handoff.removed_instructors))
    )
    lost = {r.key for r in imp.lost_coverage}
    assert lost and lost <= set(_rows(res)) | {u.org for u in res.unplaced}
    assert all(r.host not in ("PO1", "PO2") and r.instructor != "I1" for r in res.rows)
    # the plan starts from the situation impact describes: its "before" is impact's "after"
    after = {f.name: f.after for f in imp.figures}
    assert res.before.district.nonpublic.covered == after["nonpublic"]
    assert res.before.district.social.covered == after["social"]
    assert res.notes and "党组织2个、党建指导员1名" in res.notes[0]
    unknown = PLAN(fx, Scope(), PlanParams(removed=("NOPE",)))
    assert "NOPE" in unknown.notes[-1]
    # a town cannot remove another town's party organisation
    t2 = PLAN(fx, Scope("T2"), PlanParams(removed=("PO1",)))
    assert "PO1" in t2.notes[-1]


def test_accepted_rows_become_todo_items(fx: Any) -> None:
    tp = TodoParams.parse(kinds=["plan_accepted"])
    assert TODO(fx, Scope(), tp).counts["plan_accepted"] == 0
    save_plan(fx, Scope(), "不锁定", PlanParams(), "tester")
    assert TODO(fx, Scope(), tp).counts["plan_accepted"] == 0  # only accepted rows are commitments
    row = _rows(PLAN(fx, Scope(), PlanParams()))["O02"]
    save_plan(fx, Scope(), "一季度", PlanParams(accept=("O02",)), "tester")
    res = TODO(fx, Scope(), tp)
    assert [i.subject.key for i in res.items] == ["O02"]
    item = res.items[0]
    assert "一季度" in item.reason and item.town_code == "T1" and row.host in {r.key for r in item.related}
    # the host is shown with its town (an association's party organisation may be of another town)
    host = next(r for r in item.related if r.key == row.host)
    assert row.host_town == "T1" and host.town_code == "T1"
    assert f"{row.host_town_name}{row.host_name}" in item.action and row.host_town_name == "中山路街道"
    assert TODO(fx, Scope("T2"), tp).counts["plan_accepted"] == 0
    assert TODO(fx, Scope("T1"), tp).counts["plan_accepted"] == 1
    # carried out after a later load: the item goes
    fx.upsert_relationships(
        Rel.COVERS,
        Label.PARTY_ORG,
        Label.ORGANIZATION,
        [{"from": row.host, "to": "O02", "rid": "", "props": {}}],
    )
    assert TODO(fx, Scope(), tp).counts["plan_accepted"] == 0


def run(*args: str) -> Any:
    from typer.testing import CliRunner

    from cli.main import app

    return CliRunner().invoke(app, ["plan", *args, "--backend", "embedded"])


def test_cli_locks_and_removed(home: Any) -> None:  # noqa: F811
    first = json.loads(run("--json").output)
    rows = {r["org"]: r for r in first["rows"]}
    out = run("--json", "--accept", "O02", "--forbid-host", rows["O13"]["host"], "--exclude", "O07")
    assert out.exit_code == 0, out.output
    res = json.loads(out.output)
    got = {r["org"]: r for r in res["rows"]}
    assert got["O02"]["locked"] and all(r["host"] != rows["O13"]["host"] for r in res["rows"])
    assert {"org": "O07", "rule": "excluded"}.items() <= next(
        u for u in res["unplaced"] if u["org"] == "O07"
    ).items()
    rem = json.loads(run("--json", "--remove", "PO1", "--remove", "PO2").output)
    assert {"O01", "O04", "O14"} <= {r["org"] for r in rem["rows"]} | {u["org"] for u in rem["unplaced"]}
    assert run("--host-cap", "999").exit_code == 2
    saved = run("save", "--name", "锁定方案", "--accept", "O02", "--json")
    assert saved.exit_code == 0, saved.output
    assert json.loads(saved.output)["params"]["accepted"][0]["org"] == "O02"
    plain = json.loads(run("save", "--name", "后确认", "--json").output)
    out = run("accept", plain["id"], "O07", "--json")
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["accepted"] == ["O07"]
    assert "已确认" in run("accept", plain["id"], "O02").output
    assert run("accept", plain["id"], "NOPE").exit_code != 0
    pairing = run("pairing", "--json", "--forbid-point", "PO3", "--accept", "PO6", "--exclude", "O16")
    assert pairing.exit_code == 0, pairing.output
    prs = json.loads(pairing.output)
    assert all(r["point"] != "PO3" for r in prs["rows"] if not r["locked"])
    assert any(r["target"] == "PO6" and r["locked"] for r in prs["rows"])
    assert "O16" not in {r["target"] for r in prs["rows"]}


def test_rows_accepted_after_saving_become_todo_items(fx: Any) -> None:
    tp = TodoParams.parse(kinds=["plan_accepted"])
    info = save_plan(fx, Scope("T1"), "先保存后确认", PlanParams(), "tester")
    assert TODO(fx, Scope(), tp).counts["plan_accepted"] == 0
    res = accept_rows(fx, Scope("T1"), info.id, ["O02", "O13", "NOPE"])
    assert res.accepted == ["O02"] and res.missing == 2  # O13 is T2's: counted, not named
    saved = get_plan(fx, Scope("T1"), info.id)
    assert [r.org for r in saved.plan.rows if r.locked] == ["O02"]
    assert [a["org"] for a in saved.params["accepted"]] == ["O02"]
    items = TODO(fx, Scope("T1"), tp).items
    assert [i.subject.key for i in items] == ["O02"] and "先保存后确认" in items[0].reason
    again = accept_rows(fx, Scope("T1"), info.id, ["O02", "O07"])  # accepting twice adds no row
    assert again.accepted == ["O02", "O07"] and len(again.info.params["accepted"]) == 2
    with pytest.raises(InputError):
        accept_rows(fx, Scope("T1"), info.id, ["NOPE"])
    with pytest.raises(NotFound):  # another town's plan
        accept_rows(fx, Scope("T2"), info.id, ["O02"])


def test_pairing_plan_locks(fx: Any) -> None:
    base = PAIRING_PLAN(fx, Scope(), PairingParams())
    rows = {r.target: r for r in base.rows}
    point = rows["O07"].point
    res = PAIRING_PLAN(
        fx, Scope(), PairingParams(forbidden_points=(point,), accept=("PO6",), excluded=("O16",))
    )
    got = {r.target: r for r in res.rows}
    assert all(r.point != point for r in res.rows if not r.locked)  # a forbidden point takes no one new
    assert got["PO6"].locked and got["PO6"].point == rows["PO6"].point  # kept as the plan gave it
    assert "O16" not in got and "O16" not in {u.target for u in res.unpaired}
    for u in res.unpaired:
        assert "不再安排新结对" in u.reason  # the reason names the forbidden points
    # accepting alone changes nothing but the lock
    kept = PAIRING_PLAN(fx, Scope(), PairingParams(accept=("O07",)))
    assert {r.target: r for r in kept.rows}["O07"].locked and not kept.notes
    none = PAIRING_PLAN(fx, Scope(), PairingParams(accept=("NOPE",)))
    assert none.notes and "NOPE" in none.notes[0] and not any(r.locked for r in none.rows)
