"""The demo district in earlier years: 2011's rows with the later events undone (issue 16).

:func:`rewind` takes one copy's 2011 rows (as the generator builds them, unchanged) and gives
the rows at the end of 2009 or 2010 plus the events of every later year, each with the
changes it makes in the history's vocabulary (``queries/history.py``): loading year Y after
year Y-1 must record exactly the changes of Y's events.

What the dates of 2011 decide (nothing dated after the year is in its roster):
party organisations founded later (and their branches) are absent, their members' relationship
and activity sit with the nearest ancestor that existed, their instructors with the organisation
they cover; pairings, joint building, 帮建 and 联系记录 start on their dates; a 帮建 row
"已建立" whose target was not yet covered was still "进行中".
What a random stream of its own designs (so 2011 itself never changes): organisations
registered later, organisations closed (注销) later, self-employed firms turned enterprises
(个转企), a few members moved between party organisations, and a few organisations that closed
and left the roster (``--sync`` removes them).
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graph.identifiers import USCC_ALPHABET, uscc_check_char
from graph.loaders import spec

FIRST_YEAR, LAST_YEAR = 2009, 2011
YEARS = (2009, 2010, 2011)
# designed events per copy and year (the year they happen in)
REGISTERED = {2010: 8, 2011: 10}
CLOSED = {2010: 5, 2011: 6}
TO_ENTERPRISE = {2010: 3, 2011: 4}
MOVED = {2010: 4, 2011: 5}
LEFT_ROSTER = {2010: 3, 2011: 3}

Rows = dict[str, list[Sequence[str]]]
_COL = {s.name: {c.key: i for i, c in enumerate(s.columns)} for s in spec.SHEETS}


def _end(year: int) -> str:
    return f"{year}-12-31"


@dataclass
class _Design:
    registered: dict[str, int]  # uscc -> the year it was registered
    closed: dict[str, int]  # uscc -> the year its status became 注销
    to_enterprise: dict[str, int]  # uscc -> the year a 个体工商户 became a 非公企业
    moved: dict[str, tuple[int, str]]  # member id -> (year, the party org before)
    left: dict[str, tuple[int, tuple[str, ...]]]  # uscc -> (year it left, its 组织 row)


def _referenced(rows: Rows) -> set[str]:
    """Organisations another row names, instructors aside (an instructor's assignment to an
    organisation not yet registered is simply not there; instructors are no history entity)."""
    c = _COL
    out: set[str] = set()
    for r in rows["组织"]:
        out.update(x for x in (r[c["组织"]["association_uscc"]], r[c["组织"]["parent_uscc"]]) if x)
    for r in rows["党组织"]:
        out.update(x for x in r[c["党组织"]["covers"]].split(";") if x)
    for r in rows["党员"]:
        out.add(r[c["党员"]["employer_uscc"]])
    for r in rows["结对"]:
        out.update((r[c["结对"]["from_code"]], r[c["结对"]["to_code"]]))
    for r in rows["帮建"]:
        out.add(r[c["帮建"]["target_uscc"]])
    for r in rows["联系记录"]:
        out.add(r[c["联系记录"]["target_uscc"]])
    return out


def _new_uscc(rng: random.Random, taken: set[str]) -> str:
    while True:
        head = "92500118" + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
        code = head + uscc_check_char(head)
        if code not in taken:
            taken.add(code)
            return code


def design(rows: Rows, seed: int, copy: int) -> _Design:
    """The designed events of one copy, from a random stream of their own."""
    rng = random.Random(seed * 104_729 + copy * 7 + 16)
    c = _COL["组织"]
    refs = _referenced(rows)
    free = sorted(
        r[c["uscc"]]
        for r in rows["组织"]
        if r[c["org_category"]] == "非公企业" and r[c["status"]] == "在营" and r[c["uscc"]] not in refs
    )
    rng.shuffle(free)
    out = _Design({}, {}, {}, {}, {})
    for year in (2010, 2011):
        for _ in range(REGISTERED[year]):
            out.registered[free.pop()] = year
        for _ in range(TO_ENTERPRISE[year]):
            out.to_enterprise[free.pop()] = year
    closed = sorted(r[c["uscc"]] for r in rows["组织"] if r[c["status"]] == "注销")
    picks = rng.sample(closed, sum(CLOSED.values()))
    for i, u in enumerate(picks):
        out.closed[u] = 2010 if i < CLOSED[2010] else 2011
    # members moved: relationship in an old town branch now, before in another of its town
    p = _COL["党组织"]
    old = [r for r in rows["党组织"] if r[p["founded"]] and r[p["founded"]] < "2009" and r[p["town_code"]]]
    by_town: dict[str, list[str]] = defaultdict(list)
    for r in old:
        by_town[r[p["town_code"]]].append(r[p["party_org_code"]])
    town_of = {r[p["party_org_code"]]: r[p["town_code"]] for r in old}
    m = _COL["党员"]
    movable = sorted(
        r[m["member_id"]]
        for r in rows["党员"]
        if r[m["relationship_org"]] in town_of and len(by_town[town_of[r[m["relationship_org"]]]]) > 1
    )
    rel = {r[m["member_id"]]: r[m["relationship_org"]] for r in rows["党员"]}
    for i, mid in enumerate(rng.sample(movable, sum(MOVED.values()))):
        now = rel[mid]
        before = rng.choice([x for x in sorted(by_town[town_of[now]]) if x != now])
        out.moved[mid] = (2010 if i < MOVED[2010] else 2011, before)
    towns = sorted(r[0] for r in rows["镇街"])
    taken = {r[c["uscc"]] for r in rows["组织"]}
    sfx = rows["组织"][0][c["org_name"]].rpartition("·")[2] if "·" in rows["组织"][0][c["org_name"]] else ""
    for year in (2010, 2011):
        for _ in range(LEFT_ROSTER[year]):
            u = _new_uscc(rng, taken)
            trade = rng.choice(("商贸", "建材", "机械", "食品"))
            name = f"永川区{rng.choice('鑫盛瑞丰恒达宏远')}{rng.choice('源泰隆华兴利')}{trade}有限公司"
            row = [""] * len(c)
            row[c["uscc"]], row[c["org_name"]] = u, name + (f"·{sfx}" if sfx else "")
            row[c["org_category"]], row[c["industry"]] = "非公企业", "批发和零售业"
            row[c["town_code"]], row[c["employees"]] = rng.choice(towns), str(rng.randint(3, 30))
            row[c["above_scale"]], row[c["status"]] = "否", "在营"
            out.left[u] = (year, tuple(row))
    return out


# --- the rows of one year ------------------------------------------------------------------------


def _party_presence(rows: Rows, year: int) -> tuple[dict[str, bool], dict[str, str]]:
    p = _COL["党组织"]
    founded = {r[p["party_org_code"]]: r[p["founded"]] for r in rows["党组织"]}
    parent = {r[p["party_org_code"]]: r[p["parent_code"]] for r in rows["党组织"]}
    memo: dict[str, bool] = {}

    def present(code: str) -> bool:
        if code not in memo:
            memo[code] = False  # a cycle never counts as present
            ok = not founded[code] or founded[code] <= _end(year)
            par = parent.get(code, "")
            memo[code] = ok and (not par or par not in founded or present(par))
        return memo[code]

    return {k: present(k) for k in founded}, parent


def at_year(rows: Rows, year: int, d: _Design) -> Rows:
    """One copy's rows at the end of ``year`` (2011's own rows for 2011)."""
    if year >= LAST_YEAR:
        return rows
    end = _end(year)
    c, p, m, i = _COL["组织"], _COL["党组织"], _COL["党员"], _COL["党建指导员"]
    pz, hb, ct = _COL["结对"], _COL["帮建"], _COL["联系记录"]
    present, parent = _party_presence(rows, year)

    def ancestor(code: str) -> str:
        while code and not present.get(code, True):
            code = parent.get(code, "")
        return code

    out: Rows = {k: list(v) for k, v in rows.items()}
    orgs: list[Sequence[str]] = []
    for r in rows["组织"]:
        u = r[c["uscc"]]
        if d.registered.get(u, 0) > year:
            continue
        row = list(r)
        if d.closed.get(u, 0) > year:
            row[c["status"]] = "在营"
        if d.to_enterprise.get(u, 0) > year:
            row[c["org_category"]], row[c["above_scale"]] = "个体工商户", ""
        orgs.append(tuple(row))
    orgs += [row for u, (left, row) in sorted(d.left.items()) if left > year]
    out["组织"] = orgs
    org_set = {r[c["uscc"]] for r in orgs}

    parties = [r for r in rows["党组织"] if present[r[p["party_org_code"]]]]
    out["党组织"] = parties
    covered = {u for r in parties for u in r[p["covers"]].split(";") if u}
    first_cover = {r[p["party_org_code"]]: r[p["covers"]].split(";")[0] for r in rows["党组织"]}

    members: list[Sequence[str]] = []
    for r in rows["党员"]:
        row = list(r)
        for col in ("relationship_org", "activity_org"):
            row[m[col]] = ancestor(row[m[col]])
        moved = d.moved.get(r[m["member_id"]])
        if moved is not None and moved[0] > year:
            row[m["relationship_org"]] = moved[1]
        members.append(tuple(row))
    out["党员"] = members

    instructors: list[Sequence[str]] = []
    for r in rows["党建指导员"]:
        targets: list[str] = []
        for t in r[i["assigned_to"]].split(";"):
            if t in present and not present[t]:
                t = first_cover.get(t) or ancestor(t)  # the organisation it now covers, then
            if t and t not in targets and (t in present or t in org_set):
                targets.append(t)
        if targets:  # an instructor only at organisations not yet registered came later
            row = list(r)
            row[i["assigned_to"]] = ";".join(targets)
            instructors.append(tuple(row))
    out["党建指导员"] = instructors

    def there(code: str) -> bool:
        return present.get(code, True) and (code not in d.registered or code in org_set)

    out["结对"] = [
        r
        for r in rows["结对"]
        if (not r[pz["since"]] or r[pz["since"]] <= end)
        and there(r[pz["from_code"]])
        and there(r[pz["to_code"]])
    ]
    help_rows: list[Sequence[str]] = []
    for r in rows["帮建"]:
        if r[hb["since"]] and r[hb["since"]] > end:
            continue
        row = list(r)
        if row[hb["status"]] == "已建立" and row[hb["target_uscc"]] not in covered:
            row[hb["status"]] = "进行中"
        help_rows.append(tuple(row))
    out["帮建"] = help_rows
    out["联系记录"] = [r for r in rows["联系记录"] if r[ct["date"]] <= end]
    return out


# --- the changes between two years, and the events behind them ------------------------------------


def _state(rows: Rows) -> dict[str, Any]:
    c, p, m, i = _COL["组织"], _COL["党组织"], _COL["党员"], _COL["党建指导员"]
    pz, hb, ct = _COL["结对"], _COL["帮建"], _COL["联系记录"]
    parties = {r[p["party_org_code"]]: r for r in rows["党组织"]}
    orgs = {r[c["uscc"]]: (r[c["org_category"]], r[c["status"]] or "在营") for r in rows["组织"]}
    villages = {r[0] for r in rows["村社区"]}
    members = {r[m["member_id"]] for r in rows["党员"]}
    instructors = {r[i["instructor_id"]] for r in rows["党建指导员"]}

    def nid(code: str) -> str:
        if code in parties:
            return f"PartyOrg:{code}"
        if code in orgs:
            return f"Organization:{code}"
        if code in villages:
            return f"Village:{code}"
        if code in members:
            return f"Member:{code}"
        assert code in instructors, code
        return f"Instructor:{code}"

    ledger: dict[str, str] = {}
    for r in rows["帮建"]:
        ledger[f"{nid(r[hb['helper_id']])}>{r[hb['target_uscc']]}|{r[hb['since']]}"] = r[hb["status"]] or ""
    # identical rows are one record (one relationship in the graph)
    contacts = Counter(
        f"{nid(r[ct['helper_id']])}>{r[ct['target_uscc']]}" for r in set(map(tuple, rows["联系记录"]))
    )
    return {
        "orgs": orgs,
        "covered": {u for r in parties.values() for u in r[p["covers"]].split(";") if u},
        "parties": set(parties),
        "links": {
            (
                "pairing" if r[pz["pairing_type"]] == "示范帮扶" else "joint",
                f"{nid(r[pz['from_code']])}>{nid(r[pz['to_code']])}",
            )
            for r in rows["结对"]
        },
        "members": {
            r[m["member_id"]]: (r[m["relationship_org"]], r[m["activity_org"]]) for r in rows["党员"]
        },
        "ledger": ledger,
        "contacts": contacts,
    }


def changes(before: Rows, after: Rows) -> list[tuple[str, str]]:
    """(kind, key) of every change from one year's rows to the next's, computed from the rows
    (the history computes the same from the loaded graph)."""
    a, b = _state(before), _state(after)
    out: list[tuple[str, str]] = []
    for u in sorted(a["orgs"].keys() | b["orgs"].keys()):
        x, y = a["orgs"].get(u), b["orgs"].get(u)
        if x is None:
            out.append(("org_added", u))
            if u in b["covered"]:
                out.append(("org_covered", u))
            continue
        if y is None:
            out.append(("org_removed", u))
            continue
        if x[0] != y[0]:
            out.append(("org_category", u))
        if x[1] != y[1]:
            out.append(("org_status", u))
        if (u in a["covered"]) != (u in b["covered"]):
            out.append(("org_covered" if u in b["covered"] else "org_uncovered", u))
    out += [("party_org_added", k) for k in sorted(b["parties"] - a["parties"])]
    out += [("party_org_removed", k) for k in sorted(a["parties"] - b["parties"])]
    out += [(f"{t}_added", k) for t, k in sorted(b["links"] - a["links"])]
    out += [(f"{t}_removed", k) for t, k in sorted(a["links"] - b["links"])]
    for k in sorted(a["members"].keys() & b["members"].keys()):
        (r0, a0), (r1, a1) = a["members"][k], b["members"][k]
        if r0 != r1:
            out.append(("member_relationship", k))
        if a0 != a1:
            out.append(("member_activity", k))
    for k in sorted(a["ledger"].keys() | b["ledger"].keys()):
        if k not in a["ledger"]:
            out.append(("ledger_added", k))
        elif k not in b["ledger"]:
            out.append(("ledger_removed", k))
        elif a["ledger"][k] != b["ledger"][k]:
            out.append(("ledger_status", k))
    out += [
        ("contacts", k)
        for k in sorted(a["contacts"].keys() | b["contacts"].keys())
        if a["contacts"][k] != b["contacts"][k]
    ]
    return out


def _events(before: Rows, after: Rows, year: int, d: _Design) -> list[dict[str, Any]]:
    """The year's events, each with the changes it makes (every change has exactly one)."""
    p, m = _COL["党组织"], _COL["党员"]
    rows_after = {r[p["party_org_code"]]: r for r in after["党组织"]}
    new_parties = {r[p["party_org_code"]] for r in after["党组织"]} - {
        r[p["party_org_code"]] for r in before["党组织"]
    }
    covers_new = {
        u: code
        for code in sorted(new_parties)
        for u in reversed(rows_after[code][p["covers"]].split(";"))
        if u
    }
    member_after = {r[m["member_id"]]: r for r in after["党员"]}
    events: dict[tuple[str, str], dict[str, Any]] = {}

    def event(kind: str, key: str, date: str = "") -> dict[str, Any]:
        ev = events.setdefault(
            (kind, key), {"year": year, "event": kind, "key": key, "date": date, "changes": []}
        )
        return ev

    for kind, key in changes(before, after):
        if kind == "party_org_added":
            ev = event("party_org_founded", key, rows_after[key][p["founded"]])
        elif kind == "org_covered":
            code = covers_new[key]
            ev = event("party_org_founded", code, rows_after[code][p["founded"]])
        elif kind in ("member_relationship", "member_activity"):
            moved = d.moved.get(key)
            if kind == "member_relationship" and moved is not None and moved[0] == year:
                ev = event("member_moved", key)
            else:
                col = "relationship_org" if kind == "member_relationship" else "activity_org"
                code = member_after[key][m[col]]
                ev = event("party_org_founded", code, rows_after[code][p["founded"]])
        elif kind in ("pairing_added", "joint_added"):
            src, _, dst = key.partition(">")
            ends = [x.partition(":")[2] for x in (src, dst)]
            founded = [x for x in ends if x in new_parties]
            if founded:
                ev = event("party_org_founded", founded[-1], rows_after[founded[-1]][p["founded"]])
            else:
                ev = event("pairing_made" if kind == "pairing_added" else "joint_building_started", key)
        elif kind == "ledger_added":
            ev = event("help_build_started", key, key.rpartition("|")[2])
        elif kind == "ledger_status":
            target = key.partition(">")[2].partition("|")[0]
            code = covers_new[target]
            ev = event("party_org_founded", code, rows_after[code][p["founded"]])
        elif kind == "contacts":
            ev = event("contacts_logged", key)
        elif kind == "org_added":
            ev = event("org_registered", key)
        elif kind == "org_removed":
            ev = event("org_left_roster", key)
        elif kind == "org_status":
            ev = event("org_closed", key)
        elif kind == "org_category":
            ev = event("org_became_enterprise", key)
        else:  # pragma: no cover - the design makes no other change
            raise AssertionError(f"no event explains {kind} {key} in {year}")
        ev["changes"].append([kind, key])
    return sorted(events.values(), key=lambda e: (e["event"], e["key"]))


def rewind(rows: Rows, year: int, seed: int, copy: int) -> tuple[Rows, list[dict[str, Any]]]:
    """(rows at the end of ``year``, the events of every year after 2009 up to ``year``)."""
    if year not in YEARS:
        raise ValueError(f"year must be one of {YEARS}")
    d = design(rows, seed, copy)
    by_year = {y: at_year(rows, y, d) for y in YEARS}
    events: list[dict[str, Any]] = []
    for y in YEARS[1:]:
        if y <= year:
            events += _events(by_year[y - 1], by_year[y], y, d)
    return by_year[year], events
