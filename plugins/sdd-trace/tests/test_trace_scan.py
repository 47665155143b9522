"""Which files are read: .gitignore, vendored and build folders, binary, large and minified
files, --src, --include and --exclude."""

from __future__ import annotations

from sdd_trace.scan import MAX_BYTES, is_test_path
from trace_helpers import locations

M = "// @spec a/one#REQ-01\n"


def code_refs(data):
    return {r["id"]: locations(r["code"]) for r in data["requirements"]}


def test_gitignore_root_nested_and_negation(project, sync):
    root = project({"a/one/spec.md": 1}, {
        ".gitignore": "generated/\n*.gen.ts\n!keep.gen.ts\n/top-only.py\n",
        "generated/x.ts": M,
        "src/y.gen.ts": M,
        "src/keep.gen.ts": M,
        "top-only.py": "# @spec a/one#REQ-01\n",
        "src/top-only.py": "# @spec a/one#REQ-01\n",
        "pkg/.gitignore": "local/\n",
        "pkg/local/z.ts": M,
        "pkg/ok.ts": M,
        "other/local/w.ts": M,
    })
    data = sync(root).json()
    assert code_refs(data) == {"a/one#REQ-01": [
        "other/local/w.ts:1", "pkg/ok.ts:1", "src/keep.gen.ts:1", "src/top-only.py:1"]}
    every = sync(root, "--no-gitignore").json()
    assert len(code_refs(every)["a/one#REQ-01"]) == 8


def test_gitignore_above_the_src_folder_applies(project, sync):
    root = project({"a/one/spec.md": 1}, {".gitignore": "*.skip.ts\n", "src/a.skip.ts": M,
                                          "src/b.ts": M})
    data = sync(root, "--src", "src").json()
    assert code_refs(data) == {"a/one#REQ-01": ["src/b.ts:1"]}


def test_vendored_build_and_tool_folders_are_skipped(project, sync):
    skipped = ["node_modules/x/a.js", "vendor/b.go", "third_party/c.py", "dist/d.js",
               "build/e.py", ".venv/lib/f.py", "venv/g.py", "src/__pycache__/h.py",
               ".git/i.py", "app/node_modules/j.ts"]
    files = {p: M for p in skipped}
    files["src/real.ts"] = M
    files[".sdd/plugins/local.py"] = "# @spec a/one#REQ-01\n"
    root = project({"a/one/spec.md": 1}, files)
    data = sync(root).json()
    assert code_refs(data) == {"a/one#REQ-01": ["src/real.ts:1"]}
    assert data["files"]["scanned"] == 1


def test_binary_large_and_minified_files_are_skipped(project, sync):
    big = M + "// filler line\n" * (MAX_BYTES // 15 + 1)
    minified = M.rstrip("\n") + ";" + "var a=1;" * 2000
    root = project({"a/one/spec.md": 1}, {
        "src/blob.dat": b"\x00\x01" + M.encode(),
        "src/image.ts": b"GIF89a\x00" + M.encode(),
        "src/big.ts": big,
        "src/app.min.js": M,
        "src/bundle.js": minified,
        "src/ok.js": M,
    })
    data = sync(root).json()
    assert code_refs(data) == {"a/one#REQ-01": ["src/ok.js:1"]}
    assert data["files"]["skipped"] == {"binary": 2, "minified": 2, "too_large": 1}
    assert data["files"]["scanned"] == 1


def test_docs_are_skipped_unless_included(project, sync):
    root = project({"a/one/spec.md": 1}, {"README.md": "Write `@spec a/one#REQ-01`.\n",
                                          "src/a.py": "# @spec a/one#REQ-01\n"})
    assert code_refs(sync(root).json()) == {"a/one#REQ-01": ["src/a.py:1"]}
    data = sync(root, "--include", "*.md").json()
    assert code_refs(data) == {"a/one#REQ-01": ["README.md:1"]}


def test_src_include_and_exclude(project, sync):
    root = project({"a/one/spec.md": 1}, {
        "src/a.py": M.replace("//", "#"), "src/b.ts": M, "src/gen/c.ts": M, "lib/d.ts": M,
    })
    assert code_refs(sync(root, "--src", "src").json())["a/one#REQ-01"] == [
        "src/a.py:1", "src/b.ts:1", "src/gen/c.ts:1"]
    assert code_refs(sync(root, "--src", "src,lib", "--include", "*.ts").json())[
        "a/one#REQ-01"] == ["lib/d.ts:1", "src/b.ts:1", "src/gen/c.ts:1"]
    assert code_refs(sync(root, "--exclude", "src/gen/", "--exclude", "*.py").json())[
        "a/one#REQ-01"] == ["lib/d.ts:1", "src/b.ts:1"]
    # the same folder twice is read once
    assert code_refs(sync(root, "--src", "src", "--src", "src/gen").json())[
        "a/one#REQ-01"] == ["src/a.py:1", "src/b.ts:1", "src/gen/c.ts:1"]
    bad = sync(root, "--src", "nowhere")
    assert bad.exit_code == 2
    assert "nowhere" in bad.stderr


def test_config_section_gives_defaults(project, sync):
    root = project({"a/one/spec.md": 1}, {
        ".sdd/config.yml": "trace:\n  src: [lib]\n  exclude: ['*.py']\n",
        "src/b.ts": M, "lib/d.ts": M, "lib/e.py": "# @spec a/one#REQ-01\n",
    })
    assert code_refs(sync(root).json())["a/one#REQ-01"] == ["lib/d.ts:1"]
    assert code_refs(sync(root, "--src", "src").json())["a/one#REQ-01"] == ["src/b.ts:1"]


def test_test_locations():
    for path in ("test_a.py", "pkg/a_test.py", "a_test.go", "web/a.test.ts", "a.spec.tsx",
                 "a.test.js", "tests/helpers.py", "src/test/java/A.java", "__tests__/x.js",
                 "spec/models/user_spec.rb", "src/FooTest.java", "conftest.py"):
        assert is_test_path(path), path
    for path in ("src/a.py", "src/testing.py", "attest.go", "contest/a.py", "a.tests.ts",
                 "specs/a.py", "src/latest/a.ts"):
        assert not is_test_path(path), path


def test_nested_gitignore_overrides_the_root_one(project, sync):
    root = project({"a/one/spec.md": 1}, {
        ".gitignore": "*.gen.ts\n",
        "web/.gitignore": "!keep.gen.ts\n",
        "web/keep.gen.ts": M, "web/drop.gen.ts": M, "keep.gen.ts": M,
    })
    assert code_refs(sync(root).json()) == {"a/one#REQ-01": ["web/keep.gen.ts:1"]}


def test_symlinked_folders_are_not_followed_and_odd_encodings_are_read(project, sync):
    root = project({"a/one/spec.md": 1}, {
        "src/a.ts": M,
        "src/latin1.py": "# café @spec a/one#REQ-01\n".encode("latin-1"),
    })
    (root / "src" / "loop").symlink_to(root / "src", target_is_directory=True)
    data = sync(root).json()
    assert code_refs(data) == {"a/one#REQ-01": ["src/a.ts:1", "src/latin1.py:1"]}
