"""Schema as code: uniqueness constraints on every key and the indexes the queries use.

Every statement is idempotent (IF NOT EXISTS) and applied before any load. Label and
type text in Cypher comes only from here (``label()``, ``rel_type()``), never from input.
"""

from __future__ import annotations

from graph.model import NODE_KEYS, NODE_NAMES, Label, Rel

# Properties the queries filter on, beyond the keys: each one read by some query's plan
# (tests/contract/test_explain.py plans every Cypher text the product runs and fails on one no plan reads).
INDEXED_PROPERTIES: dict[Label, tuple[str, ...]] = {
    Label.ORGANIZATION: ("town_code", "org_category"),
    Label.PARTY_ORG: ("town_code", "kind", "demo_tier"),
    # id_hash / phone_hash / key_id: the admin lookup (api/lookup.py) seeks them, never scans
    Label.MEMBER: ("town_code", "flag", "id_hash", "phone_hash", "key_id"),
    Label.VILLAGE: ("town_code",),
    Label.PARK: ("town_code",),
    Label.INSTRUCTOR: ("phone_hash", "key_id"),
}
# Names searched by substring (queries.entities search): a TEXT index serves `CONTAINS`, where a
# label scan of every name would grow with the district.
TEXT_INDEXED: dict[Label, str] = dict(NODE_NAMES)
# Node indexes no plan read (issue 19): a range index on a name serves no `CONTAINS` (the TEXT
# indexes above do); coverage filters a park as ``$park IS NULL OR o.park_code = $park``, one plan
# for both, which cannot seek.
_RETIRED_NODE_INDEXES = (
    "member_name",
    "instructor_name",
    "partyorg_party_org_name",
    "organization_org_name",
    "organization_park_code",
)
# rid is sought only by --sync, which removes relationships of the keyless sheets (graph/loaders
# spec KEYLESS_RELS); no question filters on it. Every other relationship index would cost every
# load its upkeep for nothing, so those are dropped (RETIRED_INDEXES).
INDEXED_REL_PROPERTIES: dict[Rel, tuple[str, ...]] = {
    r: ("rid",) for r in (Rel.PAIRED_WITH, Rel.JOINT_BUILDS_WITH, Rel.HELPS_BUILD, Rel.CONTACTED)
}
RETIRED_INDEXES: tuple[str, ...] = _RETIRED_NODE_INDEXES + tuple(
    f"rel_{r.value.lower()}_rid" for r in Rel if r not in INDEXED_REL_PROPERTIES
)


# Documents kept with the graph (saved plans, boundaries, snapshots): outside the domain graph,
# so no question, count, dump or projection (all of which name domain labels) ever sees them.
DOC_LABEL = "`_Doc`"


def label(value: Label | str) -> str:
    """Backticked label text, only for whitelisted labels."""
    return f"`{Label(value).value}`"


def rel_type(value: Rel | str) -> str:
    """Backticked relationship type text, only for whitelisted types."""
    return f"`{Rel(value).value}`"


def index_names() -> list[str]:
    """The indexes that no constraint owns: a first load into an empty graph builds them after the
    data (one scan each instead of upkeep on every write)."""
    out = [f"{lab.value.lower()}_{prop}" for lab, props in INDEXED_PROPERTIES.items() for prop in props]
    out += [f"{lab.value.lower()}_{prop}_text" for lab, prop in TEXT_INDEXED.items()]
    out += [
        f"rel_{rel.value.lower()}_{prop}" for rel, props in INDEXED_REL_PROPERTIES.items() for prop in props
    ]
    return out


def cypher_statements() -> list[str]:
    out: list[str] = [f"DROP INDEX {name} IF EXISTS" for name in RETIRED_INDEXES]
    for lab, key in NODE_KEYS.items():
        out.append(
            f"CREATE CONSTRAINT {lab.value.lower()}_key IF NOT EXISTS "
            f"FOR (n:{label(lab)}) REQUIRE n.{key} IS UNIQUE"
        )
    for lab, props in INDEXED_PROPERTIES.items():
        for prop in props:
            out.append(
                f"CREATE INDEX {lab.value.lower()}_{prop} IF NOT EXISTS FOR (n:{label(lab)}) ON (n.{prop})"
            )
    for lab, prop in TEXT_INDEXED.items():
        out.append(
            f"CREATE TEXT INDEX {lab.value.lower()}_{prop}_text IF NOT EXISTS "
            f"FOR (n:{label(lab)}) ON (n.{prop})"
        )
    out.append(
        f"CREATE CONSTRAINT doc_key IF NOT EXISTS FOR (d:{DOC_LABEL}) REQUIRE (d.kind, d.id) IS UNIQUE"
    )
    for rel, props in INDEXED_REL_PROPERTIES.items():
        for prop in props:
            out.append(
                f"CREATE INDEX rel_{rel.value.lower()}_{prop} IF NOT EXISTS "
                f"FOR ()-[r:{rel_type(rel)}]-() ON (r.{prop})"
            )
    return out
