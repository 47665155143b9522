#!/usr/bin/env bash
# CI: what the browser tests need and pip cannot install: Debian's Chromium, and the npm
# `mermaid` package (the version pinned in plugins/sdd-mermaid/tests/js/package.json).
# Idempotent; run as root. The tests skip without these locally and fail without them in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v npm >/dev/null 2>&1 || need+=(npm)
# CJK glyphs, so the screenshots show Korean titles instead of boxes.
[ -d /usr/share/fonts/opentype/noto ] || need+=(fonts-noto-cjk)
if [ ${#need[@]} -gt 0 ]; then
    echo "CI: apt-get install ${need[*]}"
    apt-get update -qq
    apt-get install -y -qq "${need[@]}" >/dev/null
fi
js=plugins/sdd-mermaid/tests/js
if [ ! -f "$js/node_modules/mermaid/dist/mermaid.min.js" ]; then
    echo "CI: npm install (mermaid) in $js"
    (cd "$js" && npm install --no-audit --no-fund --no-package-lock --loglevel=error)
fi
echo "CI: browser tests ready: $(chromium --version 2>/dev/null || echo 'chromium ?'),"\
     "mermaid $(node -p "require('./$js/node_modules/mermaid/package.json').version" 2>/dev/null || echo '?')"
