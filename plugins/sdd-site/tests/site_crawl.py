"""Crawl a written site on disk: every internal link and asset must resolve."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        for key in ("href", "src"):
            if a.get(key) and tag != "meta":
                self.refs.append(str(a[key]))


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def broken_links(site: Path) -> tuple[list[str], int]:
    """``(problems, links checked)``: internal links whose file (or ``#id`` in it) is
    missing. A fragment holding ``=`` is the index's filter state, not an element id."""
    pages = {p.resolve(): parse(p) for p in site.rglob("*.html")}
    problems: list[str] = []
    checked = 0
    root = site.resolve()
    for path, page in pages.items():
        for ref in page.refs:
            parts = urlsplit(ref)
            if parts.scheme or parts.netloc:
                continue
            checked += 1
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if not target.is_file():
                problems.append(f"{path.relative_to(root)}: {ref} -> missing file")
                continue
            if root not in target.parents:
                problems.append(f"{path.relative_to(root)}: {ref} leaves the site")
                continue
            frag = unquote(parts.fragment)
            if frag and "=" not in frag and target.suffix == ".html":
                ids = pages[target].ids if target in pages else parse(target).ids
                if frag not in ids:
                    problems.append(f"{path.relative_to(root)}: {ref} -> no #{frag}")
    return problems, checked
