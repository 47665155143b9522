"""Render Mermaid diagrams in headless Chromium with the npm ``mermaid`` package.

A page served on 127.0.0.1 loads ``mermaid.min.js`` and, for every diagram, calls
``mermaid.parse`` and ``mermaid.render``; it writes the outcome of each as JSON into the
DOM, which ``chromium --dump-dom`` prints. No network beyond the loopback is used.

Chromium is Debian's ``/usr/bin/chromium``; Mermaid is installed by
``.ci/browser-setup.sh`` into ``tests/js/node_modules``. When either is missing the tests
are skipped locally, and fail when ``CI`` is set (CI installs both).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
MERMAID_JS = HERE / "js" / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio",
]


def chromium() -> str | None:
    """The Chromium executable, or ``None``."""
    for name in (os.environ.get("SDD_CHROMIUM"), "/usr/bin/chromium", "chromium",
                 "chromium-browser"):
        if name and (found := shutil.which(name)):
            return found
    return None


def mermaid_js() -> Path | None:
    """Mermaid's browser bundle from the test folder's ``node_modules``, or ``None``."""
    env = os.environ.get("SDD_MERMAID_JS")
    for path in ([Path(env)] if env else []) + [MERMAID_JS]:
        if path.is_file():
            return path
    return None


def require_browser() -> tuple[str, Path]:
    """Chromium and Mermaid, or skip (fail under CI) naming what is missing."""
    exe, js = chromium(), mermaid_js()
    missing = []
    if exe is None:
        missing.append("chromium (apt-get install chromium)")
    if js is None:
        missing.append(f"the mermaid npm package ({MERMAID_JS}; run .ci/browser-setup.sh)")
    if missing:
        message = "browser test needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message + " — CI must install them")
        pytest.skip(message)
    assert exe is not None and js is not None
    return exe, js


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 (a free port) for the block; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def run_chromium(exe: str, args: list[str], timeout: float = 120) -> str:
    """Run headless Chromium with a throw-away profile; returns stdout."""
    with tempfile.TemporaryDirectory(prefix="sdd-chromium-") as profile:
        proc = subprocess.run(
            [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
            check=False, capture_output=True, text=True, timeout=timeout,
        )
    if proc.returncode != 0:
        raise AssertionError(f"chromium exited {proc.returncode}: {proc.stderr[-2000:]}")
    return proc.stdout


PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>pending</title></head>
<body>
<script type="application/json" id="cases">{cases}</script>
<pre id="results"></pre>
<script src="mermaid.min.js"></script>
<script>
(async function () {{
  var out = {{}};
  try {{
    mermaid.initialize({{startOnLoad: false, securityLevel: 'strict'}});
    var cases = JSON.parse(document.getElementById('cases').textContent);
    var names = Object.keys(cases);
    for (var i = 0; i < names.length; i++) {{
      var name = names[i];
      try {{
        var parsed = await mermaid.parse(cases[name]);
        var r = await mermaid.render('d' + i, cases[name]);
        var box = document.createElement('div');
        box.innerHTML = r.svg;
        box.querySelectorAll('style').forEach(function (e) {{ e.remove(); }});
        out[name] = {{ok: true, type: parsed && parsed.diagramType,
                     svg: r.svg.length, text: box.textContent}};
      }} catch (e) {{
        out[name] = {{ok: false, error: String(e && e.message ? e.message : e)}};
      }}
    }}
  }} catch (e) {{
    out.__page__ = {{ok: false, error: String(e)}};
  }}
  document.getElementById('results').textContent = JSON.stringify(out);
  document.title = 'done';
}})();
</script>
</body></html>
"""


def render(diagrams: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Parse and render every diagram; returns ``{name: {ok, type, svg, text} | {ok, error}}``.

    ``text`` is the rendered SVG's text content (what a reader sees in the labels).
    """
    exe, js = require_browser()
    with tempfile.TemporaryDirectory(prefix="sdd-mermaid-page-") as tmp:
        folder = Path(tmp)
        shutil.copyfile(js, folder / "mermaid.min.js")
        cases = json.dumps(diagrams).replace("</", "<\\/")
        (folder / "index.html").write_text(PAGE.format(cases=cases), encoding="utf-8")
        with serve(folder) as base:
            dom = run_chromium(exe, ["--virtual-time-budget=60000", "--dump-dom",
                                     base + "index.html"])
    m = re.search(r'<pre id="results">(.*?)</pre>', dom, re.DOTALL)
    assert m and m.group(1), f"the test page produced no results: {dom[-2000:]}"
    results: dict[str, dict[str, Any]] = json.loads(html.unescape(m.group(1)))
    assert "__page__" not in results, results.get("__page__")
    return results
