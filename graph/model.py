"""The domain model: node labels, relationship types, vocabularies and records.

Labels and relationship types here are the only source of label text in Cypher
(see graph.schema); nothing from input ever becomes a label or a type.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict


class Label(StrEnum):
    TOWN = "Town"
    PARK = "Park"
    VILLAGE = "Village"
    ORGANIZATION = "Organization"
    PARTY_ORG = "PartyOrg"
    MEMBER = "Member"
    INSTRUCTOR = "Instructor"

    @property
    def key(self) -> str:
        return NODE_KEYS[self]


NODE_KEYS: dict[Label, str] = {
    Label.TOWN: "town_code",
    Label.PARK: "park_code",
    Label.VILLAGE: "village_code",
    Label.ORGANIZATION: "uscc",
    Label.PARTY_ORG: "party_org_code",
    Label.MEMBER: "member_id",
    Label.INSTRUCTOR: "instructor_id",
}

# The property that names a node for people (display).
NODE_NAMES: dict[Label, str] = {
    Label.TOWN: "town_name",
    Label.PARK: "park_name",
    Label.VILLAGE: "village_name",
    Label.ORGANIZATION: "org_name",
    Label.PARTY_ORG: "party_org_name",
    Label.MEMBER: "name",
    Label.INSTRUCTOR: "name",
}

LABEL_ZH: dict[Label, str] = {
    Label.TOWN: "镇街",
    Label.PARK: "园区",
    Label.VILLAGE: "村社区",
    Label.ORGANIZATION: "组织",
    Label.PARTY_ORG: "党组织",
    Label.MEMBER: "党员",
    Label.INSTRUCTOR: "党建指导员",
}


class Rel(StrEnum):
    LOCATED_IN = "LOCATED_IN"
    IN_PARK = "IN_PARK"
    SUBSIDIARY_OF = "SUBSIDIARY_OF"
    IN_ASSOCIATION = "IN_ASSOCIATION"
    REPORTS_TO = "REPORTS_TO"
    COVERS = "COVERS"
    RELATIONSHIP_IN = "RELATIONSHIP_IN"
    ACTIVE_IN = "ACTIVE_IN"
    WORKS_AT = "WORKS_AT"
    ASSIGNED_TO = "ASSIGNED_TO"
    PAIRED_WITH = "PAIRED_WITH"
    JOINT_BUILDS_WITH = "JOINT_BUILDS_WITH"
    HELPS_BUILD = "HELPS_BUILD"
    CONTACTED = "CONTACTED"


REL_ZH: dict[Rel, str] = {
    Rel.LOCATED_IN: "位于",
    Rel.IN_PARK: "入驻园区",
    Rel.SUBSIDIARY_OF: "隶属于",
    Rel.IN_ASSOCIATION: "加入协会",
    Rel.REPORTS_TO: "隶属党组织",
    Rel.COVERS: "覆盖",
    Rel.RELATIONSHIP_IN: "组织关系在",
    Rel.ACTIVE_IN: "活动在",
    Rel.WORKS_AT: "工作于",
    Rel.ASSIGNED_TO: "派驻",
    Rel.PAIRED_WITH: "结对帮扶",
    Rel.JOINT_BUILDS_WITH: "村企联建",
    Rel.HELPS_BUILD: "帮建",
    Rel.CONTACTED: "联系",
}

# Allowed (from, to) label pairs per relationship type (DESIGN.md graph model).
REL_ENDS: dict[Rel, tuple[frozenset[Label], frozenset[Label]]] = {
    Rel.LOCATED_IN: (
        frozenset({Label.PARK, Label.VILLAGE, Label.ORGANIZATION, Label.PARTY_ORG}),
        frozenset({Label.TOWN}),
    ),
    Rel.IN_PARK: (frozenset({Label.ORGANIZATION, Label.PARTY_ORG}), frozenset({Label.PARK})),
    Rel.SUBSIDIARY_OF: (frozenset({Label.ORGANIZATION}), frozenset({Label.ORGANIZATION})),
    Rel.IN_ASSOCIATION: (frozenset({Label.ORGANIZATION}), frozenset({Label.ORGANIZATION})),
    Rel.REPORTS_TO: (frozenset({Label.PARTY_ORG}), frozenset({Label.PARTY_ORG})),
    Rel.COVERS: (frozenset({Label.PARTY_ORG}), frozenset({Label.ORGANIZATION})),
    Rel.RELATIONSHIP_IN: (frozenset({Label.MEMBER}), frozenset({Label.PARTY_ORG})),
    Rel.ACTIVE_IN: (frozenset({Label.MEMBER}), frozenset({Label.PARTY_ORG})),
    Rel.WORKS_AT: (frozenset({Label.MEMBER}), frozenset({Label.ORGANIZATION})),
    Rel.ASSIGNED_TO: (
        frozenset({Label.INSTRUCTOR}),
        frozenset({Label.ORGANIZATION, Label.PARTY_ORG}),
    ),
    Rel.PAIRED_WITH: (
        frozenset({Label.PARTY_ORG}),
        frozenset({Label.PARTY_ORG, Label.ORGANIZATION}),
    ),
    Rel.JOINT_BUILDS_WITH: (frozenset({Label.ORGANIZATION}), frozenset({Label.VILLAGE})),
    Rel.HELPS_BUILD: (frozenset({Label.INSTRUCTOR, Label.MEMBER}), frozenset({Label.ORGANIZATION})),
    Rel.CONTACTED: (frozenset({Label.INSTRUCTOR, Label.MEMBER}), frozenset({Label.ORGANIZATION})),
}


# --- vocabularies (the Chinese values are what rosters hold and what the UI shows) ---

NONPUBLIC_CATEGORIES = frozenset({"非公企业", "专业市场"})
SOCIAL_CATEGORIES = frozenset({"社会组织", "行业协会", "商会"})
SELF_EMPLOYED_CATEGORY = "个体工商户"
OrgCategory = Literal["非公企业", "个体工商户", "专业市场", "社会组织", "行业协会", "商会"]
ORG_CATEGORIES: tuple[str, ...] = get_args(OrgCategory)
# Organisations that others can join (所属协会信用代码 must point at one of these).
ASSOCIATION_CATEGORIES = frozenset({"行业协会", "商会", "专业市场"})
ORG_STATUSES = ("在营", "在建", "注销")
DEREGISTERED = "注销"

PARTY_LEVELS = ("党委", "党总支", "党支部", "党小组", "党工委")
PARTY_KINDS = (
    "组织党组织",
    "协会党组织",
    "项目党小组",
    "镇街两新党委",
    "园区党工委",
    "非公有制经济组织党委",
    "区委两新工委",
    "区委",
)
PARTY_KIND_ALIASES = {"非公经济组织党委": "非公有制经济组织党委"}
FORMATIONS = ("单独建", "联合建", "挂靠建", "1+X")
DEMO_TIERS = ("市级", "区级", "镇街级")
DEMO_TIER_ALIASES = {"镇街(园区)级": "镇街级"}
# Kinds whose party organisations are district-level structure (they connect everything).
STRUCTURAL_KINDS = frozenset({"镇街两新党委", "园区党工委", "非公有制经济组织党委", "区委两新工委", "区委"})
TWO_NEW_KINDS = frozenset({"组织党组织", "协会党组织"})
TWO_NEW_LEVELS = frozenset({"党委", "党总支", "党支部"})

MEMBER_TYPES = ("正式党员", "预备党员")
MEMBER_FLAGS = ("流动党员", "隐性党员")
POSTS = ("书记", "副书记", "委员")
GENDERS = ("男", "女")
PAIRING_TYPES = ("示范帮扶", "村企联建")
HELP_STATUSES = ("进行中", "已建立", "暂停")
CONTACT_METHODS = ("电话", "走访", "业主面谈", "发展党员", "建立党组织")
TOWN_TYPES = ("镇", "街道")


class Record(BaseModel):
    """A node as stored: its label, key and properties (personal data already masked/hashed)."""

    model_config = ConfigDict(frozen=True)

    label: Label
    key: str
    props: dict[str, object]


class Link(BaseModel):
    """A relationship as stored. ``rid`` tells apart several relationships of one type
    between the same two nodes (contacts on different dates); empty when one suffices."""

    model_config = ConfigDict(frozen=True)

    type: Rel
    from_label: Label
    from_key: str
    to_label: Label
    to_key: str
    rid: str = ""
    props: dict[str, object] = {}


# The store document recording the last load (file, time, rows): written by the loader with the
# load, read by queries.dataset so every face can say which data it shows.
LOAD_DOC_KIND = "dataset"
LOAD_DOC_ID = "last_load"
