"""数据来源: which data the graph holds (the last load's file and time), and for a town caller
where its town stands among all towns (its rank and the district average, never another
town's figure by name).

Example
-------
>>> DATASET(store, Scope("T01")).standing.rank  # doctest: +SKIP
3
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from graph.model import LOAD_DOC_ID, LOAD_DOC_KIND
from graph.store.base import GraphStore
from queries.coverage import COVERAGE, CoverageParams
from queries.params import Params
from queries.question import Question, ask, register
from queries.scope import Scope


class DatasetParams(Params):
    """No parameters: the answer depends on the caller's scope only."""


class LoadInfo(BaseModel):
    file: str = Field(description="导入的台账文件名")
    loaded_at: str = Field(description="导入时间（UTC，ISO 8601）")
    sha256: str | None = None
    rows: int | None = Field(None, description="读取行数")
    rejected_rows: int | None = Field(None, description="被拒绝行数")


class TownStanding(BaseModel):
    town: str
    town_name: str | None = None
    rate: float | None = Field(description="本镇街党组织覆盖率")
    rank: int | None = Field(description="在全部镇街中的名次（覆盖率从高到低，并列同名次）")
    towns: int = Field(description="参与排名的镇街数")
    district_average: float | None = Field(description="各镇街覆盖率的平均值")
    district_rate: float | None = Field(description="全区覆盖率（全部组织合计）")


class DatasetResult(BaseModel):
    last_load: LoadInfo | None = Field(None, description="最近一次导入；没有记录时为空")
    standing: TownStanding | None = Field(None, description="镇街用户：本镇街的名次与全区平均")


def _last_load(store: GraphStore) -> LoadInfo | None:
    doc = store.get_doc(LOAD_DOC_KIND, LOAD_DOC_ID)
    if not doc:
        return None
    try:
        return LoadInfo.model_validate(doc)
    except ValueError:  # a document from another version: say nothing rather than fail the page
        return None


def _standing(store: GraphStore, town: str) -> TownStanding:
    # The whole district's town rows, computed here on the server: only this town's figure,
    # its rank and the averages leave this function.
    rows = ask(store, COVERAGE, Scope(), CoverageParams.parse(by="town")).rows
    rated = [r for r in rows if r.rate is not None and r.total > 0]
    own = next((r for r in rows if r.group == town), None)
    rate = own.rate if own is not None else None
    rank = None if rate is None else 1 + sum(1 for r in rated if (r.rate or 0) > rate)
    total = sum(r.total for r in rated)
    return TownStanding(
        town=town,
        town_name=own.group_name if own is not None else None,
        rate=rate,
        rank=rank,
        towns=len(rated),
        district_average=sum(r.rate or 0 for r in rated) / len(rated) if rated else None,
        district_rate=sum(r.covered for r in rated) / total if total else None,
    )


def dataset(store: GraphStore, scope: Scope, params: DatasetParams) -> DatasetResult:
    return DatasetResult(
        last_load=_last_load(store),
        standing=_standing(store, scope.town) if scope.town else None,
    )


DATASET = register(Question("dataset", "数据来源与本镇街排名", DatasetParams, DatasetResult, dataset))
