"""Neo4jStore: the system of record, over Bolt with the official driver.

Writes are batched ``UNWIND $rows`` statements in managed, idempotent transactions
(``execute_write``, which the driver retries); reads are auto-commit transactions in read
mode (a cluster routes them to readers; one round trip each), retried here. Every statement
is tagged with metadata (``unit_of_work`` / ``Query``); every value is a parameter; label and
type text comes from graph.schema only.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from typing import Any, Protocol, TypeVar
from urllib.parse import urlparse

import neo4j
import networkx as nx
from neo4j import exceptions as neo4j_exc

from graph.errors import ConfigError, StoreUnavailable
from graph.model import NODE_KEYS, REL_ENDS, Label, Rel
from graph.schema import DOC_LABEL, cypher_statements, index_names
from graph.schema import label as L
from graph.schema import rel_type as T
from graph.store.base import (
    FactSet,
    LoadState,
    P,
    R,
    batched,
    build_projection,
    empty_counts,
    node_id,
    read_projection,
)

DEFAULT_BATCH = 5000
# A dead server must fail fast: an API request during an outage answers 503 within seconds,
# not after the driver's defaults (60 s to acquire a connection, 30 s of retries).
DEFAULT_CONNECTION_TIMEOUT = 5.0
DEFAULT_ACQUISITION_TIMEOUT = 5.0
DEFAULT_READ_RETRY_TIME = 2.0  # retry delays are 1 s, 2 s, 4 s (+-20 %): at most two retries
# Writes (the loader) ride out a short leader switch or restart instead.
DEFAULT_WRITE_RETRY_TIME = 30.0
# Seconds a read version is reused (caches key on it; asking costs a round trip).
DEFAULT_VERSION_TTL = 1.0
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
# The load-state record: one node outside the domain graph (not a graph.model.Label, so no
# question, count, projection or dump ever sees it; never connected to anything).
LOAD_STATE = "`_LoadState`"
_LOAD_STATE_FIELDS = ("started_at", "source", "pid", "host")
# The loader's per-row content hashes (graph/loaders/delta.py): one node per scope (a label, or a
# relationship type between two labels), outside the domain graph like the load state.
ROW_HASHES = "`_RowHashes`"
# The data version (data_version()): one node outside the domain graph, given a new random value
# by every change of domain nodes or relationships (never by documents, row hashes, load state).
DATA_VERSION = "`_DataVersion`"
_BUMP = f"MERGE (dv:{DATA_VERSION} {{id: 'data'}}) SET dv.value = randomUUID()"
INDEX_BUILD_TIMEOUT_S = 3600
T_ = TypeVar("T_")
Rows = list[dict[str, Any]]  # what a Cypher statement returns, as plain dicts


class _Tagger(Protocol):
    def __call__(
        self, fn: Callable[[neo4j.ManagedTransaction], T_]
    ) -> Callable[[neo4j.ManagedTransaction], T_]: ...


def tagged(name: str) -> _Tagger:
    """Decorate a transaction function so the server shows its purpose (query log,
    SHOW TRANSACTIONS). Managed transactions take metadata here, not via neo4j.Query."""

    def decorate(fn: Callable[[neo4j.ManagedTransaction], T_]) -> Callable[[neo4j.ManagedTransaction], T_]:
        work: Callable[[neo4j.ManagedTransaction], T_] = neo4j.unit_of_work(
            metadata={"app": "orggraph", "query": name}
        )(fn)
        return work

    return decorate


def _records(
    text: str, params: Mapping[str, Any] | None, name: str
) -> Callable[[neo4j.ManagedTransaction], Rows]:
    """The transaction function of read() and write(): run ``text``, return plain dicts."""

    @tagged(name)
    def work(tx: neo4j.ManagedTransaction) -> Rows:
        return [r.data() for r in tx.run(text, dict(params or {}))]

    return work


def _unique_relationships(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows deduplicated on (from, to, rid), the last one winning, None properties dropped. An
    empty rid (every relationship a node row owns) is not stored: readers take a missing rid as
    "" (coalesce, properties().pop), and not writing it saves a property per relationship."""
    unique: dict[tuple[str, str, str], dict[str, Any]] = {}
    for r in rows:
        rid = str(r.get("rid") or "")
        props = {k: v for k, v in (r.get("props") or {}).items() if v is not None}
        if rid:
            props["rid"] = rid
        frm, to = str(r["from"]), str(r["to"])
        unique.pop((frm, to, rid), None)
        unique[(frm, to, rid)] = {"from": frm, "to": to, "rid": rid, "props": props}
    return list(unique.values())


class Neo4jStore:
    backend = "neo4j"

    def __init__(
        self,
        uri: str,
        user: str,
        password: str,
        database: str = "neo4j",
        batch_size: int = DEFAULT_BATCH,
        connection_timeout: float = DEFAULT_CONNECTION_TIMEOUT,
        connection_acquisition_timeout: float = DEFAULT_ACQUISITION_TIMEOUT,
        max_transaction_retry_time: float = DEFAULT_READ_RETRY_TIME,
        write_retry_time: float = DEFAULT_WRITE_RETRY_TIME,
        version_ttl: float = DEFAULT_VERSION_TTL,
    ) -> None:
        """``connection_timeout``: to open one connection; ``connection_acquisition_timeout``: to get
        one from the pool (including opening it); ``max_transaction_retry_time``: how long reads
        are retried on transient errors; ``write_retry_time``: the same for writes (longer, so a
        load survives a brief restart); ``version_ttl``: how long :meth:`version` is reused. All in
        seconds."""
        for name, value in (
            ("connection_timeout", connection_timeout),
            ("connection_acquisition_timeout", connection_acquisition_timeout),
            ("max_transaction_retry_time", max_transaction_retry_time),
            ("write_retry_time", write_retry_time),
            ("version_ttl", version_ttl),
        ):
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ConfigError(f"Neo4j 超时设置无效：{name}={value!r}", f"invalid {name} {value!r}")
        self.uri = uri
        self.database = database
        self.batch_size = batch_size
        self.write_retry_time = float(write_retry_time)
        self.read_retry_time = float(max_transaction_retry_time)
        self._write_counter = 0
        # inside bulk(): the internal id of every node create_nodes made, by label and key, so the
        # relationships of a first load find their ends by id (a seek) instead of by key (an index)
        self._created: dict[Label, dict[str, int]] = {}
        self._bulk_depth = 0
        self.version_ttl = float(version_ttl)
        self._version: tuple[float, int, str] | None = None  # (monotonic time, writes then, value)
        self._version_lock = threading.Lock()
        self._data_version: tuple[float, int, str] | None = None
        # inside bulk() (_bulk_depth), domain writes leave the data version to its end
        self._dirty = False  # a domain write inside bulk() since the data version last changed
        try:
            self.driver = neo4j.GraphDatabase.driver(
                uri,
                auth=(user, password),
                connection_timeout=float(connection_timeout),
                connection_acquisition_timeout=float(connection_acquisition_timeout),
                max_transaction_retry_time=float(max_transaction_retry_time),
                notifications_min_severity="OFF",
            )
        except (ValueError, neo4j_exc.ConfigurationError) as exc:
            raise ConfigError(f"NEO4J_URI 无效：{uri}", f"invalid NEO4J_URI {uri!r}: {exc}") from exc

    # --- plumbing ------------------------------------------------------------------

    def _unavailable(self, exc: Exception) -> StoreUnavailable:
        return StoreUnavailable(
            f"无法连接 Neo4j（{self.uri}）。请确认服务已启动（本地开发：make neo4j-start），"
            "并检查 NEO4J_URI、NEO4J_USER、NEO4J_PASSWORD。",
            f"Neo4j at {self.uri} is unreachable ({type(exc).__name__}): start it "
            "(locally: make neo4j-start) or check NEO4J_URI / NEO4J_USER / NEO4J_PASSWORD",
        )

    @contextmanager
    def _translate(self) -> Iterator[None]:
        try:
            yield
        except (neo4j_exc.ServiceUnavailable, neo4j_exc.SessionExpired, OSError) as exc:
            raise self._unavailable(exc) from exc
        except neo4j_exc.AuthError as exc:
            raise StoreUnavailable(
                f"Neo4j 拒绝了登录（{self.uri}）：请检查 NEO4J_USER 和 NEO4J_PASSWORD",
                f"Neo4j at {self.uri} refused the credentials",
            ) from exc
        except neo4j_exc.DriverError as exc:
            if "Failed to read" in str(exc) or "defunct" in str(exc).lower():
                raise self._unavailable(exc) from exc
            raise

    def read(self, text: str, params: Mapping[str, Any] | None = None, name: str = "read") -> Rows:
        """Run a read query (routed to readers) and return plain dicts.

        An auto-commit transaction: one round trip, where a transaction function adds BEGIN and
        COMMIT (issue 19: under 16 threads 1.6x the reads per second, a third less client CPU).
        A read is idempotent, so it is retried here as the driver retries a transaction function:
        on retryable errors (transient, a lost connection), 1 s, 2 s, ... apart, for up to
        ``max_transaction_retry_time`` after the first failure."""
        query = neo4j.Query(text, metadata={"app": "orggraph", "query": name})
        values = dict(params or {})
        first_failure: float | None = None
        delay = 1.0
        with self._translate():
            while True:
                try:
                    with self.driver.session(
                        database=self.database, default_access_mode=neo4j.READ_ACCESS
                    ) as s:
                        return [r.data() for r in s.run(query, values)]
                except (neo4j_exc.DriverError, neo4j_exc.Neo4jError) as exc:
                    if not exc.is_retryable():
                        raise
                    now = time.monotonic()
                    first_failure = now if first_failure is None else first_failure
                    if now - first_failure > self.read_retry_time:
                        raise
                time.sleep(delay * random.uniform(0.8, 1.2))
                delay *= 2

    def write(self, text: str, params: Mapping[str, Any] | None = None, name: str = "write") -> Rows:
        """Run one idempotent write in a managed transaction (retried by the driver)."""
        with (
            self._translate(),
            self.driver.session(
                database=self.database, max_transaction_retry_time=self.write_retry_time
            ) as s,
        ):
            out = s.execute_write(_records(text, params, name))
        self._write_counter += 1
        return out

    def _write_batches(self, text: str, rows: Sequence[Any], name: str, **extra: Any) -> int:
        """A domain write (every statement ends ``RETURN <count> AS n``). Outside bulk() each
        statement also changes the data version, in its own transaction (no extra round trip)."""
        if self._bulk_depth:
            self._dirty = True
        else:
            head, _, count = text.rpartition(" RETURN ")
            text = f"{head} WITH {count.removesuffix(' AS n')} AS n {_BUMP} RETURN n"
        total = 0
        for chunk in batched(list(rows), self.batch_size):
            res = self.write(text, {"rows": list(chunk), **extra}, name)
            total += int(res[0]["n"]) if res else 0
        return total

    # --- contract ------------------------------------------------------------------

    def facts(self, fs: FactSet[P, R], params: P) -> R:
        return fs.cypher(self, params)

    def ping(self) -> None:
        with self._translate():
            self.driver.verify_connectivity()

    def apply_schema(self) -> None:
        """Create what the schema lacks and drop what it retired: one look at the existing names
        first, so a reload does not pay a schema transaction per constraint and index."""
        have = {
            r["name"]
            for show in ("SHOW INDEXES", "SHOW CONSTRAINTS")
            for r in self.write(f"{show} YIELD name RETURN name", name="schema")
        }
        for stmt in cypher_statements():
            words = stmt.split()
            verb, name = words[0], words[3] if words[1] == "TEXT" else words[2]
            if verb in ("CREATE", "DROP") and (name in have) == (verb == "CREATE"):
                continue  # created already, or a retired one that is gone
            self.write(stmt, name="schema")
        self.write(
            f"MERGE (dv:{DATA_VERSION} {{id: 'data'}}) ON CREATE SET dv.value = randomUUID()",
            name="data_version_init",
        )

    @contextmanager
    def bulk(self) -> Iterator[None]:
        # Every batch commits on its own; a rerun of an interrupted load completes it. Readers
        # learn of the half-written graph from load_state() (begin_load/end_load around it).
        # The data version changes once at the end if a domain write happened since it last
        # changed (the loader changes it itself before it recounts the aggregates).
        self._bulk_depth += 1
        try:
            yield
        finally:
            self._bulk_depth -= 1
            if not self._bulk_depth:
                self._created = {}
            if self._bulk_depth == 0 and self._dirty:
                self.bump_data_version()

    def bump_data_version(self) -> str:
        """Give the data version a new value (after domain writes; see :meth:`data_version`)."""
        self._dirty = False
        value = f"data:{self.write(f'{_BUMP} RETURN dv.value AS v', name='data_version_bump')[0]['v']}"
        self._data_version = (time.monotonic(), self._write_counter, value)
        return value

    def data_version(self) -> str:
        """Changes whenever domain nodes or relationships change, and only then: documents, row
        hashes and the load state leave it alone (unlike :meth:`version`). Reused for up to
        ``version_ttl`` seconds like :meth:`version`; this store's own writes are seen at once.
        A graph written before data versions existed answers its :meth:`version` (safe: it
        changes more often)."""
        held = self._data_version
        if held is not None and self._fresh(held):
            return held[2]
        writes, now = self._write_counter, time.monotonic()
        rows = self.read(
            f"OPTIONAL MATCH (dv:{DATA_VERSION} {{id: 'data'}}) RETURN dv.value AS v", name="data_version"
        )
        value = rows[0]["v"] if rows and rows[0]["v"] is not None else None
        value = f"data:{value}" if value is not None else self.version()
        self._data_version = (now, writes, value)
        return value

    @contextmanager
    def indexes_after(self) -> Iterator[None]:
        """Into an empty graph, build the indexes no constraint owns after the data: one scan each
        instead of upkeep on every write (what a bulk importer does); returns when they are online.
        Worth it for a large load only: dropping and building them costs a second or two."""
        deferred = self._is_empty()
        if deferred:
            for name in index_names():
                self.write(f"DROP INDEX {name} IF EXISTS", name="schema")
        try:
            yield
        except BaseException:
            if deferred:  # best effort: the next load's apply_schema builds them otherwise
                with suppress(Exception):
                    self.apply_schema()
            raise
        if deferred:
            self.apply_schema()
            self.read("CALL db.awaitIndexes($s)", {"s": INDEX_BUILD_TIMEOUT_S}, name="await_indexes")

    def _is_empty(self) -> bool:
        return not any(self.counts()["nodes"].values())

    def row_hashes(self) -> dict[str, dict[str, str]]:
        """The loader's content hash of every row it wrote, by scope (graph/loaders/delta.py)."""
        rows = self.read(f"MATCH (h:{ROW_HASHES}) RETURN h.scope AS s, h.json AS j", name="row_hashes")
        return {r["s"]: json.loads(r["j"]) for r in rows}

    def set_row_hashes(self, hashes: Mapping[str, Mapping[str, str]] | None) -> None:
        """Replace the row hashes (None: forget them, before a load's first write)."""
        self.write(f"MATCH (h:{ROW_HASHES}) DELETE h", name="row_hashes_clear")
        for scope, table in sorted((hashes or {}).items()):
            self.write(
                f"CREATE (h:{ROW_HASHES} {{scope: $s, json: $j}})",
                {"s": scope, "j": json.dumps(table, ensure_ascii=False, separators=(",", ":"))},
                name="row_hashes_set",
            )

    def begin_load(self, info: Mapping[str, Any]) -> None:
        props = {k: info[k] for k in _LOAD_STATE_FIELDS if info.get(k) is not None}
        # the data is about to change: whatever was kept for the current data version goes stale
        self.write(
            f"MERGE (s:{LOAD_STATE} {{id: 'load'}}) SET s += $p WITH s {_BUMP}",
            {"p": props},
            name="load_begin",
        )

    def end_load(self) -> None:
        self.write(f"MATCH (s:{LOAD_STATE}) DELETE s", name="load_end")

    def load_state(self) -> LoadState | None:
        rows = self.read(f"MATCH (s:{LOAD_STATE}) RETURN properties(s) AS p LIMIT 1", name="load_state")
        if not rows:
            return None
        p = rows[0]["p"]
        return LoadState(
            started_at=str(p.get("started_at", "")),
            source=str(p.get("source", "")),
            pid=int(p.get("pid") or 0),
            host=str(p.get("host", "")),
        )

    def upsert_nodes(self, label: Label, rows: Sequence[Mapping[str, Any]]) -> int:
        label = Label(label)
        key = NODE_KEYS[label]
        text = (
            f"UNWIND $rows AS row MERGE (n:{L(label)} {{{key}: row.{key}}}) SET n = row RETURN count(n) AS n"
        )
        clean = [{k: v for k, v in r.items() if v is not None} for r in rows]
        return self._write_batches(text, clean, f"upsert_{label.value}")

    def create_nodes(self, label: Label, rows: Sequence[Mapping[str, Any]]) -> int:
        """Like upsert_nodes, for a label that has no node yet (a first load): CREATE without looking
        for one (the key constraint still refuses a duplicate). Rows are deduplicated by key here
        (last wins, as with MERGE + SET)."""
        label = Label(label)
        key = NODE_KEYS[label]
        # id(): the internal id, valid while the node lives (it does for the rest of the load)
        text = (
            f"UNWIND $rows AS row CREATE (n:{L(label)}) SET n = row RETURN collect([row.{key}, id(n)]) AS ids"
        )
        unique = {r[key]: {k: v for k, v in r.items() if v is not None} for r in rows}
        total = 0
        for chunk in batched(list(unique.values()), self.batch_size):
            ids = self.write(text, {"rows": list(chunk)}, f"create_{label.value}")[0]["ids"]
            if self._bulk_depth:
                self._created.setdefault(label, {}).update(ids)
            total += len(ids)
        if self._bulk_depth:  # a domain write: the data version changes (at the end of bulk())
            self._dirty = True
        else:
            self.bump_data_version()
        return total

    def upsert_relationships(
        self, rel: Rel, from_label: Label, to_label: Label, rows: Sequence[Mapping[str, Any]]
    ) -> int:
        # Not MERGE (a)-[r {rid: ..}]->(b): with the rid index, the planner seeks the index for
        # rid = "" (every relationship of a node sheet) until its statistics catch up, which makes a
        # large first load quadratic (measured: 5,000 rows in 10 s instead of 0.3 s). coalesce() keeps
        # the lookup an Expand(Into) between the two matched nodes. Rows are deduplicated (last
        # wins, as with MERGE + SET), so one call never creates a relationship twice.
        return self._write_relationships(
            "upsert",
            rel,
            from_label,
            to_label,
            rows,
            f"WITH a, b, row, [(a)-[x:{T(rel)}]->(b) WHERE coalesce(x.rid, '') = row.rid | x] AS found "
            f"CALL (a, b, row, found) {{ WITH * WHERE size(found) = 0 CREATE (a)-[r:{T(rel)}]->(b) "
            "SET r = row.props } "
            "CALL (found, row) { WITH * WHERE size(found) > 0 UNWIND found AS x SET x = row.props } "
            "RETURN count(*) AS n",
        )

    def create_relationships(
        self, rel: Rel, from_label: Label, to_label: Label, rows: Sequence[Mapping[str, Any]]
    ) -> int:
        """Like upsert_relationships, for rows the caller has just cleared with delete_outgoing:
        CREATE without looking for an existing one (the loader's owned relationships). A commit
        whose outcome is unknown raises IncompleteCommit (never retried), so no silent duplicate.
        Ends this load created (create_nodes in bulk()) are found by internal id: on a first load,
        a third of the server's CPU of finding both ends by key (measured)."""
        fl, tl = Label(from_label), Label(to_label)
        ids_a, ids_b = self._created.get(fl), self._created.get(tl)
        unique = _unique_relationships(rows)
        by_id: list[list[Any]] = []
        by_key: list[dict[str, Any]] = []
        for r in unique:
            a = ids_a.get(r["from"]) if ids_a else None
            b = ids_b.get(r["to"]) if ids_b else None
            if a is None or b is None:
                by_key.append(r)
            else:
                by_id.append([a, b, r["props"]] if r["props"] else [a, b])
        create = f"CREATE (a)-[r:{T(rel)}]->(b)"
        n = self._write_relationships(
            "create", rel, fl, tl, by_key, f"{create} SET r = row.props RETURN count(*) AS n", dedupe=False
        )
        if not by_id:
            return n
        ends = (
            f"UNWIND $rows AS row MATCH (a:{L(fl)}) WHERE id(a) = row[0] "
            f"MATCH (b:{L(tl)}) WHERE id(b) = row[1] "
        )
        bare = [x for x in by_id if len(x) == 2]
        with_props = [x for x in by_id if len(x) == 3]
        name = f"create_{Rel(rel).value}"
        n += self._write_batches(f"{ends}{create} RETURN count(*) AS n", bare, name)
        n += self._write_batches(f"{ends}{create} SET r = row[2] RETURN count(*) AS n", with_props, name)
        return n

    def _write_relationships(
        self,
        verb: str,
        rel: Rel,
        from_label: Label,
        to_label: Label,
        rows: Sequence[Mapping[str, Any]],
        then: str,
        dedupe: bool = True,
    ) -> int:
        """Match each row's two ends (a, b), then ``then``; rows are deduplicated on (from, to, rid),
        the last one winning, and their None properties dropped (unless ``dedupe`` is False: the
        caller did that with _unique_relationships)."""
        fl, tl = Label(from_label), Label(to_label)
        text = (
            f"UNWIND $rows AS row "
            f"MATCH (a:{L(fl)} {{{NODE_KEYS[fl]}: row.from}}) "
            f"MATCH (b:{L(tl)} {{{NODE_KEYS[tl]}: row.to}}) " + then
        )
        unique = _unique_relationships(rows) if dedupe else list(rows)
        return self._write_batches(text, unique, f"{verb}_{Rel(rel).value}")

    def delete_outgoing(self, label: Label, keys: Sequence[str], rels: Iterable[Rel]) -> int:
        label = Label(label)
        types = [Rel(r) for r in rels]
        if not types:
            return 0
        pattern = "|".join(T(r) for r in types)
        text = (
            f"UNWIND $rows AS k MATCH (n:{L(label)} {{{NODE_KEYS[label]}: k}})-[r:{pattern}]->() "
            "DELETE r RETURN count(r) AS n"
        )
        return self._write_batches(text, list(keys), f"clear_{label.value}")

    def delete_relationships(self, rel: Rel, rows: Sequence[Mapping[str, Any]]) -> int:
        clean = [{"from": str(r["from"]), "to": str(r["to"]), "rid": str(r.get("rid") or "")} for r in rows]
        keyed = [r for r in clean if r["rid"]]
        bare = [r for r in clean if not r["rid"]]
        n = 0
        if keyed:  # ends may be of either label: seek the rid, then check the keys
            text = (
                f"UNWIND $rows AS row MATCH (a)-[r:{T(rel)} {{rid: row.rid}}]->(b) "
                "WHERE a[$fk[labels(a)[0]]] = row.from AND b[$fk[labels(b)[0]]] = row.to "
                "DELETE r RETURN count(r) AS n"
            )
            fk = {lab.value: key for lab, key in NODE_KEYS.items()}
            n += self._write_batches(text, keyed, f"delete_{Rel(rel).value}", fk=fk)
        # An empty rid is not stored: seek both ends by key, for each pair of labels the type joins.
        starts, ends = REL_ENDS[Rel(rel)]
        for a, b in sorted((x, y) for x in starts for y in ends) if bare else ():
            text = (
                f"UNWIND $rows AS row MATCH (a:{L(a)} {{{NODE_KEYS[a]}: row.from}})"
                f"-[r:{T(rel)}]->(b:{L(b)} {{{NODE_KEYS[b]}: row.to}}) WHERE r.rid IS NULL "
                "DELETE r RETURN count(r) AS n"
            )
            n += self._write_batches(text, bare, f"delete_{Rel(rel).value}")
        return n

    def delete_nodes(self, label: Label, keys: Sequence[str]) -> int:
        label = Label(label)
        text = (
            f"UNWIND $rows AS k MATCH (n:{L(label)} {{{NODE_KEYS[label]}: k}}) "
            "DETACH DELETE n RETURN count(*) AS n"
        )
        return self._write_batches(text, list(keys), f"delete_{label.value}")

    def fetch_nodes(self, label: Label, keys: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
        label = Label(label)
        key = NODE_KEYS[label]
        if keys is None:
            rows = self.read(f"MATCH (n:{L(label)}) RETURN properties(n) AS p", name=f"fetch_{label.value}")
        else:
            rows = []
            for chunk in batched(list(keys), 20000):
                rows += self.read(
                    f"UNWIND $keys AS k MATCH (n:{L(label)} {{{key}: k}}) RETURN properties(n) AS p",
                    {"keys": list(chunk)},
                    name=f"fetch_{label.value}",
                )
        return {r["p"][key]: r["p"] for r in rows}

    def fetch_relationships(self, rel: Rel) -> list[tuple[str, str, str, dict[str, Any]]]:
        rows = self.read(
            f"MATCH (a)-[r:{T(rel)}]->(b) RETURN labels(a)[0] AS al, a[$fk[labels(a)[0]]] AS ak, "
            "labels(b)[0] AS bl, b[$fk[labels(b)[0]]] AS bk, properties(r) AS p",
            {"fk": {lab.value: key for lab, key in NODE_KEYS.items()}},
            name=f"fetch_{Rel(rel).value}",
        )
        out = []
        for r in rows:
            props = dict(r["p"])
            rid = props.pop("rid", "")
            out.append((node_id(r["al"], r["ak"]), node_id(r["bl"], r["bk"]), rid, props))
        return sorted(out)

    def counts(self) -> dict[str, dict[str, int]]:
        out = empty_counts()
        # Count stores answer these without scanning.
        for lab in Label:
            res = self.read(f"MATCH (n:{L(lab)}) RETURN count(n) AS n", name="count_nodes")
            out["nodes"][lab.value] = int(res[0]["n"])
        for rel in Rel:
            res = self.read(f"MATCH ()-[r:{T(rel)}]->() RETURN count(r) AS n", name="count_rels")
            out["relationships"][rel.value] = int(res[0]["n"])
        return out

    def dump(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        fk = {lab.value: key for lab, key in NODE_KEYS.items()}
        # one label scan per label (a scan of every node would read documents too)
        nodes_raw = [(lab.value, p) for lab in Label for p in self.fetch_nodes(lab).values()]
        rels_raw = self.read(
            "MATCH (a)-[r]->(b) RETURN type(r) AS t, labels(a)[0] AS al, a[$fk[labels(a)[0]]] AS ak, "
            "labels(b)[0] AS bl, b[$fk[labels(b)[0]]] AS bk, properties(r) AS p",
            {"fk": fk},
            name="dump_rels",
        )
        nodes: list[dict[str, Any]] = [
            {"id": node_id(lab, p[fk[lab]]), "label": lab, "properties": dict(sorted(p.items()))}
            for lab, p in nodes_raw
        ]
        rels = []
        for r in rels_raw:
            props = dict(r["p"])
            rid = props.pop("rid", "")
            rels.append(
                {
                    "type": r["t"],
                    "from": node_id(r["al"], r["ak"]),
                    "to": node_id(r["bl"], r["bk"]),
                    "rid": rid,
                    "properties": dict(sorted(props.items())),
                }
            )
        nodes.sort(key=lambda n: n["id"])
        rels.sort(key=lambda r: (r["type"], r["from"], r["to"], r["rid"]))
        return nodes, rels

    # --- documents (outside the domain graph: a label no question names) -------------

    def put_doc(self, kind: str, doc_id: str, doc: Mapping[str, Any]) -> None:
        self.write(
            f"MERGE (d:{DOC_LABEL} {{kind: $kind, id: $id}}) SET d.json = $json",
            {"kind": kind, "id": doc_id, "json": json.dumps(doc, ensure_ascii=False, sort_keys=True)},
            "put_doc",
        )

    def replace_docs(self, kind: str, docs: Mapping[str, Mapping[str, Any]]) -> None:
        self.write(
            f"MATCH (d:{DOC_LABEL} {{kind: $kind}}) WHERE NOT d.id IN $ids DELETE d",
            {"kind": kind, "ids": list(docs)},
            "replace_docs_clear",
        )
        rows = [{"id": i, "json": json.dumps(d, ensure_ascii=False, sort_keys=True)} for i, d in docs.items()]
        for chunk in batched(rows, 1000):
            self.write(
                f"UNWIND $rows AS r MERGE (d:{DOC_LABEL} {{kind: $kind, id: r.id}}) SET d.json = r.json",
                {"kind": kind, "rows": list(chunk)},
                "replace_docs",
            )

    def get_doc(self, kind: str, doc_id: str) -> dict[str, Any] | None:
        rows = self.read(
            f"MATCH (d:{DOC_LABEL} {{kind: $kind, id: $id}}) RETURN d.json AS j",
            {"kind": kind, "id": doc_id},
            "get_doc",
        )
        return json.loads(rows[0]["j"]) if rows else None

    def list_docs(self, kind: str) -> list[dict[str, Any]]:
        rows = self.read(
            f"MATCH (d:{DOC_LABEL} {{kind: $kind}}) RETURN d.id AS id, d.json AS j ORDER BY id",
            {"kind": kind},
            "list_docs",
        )
        return [json.loads(r["j"]) for r in rows]

    def delete_doc(self, kind: str, doc_id: str) -> bool:
        rows = self.write(
            f"MATCH (d:{DOC_LABEL} {{kind: $kind, id: $id}}) DELETE d RETURN count(*) AS n",
            {"kind": kind, "id": doc_id},
            "delete_doc",
        )
        return bool(rows and int(rows[0]["n"]))

    def projection(self, labels: Iterable[Label], rels: Iterable[Rel]) -> nx.Graph:
        return build_projection(*read_projection(self, labels, rels))

    def version(self) -> str:
        """The graph's version, asked of the server at most once per ``version_ttl`` seconds.

        Asked per question it would cost every cached answer a round trip; reused for up to a
        second, an answer outlives a change made by another process by at most that second
        (this store's own writes are seen at once)."""
        held = self._version
        if held is not None and self._fresh(held):
            return held[2]
        with self._version_lock:
            held = self._version
            if held is not None and self._fresh(held):
                return held[2]
            writes, now = self._write_counter, time.monotonic()
            value = self._ask_version()
            self._version = (now, writes, value)
            return value

    def _fresh(self, held: tuple[float, int, str]) -> bool:
        # this store's own writes are seen at once: any write since makes the value stale
        return held[1] == self._write_counter and time.monotonic() - held[0] < self.version_ttl

    def _ask_version(self) -> str:
        # A read transaction's bookmark names the last transaction the server had committed,
        # so it changes exactly when the graph does (cache keys).
        with self._translate(), self.driver.session(database=self.database) as s:
            s.execute_read(tagged("version")(lambda tx: tx.run("RETURN 1").consume()))
            return "neo4j:" + ",".join(sorted(s.last_bookmarks().raw_values))

    def wipe(self, allow_remote: bool = False) -> None:
        host = urlparse(self.uri).hostname or ""
        if host not in _LOCAL_HOSTS and not allow_remote:
            raise ConfigError(
                f"拒绝清空非本地 Neo4j（{self.uri}）",
                f"refusing to wipe a non-local Neo4j at {self.uri} (pass allow_remote=True)",
            )
        while True:
            res = self.write("MATCH (n) WITH n LIMIT 20000 DETACH DELETE n RETURN count(*) AS n", name="wipe")
            if not res or int(res[0]["n"]) == 0:
                break
        self.bump_data_version()

    def close(self) -> None:
        self.driver.close()
