"""Roster loaders: read a workbook or CSV folder, validate every row, write the good ones.

Entry point: ``load_roster(path, store, ...) -> LoadResult`` (graph.loaders.load). The workbook
format is domain/ROSTER.md; the graph it produces is DESIGN.md's model. Notes on choices:

- Where NFKC changes a free-text cell (names, industry, title), the node keeps the original,
  zero-width characters removed, as ``<property>_original`` (``org_name_original``); other
  columns (codes, enumerations, numbers) get a warning in the report instead.
- ID numbers and phones never leave the loader raw: ``id_hash``/``phone_hash`` are HMAC-SHA256
  under the configured key (phones in E.164, ``+8613800138000``), with ``id_masked``,
  ``phone_masked`` and ``key_id``. The report shows masked values for those columns.
- A completely empty sheet is treated as absent (a warning), so ``--sync`` never empties a kind
  because its sheet was left blank; a sheet with headers and no rows is loaded as empty.
- Keyless sheets (结对, 帮建, 联系记录): the relationship ``rid`` is the first 16 hex digits of
  the SHA-256 of the sheet name and all the row's canonical values; identical rows load once.
"""

from graph.loaders.load import load_roster
from graph.loaders.report import LoadResult

__all__ = ["LoadResult", "load_roster"]
