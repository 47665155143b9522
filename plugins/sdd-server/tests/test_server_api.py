"""The REST API against a real uvicorn: CRUD, versions, RBAC, locks, reviews, search,
analytics, audit, limits. Runs once on SQLite and once on PostgreSQL."""

from __future__ import annotations

import json
from serverkit import Server, sdd


def _create(server: Server, user: str, spec_id: str, **fields: object) -> dict:
    with server.client(user) as c:
        r = c.post("/api/specs", json={"id": spec_id, **fields})
    assert r.status_code == 201, r.text
    return r.json()


# ---------------------------------------------------------------- authentication

def test_health_needs_no_token_but_the_api_does(server: Server) -> None:
    with server.client() as c:
        assert c.get("/api/health").json()["status"] == "ok"
        r = c.get("/api/specs")
        assert r.status_code == 401
        assert r.headers["www-authenticate"].startswith("Bearer")
        assert c.get("/api/specs", headers={"Authorization": "Bearer sdd_000000000000_"
                                            + "x" * 40}).status_code == 401
        assert c.get("/api/specs", headers={"Authorization": "Basic abc"}).status_code == 401


def test_me_reports_the_token_user_and_role(server: Server) -> None:
    with server.client("rev") as c:
        assert c.get("/api/me").json() == {"user": "@rev", "name": "rev",
                                           "roles": ["reviewer"], "source": "api"}


def test_a_revoked_token_is_refused(server: Server) -> None:
    out = sdd("server", "token", "create", "--user", "@tmp", "--role", "viewer",
              "--database-url", server.database_url, "--format", "json", cwd=server.root)
    created = json.loads(out.stdout)
    headers = {"Authorization": f"Bearer {created['token']}"}
    with server.client() as c:
        assert c.get("/api/me", headers=headers).status_code == 200
        sdd("server", "token", "revoke", created["id"], "--database-url", server.database_url,
            cwd=server.root)
        assert c.get("/api/me", headers=headers).status_code == 401
    listed = json.loads(sdd("server", "token", "list", "--all", "--format", "json",
                            "--database-url", server.database_url, cwd=server.root).stdout)
    row = next(t for t in listed if t["id"] == created["id"])
    assert row["active"] is False and row["revoked_at"]
    assert "token" not in row and "hash" not in row


# ---------------------------------------------------------------- reads

def test_list_filters_sorts_and_pages(server: Server) -> None:
    with server.client("root") as c:
        page = c.get("/api/specs", params={"domain": "auth", "sort": "-id"}).json()
        assert [s["id"] for s in page["items"]] == ["auth/session", "auth/login"]
        assert c.get("/api/specs", params={"status": "review"}).json()["items"][0]["id"] \
            == "billing/invoice"
        assert [s["id"] for s in c.get("/api/specs", params={"phase": 2}).json()["items"]] \
            == ["auth/session", "billing/invoice"]
        assert [s["id"] for s in c.get("/api/specs", params={"tag": "security"}).json()
                ["items"]] == ["auth/login"]
        p1 = c.get("/api/specs", params={"per_page": 2, "page": 1, "domain": ["auth", "hr"]})
        body = p1.json()
        assert body["total"] == 4 and body["pages"] == 2
        assert [s["id"] for s in body["items"]] == ["auth/login", "auth/session"]
        p2 = c.get("/api/specs", params={"per_page": 2, "page": 2, "domain": ["auth", "hr"]})
        assert [s["id"] for s in p2.json()["items"]] == ["hr/payroll", "hr/review"]
        assert c.get("/api/specs", params={"sort": "nope"}).status_code == 422


def test_get_serves_the_version_as_etag(server: Server) -> None:
    with server.client("alice") as c:
        r = c.get("/api/specs/auth/login")
    assert r.status_code == 200
    data = r.json()
    raw = (server.root / ".sdd/specs/auth/login/spec.md").read_bytes()
    import hashlib

    assert data["version"] == hashlib.blake2b(raw, digest_size=16).hexdigest()
    assert r.headers["etag"] == f'"{data["version"]}"'
    assert data["title"] == "Login" and "Rate limit" in data["body"]


def test_dependencies_dependents_impact_and_graph(server: Server) -> None:
    with server.client("root") as c:
        deps = c.get("/api/specs/billing/invoice/dependencies").json()
        assert [d["id"] for d in deps["dependencies"]] == ["auth/session"]
        trans = c.get("/api/specs/billing/invoice/dependencies",
                      params={"transitive": "true"}).json()
        assert [d["id"] for d in trans["dependencies"]] == ["auth/session", "auth/login"]
        dependents = c.get("/api/specs/billing/invoice/dependents").json()
        assert [d["id"] for d in dependents["dependents"]] == ["billing/refund", "hr/payroll"]
        impact = c.get("/api/specs/auth/login/impact").json()
        # login <- session <- invoice <- {refund, payroll}
        assert impact["affected_count"] == 4 and impact["direct_count"] == 1
        assert {a["id"]: a["distance"] for a in impact["affected"]} == {
            "auth/session": 1, "billing/invoice": 2, "billing/refund": 3, "hr/payroll": 3}
        graph = c.get("/api/graph").json()
        assert {"from": "auth/session", "to": "auth/login"} in graph["edges"]
    with server.client("bob") as c:  # hr is restricted: bob sees neither node nor edge
        impact = c.get("/api/specs/auth/login/impact").json()
        assert impact["affected_count"] == 3
        graph = c.get("/api/graph").json()
        assert not [n for n in graph["nodes"] if n["domain"] == "hr"]
        assert not [e for e in graph["edges"] if e["from"].startswith("hr/")]


def test_history_comes_from_git(server: Server) -> None:
    with server.client("root") as c:
        hist = c.get("/api/specs/auth/login/history").json()
    assert [h["message"] for h in hist["commits"]] == ["specs"]
    assert hist["commits"][0]["action"] == "added"


# ---------------------------------------------------------------- writes

def test_create_update_delete_round_trip(server: Server) -> None:
    created = _create(server, "alice", "auth/mfa", title="Multi-factor",
                      depends=["auth/login"])
    assert created["author"] == "alice" and created["depends"] == ["auth/login"]
    path = server.root / ".sdd/specs/auth/mfa/spec.md"
    assert path.is_file()
    with server.client("alice") as c:
        r = c.put("/api/specs/auth/mfa", json={"status": "review", "tags": ["security"]},
                  headers={"If-Match": f'"{created["version"]}"'})
        assert r.status_code == 200, r.text
        updated = r.json()
        assert updated["status"] == "review" and updated["tags"] == ["security"]
        assert updated["version"] != created["version"]
        assert "status: review" in path.read_text()
        assert c.get("/api/specs/auth/mfa").json()["status"] == "review"
        # the whole file can be sent too
        text = path.read_text().replace("Multi-factor", "Two-factor", 1)
        r = c.put("/api/specs/auth/mfa", json={"content": text},
                  headers={"If-Match": updated["version"]})
        assert r.status_code == 200 and r.json()["title"] == "Two-factor"
    with server.client("hana") as c:  # alice (contributor) may not delete; an admin of hr
        assert c.delete("/api/specs/auth/mfa").status_code == 403  # is not one of auth
    with server.client("root") as c:
        assert c.delete("/api/specs/auth/mfa").status_code == 204
        assert c.get("/api/specs/auth/mfa").status_code == 404
    assert not path.exists()


def test_put_without_if_match_is_428_and_stale_is_412(server: Server) -> None:
    created = _create(server, "alice", "auth/captcha", title="Captcha")
    path = server.root / ".sdd/specs/auth/captcha/spec.md"
    before = path.read_bytes()
    with server.client("alice") as c:
        r = c.put("/api/specs/auth/captcha", json={"title": "X"})
        assert r.status_code == 428
        ok = c.put("/api/specs/auth/captcha", json={"title": "Captcha v2"},
                   headers={"If-Match": created["version"]})
        assert ok.status_code == 200
        after_first = path.read_bytes()
        # a second writer still holding the first version must not overwrite
        stale = c.put("/api/specs/auth/captcha", json={"title": "Lost update"},
                      headers={"If-Match": created["version"]})
        assert stale.status_code == 412
        assert path.read_bytes() == after_first != before
        assert stale.headers["etag"] == f'"{ok.json()["version"]}"'


def test_an_edit_outside_the_server_makes_the_read_version_stale(server: Server) -> None:
    created = _create(server, "alice", "auth/recovery", title="Recovery")
    path = server.root / ".sdd/specs/auth/recovery/spec.md"
    path.write_text(path.read_text() + "\nEdited by hand.\n")
    with server.client("alice") as c:
        r = c.put("/api/specs/auth/recovery", json={"title": "Mine"},
                  headers={"If-Match": created["version"]})
    assert r.status_code == 412
    assert "Edited by hand." in path.read_text() and "Mine" not in path.read_text()


def test_create_conflicts_and_input_validation(server: Server) -> None:
    _create(server, "alice", "auth/dup")
    with server.client("alice") as c:
        assert c.post("/api/specs", json={"id": "auth/dup"}).status_code == 409
        assert c.post("/api/specs", json={"id": "auth/x", "role": "org_admin"}).status_code \
            == 422
        # refused (by authorization: ".." is no domain of hers, or by validation)
        assert c.post("/api/specs", json={"id": "../etc/passwd"}).status_code in (403, 422)
        assert c.post("/api/specs", json={"id": "auth/../../x"}).status_code == 422
        bad = c.post("/api/specs", json={"id": "auth/broken", "content": "---\nid: [\n---\n"})
        assert bad.status_code == 422
        assert not (server.root / ".sdd/specs/auth/broken").exists()
        spec = c.get("/api/specs/auth/dup").json()
        r = c.put("/api/specs/auth/dup", json={"author": "mallory"},
                  headers={"If-Match": spec["version"]})
        assert r.status_code == 422


def test_body_size_limit_is_413(server: Server) -> None:
    with server.client("alice") as c:
        big = {"id": "auth/huge", "content": "x" * (1024 * 1024 + 10)}
        assert c.post("/api/specs", json=big).status_code == 413

        def chunks():  # no Content-Length: the bytes are counted as they arrive
            for _ in range(20):
                yield b"x" * 65536
        r = c.post("/api/specs", content=chunks(), headers={"Content-Type": "application/json"})
        assert r.status_code == 413
    assert not (server.root / ".sdd/specs/auth/huge").exists()


# ---------------------------------------------------------------- RBAC over HTTP

def test_restricted_domain_is_invisible_to_other_domains(server: Server) -> None:
    with server.client("bob") as c:
        ids = [s["id"] for s in c.get("/api/specs", params={"per_page": 500}).json()["items"]]
        assert "hr/payroll" not in ids and "billing/invoice" in ids
        for method in ("get", "delete"):
            assert getattr(c, method)("/api/specs/hr/payroll").status_code == 404
        assert c.put("/api/specs/hr/payroll", json={"title": "x"},
                     headers={"If-Match": "x"}).status_code == 404
        assert c.get("/api/specs/hr/payroll/dependencies").status_code == 404
        assert c.post("/api/specs/hr/payroll/lock", json={}).status_code == 404
        assert c.post("/api/specs", json={"id": "hr/new"}).status_code == 403
        hits = c.get("/api/search", params={"q": "salary"}).json()["hits"]
        assert hits == []
        adv = c.post("/api/search/advanced", json={"query": "domain:hr"}).json()
        assert adv["total"] == 0
        adv = c.post("/api/search/advanced", json={"query": "salary"}).json()
        assert adv["total"] == 0  # a text term does not reach into hr either
    with server.client("hal") as c:  # a contributor of hr sees and edits it
        adv = c.post("/api/search/advanced", json={"query": "salary"}).json()
        assert [s["id"] for s in adv["items"]] == ["hr/payroll"]
        spec = c.get("/api/specs/hr/review").json()
        r = c.put("/api/specs/hr/review", json={"phase": 3},
                  headers={"If-Match": spec["version"]})
        assert r.status_code == 200
        assert c.get("/api/search", params={"q": "salary"}).json()["hits"][0]["spec_id"] \
            == "hr/payroll"


def test_writes_outside_ones_domain_are_403(server: Server) -> None:
    with server.client("bob") as c:
        spec = c.get("/api/specs/auth/login").json()  # auth is not restricted: viewable
        r = c.put("/api/specs/auth/login", json={"title": "pwned"},
                  headers={"If-Match": spec["version"]})
        assert r.status_code == 403
        assert c.post("/api/specs", json={"id": "auth/pwn"}).status_code == 403
    assert "pwned" not in (server.root / ".sdd/specs/auth/login/spec.md").read_text()


def test_token_role_is_a_ceiling(server: Server) -> None:
    # alice contributes to auth in access.yml, but this token of hers is a viewer token
    with server.client("alice_ro") as c:
        spec = c.get("/api/specs/auth/login").json()
        r = c.put("/api/specs/auth/login", json={"title": "nope"},
                  headers={"If-Match": spec["version"]})
        assert r.status_code == 403
        assert c.post("/api/specs", json={"id": "auth/ro"}).status_code == 403


def test_audit_log_needs_audit_view_and_records_views(server: Server) -> None:
    with server.client("alice") as c:
        assert c.get("/api/specs/auth/session").status_code == 200
        assert c.get("/api/audit").status_code == 403
    with server.client("root") as c:
        recs = c.get("/api/audit", params={"action": "spec.view", "actor": "@alice"}).json()
    assert any(r["resource"] == "auth/session" for r in recs["records"])
    with server.client("vic") as c:
        assert c.get("/api/export", params={"format": "json"}).status_code == 200
    with server.client("root") as c:
        recs = c.get("/api/audit", params={"action": "spec.export"}).json()["records"]
    assert any(r["actor"] in ("@vic", "vic") for r in recs)


# ---------------------------------------------------------------- locks

def test_locks_block_other_writers_and_expire(server: Server) -> None:
    created = _create(server, "alice", "auth/locked", title="Locked")
    with server.client("alice") as a, server.client("root") as root, \
            server.client("rev") as rev:
        r = a.post("/api/specs/auth/locked/lock", json={"ttl": 60})
        assert r.status_code == 201 and r.json()["lock"]["owner"] == "@alice"
        assert a.get("/api/specs/auth/locked/lock").json()["locked"] is True
        # another writer is refused while the lock is held
        w = rev.put("/api/specs/auth/locked", json={"title": "Other"},
                    headers={"If-Match": created["version"]})
        assert w.status_code == 409
        # taking someone else's lock is 423; releasing it 423 too
        assert rev.post("/api/specs/auth/locked/lock", json={}).status_code == 423
        assert rev.delete("/api/specs/auth/locked/lock").status_code == 423
        # forcing needs lock.force (a reviewer token cannot)
        assert rev.post("/api/specs/auth/locked/lock", json={"force": True}).status_code == 403
        # the owner writes fine
        ok = a.put("/api/specs/auth/locked", json={"title": "Mine"},
                   headers={"If-Match": created["version"]})
        assert ok.status_code == 200
        # an org admin may force it
        forced = root.post("/api/specs/auth/locked/lock", json={"force": True, "ttl": 10})
        assert forced.status_code == 201 and forced.json()["lock"]["owner"] == "@root"
        assert any(lk["spec"] == "auth/locked" for lk in root.get("/api/locks").json()["locks"])
        assert root.delete("/api/specs/auth/locked/lock").status_code == 204
        assert root.delete("/api/specs/auth/locked/lock").status_code == 404
    # an expired lock no longer blocks anyone
    from sdd_server.db import Database

    db = Database(server.database_url)
    with server.client("alice") as a, server.client("rev") as rev:
        assert a.post("/api/specs/auth/locked/lock", json={"ttl": 60}).status_code == 201
        db.execute("UPDATE locks SET expires_at = ? WHERE spec_id = ?",
                   ("2000-01-01T00:00:00.000000Z", "auth/locked"))
        assert a.get("/api/specs/auth/locked/lock").json()["locked"] is False
        assert rev.post("/api/specs/auth/locked/lock", json={}).status_code == 201
    db.close()


# ---------------------------------------------------------------- reviews

def test_review_request_approve_and_pending(server: Server) -> None:
    _create(server, "alice", "auth/oauth", title="OAuth")
    with server.client("alice") as a:
        r = a.post("/api/specs/auth/oauth/reviews", json={"reviewers": ["@rev"]})
        assert r.status_code == 201, r.text
        assert r.json()["status"] == "review"
        pending = a.get("/api/reviews/pending", params={"reviewer": "@rev"}).json()["pending"]
        assert [p["spec"] for p in pending if p["spec"] == "auth/oauth"] == ["auth/oauth"]
        # a contributor token may not approve
        assert a.patch("/api/specs/auth/oauth/reviews",
                       json={"decision": "approve"}).status_code == 403
    with server.client("rev") as rv:
        r = rv.patch("/api/specs/auth/oauth/reviews", json={"decision": "approve",
                                                            "comment": "ok"})
        assert r.status_code == 200, r.text
        states = {x["reviewer"]: x["state"] for x in r.json()["reviews"]}
        assert states == {"@rev": "approved"}
        assert rv.patch("/api/specs/auth/oauth/reviews",
                        json={"decision": "reject"}).status_code == 422
    text = (server.root / ".sdd/specs/auth/oauth/spec.md").read_text()
    assert "approved" in text and "@rev" in text


# ---------------------------------------------------------------- search and analytics

def test_search_and_advanced_search(server: Server) -> None:
    with server.client("root") as c:
        hits = c.get("/api/search", params={"q": "rate limit"}).json()["hits"]
        assert hits and hits[0]["spec_id"] == "auth/login"
        adv = c.post("/api/search/advanced",
                     json={"query": "depends_on:auth/session OR phase:2"}).json()
        assert [s["id"] for s in adv["items"]] == ["auth/session", "billing/invoice"]
        # words go through the search backend ("limits" is "limit" stemmed); exact: substrings
        stemmed = c.post("/api/search/advanced", json={"query": "limits attempt"}).json()
        assert [s["id"] for s in stemmed["items"]] == ["auth/login"]
        exact = c.post("/api/search/advanced",
                       json={"query": "limits attempt", "exact": True}).json()
        assert exact["items"] == []
        bad = c.post("/api/search/advanced", json={"query": "nosuchfield:1"})
        assert bad.status_code == 422 and "nosuchfield" in bad.json()["error"]


def test_analytics(server: Server) -> None:
    with server.client("bob") as c:
        ov = c.get("/api/analytics/overview").json()
        by_domain = ov["by_domain"]
        assert "hr" not in by_domain and by_domain["billing"] == 2
        assert ov["total"] == sum(by_domain.values())
        trends = c.get("/api/analytics/trends", params={"weeks": 4}).json()["weeks"]
        assert len(trends) == 4
        assert sum(w["created"] for w in trends) >= 0
        team = c.get("/api/analytics/team").json()
        assert isinstance(team["members"], list)


def test_graphql_reads_with_the_same_auth(server: Server) -> None:
    q = '{ spec(id: "billing/invoice") { id dependencies { id } dependents { id } } }'
    with server.client() as anon:
        assert anon.post("/graphql", json={"query": q}).status_code == 401
    with server.client("root") as c:
        data = c.post("/graphql", json={"query": q}).json()["data"]["spec"]
        assert data["dependencies"] == [{"id": "auth/session"}]
        assert {d["id"] for d in data["dependents"]} == {"billing/refund", "hr/payroll"}
    with server.client("bob") as c:
        data = c.post("/graphql", json={"query": q}).json()["data"]["spec"]
        assert data["dependents"] == [{"id": "billing/refund"}]
        hidden = c.post("/graphql", json={"query": '{ spec(id: "hr/payroll") { id } }'})
        assert hidden.json()["data"]["spec"] is None


def test_openapi_and_docs_are_served(server: Server) -> None:
    with server.client() as c:
        schema = c.get("/openapi.json").json()
        assert "/api/specs/{spec_id}" in schema["paths"]
        assert c.get("/docs").status_code == 200


def test_server_database_is_versioned(server: Server) -> None:
    from sdd_server.db import MIGRATIONS, Database

    db = Database(server.database_url)
    try:
        rows = db.query("SELECT version FROM sdd_schema_migrations ORDER BY version")
        assert [r["version"] for r in rows] == [v for v, _, _ in MIGRATIONS]
        assert db.migrate() == []  # idempotent
    finally:
        db.close()
