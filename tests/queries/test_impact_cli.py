"""``orggraph query impact`` and the centrality table's cut consequences (issue 15)."""

from __future__ import annotations

import json

from tests.queries.test_cli import home, run  # noqa: F401  (fixture)


def test_impact_command(home) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    res = run("impact", "PO1", "PO2")
    assert res.exit_code == 0, res.output
    assert "3 家失去党组织覆盖" in res.output and "O01、O04、O14" in res.output
    assert "6/11（54.55%）" in res.output and "3/11（27.27%）" in res.output
    res = run("impact", "--rank", "demo_point", "--town", "T2")
    assert res.exit_code == 0, res.output
    assert "撤销该示范点 → 2 家失去帮扶" in res.output
    data = json.loads(run("impact", "I1", "--json").output)
    assert [x["key"] for x in data["impact"]["lost_work_coverage"]] == ["O13"]
    assert run("impact").exit_code == 2
    assert run("impact", "--rank", "village").exit_code == 2


def test_centrality_shows_cuts_first(home) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    out = run("centrality", "--network", "organisation").output
    assert out.index("去掉后断开的对象") < out.index("高级：度中心性")
    assert "双石陶瓷厂" in out
    leaves = run("centrality", "--network", "pairing", "--include-leaves").output
    assert "去掉 甲机械公司党支部" in leaves
    assert "未列出" in run("centrality", "--network", "pairing").output
