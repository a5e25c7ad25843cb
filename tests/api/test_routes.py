"""Every route answers the fixture's questions, on both backends (admin / district view)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from graph.audit import read_audit
from graph.model import Label
from tests.api.conftest import API, RAW_INSTRUCTORS, RAW_MEMBERS, Tokens, assert_no_personal_leak


def get(client: TestClient, tokens: Tokens, url: str, role: str = "district", **kw: Any) -> Any:
    r = client.get(API + url, headers=tokens.headers(role), **kw)
    assert r.status_code == 200, (url, r.status_code, r.text[:500])
    assert r.headers["content-type"].startswith("application/json")
    assert r.headers["cache-control"] == "no-store"
    assert_no_personal_leak(r.content)
    return r.json()


def test_health_needs_no_token(client: TestClient) -> None:
    r = client.get(API + "/health")
    assert r.status_code == 200
    # anonymous: up or down only, nothing about what the graph holds
    assert r.json() == {"status": "ok"}
    stale = client.get(API + "/health", headers={"Authorization": "Bearer og_not-a-token"})
    assert stale.status_code == 200 and stale.json() == {"status": "ok"}


def test_health_counts_need_a_token(client: TestClient, tokens: Tokens) -> None:
    town = client.get(API + "/health", headers=tokens.headers("town1"))
    assert town.status_code == 200 and town.json() == {"status": "ok"}
    r = client.get(API + "/health", headers=tokens.headers("district"))
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["backend"] in ("embedded", "neo4j")
    assert body["counts"]["nodes"]["Organization"] == 16
    assert body["counts"]["nodes"]["Member"] == 17
    assert body["counts"]["relationships"]["COVERS"] == 8


def test_coverage(client: TestClient, tokens: Tokens) -> None:
    body = get(client, tokens, "/coverage")
    assert body["town"] is None
    assert (body["nonpublic"]["total"], body["nonpublic"]["covered"]) == (11, 6)
    # 注销 O08 is outside every list
    assert "O08" not in {u["org"]["key"] for u in body["uncovered"]}
    t1 = get(client, tokens, "/coverage?town=T1")
    assert t1["town"] == "T1"
    assert (t1["nonpublic"]["total"], t1["nonpublic"]["covered"]) == (6, 3)
    assert {u["org"]["town_code"] for u in t1["uncovered"]} == {"T1"}


def test_coverage_pages_uncovered(client: TestClient, tokens: Tokens) -> None:
    r = client.get(API + "/coverage?limit=2&offset=1", headers=tokens.headers("admin"))
    full = get(client, tokens, "/coverage?limit=500")
    assert r.status_code == 200
    assert int(r.headers["x-total-count"]) == len(full["uncovered"]) > 3
    assert r.json()["uncovered"] == full["uncovered"][1:3]


def test_gaps(client: TestClient, tokens: Tokens) -> None:
    body = get(client, tokens, "/gaps?town=T1&limit=10")
    keys = [e["org"]["key"] for e in body["entries"]]
    assert body["town"] == "T1"
    assert set(keys) <= {"O02", "O03", "O07"} and "O07" in keys
    o07 = next(e for e in body["entries"] if e["org"]["key"] == "O07")
    assert o07["full_members"] == 3
    assert o07["recommendation"]["formation"] == "单独建"
    page = get(client, tokens, "/gaps?limit=1&offset=1")
    assert page["offset"] == 1 and len(page["entries"]) == 1


def test_paths(client: TestClient, tokens: Tokens) -> None:
    body = get(client, tokens, "/paths?source=Organization:O01&target=Organization:O02")
    assert body["found"] is True
    assert body["paths"][0]["nodes"][0]["key"] == "O01"
    assert body["paths"][0]["nodes"][-1]["key"] == "O02"
    only_covers = get(client, tokens, "/paths?source=O04&target=O14&types=COVERS&max_hops=2")
    assert only_covers["found"] is True and only_covers["length"] == 2
    assert only_covers["types"] == ["COVERS"] and only_covers["paths"][0]["sentence_zh"]
    # repeated or comma-separated types; the hub switch; at most k paths
    body = get(
        client, tokens, "/paths?source=O01&target=O02&types=WORKS_AT,RELATIONSHIP_IN&types=PAIRED_WITH&k=2"
    )
    assert body["types"] == ["PAIRED_WITH", "RELATIONSHIP_IN", "WORKS_AT"] and len(body["paths"]) == 2
    assert body["paths"][0]["sentence_zh"].startswith("甲机械公司的党员赵*，")
    up = get(client, tokens, "/paths?source=PO1&target=D0&types=REPORTS_TO")
    assert up["through_hubs"] is True and up["note_zh"] and len(up["paths"]) == 1
    up = get(client, tokens, "/paths?source=PO1&target=D0&types=REPORTS_TO&include_hubs=true")
    assert up["through_hubs"] is False and up["include_hubs"] is True


def test_member_and_village_pages(client: TestClient, tokens: Tokens) -> None:
    body = get(client, tokens, "/members/M01")
    assert body["member"]["key"] == "M01" and body["relationship_org"]["key"] == "PO1"
    assert [s["node"]["key"] for s in body["membership"]["relationship_chain"]] == ["PO1", "PC1", "D1", "D0"]
    assert body["properties"]["id_masked"] and not [k for k in body["properties"] if "hash" in k]
    body = get(client, tokens, "/villages/V1")
    assert [j["org"]["key"] for j in body["joint_builders"]] == ["O09", "O10"]
    assert [t["key"] for t in body["town_committees"]] == ["TC2"]


def test_membership(client: TestClient, tokens: Tokens) -> None:
    body = get(client, tokens, "/members/M03/membership")
    assert body["member"]["key"] == "M03"
    assert body["relationship_chain"][0]["node"]["key"] == "PO1"
    assert "activity_town_mismatch" in {i["code"] for i in body["inconsistencies"]}


def test_membership_inconsistencies(client: TestClient, tokens: Tokens) -> None:
    body = get(client, tokens, "/membership/inconsistencies")
    assert body["total"] == sum(body["counts"].values())
    assert len(body["items"]) == body["total"]
    flagged = get(client, tokens, "/membership/inconsistencies?code=flagged_without_relationship")
    assert {i["member"]["key"] for i in flagged["items"]} == {"M05", "M15"}
    r = client.get(API + "/membership/inconsistencies?limit=2", headers=tokens.headers("district"))
    assert len(r.json()["items"]) == 2 and int(r.headers["x-total-count"]) == body["total"]


def test_pairings(client: TestClient, tokens: Tokens) -> None:
    body = get(client, tokens, "/pairings")
    assert body["pairing_type"] == "示范帮扶"
    edges = {(e["source"], e["target"]) for e in body["edges"]}
    assert ("PartyOrg:PO1", "Organization:O02") in edges
    assert len(edges) == 4
    joint = get(client, tokens, "/pairings", params={"pairing_type": "村企联建"})
    assert len(joint["edges"]) == 3


def test_centrality(client: TestClient, tokens: Tokens) -> None:
    body = get(client, tokens, "/centrality?network=organisation&metric=degree&top=5")
    assert body["network"] == "organisation" and body["metric"] == "degree"
    assert len(body["items"]) == 5
    assert [i["rank"] for i in body["items"]] == [1, 2, 3, 4, 5]
    get(client, tokens, "/centrality?network=pairing&metric=betweenness")
    get(client, tokens, "/centrality?network=membership&metric=pagerank&top=3")


def test_ego(client: TestClient, tokens: Tokens) -> None:
    body = get(client, tokens, "/ego?key=PartyOrg:PO5&hops=1")
    assert body["center"]["key"] == "PO5"
    ids = {n["id"] for n in body["nodes"]}
    assert {"Organization:O10", "Organization:O11", "Organization:O12", "PartyOrg:PO4"} <= ids


def test_organization(client: TestClient, tokens: Tokens) -> None:
    body = get(client, tokens, "/organizations/O10")
    assert body["org"]["key"] == "O10"
    assert body["parent"]["key"] == "O09"
    assert [p["key"] for p in body["covered_by"]] == ["PO5"]


def test_party_org(client: TestClient, tokens: Tokens) -> None:
    body = get(client, tokens, "/party-orgs/PO5")
    assert body["party_org"]["key"] == "PO5"
    assert {c["key"] for c in body["covers"]} == {"O10", "O11", "O12"}
    assert body["parents"][0]["key"] == "PO4"


def test_search(client: TestClient, tokens: Tokens) -> None:
    hits = get(client, tokens, "/search", params={"q": "辛建设"})
    keys = [h["node"]["key"] for h in hits]
    assert "O09" in keys and "O10" in keys
    exact = get(client, tokens, "/search?q=O07")
    assert exact[0]["node"]["key"] == "O07" and exact[0]["matched"] == "key"
    r = client.get(
        API + "/search", params={"q": "公司", "limit": 2, "offset": 1}, headers=tokens.headers("admin")
    )
    allhits = get(client, tokens, "/search", params={"q": "公司", "limit": 500})
    assert r.json() == allhits[1:3]
    # the true total, not the number fetched for the page (issue 12, item 2)
    assert len(allhits) > 3 and r.headers["X-Total-Count"] == str(len(allhits))


def test_org_tree(client: TestClient, tokens: Tokens) -> None:
    body = get(client, tokens, "/org-tree")
    assert body["roots"][0]["node"]["key"] == "D0"


def test_figures(client: TestClient, tokens: Tokens) -> None:
    r = client.get(API + "/figures", headers=tokens.headers("district"))
    assert r.status_code == 200, r.text[:300]
    assert_no_personal_leak(r.content)


def test_personal_reads_are_audited(client: TestClient, tokens: Tokens) -> None:
    get(client, tokens, "/members/M01/membership", role="district")
    get(client, tokens, "/coverage", role="district")
    get(client, tokens, "/ego?key=PO1")
    entries = [e for e in read_audit() if e["action"] == "api_read_personal"]
    assert len(entries) == 2, entries  # coverage names nobody
    first = entries[0]
    assert first["route"] == "/api/v1/members/{member_id}/membership"
    assert first["path"] == "/api/v1/members/M01/membership"
    assert "Member:M01" in first["records"]
    assert first["who"].startswith("token:") and ":district" in first["who"]
    assert "at" in first
    assert any(r.startswith("Member:") for r in entries[1]["records"])


def test_audit_on_cached_answers_too(client: TestClient, tokens: Tokens) -> None:
    get(client, tokens, "/gaps?town=T1")
    get(client, tokens, "/gaps?town=T1")
    entries = [e for e in read_audit() if e["action"] == "api_read_personal" and e["route"] == "/api/v1/gaps"]
    assert len(entries) == 2
    assert "Member:M08" in entries[1]["records"]  # O07's members


def test_admin_lookup_by_id_and_phone(client: TestClient, tokens: Tokens) -> None:
    raw_id, phone = RAW_MEMBERS["M07"]
    r = client.post(
        API + "/members/lookup",
        json={"id_number": raw_id, "reason": "核对党员身份 verification"},
        headers=tokens.headers("admin"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert [m["node"]["key"] for m in body["matches"]] == ["M07"]
    assert body["matches"][0]["matched"] == ["id_number"]
    assert body["matches"][0]["id_masked"] == raw_id[:6] + "********" + raw_id[-4:]
    assert_no_personal_leak(r.content)
    pretty = f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}"
    r = client.post(
        API + "/members/lookup",
        json={"phone": pretty, "reason": "核对联系方式"},
        headers=tokens.headers("admin"),
    )
    assert [m["node"]["key"] for m in r.json()["matches"]] == ["M07"]
    entries = [e for e in read_audit() if e["action"] == "api_unmask_lookup"]
    assert len(entries) == 2
    assert entries[0]["reason"] == "核对党员身份 verification"
    assert entries[0]["records"] == ["Member:M07"]
    log_text = "\n".join(str(e) for e in read_audit())
    assert raw_id not in log_text and phone not in log_text


def test_admin_lookup_input_errors(client: TestClient, tokens: Tokens) -> None:
    h = tokens.headers("admin")
    r = client.post(API + "/members/lookup", json={"id_number": RAW_MEMBERS["M01"][0]}, headers=h)
    assert r.status_code == 422 and "reason" in r.json()["detail"]
    r = client.post(API + "/members/lookup", json={"reason": "no value given"}, headers=h)
    assert r.status_code == 422
    r = client.post(API + "/members/lookup", json={"id_number": "123", "reason": "bad id"}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "invalid_input"
    r = client.post(API + "/members/lookup", json={"phone": "023-1234567", "reason": "landline"}, headers=h)
    assert r.status_code == 422
    r = client.post(API + "/members/lookup", json={"id_number": _unknown_id(), "reason": "nobody"}, headers=h)
    assert r.status_code == 200 and r.json()["matches"] == []


def _unknown_id() -> str:
    from graph.identifiers import ric_check_char

    first17 = "11010519800101999"
    return first17 + ric_check_char(first17)


def test_search_hits_of_members_are_audited(client: TestClient, tokens: Tokens) -> None:
    hits = get(client, tokens, "/search", params={"q": "赵一"})
    assert [h["node"]["key"] for h in hits] == ["M01"]
    get(client, tokens, "/search", params={"q": "甲机械"})  # organisations only: no entry
    entries = [e for e in read_audit() if e["action"] == "api_read_personal"]
    assert [(e["route"], e["records"]) for e in entries] == [("/api/v1/search", ["Member:M01"])]


def test_answers_about_a_person_carry_no_raw_values(client: TestClient, tokens: Tokens) -> None:
    """The answers most about people (a member's chains, a committee, a member's ego network,
    a town's gaps with their members), as every role sees them: no raw ID, phone or hash."""
    for url in ("/members/M01/membership", "/party-orgs/PO1", "/ego?key=Member:M01&hops=2", "/gaps?town=T1"):
        for role in ("admin", "district", "town1"):
            r = client.get(API + url, headers=tokens.headers(role))
            assert r.status_code == 200, (url, role)
            assert_no_personal_leak(r.content)


def test_admin_lookup_instructor_phone_and_stale_records(
    client: TestClient, graph_store: Any, tokens: Tokens
) -> None:
    """Instructors are found by phone; a record hashed under another key is counted, not matched."""
    h = tokens.headers("admin")
    instructor, phone = next(iter(RAW_INSTRUCTORS.items()))
    r = client.post(API + "/members/lookup", json={"phone": phone, "reason": "核对指导员"}, headers=h)
    assert r.status_code == 200, r.text
    assert [(m["node"]["label"], m["node"]["key"]) for m in r.json()["matches"]] == [
        ("Instructor", instructor)
    ]
    assert r.json()["stale_records"] == 0
    old = dict(graph_store.fetch_nodes(Label.MEMBER, ["M07"])["M07"])
    graph_store.upsert_nodes(Label.MEMBER, [{**old, "key_id": "retired-key"}])
    raw_id = RAW_MEMBERS["M07"][0]
    r = client.post(API + "/members/lookup", json={"id_number": raw_id, "reason": "旧密钥记录"}, headers=h)
    assert (r.json()["matches"], r.json()["stale_records"]) == ([], 1)
    # an instructor's phone lookup counts the stale member too (it carries a phone hash)
    r = client.post(API + "/members/lookup", json={"phone": phone, "reason": "核对指导员"}, headers=h)
    assert (len(r.json()["matches"]), r.json()["stale_records"]) == (1, 1)


def test_expired_token_answers_401_with_its_reason(client: TestClient, tokens: Tokens) -> None:
    from graph.tokens import TokenStore
    from tests.api.test_cli import _expire

    who = TokenStore().verify(tokens.district)
    assert client.get(API + "/coverage", headers=tokens.headers("district")).status_code == 200
    _expire(who.token_id)
    r = client.get(API + "/coverage", headers=tokens.headers("district"))
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert "过期" in r.text and "expired" in r.text


def test_admin_lookup_takes_a_short_chinese_reason(client: TestClient, tokens: Tokens) -> None:
    raw_id, _ = RAW_MEMBERS["M07"]
    h = tokens.headers("admin")
    r = client.post(API + "/members/lookup", json={"id_number": raw_id, "reason": "核对"}, headers=h)
    assert r.status_code == 200, r.text
    assert [m["node"]["key"] for m in r.json()["matches"]] == ["M07"]
    assert [e["reason"] for e in read_audit() if e["action"] == "api_unmask_lookup"] == ["核对"]
    for blank in ("核", "   ", " 核 "):  # one character, or only blanks, is no reason
        r = client.post(API + "/members/lookup", json={"id_number": raw_id, "reason": blank}, headers=h)
        assert r.status_code == 422, blank
        err = r.json()["errors"][0]
        assert err["field"] == "body.reason" and "至少 2 个字符" in err["message"]
