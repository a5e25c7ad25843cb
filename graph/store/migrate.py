"""``orggraph migrate``: convert the old embedded store (``graph.pickle``) to the SQLite file, once.

Reading a pickle runs code named in the file, so it happens only here, on request, and only when
the file is a regular file owned by the user running the command (a file planted by someone else
is refused unread). Even then only networkx graph classes and plain containers may be named in it.
Then the graph is written as ``graph.sqlite``, read back and compared, and the pickle is removed.
"""

from __future__ import annotations

import fcntl
import io
import os
import pickle
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from graph.errors import Forbidden
from graph.model import Label, Rel
from graph.store.embedded import (
    FILE_MODE,
    GRAPH_FILE,
    LEGACY_FILE,
    read_graph_file,
    secure_home,
    write_graph_file,
)

# What a pickled networkx MultiDiGraph may name: its classes (and cached views), plain containers.
_SAFE_BUILTINS = {"set", "frozenset", "list", "dict", "tuple", "bytearray", "complex", "bool", "int"}
_SAFE_OTHER = {("collections", "OrderedDict"), ("copyreg", "_reconstructor"), ("builtins", "object")}


class MigrationRefused(Forbidden):
    code = "migrate_refused"
    status = 403


@dataclass(frozen=True)
class Migration:
    legacy: Path
    target: Path
    nodes: int
    relationships: int


class _GraphOnly(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module == "builtins" and name in _SAFE_BUILTINS) or (module, name) in _SAFE_OTHER:
            return super().find_class(module, name)
        if module.startswith("networkx.classes."):
            found = super().find_class(module, name)
            if isinstance(found, type):
                return found
        raise pickle.UnpicklingError(f"refusing {module}.{name}: not part of a networkx graph")


def _refuse(zh: str, en: str) -> MigrationRefused:
    return MigrationRefused(
        zh + "。未读取旧文件，也未做任何修改", en + "; the old file was not read, nothing changed"
    )


def _check_graph(g: Any) -> nx.MultiDiGraph:
    if not isinstance(g, nx.MultiDiGraph):
        raise ValueError(f"graph is a {type(g).__name__}")
    labels = {lab.value for lab in Label}
    types = {r.value for r in Rel}
    for nid, d in g.nodes(data=True):
        if not isinstance(nid, str) or d.get("_label") not in labels:
            raise ValueError(f"node {nid!r} has no known label")
    docs = g.graph.get("docs", {})
    if not isinstance(docs, dict) or not all(
        isinstance(t, str) for by_id in docs.values() for t in dict(by_id).values()
    ):
        raise ValueError("documents are not JSON texts")
    for u, v, k, d in g.edges(keys=True, data=True):
        if d.get("_type") not in types or k != f"{d.get('_type')}|{d.get('rid')}":
            raise ValueError(f"edge {u!r}->{v!r} ({k!r}) is not an orggraph relationship")
    return g


def _same(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> bool:
    na, nb = dict(a.nodes(data=True)), dict(b.nodes(data=True))
    ea = sorted((u, v, k, sorted(d.items())) for u, v, k, d in a.edges(keys=True, data=True))
    eb = sorted((u, v, k, sorted(d.items())) for u, v, k, d in b.edges(keys=True, data=True))
    return na == nb and ea == eb and a.graph.get("docs", {}) == b.graph.get("docs", {})


def migrate(home: Path, say: Callable[[str], None] = print) -> Migration | None:
    """Convert ``home/graph.pickle`` to ``home/graph.sqlite`` and remove the pickle.

    Returns None when there is nothing to migrate; raises :class:`MigrationRefused` when the old
    file is not the caller's own regular file, or a new-format file already exists."""
    home = Path(home)
    legacy, target = home / LEGACY_FILE, home / GRAPH_FILE
    try:
        st = os.lstat(legacy)
    except FileNotFoundError:
        say(f"没有需要迁移的旧格式文件（{legacy} 不存在）/ nothing to migrate")
        return None
    me = os.getuid()
    if not stat.S_ISREG(st.st_mode):
        raise _refuse(f"{legacy} 不是普通文件（可能是符号链接）", f"{legacy} is not a regular file")
    if st.st_uid != me:
        raise _refuse(
            f"旧文件 {legacy} 属于用户 uid {st.st_uid}，不是当前用户（uid {me}）：读取 pickle 会执行文件中"
            "的代码，只能由文件所有者迁移",
            f"{legacy} belongs to uid {st.st_uid}, not to the current user (uid {me}); reading a pickle "
            "runs code from it, so only its owner may migrate it",
        )
    if target.exists():
        raise _refuse(
            f"新格式文件 {target} 已存在：请确认哪一份是需要的数据，删除另一份后再运行",
            f"{target} already exists: keep the one you need and remove the other first",
        )
    say(f"正在读取旧格式文件 {legacy}（{st.st_size} 字节，属于当前用户 uid {me}）/ reading the old file")
    secure_home(home)
    lock_fd = os.open(home / "graph.lock", os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX)  # no load writes while we convert
        fd = os.open(legacy, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as fh:
            if os.fstat(fh.fileno()).st_uid != me:  # swapped since the check above
                raise _refuse(f"旧文件 {legacy} 在检查后被替换", f"{legacy} was replaced after the check")
            data = fh.read()
        try:
            payload = _GraphOnly(io.BytesIO(data)).load()
            g = _check_graph(payload["graph"] if isinstance(payload, dict) else payload)
        except (pickle.UnpicklingError, ValueError, KeyError, TypeError, EOFError, AttributeError) as exc:
            raise MigrationRefused(
                f"旧文件 {legacy} 不是 orggraph 的图数据，未转换：{exc}",
                f"{legacy} is not an orggraph graph, nothing converted: {exc}",
            ) from exc
        n, m = g.number_of_nodes(), g.number_of_edges()
        say(f"正在写入新格式文件 {target}：{n} 个节点、{m} 条关系 / writing {n} nodes, {m} relationships")
        write_graph_file(target, g)
        if not _same(g, read_graph_file(target)):  # pragma: no cover - a bug, not an input
            target.unlink()
            raise MigrationRefused("新文件读回后与旧文件不一致，已撤销", "read-back differs, undone")
        legacy.unlink()
        dir_fd = os.open(home, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    finally:
        os.close(lock_fd)
    say(f"已删除旧文件 {legacy}；迁移完成 / removed the old file; done")
    return Migration(legacy, target, n, m)


__all__ = ["Migration", "MigrationRefused", "migrate"]
