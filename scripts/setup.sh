#!/usr/bin/env bash
# Install graphguard and its dependencies into the current Python (idempotent; fast when done).
# torch is pinned and installed first so that pip takes the CPU wheel instead of a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if ! $PY -c "import torch, sys; sys.exit(0 if torch.__version__.startswith('2.13.0') else 1)" 2>/dev/null; then
  $PY -m pip install -q torch==2.13.0
fi
stamp=.setup-stamp
here="$(pwd)/src"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] \
   || ! $PY -c "import graphguard, sys; sys.exit(0 if graphguard.__file__.startswith('$here') else 1)" 2>/dev/null; then
  $PY -m pip install -q -e '.[dev]' torch==2.13.0
  touch "$stamp"
fi
# Debian's chromium, for the report's real-browser test (optional: that test skips without it)
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1; }) \
    || echo "note: chromium not installed; the browser test of the report will be skipped"
fi
