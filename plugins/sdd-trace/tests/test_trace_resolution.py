"""Resolving references: unknown specs and requirements, bare ids, code-mapping.json."""

from __future__ import annotations

import json

from trace_helpers import locations, statuses


def findings(data):
    """``(code, path:line)`` of every finding."""
    return [(f["code"], f"{f['path']}:{f['line']}") for f in data["findings"]]


def test_unknown_spec_and_requirement_are_findings_with_file_and_line(project, sync):
    root = project({"auth/login/spec.md": 2}, {
        "src/a.py": "x = 1\n# @spec auth/nope#REQ-01\n# @spec auth/login#REQ-09\n",
        "src/b.go": "package b\n\n// @spec ghost\n",
        "tests/test_b.py": "def test_x():\n    pass  # @spec auth/login#REQ-02\n",
    })
    data = sync(root).json()
    assert findings(data) == [("TR001", "src/a.py:2"), ("TR002", "src/a.py:3"),
                              ("TR001", "src/b.go:3")]
    messages = [f["message"] for f in data["findings"]]
    assert "auth/nope" in messages[0]
    assert "REQ-09" in messages[1] and "REQ-01, REQ-02" in messages[1]
    assert {f["severity"] for f in data["findings"]} == {"error"}
    # the valid reference still counts; the invalid ones count for nothing
    assert statuses(data) == {"auth/login#REQ-01": "missing", "auth/login#REQ-02": "tested"}


def test_table_lists_findings_with_location(project, sync):
    root = project({"auth/login/spec.md": 1}, {"src/a.ts": "\n\n// @spec auth/x#REQ-01\n"})
    result = sync(root, fmt="table")
    assert result.exit_code == 0
    assert "src/a.ts:3: error TR001" in result.stdout
    assert "auth/login#REQ-01" in result.stdout and "missing" in result.stdout


def test_bare_id_unique_project_wide(project, sync):
    root = project({"a/one/spec.md": 1, "b/two/spec.md": 3},
                   {"src/x.py": "# @spec REQ-03\n"})
    data = sync(root).json()
    assert statuses(data)["b/two#REQ-03"] == "implemented"
    assert data["findings"] == []


def test_bare_id_defined_by_several_specs_is_ambiguous(project, sync):
    root = project({"a/one/spec.md": 1, "b/two/spec.md": 1},
                   {"src/x.py": "\n# @spec REQ-01\n", "src/y.py": "# @spec REQ-07\n"})
    data = sync(root).json()
    assert findings(data) == [("TR003", "src/x.py:2"), ("TR002", "src/y.py:1")]
    assert data["findings"][0]["severity"] == "warning"
    assert "a/one" in data["findings"][0]["message"]
    assert "b/two" in data["findings"][0]["message"]
    assert set(statuses(data).values()) == {"missing"}


def test_bare_id_resolved_by_preceding_marker(project, sync):
    root = project({"a/one/spec.md": 2, "b/two/spec.md": 2}, {
        "src/x.ts": ("// @spec b/two\n"
                     "// @spec REQ-01\n"
                     "// @spec a/one#REQ-02\n"
                     "// @spec: REQ-01, REQ-05\n"),
        "src/y.ts": "/* @spec a/one REQ-02 REQ-01 */\n",
    })
    data = sync(root).json()
    reqs = {r["id"]: locations(r["code"]) for r in data["requirements"]}
    assert reqs == {"a/one#REQ-01": ["src/x.ts:4", "src/y.ts:1"],
                    "a/one#REQ-02": ["src/x.ts:3", "src/y.ts:1"],
                    "b/two#REQ-01": ["src/x.ts:2"], "b/two#REQ-02": []}
    # REQ-05 after the a/one marker: not a requirement of a/one
    assert findings(data) == [("TR002", "src/x.ts:4")]
    assert "a/one" in data["findings"][0]["message"]


def test_code_mapping_files_and_directories(project, sync):
    mapping = {"version": "1.0", "mappings": [
        {"specId": "a/one", "files": ["src/one.py"], "directories": []},
        {"specId": "b/two", "files": [], "directories": ["src/two"]},
        {"specId": "c/three", "files": ["lib/**/*.ts"]},
    ]}
    root = project({"a/one/spec.md": 2, "b/two/spec.md": 2, "c/three/spec.md": 2}, {
        ".sdd/code-mapping.json": json.dumps(mapping, indent=2),
        "src/one.py": "# @spec REQ-02\n",
        "src/two/deep/x.go": "package x\n// @spec REQ-01\n",
        "src/two/deep/x_test.go": "package x\nfunc TestReq02(t *testing.T) {}\n",
        "lib/z/w.ts": "// @spec REQ-01\n",
        "src/unmapped.py": "# @spec REQ-01\n",
    })
    data = sync(root).json()
    assert statuses(data) == {
        "a/one#REQ-01": "missing", "a/one#REQ-02": "implemented",
        "b/two#REQ-01": "implemented", "b/two#REQ-02": "tested",
        "c/three#REQ-01": "implemented", "c/three#REQ-02": "missing",
    }
    assert findings(data) == [("TR003", "src/unmapped.py:1")]


def test_code_mapping_problems(project, sync):
    text = ('{\n  "mappings": [\n    {"specId": "a/one", "files": ["x.py"]},\n'
            '    {"specId": "gone/spec", "directories": ["src"]}\n  ]\n}\n')
    root = project({"a/one/spec.md": 1}, {".sdd/code-mapping.json": text,
                                           "x.py": "# @spec REQ-04\n"})
    data = sync(root).json()
    assert findings(data) == [(("TR004"), ".sdd/code-mapping.json:4"), ("TR002", "x.py:1")]
    assert "the file is mapped to a/one" in data["findings"][1]["message"]

    (root / ".sdd/code-mapping.json").write_text("{not json", encoding="utf-8")
    data = sync(root).json()
    assert [f["code"] for f in data["findings"]] == ["TR005", "TR002"]


def test_mapped_to_several_specs_uses_the_marker_above(project, sync):
    mapping = {"mappings": [{"specId": "a/one", "directories": ["src"]},
                            {"specId": "b/two", "directories": ["src"]}]}
    root = project({"a/one/spec.md": 1, "b/two/spec.md": 1}, {
        ".sdd/code-mapping.json": json.dumps(mapping),
        "src/x.py": "# @spec REQ-01\n# @spec b/two\n# @spec REQ-01\n",
    })
    data = sync(root).json()
    assert findings(data) == [("TR003", "src/x.py:1")]
    assert statuses(data) == {"a/one#REQ-01": "missing", "b/two#REQ-01": "implemented"}


def test_spec_by_path_custom_id_and_numeric_ids(project, sync, spec_text):
    root = project({"auth/login/spec.md": spec_text(
        "login", requirements=["It SHALL work.", "It SHALL last."])}, {
        "src/a.py": ("# @spec login#REQ-1\n"
                     "# @spec specs/auth/login/spec.md#REQ-002\n"),
    })
    data = sync(root).json()
    reqs = {r["id"]: locations(r["code"]) for r in data["requirements"]}
    assert reqs == {"login#REQ-01": ["src/a.py:1"], "login#REQ-02": ["src/a.py:2"]}
    assert data["findings"] == []


def test_deprecated_specs_are_not_counted(project, sync, spec_text):
    root = project({"old/spec.md": spec_text(status="deprecated"), "new/spec.md": 1},
                   {"src/a.py": "# @spec old#REQ-01\n# @spec new#REQ-01\n"})
    data = sync(root).json()
    assert statuses(data) == {"new#REQ-01": "implemented"}
    assert data["summary"]["coverage"] == 100.0
    assert data["findings"] == []


def test_scope_to_one_spec_or_a_folder(project, sync):
    root = project({"auth/login/spec.md": 2, "auth/session/spec.md": 1, "billing/x/spec.md": 1},
                   {"src/a.py": "# @spec auth/login#REQ-01\n# @spec billing/x#REQ-07\n"})
    one = sync(root, "auth/login").json()
    assert statuses(one) == {"auth/login#REQ-01": "implemented", "auth/login#REQ-02": "missing"}
    assert one["summary"]["coverage"] == 50.0
    assert one["findings"] == []  # the billing/x finding is about another spec
    folder = sync(root, "auth").json()
    assert sorted(statuses(folder)) == ["auth/login#REQ-01", "auth/login#REQ-02",
                                        "auth/session#REQ-01"]
    every = sync(root).json()
    assert [f["code"] for f in every["findings"]] == ["TR002"]
    missing = sync(root, "nope")
    assert missing.exit_code == 1
    assert "no spec or spec folder 'nope'" in missing.stderr
