"""Typed results of every question (shared by the API, the dashboard and the CLI).

Conventions: a node is a :class:`NodeRef` (``label`` is the English label, ``key`` its key
property); node ids in networks are ``"Label:key"`` as in graph.store; rates are fractions
in [0, 1] (``None`` when the denominator is 0); every list is in a deterministic order
(ties broken by key) so both backends give equal answers.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(frozen=False, extra="forbid")


# Vocabularies the faces share (graph.model holds the same values as tuples; a test checks).
InconsistencyCode = Literal[
    "activity_town_mismatch",
    "relationship_not_covering_employer",
    "flagged_without_relationship",
    "committee_without_post",
]
PairingType = Literal["示范帮扶", "村企联建"]
DemoTier = Literal["市级", "区级", "镇街级"]


# --- building blocks -----------------------------------------------------------------


class NodeRef(_Model):
    """One node as people see it."""

    label: str  # graph.model.Label value, e.g. "Organization"
    key: str
    name: str | None = None
    town_code: str | None = None

    @property
    def id(self) -> str:
        return f"{self.label}:{self.key}"


class EdgeRef(_Model):
    """One relationship, directed as stored (``source`` -> ``target`` are node ids)."""

    type: str  # graph.model.Rel value
    type_zh: str
    source: str
    target: str
    properties: dict[str, Any] = Field(default_factory=dict)


class NetworkNode(_Model):
    """A node in a network answer, with the attributes a drawing needs."""

    id: str
    node: NodeRef
    attrs: dict[str, Any] = Field(default_factory=dict)


# --- 1. coverage ---------------------------------------------------------------------


class CoverageRow(_Model):
    """Counts for one group of organisations (注销 excluded)."""

    group: str  # the group's value (category / town code / park code / industry / association uscc)
    group_name: str | None = None
    total: int
    covered: int  # 组织覆盖: some PartyOrg COVERS it
    rate: float | None
    work_covered: int  # 工作覆盖: covered, or an instructor assigned to it or to a PartyOrg covering it
    work_rate: float | None


class OrgEntry(_Model):
    """An organisation in a list (coverage's uncovered, gaps' entries): what every list shows."""

    org: NodeRef
    category: str | None = None
    industry: str | None = None
    park_code: str | None = None
    association_uscc: str | None = None  # None for a town user when the association is another town's
    association_name: str | None = None
    employees: int | None = None


class UncoveredOrg(OrgEntry):
    work_covered: bool = False  # an instructor serves it although no PartyOrg covers it


class CoverageResult(_Model):
    """Coverage overall (non-public / social sets), by the chosen grouping, and the gaps."""

    town: str | None = None
    by: Literal["category", "town", "park", "industry", "association"] = "category"
    nonpublic: CoverageRow  # 非公企业 + 专业市场
    social: CoverageRow  # 社会组织 + 行业协会 + 商会
    self_employed: CoverageRow  # 个体工商户, reported on its own, in neither rate
    rows: list[CoverageRow]
    uncovered: list[UncoveredOrg]  # uncovered organisations matching the filters (incl. 个体工商户), by key
    uncovered_total: int = 0  # all of them; ``uncovered`` holds one page (``offset``, ``limit``)
    offset: int = 0


# --- 2. gaps -------------------------------------------------------------------------


class Candidate(_Model):
    """An existing party organisation that could take in an uncovered organisation."""

    party_org: NodeRef
    kind: str | None = None
    level: str | None = None
    formation: str | None = None
    same_park: bool = False
    same_association: bool = False
    same_town: bool = False
    hops: int | None = None  # graph distance, never through a Town, Park or district-level node
    distance_km: float | None = None  # straight line to the nearest organisation it covers
    reasons: list[str] = Field(default_factory=list)  # Chinese, e.g. "同一园区"


class GapMember(_Model):
    member: NodeRef
    member_type: str | None = None  # 正式党员 / 预备党员
    flag: str | None = None  # 流动党员 / 隐性党员


class Recommendation(_Model):
    formation: Literal["单独建", "联合建", "挂靠建", "1+X", "派驻指导员"]
    host: NodeRef | None = None  # 挂靠建 / 1+X: the host party organisation
    partners: list[NodeRef] = Field(default_factory=list)  # 联合建: the uncovered neighbours
    reason: str  # Chinese


class Helper(_Model):
    helper: NodeRef  # Instructor or Member
    since: str | None = None
    status: str | None = None


class GapEntry(OrgEntry):
    status: str | None = None
    members: list[GapMember] = Field(default_factory=list)
    full_members: int = 0
    probationary_members: int = 0
    floating_members: int = 0
    hidden_members: int = 0
    candidates: list[Candidate] = Field(default_factory=list)
    recommendation: Recommendation
    demo_points: list[NodeRef] = Field(default_factory=list)  # demonstration points paired with it
    instructors: list[NodeRef] = Field(default_factory=list)  # ASSIGNED_TO it
    helpers: list[Helper] = Field(default_factory=list)  # HELPS_BUILD it


class MapPoint(_Model):
    org: NodeRef
    lon: float
    lat: float
    park_code: str | None = None
    covered: bool  # some party organisation covers it


class GapsResult(_Model):
    """Uncovered organisations ranked for action (most full members first, then employees, key)."""

    town: str | None = None
    total: int  # uncovered organisations matching the filters, 个体工商户 excluded
    offset: int = 0
    entries: list[GapEntry]
    self_employed_total: int = 0
    self_employed: list[GapEntry] = Field(default_factory=list)  # 个体工商户, reported separately
    # with ``with_map``: every organisation in scope with coordinates (the map of the gaps page)
    map_points: list[MapPoint] | None = None


# --- 3. paths ------------------------------------------------------------------------


class Path(_Model):
    nodes: list[NodeRef]  # members' names masked (张**)
    relationships: list[EdgeRef]  # relationships[i] joins nodes[i] and nodes[i+1]
    chain_zh: str  # "甲公司 ←覆盖— 甲支部 —位于→ 中山路街道"
    sentence_zh: str = ""  # "甲公司的党员张**，组织关系在甲支部，甲支部是区级示范点，结对帮扶乙公司。"


class PathResult(_Model):
    source: NodeRef
    target: NodeRef
    found: bool
    length: int | None = None
    paths: list[Path] = Field(default_factory=list)  # shortest paths, by node ids, up to k
    truncated: bool = False  # more shortest paths exist than returned
    types: list[str] = Field(default_factory=list)  # the relationship types walked
    include_hubs: bool = False  # whether hubs (towns, parks, structural party orgs) were allowed
    through_hubs: bool = False  # no path avoids the hubs: the one given passes through them
    hubs: list[NodeRef] = Field(default_factory=list)  # the hubs the given paths pass through
    note_zh: str | None = None  # why the answer is what it is (no hub-free path, ...)


# --- 4. membership -------------------------------------------------------------------


class ChainStep(_Model):
    node: NodeRef
    kind: str | None = None
    level: str | None = None


class Inconsistency(_Model):
    member: NodeRef
    code: InconsistencyCode
    message: str  # Chinese
    related: list[NodeRef] = Field(default_factory=list)


class MembershipResult(_Model):
    member: NodeRef
    member_type: str | None = None
    flag: str | None = None
    post: str | None = None
    relationship_chain: list[ChainStep]  # relationship org, then REPORTS_TO up to the top
    activity_chain: list[ChainStep]  # activity org, then REPORTS_TO up to the top
    employer: NodeRef | None = None
    employer_covered_by: list[NodeRef] = Field(default_factory=list)
    inconsistencies: list[Inconsistency] = Field(default_factory=list)


class InconsistencyList(_Model):
    town: str | None = None
    total: int
    counts: dict[str, int]  # per code
    items: list[Inconsistency]


# --- 5. pairing ----------------------------------------------------------------------


class PartnerCount(_Model):
    source: NodeRef  # demonstration point (示范帮扶) or organisation (村企联建)
    demo_tier: str | None = None
    partners: list[NodeRef]
    count: int


class PairingNetwork(_Model):
    pairing_type: PairingType
    town: str | None = None
    tier: str | None = None
    nodes: list[NetworkNode]
    edges: list[EdgeRef]
    # 示范帮扶: demonstration points without partners; 村企联建: villages nobody builds with
    unpaired_points: list[NodeRef]
    uncovered_unpaired: list[NodeRef]  # uncovered organisations nobody is paired with (示范帮扶 only)
    partners: list[PartnerCount]
    components: list[list[str]]  # node ids, largest first


# --- 6. centrality -------------------------------------------------------------------


class CentralityItem(_Model):
    node: NodeRef
    score: float
    rank: int


class CutConsequence(_Model):
    """What one articulation point or bridge cuts off when it is removed."""

    node: NodeRef | None = None  # the articulation point (None for a bridge)
    edge: tuple[NodeRef, NodeRef] | None = None  # the bridge's ends (sorted by id)
    component_size: int  # nodes of its connected part before the cut
    pieces: int  # parts left (without the removed node)
    cut_off: int  # nodes no longer joined to the largest remaining part
    cut_off_nodes: list[NodeRef]  # which (first 20, by id)
    sentence_zh: str


class CentralityResult(_Model):
    network: Literal["pairing", "organisation", "membership"]
    metric: Literal["degree", "betweenness", "pagerank"]
    town: str | None = None
    node_count: int
    edge_count: int
    approximate: bool  # always False: betweenness is exact (igraph); kept for API clients
    sample_size: int | None = None
    items: list[CentralityItem]  # top k, score desc then id
    articulation_points: list[NodeRef]  # cut vertices: highest degree first, then id; first 100
    articulation_total: int
    bridges: list[tuple[str, str]]  # node ids (u < v), sorted; first 100
    bridges_total: int
    metric_zh: str = ""  # the metric's name and what it means, one line
    cut_points: list[CutConsequence] = Field(default_factory=list)  # by cut_off desc, then id
    cut_bridges: list[CutConsequence] = Field(default_factory=list)  # by cut_off desc, then ids
    cut_points_total: int = 0  # shown under the leaf rule (include_leaves)
    cut_bridges_total: int = 0
    leaf_cuts_hidden: int = 0  # points and bridges that detach a single node, hidden unless asked


# --- 7. ego --------------------------------------------------------------------------


class EgoNetwork(_Model):
    center: NodeRef
    hops: int
    nodes: list[NetworkNode]  # attrs["hop"] = distance from the center
    edges: list[EdgeRef]
    capped: bool  # the neighbourhood had more nodes than the cap


# --- entities, search, tree ----------------------------------------------------------


class OrganizationDetail(_Model):
    org: NodeRef
    properties: dict[str, Any]
    town: NodeRef | None = None
    park: NodeRef | None = None
    association: NodeRef | None = None
    parent: NodeRef | None = None
    subsidiaries: list[NodeRef] = Field(default_factory=list)
    association_members: list[NodeRef] = Field(default_factory=list)
    covered_by: list[NodeRef] = Field(default_factory=list)
    instructors: list[NodeRef] = Field(default_factory=list)
    paired_by: list[NodeRef] = Field(default_factory=list)  # demonstration points
    villages: list[NodeRef] = Field(default_factory=list)  # 村企联建
    helpers: list[Helper] = Field(default_factory=list)
    # 正式党员 / 预备党员 / 流动党员 / 隐性党员 / 合计 (members working there)
    member_counts: dict[str, int] = Field(default_factory=dict)


class MemberDetail(_Model):
    """A member's page: masked details (no hashes; ID and phone only masked), where the member
    works, has the organisational relationship and takes part, the chains and inconsistencies."""

    member: NodeRef
    properties: dict[str, Any]
    employer: NodeRef | None = None
    relationship_org: NodeRef | None = None
    activity_org: NodeRef | None = None
    helps_build: list[NodeRef] = Field(default_factory=list)  # 帮建对象
    contacts: int = 0  # contact records (CONTACTED)
    membership: MembershipResult


class JointBuilder(_Model):
    org: NodeRef
    covered_by: list[NodeRef] = Field(default_factory=list)  # the organisation's party organisations
    properties: dict[str, Any] = Field(default_factory=dict)  # of the JOINT_BUILDS_WITH link


class VillageDetail(_Model):
    """A village's page: its town and that town's committee, and who builds jointly with it."""

    village: NodeRef
    properties: dict[str, Any]
    town: NodeRef | None = None
    town_committees: list[NodeRef] = Field(default_factory=list)  # 镇街两新党委 located in its town
    joint_builders: list[JointBuilder] = Field(default_factory=list)


class PartyOrgDetail(_Model):
    party_org: NodeRef
    properties: dict[str, Any]
    parents: list[NodeRef] = Field(default_factory=list)  # REPORTS_TO chain upwards
    children: list[NodeRef] = Field(default_factory=list)
    covers: list[NodeRef] = Field(default_factory=list)
    instructors: list[NodeRef] = Field(default_factory=list)
    paired_with: list[NodeRef] = Field(default_factory=list)  # its partners (demonstration point)
    paired_by: list[NodeRef] = Field(default_factory=list)  # demonstration points pairing it
    member_counts: dict[str, int] = Field(default_factory=dict)  # relationship members, by type/flag + 合计
    committee: list[GapMember] = Field(default_factory=list)  # members with a post (书记/副书记/委员)


class SearchHit(_Model):
    node: NodeRef
    label_zh: str
    matched: str  # the property that matched: "key" or "name"


class SearchResult(_Model):
    total: int  # every match in scope, not only the page
    offset: int = 0
    items: list[SearchHit]  # exact key matches first, then label order, name length, key


class TreeNode(_Model):
    node: NodeRef
    kind: str | None = None
    level: str | None = None
    demo_tier: str | None = None
    covers: int = 0  # organisations it covers
    descendants: int = 0
    children: list[TreeNode] = Field(default_factory=list)


class OrgTree(_Model):
    town: str | None = None
    roots: list[TreeNode]  # normally one: 区委
    total: int  # party organisations in the tree
