"""Town boundaries for the map: a GeoJSON FeatureCollection, validated feature by feature.

Each feature carries a town code (the 镇街编码 property, or ``code_property``) and a Polygon or
MultiPolygon in WGS-84. A feature with an unknown or repeated code, no geometry, an invalid
or empty one, or points outside China is reported with its number and reason (Chinese and
English), like a roster row; when any feature is rejected nothing is changed. Accepted
polygons are simplified (topology kept) and stored with the graph as documents of kind
``boundary``, replacing the previous set whole.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from graph.errors import InputError
from graph.loaders.validate import LAT_RANGE, LON_RANGE
from graph.model import Label
from graph.store.base import GraphStore

DOC_KIND = "boundary"
CODE_PROPERTIES = ("镇街编码", "town_code", "code")  # tried in order unless one is named
SIMPLIFY_DEGREES = 0.0002  # about 20 m: invisible at district scale, a tenth of the points
SIMPLIFY_ABOVE_POINTS = 500
MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Problem:
    feature: int  # 1-based, as a person counts them
    code: str | None
    reason_zh: str
    reason_en: str


@dataclass
class BoundaryReport:
    source: str
    features: int = 0
    imported: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _unusable(zh: str, en: str) -> InputError:
    return InputError(f"边界文件无法使用：{zh}", f"unusable boundary file: {en}")


def read_collection(path: Path) -> tuple[list[Any], str]:
    """The features of a GeoJSON FeatureCollection and the file's SHA-256 (InputError if unusable)."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise _unusable(f"文件超过 {MAX_BYTES // 2**20} MB", f"file larger than {MAX_BYTES // 2**20} MB")
        raw = path.read_bytes()
    except OSError as exc:
        raise _unusable(f"无法读取 {path}（{exc.strerror}）", f"cannot read {path}: {exc}") from exc
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise _unusable("不是 UTF-8 编码的 GeoJSON", f"not UTF-8 JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise _unusable("顶层应为 FeatureCollection", "the top level must be a FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise _unusable("FeatureCollection 中没有任何要素", "the FeatureCollection has no features")
    return features, hashlib.sha256(raw).hexdigest()


def _geometry(raw: Any) -> tuple[BaseGeometry | None, tuple[str, str] | None]:
    if not isinstance(raw, dict) or raw.get("type") not in ("Polygon", "MultiPolygon"):
        got = raw.get("type") if isinstance(raw, dict) else type(raw).__name__
        return None, (
            f"几何类型应为 Polygon 或 MultiPolygon，实际为 {got}",
            f"geometry must be a polygon, got {got}",
        )
    try:
        geom = shape(raw)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.ShapelyError) as exc:
        return None, ("几何坐标格式错误", f"malformed coordinates: {exc}")
    if geom.is_empty:
        return None, ("几何为空", "empty geometry")
    if not geom.is_valid:
        why = explain_validity(geom)
        return None, (f"几何无效（{why}），请在 GIS 软件中修复（如自相交）", f"invalid geometry: {why}")
    minx, miny, maxx, maxy = geom.bounds
    if not (LON_RANGE[0] <= minx and maxx <= LON_RANGE[1] and LAT_RANGE[0] <= miny and maxy <= LAT_RANGE[1]):
        return None, (
            "坐标不在中国境内：应为 WGS-84 经纬度（是否用了投影坐标或把经纬度填反了？）",
            "coordinates outside China: WGS-84 longitude/latitude expected (projected or swapped?)",
        )
    return geom, None


def validate(
    features: list[Any], towns: dict[str, dict[str, Any]], code_property: str | None = None
) -> tuple[dict[str, BaseGeometry], list[Problem]]:
    """Accepted geometries by town code, and the problems (every feature is looked at)."""
    problems: list[Problem] = []
    found: dict[str, list[tuple[int, BaseGeometry]]] = {}
    names = (code_property,) if code_property else CODE_PROPERTIES
    for i, feat in enumerate(features, start=1):
        props = feat.get("properties") if isinstance(feat, dict) else None
        props = props if isinstance(props, dict) else {}
        code = next((str(props[n]).strip() for n in names if props.get(n) not in (None, "")), None)
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            problems.append(Problem(i, code, "不是 GeoJSON Feature", "not a GeoJSON Feature"))
            continue
        if code is None:
            want = "、".join(names)
            problems.append(
                Problem(i, None, f"缺少镇街编码属性（{want}）", f"no town code property ({', '.join(names)})")
            )
            continue
        if code not in towns:
            problems.append(
                Problem(i, code, f"镇街编码 {code} 不在已导入的“镇街”表中", f"unknown town code {code!r}")
            )
            continue
        geom, why = _geometry(feat.get("geometry"))
        if why is not None:
            problems.append(Problem(i, code, *why))
            continue
        assert geom is not None
        found.setdefault(code, []).append((i, geom))
    accepted: dict[str, BaseGeometry] = {}
    for code, items in found.items():
        if len(items) > 1:
            rows = "、".join(str(i) for i, _ in items)
            problems.extend(
                Problem(
                    i, code, f"镇街编码 {code} 出现多次（第 {rows} 个要素）", f"town code {code!r} repeated"
                )
                for i, _ in items
            )
        else:
            accepted[code] = items[0][1]
    problems.sort(key=lambda p: p.feature)
    return accepted, problems


def simplified(geom: BaseGeometry, tolerance: float = SIMPLIFY_DEGREES) -> BaseGeometry:
    """Fewer points for drawing; a polygon already light enough is kept exactly as drawn."""
    if shapely.get_num_coordinates(geom) <= SIMPLIFY_ABOVE_POINTS:
        return geom
    small = geom.simplify(tolerance, preserve_topology=True)
    return small if small.is_valid and not small.is_empty else geom


def import_boundaries(
    store: GraphStore, path: Path, code_property: str | None = None, *, dry_run: bool = False
) -> BoundaryReport:
    """Validate ``path`` against the towns in the store and, when every feature is good,
    replace the stored boundaries with it. InputError when the file is unusable."""
    features, digest = read_collection(Path(path))
    towns = store.fetch_nodes(Label.TOWN)
    accepted, problems = validate(features, towns, code_property)
    report = BoundaryReport(source=Path(path).name, features=len(features), problems=problems)
    if problems or dry_run:
        return report
    docs = {
        code: {
            "town_code": code,
            "town_name": towns[code].get("town_name"),
            "geometry": mapping(simplified(geom)),
            "source": Path(path).name,
            "sha256": digest,
        }
        for code, geom in sorted(accepted.items())
    }
    with store.bulk():
        for old in store.list_docs(DOC_KIND):
            if old.get("town_code") not in docs:
                store.delete_doc(DOC_KIND, str(old.get("town_code")))
        for code, doc in docs.items():
            store.put_doc(DOC_KIND, code, doc)
    report.imported = sorted(docs)
    return report


def stored_boundaries(store: GraphStore) -> dict[str, dict[str, Any]]:
    """The stored town polygons by town code (empty when none were imported)."""
    docs = store.list_docs(DOC_KIND)
    # only what import_boundaries wrote (a document without a town or geometry is not one)
    return {
        str(d["town_code"]): d for d in docs if d.get("town_code") and isinstance(d.get("geometry"), dict)
    }
