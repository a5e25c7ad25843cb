"""Reloads write only what changed: a content hash of every row, kept by the store beside the graph.

A node row's hash covers its properties and the relationships its row owns (ROSTER rule 10: they are
replaced with the row); a keyless sheet's relationship row is hashed on its own. A row whose hash
equals the stored one is already in the graph exactly so, and is not written again. The stored
hashes are forgotten before a load's first write and stored again after its last, so a load that
dies midway leaves none and the next load writes everything (never a stale skip).
"""

from __future__ import annotations

import hashlib
import marshal
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from graph.loaders.build import Plan
from graph.model import NODE_KEYS, Label, Rel

Hashes = dict[str, dict[str, str]]
_NONE: list[Any] = []  # scope (label, or "TYPE:FromLabel:ToLabel") -> key -> hash


@runtime_checkable
class KeepsRowHashes(Protocol):
    """A store that keeps the loader's row hashes (Neo4j; the embedded store rewrites its file whole)."""

    def row_hashes(self) -> Hashes: ...

    def set_row_hashes(self, hashes: Mapping[str, Mapping[str, str]] | None) -> None: ...


def _digest(obj: Any) -> str:
    # marshal (format 2: no back-references, so equal values give equal bytes) of the plan's rows is
    # deterministic for the same workbook and twice as cheap as repr; a different column or row
    # order only costs a rewrite, never a skip
    try:
        data = marshal.dumps(obj, 2)
    except ValueError:  # a value marshal does not know: its repr
        data = repr(obj).encode()
    return hashlib.blake2b(data, digest_size=8).hexdigest()


def _rel_scope(rel: Rel, fl: Label, tl: Label) -> str:
    return f"{rel.value}:{fl.value}:{tl.value}"


def _rel_key(row: Mapping[str, Any]) -> str:
    return f"{row['from']}\t{row['to']}\t{row['rid']}"


def _owned_types(plan: Plan) -> dict[Label, set[Rel]]:
    return {lab: set(types) for lab, (_keys, types) in plan.owned.items()}


def row_hashes(plan: Plan) -> Hashes:
    """The hash of every row of the plan, by scope."""
    owned = _owned_types(plan)
    owned_rows: dict[Label, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    out: Hashes = {}
    for (rel, fl, tl), rows in plan.rels.items():
        if rel in owned.get(fl, ()):
            by_owner = owned_rows[fl]
            for r in rows:
                by_owner[r["from"]].append((rel.value, tl.value, r["to"], r["rid"], r["props"]))
        else:
            out.setdefault(_rel_scope(rel, fl, tl), {}).update({_rel_key(r): _digest(r) for r in rows})
    for lab, rows in plan.nodes.items():
        key, by_owner = NODE_KEYS[lab], owned_rows.get(lab, {})
        # a row's owned relationships come in its columns' order (the plan is built row by row)
        out[lab.value] = {r[key]: _digest((r, by_owner.get(r[key], _NONE))) for r in rows}
    return out


@dataclass
class Delta:
    """What a load writes: the changed rows of ``plan``, and the hashes to store after it."""

    plan: Plan
    hashes: Hashes
    unchanged: dict[str, dict[str, int]] = field(default_factory=lambda: {"nodes": {}, "relationships": {}})

    def forget(self, nodes: Mapping[Label, list[str]], rels: Mapping[Rel, list[dict[str, str]]]) -> None:
        """Drop the hashes of what --sync removed."""
        for lab, keys in nodes.items():
            table = self.hashes.get(lab.value, {})
            for key in keys:
                table.pop(key, None)
        for rel, rows in rels.items():
            for scope, table in self.hashes.items():
                if scope.startswith(rel.value + ":"):
                    for r in rows:
                        table.pop(_rel_key(r), None)


def delta(plan: Plan, stored: Hashes) -> Delta:
    """The rows of ``plan`` whose hash differs from ``stored`` (all of them when nothing is stored)."""
    new = row_hashes(plan)
    merged: Hashes = {scope: dict(table) for scope, table in stored.items()}
    for scope, table in new.items():
        merged.setdefault(scope, {}).update(table)
    if not stored:
        return Delta(plan, merged)
    out = Plan(keyless_rids=plan.keyless_rids)
    unchanged: dict[str, dict[str, int]] = {"nodes": {}, "relationships": {}}
    changed: dict[Label, set[str]] = {}
    for lab, rows in plan.nodes.items():
        key, old, now = NODE_KEYS[lab], stored.get(lab.value, {}), new[lab.value]
        keep = [r for r in rows if old.get(r[key]) != now[r[key]]]
        changed[lab] = {r[key] for r in keep}
        out.nodes[lab] = keep
        if len(keep) < len(rows):
            unchanged["nodes"][lab.value] = len(rows) - len(keep)
    for lab, (keys, types) in plan.owned.items():
        out.owned[lab] = ([k for k in keys if k in changed.get(lab, ())], types)
    owned = _owned_types(plan)
    for (rel, fl, tl), rows in plan.rels.items():
        if rel in owned.get(fl, ()):
            mine = changed.get(fl, set())
            keep = [r for r in rows if r["from"] in mine]
        else:
            scope = _rel_scope(rel, fl, tl)
            old, now = stored.get(scope, {}), new[scope]
            keep = [r for r in rows if old.get(_rel_key(r)) != now[_rel_key(r)]]
        out.rels[(rel, fl, tl)] = keep
        if len(keep) < len(rows):
            unchanged["relationships"][rel.value] = (
                unchanged["relationships"].get(rel.value, 0) + len(rows) - len(keep)
            )
    return Delta(out, merged, unchanged)
