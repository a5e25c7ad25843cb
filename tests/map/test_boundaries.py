"""Town boundaries: the demo's polygons hold their towns' entities; a bad file changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from shapely.geometry import Point, mapping, shape

from graph.errors import InputError
from graph.loaders.boundaries import import_boundaries, stored_boundaries
from graph.loaders.demo import boundaries_path, generate
from graph.model import Label
from graph.store.embedded import EmbeddedStore


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    wb = generate(tmp_path_factory.mktemp("demo") / "demo.xlsx", scale=1, seed=2011)
    return wb, json.loads(boundaries_path(wb).read_text(encoding="utf-8"))


def _rows(wb: Path, sheet: str, marker: str = "所在镇街编码") -> list[dict[str, Any]]:
    book = openpyxl.load_workbook(wb, read_only=True)
    try:
        header: list[Any] | None = None
        out = []
        for r in book[sheet].iter_rows(values_only=True):
            if header is None:
                if marker in r:
                    header = list(r)
                continue
            out.append(dict(zip(header, r, strict=False)))
        return out
    finally:
        book.close()


def test_every_demo_entity_lies_in_its_own_towns_polygon(demo: tuple[Path, dict[str, Any]]) -> None:
    wb, fc = demo
    polys = {f["properties"]["镇街编码"]: shape(f["geometry"]) for f in fc["features"]}
    towns = {str(r["镇街编码"]) for r in _rows(wb, "镇街", "镇街编码")}
    assert set(polys) == towns and all(p.is_valid and not p.is_empty for p in polys.values())
    checked = 0
    for sheet in ("组织", "村社区"):
        for r in _rows(wb, sheet):
            if not r.get("经度"):
                continue
            pt = Point(float(r["经度"]), float(r["纬度"]))
            assert polys[str(r["所在镇街编码"])].contains(pt), (sheet, r)
            # and in no other town's polygon (the towns do not overlap)
            assert sum(p.contains(pt) for p in polys.values()) == 1
            checked += 1
    assert checked > 1500  # the demo's organisations and most villages have coordinates


def test_some_villages_have_no_coordinates(demo: tuple[Path, dict[str, Any]]) -> None:
    villages = _rows(demo[0], "村社区")
    missing = [v for v in villages if not v.get("经度")]
    assert 0 < len(missing) < len(villages) // 3


def _store_with_towns(tmp_path: Path, codes: list[str]) -> EmbeddedStore:
    store = EmbeddedStore(tmp_path / "home")
    store.upsert_nodes(Label.TOWN, [{"town_code": c, "town_name": f"镇{c}"} for c in codes])
    return store


SQUARE = {
    "type": "Polygon",
    "coordinates": [[[105.9, 29.3], [106.0, 29.3], [106.0, 29.4], [105.9, 29.4], [105.9, 29.3]]],
}
BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[105.9, 29.3], [106.0, 29.4], [106.0, 29.3], [105.9, 29.4], [105.9, 29.3]]],
}


def _fc(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def _feat(code: Any, geometry: Any, prop: str = "镇街编码") -> dict[str, Any]:
    return {"type": "Feature", "properties": {prop: code}, "geometry": geometry}


def test_import_stores_simplified_polygons(tmp_path: Path, demo: tuple[Path, dict[str, Any]]) -> None:
    _, fc = demo
    codes = [f["properties"]["镇街编码"] for f in fc["features"]]
    store = _store_with_towns(tmp_path, codes)
    path = tmp_path / "towns.geojson"
    path.write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    report = import_boundaries(store, path)
    assert report.ok and report.imported == sorted(codes)
    stored = stored_boundaries(store)
    assert sorted(stored) == sorted(codes)
    for f in fc["features"]:
        got = shape(stored[f["properties"]["镇街编码"]]["geometry"])
        assert got.is_valid and got.equals(shape(f["geometry"]))  # light polygons are kept exactly
    # invisible to the domain graph
    assert store.counts()["nodes"]["Town"] == len(codes)


def test_detailed_polygons_are_simplified(tmp_path: Path) -> None:
    store = _store_with_towns(tmp_path, ["T1"])
    circle = Point(105.95, 29.35).buffer(0.05, quad_segs=1000)  # 4,000 points
    path = tmp_path / "round.geojson"
    path.write_text(json.dumps(_fc(_feat("T1", mapping(circle)))), encoding="utf-8")
    assert import_boundaries(store, path).ok
    got = shape(stored_boundaries(store)["T1"]["geometry"])
    assert got.is_valid and len(got.exterior.coords) < 1000
    assert got.symmetric_difference(circle).area < 0.005 * circle.area  # within half a percent


def test_a_bad_feature_is_reported_by_number_and_nothing_changes(tmp_path: Path) -> None:
    store = _store_with_towns(tmp_path, ["T1", "T2", "T3"])
    good = tmp_path / "good.geojson"
    good.write_text(json.dumps(_fc(_feat("T1", SQUARE))), encoding="utf-8")
    assert import_boundaries(store, good).ok
    before = stored_boundaries(store)

    bad = tmp_path / "bad.geojson"
    far = {
        "type": "Polygon",
        "coordinates": [[[500000, 3200000], [500100, 3200000], [500100, 3200100], [500000, 3200000]]],
    }
    bad.write_text(
        json.dumps(
            _fc(
                _feat("T2", SQUARE),  # 1: fine on its own
                _feat("T9", SQUARE),  # 2: unknown town
                _feat("T3", BOWTIE),  # 3: self-intersecting
                _feat(None, SQUARE),  # 4: no code
                _feat("T1", {"type": "Point", "coordinates": [105.9, 29.3]}),  # 5: not a polygon
                _feat("T1", far),  # 6: projected metres, not degrees
            )
        ),
        encoding="utf-8",
    )
    report = import_boundaries(store, bad)
    assert not report.ok and report.imported == []
    by_feature = {p.feature: p for p in report.problems}
    assert sorted(by_feature) == [2, 3, 4, 5, 6]
    assert "不在已导入的“镇街”表中" in by_feature[2].reason_zh and by_feature[2].code == "T9"
    assert "几何无效" in by_feature[3].reason_zh
    assert "缺少镇街编码" in by_feature[4].reason_zh
    assert "Polygon" in by_feature[5].reason_zh
    assert "不在中国境内" in by_feature[6].reason_zh
    assert all(p.reason_en for p in report.problems)
    assert stored_boundaries(store) == before  # nothing changed


def test_repeated_codes_reject_every_copy(tmp_path: Path) -> None:
    store = _store_with_towns(tmp_path, ["T1"])
    path = tmp_path / "dup.geojson"
    path.write_text(json.dumps(_fc(_feat("T1", SQUARE), _feat("T1", SQUARE))), encoding="utf-8")
    report = import_boundaries(store, path)
    assert [p.feature for p in report.problems] == [1, 2]
    assert stored_boundaries(store) == {}


def test_code_property_can_be_named(tmp_path: Path) -> None:
    store = _store_with_towns(tmp_path, ["T1"])
    path = tmp_path / "named.geojson"
    path.write_text(json.dumps(_fc(_feat("T1", SQUARE, prop="XZQDM"))), encoding="utf-8")
    assert not import_boundaries(store, path).ok
    assert import_boundaries(store, path, code_property="XZQDM").imported == ["T1"]


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not json",
        b'{"type": "Feature"}',
        b'{"type": "FeatureCollection", "features": []}',
        b"[" * 100000,
    ],
)
def test_unusable_files_raise_input_error(tmp_path: Path, content: bytes) -> None:
    store = _store_with_towns(tmp_path, ["T1"])
    path = tmp_path / "x.geojson"
    path.write_bytes(content)
    with pytest.raises(InputError) as exc:
        import_boundaries(store, path)
    assert "边界文件无法使用" in exc.value.message_zh


def test_village_coordinates_load_and_are_validated_like_organisations(tmp_path: Path) -> None:
    from graph.loaders.load import load_roster
    from tests.loaders.workbooks import write_xlsx

    wb = write_xlsx(
        tmp_path / "v.xlsx",
        {
            "镇街": [["镇街编码", "镇街名称"], ["T1", "甲镇"]],
            "村社区": [
                ["村编码", "村名称", "所在镇街编码", "经度", "纬度"],
                ["V1", "有坐标村", "T1", "105.9", "29.3"],
                ["V2", "无坐标村", "T1", None, None],
                ["V3", "缺纬度村", "T1", "105.9", None],
                ["V4", "填反了村", "T1", "29.3", "105.9"],
            ],
        },
    )
    store = EmbeddedStore(tmp_path / "home")
    res = load_roster(wb, store)
    assert res.exit_code == 1
    villages = store.fetch_nodes(Label.VILLAGE)
    assert sorted(villages) == ["V1", "V2"]
    assert (villages["V1"]["lon"], villages["V1"]["lat"]) == (105.9, 29.3)
    assert "lon" not in villages["V2"]
