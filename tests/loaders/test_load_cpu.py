"""The validator remembers each column's text outcomes (a speed-up): it must give exactly what
parsing every cell anew gives, row by row, for good and bad rows alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graph.loaders import validate as V
from graph.loaders.reader import read_workbook
from tests.loaders import hostile as H
from tests.loaders.workbooks import bad_uscc, fullwidth, uscc, write_csv_folder, write_xlsx

N_EXTRA = 5000  # more than _Memo.CHECK_EVERY: the key column's memo is given up midway


def _sheets() -> dict[str, list[list[Any]]]:
    """The hostile roster, its 组织 sheet grown by rows repeating good and bad values."""
    orgs = list(H.ORGS)
    for i in range(N_EXTRA):
        code = bad_uscc(5000 + i) if i % 997 == 0 else uscc(5000 + i)
        cat = "外资企业" if i % 499 == 0 else "非公企业"
        town = fullwidth("T02") if i % 3 == 0 else ("T09" if i % 1009 == 0 else "T01")
        employees = "约二十人" if i % 701 == 0 else str(i % 50)
        orgs.append(H.org(code, f"企业{i % 1200}", cat, town, employees=employees, lon=105.9 + i % 7 / 100))
    return {**H.SHEETS, "组织": orgs}


def _outcome(path: Path) -> tuple[list[Any], list[Any]]:
    val = V.Validator(read_workbook(path), lambda lab, keys: {}).run()
    rows = [
        (
            name,
            r.row,
            r.key,
            r.values,
            r.originals,
            r.skipped,
            [(p.column, p.value, p.code, p.zh, p.en, p.cause) for p in r.problems],
        )
        for name, rows in val.sheets.items()
        for r in rows
    ]
    return rows, [w.model_dump() for w in val.warnings]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_memo_gives_what_parsing_every_cell_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    sheets = _sheets()
    path = (
        write_csv_folder(tmp_path / "roster", sheets)
        if kind == "csv"
        else write_xlsx(tmp_path / "roster.xlsx", sheets)
    )
    with_memo = _outcome(path)

    def no_memo(self: Any) -> None:
        self.table = None

    monkeypatch.setattr(V._Memo, "__init__", no_memo)
    assert _outcome(path) == with_memo
    rows, warnings = with_memo
    # the bad rows of the repeated values are each rejected, with their own row number
    org_rows = {r[1]: r for r in rows if r[0] == "组织"}
    first = len(H.ORGS) + 1  # Excel row of the first extra row
    enum_bad = {first + i for i in range(N_EXTRA) if i % 499 == 0}
    assert enum_bad <= {n for n, r in org_rows.items() if any(p[2] == "enum" for p in r[6])}
    int_bad = {first + i for i in range(N_EXTRA) if i % 701 == 0}
    assert int_bad <= {n for n, r in org_rows.items() if any(p[2] == "not_integer" for p in r[6])}
    assert all("约二十人" in org_rows[n][6][-1][3] for n in int_bad if org_rows[n][6][-1][2] == "not_integer")
    # a repeated full-width code warns once per row, in one aggregated line
    norm = next(
        w for w in warnings if (w["code"], w["sheet"], w["column"]) == ("normalised", "组织", "所在镇街编码")
    )
    assert norm["count"] == len([i for i in range(N_EXTRA) if i % 3 == 0])
    assert norm["rows"] == [first + i for i in range(0, 60, 3)]


def test_list_values_are_never_shared_between_rows(tmp_path: Path) -> None:
    po = [H.PO_HEAD]
    covers = f"{uscc(1)};{uscc(2)}"
    for i in range(3):
        row = H.po(f"X{i}", f"党支部{i}", parent="D0")
        row[H.PO_HEAD.index("覆盖组织信用代码")] = covers
        po.append(row)
    path = write_csv_folder(tmp_path / "roster", {**H.SHEETS, "党组织": [*H.PARTY_ORGS, *po[1:]]})
    val = V.Validator(read_workbook(path), lambda lab, keys: {}).run()
    lists = [r.values["covers"] for r in val.sheets["党组织"] if str(r.key).startswith("X")]
    assert len(lists) == 3 and all(x == [uscc(1), uscc(2)] for x in lists)
    assert len({id(x) for x in lists}) == 3


def test_a_load_pauses_garbage_collection_and_restores_it(tmp_path: Path) -> None:
    import gc

    from graph.loaders.load import gc_paused, load_roster
    from graph.store.embedded import EmbeddedStore

    seen: list[bool] = []
    path = write_csv_folder(tmp_path / "roster", H.SHEETS)
    res = load_roster(
        path, EmbeddedStore(tmp_path / "store"), progress=lambda *a: seen.append(gc.isenabled())
    )
    assert res.rejected_rows and seen and not any(seen)  # paused throughout, bad rows still rejected
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError("a load that fails")
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # a caller's own setting is kept
    finally:
        gc.enable()
