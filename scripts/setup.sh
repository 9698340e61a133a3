#!/usr/bin/env bash
# Install graphguard and its dependencies into the current Python (idempotent; fast when done).
# torch is pinned and installed first so that pip takes the CPU wheel instead of a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if ! $PY -c "import torch, sys; sys.exit(0 if torch.__version__.startswith('2.13.0') else 1)" 2>/dev/null; then
  $PY -m pip install -q torch==2.13.0
fi
if ! $PY -c "import graphguard, torch_geometric, xgboost, lightgbm, rdkit, fastapi, pytest" 2>/dev/null \
   || [ pyproject.toml -nt "$($PY -c 'import graphguard,os;print(os.path.dirname(graphguard.__file__))' 2>/dev/null || echo /nonexistent)" ]; then
  $PY -m pip install -q -e '.[dev]'
fi
