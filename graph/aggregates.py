"""District aggregates kept with the graph, always exactly what a full recount gives (issue 19).

The district questions (coverage, gaps, pairing) test "covered" and count members on every
organisation: ~82k at scale 40, seconds on Neo4j. The loader recounts once instead, after its
last domain write, and keeps the result per town as documents (kind :data:`TOWN_KIND`, one per
``town_code``; kind :data:`META_KIND` says for which :meth:`GraphStore.data_version`):

- ``counts``: organisations (not 注销) per (category, park, industry, association, covered,
  work covered), the coverage figures for any filter and grouping;
- ``uncovered``: every uncovered organisation (not 注销) with what the questions show of it,
  whether it is work covered and paired, and the members working there (all, and those of
  its own town: a town's scope sees only those).

Exact by construction: :func:`maintained` answers only when the documents were written for the
current data version, which every domain write changes (a load, --sync, wipe, a direct write);
otherwise the caller recounts (:data:`ORG_COUNTS`, :data:`UNCOVERED_ORGS`, both backends).
:func:`differences` compares the kept values with a recount (tests/contract/test_aggregates.py).
"""

from __future__ import annotations

from collections import defaultdict, namedtuple
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from graph.model import ASSOCIATION_CATEGORIES, DEREGISTERED, STRUCTURAL_KINDS, Label, Rel
from graph.schema.cypher import COVERS, MEM, ORG, PO, WORKS, covered_cypher, has_in_cypher, instructed_cypher
from graph.store.base import CypherReader, FactSet, GraphStore
from graph.store.index import GraphIndex

META_KIND, META_ID = "aggregates", "meta"
TOWN_KIND = "aggregates.town"
NO_TOWN = "(none)"  # the document of organisations without a town (no key looks like this)
FULL = "正式党员"
DISTRICT = "district"  # the recount fact sets' one parameter: they always count the whole district


# Plain named tuples: a district holds ~80k of them, read from the kept documents per question.
# CountRow: how many organisations (not 注销) share these values; covered: some party organisation
# COVERS it; work: covered, or an instructor serves it or a party organisation covering it.
CountRow = namedtuple(
    "CountRow", "town_code category park_code industry association_uscc covered work n"
)  # fmt: skip
# UncoveredRow: an organisation (not 注销) no party organisation covers, as the questions show it;
# work: an instructor serves it; paired: a party organisation is PAIRED_WITH it; full / n: (full)
# members working there; full_town / n_town: of them, those of the organisation's own town.
UncoveredRow = namedtuple(
    "UncoveredRow",
    "uscc name town_code category industry park_code association_uscc employees status lon lat "
    "work paired full n full_town n_town",
)  # fmt: skip


# HostRow: a party organisation that can host an uncovered one (gaps: a branch or higher, with a
# town, not structural), with the parks, associations, associations covered and coordinates of
# what it covers (sorted; its own park first among the parks).
HostRow = namedtuple(
    "HostRow", "code name town_code kind level formation parks assocs assoc_orgs pts"
)  # fmt: skip
HOST_LEVELS = ("党委", "党总支", "党支部")  # a group (党小组) cannot take in another organisation


@dataclass(frozen=True)
class TownAggregates:
    counts: tuple[CountRow, ...]
    uncovered: tuple[UncoveredRow, ...]
    hosts: tuple[HostRow, ...] = ()


# --- the recount: one Cypher and one networkx side each ------------------------------------------


def _counts_cypher(db: CypherReader, _: str) -> tuple[CountRow, ...]:
    text = f"""MATCH (o:{ORG}) WHERE coalesce(o.status, '') <> $deregistered
WITH o, {covered_cypher("o")} AS covered
WITH o, covered, covered OR {instructed_cypher("o")} AS work
WITH o.town_code AS t, o.org_category AS c, o.park_code AS p, o.industry AS i, o.association_uscc AS a,
     covered, work, count(*) AS n
RETURN collect([t, c, p, i, a, covered, work, n]) AS rows"""
    row = db.read(text, {"deregistered": DEREGISTERED}, "aggregates_counts")[0]
    return _sorted(_count(r) for r in row["rows"])


def _count(v: list[Any]) -> CountRow:
    return CountRow._make([*v[:5], bool(v[5]), bool(v[6]), int(v[7])])


_ORG_FIELDS = (
    "uscc", "org_name", "town_code", "org_category", "industry", "park_code", "association_uscc",
    "employees", "status", "lon", "lat",
)  # fmt: skip


def _uncovered_cypher(db: CypherReader, _: str) -> tuple[UncoveredRow, ...]:
    fields = ", ".join(f"o.{f}" for f in _ORG_FIELDS)
    text = f"""MATCH (o:{ORG}) WHERE coalesce(o.status, '') <> $deregistered AND NOT {covered_cypher("o")}
WITH o, COLLECT {{ MATCH (m:{MEM})-[:{WORKS}]->(o)
                  RETURN [coalesce(m.member_type, '') = $full, m.town_code = o.town_code] }} AS ms
RETURN collect([{fields}, {instructed_cypher("o")}, {has_in_cypher("o", Rel.PAIRED_WITH, Label.PARTY_ORG)},
  size([m IN ms WHERE m[0]]), size(ms), size([m IN ms WHERE m[0] AND m[1]]),
  size([m IN ms WHERE m[1]])]) AS rows"""
    row = db.read(text, {"deregistered": DEREGISTERED, "full": FULL}, "aggregates_uncovered")[0]
    return _sorted(_uncovered(r) for r in row["rows"])


def _uncovered(r: Iterable[Any]) -> UncoveredRow:
    v = list(r)
    return UncoveredRow._make([str(v[0]), *v[1:11], bool(v[11]), bool(v[12]), *map(int, v[13:17])])


def _counts_nx(ix: GraphIndex, _: str) -> tuple[CountRow, ...]:
    po, ins = Label.PARTY_ORG.value, Label.INSTRUCTOR.value
    agg: dict[tuple[Any, ...], int] = defaultdict(int)
    for nid, d in ix.label_nodes(Label.ORGANIZATION.value):
        if d.get("status") == DEREGISTERED:
            continue
        coverers = [u for u in ix.inn(nid, Rel.COVERS) if ix.props(u)["_label"] == po]
        covered = bool(coverers)
        work = (
            covered
            or any(ix.props(u)["_label"] == ins for u in ix.inn(nid, Rel.ASSIGNED_TO))
            or any(ix.props(i)["_label"] == ins for p in coverers for i in ix.inn(p, Rel.ASSIGNED_TO))
        )
        key = (d.get("town_code"), d.get("org_category"), d.get("park_code"), d.get("industry"))
        agg[(*key, d.get("association_uscc"), covered, work)] += 1
    return _sorted(_count([*k, n]) for k, n in agg.items())


def _uncovered_nx(ix: GraphIndex, _: str) -> tuple[UncoveredRow, ...]:
    po, ins, mem = Label.PARTY_ORG.value, Label.INSTRUCTOR.value, Label.MEMBER.value
    out = []
    for nid, d in ix.label_nodes(Label.ORGANIZATION.value):
        if d.get("status") == DEREGISTERED or any(
            ix.props(u)["_label"] == po for u in ix.inn(nid, Rel.COVERS)
        ):
            continue
        town = d.get("town_code")
        ms = [(m.get("member_type") == FULL, town is not None and m.get("town_code") == town)
              for m in map(ix.props, ix.inn(nid, Rel.WORKS_AT)) if m["_label"] == mem]  # fmt: skip
        out.append(
            _uncovered(
                [d.get(f) for f in _ORG_FIELDS]
                + [
                    any(ix.props(u)["_label"] == ins for u in ix.inn(nid, Rel.ASSIGNED_TO)),
                    any(ix.props(u)["_label"] == po for u in ix.inn(nid, Rel.PAIRED_WITH)),
                    sum(1 for f, _t in ms if f),
                    len(ms),
                    sum(1 for f, t in ms if f and t),
                    sum(1 for _f, t in ms if t),
                ]
            )
        )
    return _sorted(out)


def _hosts_cypher(db: CypherReader, _: str) -> tuple[HostRow, ...]:
    text = f"""MATCH (p:{PO}) WHERE p.town_code IS NOT NULL AND p.level IN $levels
  AND NOT coalesce(p.kind, '') IN $structural
WITH p, COLLECT {{ MATCH (p)-[:{COVERS}]->(c:{ORG}) RETURN c }} AS cs
RETURN collect([p.party_org_code, p.party_org_name, p.town_code, p.kind, p.level, p.formation, p.park_code,
  [c IN cs | c.park_code], [c IN cs | c.association_uscc],
  [c IN cs WHERE c.org_category IN $associations | c.uscc],
  [c IN cs WHERE c.lon IS NOT NULL AND c.lat IS NOT NULL | [c.lon, c.lat]]]) AS rows"""
    params = {"levels": list(HOST_LEVELS), "structural": sorted(STRUCTURAL_KINDS),
              "associations": sorted(ASSOCIATION_CATEGORIES)}  # fmt: skip
    return _sorted(_host(r[:7], *r[7:]) for r in db.read(text, params, "aggregates_hosts")[0]["rows"])


def _host(
    head: list[Any], parks: list[Any], assocs: list[Any], assoc_orgs: list[Any], pts: list[Any]
) -> HostRow:
    """``head``: code, name, town, kind, level, formation, own park."""
    own = [head[6]] if head[6] is not None else []
    return HostRow._make(
        [
            *head[:6],
            tuple(own + sorted((p for p in parks if p is not None), key=repr)),
            tuple(sorted((a for a in assocs if a is not None), key=repr)),
            tuple(sorted(assoc_orgs, key=repr)),
            tuple(sorted((tuple(xy) for xy in pts), key=repr)),
        ]
    )


def _hosts_nx(ix: GraphIndex, _: str) -> tuple[HostRow, ...]:
    org = Label.ORGANIZATION.value
    out = []
    for nid, d in ix.label_nodes(Label.PARTY_ORG.value):
        if (
            d.get("town_code") is None
            or d.get("level") not in HOST_LEVELS
            or d.get("kind") in STRUCTURAL_KINDS
        ):
            continue
        cs = [c for c in map(ix.props, ix.out(nid, Rel.COVERS)) if c["_label"] == org]
        fields = ("party_org_code", "party_org_name", "town_code", "kind", "level", "formation", "park_code")
        out.append(
            _host(
                [d.get(f) for f in fields],
                [c.get("park_code") for c in cs],
                [c.get("association_uscc") for c in cs],
                [c["uscc"] for c in cs if c.get("org_category") in ASSOCIATION_CATEGORIES],
                [[c["lon"], c["lat"]] for c in cs if c.get("lon") is not None and c.get("lat") is not None],
            )
        )
    return _sorted(out)


def _sorted(rows: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(sorted(rows, key=repr))


Towns = dict[str | None, TownAggregates]
ORG_COUNTS = FactSet("aggregates.counts", cypher=_counts_cypher, networkx=_counts_nx)
UNCOVERED_ORGS = FactSet("aggregates.uncovered", cypher=_uncovered_cypher, networkx=_uncovered_nx)
HOSTS = FactSet("aggregates.hosts", cypher=_hosts_cypher, networkx=_hosts_nx)


def recount(store: GraphStore) -> Towns:
    """Every town's aggregates, counted from the graph now."""
    counts: dict[str | None, list[CountRow]] = defaultdict(list)
    uncovered: dict[str | None, list[UncoveredRow]] = defaultdict(list)
    for c in store.facts(ORG_COUNTS, DISTRICT):
        counts[c.town_code].append(c)
    for u in store.facts(UNCOVERED_ORGS, DISTRICT):
        uncovered[u.town_code].append(u)
    hosts: dict[str | None, list[HostRow]] = defaultdict(list)
    for h in store.facts(HOSTS, DISTRICT):
        hosts[h.town_code].append(h)
    return {
        t: TownAggregates(tuple(counts.get(t, ())), tuple(uncovered.get(t, ())), tuple(hosts.get(t, ())))
        for t in sorted(set(counts) | set(uncovered) | set(hosts), key=lambda x: (x is not None, x or ""))
    }


# --- kept with the graph ---------------------------------------------------------------------


def _doc_id(town: str | None) -> str:
    return NO_TOWN if town is None else town


PARTS = ("counts", "uncovered", "hosts")  # one document kind each: a question reads only its parts


def _kind(part: str) -> str:
    return f"{TOWN_KIND}.{part}"


def _row(part: str, r: list[Any]) -> Any:
    # written by refresh() from the recount's rows: the right types, but for tuples (JSON lists)
    if part == "counts":
        return CountRow._make(r)
    if part == "uncovered":
        return UncoveredRow._make(r)
    return HostRow._make([*r[:6], tuple(r[6]), tuple(r[7]), tuple(r[8]), tuple(map(tuple, r[9]))])


def refresh(store: GraphStore) -> str:
    """Recount and keep the result for a new data version (the loader, after its last domain
    write; inside its ``bulk()`` so the embedded store persists it with the load). Returns the
    data version the aggregates are kept for."""
    version = store.bump_data_version()  # from here on the old documents are stale for readers
    towns = recount(store)
    for part in PARTS:
        docs = {
            _doc_id(t): {"town_code": t, "rows": [list(r) for r in getattr(a, part)]}
            for t, a in towns.items()
        }
        store.replace_docs(_kind(part), docs)
    store.replace_docs(DISTRICT_KIND, {k: {"rows": v} for k, v in district_views(towns).items()})
    store.put_doc(META_KIND, META_ID, {"data_version": version, "towns": len(towns)})
    return version


# --- district views: what the district's coverage answer reads without filters ------------------
# "by:<grouping>": [category, group value, covered, work covered, n] summed over every town, for
# each grouping of the coverage question; "uncovered:<i>": the i-th CHUNK of every uncovered
# organisation by key (a page reads one or two of them).
DISTRICT_KIND = "aggregates.district"
GROUPINGS = {"category": 1, "town": 0, "park": 2, "industry": 3, "association": 4}  # CountRow index
CHUNK = 1000


def district_views(towns: Towns) -> dict[str, list[Any]]:
    """The district views of these towns' aggregates (all of the district's)."""
    out: dict[str, list[Any]] = {}
    counts = [c for a in towns.values() for c in a.counts]
    for name, i in GROUPINGS.items():
        agg: dict[tuple[Any, ...], int] = defaultdict(int)
        for c in counts:
            agg[(c.category, c[i], c.covered, c.work)] += c.n
        out[f"by:{name}"] = sorted(([*k, n] for k, n in agg.items()), key=repr)
    unc = sorted((u for a in towns.values() for u in a.uncovered), key=lambda u: u.uscc)
    for i in range(0, len(unc), CHUNK):
        out[f"uncovered:{i // CHUNK}"] = [list(u) for u in unc[i : i + CHUNK]]
    return out


def district_view(store: GraphStore, view: str) -> list[Any] | None:
    """One district view's rows ([] past the last chunk), or None when the aggregates are not kept
    for the current data version (the caller recounts)."""
    meta = store.get_doc(META_KIND, META_ID)
    if meta is None or meta.get("data_version") != store.data_version():
        return None
    doc = store.get_doc(DISTRICT_KIND, view)
    if store.get_doc(META_KIND, META_ID) != meta:
        return None
    rows: list[Any] = [] if doc is None else doc["rows"]
    return [UncoveredRow._make(r) for r in rows] if view.startswith("uncovered:") else rows


def maintained(
    store: GraphStore, towns: tuple[str | None, ...] | None, parts: tuple[str, ...] = PARTS
) -> dict[str | None, TownAggregates] | None:
    """The kept aggregates of these towns (None: every town), only ``parts`` of them filled, or
    None when they are not kept for the current data version (the caller recounts)."""
    meta = store.get_doc(META_KIND, META_ID)
    if meta is None or meta.get("data_version") != store.data_version():
        return None
    got: dict[str | None, dict[str, tuple[Any, ...]]] = defaultdict(dict)
    for part in parts:
        if towns is None:
            docs = store.list_docs(_kind(part))
        else:
            docs = [d for d in (store.get_doc(_kind(part), _doc_id(t)) for t in towns) if d is not None]
        for d in docs:
            got[d["town_code"]][part] = tuple(_row(part, r) for r in d["rows"])
    # a second look: a load that began meanwhile may have replaced some documents already
    if store.get_doc(META_KIND, META_ID) != meta:
        return None
    return {t: TownAggregates(**{p: g.get(p, ()) for p in PARTS}) for t, g in got.items()}


def differences(store: GraphStore) -> list[str]:
    """How the kept aggregates differ from a recount (empty: they are exact). Stale or missing
    ones count as a difference here: after a load they must be kept and exact."""
    kept = maintained(store, None)
    if kept is None:
        return ["aggregates not kept for the current data version"]
    fresh = recount(store)
    out = []
    for view, rows in district_views(fresh).items():
        want = [UncoveredRow._make(r) for r in rows] if view.startswith("uncovered:") else rows
        if district_view(store, view) != want:
            out.append(f"district view {view!r} differs from a recount")
    for t in sorted(set(kept) | set(fresh), key=lambda x: (x is not None, x or "")):
        a, b = kept.get(t), fresh.get(t)
        if a is None or b is None:
            out.append(
                f"town {t!r}: {'missing from the kept aggregates' if a is None else 'not in the graph'}"
            )
            continue
        for part in PARTS:
            x, y = set(getattr(a, part)), set(getattr(b, part))
            if x != y:
                out.append(f"town {t!r} {part}: kept only {sorted(x - y, key=repr)[:3]}, "
                           f"recount only {sorted(y - x, key=repr)[:3]}")  # fmt: skip
    return out
