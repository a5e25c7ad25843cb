"""``orggraph query ...``: every question from the command line, as tables or JSON.

The command line is the operator's own (admin); each question is audited under the OS user.
A question in the registry gets its options from its parameters model (:func:`ask_command`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from cli.common import BackendOpt, JsonOpt, TownOpt, echo_json, opened, scope_of
from cli.params import command_from, option
from graph.store import GraphStore
from queries.centrality import CENTRALITY
from queries.coverage import COVERAGE
from queries.ego import EGO, EgoParams
from queries.entities import ORG_TREE, SEARCH
from queries.fiveones import FIVE_ONES
from queries.gaps import GAPS
from queries.impact import IMPACT
from queries.membership import INCONSISTENCIES, MEMBERSHIP
from queries.models import CoverageResult, GapEntry, GapsResult, PairingNetwork
from queries.pairing import PAIRING
from queries.paths import PATH
from queries.question import Question, ask
from queries.todo import TODO, TodoParams

query_app = typer.Typer(
    help="图谱问答 / ask the graph: coverage, gaps, path, membership, pairing, centrality, ego",
    no_args_is_help=True,
)

_console = Console()
Show = Callable[[Any], None]


def register(app: typer.Typer) -> None:
    """Add ``orggraph query`` to the main app."""
    app.add_typer(query_app, name="query")
    app.command("todo")(todo)  # 督办待办清单 (issue 17)


def _run(
    name: str,
    backend: str | None,
    as_json: bool,
    fn: Callable[[Any], Any],
    show: Callable[[Any], None],
    **args: Any,
) -> None:
    from graph.audit import audit, operator

    with opened(backend, ping=True) as store:  # ping: a Neo4j read would retry for seconds
        scope_of(store, args.get("town"))  # an unknown --town is a bad option (exit 2)
        audit("query", operator(), question=name, **{k: v for k, v in args.items() if v is not None})
        result = fn(store)
    if as_json:
        echo_json(result)
    else:
        show(result)


def ask_command(
    q: Question[Any, Any],
    show: Callable[[Any], None],
    *,
    doc: str,
    arguments: Sequence[str] = (),
    flags: dict[str, str] | None = None,
) -> Callable[..., None]:
    """``orggraph query <name>`` for a question: its options from the parameters model, plus
    --town, --backend and --json; the answer through :func:`queries.question.ask`."""

    def run(p: Any, extra: dict[str, Any]) -> None:
        town = extra["town"]

        def fn(store: GraphStore) -> Any:
            return ask(store, q, scope_of(store, town), p)

        _run(q.name, extra["backend"], extra["as_json"], fn, show, town=town, **p.model_dump(mode="json"))

    return command_from(
        q.params,
        run,
        extra=[option("town", TownOpt), option("backend", BackendOpt), option("as_json", JsonOpt, False)],
        arguments=arguments,
        flags=flags,
        doc=doc,
    )


def _answers(q: Question[Any, Any], name: str | None = None, **kw: Any) -> Callable[[Show], Show]:
    """Make the decorated function the table view of ``orggraph query <name>`` (:func:`ask_command`;
    the name is the question's unless given)."""

    def add(show: Show) -> Show:
        query_app.command(name or q.name)(ask_command(q, show, **kw))
        return show

    return add


def _params(model: Any, **given: Any) -> Any:
    """The question's parameters from the options given (the model holds every default)."""
    return model.parse({k: v for k, v in given.items() if v is not None})


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.2f}%"


def _name(r: Any) -> str:
    return "—" if r is None else f"{r.name or r.key}（{r.key}）"


def _table(title: str, *cols: str) -> Table:
    t = Table(title=title, title_justify="left", show_lines=False)
    for c in cols:
        t.add_column(c, overflow="fold")
    return t


# --- coverage --------------------------------------------------------------------------


@_answers(COVERAGE, doc="组织覆盖与工作覆盖 / organisational and work coverage.")
def _show_coverage(res: CoverageResult) -> None:
    t = _table("党组织覆盖率", "范围", "组织数", "已覆盖", "覆盖率", "工作覆盖", "工作覆盖率")
    for r in (res.nonpublic, res.social, res.self_employed):
        t.add_row(
            r.group_name,
            str(r.total),
            str(r.covered),
            _pct(r.rate),
            str(r.work_covered),
            _pct(r.work_rate),
        )
    _console.print(t)
    t = _table(f"按 {res.by} 分组", "分组", "名称", "组织数", "已覆盖", "覆盖率", "工作覆盖率")
    for r in res.rows:
        t.add_row(
            r.group or "—",
            r.group_name or "",
            str(r.total),
            str(r.covered),
            _pct(r.rate),
            _pct(r.work_rate),
        )
    _console.print(t)
    t = _table(
        f"未建党组织的组织（共 {res.uncovered_total} 个，自第 {res.offset + 1} 个起）",
        "信用代码",
        "名称",
        "类别",
        "镇街",
        "从业人员",
        "有指导员",
    )
    for u in res.uncovered:
        t.add_row(
            u.org.key,
            u.org.name or "",
            u.category or "",
            u.org.town_code or "",
            "" if u.employees is None else str(u.employees),
            "是" if u.work_covered else "",
        )
    _console.print(t)


# --- gaps ------------------------------------------------------------------------------


def _gaps_table(title: str, entries: list[GapEntry], start: int) -> None:
    t = _table(
        title,
        "#",
        "组织",
        "类别",
        "从业人员",
        "正式/预备/流动/隐性",
        "建议",
        "依托/联合",
        "理由",
        "候选党组织",
    )
    for i, e in enumerate(entries, start=start):
        rec = e.recommendation
        with_ = _name(rec.host) if rec.host else "、".join(_name(p) for p in rec.partners) or "—"
        cands = "\n".join(f"{_name(c.party_org)}：{'、'.join(c.reasons)}" for c in e.candidates) or "—"
        t.add_row(
            str(i),
            _name(e.org),
            e.category or "",
            "" if e.employees is None else str(e.employees),
            f"{e.full_members}/{e.probationary_members}/{e.floating_members}/{e.hidden_members}",
            rec.formation,
            with_,
            rec.reason,
            cands,
        )
    _console.print(t)


@_answers(GAPS, doc="未建党组织的组织及组建建议 / uncovered organisations and what to build.")
def _show_gaps(res: GapsResult) -> None:
    _gaps_table(f"未建党组织的组织：共 {res.total} 个", res.entries, res.offset + 1)
    if res.self_employed:
        _gaps_table(f"个体工商户（另计）：共 {res.self_employed_total} 个", res.self_employed, res.offset + 1)


# --- path ------------------------------------------------------------------------------


@_answers(
    PATH,
    doc="两个对象之间怎样相连（默认不经过枢纽）/ how two entities are connected (hubs avoided).",
    arguments=("source", "target"),
)
def _show_path(res: Any) -> None:
    if res.note_zh:
        _console.print(res.note_zh)
    if not res.found:
        _console.print(f"{_name(res.source)} 与 {_name(res.target)} 之间没有路径")
        return
    more = "（还有更多）" if res.truncated else ""
    _console.print(f"最短路径长度 {res.length}，列出 {len(res.paths)} 条{more}：")
    for i, p in enumerate(res.paths, 1):
        _console.print(f"{i}. {p.sentence_zh or p.chain_zh}\n   {p.chain_zh}")


# --- membership ------------------------------------------------------------------------


@query_app.command()
def membership(
    member_id: Annotated[
        str | None, typer.Argument(help="党员编号；不填则列出全区（或本镇街）的不一致情况")
    ] = None,
    code: Annotated[str | None, typer.Option(help="只看某类不一致")] = None,
    town: TownOpt = None,
    backend: BackendOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """党员组织关系链、活动链与不一致情况 / a member's chains, or the inconsistency list."""

    def show_one(res: Any) -> None:
        _console.print(
            f"党员：{_name(res.member)}  {res.member_type or ''} {res.flag or ''} {res.post or ''}"
        )
        _console.print("组织关系：" + (" → ".join(_name(s.node) for s in res.relationship_chain) or "无"))
        _console.print("活动：" + (" → ".join(_name(s.node) for s in res.activity_chain) or "无"))
        cov = "、".join(_name(c) for c in res.employer_covered_by) or "未被覆盖"
        _console.print(f"工作单位：{_name(res.employer)}（覆盖：{cov}）")
        for i in res.inconsistencies:
            _console.print(f"[red]不一致[/red]：{i.message}")

    def show_list(res: Any) -> None:
        t = _table(f"党员信息不一致：共 {res.total} 条", "党员", "类型", "说明")
        for i in res.items:
            t.add_row(_name(i.member), i.code, i.message)
        _console.print(t)

    one = member_id is not None
    q: Question[Any, Any] = MEMBERSHIP if one else INCONSISTENCIES
    given = {"member_id": member_id} if one else {"code": code}
    _run(
        q.name,
        backend,
        as_json,
        lambda s: ask(s, q, scope_of(s, town), _params(q.params, **given)),
        show_one if one else show_list,
        town=town,
        **(given if one else {}),
    )


# --- pairing ---------------------------------------------------------------------------


@_answers(PAIRING, flags={"pairing_type": "--type"}, doc="结对网络 / the pairing networks.")
def _show_pairing(res: PairingNetwork) -> None:
    _console.print(
        f"{res.pairing_type}：{len(res.nodes)} 个节点，{len(res.edges)} 条结对，"
        f"{len(res.components)} 个连通分量"
    )
    t = _table("结对情况", "发起方", "等级", "对象数", "对象")
    for p in res.partners:
        t.add_row(_name(p.source), p.demo_tier or "", str(p.count), "、".join(_name(x) for x in p.partners))
    _console.print(t)
    label = "尚无结对对象的示范点" if res.pairing_type == "示范帮扶" else "尚无企业联建的村社区"
    _console.print(
        f"{label}（{len(res.unpaired_points)}）：" + "、".join(_name(x) for x in res.unpaired_points)
    )
    if res.pairing_type == "示范帮扶":
        _console.print(
            f"未建党组织且无人结对的组织（{len(res.uncovered_unpaired)}）："
            + "、".join(_name(x) for x in res.uncovered_unpaired)
        )


# --- centrality ------------------------------------------------------------------------


@_answers(CENTRALITY, doc="网络中心性、关键节点与桥 / centrality, articulation points and bridges.")
def _show_centrality(res: Any) -> None:
    _console.print(f"{res.network} 网络：{res.node_count} 个节点，{res.edge_count} 条边")
    for title, cuts, total in (
        ("关键节点：去掉后断开的对象", res.cut_points, res.cut_points_total),
        ("关键连接（桥）：断开后脱离网络的对象", res.cut_bridges, res.cut_bridges_total),
    ):
        t = _table(f"{title}（共 {total} 个，按断开规模）", "断开数", "说明")
        for c in cuts:
            t.add_row(str(c.cut_off), c.sentence_zh)
        _console.print(t)
    if res.leaf_cuts_hidden:
        _console.print(f"另有 {res.leaf_cuts_hidden} 处只断开一个末梢对象，未列出（--include-leaves 显示）")
    approx = f"（近似：抽样 {res.sample_size} 个源点）" if res.approximate else ""
    t = _table(f"高级：{res.metric_zh}{approx}", "名次", "类型", "对象", "得分")
    for i in res.items:
        t.add_row(str(i.rank), i.node.label, _name(i.node), f"{i.score:.6f}")
    _console.print(t)


# --- impact ----------------------------------------------------------------------------


@_answers(
    IMPACT,
    arguments=["keys"],
    doc="影响分析：撤销示范点、党建指导员、党组织或党员会失去什么（可多个一并撤销）；"
    "--rank 按影响排名 / what is lost if entities drop out; --rank ranks a kind by impact.",
)
def _show_impact(res: Any) -> None:
    if res.ranking is not None:
        r = res.ranking
        t = _table(f"{r.kind_zh}按影响排名（共 {r.total} 个）", "名次", "对象", "影响")
        for i in r.items:
            t.add_row(str(i.rank), _name(i.entity.node), i.sentence_zh)
        _console.print(t)
        return
    im = res.impact
    _console.print("撤销：" + "、".join(f"{e.kind_zh} {_name(e.node)}" for e in im.removed))
    for line in im.summary_zh:
        _console.print(f"· {line}")
    for title, refs in im.losses():
        if refs:
            _console.print(f"{title}：" + "、".join(_name(x) for x in refs))
    if im.members_to_transfer_total:
        more = "等" if im.members_to_transfer_total > len(im.members_to_transfer) else ""
        _console.print(
            f"需转接组织关系的党员（{im.members_to_transfer_total}）："
            + "、".join(_name(x) for x in im.members_to_transfer[:30])
            + more
        )
    t = _table("覆盖率 撤销前 → 撤销后", "指标", "撤销前", "撤销后")
    for f in im.figures:
        t.add_row(
            f.name_zh,
            f"{f.before}/{f.total}（{_pct(f.before_rate)}）",
            f"{f.after}/{f.total}（{_pct(f.after_rate)}）",
        )
    _console.print(t)
    if im.handoff.units:
        _console.print("交组建规划重新安排的单位：" + "、".join(im.handoff.units))


# --- ego -------------------------------------------------------------------------------


@query_app.command()
def ego(
    key: Annotated[str, typer.Argument(help="编码，或 类型:编码")],
    hops: Annotated[int, typer.Option(help="步数 1–3")] = 1,
    cap: Annotated[int, typer.Option(help="最多节点数（1–500）")] = EgoParams.model_fields["cap"].default,
    town: TownOpt = None,
    backend: BackendOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """某个对象的邻域 / the neighbourhood of one entity."""

    def show(res: Any) -> None:
        capped = "（已截断）" if res.capped else ""
        tree = Tree(f"{_name(res.center)}：{len(res.nodes)} 个节点，{len(res.edges)} 条关系{capped}")
        by_hop: dict[int, list[Any]] = {}
        for n in res.nodes[1:]:
            by_hop.setdefault(n.attrs["hop"], []).append(n)
        for hop, nodes in sorted(by_hop.items()):
            branch = tree.add(f"{hop} 步")
            for n in nodes:
                branch.add(f"{n.node.label} {_name(n.node)}")
        _console.print(tree)

    _run(
        "ego",
        backend,
        as_json,
        lambda s: ask(s, EGO, scope_of(s, town), _params(EgoParams, key=key, hops=hops, cap=cap)),
        show,
        town=town,
        key=key,
    )


# --- entities --------------------------------------------------------------------------


@_answers(ORG_TREE, name="tree", doc="四级党组织架构 / the four-level party organisation tree.")
def _show_tree(res: Any) -> None:
    root = Tree(f"党组织 {res.total} 个")

    def add(parent: Any, node: Any) -> None:
        tier = f" [{node.demo_tier}示范点]" if node.demo_tier else ""
        b = parent.add(f"{_name(node.node)} {node.kind or ''}{tier}")
        for c in node.children:
            add(b, c)

    for r in res.roots:
        add(root, r)
    _console.print(root)


@_answers(SEARCH, arguments=["q"], doc="按编码或名称查找 / find entities by key or name.")
def _show_search(res: Any) -> None:
    t = _table(f"找到 {res.total} 个（列出 {len(res.items)} 个）", "类型", "编码", "名称", "镇街")
    for h in res.items:
        t.add_row(h.label_zh, h.node.key, h.node.name or "", h.node.town_code or "")
    _console.print(t)


# --- follow-up (督办, issue 17) ------------------------------------------------------------


def _days(n: int | None) -> str:
    return "不详" if n is None else str(n)


@_answers(
    FIVE_ONES, doc="五个一落实情况：帮建人达标率与逾期 / five-ones compliance of the help-build ledger."
)
def _show_five_ones(res: Any) -> None:
    d = res.district
    _console.print(
        f"截至 {res.as_of}：进行中的帮建结对 {d.pairs} 对，帮建人 {d.helpers} 名，"
        f"达标 {d.helpers_ok} / {d.helpers_judged}（{_pct(d.helper_rate)}），规则达标率 {_pct(d.rate)}，"
        f"逾期 {d.overdue} 项。{res.year_note}"
    )
    t = _table("各镇街", "镇街", "结对", "帮建人", "达标", "达标率", "逾期", "最严重逾期")
    for a in res.towns:
        w = a.worst[0] if a.worst else None
        worst = f"{w.kind} {_days(w.overdue_days)} 天" if w else ""
        t.add_row(
            a.town_name or a.town_code,
            str(a.pairs),
            str(a.helpers),
            str(a.helpers_ok),
            _pct(a.helper_rate),
            str(a.overdue),
            worst,
        )
    _console.print(t)
    t = _table("最严重的逾期", "帮建对象", "帮建人", "方式", "最近一次", "逾期天数")
    for w in res.worst:
        t.add_row(
            _name(w.target), _name(w.helper), w.kind, str(w.last_contact or "从未"), _days(w.overdue_days)
        )
    _console.print(t)


def _show_todo(res: Any) -> None:
    _console.print(f"截至 {res.as_of}：待办 {res.total} 项，其中逾期 {res.overdue} 项")
    for t in res.towns:
        items = [i for i in res.items if i.town_code == t.town_code]
        tab = _table(
            f"{t.town_name or t.town_code or '区级'}：{t.total} 项", "类别", "对象", "原因", "建议措施"
        )
        for i in items:
            tab.add_row(i.kind_zh, _name(i.subject), i.reason, i.action)
        _console.print(tab)


def _todo(p: TodoParams, extra: dict[str, Any]) -> None:
    from queries.todo_export import filters_text, write_todo_xlsx

    town, out = extra["town"], extra["out"]
    if out:  # meeting material holds every item
        p = p.model_copy(update={"limit": 100_000, "offset": 0})

    def fn(store: GraphStore) -> Any:
        res = ask(store, TODO, scope_of(store, town), p)
        if out:
            write_todo_xlsx(res, out, filters=filters_text(p))
        return res

    def show(res: Any) -> None:
        _show_todo(res)
        if out:
            _console.print(f"已写出：{out}")

    _run("todo", extra["backend"], extra["as_json"], fn, show, town=town, **p.model_dump(mode="json"))


todo = command_from(
    TodoParams,
    _todo,
    extra=[
        option(
            "out",
            Annotated[
                str | None, typer.Option("--out", help="写出 Excel 会议材料（按镇街分页），如 todo.xlsx")
            ],
        ),
        option("town", TownOpt),
        option("backend", BackendOpt),
        option("as_json", JsonOpt, False),
    ],
    flags={"kinds": "--kind"},
    doc="督办待办清单：每项附原因与建议措施 / the to-do list per town, each with its reason and action.",
)
