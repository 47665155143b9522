"""Benchmark the SDD server: GET /api/specs/{id} and GET /api/search?q= under load.

For 1,000 and 10,000 generated specs, on SQLite (embedded) and PostgreSQL (when
``SDD_TEST_POSTGRES_URL`` or ``--postgres URL`` is given), a real ``sdd server start`` runs on
loopback and an asyncio load generator (httpx.AsyncClient, 50 concurrent connections) sends
requests for a bounded time. Printed: requests per second, p50 and p99 latency, errors, and the
ratio against ``GET /api/health`` measured the same way in the same run (the baseline: the
server's cost without SDD's work).

    python bench/bench_server.py                 # 1k and 10k, ~10 s per measurement
    python bench/bench_server.py --sizes 10000 --duration 5 --postgres postgresql://...

Targets (issue): GET /api/specs/{id} >= 1,000 req/s with p99 < 100 ms and no errors.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from benchkit import SDD, child_env, speed_line


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _summary(latencies: list[float], errors: int, elapsed: float) -> dict[str, float]:
    latencies.sort()
    n = len(latencies)
    return {"requests": n, "rps": n / elapsed, "errors": errors,
            "p50_ms": 1000 * statistics.median(latencies) if n else 0.0,
            "p99_ms": 1000 * latencies[min(n - 1, int(n * 0.99))] if n else 0.0}


async def load_raw(url: str, paths: list[str], token: str, duration: float, concurrency: int
                   ) -> dict[str, float]:
    """Keep-alive HTTP/1.1 GETs over asyncio streams (a lean client, so the figures measure
    the server rather than the client's own overhead)."""
    host, port = url.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors = 0
    rng = random.Random(1)

    async def worker(stop: float) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while time.perf_counter() < stop:
                path = paths[rng.randrange(len(paths))]
                req = (f"GET {path} HTTP/1.1\r\nHost: {host}\r\n"
                       f"Authorization: Bearer {token}\r\n\r\n").encode()
                t0 = time.perf_counter()
                writer.write(req)
                await writer.drain()
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head.split(b" ", 2)[1])
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                await reader.readexactly(length)
                latencies.append(time.perf_counter() - t0)
                if status != 200:
                    errors += 1
        finally:
            writer.close()

    await worker(time.perf_counter() + 0.5)  # warm up caches
    latencies.clear()
    started = time.perf_counter()
    await asyncio.gather(*(worker(started + duration) for _ in range(concurrency)))
    return _summary(latencies, errors, time.perf_counter() - started)


async def load(url: str, paths: list[str], token: str, duration: float, concurrency: int
               ) -> dict[str, float]:
    """Send GETs for ``duration`` seconds from ``concurrency`` httpx connections."""
    import httpx

    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=10,
                                 headers={"Authorization": f"Bearer {token}"}) as client:
        rng = random.Random(1)
        # warm up: open the connections and the server's caches
        await asyncio.gather(*(client.get(paths[i % len(paths)]) for i in range(concurrency)))
        stop = time.perf_counter() + duration

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < stop:
                path = paths[rng.randrange(len(paths))]
                t0 = time.perf_counter()
                try:
                    r = await client.get(path)
                    if r.status_code != 200:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append(time.perf_counter() - t0)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return _summary(latencies, errors, elapsed)


def start(root: Path, db_url: str, workers: int, env: dict[str, str]) -> tuple[str, object]:
    import httpx

    port = free_port()
    log = open(root.parent / f"server-{port}.log", "wb")
    proc = subprocess.Popen([SDD, "-C", str(root), "server", "start", "--port", str(port),
                             "--database-url", db_url, "--workers", str(workers)],
                            env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: see {log.name}")
        try:
            if httpx.get(url + "/api/health", timeout=1).status_code == 200:
                return url, proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start")


def stop(proc: object) -> None:
    p: subprocess.Popen = proc  # type: ignore[assignment]
    p.send_signal(signal.SIGINT)
    try:
        p.wait(15)
    except subprocess.TimeoutExpired:
        p.kill()


def fresh_pg(base: str) -> tuple[str, str]:
    import psycopg

    name = "sdd_bench_" + secrets.token_hex(3)
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return base.rsplit("/", 1)[0] + "/" + name, name


def drop_pg(base: str, name: str) -> None:
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--duration", type=float, default=10.0)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--postgres", default=os.environ.get("SDD_TEST_POSTGRES_URL"))
    ap.add_argument("--client", choices=["raw", "httpx"], default="raw",
                    help="load generator: lean asyncio streams (default) or httpx.AsyncClient"
                         " (httpx's own overhead caps it at a few hundred req/s here)")
    ap.add_argument("--audit-views", action="store_true",
                    help="also record every view in the audit log (fsync per request)")
    args = ap.parse_args()

    from generate import generate

    env = child_env("server,review,rbac,audit",
                    SDD_SERVER_AUDIT_VIEWS="1" if args.audit_views else "0")
    backends = ["sqlite"] + (["postgresql"] if args.postgres else [])
    print(f"SDD server benchmark: {args.concurrency} connections, {args.duration:.0f} s per"
          f" measurement, {args.workers} worker(s), {args.client} client, audit of views "
          f"{'on' if args.audit_views else 'off'}")
    print(speed_line())
    print(f"{'specs':>6} {'db':<10} {'endpoint':<22} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}"
          f" {'errors':>6} {'vs health':>9}")
    for size in [int(s) for s in args.sizes.split(",")]:
        with tempfile.TemporaryDirectory(prefix="sdd-bench-server-") as tmp:
            root = Path(tmp) / "proj"
            generate(root, size, seed=1)
            ids = sorted(str(p.parent.relative_to(root / ".sdd/specs"))
                         for p in (root / ".sdd/specs").rglob("spec.md"))
            for backend in backends:
                pg_name = None
                if backend == "sqlite":
                    db_url = f"sqlite:///{root / '.sdd/.cache/server.db'}"
                else:
                    db_url, pg_name = fresh_pg(args.postgres)
                os.environ["SDD_LOAD_PLUGINS"] = env["SDD_LOAD_PLUGINS"]
                from sdd_server.db import Database
                from sdd_server.tokens import TokenStore

                db = Database(db_url)
                db.migrate()
                token, _ = TokenStore(db).create("bench", "org_admin")
                db.close()
                url, proc = start(root, db_url, args.workers, env)
                try:
                    words = ["token", "payment", "session", "report", "export", "limit"]
                    cases = [
                        ("GET /api/health", ["/api/health"]),
                        ("GET /api/specs/{id}", [f"/api/specs/{i}" for i in ids]),
                        ("GET /api/search?q=", [f"/api/search?q={w}" for w in words]),
                    ]
                    base = None
                    for name, paths in cases:
                        try:
                            gen = load_raw if args.client == "raw" else load
                            res = asyncio.run(gen(url, paths, token, args.duration,
                                                  args.concurrency))
                        except Exception:
                            for log in root.parent.glob("server-*.log"):
                                print(log.read_text()[-3000:], file=sys.stderr)
                            raise
                        if base is None:
                            base = res["rps"]
                        print(f"{size:>6} {backend:<10} {name:<22} {res['rps']:>8.0f}"
                              f" {res['p50_ms']:>8.1f} {res['p99_ms']:>8.1f}"
                              f" {res['errors']:>6} {res['rps'] / base:>9.2f}", flush=True)
                finally:
                    stop(proc)
                    if pg_name:
                        drop_pg(args.postgres, pg_name)


if __name__ == "__main__":
    main()
