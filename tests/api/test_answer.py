"""api.answer internals: personal data found and keyed hashes removed, without touching the original."""

from __future__ import annotations

from api.answer import inspect
from queries.models import EgoNetwork, NetworkNode, NodeRef, SearchHit


def _ego() -> EgoNetwork:
    m = NodeRef(label="Member", key="M01", name="赵一", town_code="T1")
    o = NodeRef(label="Organization", key="O01", name="甲", town_code="T1")
    return EgoNetwork(
        center=o,
        hops=1,
        nodes=[
            NetworkNode(
                id="Member:M01", node=m, attrs={"hop": 1, "id_hash": "ab" * 32, "nested": {"phone_hash": "x"}}
            ),
            NetworkNode(id="Organization:O01", node=o, attrs={"hop": 0}),
        ],
        edges=[],
        capped=False,
    )


def test_inspect_names_people_and_drops_hashes() -> None:
    original = _ego()
    cleaned, people = inspect(original)
    assert people == ["Member:M01"]
    assert cleaned.nodes[0].attrs == {"hop": 1, "nested": {}}
    # the query layer's object is left as it was (it may sit in a cache of its own)
    assert original.nodes[0].attrs["id_hash"] == "ab" * 32


def test_inspect_lists_and_instructors() -> None:
    hits = [
        SearchHit(node=NodeRef(label="Instructor", key="I1"), label_zh="党建指导员", matched="name"),
        SearchHit(node=NodeRef(label="Organization", key="O1"), label_zh="组织", matched="key"),
    ]
    cleaned, people = inspect(hits)
    assert cleaned is hits  # nothing to remove: no copy
    assert people == ["Instructor:I1"]
