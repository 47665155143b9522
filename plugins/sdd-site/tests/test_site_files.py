"""The site as files: pages, links, filters' data, the hook's fragments, safe re-exports."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sdd_site.build import MANIFEST, href, page_paths
from site_crawl import broken_links, parse

from sdd_core import hookimpl


def export(run_sdd: Callable[..., Any], project: Any, out: Path | str, fmt: str = "site",
           *extra: str) -> Any:
    return run_sdd("-C", str(project.root), "export", "--format", fmt, "-o", str(out), *extra)


def test_site_pages_and_links(sdd_project: Callable[..., Any], shop_files: dict[str, str],
                              site_plugin: Any, run_sdd: Callable[..., Any],
                              tmp_path: Path) -> None:
    project = sdd_project(shop_files)
    out = tmp_path / "site"
    r = export(run_sdd, project, out)
    assert r.exit_code == 0, r.output
    assert "Exported 7 spec(s) as site" in r.stderr and r.stdout == ""
    pages = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))
    assert pages[:1] == ["index.html"]
    assert "specs/auth/login.html" in pages and "specs/billing/refunds.html" in pages
    assert len(pages) == 1 + 7
    problems, checked = broken_links(out)
    assert problems == []
    assert checked > 40

    session = (out / "specs/auth/session.html").read_text(encoding="utf-8")
    assert '<meta name="sdd-root" content="../../">' in session
    # depends on login (same folder), required by the invoice (another folder)
    assert 'href="../../specs/auth/login.html">Login</a>' in session
    assert 'href="../../specs/billing/invoice.html">Invoice &#34;PDF&#34; &lt;export&gt; &amp; more' \
        in session
    assert session.count('id="scenario-') == 2 and 'href="#scenario-2"' in session

    login = (out / "specs/auth/login.html").read_text(encoding="utf-8")
    assert 'href="#req-01"' in login and 'id="req-02"' in login
    assert '<span class="kw">MUST</span>' in login and "Nothing." in login  # depends on nothing

    refunds = (out / "specs/billing/refunds.html").read_text(encoding="utf-8")
    assert "billing/ghost (missing)" in refunds
    assert 'href="../../specs/billing/invoice.html#req-01">the invoice</a>' in refunds
    assert 'href="../../specs/auth/login.html">login</a>' in refunds
    assert 'title="../../../../src/refunds.py (not part of the site)">the code</span>' in refunds
    assert 'href="https://example.org/refunds"' in refunds
    assert "환불 처리 (Refunds)" in refunds

    weird = next(p for p in pages if p.startswith("specs/Weird"))
    assert re.fullmatch(r"specs/Weird__id__-[0-9a-f]{8}\.html", weird)
    text = (out / weird).read_text(encoding="utf-8")
    assert "<script>alert(1)" not in text and "&lt;script&gt;alert(1)" in text


def test_index_lists_every_spec_with_filter_data(sdd_project: Callable[..., Any],
                                                 shop_files: dict[str, str], site_plugin: Any,
                                                 run_sdd: Callable[..., Any],
                                                 tmp_path: Path) -> None:
    project = sdd_project(shop_files)
    out = tmp_path / "site"
    assert export(run_sdd, project, out).exit_code == 0
    index = (out / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr data-status="(\w+)" data-domain="([^"]+)" data-phase="(\d*)"', index)
    assert len(rows) == 7
    assert sorted(r[1] for r in rows) == ["auth", "auth", "billing", "billing", "common",
                                          "common", "notifications"]
    assert [r[0] for r in rows].count("review") == 2
    assert sorted(r[2] for r in rows if r[2]) == ["1", "1", "2", "2"]
    options = re.findall(r'<option value="(\w+)">', index.split('id="f-domain"')[0])
    assert options == ["draft", "review", "approved", "implemented", "deprecated"]
    assert 'id="f-text"' in index and 'id="f-phase"' in index
    assert 'data-search="auth/login login auth implemented security"' in index


def test_html_format_with_a_folder_writes_the_site(sdd_project: Callable[..., Any],
                                                   shop_files: dict[str, str],
                                                   site_plugin: Any,
                                                   run_sdd: Callable[..., Any],
                                                   tmp_path: Path) -> None:
    project = sdd_project(shop_files)
    r = export(run_sdd, project, str(tmp_path / "out") + "/", "html")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "out" / "specs" / "auth" / "login.html").is_file()
    assert (tmp_path / "out" / MANIFEST).is_file()
    single = tmp_path / "one.html"
    assert export(run_sdd, project, single, "html").exit_code == 0
    assert single.is_file() and "<section class=\"spec\"" in single.read_text(encoding="utf-8")


def test_html_format_with_a_folder_needs_the_site_plugin(sdd_project: Callable[..., Any],
                                                         shop_files: dict[str, str],
                                                         run_sdd: Callable[..., Any],
                                                         tmp_path: Path) -> None:
    project = sdd_project(shop_files)
    (tmp_path / "existing").mkdir()
    r = export(run_sdd, project, tmp_path / "existing", "html")
    assert r.exit_code == 2
    assert "sdd-site" in r.stderr and "Traceback" not in r.output
    assert list((tmp_path / "existing").iterdir()) == []


def test_refuses_a_folder_it_did_not_write(sdd_project: Callable[..., Any],
                                           shop_files: dict[str, str], site_plugin: Any,
                                           run_sdd: Callable[..., Any], tmp_path: Path) -> None:
    project = sdd_project(shop_files)
    out = tmp_path / "mine"
    out.mkdir()
    (out / "index.html").write_text("my own page")
    r = export(run_sdd, project, out)
    assert r.exit_code == 5, r.output
    assert "not empty" in r.stderr
    assert (out / "index.html").read_text() == "my own page"
    assert sorted(p.name for p in out.iterdir()) == ["index.html"]
    afile = tmp_path / "file.txt"
    afile.write_text("x")
    r = export(run_sdd, project, afile)
    assert r.exit_code == 1 and "needs a folder" in r.stderr


def test_re_export_removes_pages_of_deleted_specs_only(sdd_project: Callable[..., Any],
                                                       shop_files: dict[str, str],
                                                       site_plugin: Any,
                                                       run_sdd: Callable[..., Any],
                                                       tmp_path: Path) -> None:
    project = sdd_project(shop_files)
    out = tmp_path / "site"
    assert export(run_sdd, project, out).exit_code == 0
    (out / "notes.txt").write_text("kept")
    (project.root / ".sdd/specs/notifications/digest.md").unlink()
    assert export(run_sdd, project, out).exit_code == 0
    assert not (out / "specs/notifications/digest.html").exists()
    assert not (out / "specs/notifications").exists()  # emptied folder removed
    assert (out / "notes.txt").read_text() == "kept"
    manifest = json.loads((out / MANIFEST).read_text())
    assert "specs/notifications/digest.html" not in manifest["files"]
    assert len([f for f in manifest["files"] if f.startswith("specs/")]) == 6
    assert broken_links(out)[0] == []


class Extras:
    """A third-party plugin adding a fragment to every page."""

    @hookimpl
    def export_html_extras(self, project: Any, spec: Any) -> str:
        return f'<p class="from-plugin">{"index" if spec is None else spec.id}</p>'


def test_pages_embed_the_extras_hook(sdd_project: Callable[..., Any],
                                     shop_files: dict[str, str], site_plugin: Any,
                                     sdd_plugin: Callable[[Any, str], Any],
                                     run_sdd: Callable[..., Any], tmp_path: Path) -> None:
    sdd_plugin(Extras(), "extras")
    project = sdd_project(shop_files)
    out = tmp_path / "site"
    assert export(run_sdd, project, out, "site", "--domain", "auth").exit_code == 0
    assert '<p class="from-plugin">index</p>' in (out / "index.html").read_text()
    for sid in ("auth/login", "auth/session"):
        assert f'<p class="from-plugin">{sid}</p>' in (out / f"specs/{sid}.html").read_text()
    assert not (out / "specs/billing").exists()
    problems, _ = broken_links(out)
    # The session page's dependents (billing/invoice) are not exported with --domain auth,
    # so the site only links to what it holds.
    assert problems == []


@given(st.lists(st.text(alphabet=st.sampled_from("aB/._-: é한?*"), min_size=1, max_size=12),
                unique=True, max_size=20))
def test_page_paths_are_distinct_and_stay_inside(ids: list[str]) -> None:
    paths = page_paths(ids)
    assert set(paths) == set(ids)
    lowered = [p.lower() for p in paths.values()]
    assert len(set(lowered)) == len(lowered)
    for p in paths.values():
        parts = p.split("/")
        assert parts[0] == "specs" and p.endswith(".html")
        assert all(part not in ("", ".", "..") for part in parts)
        assert re.fullmatch(r"[\w./-]+", p)


def test_href_is_relative_and_quoted() -> None:
    assert href("specs/a/b.html", "specs/c d.html") == "../../specs/c%20d.html"
    assert href("index.html", "specs/한.html") == "specs/%ED%95%9C.html"


def test_crawler_finds_broken_links(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text('<a href="x.html">x</a><a href="#nope">n</a>'
                                         '<a id="here" href="#here">h</a>')
    problems, checked = broken_links(tmp_path)
    assert checked == 3
    assert problems == ["index.html: x.html -> missing file", "index.html: #nope -> no #nope"]
    assert parse(tmp_path / "index.html").ids == {"here"}
