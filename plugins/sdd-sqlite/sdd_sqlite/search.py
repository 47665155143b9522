"""The ``fts5`` search backend: SQLite FTS5 tables kept inside the cache.

``search_specs`` holds one row per spec (rowid = the spec's ``sid``) with the columns of
:data:`sdd_core.search.SPEC_FIELDS` plus ``cjk``: overlapping two-character pieces of every
Hangul/kana/CJK word, so a Korean word is found inside a longer run (``결제`` in ``결제가``).
``search_items`` holds requirements and scenarios (rowid = ``sid << 12 | kind << 11 | n``,
kind 0 for a requirement, 1 for a scenario). Both use the ``porter unicode61
remove_diacritics 2`` tokenizer, which the core's analysis reproduces. ``search_raw``
indexes the same text unstemmed (``detail=none``); its vocabulary expands ``pay*`` into the
words that start with ``pay``.

The three tables are contentless: they keep the index, not the text (which would be a
second copy of every body and a third of every requirement). A hit's snippet and an item's
title and text are made from the spec's stored data when the hit is shown; a delete gives
the indexed text again, made the same way (:func:`delete`), which is why the cache reads
every file again when ``sdd_sqlite.schema.ROWS_VERSION`` or the core's parser or analysis
version (``sdd_core.basics.PARSE_VERSION``, ``ANALYSIS_VERSION``) moved.

Rows are written by the cache's refresh, in the same transaction as the other tables.
"""

from __future__ import annotations

import re
import sqlite3
from typing import TYPE_CHECKING, Any

from sdd_core.search import (
    HIGHLIGHT_START, ITEM_WEIGHTS, SPEC_FIELDS, SPEC_WEIGHTS, Matcher,
    ScanBackend, SearchBackend, SearchHit, SearchQuery, cjk_bigrams, close_words,
    compile_terms, highlighted, is_cjk, make_snippet, plain_text, scenario_text, stem,
    tokenize,
)

from sdd_sqlite.schema import SEARCH_SCHEMA as SCHEMA
from sdd_sqlite.schema import TOKENIZER  # noqa: F401  (the tokenizer of both tables)

if TYPE_CHECKING:
    from sdd_core.model import Spec
    from sdd_core.project import Project

ITEM_SHIFT = 12  # rowid of an item: sid << 12 | kind << 11 | n
KIND_SHIFT = 11  # the kind bit: 0 requirement, 1 scenario (2,048 of each per spec at most)
ITEM_KINDS = ("requirement", "scenario")
_CJK_FIND = re.compile("[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff"
                       "\uac00-\ud7af\uf900-\ufaff]")
_TEXT_COLS = TEXT_COLUMNS = "{title description requirements scenarios body}"
_SPEC_W = SPEC_BM25 = ", ".join(str(SPEC_WEIGHTS[f]) for f in SPEC_FIELDS) + ", 1.0"
_ITEM_W = f"{ITEM_WEIGHTS['title']}, {ITEM_WEIGHTS['text']}, 1.0"
MAX_EXPANSIONS = 500


def cjk_column(*texts: str) -> str:
    """The ``cjk`` column: bigrams of every CJK word, words separated by a ``0`` token.
    Empty (without tokenizing anything) when every text is ASCII, as most specs are."""
    runs: list[str] = []
    for text in texts:
        if text and not text.isascii() and _CJK_FIND.search(text):
            for tok in tokenize(text):
                if len(tok) >= 2 and is_cjk(tok):
                    runs.append(" ".join(cjk_bigrams(tok)))
    return " 0 ".join(runs)


def body_rest(spec: "Spec") -> str:
    """The body less the lines whose text the ``requirements`` and ``scenarios`` columns
    hold: each requirement's text (the lines after its heading, up to the next heading of
    its level or above) and each scenario step's line. Headings stay (a requirement's id is
    only there). Every word of the body is thus indexed once, in its most telling column,
    rather than a second time in ``body``."""
    reqs, scens = spec.requirements, spec.scenarios
    if not reqs and not scens:
        return spec.body  # type: ignore[no-any-return]
    lines = spec.body.split("\n")
    n_lines = len(lines)
    first = spec.body_line
    cut = bytearray(n_lines)
    if reqs:
        sections = spec.sections
        place = {sec.line: i for i, sec in enumerate(sections)}
        for r in reqs:
            i = place.get(r.line)
            if i is None:
                continue
            level = sections[i].level
            end = n_lines
            for nxt in sections[i + 1:]:
                if nxt.level <= level:
                    end = nxt.line - first
                    break
            a = max(0, r.line - first + 1)
            if a < end:
                cut[a:end] = b"\1" * (end - a)
    for sc in scens:
        for st in sc.steps:
            n = st.line - first
            if 0 <= n < n_lines:
                cut[n] = 1
    return "\n".join([line for line, c in zip(lines, cut) if not c])


def spec_rows(sid: int, spec: "Spec") -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    """The ``search_specs`` row and the ``search_items`` rows ``(rowid, title, text, cjk)``
    of one spec: the fields of ``sdd_core.search.spec_fields`` and ``item_documents``
    (except that ``body`` is :func:`body_rest`), with each requirement's text made plain
    once."""
    reqs = spec.requirements
    scens = spec.scenarios
    req_plain = [plain_text(r.text) for r in reqs]
    steps = [" ".join([f"{st.kind} {st.text}" for st in sc.steps]) for sc in scens]
    title, body = spec.title, plain_text(body_rest(spec))
    req_col = " \n".join([f"{r.title} \n{p}" for r, p in zip(reqs, req_plain)])
    scen_col = " \n".join([f"{sc.name} \n{t}" for sc, t in zip(scens, steps)])
    row = (sid, title, spec.description, req_col, scen_col, body,
           cjk_column(title, body, req_col, scen_col))
    items: list[tuple[Any, ...]] = []
    limit = 1 << KIND_SHIFT
    base = sid << ITEM_SHIFT
    for n, (r, p) in enumerate(zip(reqs[:limit], req_plain)):
        items.append((base | n, r.title, p, cjk_column(r.title, p)))
    base |= 1 << KIND_SHIFT
    for n, (sc, t) in enumerate(zip(scens[:limit], steps)):
        items.append((base | n, sc.name, t, cjk_column(sc.name, t)))
    return row, items


_COLS = "title, description, requirements, scenarios, body"
_SPECS_INSERT = f"INSERT INTO search_specs(rowid, {_COLS}, cjk) VALUES (?, ?, ?, ?, ?, ?, ?)"
_RAW_INSERT = f"INSERT INTO search_raw(rowid, {_COLS}) VALUES (?, ?, ?, ?, ?, ?)"
_ITEMS_INSERT = "INSERT INTO search_items(rowid, title, text, cjk) VALUES (?, ?, ?, ?)"


def write(conn: sqlite3.Connection, specs: list[tuple[Any, ...]],
          items: list[tuple[Any, ...]]) -> None:
    """Insert queued rows: ``search_specs`` rows (their text also indexed, unstemmed, in
    ``search_raw``) and ``search_items`` rows."""
    if specs:
        conn.executemany(_SPECS_INSERT, specs)
        conn.executemany(_RAW_INSERT, [row[:6] for row in specs])
    if items:
        conn.executemany(_ITEMS_INSERT, items)


def stored_specs(conn: sqlite3.Connection, sids: list[int]) -> dict[int, Any]:
    """``sid -> spec`` (the fields the search rows are made of: title, description, body,
    requirements, scenarios) of the parsed specs among ``sids``, from the cache's rows."""
    import pickle
    from types import SimpleNamespace

    from sdd_sqlite.store import chunks, inflate

    out: dict[int, Any] = {}
    for part in chunks(sids):
        for sid, title, description, data, body in conn.execute(
                f"SELECT s.sid, s.title, s.description, d.data, b.body FROM specs s"
                f" LEFT JOIN spec_data d USING (sid) LEFT JOIN bodies b USING (sid) WHERE"
                f" s.id IS NOT NULL AND s.sid IN ({','.join('?' * len(part))})", part):
            if data is None or body is None:
                raise sqlite3.DatabaseError("database disk image is malformed: the stored"
                                            " data of a spec is missing")
            values = inflate(pickle.loads(data), body)
            out[sid] = SimpleNamespace(title=title, description=description, **values)
    return out


def delete(conn: sqlite3.Connection, sids: list[int]) -> None:
    """Remove the rows of these specs. The tables keep no text, and FTS5 removes a row of a
    contentless table given the text it indexed: that text is made again from the spec's
    stored data (:func:`spec_rows` of the same fields gives the same text)."""
    stored = stored_specs(conn, sids)
    specs: list[tuple[Any, ...]] = []
    items: list[tuple[Any, ...]] = []
    for sid, spec in stored.items():
        row, its = spec_rows(sid, spec)
        specs.append(row)
        items.extend(its)
    conn.executemany(f"INSERT INTO search_specs(search_specs, rowid, {_COLS}, cjk)"
                     f" VALUES ('delete', ?, ?, ?, ?, ?, ?, ?)", specs)
    conn.executemany(f"INSERT INTO search_raw(search_raw, rowid, {_COLS})"
                     f" VALUES ('delete', ?, ?, ?, ?, ?, ?)", [row[:6] for row in specs])
    conn.executemany("INSERT INTO search_items(search_items, rowid, title, text, cjk)"
                     " VALUES ('delete', ?, ?, ?, ?)", items)


TABLES = ("search_raw_vocab", "search_raw", "search_items", "search_specs")


def clear(conn: sqlite3.Connection) -> None:
    """Empty every search table (a full rebuild): dropped and created again, which is much
    faster than deleting the rows of an FTS5 table one by one."""
    for name in TABLES:
        conn.execute(f"DROP TABLE IF EXISTS {name}")
    for statement in SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)


# ---------------------------------------------------------------------------- the backend

def _quote(tokens: tuple[str, ...] | list[str]) -> str:
    return '"' + " ".join(t.replace('"', '""') for t in tokens) + '"'


class Fts5Backend(SearchBackend):
    """Ranked search with FTS5 ``bm25()`` and ``snippet()`` over the SQLite cache."""

    name = "fts5"

    def __init__(self, project: "Project") -> None:
        super().__init__(project)
        from sdd_sqlite.backend import SqliteIndex

        index = project.index()
        self.index = index if isinstance(index, SqliteIndex) else SqliteIndex(project)

    def refresh(self) -> None:
        self.index.invalidate()

    def _run(self, action: Any, fallback: Any) -> Any:
        return self.index._guard(lambda: action(self.index._conn()),
                                 lambda _files: fallback(ScanBackend(self.project)))

    # ------------------------------------------------------------------ query text

    def _expand(self, conn: sqlite3.Connection, prefix: str) -> list[str]:
        hi = prefix + "\U0010ffff"
        rows = conn.execute("SELECT term FROM search_raw_vocab WHERE term >= ? AND term < ?"
                            " ORDER BY doc DESC LIMIT ?", (prefix, hi, MAX_EXPANSIONS))
        return [r[0] for r in rows]

    def _vocab_near(self, conn: sqlite3.Connection, word: str) -> list[str]:
        if not word:
            return []
        return [r[0] for r in conn.execute(
            "SELECT term FROM search_raw_vocab WHERE length(term) BETWEEN ? AND ?",
            (len(word) - 2, len(word) + 2))]

    def _term(self, conn: sqlite3.Connection, m: Matcher, fuzzy: bool = False,
              cols: str = _TEXT_COLS, close: list[Matcher] | None = None) -> str | None:
        """The FTS5 expression of one term (``close`` gains the matchers of the words a
        fuzzy term also matches, for the snippets)."""
        if m.kind == "cjk":
            return f"cjk : {_quote(cjk_bigrams(m.raw[0]))}"
        if m.kind == "prefix":
            words = self._expand(conn, m.raw[0])
            if not words:
                return None
            return f"{cols} : (" + " OR ".join(_quote([w]) for w in words) + ")"
        alts = [_quote(m.raw)]
        if fuzzy and len(m.raw) == 1:
            words = close_words(m.raw[0], self._vocab_near(conn, m.raw[0]))
            alts += [_quote([w]) for w in words]
            if close is not None:
                close += [Matcher("seq", (stem(w),), w, (w,)) for w in words]
        return f"{cols} : (" + " OR ".join(alts) + ")"

    def _match(self, conn: sqlite3.Connection, query: SearchQuery
               ) -> tuple[str | None, list[str], list[Matcher]]:
        pos, neg = compile_terms(query.terms)
        cols = _TEXT_COLS if query.type == "spec" else "{title text}"
        close: list[Matcher] = []
        parts = [self._term(conn, m, query.fuzzy, cols, close) for m in pos]
        if query.match == "any":
            present = [p for p in parts if p is not None]
            if not present:
                return None, [], pos
            expr = " OR ".join(f"({p})" for p in present)
        else:
            if not parts or any(p is None for p in parts):
                return None, [], pos
            present = [p for p in parts if p is not None]
            expr = " AND ".join(f"({p})" for p in present)
        for m in neg:
            n = self._term(conn, m, cols=cols)
            if n is not None:
                expr = f"({expr}) NOT ({n})"
        return expr, present, pos + close

    # ------------------------------------------------------------------ search

    def search(self, query: SearchQuery) -> list[SearchHit]:
        return self._run(lambda conn: self._search(conn, query),  # type: ignore[no-any-return]
                         lambda scan: scan.search(query))

    def _search(self, conn: sqlite3.Connection, query: SearchQuery) -> list[SearchHit]:
        expr, parts, matchers = self._match(conn, query)
        if expr is None:
            return []
        where: list[str] = ["s.id IS NOT NULL"]
        params: list[Any] = []
        if query.domains:
            where.append(f"s.domain_lc IN ({','.join('?' * len(query.domains))})")
            params += [d.lower() for d in query.domains]
        if query.statuses:
            where.append(f"lower(s.status) IN ({','.join('?' * len(query.statuses))})")
            params += [x.lower() for x in query.statuses]
        cond = " AND ".join(where)
        fetch = query.limit if query.match == "all" else query.limit * 5 + 50
        if query.type == "spec":
            sql = (f"SELECT f.rowid, s.id, s.title, s.domain, s.status, bm25(search_specs,"
                   f" {_SPEC_W}) FROM search_specs f JOIN specs s ON s.sid = f.rowid"
                   f" WHERE search_specs MATCH ? AND {cond} ORDER BY 6, s.id LIMIT ?")
            table = "search_specs"
        else:
            sql = (f"SELECT f.rowid, s.id, NULL, s.domain, s.status, bm25(search_items,"
                   f" {_ITEM_W}) FROM search_items f"
                   f" JOIN specs s ON s.sid = (f.rowid >> {ITEM_SHIFT})"
                   f" WHERE search_items MATCH ? AND (f.rowid >> {KIND_SHIFT}) & 1 = ?"
                   f" AND {cond} ORDER BY 6, s.id, f.rowid LIMIT ?")
            table = "search_items"
            params = [ITEM_KINDS.index(query.type), *params]
        rows = conn.execute(sql, [expr, *params, fetch]).fetchall()
        scored = [(-float(r[5]), r) for r in rows]
        if query.match == "any" and len(parts) > 1 and rows:
            ids = [r[0] for r in rows]
            marks = ",".join("?" * len(ids))
            count: dict[int, int] = {}
            for p in parts:
                for (rid,) in conn.execute(f"SELECT rowid FROM {table} WHERE {table} MATCH ?"
                                           f" AND rowid IN ({marks})", [p, *ids]):
                    count[rid] = count.get(rid, 0) + 1
            scored = [(sc * count.get(r[0], 1) / len(parts), r) for sc, r in scored]
            scored.sort(key=lambda p: (-p[0], p[1][1], p[1][0]))
        shown = scored[: query.limit]
        texts = _hit_texts(conn, [r[0] for _, r in shown], query.type, query.snippets)
        hits = []
        for score, r in shown:
            title, item_id, text, source = texts.get(r[0], (r[2] or "", None, None, ""))
            snippet = ""
            if query.snippets:
                # cut as the reference backend cuts it (the tables keep no text for FTS5's
                # snippet())
                snippet = make_snippet(source, matchers)
                if HIGHLIGHT_START not in snippet:
                    snippet = make_snippet(title, matchers) or snippet
            hits.append(SearchHit(
                spec_id=r[1], title=title, score=round(score, 6), snippet=snippet,
                type=query.type, item_id=item_id, text=text, domain=r[3] or "",
                status=r[4] or "", matched=highlighted(snippet)))
        return hits

    def suggest(self, word: str, limit: int = 3) -> list[str]:
        def run(conn: sqlite3.Connection) -> list[str]:
            folded = tokenize(word)
            if len(folded) != 1:
                return []
            return close_words(folded[0], self._vocab_near(conn, folded[0]), limit)

        return self._run(run, lambda scan: scan.suggest(word, limit))  # type: ignore[no-any-return]


def _hit_texts(conn: sqlite3.Connection, rowids: list[int], kind: str, snippets: bool
               ) -> dict[int, tuple[str, str | None, str | None, str]]:
    """``rowid -> (title, item id, text, snippet source)`` of the hits shown, made from the
    specs' stored data as :func:`sdd_core.search.spec_fields` and ``item_documents`` make
    them (spec hits need only their body, and only for snippets)."""
    out: dict[int, tuple[str, str | None, str | None, str]] = {}
    if kind == "spec":
        if snippets and rowids:
            marks = ",".join("?" * len(rowids))
            for sid, title, body in conn.execute(
                    f"SELECT s.sid, s.title, b.body FROM specs s JOIN bodies b USING (sid)"
                    f" WHERE s.sid IN ({marks})", rowids):
                out[sid] = (title or "", None, None, plain_text(body))
        return out
    specs = stored_specs(conn, sorted({r >> ITEM_SHIFT for r in rowids}))
    for rowid in rowids:
        spec = specs.get(rowid >> ITEM_SHIFT)
        n = rowid & ((1 << KIND_SHIFT) - 1)
        if spec is None:
            continue
        if kind == "requirement" and n < len(spec.requirements):
            r = spec.requirements[n]
            out[rowid] = (r.title, r.id, r.text.strip(), plain_text(r.text))
        elif kind == "scenario" and n < len(spec.scenarios):
            sc = spec.scenarios[n]
            text = scenario_text(sc)
            out[rowid] = (sc.name, sc.name, text, text)
    return out


def open_backend(project: "Project") -> Fts5Backend:
    """The factory registered as the ``fts5`` search backend."""
    return Fts5Backend(project)
