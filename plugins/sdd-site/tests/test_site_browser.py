"""The site in headless Chromium: every page loads from disk without a console error, the
diagrams (when sdd-mermaid is installed) are drawn, the index's filters work, and
screenshots go to ``artifacts/site/`` for people to look at.

Skipped locally without Chromium (or, for the diagrams, without sdd-mermaid and the npm
``mermaid`` package); under CI (``CI`` set) a missing piece fails instead.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import site_cdp as cdp
from site_crawl import broken_links

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[3]
ARTIFACTS = Path(os.environ.get("SDD_ARTIFACTS", REPO / "artifacts")) / "site"
MERMAID_JS = REPO / "plugins/sdd-mermaid/tests/js/node_modules/mermaid/dist/mermaid.min.js"


@pytest.fixture(scope="module")
def browser() -> Iterator[cdp.Browser]:
    exe = cdp.chromium()
    cdp.require("chromium (apt-get install chromium)", exe is not None)
    cdp.require("the websocket-client package", importlib.util.find_spec("websocket") is not None)
    assert exe is not None
    b = cdp.Browser(exe)
    try:
        yield b
    finally:
        b.close()


def mermaid_js() -> Path | None:
    env = os.environ.get("SDD_MERMAID_JS")
    path = Path(env) if env else MERMAID_JS
    return path if path.is_file() else None


def check_every_page(browser: cdp.Browser, site: Path, diagrams: bool) -> int:
    """Open each page; returns how many diagrams were drawn in all."""
    drawn = 0
    for page in sorted(site.rglob("*.html")):
        ready = ("!document.querySelector('pre.mermaid') || "
                 "['done', 'error', 'missing'].includes(document.documentElement.dataset.mermaid)")
        browser.open(page.as_uri(), ready=ready)
        assert browser.errors() == [], f"{page.relative_to(site)}: {browser.errors()}"
        assert browser.evaluate("document.querySelector('main h1') !== null")
        blocks = browser.evaluate("document.querySelectorAll('pre.mermaid').length")
        if diagrams:
            assert browser.evaluate("document.documentElement.dataset.mermaid || ''") == (
                "done" if blocks else "")
            svgs = browser.evaluate("document.querySelectorAll('pre.mermaid > svg').length")
            assert svgs == blocks, page
            drawn += svgs
        else:
            assert blocks == 0
    return drawn


def test_site_without_diagrams(browser: cdp.Browser, sdd_project: Callable[..., Any],
                               shop_files: dict[str, str], site_plugin: Any,
                               run_sdd: Callable[..., Any], tmp_path: Path) -> None:
    project = sdd_project(shop_files)
    out = tmp_path / "site"
    r = run_sdd("-C", str(project.root), "export", "--format", "site", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert broken_links(out)[0] == []
    check_every_page(browser, out, diagrams=False)

    # The filters: hand-counted from shop_files.
    browser.open((out / "index.html").as_uri())
    visible = "Array.from(document.querySelectorAll('#specs tbody tr')).filter(r => !r.hidden).length"
    assert browser.evaluate(visible) == 7

    def set_value(el: str, value: str) -> None:
        browser.evaluate(f"(function () {{ var e = document.getElementById('{el}');"
                         f" e.value = {value!r}; e.dispatchEvent(new Event('input')); }})()")

    set_value("f-status", "review")
    assert browser.evaluate(visible) == 2
    assert browser.evaluate("location.hash") == "#status=review"
    set_value("f-domain", "billing")
    assert browser.evaluate(visible) == 1
    set_value("f-status", "")
    set_value("f-text", "환불")
    assert browser.evaluate(visible) == 1
    set_value("f-text", "nothing-matches-this")
    assert browser.evaluate(visible) == 0
    assert browser.evaluate("document.getElementById('f-empty').hidden") is False
    assert browser.evaluate("document.getElementById('f-count').textContent") == "0 of 7 shown"
    # A link from a spec page to the index filtered by its domain.
    browser.open((out / "index.html").as_uri() + "#domain=auth")
    assert browser.evaluate(visible) == 2
    assert browser.errors() == []


def test_site_with_diagrams(browser: cdp.Browser, sdd_project: Callable[..., Any],
                            shop_files: dict[str, str], sdd_entrypoints: Callable[..., None],
                            run_sdd: Callable[..., Any], tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    cdp.require("the sdd-mermaid plugin", importlib.util.find_spec("sdd_mermaid") is not None)
    js = mermaid_js()
    cdp.require(f"the npm mermaid package ({MERMAID_JS})", js is not None)
    monkeypatch.setenv("SDD_MERMAID_JS", str(js))
    sdd_entrypoints("site", "mermaid")
    project = sdd_project(shop_files)
    out = tmp_path / "site"
    r = run_sdd("-C", str(project.root), "export", "--format", "html", "-o", f"{out}/")
    assert r.exit_code == 0, r.output
    assert (out / "assets/mermaid.min.js").is_file()
    problems, _ = broken_links(out)
    assert problems == []
    drawn = check_every_page(browser, out, diagrams=True)
    # index: status, phase, domains, graph = 4; neighbourhoods: the 5 specs with a
    # dependency or dependent (login, session, invoice, refunds, digest); flows: one per
    # scenario (6 specs with 1, session with 2, the glossary with none) = 7.
    assert drawn == 4 + 5 + 7

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.open((out / "index.html").as_uri(),
                 ready="document.documentElement.dataset.mermaid === 'done'")
    shot = browser.screenshot(ARTIFACTS / "index.png", full_page=True)
    browser.open((out / "specs/billing/refunds.html").as_uri(),
                 ready="document.documentElement.dataset.mermaid === 'done'")
    shot2 = browser.screenshot(ARTIFACTS / "spec-refunds.png", full_page=True)
    for png in (shot, shot2):
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
