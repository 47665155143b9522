"""The ``fts5`` search backend: SQLite FTS5 tables kept inside the cache.

``search_specs`` holds one row per spec (rowid = the spec's ``sid``) with the columns of
:data:`sdd_core.search.SPEC_FIELDS` plus ``cjk``: overlapping two-character pieces of every
Hangul/kana/CJK word, so a Korean word is found inside a longer run (``결제`` in ``결제가``).
``search_items`` holds requirements and scenarios (rowid = ``sid << 12 | n``). Both use the
``porter unicode61 remove_diacritics 2`` tokenizer, which the core's analysis reproduces.
``search_raw`` indexes the same text unstemmed (``detail=none``, contentless: the text is
bound once for both tables and its deletes read it from ``search_specs``); its vocabulary
expands ``pay*`` into the words that start with ``pay``.

Rows are written by the cache's refresh, in the same transaction as the other tables.
"""

from __future__ import annotations

import re
import sqlite3
from typing import TYPE_CHECKING, Any

from sdd_core.search import (
    HIGHLIGHT_END, HIGHLIGHT_START, ITEM_WEIGHTS, SPEC_FIELDS, SPEC_WEIGHTS, Matcher,
    ScanBackend, SearchBackend, SearchHit, SearchQuery, cjk_bigrams, close_words,
    compile_terms, highlighted, is_cjk, make_snippet, plain_text, tokenize,
)

from sdd_sqlite.schema import SEARCH_SCHEMA as SCHEMA
from sdd_sqlite.schema import TOKENIZER  # noqa: F401  (the tokenizer of both tables)

if TYPE_CHECKING:
    from sdd_core.model import Spec
    from sdd_core.project import Project

ITEM_SHIFT = 12  # rowid of an item: sid << 12 | its index (4,096 items per spec at most)
_CJK_FIND = re.compile("[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff"
                       "\uac00-\ud7af\uf900-\ufaff]")
_TEXT_COLS = TEXT_COLUMNS = "{title description requirements scenarios body}"
_SPEC_W = SPEC_BM25 = ", ".join(str(SPEC_WEIGHTS[f]) for f in SPEC_FIELDS) + ", 1.0"
_ITEM_W = f"0, 0, 0, {ITEM_WEIGHTS['title']}, {ITEM_WEIGHTS['text']}, 1.0"
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


def spec_rows(sid: int, spec: "Spec") -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    """The ``search_specs`` row and the ``search_items`` rows of one spec: the fields of
    ``sdd_core.search.spec_fields`` and ``item_documents``, with each requirement's text
    made plain once."""
    reqs = spec.requirements
    scens = spec.scenarios
    req_plain = [plain_text(r.text) for r in reqs]
    steps = [" ".join([f"{st.kind} {st.text}" for st in sc.steps]) for sc in scens]
    title, body = spec.title, plain_text(spec.body)
    row = (sid, title, spec.description,
           " \n".join([f"{r.title} \n{p}" for r, p in zip(reqs, req_plain)]),
           " \n".join([f"{sc.name} \n{t}" for sc, t in zip(scens, steps)]),
           body, cjk_column(title, body))
    items: list[tuple[Any, ...]] = []
    n = 0
    limit = 1 << ITEM_SHIFT
    base = sid << ITEM_SHIFT
    for r, p in zip(reqs, req_plain):
        if n >= limit:
            break
        # raw: NULL, the requirement's Markdown is read from the spec data when shown
        items.append((base | n, "requirement", r.id, None, r.title, p, cjk_column(r.title, p)))
        n += 1
    for sc, t in zip(scens, steps):
        if n >= limit:
            break
        # raw: NULL, the same as text
        items.append((base | n, "scenario", sc.name, None, sc.name, t, cjk_column(sc.name, t)))
        n += 1
    return row, items


_COLS = "title, description, requirements, scenarios, body"


def write(conn: sqlite3.Connection, specs: list[tuple[Any, ...]],
          items: list[tuple[Any, ...]]) -> None:
    """Insert queued rows: ``search_specs`` rows (their text also indexed, unstemmed, in
    ``search_raw``, which keeps no copy of it) and ``search_items`` rows."""
    if specs:
        conn.executemany(f"INSERT INTO search_specs(rowid, {_COLS}, cjk)"
                         f" VALUES (?, ?, ?, ?, ?, ?, ?)", specs)
        conn.executemany(f"INSERT INTO search_raw(rowid, {_COLS}) VALUES (?, ?, ?, ?, ?, ?)",
                         [row[:6] for row in specs])
    if items:
        conn.executemany("INSERT INTO search_items(rowid, kind, item_id, raw, title, text, cjk)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?)", items)


def delete(conn: sqlite3.Connection, sids: list[int]) -> None:
    """Remove the rows of these specs (``search_raw``'s with the text it indexed, read from
    ``search_specs``)."""
    rows = [(s,) for s in sids]
    conn.executemany(f"INSERT INTO search_raw(search_raw, rowid, {_COLS}) SELECT 'delete',"
                     f" rowid, {_COLS} FROM search_specs WHERE rowid=?", rows)
    conn.executemany("DELETE FROM search_specs WHERE rowid=?", rows)
    conn.executemany("DELETE FROM search_items WHERE rowid >= ? AND rowid < ?",
                     [(s << ITEM_SHIFT, (s + 1) << ITEM_SHIFT) for s in sids])


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
              cols: str = _TEXT_COLS) -> str | None:
        if m.kind == "cjk":
            return f"cjk : {_quote(cjk_bigrams(m.raw[0]))}"
        if m.kind == "prefix":
            words = self._expand(conn, m.raw[0])
            if not words:
                return None
            return f"{cols} : (" + " OR ".join(_quote([w]) for w in words) + ")"
        alts = [_quote(m.raw)]
        if fuzzy and len(m.raw) == 1:
            alts += [_quote([w]) for w in close_words(m.raw[0], self._vocab_near(conn, m.raw[0]))]
        return f"{cols} : (" + " OR ".join(alts) + ")"

    def _match(self, conn: sqlite3.Connection, query: SearchQuery
               ) -> tuple[str | None, list[str], list[Matcher]]:
        pos, neg = compile_terms(query.terms)
        cols = _TEXT_COLS if query.type == "spec" else "{title text}"
        parts = [self._term(conn, m, query.fuzzy, cols) for m in pos]
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
        return expr, present, pos

    # ------------------------------------------------------------------ search

    def search(self, query: SearchQuery) -> list[SearchHit]:
        return self._run(lambda conn: self._search(conn, query),  # type: ignore[no-any-return]
                         lambda scan: scan.search(query))

    def _search(self, conn: sqlite3.Connection, query: SearchQuery) -> list[SearchHit]:
        expr, parts, matchers = self._match(conn, query)
        if expr is None:
            return []
        where, params = ["s.id IS NOT NULL"], []
        if query.domains:
            where.append(f"s.domain_lc IN ({','.join('?' * len(query.domains))})")
            params += [d.lower() for d in query.domains]
        if query.statuses:
            where.append(f"lower(s.status) IN ({','.join('?' * len(query.statuses))})")
            params += [x.lower() for x in query.statuses]
        cond = " AND ".join(where)
        fetch = query.limit if query.match == "all" else query.limit * 5 + 50
        start, end = HIGHLIGHT_START, HIGHLIGHT_END
        # only the matching specs wanted (a query's text term): no snippets to cut
        snip = "snippet(search_specs, 4, ?, ?, '…', 24), f.body" if query.snippets \
            else "? || ?, NULL"
        if query.type == "spec":
            sql = (f"SELECT f.rowid, s.id, s.title, s.domain, s.status, bm25(search_specs,"
                   f" {_SPEC_W}), {snip}, NULL, NULL"
                   f" FROM search_specs f JOIN specs s ON s.sid = f.rowid"
                   f" WHERE search_specs MATCH ? AND {cond} ORDER BY 6, s.id LIMIT ?")
            table = "search_specs"
        else:
            sql = (f"SELECT f.rowid, s.id, f.title, s.domain, s.status, bm25(search_items,"
                   f" {_ITEM_W}), snippet(search_items, 4, ?, ?, '…', 24), f.text, f.item_id,"
                   f" f.raw, f.kind FROM search_items f"
                   f" JOIN specs s ON s.sid = (f.rowid >> {ITEM_SHIFT})"
                   f" WHERE search_items MATCH ? AND f.kind = ? AND {cond}"
                   f" ORDER BY 6, s.id, f.rowid LIMIT ?")
            table = "search_items"
            params = [query.type, *params]
        rows = conn.execute(sql, [start, end, expr, *params, fetch]).fetchall()
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
        hits = []
        shown = scored[: query.limit]
        raws = _raw_texts(conn, [r for _, r in shown]) if query.type != "spec" else {}
        for score, r in shown:
            if r[0] in raws:
                r = (*r[:9], raws[r[0]])
            if not query.snippets:
                hits.append(SearchHit(spec_id=r[1], title=r[2] or "", score=round(score, 6),
                                      snippet="", type=query.type, item_id=r[8], text=r[9],
                                      domain=r[3] or "", status=r[4] or ""))
                continue
            snippet = " ".join(r[6].split()) if r[6] else ""
            if start not in snippet:
                snippet = make_snippet(r[7] or "", matchers)
            hits.append(SearchHit(
                spec_id=r[1], title=r[2] or "", score=round(score, 6), snippet=snippet,
                type=query.type, item_id=r[8], text=r[9], domain=r[3] or "",
                status=r[4] or "", matched=highlighted(snippet)))
        return hits

    def suggest(self, word: str, limit: int = 3) -> list[str]:
        def run(conn: sqlite3.Connection) -> list[str]:
            folded = tokenize(word)
            if len(folded) != 1:
                return []
            return close_words(folded[0], self._vocab_near(conn, folded[0]), limit)

        return self._run(run, lambda scan: scan.suggest(word, limit))  # type: ignore[no-any-return]


def _raw_texts(conn: sqlite3.Connection, rows: list[Any]) -> dict[int, str]:
    """``rowid -> text`` of the item hits whose ``raw`` column is NULL: a scenario's is its
    text, a requirement's is its Markdown, read from the spec's data (a few hits per
    search: storing every requirement's text a third time is dearer)."""
    import pickle

    from sdd_sqlite.store import inflate

    out: dict[int, str] = {}
    specs: dict[int, Any] = {}
    for r in rows:
        if r[9] is not None:
            continue
        if r[7] is not None and r[10] == "scenario":
            out[r[0]] = r[7]
            continue
        sid, n = r[0] >> ITEM_SHIFT, r[0] & ((1 << ITEM_SHIFT) - 1)
        if sid not in specs:
            row = conn.execute("SELECT d.data, b.body FROM spec_data d JOIN bodies b"
                               " USING (sid) WHERE sid=?", (sid,)).fetchone()
            specs[sid] = inflate(pickle.loads(row[0]), row[1]) if row else {}
        reqs = specs[sid].get("requirements") or []
        if n < len(reqs):
            out[r[0]] = reqs[n].text.strip()
    return out


def open_backend(project: "Project") -> Fts5Backend:
    """The factory registered as the ``fts5`` search backend."""
    return Fts5Backend(project)
