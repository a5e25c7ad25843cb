"""The roster workbook as data: sheets, columns, kinds of value, vocabularies (domain/ROSTER.md).

Reader, validator, template and report all read this one table, so a column is described once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from graph import model as m
from graph.model import Label, Rel

# Kinds of value a column holds; the validator has one parser per kind.
TEXT = "text"  # free text (names, industry, title)
CODE = "code"  # an identifier typed by the district (town code, member id ...)
USCC = "uscc"
USCC_LIST = "uscc_list"
ANY_LIST = "any_list"  # USCCs or party-org codes
ID_NUMBER = "id_number"
PHONE = "phone"
ENUM = "enum"
INT = "int"
BOOL = "bool"
DATE = "date"
FLOAT = "float"

# Longest value accepted per kind. Keys and names are indexed in Neo4j, whose index entries
# have a size limit; a longer value is a pasting accident, rejected with a clear reason.
MAX_LEN = {CODE: 64, TEXT: 200, ENUM: 64}
FREE_TEXT_MAX = 32767  # Excel's own cell limit: free-text columns load whatever Excel holds


@dataclass(frozen=True)
class Column:
    header: str  # the Chinese header
    key: str  # the English key (also the property name unless prop says otherwise)
    kind: str = TEXT
    required: bool = False
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    choice_aliases: dict[str, str] = field(default_factory=dict)
    long_text: bool = False  # free text without the name length limit (not indexed)
    help: str = ""  # 说明 sheet text

    @property
    def names(self) -> tuple[str, ...]:
        return (self.header, self.key, *self.aliases)


@dataclass(frozen=True)
class Sheet:
    name: str  # the Chinese sheet name
    key: str  # English name accepted too
    columns: tuple[Column, ...]
    label: Label | None = None  # node label; None for keyless relationship sheets
    key_column: str | None = None
    aliases: tuple[str, ...] = ()
    help: str = ""

    @property
    def required(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)


_BOOL_HELP = "是/否（也可填 Y/N、true/false）"

SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "镇街",
        "towns",
        (
            Column("镇街编码", "town_code", CODE, True, help="镇街的唯一编码"),
            Column("镇街名称", "town_name", TEXT, True, help="镇街全称"),
            Column("类型", "town_type", ENUM, choices=m.TOWN_TYPES, help="镇 或 街道"),
        ),
        Label.TOWN,
        "town_code",
        help="每个镇、街道一行",
    ),
    Sheet(
        "园区",
        "parks",
        (
            Column("园区编码", "park_code", CODE, True, help="园区的唯一编码"),
            Column("园区名称", "park_name", TEXT, True, help="园区全称"),
            Column("所在镇街编码", "town_code", CODE, True, help="必须是“镇街”表中的编码"),
        ),
        Label.PARK,
        "park_code",
        help="每个工业园区一行",
    ),
    Sheet(
        "村社区",
        "villages",
        (
            Column("村编码", "village_code", CODE, True, help="村（社区）的唯一编码"),
            Column("村名称", "village_name", TEXT, True, help="村（社区）名称"),
            Column("所在镇街编码", "town_code", CODE, True, help="必须是“镇街”表中的编码"),
            Column("经度", "lon", FLOAT, help="WGS-84 经度，十进制度；与纬度同时填写或同时留空（地图用）"),
            Column("纬度", "lat", FLOAT, help="WGS-84 纬度，十进制度；与经度同时填写或同时留空（地图用）"),
        ),
        Label.VILLAGE,
        "village_code",
        help="每个村、社区一行",
    ),
    Sheet(
        "组织",
        "organizations",
        (
            Column(
                "统一社会信用代码",
                "uscc",
                USCC,
                True,
                aliases=("信用代码", "社会信用代码"),
                help="18 位统一社会信用代码，第 18 位校验码必须正确",
            ),
            Column("组织名称", "org_name", TEXT, True, help="营业执照或登记证上的名称"),
            Column("组织类别", "org_category", ENUM, True, choices=m.ORG_CATEGORIES, help="见下拉列表"),
            Column("行业", "industry", TEXT, long_text=True, help="自由填写"),
            Column("所在镇街编码", "town_code", CODE, True, help="必须是“镇街”表中的编码"),
            Column("所在园区编码", "park_code", CODE, help="如填写，必须是“园区”表中的编码"),
            Column(
                "所属协会信用代码",
                "association_uscc",
                USCC,
                help="所属行业协会、商会或专业市场的信用代码（须在本表中，类别为行业协会/商会/专业市场）",
            ),
            Column("从业人员数", "employees", INT, help="不小于 0 的整数"),
            Column("是否规上", "above_scale", BOOL, help=_BOOL_HELP),
            Column("经营状态", "status", ENUM, choices=m.ORG_STATUSES, help="在营（默认）/ 在建 / 注销"),
            Column("上级单位信用代码", "parent_uscc", USCC, help="母公司的信用代码（子公司填写）"),
            Column("经度", "lon", FLOAT, help="WGS-84 经度，十进制度；与纬度同时填写或同时留空"),
            Column("纬度", "lat", FLOAT, help="WGS-84 纬度，十进制度；与经度同时填写或同时留空"),
        ),
        Label.ORGANIZATION,
        "uscc",
        aliases=("organisations", "orgs"),
        help="两新组织：非公企业、个体工商户、专业市场、社会组织、行业协会、商会",
    ),
    Sheet(
        "党组织",
        "party_orgs",
        (
            Column("党组织编码", "party_org_code", CODE, True, help="党组织的唯一编码"),
            Column("党组织名称", "party_org_name", TEXT, True, help="党组织全称"),
            Column(
                "层级", "level", ENUM, True, choices=m.PARTY_LEVELS, help="党委/党总支/党支部/党小组/党工委"
            ),
            Column(
                "类型",
                "kind",
                ENUM,
                choices=m.PARTY_KINDS,
                choice_aliases=m.PARTY_KIND_ALIASES,
                help="默认“组织党组织”；非公经济组织党委 即 非公有制经济组织党委",
            ),
            Column("组建方式", "formation", ENUM, choices=m.FORMATIONS, help="单独建/联合建/挂靠建/1+X"),
            Column(
                "上级党组织编码",
                "parent_code",
                CODE,
                help="隶属的上级党组织编码；只有区委（或区委两新工委）可留空",
            ),
            Column(
                "所在镇街编码",
                "town_code",
                CODE,
                help="区级党组织留空；组织的党组织留空时取其覆盖组织共同所在的镇街",
            ),
            Column("所在园区编码", "park_code", CODE, help="如填写，必须是“园区”表中的编码"),
            Column(
                "覆盖组织信用代码",
                "covers",
                USCC_LIST,
                help="覆盖的组织信用代码，可填多个，用分号、逗号、顿号或换行分隔；每个都必须在“组织”表中",
            ),
            Column(
                "示范等级",
                "demo_tier",
                ENUM,
                choices=m.DEMO_TIERS,
                choice_aliases=m.DEMO_TIER_ALIASES,
                help="市级/区级/镇街级（镇街(园区)级 同 镇街级）；非示范点留空",
            ),
            Column("成立日期", "founded", DATE, help="日期，如 2011-07-01"),
            Column(
                "本届届满日期",
                "term_ends",
                DATE,
                aliases=("届满日期",),
                help="本届班子任期届满的日期（换届提醒），可留空",
            ),
        ),
        Label.PARTY_ORG,
        "party_org_code",
        aliases=("party_organisations", "party_organizations"),
        help="各级党组织，含区委、两新工委、镇街两新党委、园区党工委和组织的党组织",
    ),
    Sheet(
        "党员",
        "members",
        (
            Column("党员编号", "member_id", CODE, True, help="党员的唯一编号（不要填身份证号）"),
            Column("姓名", "name", TEXT, True, help="姓名"),
            Column("身份证号", "id_number", ID_NUMBER, help="18 位身份证号；请设为文本格式，不要存成数字"),
            Column("手机号", "phone", PHONE, help="11 位手机号，可带 +86"),
            Column("性别", "gender", ENUM, choices=m.GENDERS, help="男/女"),
            Column("党员类型", "member_type", ENUM, choices=m.MEMBER_TYPES, help="正式党员/预备党员"),
            Column(
                "组织关系所在党组织编码",
                "relationship_org",
                CODE,
                help="组织关系所在党组织的编码；只有流动党员、隐性党员可留空",
            ),
            Column(
                "活动所在党组织编码", "activity_org", CODE, help="参加活动的党组织编码（常为镇街两新党委）"
            ),
            Column("工作单位信用代码", "employer_uscc", USCC, help="工作单位的信用代码，须在“组织”表中"),
            Column("身份标记", "flag", ENUM, choices=m.MEMBER_FLAGS, help="流动党员/隐性党员/留空"),
            Column("党内职务", "post", ENUM, choices=m.POSTS, help="书记/副书记/委员/留空"),
            Column("交叉任职", "cross_appointed", BOOL, help=_BOOL_HELP + "：是否同时在单位行政领导班子任职"),
            Column("是否业主", "owner", BOOL, help=_BOOL_HELP + "：是否工作单位的业主"),
            Column("管理岗位", "in_management", BOOL, help=_BOOL_HELP + "：是否在单位担任管理岗位"),
            Column("专业技术职称", "title", TEXT, long_text=True, help="自由填写"),
        ),
        Label.MEMBER,
        "member_id",
        help="党员名册；身份证号、手机号只保存加密摘要和脱敏形式",
    ),
    Sheet(
        "党建指导员",
        "instructors",
        (
            Column("指导员编号", "instructor_id", CODE, True, help="指导员的唯一编号"),
            Column("姓名", "name", TEXT, True, help="姓名"),
            Column("手机号", "phone", PHONE, help="11 位手机号，可带 +86"),
            Column(
                "派驻对象",
                "assigned_to",
                ANY_LIST,
                True,
                help="派驻的组织信用代码或党组织编码，可填多个，用分号、逗号、顿号或换行分隔",
            ),
        ),
        Label.INSTRUCTOR,
        "instructor_id",
        help="党建指导员及其派驻对象",
    ),
    Sheet(
        "结对",
        "pairings",
        (
            Column("结对类型", "pairing_type", ENUM, True, choices=m.PAIRING_TYPES, help="示范帮扶/村企联建"),
            Column(
                "发起方编码",
                "from_code",
                CODE,
                True,
                help="示范帮扶：示范点党组织编码（须有示范等级）；村企联建：组织信用代码",
            ),
            Column(
                "对象编码",
                "to_code",
                CODE,
                True,
                help="示范帮扶：党组织编码或组织信用代码；村企联建：村编码",
            ),
            Column("开始日期", "since", DATE, help="日期"),
        ),
        help="示范点结对帮扶、村企联建；同一行全部列相同视为同一条记录",
    ),
    Sheet(
        "帮建",
        "help_build",
        (
            Column("帮建人编号", "helper_id", CODE, True, help="指导员编号或党员编号"),
            Column("帮建对象信用代码", "target_uscc", USCC, True, help="帮建对象的信用代码，须在“组织”表中"),
            Column("开始日期", "since", DATE, help="日期"),
            Column("状态", "status", ENUM, choices=m.HELP_STATUSES, help="进行中/已建立/暂停"),
        ),
        aliases=("helpbuild", "help_builds"),
        help="帮建台账；同一行全部列相同视为同一条记录",
    ),
    Sheet(
        "联系记录",
        "contacts",
        (
            Column("帮建人编号", "helper_id", CODE, True, help="指导员编号或党员编号"),
            Column("对象信用代码", "target_uscc", USCC, True, help="联系对象的信用代码，须在“组织”表中"),
            Column("日期", "date", DATE, True, help="联系日期"),
            Column(
                "方式",
                "method",
                ENUM,
                True,
                choices=m.CONTACT_METHODS,
                help="电话/走访/业主面谈/发展党员/建立党组织",
            ),
        ),
        help="“五个一”联系记录；同一行全部列相同视为同一条记录",
    ),
)

SHEET_BY_NAME = {s.name: s for s in SHEETS}
SHEET_ORDER = [s.name for s in SHEETS]

# Which relationship types the rows of a node sheet own (rule 10: reloading a row replaces them).
OWNED_RELS: dict[str, tuple[Rel, ...]] = {
    "园区": (Rel.LOCATED_IN,),
    "村社区": (Rel.LOCATED_IN,),
    "组织": (Rel.LOCATED_IN, Rel.IN_PARK, Rel.IN_ASSOCIATION, Rel.SUBSIDIARY_OF),
    "党组织": (Rel.LOCATED_IN, Rel.IN_PARK, Rel.REPORTS_TO, Rel.COVERS),
    "党员": (Rel.RELATIONSHIP_IN, Rel.ACTIVE_IN, Rel.WORKS_AT),
    "党建指导员": (Rel.ASSIGNED_TO,),
}
# Relationship types a keyless sheet produces (identified by rid; --sync removes the missing ones).
KEYLESS_RELS: dict[str, tuple[Rel, ...]] = {
    "结对": (Rel.PAIRED_WITH, Rel.JOINT_BUILDS_WITH),
    "帮建": (Rel.HELPS_BUILD,),
    "联系记录": (Rel.CONTACTED,),
}

ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"), None)
_WS = re.compile(r"\s+")


def normalise(text: str) -> str:
    """NFKC, zero-width characters removed, surrounding whitespace trimmed (reading rule 1)."""
    if text.isascii():
        return text.strip()
    return unicodedata.normalize("NFKC", text).translate(ZERO_WIDTH).strip()


def header_token(text: str) -> str:
    """A header as matched: normalised, inner whitespace and a trailing required-mark removed,
    English keys case-insensitive."""
    t = _WS.sub("", normalise(text)).rstrip("*").lower()
    return t.replace("-", "").replace("_", "")


def _sheet_tokens(s: Sheet) -> list[str]:
    return [header_token(x) for x in (s.name, s.key, *s.aliases)]


SHEET_TOKENS: dict[str, Sheet] = {tok: s for s in SHEETS for tok in _sheet_tokens(s)}
COLUMN_TOKENS: dict[str, dict[str, Column]] = {
    s.name: {header_token(n): c for c in s.columns for n in c.names} for s in SHEETS
}


def match_sheet(name: str) -> Sheet | None:
    return SHEET_TOKENS.get(header_token(name))
