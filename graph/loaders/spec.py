"""The roster workbook as data: sheets, columns, kinds of value, vocabularies (domain/ROSTER.md).

Reader, validator, template and report all read this one table, so a column is described once.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, TypeVar

from graph import model as m
from graph.model import Label, Rel

# Kinds of value a column holds; the validator has one parser per kind.
TEXT = "text"  # free text (names, industry, title)
CODE = "code"  # an identifier typed by the district (town code, member id ...)
USCC = "uscc"
USCC_LIST = "uscc_list"
ANY_LIST = "any_list"  # USCCs or party-org codes
ID_NUMBER = "id_number"
PHONE = "phone"
ENUM = "enum"
INT = "int"
BOOL = "bool"
DATE = "date"
FLOAT = "float"

# Longest value accepted per kind. Keys and names are indexed in Neo4j, whose index entries
# have a size limit; a longer value is a pasting accident, rejected with a clear reason.
MAX_LEN = {CODE: 64, TEXT: 200, ENUM: 64}
FREE_TEXT_MAX = 32767  # Excel's own cell limit: free-text columns load whatever Excel holds
T = TypeVar("T")


@dataclass(frozen=True)
class Column:
    header: str  # the Chinese header
    key: str  # the English key (also the property name unless prop says otherwise)
    kind: str = TEXT
    required: bool = False
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    choice_aliases: dict[str, str] = field(default_factory=dict)
    long_text: bool = False  # free text without the name length limit (not indexed)
    help: str = ""  # 说明 sheet text

    @property
    def names(self) -> tuple[str, ...]:
        return (self.header, self.key, *self.aliases)


@dataclass(frozen=True)
class Sheet:
    name: str  # the Chinese sheet name
    key: str  # English name accepted too
    columns: tuple[Column, ...]
    label: Label | None = None  # node label; None for keyless relationship sheets
    key_column: str | None = None
    aliases: tuple[str, ...] = ()
    help: str = ""

    @property
    def required(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)


_BOOL_HELP = "是/否（也可填 Y/N、true/false）"
KINDS = frozenset({TEXT, CODE, USCC, USCC_LIST, ANY_LIST, ID_NUMBER, PHONE, ENUM, INT, BOOL, DATE, FLOAT})
_SHEET_FIELDS = frozenset({"name", "key", "aliases", "label", "key_column", "help", "columns"})
_COLUMN_FIELDS = frozenset(
    {"header", "key", "kind", "required", "aliases", "choices", "choice_aliases", "long_text", "help"}
)


def _vocabulary(name: str | None, kind: type[T]) -> T | None:
    """A graph.model vocabulary named in the table (``choices = "TOWN_TYPES"``)."""
    if name is None:
        return None
    value = getattr(m, name, None)
    if not isinstance(value, kind):
        raise ValueError(f"roster.toml: {name!r} is not a {kind.__name__} in graph.model")
    return value


def _column(d: dict[str, Any]) -> Column:
    if unknown := set(d) - _COLUMN_FIELDS:
        raise ValueError(f"roster.toml: unknown column fields {sorted(unknown)} in {d.get('header')!r}")
    kind = d.get("kind", TEXT)
    if kind not in KINDS:
        raise ValueError(f"roster.toml: unknown kind {kind!r} in {d['header']!r}")
    help_ = d.get("help", "")
    if kind == BOOL:
        help_ = _BOOL_HELP + (f"：{help_}" if help_ else "")
    return Column(
        d["header"],
        d["key"],
        kind,
        d.get("required", False),
        aliases=tuple(d.get("aliases", ())),
        choices=_vocabulary(d.get("choices"), tuple) or (),
        choice_aliases=_vocabulary(d.get("choice_aliases"), dict) or {},
        long_text=d.get("long_text", False),
        help=help_,
    )


def _sheet(d: dict[str, Any]) -> Sheet:
    if unknown := set(d) - _SHEET_FIELDS:
        raise ValueError(f"roster.toml: unknown sheet fields {sorted(unknown)} in {d.get('name')!r}")
    return Sheet(
        d["name"],
        d["key"],
        tuple(_column(c) for c in d["columns"]),
        Label(d["label"]) if "label" in d else None,
        d.get("key_column"),
        aliases=tuple(d.get("aliases", ())),
        help=d["help"],
    )


# The sheets and their columns are data: roster.toml beside this module.
SHEETS: tuple[Sheet, ...] = tuple(
    _sheet(d)
    for d in tomllib.loads(resources.files("graph.loaders").joinpath("roster.toml").read_text("utf-8"))[
        "sheets"
    ]
)

SHEET_BY_NAME = {s.name: s for s in SHEETS}
SHEET_ORDER = [s.name for s in SHEETS]

# Which relationship types the rows of a node sheet own (rule 10: reloading a row replaces them).
OWNED_RELS: dict[str, tuple[Rel, ...]] = {
    "园区": (Rel.LOCATED_IN,),
    "村社区": (Rel.LOCATED_IN,),
    "组织": (Rel.LOCATED_IN, Rel.IN_PARK, Rel.IN_ASSOCIATION, Rel.SUBSIDIARY_OF),
    "党组织": (Rel.LOCATED_IN, Rel.IN_PARK, Rel.REPORTS_TO, Rel.COVERS),
    "党员": (Rel.RELATIONSHIP_IN, Rel.ACTIVE_IN, Rel.WORKS_AT),
    "党建指导员": (Rel.ASSIGNED_TO,),
}
# Relationship types a keyless sheet produces (identified by rid; --sync removes the missing ones).
KEYLESS_RELS: dict[str, tuple[Rel, ...]] = {
    "结对": (Rel.PAIRED_WITH, Rel.JOINT_BUILDS_WITH),
    "帮建": (Rel.HELPS_BUILD,),
    "联系记录": (Rel.CONTACTED,),
}

ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"), None)
_WS = re.compile(r"\s+")


def normalise(text: str) -> str:
    """NFKC, zero-width characters removed, surrounding whitespace trimmed (reading rule 1)."""
    if text.isascii():
        return text.strip()
    return unicodedata.normalize("NFKC", text).translate(ZERO_WIDTH).strip()


def header_token(text: str) -> str:
    """A header as matched: normalised, inner whitespace and a trailing required-mark removed,
    English keys case-insensitive."""
    t = _WS.sub("", normalise(text)).rstrip("*").lower()
    return t.replace("-", "").replace("_", "")


def _sheet_tokens(s: Sheet) -> list[str]:
    return [header_token(x) for x in (s.name, s.key, *s.aliases)]


SHEET_TOKENS: dict[str, Sheet] = {tok: s for s in SHEETS for tok in _sheet_tokens(s)}
COLUMN_TOKENS: dict[str, dict[str, Column]] = {
    s.name: {header_token(n): c for c in s.columns for n in c.names} for s in SHEETS
}


def match_sheet(name: str) -> Sheet | None:
    return SHEET_TOKENS.get(header_token(name))
