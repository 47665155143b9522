"""Traceability in Python, TypeScript and Go files: markers and test names."""

from __future__ import annotations

from trace_helpers import locations, statuses

SPECS = {"auth/login/spec.md": 3, "auth/session/spec.md": 3, "billing/refunds/spec.md": 3}

PY_CODE = '''"""Login."""
# @spec auth/login#REQ-01
def check(): ...

def lockout():
    # @spec: auth/login#REQ-02, billing/refunds#REQ-01
    pass
'''
PY_TEST = '''# @spec auth/login
import pytest

def test_req_01_accepts_good_password():
    pass

async def test_lockout_REQ02():
    pass
'''
# Not a test file: a function named like a test does not count.
PY_HELPER = "def test_req_03_fake():\n    pass\n"

TS_CODE = '''/**
 * Refund handling.
 * @spec billing/refunds#REQ-02
 */
export function refund(): void {}
// @spec billing/refunds#REQ-03 -- partial refunds
'''
TS_TEST = '''// @spec billing/refunds
import { refund } from "./refunds";
describe("refunds", () => {
  it("billing/refunds#REQ-02 refunds in full", () => {});
  test.each([1, 2])("REQ-03 partial %i", () => {});
});
'''
GO_CODE = '''package session

// @spec auth/session#REQ-01
func Open() {}
'''
GO_TEST = '''package session

import "testing"

// @spec auth/session
func TestREQ01OpensSession(t *testing.T) {
	t.Run("REQ-02 expires", func(t *testing.T) {})
}
'''


def test_python_typescript_and_go(project, sync):
    root = project(SPECS, {
        "src/auth/login.py": PY_CODE, "tests/test_login.py": PY_TEST,
        "src/auth/helpers.py": PY_HELPER,
        "web/billing/refunds.ts": TS_CODE, "web/billing/refunds.test.ts": TS_TEST,
        "internal/session/session.go": GO_CODE, "internal/session/session_test.go": GO_TEST,
    })
    result = sync(root)
    assert result.exit_code == 0, result.output
    data = result.json()
    assert statuses(data) == {
        "auth/login#REQ-01": "both", "auth/login#REQ-02": "both",
        "auth/login#REQ-03": "missing",
        "auth/session#REQ-01": "both", "auth/session#REQ-02": "tested",
        "auth/session#REQ-03": "missing",
        "billing/refunds#REQ-01": "implemented", "billing/refunds#REQ-02": "both",
        "billing/refunds#REQ-03": "both",
    }
    reqs = {r["id"]: r for r in data["requirements"]}
    assert locations(reqs["auth/login#REQ-01"]["code"]) == ["src/auth/login.py:2"]
    assert locations(reqs["auth/login#REQ-01"]["tests"]) == ["tests/test_login.py:4"]
    assert locations(reqs["auth/login#REQ-02"]["tests"]) == ["tests/test_login.py:7"]
    assert reqs["auth/login#REQ-02"]["tests"][0]["via"] == "test-name"
    assert locations(reqs["billing/refunds#REQ-01"]["code"]) == ["src/auth/login.py:6"]
    assert locations(reqs["billing/refunds#REQ-02"]["code"]) == ["web/billing/refunds.ts:3"]
    assert locations(reqs["billing/refunds#REQ-02"]["tests"]) == [
        "web/billing/refunds.test.ts:4"]
    assert locations(reqs["billing/refunds#REQ-03"]["code"]) == ["web/billing/refunds.ts:6"]
    assert locations(reqs["billing/refunds#REQ-03"]["tests"]) == [
        "web/billing/refunds.test.ts:5"]
    assert locations(reqs["auth/session#REQ-01"]["code"]) == [
        "internal/session/session.go:3"]
    assert locations(reqs["auth/session#REQ-01"]["tests"]) == [
        "internal/session/session_test.go:6"]
    assert locations(reqs["auth/session#REQ-02"]["tests"]) == [
        "internal/session/session_test.go:7"]
    # 7 of 9 referenced; 5 with both code and tests
    summary = data["summary"]
    assert summary["requirements"] == 9
    assert (summary["both"], summary["implemented"], summary["tested"],
            summary["missing"]) == (5, 1, 1, 2)
    assert summary["coverage"] == round(700 / 9, 2)
    assert summary["full_coverage"] == round(500 / 9, 2)
    assert data["findings"] == []


def test_other_comment_syntaxes(project, sync):
    """SQL, HTML, Lua, Ruby and docstring comments all carry markers."""
    root = project({"core/db/spec.md": 5}, {
        "db/schema.sql": "-- @spec core/db#REQ-01\nCREATE TABLE t (id int);\n",
        "web/page.html": "<p>x</p>\n<!-- @spec core/db#REQ-02 -->\n",
        "scripts/job.lua": "--[[ @spec core/db#REQ-03 ]]\n",
        "lib/thing.rb": "=begin\n@spec core/db#REQ-04\n=end\n",
        "lib/doc.py": 'def f():\n    """Does it.\n\n    @spec core/db#REQ-05\n    """\n',
    })
    data = sync(root).json()
    reqs = {r["id"]: locations(r["code"]) for r in data["requirements"]}
    assert reqs == {
        "core/db#REQ-01": ["db/schema.sql:1"], "core/db#REQ-02": ["web/page.html:2"],
        "core/db#REQ-03": ["scripts/job.lua:1"], "core/db#REQ-04": ["lib/thing.rb:2"],
        "core/db#REQ-05": ["lib/doc.py:4"],
    }


def test_requirement_ids_are_per_spec(project, sync):
    """Two specs both have REQ-01: a full reference counts for its own spec only."""
    root = project({"a/one/spec.md": 1, "b/two/spec.md": 1},
                   {"src/x.ts": "// @spec a/one#REQ-01\n"})
    assert statuses(sync(root).json()) == {"a/one#REQ-01": "implemented",
                                           "b/two#REQ-01": "missing"}


def test_nested_and_flat_specs_are_all_included(project, sync):
    root = project({"auth/login/spec.md": 1, "deep/er/still/spec.md": 1, "flat.md": 1,
                    "phase-4/01-sync.md": 1})
    data = sync(root).json()
    assert sorted(statuses(data)) == ["auth/login#REQ-01", "deep/er/still#REQ-01",
                                      "flat#REQ-01", "phase-4/01-sync#REQ-01"]
