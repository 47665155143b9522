"""The audit log on disk: a hash chain of JSON Lines records in one file per month.

Layout of ``.sdd/audit/``::

    2026-01.jsonl   one record per line, in chain order
    2026-02.jsonl   the chain goes on across months
    head.json       the newest record's sequence number and hash (detects a cut-off tail)
    .lock           taken with ``flock`` by every writer, so concurrent processes keep the
                    chain linear

Every record carries ``seq`` (1, 2, 3 ...), ``prev_hash`` (the previous record's ``hash``; 64
zeros for the first) and ``hash``: the SHA-256 of the record's canonical JSON encoding
without the ``hash`` key (sorted keys, no whitespace, UTF-8). Editing, removing or reordering
records breaks a hash or a link, and :meth:`AuditLog.verify` names the first such record.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sdd_core.errors import CheckFailed, SddError

GENESIS = "0" * 64
HEAD_NAME = "head.json"
LOCK_NAME = ".lock"
MONTH_FILE = re.compile(r"^(\d{4})-(\d{2})\.jsonl$")
PRUNE_ACTION = "audit.prune"


class AuditWriteError(SddError):
    """The audit record could not be written, so the action it describes did not happen."""

    exit_code = 1


def canonical(value: Any) -> bytes:
    """The canonical JSON encoding hashes are computed over: sorted keys, no whitespace,
    UTF-8, no NaN or infinity."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def record_hash(record: dict[str, Any]) -> str:
    """The hash of a record: SHA-256 over its canonical encoding, ``hash`` key left out."""
    body = {k: v for k, v in record.items() if k != "hash"}
    return hashlib.sha256(canonical(body)).hexdigest()


def format_timestamp(when: dt.datetime) -> str:
    """UTC ISO 8601 with microseconds and a ``Z``: sorts as text in time order."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: str) -> dt.datetime:
    """A record's timestamp as an aware UTC datetime."""
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


@dataclass(frozen=True)
class Problem:
    """The first thing wrong with the chain, and where."""

    kind: str  # edited | damaged | removed | reordered | truncated | head
    file: str
    line: int
    message: str
    seq: int | None = None

    def location(self) -> str:
        """``audit/2026-01.jsonl:12``."""
        return f"{self.file}:{self.line}"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"kind": self.kind, "file": self.file, "line": self.line, "seq": self.seq,
                "message": self.message}


@dataclass
class VerifyResult:
    """What :meth:`AuditLog.verify` found."""

    records: int = 0
    files: list[str] = field(default_factory=list)
    first_seq: int | None = None
    head_seq: int | None = None
    head_hash: str | None = None
    problem: Problem | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the chain is intact."""
        return self.problem is None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"ok": self.ok, "records": self.records, "files": self.files,
                "first_seq": self.first_seq, "head_seq": self.head_seq,
                "head_hash": self.head_hash,
                "problem": self.problem.to_json() if self.problem else None,
                "warnings": self.warnings}


@dataclass
class PruneResult:
    """What :meth:`AuditLog.prune` removed (or would remove, in a dry run)."""

    pruned: int = 0
    kept: int = 0
    through_seq: int | None = None
    last_pruned_hash: str | None = None
    files_removed: list[str] = field(default_factory=list)
    held_back: int = 0
    checkpoint: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"pruned": self.pruned, "kept": self.kept, "through_seq": self.through_seq,
                "last_pruned_hash": self.last_pruned_hash, "files_removed": self.files_removed,
                "held_back": self.held_back,
                "checkpoint": self.checkpoint["hash"] if self.checkpoint else None}


@dataclass
class _Line:
    file: str
    line: int
    record: dict[str, Any] | None
    error: str | None = None


class AuditLog:
    """The audit log in ``directory`` (``.sdd/audit``)."""

    def __init__(self, directory: Path, label: str | None = None) -> None:
        self.directory = Path(directory)
        self.label = label or self.directory.name

    # ------------------------------------------------------------------ files

    def files(self) -> list[Path]:
        """The month files, oldest first."""
        try:
            names = sorted(p.name for p in self.directory.iterdir() if MONTH_FILE.match(p.name))
        except FileNotFoundError:
            return []
        return [self.directory / n for n in names]

    def _where(self, path: Path | str) -> str:
        name = path.name if isinstance(path, Path) else path
        return f"{self.label}/{name}"

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the writers' lock (``flock`` on ``.lock``) for the block."""
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)

    def lines(self) -> Iterator[_Line]:
        """Every line of every month file in chain order, parsed where it parses."""
        for path in self.files():
            with open(path, "rb") as fh:
                data = fh.read()
            raw_lines = data.split(b"\n")
            if raw_lines and raw_lines[-1] == b"":
                raw_lines.pop()
                complete = True
            else:
                complete = not raw_lines
            for i, raw in enumerate(raw_lines, 1):
                if not complete and i == len(raw_lines):
                    yield _Line(self._where(path), i, None, "the last line is cut short")
                    continue
                try:
                    rec = json.loads(raw)
                except (ValueError, UnicodeDecodeError) as exc:
                    yield _Line(self._where(path), i, None, f"not valid JSON ({exc})")
                    continue
                if not isinstance(rec, dict):
                    yield _Line(self._where(path), i, None, "not a JSON object")
                    continue
                yield _Line(self._where(path), i, rec)

    def records(self) -> Iterator[dict[str, Any]]:
        """Every record that parses, in chain order (``sdd audit logs`` reads these)."""
        for ln in self.lines():
            if ln.record is not None:
                yield ln.record

    def read_head(self) -> dict[str, Any] | None:
        """The contents of ``head.json``, or ``None`` when there is none."""
        try:
            data = json.loads((self.directory / HEAD_NAME).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            return {"error": str(exc)}
        return data if isinstance(data, dict) else {"error": "not a JSON object"}

    # ------------------------------------------------------------------ append

    def _last(self) -> tuple[Path | None, dict[str, Any] | None]:
        """The last month file and its last record (reads only the file's tail)."""
        for path in reversed(self.files()):
            with open(path, "rb") as fh:
                fh.seek(0, os.SEEK_END)
                size = fh.tell()
                if size == 0:
                    continue
                chunk = 4096
                data = b""
                pos = size
                while pos > 0:
                    step = min(chunk, pos)
                    pos -= step
                    fh.seek(pos)
                    data = fh.read(step) + data
                    if data.rstrip(b"\n").count(b"\n") >= 1 or pos == 0:
                        break
                    chunk *= 2
            if not data.endswith(b"\n"):
                raise AuditWriteError(
                    f"{self._where(path)} ends in a record cut short, so the chain cannot be"
                    " extended", hint="run `sdd audit verify`; restore the file from a backup")
            last_line = data.rstrip(b"\n").rsplit(b"\n", 1)[-1]
            try:
                rec = json.loads(last_line)
            except ValueError as exc:
                raise AuditWriteError(
                    f"the last record of {self._where(path)} is not valid JSON, so the chain"
                    " cannot be extended",
                    hint="run `sdd audit verify`; restore the file from a backup") from exc
            return path, rec
        return None, None

    def append(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Add a record at the end of the chain (under the lock) and return it with its
        ``seq``, ``prev_hash`` and ``hash``. The line is on disk (fsync) when this returns."""
        with self.lock():
            return self._append_locked(entry)

    def _append_locked(self, entry: dict[str, Any]) -> dict[str, Any]:
        last_path, last = self._last()
        record = dict(entry)
        record.pop("hash", None)
        record["seq"] = int(last["seq"]) + 1 if last else 1
        record["prev_hash"] = last["hash"] if last else GENESIS
        record["hash"] = record_hash(record)
        ts = parse_timestamp(record["timestamp"])
        name = f"{ts.year:04d}-{ts.month:02d}.jsonl"
        if last_path is not None and last_path.name > name:
            name = last_path.name  # a clock behind the log: keep files in chain order
        path = self.directory / name
        line = canonical(record) + b"\n"
        created = not path.exists()
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            view = memoryview(line)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            _fsync_dir(self.directory)
        self._write_head(record, name)
        return record

    def _write_head(self, record: dict[str, Any], name: str) -> None:
        from sdd_core.storage import atomic_write

        head = {"seq": record["seq"], "hash": record["hash"], "file": name,
                "timestamp": record["timestamp"]}
        atomic_write(self.directory / HEAD_NAME, canonical(head) + b"\n")

    # ------------------------------------------------------------------ verify

    def verify(self) -> VerifyResult:
        """Check every hash and link; report the first record edited, removed or reordered,
        and a tail cut off after the record ``head.json`` names."""
        result = VerifyResult(files=[self._where(p) for p in self.files()])
        entries = list(self.lines())
        later: dict[str, int] = {}
        for i, ln in enumerate(entries):
            if ln.record is not None and isinstance(ln.record.get("hash"), str):
                later.setdefault(ln.record["hash"], i)
        checkpoints = [ln.record for ln in entries
                       if ln.record is not None and ln.record.get("action") == PRUNE_ACTION]
        prev: dict[str, Any] | None = None
        for i, ln in enumerate(entries):
            rec = ln.record
            if rec is None:
                result.problem = Problem("damaged", ln.file, ln.line,
                                         f"{ln.file}:{ln.line}: the line is {ln.error}: it was"
                                         " edited or cut short")
                return result
            seq = rec.get("seq")
            if rec.get("hash") != record_hash(rec):
                result.problem = Problem("edited", ln.file, ln.line,
                                         f"{ln.file}:{ln.line}: record #{seq} was edited (its"
                                         " hash does not match its content)", seq)
                return result
            if prev is None:
                problem = self._check_start(ln, rec, checkpoints)
            elif rec.get("prev_hash") != prev["hash"] or seq != prev.get("seq", 0) + 1:
                owner = later.get(rec.get("prev_hash", ""))
                if owner is not None and owner > i:
                    problem = Problem("reordered", ln.file, ln.line,
                                      f"{ln.file}:{ln.line}: record #{seq} is out of order"
                                      f" (it should come after record #{seq - 1 if isinstance(seq, int) else '?'},"
                                      f" found further on): records were reordered", seq)
                else:
                    missing = (f"#{prev.get('seq', 0) + 1}" if seq == prev.get("seq", 0) + 2
                               else f"#{prev.get('seq', 0) + 1}..#{seq - 1}"
                               if isinstance(seq, int) and seq > prev.get("seq", 0) + 1
                               else "one or more records")
                    problem = Problem("removed", ln.file, ln.line,
                                      f"{ln.file}:{ln.line}: record #{seq} does not follow"
                                      f" record #{prev.get('seq')} before it: {missing}"
                                      " removed here", seq)
            else:
                problem = None
            if problem is not None:
                result.problem = problem
                return result
            if result.first_seq is None:
                result.first_seq = seq
            prev = rec
            result.records += 1
        if prev is not None:
            result.head_seq, result.head_hash = prev["seq"], prev["hash"]
        result.problem = self._check_head(entries, prev, result)
        return result

    def _check_start(self, ln: _Line, rec: dict[str, Any],
                     checkpoints: list[dict[str, Any]]) -> Problem | None:
        seq = rec.get("seq")
        if seq == 1 and rec.get("prev_hash") == GENESIS:
            return None
        if checkpoints:
            cp = checkpoints[-1].get("details") or {}
            if (cp.get("last_pruned_hash") == rec.get("prev_hash")
                    and cp.get("pruned_through_seq") == (seq or 0) - 1):
                return None
            return Problem("removed", ln.file, ln.line,
                           f"{ln.file}:{ln.line}: the log starts at record #{seq}, but the last"
                           f" prune checkpoint (record #{checkpoints[-1].get('seq')}) pruned"
                           f" through #{cp.get('pruned_through_seq')}: records before it were"
                           " removed", seq)
        return Problem("removed", ln.file, ln.line,
                       f"{ln.file}:{ln.line}: the log starts at record #{seq} with no prune"
                       " checkpoint naming what came before: records before it were removed",
                       seq)

    def _check_head(self, entries: list[_Line], last: dict[str, Any] | None,
                    result: VerifyResult) -> Problem | None:
        head = self.read_head()
        if head is None:
            if last is not None:
                result.warnings.append(f"{self.label}/{HEAD_NAME} is missing: records cut"
                                       " from the end of the log cannot be detected")
            return None
        where_file = entries[-1].file if entries else f"{self.label}/{head.get('file', '?')}"
        where_line = entries[-1].line + 1 if entries else 1
        if "error" in head or not isinstance(head.get("seq"), int):
            return Problem("head", f"{self.label}/{HEAD_NAME}", 1,
                           f"{self.label}/{HEAD_NAME} is damaged: {head.get('error', 'no seq')}")
        last_seq = last["seq"] if last else 0
        if head["seq"] > last_seq:
            return Problem("truncated", where_file, where_line,
                           f"{where_file}:{where_line}: the log ends at record #{last_seq} but"
                           f" {HEAD_NAME} names record #{head['seq']}: the newest"
                           f" {head['seq'] - last_seq} record(s) were removed", last_seq + 1)
        for ln in entries:
            if ln.record is not None and ln.record.get("seq") == head["seq"]:
                if ln.record.get("hash") != head.get("hash"):
                    return Problem("head", ln.file, ln.line,
                                   f"{ln.file}:{ln.line}: record #{head['seq']} is not the one"
                                   f" {HEAD_NAME} names (its hash differs): the log was"
                                   " rewritten", head["seq"])
                break
        if head["seq"] < last_seq:
            result.warnings.append(f"{HEAD_NAME} names record #{head['seq']}, the log goes on"
                                   f" to #{last_seq} (a write was interrupted before the head"
                                   " was updated)")
        return None

    # ------------------------------------------------------------------ retention

    def prune(self, expired: Callable[[dict[str, Any]], bool],
              checkpoint: Callable[[dict[str, Any]], dict[str, Any]],
              dry_run: bool = False) -> PruneResult:
        """Remove the oldest records while they are all expired, keeping the rest verifiable.

        Only a prefix of the chain is removed: the first record that must be kept holds back
        every record after it. A checkpoint record (built by ``checkpoint(details)``, action
        ``audit.prune``) is appended first, naming the last pruned record's ``seq`` and
        ``hash``; :meth:`verify` accepts a log that starts right after it.
        """
        with self.lock():
            check = self.verify()
            if check.problem is not None:
                raise CheckFailed(f"the audit log is not intact, so nothing was pruned:"
                                  f" {check.problem.message}",
                                  hint="`sdd audit verify` shows the problem")
            entries = [ln for ln in self.lines() if ln.record is not None]
            count = 0
            for ln in entries:
                assert ln.record is not None
                if not expired(ln.record):
                    break
                count += 1
            result = PruneResult(pruned=count, kept=len(entries) - count)
            result.held_back = sum(1 for ln in entries[count:]
                                   if ln.record is not None and expired(ln.record))
            if count == 0:
                return result
            last = entries[count - 1].record
            assert last is not None
            result.through_seq, result.last_pruned_hash = last["seq"], last["hash"]
            per_file: dict[str, int] = {}
            for ln in entries[:count]:
                per_file[ln.file] = per_file.get(ln.file, 0) + 1
            if dry_run:
                result.files_removed = [f for f, n in per_file.items()
                                        if n == sum(1 for e in entries if e.file == f)]
                return result
            details = {"pruned_through_seq": last["seq"], "last_pruned_hash": last["hash"],
                       "pruned_count": count, "first_pruned_seq": entries[0].record["seq"]
                       if entries[0].record else None,
                       "oldest_pruned": entries[0].record.get("timestamp")
                       if entries[0].record else None,
                       "newest_pruned": last.get("timestamp")}
            result.checkpoint = self._append_locked(checkpoint(details))
            result.kept += 1
            self._drop_lines(per_file, result)
            return result

    def _drop_lines(self, per_file: dict[str, int], result: PruneResult) -> None:
        from sdd_core.storage import atomic_write

        for path in self.files():
            n = per_file.get(self._where(path), 0)
            if n == 0:
                continue
            data = path.read_bytes()
            lines = data.split(b"\n")
            rest = b"\n".join(lines[n:])
            if rest.strip(b"\n") == b"":
                path.unlink()
                result.files_removed.append(self._where(path))
            else:
                atomic_write(path, rest)
        _fsync_dir(self.directory)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)
