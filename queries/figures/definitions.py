"""The reference figures of domain/FACTS.md: their vocabulary, definitions, the article's
values and FACTS.md's agreement rule.

The only numbers typed in here are the article's values (``article``), the reference that
computed values are compared against with :func:`agrees`. How each figure is counted lives in
:mod:`queries.figures.facts` (one Cypher and one networkx side per figure); the answer that
turns facts into figures is :mod:`queries.figures.answer`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from graph.model import DEMO_TIERS, PARTY_KINDS

# --- vocabulary (kinds and levels the definitions name) ------------------------------------

TOWN_COMMITTEE = "镇街两新党委"
PARK_COMMITTEE = "园区党工委"
NONPUBLIC_COMMITTEE = "非公有制经济组织党委"
WORKING_COMMITTEE = "区委两新工委"
ORG_KIND = "组织党组织"
ASSOC_KIND = "协会党组织"
PROJECT_GROUP = "项目党小组"
BRANCH = "党支部"
SECRETARY = "书记"
TOP_LEVELS = ("党委", "党总支")  # a company's own committee (F20, F21)
# The structural bodies F4 leaves out of "managed directly".
STRUCTURE = frozenset({TOWN_COMMITTEE, PARK_COMMITTEE, NONPUBLIC_COMMITTEE})
assert {TOWN_COMMITTEE, PARK_COMMITTEE, NONPUBLIC_COMMITTEE, WORKING_COMMITTEE, ORG_KIND, ASSOC_KIND} <= set(
    PARTY_KINDS
)
TIER_KEYS = {"市级": "city", "区级": "district", "镇街级": "town"}
assert set(TIER_KEYS) == set(DEMO_TIERS)
# The named organisations of the article, found by a part of their name.
JISHAN, TONGDA, YUYONG = "箕山电煤", "通达运输", "渝永建设"

# --- the agreement rule (FACTS.md) ---------------------------------------------------------

_TOKEN = re.compile(r"\d+(?:\.\d+)?[%+]?")
Number = int | float | Fraction | Decimal


def article_tokens(article: str) -> list[str]:
    """The numbers an article value prints, in order: ``"420+ / 82.7%"`` -> ``["420+", "82.7%"]``.

    Words and annotations between them (``"3 (凤凰湖, 港桥, 三教)"``) are not numbers.
    """
    return _TOKEN.findall(article)


def exact(x: Number) -> Decimal:
    if isinstance(x, Fraction):
        with localcontext() as ctx:
            ctx.prec = 50
            return Decimal(x.numerator) / Decimal(x.denominator)
    if isinstance(x, float):
        return Decimal(repr(x))  # the number as written, not its binary expansion
    return Decimal(x)


def decimals(token: str) -> int:
    """How many decimals a printed percentage has (``"72.52%"`` -> 2)."""
    exponent = Decimal(token.rstrip("%")).as_tuple().exponent
    return -exponent if isinstance(exponent, int) else 0


def agrees(value: Number | None, token: str) -> bool:
    """Whether a computed value agrees with one number the article prints (FACTS.md's rule).

    - ``"N+"``: ``N <= x < N + 10**(digits(N) - 1)`` ("500+" is 500–599, "420+" is 420–519);
    - ``"P%"``: ``x`` (in percent) rounded half-up to the decimals printed equals ``P``;
    - a plain number: equal.

    Example
    -------
    >>> agrees(599, "500+"), agrees(600, "500+"), agrees(Fraction(136700, 1885), "72.52%")
    (True, False, True)
    """
    if value is None or isinstance(value, bool):
        return False
    t = token.strip()
    x = exact(value)
    if t.endswith("+"):
        n = int(t[:-1])
        return bool(n <= x < n + 10 ** (len(str(n)) - 1))
    if t.endswith("%"):
        printed = Decimal(t[:-1])
        step = Decimal(1).scaleb(-decimals(t))
        with localcontext() as ctx:
            ctx.prec = 60
            return x.quantize(step, rounding=ROUND_HALF_UP) == printed
    return x == Decimal(t)


def agrees_all(values: Sequence[Number | None], article: str) -> bool:
    """A compound figure agrees when every part agrees with its number, in order."""
    tokens = article_tokens(article)
    return len(tokens) == len(values) and all(agrees(v, t) for v, t in zip(values, tokens, strict=True))


def pct_text(x: Fraction, places: int) -> str:
    q = exact(x).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{q}%"


# --- results -------------------------------------------------------------------------------

Value = int | float | None


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FigurePart(_Model):
    """One number of a figure, beside the article's number it is compared with."""

    key: str
    label_zh: str
    unit: Literal["count", "percent"]
    value: Value
    article: str
    agrees: bool | None
    # A percentage's counts (e.g. 392 of 474); None for a count.
    numerator: int | None = None
    denominator: int | None = None


class Figure(_Model):
    """One reference figure computed from the graph."""

    id: str
    title_zh: str
    title_en: str
    value: Value | dict[str, Value]
    value_text: str  # the computed value as the table shows it
    article: str  # the article's value as FACTS.md prints it
    agrees: bool | None  # None when the scope is a town (not comparable with the district)
    definition: str
    parts: list[FigurePart]
    detail: list[str] = Field(default_factory=list)  # names behind the number (parks, branches ...)


class ContextFigure(_Model):
    """A figure of the article with no place in the graph model (shown for completeness)."""

    id: str
    title_zh: str
    title_en: str
    article: str
    note: str = "图模型中没有对应数据，仅作背景参考"


class FiguresResult(_Model):
    town: str | None = None
    figures: list[Figure]
    all_agree: bool | None  # None for a town scope
    context: list[ContextFigure]
    omitted: list[str] = Field(default_factory=list)  # district-only figures left out of a town's answer


# --- the definitions -----------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    key: str
    label_zh: str
    ratio: tuple[str, str] | None = None  # percent = 100 * values[num] / values[den]


@dataclass(frozen=True)
class Definition:
    id: str
    title_zh: str
    title_en: str
    article: str
    definition: str
    parts: tuple[Part, ...]
    district_only: bool = False


_COUNT = (Part("count", "数量"),)

SPECS: tuple[Definition, ...] = (
    Definition(
        "F1",
        "镇街两新党委",
        "town/street two-new committees",
        "23",
        "类型为“镇街两新党委”的党组织数（每个镇街一个）。",
        _COUNT,
    ),
    Definition(
        "F2",
        "建立党工委的工业园区",
        "industrial parks with a park working committee",
        "3 (凤凰湖, 港桥, 三教)",
        "有“园区党工委”类党组织入驻（IN_PARK）的园区数。",
        _COUNT,
    ),
    Definition(
        "F3",
        "园区：企业党支部 / 项目党小组 / 覆盖率",
        "in the parks: enterprise branches / project groups / coverage",
        "27 / 17 / 100%",
        "入驻园区的党组织中层级为党支部且类型为组织党组织的个数、类型为项目党小组的个数；"
        "园区内组织（不含注销）被党组织覆盖（COVERS）的比例。",
        (
            Part("branches", "企业党支部"),
            Part("project_groups", "项目党小组"),
            Part("coverage", "园区组织覆盖率", ("park_covered", "park_orgs")),
        ),
    ),
    Definition(
        "F4",
        "区委两新工委直管党组织",
        "organisations managed directly by the district working committee",
        "12 (incl. 渝西矿业集团党委)",
        "直接隶属（REPORTS_TO）“区委两新工委”的党组织，镇街两新党委、园区党工委和非公有制经济组织党委除外。",
        _COUNT,
        district_only=True,
    ),
    Definition(
        "F5",
        "示范点（市级 + 区级 + 镇街级）",
        "demonstration points (city + district + town tier)",
        "207 = 12 + 57 + 138",
        "有示范等级的党组织数，合计及按等级（市级 / 区级 / 镇街级）。",
        (
            Part("total", "合计"),
            Part("city", "市级"),
            Part("district", "区级"),
            Part("town", "镇街级"),
        ),
    ),
    Definition(
        "F6",
        "示范点结对帮扶对象",
        "pairing targets of demonstration points",
        "168 non-demo party orgs + 157 orgs without a party org",
        "结对帮扶（PAIRED_WITH）的不同对象：没有示范等级的党组织数、未被任何党组织覆盖的组织数。",
        (Part("party_orgs", "非示范点党组织"), Part("orgs", "未建党组织的组织")),
    ),
    Definition(
        "F8",
        "排查出的未建党组织的非公有制经济组织",
        "non-public organisations without a party organisation",
        "500+",
        "非公企业和专业市场（不含注销）中未被任何党组织覆盖的组织数。",
        _COUNT,
    ),
    Definition(
        "F9",
        "排查出的流动党员和隐性党员",
        "floating and hidden members found",
        "167",
        "身份标记为流动党员或隐性党员的党员数。",
        _COUNT,
    ),
    Definition(
        "F10",
        "帮建对象",
        "help-build targets",
        "100+",
        "帮建（HELPS_BUILD）指向的不同组织数。",
        _COUNT,
    ),
    Definition(
        "F11",
        "两新组织党组织",
        "two-new party organisations",
        "375",
        "类型为组织党组织或协会党组织、层级为党委 / 党总支 / 党支部的党组织数。",
        _COUNT,
    ),
    Definition(
        "F12",
        "非公有制经济组织党组织覆盖率",
        "party-organisation coverage of non-public organisations",
        "72.52%",
        "非公企业和专业市场（不含注销）中被党组织覆盖的比例。",
        (Part("coverage", "覆盖率", ("covered", "total")),),
    ),
    Definition(
        "F13",
        "社会组织党组织覆盖率",
        "party-organisation coverage of social organisations",
        "50%",
        "社会组织、行业协会和商会（不含注销）中被党组织覆盖的比例。",
        (Part("coverage", "覆盖率", ("covered", "total")),),
    ),
    Definition(
        "F14",
        "党建指导员 / 工作覆盖率",
        "instructors / work coverage",
        "290 / 100%",
        "党建指导员人数；非公和社会组织（不含注销）中被党组织覆盖、或有指导员派驻到它或覆盖它的党组织的比例。",
        (Part("instructors", "党建指导员"), Part("work_coverage", "工作覆盖率", ("work_covered", "total"))),
    ),
    Definition(
        "F15",
        "班子成员 / 交叉任职比例",
        "committee members / share cross-appointed",
        "420+ / 82.7%",
        "党内职务为书记、副书记或委员且组织关系在两新组织党组织（F11）的党员数；其中交叉任职为“是”的比例。",
        (Part("members", "班子成员"), Part("cross_share", "交叉任职比例", ("cross_appointed", "members"))),
    ),
    Definition(
        "F16",
        "协会党组织书记 / 业主进班子",
        "association secretaries / owners in party leadership",
        "23 / 73",
        "组织关系在协会党组织且职务为书记的党员数；是业主且有党内职务的党员数。",
        (Part("assoc_secretaries", "协会党组织书记"), Part("owners", "业主任班子成员")),
    ),
    Definition(
        "F17",
        "村企联建：企业 / 村",
        "enterprise–village joint building: organisations / villages",
        "129 orgs with 173 villages",
        "村企联建（JOINT_BUILDS_WITH）的不同企业数（应全部为规上企业）和不同村（社区）数。",
        (Part("orgs", "联建企业"), Part("villages", "联建村")),
    ),
    Definition(
        "F20",
        "箕山电煤：职工 / 党支部 / 党员 / 管理岗位 / 有职称",
        "箕山电煤: staff / branches / members / in management / with titles",
        "610 / 5 / 105 / 38 (36.19%) / 16 (15.24%)",
        "名称含“箕山电煤”的组织：从业人员数；隶属其党委的党支部数；组织关系在党委或这些支部的党员数，"
        "其中在管理岗位的人数及比例、有专业技术职称的人数及比例。",
        (
            Part("staff", "职工"),
            Part("branches", "党支部"),
            Part("members", "党员"),
            Part("in_management", "管理岗位"),
            Part("in_management_share", "管理岗位占比", ("in_management", "members")),
            Part("titled", "有职称"),
            Part("titled_share", "有职称占比", ("titled", "members")),
        ),
        district_only=True,
    ),
    Definition(
        "F21",
        "通达运输党委：党支部 / 党员",
        "通达运输 party committee: branches / members",
        "5 (机关, 客出, 物业, 装卸, 退休) / 100",
        "名称含“通达运输”的组织：隶属其党委的党支部数；组织关系在党委或这些支部的党员数。",
        (Part("branches", "党支部"), Part("members", "党员")),
        district_only=True,
    ),
    Definition(
        "F22",
        "渝永建设：子公司",
        "渝永建设: subsidiaries",
        "6",
        "上级单位（SUBSIDIARY_OF）为名称含“渝永建设”的组织的组织数。",
        _COUNT,
        district_only=True,
    ),
)

CONTEXT: tuple[ContextFigure, ...] = (
    ContextFigure(
        id="F7",
        title_zh="结对帮扶建立的活动阵地",
        title_en="activity venues set up through pairing",
        article="23",
    ),
    ContextFigure(
        id="F18",
        title_zh="共建活动 / 就业岗位 / 帮扶资金",
        title_en="co-building activities / jobs / aid",
        article="500+ / 2000+ / 13 million+ yuan",
    ),
    ContextFigure(
        id="F19",
        title_zh="积分评星指标（组织 / 党员）",
        title_en="points-and-stars indicators",
        article="58 organisation, 48 member",
    ),
    ContextFigure(
        id="F23",
        title_zh="2011 年非公经济增加值 / 占 GDP 比重 / GDP",
        title_en="non-public economy 2011: value added / share of GDP / GDP",
        article="25.7 bn yuan / 67.6% / 38.02 bn yuan",
    ),
)

for _s in SPECS:  # each part is one number of the article, percentages against percentages
    _toks = article_tokens(_s.article)
    assert len(_toks) == len(_s.parts), _s.id
    assert all(t.endswith("%") == (p.ratio is not None) for t, p in zip(_toks, _s.parts, strict=True)), _s.id
