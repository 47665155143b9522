"""Write the site: ``index.html``, ``specs/<id>.html`` per spec, ``assets/``.

Every page carries ``<meta name="sdd-root" content="../">``: the relative URL of the site's
root, so fragments from the ``export_html_extras`` hook can load assets the same way on
every page. A manifest (``.sdd-site.json``) lists the files written, so a later export
removes the pages of specs that are gone and never touches anything else.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:  # pragma: no cover
    from sdd_core import Project, Spec

MANIFEST = ".sdd-site.json"
ASSETS = ("site.css", "site.js")
_UNSAFE_PART = re.compile(r"[^\w.-]", re.UNICODE)


def page_paths(spec_ids: list[str]) -> dict[str, str]:
    """The file of each spec's page, relative to the site root (``specs/auth/login.html``).

    Each ``/``-separated part of the id keeps letters, digits, ``.``, ``-`` and ``_``;
    anything else becomes ``_``. When that (or the case of letters) would make two ids
    share a file, the later one gets a short hash of its id.
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    for sid in sorted(spec_ids):
        parts = [_UNSAFE_PART.sub("_", p) for p in sid.split("/")]
        parts = [p if p.strip(".") else "_" for p in parts]
        path = "specs/" + "/".join(parts) + ".html"
        if path.lower() in used or "/".join(parts) != sid:
            stem = "specs/" + "/".join(parts)
            path = f"{stem}-{hashlib.sha1(sid.encode('utf-8')).hexdigest()[:8]}.html"
        used.add(path.lower())
        out[sid] = path
    return out


def href(from_page: str, to_page: str) -> str:
    """A relative, URL-quoted link from one site file to another."""
    depth = from_page.count("/")
    return "../" * depth + quote(to_page)


@dataclass
class SpecPage:
    """What a spec's page shows."""

    spec: Spec
    path: str
    root: str
    depends: list[dict[str, Any]] = field(default_factory=list)
    dependents: list[dict[str, Any]] = field(default_factory=list)
    requirements: list[dict[str, Any]] = field(default_factory=list)
    scenarios: list[dict[str, Any]] = field(default_factory=list)
    body: str = ""
    extras: list[str] = field(default_factory=list)


def _slug(text: str, used: set[str]) -> str:
    m = re.match(r"\s*(REQ-[\w-]+)", text, re.IGNORECASE)
    if m:
        base = m.group(1).lower()
    else:
        m = re.match(r"\s*scenario\s+(\w+)", text, re.IGNORECASE)
        base = f"scenario-{m.group(1).lower()}" if m else (
            re.sub(r"[^\w]+", "-", text.lower(), flags=re.UNICODE).strip("-") or "section")
    slug, n = base, 2
    while slug in used:
        slug, n = f"{base}-{n}", n + 1
    used.add(slug)
    return slug


class BodyRenderer:
    """Markdown to HTML for spec bodies: raw HTML off, tables on, ids on headings, the
    first ``# Title`` dropped (the page shows it), links to other specs' files pointed at
    their pages, other relative links kept as text (their files are not in the site)."""

    def __init__(self, project: Project, by_id: dict[str, Spec],
                 paths: dict[str, str]) -> None:
        from markdown_it import MarkdownIt

        self.md = MarkdownIt("commonmark", {"html": False}).enable("table")
        self.project, self.by_id, self.paths = project, by_id, paths

    def render(self, spec: Spec, page: str) -> tuple[str, dict[str, str]]:
        """The body's HTML, and each heading's text mapped to its id."""
        tokens = self.md.parse(spec.body)
        used: set[str] = set()
        anchors: dict[str, str] = {}
        skip_title = True
        out = []
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if tok.type == "heading_open":
                text = tokens[i + 1].content if i + 1 < len(tokens) else ""
                if skip_title and tok.tag == "h1":
                    skip_title = False
                    i += 3
                    if spec.description and i < len(tokens) and \
                            tokens[i].type == "blockquote_open":
                        i = _after_block(tokens, i)  # the description: shown in the header
                    continue
                slug = _slug(text, used)
                tok.attrSet("id", slug)
                anchors.setdefault(text, slug)
            if tok.type == "inline" and tok.children:
                self._links(tok.children, spec, page)
            out.append(tok)
            i += 1
        return self.md.renderer.render(out, self.md.options, {}), anchors

    def _links(self, children: list[Any], spec: Spec, page: str) -> None:
        for tok in children:
            if tok.type != "link_open":
                continue
            target = str(tok.attrGet("href") or "")
            if not target or re.match(r"^(?:[a-z][a-z0-9+.-]*:|#|//)", target, re.IGNORECASE):
                continue
            path, _, frag = target.partition("#")
            found = self.project.resolve_ref(path, self.by_id, spec) if path else None
            if found is not None:
                tok.attrSet("href", href(page, self.paths[found.id]) + (f"#{frag}" if frag
                                                                          else ""))
            else:
                tok.tag = "span"
                tok.attrs = {"class": "offsite", "title": f"{target} (not part of the site)"}
                closing = _closing(children, tok)
                if closing is not None:
                    closing.tag = "span"


def _after_block(tokens: list[Any], start: int) -> int:
    """The index after the block that opens at ``start`` (its matching close)."""
    level = tokens[start].level
    for i in range(start + 1, len(tokens)):
        if tokens[i].nesting == -1 and tokens[i].level == level:
            return i + 1
    return len(tokens)


def _closing(children: list[Any], opening: Any) -> Any:
    depth = 0
    start = children.index(opening)
    for tok in children[start:]:
        if tok.type == "link_open":
            depth += 1
        elif tok.type == "link_close":
            depth -= 1
            if depth == 0:
                return tok
    return None


def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("sdd_site", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]),
                             trim_blocks=True, lstrip_blocks=True)
    return env


def _extras(project: Project, spec: Spec | None) -> list[str]:
    return [x for x in project.pm.hook.export_html_extras(project=project, spec=spec) if x]


def _write(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _check_output(out: Path) -> list[str]:
    """The files a previous export wrote there; refuses a non-empty folder that is not a
    site written by SDD."""
    from sdd_core.errors import Conflict, SddError

    if out.exists() and not out.is_dir():
        raise SddError(f"{out} is a file; the site needs a folder",
                       hint="give -o a folder name, e.g. -o site/")
    manifest = out / MANIFEST
    if manifest.is_file():
        try:
            files = json.loads(manifest.read_text(encoding="utf-8")).get("files", [])
            return [f for f in files if isinstance(f, str)]
        except (OSError, ValueError, AttributeError):
            return []
    if out.is_dir() and any(out.iterdir()):
        raise Conflict(f"{out} is not empty and holds no site written by SDD",
                       hint="choose an empty or new folder (nothing there is overwritten)")
    return []


def export_site(project: Project, specs: list[Spec], options: dict[str, Any]) -> None:
    """Write the site into ``options['output']`` (created when missing)."""
    from importlib.resources import files as resource_files

    out = Path(options["output"])
    old_files = _check_output(out)
    specs = sorted(specs, key=lambda s: s.id)
    by_id = {s.id: s for s in specs}
    paths = page_paths(list(by_id))
    dependents: dict[str, list[str]] = {}
    resolved: dict[str, list[tuple[str, Spec | None]]] = {}
    for s in specs:
        pairs = []
        for ref in s.depends:
            target = project.resolve_ref(ref, by_id, s)
            pairs.append((ref, target))
            if target is not None and target.id != s.id:
                dependents.setdefault(target.id, [])
                if s.id not in dependents[target.id]:
                    dependents[target.id].append(s.id)
        resolved[s.id] = pairs
    env = _environment()
    name = project.settings("project").name or project.root.name
    description = project.settings("project").description or ""
    renderer = BodyRenderer(project, by_id, paths)
    spec_tpl = env.get_template("spec.html.j2")
    written: list[str] = []

    for s in specs:
        page = paths[s.id]
        root = "../" * page.count("/")
        body, anchors = renderer.render(s, page)
        sp = SpecPage(spec=s, path=page, root=root, body=body, extras=_extras(project, s))
        for ref, target in resolved[s.id]:
            sp.depends.append({"ref": ref, "spec": target,
                               "href": href(page, paths[target.id]) if target else None})
        for did in sorted(dependents.get(s.id, [])):
            sp.dependents.append({"spec": by_id[did], "href": href(page, paths[did])})
        for r in s.requirements:
            key = next((t for t in anchors if t.upper().startswith(r.id.upper())), None)
            sp.requirements.append({"req": r, "anchor": anchors.get(key) if key else None})
        for n, sc in enumerate(s.scenarios, 1):
            key = next((t for t in anchors if t.strip() and sc.name and sc.name in t), None)
            sp.scenarios.append({"scenario": sc, "n": n,
                                 "anchor": anchors.get(key) if key else None})
        _write(out / page, spec_tpl.render(site=name, page=sp, root=root, spec=s,
                                           index=root + "index.html"))
        written.append(page)

    rows = [{"spec": s, "href": paths[s.id],
             "search": " ".join([s.id, s.title, s.domain, s.status, *s.tags]).lower()}
            for s in specs]
    counts: dict[str, int] = {}
    for s in specs:
        counts[s.status] = counts.get(s.status, 0) + 1
    from sdd_core import STATUSES

    status_order = [*[x for x in STATUSES if x in counts], *sorted(set(counts) - set(STATUSES))]
    _write(out / "index.html", env.get_template("index.html.j2").render(
        site=name, description=description, rows=rows, root="", index="index.html",
        statuses=status_order, counts=counts, domains=sorted({s.domain for s in specs}),
        extras=_extras(project, None),
        phases=sorted({s.phase for s in specs if s.phase is not None}),
    ))
    written.append("index.html")
    static = resource_files("sdd_site") / "static"
    for asset in ASSETS:
        _write(out / "assets" / asset, static.joinpath(asset).read_bytes())
        written.append(f"assets/{asset}")

    keep = set(written)
    for rel in old_files:
        if rel in keep or rel.startswith("/") or ".." in rel.split("/"):
            continue
        stale = out / rel
        try:
            stale.unlink()
            parent = stale.parent
            while parent != out and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent
        except OSError:
            pass
    _write(out / MANIFEST, json.dumps({"generator": "sdd-site", "files": sorted(keep)},
                                      indent=1) + "\n")
