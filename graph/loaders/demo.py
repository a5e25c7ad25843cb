"""The synthetic demo district: a roster workbook (domain/ROSTER.md) that reproduces FACTS.md.

``generate(out)`` writes Yongchuan as the source article describes it at the end of 2011:
its 23 towns and streets, 3 parks, about 2,000 two-new organisations, their party
organisations, members, instructors, pairings and the help-build ledger. Every figure
marked "graph" in FACTS.md holds by construction, whatever the seed: the seed only changes
names, sizes within ranges and who is paired with whom, never a designed count.

``scale=N`` repeats the district N times (codes suffixed ``-N``, names ``·N``). Every copy
draws its structure from the same seeded stream, so all copies have the same row counts
and the output format (xlsx or a CSV folder) is known after building the first one.
Rows are streamed copy by copy; memory does not grow with N except for the set of ID
numbers already issued (kept so they stay unique).

All data is invented. Only the town and park names are real geography.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import json
import math
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict, Unpack

import shapely.geometry

from graph import geo
from graph.identifiers import USCC_ALPHABET, ric_check_char, uscc_check_char
from graph.loaders import demo_names as names
from graph.loaders import spec

EXCEL_MAX_ROWS = 1_048_575  # data rows under one header row
NOTE_SHEET = "说明"
SYNTHETIC_MARK = "合成数据, 非真实信息"
CREATED = dt.datetime(2012, 1, 1, 0, 0, 0)  # fixed so the same seed gives the same bytes

# The roster layout is the loader's own spec, so the demo can never drift from what loads.
SHEETS: dict[str, tuple[str, ...]] = {sh.name: tuple(c.header for c in sh.columns) for sh in spec.SHEETS}

# --- The design: per-copy counts that make FACTS.md come out exactly -----------------------
# Non-public {非公企业, 专业市场}, not 注销: 1367 / 1885 = 72.52% (F12), 518 uncovered (F8).
NP_COVERED = 1367
NP_UNCOVERED = 518
UNCOVERED_MARKETS = 4
# Social {社会组织, 行业协会, 商会}: 48 / 96 = 50% (F13).
SOCIAL_ORGS_COVERED, SOCIAL_ORGS_UNCOVERED = 31, 35  # 社会组织
TRADE_ASSOC_COVERED, CHAMBERS_COVERED, MARKETS_COVERED = 10, 7, 6  # one 协会党组织 each: 23 (F16)
SELF_EMPLOYED_COVERED, SELF_EMPLOYED_UNCOVERED = 12, 36
DEREGISTERED = (("非公企业", 16), ("个体工商户", 3), ("社会组织", 5))
# Party organisations of the two-new set (F11 = 375):
#   12 direct (F4) + 41 of their branches + 27 park branches (F3) + 23 association
#   + 10 company committees in towns with 20 branches + 15 general branches
#   + 23 social-org branches + 20 micro-enterprise 1+X branches + 184 town branches.
TOWN_BRANCH_FORMATIONS = (("单独建", 70), ("联合建", 60), ("挂靠建", 24), ("1+X", 30))
PARK_BRANCHES = (12, 8, 7)  # per park: 27 (F3)
PARK_BRANCH_FORMATIONS = (("单独建", 14), ("联合建", 8), ("1+X", 5))
PROJECT_GROUPS = (7, 5, 5)  # per park: 17 (F3)
DEMO_TIERS = (("市级", 12), ("区级", 57), ("镇街级", 138))  # 207 (F5); the other 168 are paired (F6)
PAIRED_UNCOVERED = 157  # F6
EXTRA_PAIRINGS = 20
POST_HOLDERS = 474  # F15: committee members of F11 organisations ...
CROSS_APPOINTED = 392  # ... 392 / 474 = 82.70% cross-appointed
OWNER_POST_HOLDERS = 73  # F16
OWNERS_WITHOUT_POST = 12
FLOATING, HIDDEN = 112, 55  # F9: 167
MEMBERS_AT_UNCOVERED = 10
INSTRUCTORS_FOR_ORGS, INSTRUCTORS_FOR_PARTY = 236, 54  # F14: 290
HELP_UNCOVERED, HELP_ESTABLISHED, HELP_SECOND_HELPER = 120, 16, 10  # F10: 136 targets
JOINT_SOURCES, JOINT_VILLAGES, JOINT_EXTRA_ROWS = 129, 173, 12  # F17
# 五个一 at 2011-12-31 (issue 17): what happens to each active help-build pair's contacts.
CONTACT_FATES = ("kept", "calls_stopped", "visits_stopped", "owner_stopped", "call_gap")
CONTACT_FATE_WEIGHTS = (86, 5, 3, 2, 4)
_STOPS = {
    "kept": "",
    "calls_stopped": "电话",
    "visits_stopped": "走访",
    "owner_stopped": "业主面谈",
    "call_gap": "",
}
YEARLY_KEPT = 0.96  # share of helpers with a member developed / a party organisation built in the year
TERMS_ENDED, TERMS_ENDING = 0.02, 0.04  # 换届: already ended / ending within six months
# A handful of inconsistencies for the membership checks.
ACTIVITY_ELSEWHERE, RELATIONSHIP_ELSEWHERE, ACTIVITY_EMPTY = 5, 4, 6

_USCC_SPACE = 31**7
_YEAR_END = dt.date(2011, 12, 31)
_ORDINALS = ("", "第一", "第二", "第三", "第四", "第五")


@dataclass(slots=True, eq=False)
class _Org:
    uscc: str
    name: str
    category: str
    industry: str
    town: int
    park: int = -1
    assoc: _Org | None = None
    employees: int = 0
    above: bool = False
    status: str = "在营"
    parent: _Org | None = None
    lonlat: tuple[float, float] | None = None
    covered: bool = False
    owned: bool = False
    instructor: str = ""


@dataclass(slots=True, eq=False)
class _Party:
    code: str
    name: str
    level: str
    kind: str
    formation: str = ""
    parent: _Party | None = None
    town: int = -1  # -1: district level
    write_town: bool = True
    park: int = -1
    covers: list[_Org] = field(default_factory=list)
    tier: str = ""
    founded: str = ""
    family: int = 0  # a committee and its branches share one: they are not paired with each other
    role: str = ""  # the design group it belongs to (direct, sub, park, assoc, town, ...)
    term_ends: str = ""  # 本届届满日期
    secretary: str = ""  # member id of its 书记


# Firms the working committee runs directly, each with a committee over plain branches:
# town | name | sector | employees | the committee's founding (empty: drawn) | branches
_DIRECT_FIRMS = (
    "中山路街道|永川区通达运输有限责任公司|交通运输、仓储和邮政业|468||机关 客出 物业 装卸 退休",
    "来苏镇|永川区箕山电煤有限责任公司|采矿业|610|1976-06-18|机关 采煤 掘进 机电 退休",
    "胜利路街道|重庆市厦坤建设(集团)有限公司|建筑业|1260|2002-07-01|机关 第一工程处 第二工程处 物业",
)


class _PartyFields(TypedDict, total=False):
    """The fields of a _Party that Demo.party() passes on as they are given."""

    town: int
    park: int
    formation: str
    role: str


# The subsidiaries of 重庆渝永建设(集团): (name, sector, town)
_YUYONG_SUBSIDIARIES = (
    ("重庆渝永房地产开发有限公司", "房地产业", "南大街街道"),
    ("重庆渝永百货有限公司", "批发和零售业", "中山路街道"),
    ("重庆渝永劳务有限公司", "租赁和商务服务业", "南大街街道"),
    ("重庆渝永市政工程有限公司", "建筑业", "胜利路街道"),
    ("重庆渝永建材有限公司", "制造业", "卫星湖街道"),
    ("重庆渝永物业管理有限公司", "房地产业", "中山路街道"),
)


def _iso(d: dt.date) -> str:
    return d.isoformat()


def _periods(method: str, start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The working days of each 五个一 period from ``start``'s to ``end``'s: Monday to Friday of
    an ISO week (电话), the 1st to the 28th of a month (走访), a quarter's first 88 days (业主面谈)."""
    out = []
    if method == "电话":
        a = start - dt.timedelta(days=start.weekday())
        while a <= end:
            out.append((a, a + dt.timedelta(days=4)))
            a += dt.timedelta(days=7)
        return out
    step = 1 if method == "走访" else 3
    m = start.month if step == 1 else 3 * ((start.month - 1) // 3) + 1
    a = dt.date(start.year, m, 1)
    while a <= end:
        out.append((a, a + dt.timedelta(days=27 if step == 1 else 87)))
        n = a.month - 1 + step
        a = dt.date(a.year + n // 12, n % 12 + 1, 1)
    return [(lo, hi) for lo, hi in out if hi >= start and lo <= end]


class _District:
    """One copy of the district, built in memory (about 20k rows) and then streamed out."""

    def __init__(self, seed: int, copy: int, used_ids: set[int]) -> None:
        self.seed = seed
        self.rng = random.Random(seed)  # structure: identical for every copy
        self.prng = random.Random(seed * 1_000_003 + copy)  # people: differ per copy
        self.copy = copy
        self.code_sfx = "" if copy == 1 else f"-{copy}"
        self.name_sfx = "" if copy == 1 else f"·{copy}"
        self.used_ids = used_ids
        mix = random.Random(seed ^ 0x5EED5EED)
        self._mul = mix.randrange(1, _USCC_SPACE)
        while self._mul % 31 == 0:
            self._mul = mix.randrange(1, _USCC_SPACE)
        self._add = mix.randrange(_USCC_SPACE)
        self._serial = 0
        self._names: set[str] = set()
        self.orgs: list[_Org] = []
        self.parties: list[_Party] = []
        self.members: list[list[str]] = []
        self.rows: dict[str, list[Sequence[str]]] = {s: [] for s in SHEETS}
        self._party_n = 0
        self._group_n = 0
        self._family_n = 0
        self.town_weights = [t[5] for t in names.TOWNS]

    # --- identifiers and small helpers -------------------------------------------------------

    def code(self, base: str) -> str:
        return base + self.code_sfx

    def uscc(self, head: str, org_prefix: str) -> str:
        # A seeded affine map of (copy, serial) is a bijection: codes never collide.
        self._serial += 1
        n = (self._mul * ((self.copy << 20) | self._serial) + self._add) % _USCC_SPACE
        body = []
        for _ in range(7):
            n, d = divmod(n, 31)
            body.append(USCC_ALPHABET[d])
        first17 = head + "500118" + org_prefix + "".join(body)
        return first17 + uscc_check_char(first17)

    def date(self, start: dt.date, end: dt.date) -> dt.date:
        return dt.date.fromordinal(self.rng.randint(start.toordinal(), end.toordinal()))

    def unique(self, template: str, *choices: Sequence[str]) -> str:
        """A name not used yet in this copy: each ``{}`` of template filled from its choices."""
        for _ in range(200):
            name = template.format(*(self.rng.choice(c) for c in choices))
            if name not in self._names:
                self._names.add(name)
                return name
        raise RuntimeError("name space exhausted")  # pragma: no cover

    def towns_for(self, n: int) -> list[int]:
        """n town indices: every town once (when n allows), the rest by weight."""
        first = list(range(len(names.TOWNS)))
        self.rng.shuffle(first)
        first = first[:n]
        rest = self.rng.choices(range(len(names.TOWNS)), self.town_weights, k=n - len(first))
        out = first + rest
        self.rng.shuffle(out)
        return out

    def weighted_top(self, items: list[Any], k: int, weight: Callable[[Any], float]) -> list[Any]:
        """k items sampled without replacement, proportional to weight (Efraimidis-Spirakis)."""
        keyed = sorted(
            ((self.rng.random() ** (1.0 / weight(x)), i) for i, x in enumerate(items)), reverse=True
        )
        return [items[i] for _, i in keyed[:k]]

    def sizes(self, ranges: list[tuple[int, int]], total: int) -> list[int]:
        """Sizes within their ranges that add up to total exactly."""
        assert sum(lo for lo, _ in ranges) <= total <= sum(hi for _, hi in ranges)
        out = [self.rng.randint(lo, hi) for lo, hi in ranges]
        diff = total - sum(out)
        while diff:
            i = self.rng.randrange(len(ranges))
            lo, hi = ranges[i]
            if diff > 0 and out[i] < hi:
                out[i] += 1
                diff -= 1
            elif diff < 0 and out[i] > lo:
                out[i] -= 1
                diff += 1
        return out

    # --- organisations ------------------------------------------------------------------------

    def coords(self, town: int, park: int) -> tuple[float, float] | None:
        if self.rng.random() < 0.08:
            return None
        if park >= 0:
            lon, lat, sd = names.PARKS[park][3], names.PARKS[park][4], 0.006
        else:
            lon, lat, sd = names.TOWNS[town][3], names.TOWNS[town][4], 0.014
        p = (lon + self.rng.gauss(0, sd), lat + self.rng.gauss(0, sd))
        # Inside its own town's cell of the synthetic boundaries (town_boundaries), so the map
        # never shows a unit in a neighbouring town.
        return geo.pull_inside(p, str(town), TOWN_CENTRES, MAP_LAT0)

    @staticmethod
    def village_coords(town: int, j: int) -> tuple[str, str]:
        """A village's place near its town centre (every seventh has none: the map then puts it
        at its town's label point). Derived from indexes, not drawn: the random streams and so
        every other row stay as they were."""
        if j % 7 == 6:
            return "", ""
        lon0, lat0 = names.TOWNS[town][3], names.TOWNS[town][4]
        angle, radius = j * 2.39996, 0.004 + 0.0016 * j
        p = (lon0 + radius * math.cos(angle) / geo.aspect(MAP_LAT0), lat0 + radius * math.sin(angle))
        lon, lat = geo.pull_inside(p, str(town), TOWN_CENTRES, MAP_LAT0)
        return f"{lon:.6f}", f"{lat:.6f}"

    def industry(self, sector: str | None = None) -> tuple[str, str]:
        if sector is None:
            sector, words, _ = self.rng.choices(names.INDUSTRIES, [w for *_, w in names.INDUSTRIES])[0]
        else:
            words = next(w for s, w, _ in names.INDUSTRIES if s == sector)
        return sector, self.rng.choice(words)

    def company_name(self, word: str) -> str:
        pre, post = self.rng.choice(names.COMPANY_FORMS)
        return self.unique(pre + "{}{}" + word + post, names.BRAND_FIRST, names.BRAND_SECOND)

    def org(
        self,
        category: str,
        town: int,
        *,
        name: str | None = None,
        sector: str | None = None,
        park: int = -1,
        above: bool = False,
        employees: int | None = None,
        status: str = "在营",
        assoc: _Org | None = None,
        parent: _Org | None = None,
    ) -> _Org:
        rng = self.rng
        industry = ""
        if category == "非公企业":
            if sector is None and park >= 0 and rng.random() < 0.8:
                sector = "制造业"  # industrial parks host mostly manufacturers
            industry, word = self.industry(sector)
            if name is None:
                name = self.company_name(word)
            if employees is None:
                employees = rng.randint(100, 1200) if above else int(rng.triangular(3, 99, 12))
            head, prefix = "91", "MA"
        elif category == "专业市场":
            industry = "批发和零售业"
            head, prefix = "91", "MA"
            employees = employees or rng.randint(20, 180)
        elif category == "个体工商户":
            shop, industry = rng.choice(names.SHOPS)
            if name is None:
                name = self.unique(f"永川区{names.TOWNS[town][1]}{{}}记{shop}", names.SURNAMES)
            head, prefix = "92", "MA"
            employees = employees or rng.randint(1, 8)
        elif category == "社会组织":
            if name is None:
                suffix, industry = rng.choice(names.SOCIAL_KINDS)
                name = self.unique("永川区{}{}" + suffix, names.BRAND_FIRST, names.BRAND_SECOND)
            else:
                industry = "教育"
            head, prefix = "52", "MJ"
            employees = employees or rng.randint(5, 80)
        else:  # 行业协会 / 商会
            industry = sector or "社会团体"
            head, prefix = "51", "MJ"
            employees = employees or rng.randint(3, 15)
        assert name is not None
        self._names.add(name)
        o = _Org(
            uscc=self.uscc(head, prefix),
            name=name,
            category=category,
            industry=industry,
            town=town,
            park=park,
            assoc=assoc,
            employees=employees,
            above=above,
            status=status,
            parent=parent,
            lonlat=self.coords(town, park),
        )
        self.orgs.append(o)
        return o

    def companies(
        self, n: int, town: int, sector: str | None = None, assoc: _Org | None = None, park: int = -1
    ) -> list[_Org]:
        # Joint hosts and 1+X cover mostly small firms; a few are above scale.
        return [
            self.org("非公企业", town, sector=sector, assoc=assoc, park=park, above=self.rng.random() < 0.08)
            for _ in range(n)
        ]

    # --- party organisations ------------------------------------------------------------------

    def party(
        self,
        name: str,
        level: str,
        kind: str = "组织党组织",
        *,
        parent: _Party | None,
        covers: Sequence[_Org] = (),
        founded: dt.date | None = None,
        family: int = 0,
        code: str | None = None,
        **fields: Unpack[_PartyFields],
    ) -> _Party:
        if code is None:
            if kind == "项目党小组":
                self._group_n += 1
                code = f"XMZ{self._group_n:03d}"
            else:
                self._party_n += 1
                code = f"DZZ{self._party_n:05d}"
        if founded is None:
            start = dt.date(1988, 1, 1)
            if parent is not None and parent.founded:
                start = max(start, dt.date.fromisoformat(parent.founded))
            founded = self.date(start, dt.date(2010, 12, 31))
        if not family:
            self._family_n += 1
            family = self._family_n
        p = _Party(
            code=self.code(code),
            name=name,
            level=level,
            kind=kind,
            parent=parent,
            covers=list(covers),
            founded=_iso(founded),
            family=family,
            **fields,
        )
        for o in p.covers:
            o.covered = True
        self.parties.append(p)
        return p

    def firm_party(
        self,
        firm: _Org,
        level: str,
        kind: str = "组织党组织",
        *,
        parent: _Party,
        role: str,
        name: str | None = None,
        founded: dt.date | None = None,
        family: int = 0,
    ) -> _Party:
        """A party organisation set up in one firm alone (单独建), where the firm is."""
        return self.party(
            name or f"{firm.name}{level}",
            level,
            kind,
            parent=parent,
            town=firm.town,
            park=firm.park,
            covers=[firm],
            formation="单独建",
            founded=founded,
            role=role,
            family=family,
        )

    # --- the build ----------------------------------------------------------------------------

    def build(self) -> dict[str, list[Sequence[str]]]:
        self.build_places()
        self.build_structure()
        self.build_direct()
        self.build_associations()
        self.build_covering()
        self.build_uncovered()
        self.check_design()
        self.assign_tiers()
        self.build_members()
        self.build_instructors()
        self.build_pairings()
        self.build_help()
        self.build_terms()
        self.emit_orgs_and_parties()
        return self.rows

    def build_places(self) -> None:
        sfx = self.name_sfx
        self.town_codes = [self.code(t[0]) for t in names.TOWNS]
        for t, code in zip(names.TOWNS, self.town_codes, strict=True):
            self.rows["镇街"].append((code, t[1] + sfx, t[2]))
        self.park_codes = [self.code(p[0]) for p in names.PARKS]
        for p, code in zip(names.PARKS, self.park_codes, strict=True):
            self.rows["园区"].append((code, p[1] + sfx, self.town_codes[p[2]]))
        self.villages: list[list[tuple[str, int]]] = []  # per town: (code, town)
        for ti, (t, (n_vil, n_com)) in enumerate(zip(names.TOWNS, names.VILLAGE_COUNTS, strict=True)):
            roots = self.rng.sample(names.VILLAGE_ROOTS, n_vil + n_com)
            town_villages = []
            for j, root in enumerate(roots):
                is_community = j < n_com
                vcode = self.code(
                    f"{t[0]}{(1 if is_community else 201) + (j if is_community else j - n_com):03d}"
                )
                self.rows["村社区"].append(
                    (
                        vcode,
                        f"{root}{'社区' if is_community else '村'}{sfx}",
                        self.town_codes[ti],
                        *self.village_coords(ti, j),
                    )
                )
                town_villages.append((vcode, ti))
            self.villages.append(town_villages)

    def build_structure(self) -> None:
        d = dt.date
        # The district committee, its working committee for the two new kinds, and the non-public
        # economy committee: (name, level, kind, code, founded), each under the one before.
        chain: list[_Party] = []
        for name, level, kind, code, founded in (
            ("中共重庆市永川区委员会", "党委", "区委", "QW0001", d(1950, 1, 6)),
            ("中共永川区委两新组织工作委员会", "党工委", "区委两新工委", "LXGW01", d(2008, 9, 12)),
            ("永川区工商分局非公有制经济组织党委", "党委", "非公有制经济组织党委", "FGDW01", d(2009, 3, 18)),
        ):
            parent = chain[-1] if chain else None
            chain.append(
                self.party(name, level, kind, parent=parent, code=code, founded=founded, role="structure")
            )
        self.district, self.working, self.nonpublic = chain
        self.town_committees = [
            self.party(
                f"{t[1]}两新党委",
                "党委",
                "镇街两新党委",
                parent=self.working,
                town=ti,
                code=f"ZJDW{ti + 1:02d}",
                founded=self.date(d(2009, 1, 1), d(2009, 12, 31)),
                role="structure",
            )
            for ti, t in enumerate(names.TOWNS)
        ]
        self.park_committees = [
            self.party(
                f"{p[1]}党工委",
                "党工委",
                "园区党工委",
                parent=self.working,
                town=p[2],
                park=pi,
                code=f"YQDGW{pi + 1}",
                founded=self.date(d(2009, 6, 1), d(2010, 6, 30)),
                role="structure",
            )
            for pi, p in enumerate(names.PARKS)
        ]

    def company_tree(
        self,
        org: _Org,
        level: str,
        branches: Sequence[tuple[str, Sequence[_Org]]],
        *,
        parent: _Party,
        role: str,
        name: str | None = None,
        founded: dt.date | None = None,
        formation: str = "单独建",
    ) -> tuple[_Party, list[_Party]]:
        if founded is None:  # large firms organised early
            founded = self.date(dt.date(1985, 1, 1), dt.date(2006, 12, 31))
        top = self.party(
            name or f"{org.name}{level}",
            level,
            parent=parent,
            town=org.town,
            covers=[org],
            formation=formation,
            founded=founded,
            role=role,
        )
        subs = [
            self.party(
                f"{org.name}{label}党支部",
                "党支部",
                parent=top,
                town=(list(covered) or [org])[0].town,
                covers=list(covered) or [org],
                formation="单独建" if len(covered) <= 1 else "联合建",
                role=role + "_sub",
                family=top.family,
            )
            for label, covered in branches
        ]
        return top, subs

    def subsidiaries(
        self, parent: _Org, rows: Sequence[tuple[int, str, str]], staff: tuple[int, int]
    ) -> list[_Org]:
        """Above-scale subsidiaries of ``parent``, one per (town, name, sector), ``staff`` employees."""
        return [
            self.org(
                "非公企业",
                town,
                name=name,
                sector=sector,
                above=True,
                parent=parent,
                employees=self.rng.randint(*staff),
            )
            for town, name, sector in rows
        ]

    def build_direct(self) -> None:
        """The 12 organisations managed directly by the district working committee (F4)."""
        t = {tn[1]: i for i, tn in enumerate(names.TOWNS)}
        org = self.org
        w = self.working
        self.direct: list[_Party] = []

        yuxi = org(
            "非公企业", t["永荣镇"], name="渝西矿业集团有限公司", sector="采矿业", above=True, employees=3260
        )
        mines = [
            (t[f"{place}镇"], f"渝西矿业集团{place}煤业有限公司", "采矿业")
            for place in ("永荣", "红炉", "双石", "临江")
        ]
        yuxi_subs = self.subsidiaries(yuxi, mines, (180, 520))
        top, _ = self.company_tree(
            yuxi,
            "党委",
            [("机关", [yuxi])] + [(s.name[6:8], [s]) for s in yuxi_subs] + [("退休", [yuxi])],
            parent=w,
            role="direct",
            name="渝西矿业集团党委",
            founded=dt.date(1993, 7, 1),
        )
        self.direct.append(top)

        trees: list[tuple[_Party, list[_Party]]] = []
        for row in _DIRECT_FIRMS:
            place, firm_name, firm_sector, staff, since, branches = row.split("|")
            firm = org(
                "非公企业", t[place], name=firm_name, sector=firm_sector, above=True, employees=int(staff)
            )
            tree = self.company_tree(
                firm,
                "党委",
                [(b, []) for b in branches.split()],
                parent=w,
                role="direct",
                founded=dt.date.fromisoformat(since) if since else None,
            )
            trees.append(tree)
            self.direct.append(tree[0])
        (self.tongda, self.tongda_branches), (self.jishan, self.jishan_branches), (self.xiakun, _) = trees

        yuyong = org(
            "非公企业",
            t["南大街街道"],
            name="重庆渝永建设(集团)有限公司",
            sector="建筑业",
            above=True,
            employees=1820,
        )
        subs = self.subsidiaries(
            yuyong, [(t[town], name, sector) for name, sector, town in _YUYONG_SUBSIDIARIES], (60, 400)
        )
        self.yuyong, _ = self.company_tree(
            yuyong,
            "党总支",
            [("第一", subs[0:2]), ("第二", subs[2:4]), ("第三", subs[4:6])],
            parent=w,
            role="direct",
        )
        self.direct.append(self.yuyong)

        # Seven more large firms (4 committees with 3 branches, 3 general branches with 2).
        towns = self.rng.sample([0, 1, 2, 3, 4, 6, 9, 13, 16, 20], 7)
        for i, town in enumerate(towns):
            sector, word = self.industry(self.rng.choice(("制造业", "制造业", "建筑业", "批发和零售业")))
            big = org(
                "非公企业",
                town,
                name=self.unique("重庆{}{}" + word + "(集团)有限公司", names.BRAND_FIRST, names.BRAND_SECOND),
                sector=sector,
                above=True,
                employees=self.rng.randint(600, 2400),
            )
            level, labels = ("党委", ("机关", "生产", "销售")) if i < 4 else ("党总支", ("第一", "第二"))
            top, _ = self.company_tree(big, level, [(b, []) for b in labels], parent=w, role="direct")
            self.direct.append(top)

    def build_associations(self) -> None:
        rng = self.rng
        assoc_towns = [0, 1, 2, 0, 1, 2, 6, 4, 5, 3]
        self.associations: list[_Org] = []
        covered_assocs: list[_Org] = []
        trade = rng.sample(names.TRADE_ASSOCIATIONS, len(names.TRADE_ASSOCIATIONS))
        for i, (aname, sector) in enumerate(trade):
            a = self.org("行业协会", rng.choice(assoc_towns), name=aname, sector=sector)
            self.associations.append(a)
            if i < TRADE_ASSOC_COVERED:
                covered_assocs.append(a)
        for i, cname in enumerate(rng.sample(names.CHAMBERS, len(names.CHAMBERS))):
            a = self.org("商会", rng.choice(assoc_towns), name=cname)
            self.associations.append(a)
            if i < CHAMBERS_COVERED:
                covered_assocs.append(a)
        self.uncovered_markets: list[_Org] = []
        for i, mname in enumerate(rng.sample(names.MARKETS, len(names.MARKETS))):
            town = rng.choice(assoc_towns + list(range(7, 23)))
            prefix = names.TOWNS[town][1] if town >= 7 else "永川区"
            a = self.org(
                "专业市场",
                town,
                name=self.unique(prefix + "{}{}" + mname, names.BRAND_FIRST, names.BRAND_SECOND),
            )
            self.associations.append(a)
            if i < MARKETS_COVERED:
                covered_assocs.append(a)
            else:
                self.uncovered_markets.append(a)
        self._covered_assocs = covered_assocs

    def build_covering(self) -> None:
        """The remaining covering party organisations, sized so non-public coverage is exact."""
        rng = self.rng
        park_forms = [f for f, n in PARK_BRANCH_FORMATIONS for _ in range(n)]
        rng.shuffle(park_forms)
        park_ranges = {"联合建": (3, 8), "1+X": (3, 10)}
        social_plan = [1] * 21 + [5] * 2  # 21 standalone, 2 joint branches
        town_forms = [f for f, n in TOWN_BRANCH_FORMATIONS for _ in range(n)]
        rng.shuffle(town_forms)
        town_ranges = {"单独建": (1, 1), "联合建": (2, 12), "挂靠建": (2, 6), "1+X": (3, 18)}
        # Non-public organisations covered outside the sized pool.
        fixed = 12 + 4 + 6  # direct firms, 渝西 and 渝永 subsidiaries
        fixed += sum(PROJECT_GROUPS) + park_forms.count("单独建")
        fixed += MARKETS_COVERED + 10 + 15  # markets; town 党委 and 党总支 firms
        ranges = (
            [park_ranges[f] for f in park_forms if f != "单独建"]
            + [(1, 8)] * len(self._covered_assocs)  # association 1+X: member firms
            + [(2, 12)] * 20  # micro-enterprise 1+X
            + [town_ranges[f] for f in town_forms]
        )
        sizes = self.sizes(ranges, NP_COVERED - fixed)
        it = iter(sizes)

        # Parks: 27 branches and 17 project groups under the park working committees (F3).
        forms = iter(park_forms)
        for pi, (n_branches, n_groups) in enumerate(zip(PARK_BRANCHES, PROJECT_GROUPS, strict=True)):
            town = names.PARKS[pi][2]
            pc = self.park_committees[pi]
            for _ in range(n_branches):
                form = next(forms)
                n = 1 if form == "单独建" else next(it)
                firms = self.companies(n, town, park=pi)
                firms[0].above = form == "单独建" or firms[0].above
                name = (
                    f"{firms[0].name}党支部"
                    if form != "联合建"
                    else self.unique(
                        names.PARKS[pi][1] + "{}{}片区联合党支部", names.BRAND_FIRST, names.BRAND_SECOND
                    )
                )
                self.party(
                    name,
                    "党支部",
                    parent=pc,
                    town=town,
                    park=pi,
                    covers=firms,
                    formation=form,
                    founded=self.date(dt.date(2009, 6, 1), dt.date(2011, 6, 30)),
                    role="park",
                )
            for _ in range(n_groups):
                firm = self.org(
                    "非公企业",
                    town,
                    park=pi,
                    status="在建",
                    above=rng.random() < 0.3,
                    employees=rng.randint(10, 120),
                )
                self.firm_party(
                    firm,
                    "党小组",
                    "项目党小组",
                    name=f"{firm.name}项目党小组",
                    parent=pc,
                    founded=self.date(dt.date(2011, 1, 1), dt.date(2011, 10, 31)),
                    role="project",
                )

        # Associations: "支部建在协会", each 1+X over member firms of its trade (F16: 23).
        levels = ["党总支"] * 5 + ["党支部"] * (len(self._covered_assocs) - 5)
        rng.shuffle(levels)
        for a, level in zip(self._covered_assocs, levels, strict=True):
            sector = a.industry if a.category == "行业协会" else None
            firms = []
            for town in self.towns_for(next(it)):
                firms += self.companies(1, town, sector=sector if sector != "社会团体" else None, assoc=a)
            self.party(
                f"{a.name}{level}",
                level,
                "协会党组织",
                parent=self.town_committees[a.town],
                town=a.town,
                covers=[a, *firms],
                formation="1+X",
                role="assoc",
            )

        # Social organisations' own branches (F13: 31 社会组织 covered).
        for n, town in zip(social_plan, self.towns_for(len(social_plan)), strict=True):
            socs = [self.org("社会组织", town) for _ in range(n)]
            name = (
                f"{socs[0].name}党支部"
                if n == 1
                else self.unique(names.TOWNS[town][1] + "社会组织{}联合党支部", _ORDINALS)
            )
            self.party(
                name,
                "党支部",
                parent=self.town_committees[town],
                town=town,
                covers=socs,
                formation="单独建" if n == 1 else "联合建",
                role="social",
            )

        # Micro-enterprises and the self-employed under the non-public committee: 1+X.
        self_employed = [1] * SELF_EMPLOYED_COVERED + [0] * (20 - SELF_EMPLOYED_COVERED)
        rng.shuffle(self_employed)
        for town, n_self in zip(self.towns_for(20), self_employed, strict=True):
            firms = self.companies(next(it), town)
            shops = [self.org("个体工商户", town) for _ in range(n_self)]
            self.party(
                f"{firms[0].name}党支部",
                "党支部",
                parent=self.nonpublic,
                town=town,
                covers=firms + shops,
                formation="1+X",
                role="micro",
            )

        # Town level: 10 committees with 2 branches, 15 general branches, 184 branches.
        tc = self.town_committees
        for town in self.towns_for(10):
            firm = self.org("非公企业", town, above=True, employees=rng.randint(300, 1500))
            self.company_tree(firm, "党委", [("第一", []), ("第二", [])], parent=tc[town], role="town_top")
        for town in self.towns_for(15):
            firm = self.org("非公企业", town, above=True, employees=rng.randint(150, 900))
            self.firm_party(firm, "党总支", parent=tc[town], role="town_top")
        t_hongl = next(i for i, t in enumerate(names.TOWNS) if t[1] == "红炉镇")
        first_standalone = True
        for form, town in zip(town_forms, self.towns_for(len(town_forms)), strict=True):
            n = next(it)
            if form == "单独建" and first_standalone:
                first_standalone = False
                mine = self.org(
                    "非公企业",
                    t_hongl,
                    name="永川区吊水洞煤矿",
                    sector="采矿业",
                    above=True,
                    employees=rng.randint(260, 420),
                )
                branch = self.firm_party(mine, "党支部", parent=tc[t_hongl], role="town")
                branch.role = "town_named"
                for g in ("采煤", "掘进"):
                    self.firm_party(
                        mine,
                        "党小组",
                        name=f"{mine.name}{g}党小组",
                        parent=branch,
                        role="group",
                        family=branch.family,
                    )
                continue
            if form == "联合建":
                sector, word = self.industry()
                firms = self.companies(n, town, sector=sector)
                name = self.unique(names.TOWNS[town][1] + word + "行业{}联合党支部", _ORDINALS)
            else:
                firms = self.companies(n, town)
                if form == "单独建":
                    firms[0].above = True
                    firms[0].employees = rng.randint(100, 600)
                name = f"{firms[0].name}党支部"
            p = self.party(
                name, "党支部", parent=tc[town], town=town, covers=firms, formation=form, role="town"
            )
            # Some joint organisations leave their town empty: the loader derives it (one shared town).
            p.write_town = form == "单独建" or rng.random() >= 0.15
        assert next(it, None) is None

    def build_uncovered(self) -> None:
        rng = self.rng
        n_firms = NP_UNCOVERED - UNCOVERED_MARKETS
        self.uncovered_firms: list[_Org] = []
        for town in self.towns_for(n_firms):
            self.uncovered_firms.append(self.org("非公企业", town, above=rng.random() < 0.03))
        self.uncovered_social = [self.org("社会组织", t) for t in self.towns_for(SOCIAL_ORGS_UNCOVERED)]
        self.uncovered_social += [
            a for a in self.associations if not a.covered and a.category in ("行业协会", "商会")
        ]
        self.uncovered_self = [self.org("个体工商户", t) for t in self.towns_for(SELF_EMPLOYED_UNCOVERED)]
        for category, n in DEREGISTERED:
            for t in self.towns_for(n):
                self.org(category, t, status="注销")
        # Association membership beyond the 1+X ones: some firms belong to a trade body or chamber.
        joinable = [a for a in self.associations if a.category in ("行业协会", "商会")]
        for o in self.orgs:
            if o.category == "非公企业" and o.assoc is None and o.parent is None and rng.random() < 0.12:
                o.assoc = rng.choice(joinable)

    def check_design(self) -> None:
        """Fail loudly if a change to the build broke a designed count (FACTS F8, F12, F13)."""
        live = [o for o in self.orgs if o.status != "注销"]

        def count(categories: set[str], covered: bool) -> int:
            return sum(1 for o in live if o.category in categories and o.covered == covered)

        nonpublic, social = {"非公企业", "专业市场"}, {"社会组织", "行业协会", "商会"}
        assert (count(nonpublic, True), count(nonpublic, False)) == (NP_COVERED, NP_UNCOVERED)
        assert count(social, True) == count(social, False)
        assert count({"个体工商户"}, True) == SELF_EMPLOYED_COVERED

    # --- demonstration points -----------------------------------------------------------------

    def assign_tiers(self) -> None:
        rng = self.rng
        self.f11 = [
            p
            for p in self.parties
            if p.kind in ("组织党组织", "协会党组织") and p.level in ("党委", "党总支", "党支部")
        ]
        assert len(self.f11) == 375, len(self.f11)
        # 16 branches set up in 2011 by help-building (帮建 已建立): never demonstration points.
        standalone = [p for p in self.f11 if p.role == "town" and p.formation == "单独建"]
        self.new_2011 = rng.sample(standalone, HELP_ESTABLISHED)
        for p in self.new_2011:
            p.founded = _iso(self.date(dt.date(2011, 3, 1), dt.date(2011, 10, 31)))
        city = [self.xiakun, *self.direct[:3], self.yuyong, *self.direct[5:7]]
        city += rng.sample([p for p in self.f11 if p.role == "town_top" and p.level == "党委"], 3)
        city += rng.sample([p for p in self.f11 if p.role == "park" and p.formation == "单独建"], 1)
        city += rng.sample([p for p in self.f11 if p.role == "assoc"], 1)
        assert len(set(city)) == DEMO_TIERS[0][1]
        for p in city:
            p.tier = "市级"
        reserved = set(map(id, self.new_2011))
        rest = [p for p in self.f11 if not p.tier and id(p) not in reserved]
        senior = {
            "direct": 8.0,
            "town_top": 5.0,
            "assoc": 3.0,
            "park": 2.0,
            "direct_sub": 1.5,
            "town_named": 4.0,
        }
        district = self.weighted_top(rest, DEMO_TIERS[1][1], lambda p: senior.get(p.role, 1.0))
        for p in district:
            p.tier = "区级"
        rest = [p for p in rest if not p.tier]
        for p in rng.sample(rest, DEMO_TIERS[2][1]):
            p.tier = "镇街级"
        self.demo = [p for p in self.f11 if p.tier]
        self.non_demo = [p for p in self.f11 if not p.tier]

    # --- people -------------------------------------------------------------------------------

    def person(self, old: bool = False) -> tuple[str, str, str, str]:
        """(name, gender, id number, phone) from the per-copy stream; ID numbers are unique."""
        r = self.prng
        male = r.random() < 0.7
        given = names.GIVEN_MALE if male else names.GIVEN_FEMALE
        name = r.choice(names.SURNAMES) + "".join(r.choice(given) for _ in range(r.choice((1, 2, 2))))
        lo, hi = (
            (dt.date(1930, 1, 1), dt.date(1951, 12, 31))
            if old
            else (dt.date(1946, 1, 1), dt.date(1990, 12, 31))
        )
        while True:
            born = dt.date.fromordinal(r.randint(lo.toordinal(), hi.toordinal()))
            seq = r.randrange(500) * 2 + (1 if male else 0)  # 17th digit: odd for men
            key = born.toordinal() * 1000 + seq
            if key not in self.used_ids:
                self.used_ids.add(key)
                break
        first17 = f"500118{born:%Y%m%d}{seq:03d}"
        phone = r.choice(names.MOBILE_PREFIXES) + f"{r.randrange(10**8):08d}"
        return name, "男" if male else "女", first17 + ric_check_char(first17), phone

    def member(
        self,
        rel: _Party | None,
        employer: _Org | None,
        *,
        act: _Party | bool | None = True,
        post: str = "",
        cross: str = "",
        owner: bool = False,
        mgmt: bool | None = None,
        title: str | None = None,
        flag: str = "",
        full: bool | None = None,
        old: bool = False,
    ) -> list[str]:
        rng = self.rng
        name, gender, idno, phone = self.person(old)
        if act is True:  # 活动在区域: the town committee of the employer's town
            town = employer.town if employer is not None else (rel.town if rel is not None else -1)
            act = self.town_committees[town] if town >= 0 else rel
        if full is None:
            full = bool(post) or rng.random() < 0.95
        if mgmt is None:
            mgmt = rng.random() < (0.8 if post else 0.22)
        if title is None:
            title = rng.choice(names.TITLES) if rng.random() < 0.11 else ""
        employed = employer is not None
        row = [
            self.code(f"DY{len(self.members) + 1:06d}"),
            name,
            idno,
            phone,
            gender,
            "正式党员" if full else "预备党员",
            rel.code if rel is not None else "",
            act.code if isinstance(act, _Party) else "",
            employer.uscc if employer is not None else "",
            flag,
            post,
            cross,
            ("是" if owner else "否") if employed else "",
            ("是" if mgmt else "否") if employed else "",
            title if employed else "",
        ]
        self.members.append(row)
        return row

    def build_members(self) -> None:
        rng = self.rng
        # Committee posts of the F11 organisations (F15), owners among them (F16).
        slots: dict[int, list[str]] = {}
        for p in self.f11:
            posts = ["书记"]
            if p.level == "党委":
                posts += ["副书记", "委员", "委员"]
            elif p.level == "党总支":
                posts += ["委员"]
            slots[id(p)] = posts
        base = sum(len(v) for v in slots.values())
        plain_branches = [p for p in self.f11 if p.role == "town" and p.level == "党支部"]
        for p in rng.sample(plain_branches, POST_HOLDERS - base):
            slots[id(p)].append("委员")
        owner_hosts = [
            p
            for p in self.f11
            if p.role in ("park", "town", "town_top", "micro")
            and p.covers[0].category == "非公企业"
            and not (p.role == "town_top" and p.level == "党支部")
        ]
        owner_slot: dict[int, int] = {}
        for p in rng.sample(owner_hosts, OWNER_POST_HOLDERS):
            n = len(slots[id(p)])
            owner_slot[id(p)] = 0 if n == 1 or rng.random() < 0.75 else rng.randrange(1, n)
            p.covers[0].owned = True
        all_slots = [(id(p), i) for p in self.f11 for i in range(len(slots[id(p)]))]
        owners = {(k, i) for k, i in owner_slot.items()}
        others = [s for s in all_slots if s not in owners]
        cross = owners | set(rng.sample(others, CROSS_APPOINTED - len(owners)))

        branches_of: dict[int, list[_Party]] = defaultdict(list)
        for p in self.f11:
            if p.parent is not None and p.parent.kind == "组织党组织":
                branches_of[id(p.parent)].append(p)
        fixed_plain = {
            id(self.jishan): 0,
            id(self.tongda): 0,
            **{id(b): n for b, n in zip(self.jishan_branches, (14, 28, 24, 18, 12), strict=True)},
            **{id(b): n for b, n in zip(self.tongda_branches, (12, 30, 14, 20, 15), strict=True)},
        }
        jishan_family = self.jishan.family
        self.plain_pool: list[list[str]] = []  # plain members of town hosts: the seeds for inconsistencies
        jishan_rows: list[list[str]] = []

        for p in self.f11:
            core = p.covers[0]
            posts = slots[id(p)]
            retired = p.name.endswith("退休党支部")
            for i, post in enumerate(posts):
                is_owner = owner_slot.get(id(p)) == i
                employer = core if is_owner or i == 0 or len(p.covers) == 1 else rng.choice(p.covers)
                row = self.member(
                    p,
                    employer,
                    post=post,
                    cross="是" if (id(p), i) in cross else "否",
                    owner=is_owner,
                    mgmt=True if is_owner else None,
                    old=retired,
                )
                if i == 0:
                    p.secretary = row[0]
                if p.family == jishan_family:
                    jishan_rows.append(row)
            if id(p) in fixed_plain:
                n_plain = fixed_plain[id(p)]
            elif id(p) in branches_of:
                n_plain = max(0, 3 - len(posts))
            elif p.role == "direct_sub" or p.role == "town_top_sub":
                n_plain = rng.randint(5, 20)
            else:
                n_plain = rng.randint(2, 10)
            for j in range(n_plain):
                employer = core if len(p.covers) == 1 or rng.random() < 0.4 else rng.choice(p.covers)
                row = self.member(
                    p, employer, full=True if j < 2 else None, old=retired, mgmt=False if retired else None
                )
                if p.family == jishan_family:
                    jishan_rows.append(row)
                elif p.role == "town":
                    self.plain_pool.append(row)
        # 箕山电煤 (F20): 105 members, 38 in management, 16 with a title.
        assert len(jishan_rows) == 105, len(jishan_rows)
        mgmt = set(rng.sample(range(105), 38))
        titled = set(rng.sample(range(105), 16))
        for k, row in enumerate(jishan_rows):
            row[13] = "是" if k in mgmt else "否"
            row[14] = rng.choice(names.TITLES) if k in titled else ""

        # Project groups: members "input" from outside (输入党员).
        for p in self.parties:
            if p.kind == "项目党小组":
                for _ in range(rng.randint(2, 4)):
                    self.member(p, p.covers[0])
        # Secretaries of the structural bodies (posts outside F11: not in F15).
        for p in [self.working, self.nonpublic, *self.town_committees, *self.park_committees]:
            p.secretary = self.member(p, None, act=p, post="书记", mgmt=False)[0]

        # Owners who are plain members (not in F16's 73).
        candidates = [r for r in self.plain_pool]
        by_uscc = {o.uscc: o for o in self.orgs}
        picked = 0
        for row in rng.sample(candidates, len(candidates)):
            o = by_uscc[row[8]]
            if not o.owned and o.category == "非公企业":
                o.owned = True
                row[12] = "是"
                picked += 1
                if picked == OWNERS_WITHOUT_POST:
                    break

        # Inconsistencies for the membership checks (never in 箕山 or 通达: F20, F21).
        pool = rng.sample(self.plain_pool, ACTIVITY_ELSEWHERE + RELATIONSHIP_ELSEWHERE + ACTIVITY_EMPTY)
        town_of = {p.code: p.town for p in self.parties}
        covered_by_town: dict[int, list[_Org]] = defaultdict(list)
        for p in self.f11:
            if p.role == "town":
                for o in p.covers:
                    covered_by_town[o.town].append(o)
        for row in pool[:ACTIVITY_ELSEWHERE]:
            town = by_uscc[row[8]].town
            other = rng.choice([t for t in range(len(names.TOWNS)) if t != town])
            row[7] = self.town_committees[other].code
        for row in pool[ACTIVITY_ELSEWHERE : ACTIVITY_ELSEWHERE + RELATIONSHIP_ELSEWHERE]:
            rel_town = town_of[row[6]]
            own = {o.uscc for p in self.f11 if p.code == row[6] for o in p.covers}
            choices = [o for o in covered_by_town[rel_town] if o.uscc not in own] or [
                o for t in covered_by_town for o in covered_by_town[t] if o.uscc not in own
            ]
            row[8] = rng.choice(choices).uscc
            row[12] = "否"
        for row in pool[ACTIVITY_ELSEWHERE + RELATIONSHIP_ELSEWHERE :]:
            row[7] = ""

        # Members at organisations with no party organisation: screened (F9) and not.
        screened = rng.sample(self.uncovered_firms, 100)
        self.screened = screened
        hosts_elsewhere = [p for p in self.f11 if p.role == "town"]
        for k in range(FLOATING + HIDDEN):
            employer = screened[k] if k < len(screened) else rng.choice(screened)
            flag = "流动党员" if k < FLOATING else "隐性党员"
            rel: _Party | None = None
            if flag == "流动党员" and k % 8 < 3:  # relationship held elsewhere in the district
                rel = rng.choice(hosts_elsewhere) if k % 2 else rng.choice(self.town_committees)
            elif flag == "隐性党员" and k % 4 == 0:
                rel = rng.choice(self.town_committees)
            self.member(rel, employer, flag=flag, mgmt=rng.random() < 0.1)
        for _ in range(MEMBERS_AT_UNCOVERED):
            employer = rng.choice(self.uncovered_firms)
            self.member(self.town_committees[employer.town], employer)

    # --- instructors, pairings, help ---------------------------------------------------------

    def build_instructors(self) -> None:
        rng = self.rng
        rows = self.rows["党建指导员"]
        uncovered = [o for o in self.orgs if not o.covered and o.status != "注销"]
        assert len(uncovered) == NP_UNCOVERED + SOCIAL_ORGS_UNCOVERED + 13 + SELF_EMPLOYED_UNCOVERED
        rng.shuffle(uncovered)
        uncovered.sort(key=lambda o: o.town)
        q, r = divmod(len(uncovered), INSTRUCTORS_FOR_ORGS)
        chunk = [q + 1] * r + [q] * (INSTRUCTORS_FOR_ORGS - r)
        rng.shuffle(chunk)
        n = 0
        self.instructors: list[str] = []

        def add(targets: list[str]) -> str:
            nonlocal n
            n += 1
            iid = self.code(f"ZDY{n:04d}")
            name, _, _, phone = self.person()
            rows.append((iid, name, phone, ";".join(targets)))
            self.instructors.append(iid)
            return iid

        pos = 0
        for size in chunk:
            group = uncovered[pos : pos + size]
            pos += size
            targets = [o.uscc for o in group]
            if rng.random() < 0.08:  # also attached to the town committee
                targets.append(self.town_committees[group[0].town].code)
            iid = add(targets)
            for o in group:
                o.instructor = iid
        party_pool = (
            self.non_demo + self.park_committees + [p for p in self.parties if p.kind == "项目党小组"]
        )
        park_firms = [o for o in self.orgs if o.park >= 0]
        for _ in range(INSTRUCTORS_FOR_PARTY):
            targets = [p.code for p in rng.sample(party_pool, rng.randint(1, 3))]
            if rng.random() < 0.3:
                targets.append(rng.choice(park_firms).uscc)
            add(targets)

    def build_pairings(self) -> None:
        rng = self.rng
        rows = self.rows["结对"]
        uncov = [o for o in self.uncovered_firms + self.uncovered_markets + self.uncovered_social]
        targets: list[tuple[str, int, int]] = [
            (p.code, p.town if p.town >= 0 else p.covers[0].town, p.family) for p in self.non_demo
        ]
        targets += [(o.uscc, o.town, 0) for o in rng.sample(uncov, PAIRED_UNCOVERED)]
        rng.shuffle(targets)
        demo = list(self.demo)
        rng.shuffle(demo)
        town = {id(p): p.town if p.town >= 0 else p.covers[0].town for p in demo}
        pairs: list[tuple[_Party, tuple[str, int, int]]] = []
        left = list(targets)
        for p in demo:  # every demonstration point pairs at least once
            fits = [t for t in left if t[1] == town[id(p)] and t[2] != p.family] or [
                t for t in left if t[2] != p.family
            ]
            t = fits[0]
            left.remove(t)
            pairs.append((p, t))
        by_town: dict[int, list[_Party]] = defaultdict(list)
        for p in demo:
            by_town[town[id(p)]].append(p)
        for t in left:
            hosts = [p for p in by_town[t[1]] if p.family != t[2]] or [p for p in demo if p.family != t[2]]
            pairs.append((rng.choice(hosts), t))
        for t in rng.sample(targets, EXTRA_PAIRINGS):
            done = {id(p) for p, u in pairs if u == t}
            pairs.append((rng.choice([p for p in demo if id(p) not in done and p.family != t[2]]), t))
        for p, t in pairs:
            rows.append(
                ("示范帮扶", p.code, t[0], _iso(self.date(dt.date(2010, 3, 1), dt.date(2011, 11, 30))))
            )

        # 村企联建 (F17): 129 above-scale covered firms with 173 villages.
        firms = [
            o for o in self.orgs if o.covered and o.above and o.category == "非公企业" and o.status == "在营"
        ]
        sources = rng.sample(firms, JOINT_SOURCES)
        free = {t: list(v) for t, v in enumerate(self.villages)}
        for town_villages in free.values():
            rng.shuffle(town_villages)

        def take(town: int) -> str:
            if free[town]:
                return free[town].pop()[0]
            lon, lat = names.TOWNS[town][3], names.TOWNS[town][4]
            near = min(
                (t for t in free if free[t]),
                key=lambda t: (names.TOWNS[t][3] - lon) ** 2 + (names.TOWNS[t][4] - lat) ** 2,
            )
            return free[near].pop()[0]

        links = [(o, take(o.town)) for o in sources]
        links += [(o, take(o.town)) for o in rng.sample(sources, JOINT_VILLAGES - JOINT_SOURCES)]
        used = [v for _, v in links]
        links += [
            (o, v)
            for o, v in zip(
                rng.sample(sources, JOINT_EXTRA_ROWS), rng.sample(used, JOINT_EXTRA_ROWS), strict=True
            )
            if (o, v) not in links
        ]
        for o, v in links:
            rows.append(("村企联建", o.uscc, v, _iso(self.date(dt.date(2010, 1, 1), dt.date(2011, 10, 31)))))

    def build_help(self) -> None:
        rng = self.rng
        help_rows = self.rows["帮建"]
        demo_secretaries: dict[int, list[str]] = defaultdict(list)
        for p in self.demo:
            demo_secretaries[p.town if p.town >= 0 else p.covers[0].town].append(p.secretary)
        # Targets found by screening first (they have the floating and hidden members).
        pool = self.screened + [
            o for o in self.uncovered_firms + self.uncovered_markets if o not in self.screened
        ]
        targets = pool[:HELP_UNCOVERED]
        ledger: list[tuple[str, _Org, dt.date, str, dt.date | None]] = []
        for k, o in enumerate(targets):
            helper = o.instructor
            if k % 6 == 5:  # a demonstration point's secretary helps instead
                helper = rng.choice(demo_secretaries.get(o.town) or [self.town_committees[o.town].secretary])
            status = "暂停" if rng.random() < 0.15 else "进行中"
            ledger.append((helper, o, self.date(dt.date(2011, 1, 4), dt.date(2011, 9, 30)), status, None))
        for p in self.new_2011:
            set_up = dt.date.fromisoformat(p.founded)
            since = set_up - dt.timedelta(days=rng.randint(60, 200))
            ledger.append((self.town_committees[p.town].secretary, p.covers[0], since, "已建立", set_up))
        first_helper = {id(o): h for h, o, *_ in ledger}
        for o in rng.sample(targets, HELP_SECOND_HELPER):
            town_secretary = self.town_committees[o.town].secretary
            ledger.append(
                (
                    town_secretary if first_helper[id(o)] != town_secretary else o.instructor,
                    o,
                    self.date(dt.date(2011, 2, 1), dt.date(2011, 10, 31)),
                    "进行中",
                    None,
                )
            )
        for helper, o, since, status, _ in ledger:
            help_rows.append((helper, o.uscc, _iso(since), status))
        self.build_contacts(ledger)

    def build_contacts(self, ledger: list[tuple[str, _Org, dt.date, str, dt.date | None]]) -> None:
        """五个一 contacts that make the follow-up page meaningful at 2011-12-31.

        Drawn from a stream of their own (structure only, same for every copy), so the rest of
        the district never depends on them. Most active pairs keep every rule; some stopped
        calling or visiting (overdue by days or months) or skipped a period; most helpers
        developed a member at a target and helped build a party organisation founded in 2011.
        """
        rng = random.Random(self.seed * 7_919 + 17)
        rows = self.rows["联系记录"]
        events: list[tuple[str, str, dt.date, int, str]] = []
        year_start = dt.date(2011, 1, 1)
        for helper, o, since, status, founded in ledger:
            start = max(since, year_start)
            if status == "进行中":
                fate = rng.choices(CONTACT_FATES, weights=CONTACT_FATE_WEIGHTS)[0]
                end = _YEAR_END
            else:  # paused or established: contacts stop
                fate = "kept"
                end = founded or self.date_with(rng, start + dt.timedelta(days=30), _YEAR_END)
            stop = {
                "kept": end,
                "call_gap": end,
                "calls_stopped": _YEAR_END - dt.timedelta(days=rng.randint(8, 30)),
                "visits_stopped": dt.date(2011, rng.randint(8, 10), rng.randint(1, 28)),
                "owner_stopped": dt.date(2011, 6, rng.randint(1, 30)),
            }
            gap = _YEAR_END - dt.timedelta(days=rng.randint(20, 80)) if fate == "call_gap" else None
            for order, method in enumerate(("电话", "走访", "业主面谈")):
                last = min(end, stop[fate]) if _STOPS[fate] == method else end
                for lo, hi in _periods(method, start, last) if start <= last else ():
                    day = self.date_with(rng, max(lo, start), min(hi, last))
                    if gap is not None and method == "电话" and gap <= day < gap + dt.timedelta(days=14):
                        continue
                    events.append((helper, o.uscc, day, order, method))
            if founded is not None and start <= founded:
                events.append((helper, o.uscc, founded, 4, "建立党组织"))
        # The yearly rules: per helper of an active pair, a member developed at one of its
        # targets and a party organisation founded in 2011 in its town that it helped build.
        active: dict[str, list[tuple[_Org, dt.date]]] = defaultdict(list)
        for helper, o, since, status, _ in ledger:
            if status == "进行中":
                active[helper].append((o, max(since, year_start)))
        built: dict[int, list[_Party]] = defaultdict(list)
        for p in self.parties:
            if p.founded.startswith("2011") and p.covers and p.kind in ("组织党组织", "协会党组织"):
                built[p.covers[0].town].append(p)
        for helper in sorted(active):
            o, start = active[helper][0]
            if rng.random() < YEARLY_KEPT:
                events.append((helper, o.uscc, self.date_with(rng, start, _YEAR_END), 3, "发展党员"))
            towns_built = built.get(o.town) or [p for ps in built.values() for p in ps]
            if rng.random() < YEARLY_KEPT and towns_built:
                p = rng.choice(towns_built)
                events.append((helper, p.covers[0].uscc, dt.date.fromisoformat(p.founded), 4, "建立党组织"))
        seen: set[tuple[str, str, dt.date, str]] = set()
        for helper, uscc, d, _, method in sorted(events, key=lambda e: (e[2], e[3], e[0], e[1])):
            if (helper, uscc, d, method) not in seen:
                seen.add((helper, uscc, d, method))
                rows.append((helper, uscc, _iso(d), method))

    @staticmethod
    def date_with(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))

    def build_terms(self) -> None:
        """本届届满日期: most terms end well after 2011, a few within six months, a few already ended."""
        rng = random.Random(self.seed * 7_919 + 29)
        for p in self.parties:
            if p.kind == "区委" or not p.founded:
                continue
            founded = dt.date.fromisoformat(p.founded)
            years = 5 if p.level in ("党委", "党工委") else 3
            r = rng.random()
            if r < TERMS_ENDED and founded.year < 2008:
                ends = _YEAR_END - dt.timedelta(days=rng.randint(1, 150))
            elif r < TERMS_ENDED + TERMS_ENDING and founded.year < 2009:
                ends = _YEAR_END + dt.timedelta(days=rng.randint(1, 180))
            else:
                ends = _YEAR_END + dt.timedelta(days=rng.randint(200, 365 * years))
            p.term_ends = _iso(ends)

    # --- rows ---------------------------------------------------------------------------------

    def emit_orgs_and_parties(self) -> None:
        sfx = self.name_sfx
        tc, pc = self.town_codes, self.park_codes
        # Parents before subsidiaries, associations before members: friendlier to streaming readers.
        order = sorted(
            self.orgs,
            key=lambda o: (o.parent is not None, o.category not in ("行业协会", "商会", "专业市场")),
        )
        for o in order:
            np = o.category in ("非公企业", "专业市场")
            self.rows["组织"].append(
                (
                    o.uscc,
                    o.name + sfx,
                    o.category,
                    o.industry,
                    tc[o.town],
                    pc[o.park] if o.park >= 0 else "",
                    o.assoc.uscc if o.assoc is not None else "",
                    str(o.employees),
                    ("是" if o.above else "否") if np else "",
                    o.status,
                    o.parent.uscc if o.parent is not None else "",
                    f"{o.lonlat[0]:.6f}" if o.lonlat else "",
                    f"{o.lonlat[1]:.6f}" if o.lonlat else "",
                )
            )
        for p in self.parties:
            self.rows["党组织"].append(
                (
                    p.code,
                    p.name + sfx,
                    p.level,
                    p.kind,
                    p.formation,
                    p.parent.code if p.parent is not None else "",
                    tc[p.town] if p.town >= 0 and p.write_town else "",
                    pc[p.park] if p.park >= 0 else "",
                    ";".join(o.uscc for o in p.covers),
                    p.tier,
                    p.founded if p.kind != "区委" else "",
                    p.term_ends,
                )
            )
        self.rows["党员"] = self.members  # type: ignore[assignment]


# --- output ---------------------------------------------------------------------------------


def _note_rows(seed: int, scale: int) -> list[tuple[str, ...]]:
    return [
        (SYNTHETIC_MARK,),
        ("本工作簿由 orggraph demo 生成, 用于演示与测试; 所有单位、人员、身份证号和手机号均为随机生成。",),
        ("镇街与园区名称取自永川区公开地名; 数字按《永川区两新组织党建》一文 (2011 年底) 设计。",),
        (f"随机种子 seed={seed}, 规模 scale={scale}",),
        ("格式见 domain/ROSTER.md: 每个工作表的第一行为表头, 所有单元格均为文本。",),
    ]


class _XlsxOut:
    def __init__(self, path: Path, note: list[tuple[str, ...]]) -> None:
        import xlsxwriter

        self.wb = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        self.wb.set_properties(
            {
                "title": "永川区两新组织党建台账 (合成数据)",
                "author": "orggraph demo",
                "comments": SYNTHETIC_MARK,
                "created": CREATED,
            }
        )
        bold = self.wb.add_format({"bold": True})
        ws = self.wb.add_worksheet(NOTE_SHEET)
        ws.set_column(0, 0, 90)
        for r, row in enumerate(note):
            ws.write_string(r, 0, row[0], bold if r == 0 else None)
        self.sheets = {}
        self.next_row: dict[str, int] = {}
        for sheet, header in SHEETS.items():
            ws = self.wb.add_worksheet(sheet)
            ws.set_column(0, len(header) - 1, 16)
            ws.freeze_panes(1, 0)
            for c, h in enumerate(header):
                ws.write_string(0, c, h, bold)
            self.sheets[sheet] = ws
            self.next_row[sheet] = 1

    def write(self, sheet: str, rows: list[Sequence[str]]) -> None:
        ws = self.sheets[sheet]
        r = self.next_row[sheet]
        write = ws.write_string
        for row in rows:
            for c, v in enumerate(row):
                if v:
                    write(r, c, v)
            r += 1
        self.next_row[sheet] = r

    def close(self) -> None:
        self.wb.close()


class _CsvOut:
    def __init__(self, folder: Path, note: list[tuple[str, ...]]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / f"{NOTE_SHEET}.csv", "w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f).writerows(note)
        self.files = {s: open(folder / f"{s}.csv", "w", encoding="utf-8-sig", newline="") for s in SHEETS}  # noqa: SIM115
        self.writers = {s: csv.writer(f) for s, f in self.files.items()}
        for s, header in SHEETS.items():
            self.writers[s].writerow(header)

    def write(self, sheet: str, rows: list[Sequence[str]]) -> None:
        self.writers[sheet].writerows(rows)

    def close(self) -> None:
        for f in self.files.values():
            f.close()


def generate(
    out: Path, scale: int = 1, seed: int = 2011, progress: bool = False, year: int | None = None
) -> Path:
    """Write the synthetic district roster and return the path written.

    ``out`` ending in ``.xlsx`` gives a workbook, unless a sheet would exceed Excel's row limit;
    then, as for any other ``out``, a folder of ``<sheet>.csv`` files (UTF-8 with BOM) is
    written instead (``demo.xlsx`` -> ``demo/``).

    Example
    -------
    >>> generate(Path("demo.xlsx"))  # doctest: +SKIP
    PosixPath('demo.xlsx')
    """
    out = Path(out)
    if scale < 1:
        raise ValueError("scale must be at least 1")
    used_ids: set[int] = set()
    first = _District(seed, 1, used_ids).build()
    events: list[dict[str, Any]] = []
    if year is not None:  # an earlier year: 2011 with the later events undone (demo_history)
        from graph.loaders.demo_history import rewind

        first, ev = rewind(first, year, seed, 1)
        events += ev
    # Every copy has the same row counts (same structure stream), so the format is known now.
    too_big = any(len(rows) * scale > EXCEL_MAX_ROWS for rows in first.values())
    note = _note_rows(seed, scale)
    target: Path
    writer: _XlsxOut | _CsvOut
    if out.suffix.lower() == ".xlsx" and not too_big:
        target = out
        target.parent.mkdir(parents=True, exist_ok=True)
        writer = _XlsxOut(target, note)
    else:
        target = out.with_suffix("") if out.suffix.lower() == ".xlsx" else out
        writer = _CsvOut(target, note)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=scale, unit="copy", desc="demo")
    features: list[dict[str, Any]] = []
    try:
        rows = first
        for copy in range(1, scale + 1):
            if copy > 1:
                rows = _District(seed, copy, used_ids).build()
                if year is not None:
                    rows, ev = rewind(rows, year, seed, copy)
                    events += ev
            features += town_features([str(r[0]) for r in rows["镇街"]], [str(r[1]) for r in rows["镇街"]])
            for sheet in SHEETS:
                writer.write(sheet, rows[sheet])
            del rows
            if bar is not None:
                bar.update(1)
    finally:
        writer.close()
        if bar is not None:
            bar.close()
    boundaries_path(target).write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8"
    )
    if year is not None:
        events_path(target).write_text(
            json.dumps(
                {"year": year, "seed": seed, "scale": scale, "events": events}, ensure_ascii=False, indent=1
            ),
            encoding="utf-8",
        )
    return target


def events_path(workbook: Path) -> Path:
    """Where ``--year`` writes the events behind the roster (``demo.xlsx`` -> ``demo.events.json``)."""
    return workbook.with_name(workbook.with_suffix("").name + ".events.json")


# --- synthetic town boundaries (the map) ------------------------------------------------------

MAP_LAT0 = sum(t[4] for t in names.TOWNS) / len(names.TOWNS)
TOWN_CENTRES: dict[str, tuple[float, float]] = {str(i): (t[3], t[4]) for i, t in enumerate(names.TOWNS)}


def boundaries_path(workbook: Path) -> Path:
    """Where the demo writes its town polygons: beside the workbook (``demo.xlsx`` ->
    ``demo.towns.geojson``), for ``orggraph boundaries import``."""
    return workbook.with_name(workbook.with_suffix("").name + ".towns.geojson")


@functools.cache
def _cells() -> dict[str, Any]:
    cells = geo.voronoi_cells(TOWN_CENTRES, geo.outline(TOWN_CENTRES, MAP_LAT0), MAP_LAT0)
    return {k: shapely.geometry.mapping(v) for k, v in cells.items()}


def town_features(codes: Sequence[str], town_names: Sequence[str]) -> list[dict[str, Any]]:
    """One GeoJSON feature per town of a copy (every copy sits on the same ground): the town
    centres' Voronoi cells clipped to a district outline. Every organisation and village of the
    demo lies inside its own town's cell (coords() and village_coords() see to it)."""
    cells = _cells()
    return [
        {"type": "Feature", "properties": {"镇街编码": code, "镇街名称": name}, "geometry": cells[str(i)]}
        for i, (code, name) in enumerate(zip(codes, town_names, strict=True))
    ]
