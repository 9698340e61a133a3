"""Shared fixtures: one thread everywhere, the shared benchmark data, small generated graphs, the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("GRAPHGUARD_THREADS", "1")

from graphguard.utils import set_threads  # noqa: E402

set_threads(1)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """``$GRAPHGUARD_DATA`` or ``../shared/data``; tests on real data are skipped without it."""
    from graphguard.data import data_root

    root = data_root()
    if root is None:
        pytest.skip("real benchmark data not found (set GRAPHGUARD_DATA)")
    return root


@pytest.fixture(scope="session")
def fraud_graph():
    from graphguard.data.synthetic import make_fraud_graph

    return make_fraud_graph(num_nodes=1500, seed=0)


@pytest.fixture(scope="session")
def hetero_fraud_graph():
    from graphguard.data.synthetic import make_hetero_fraud_graph

    return make_hetero_fraud_graph(num_nodes=1500, seed=0)


@pytest.fixture
def cli():
    """``cli(*args, ok=True)`` runs ``python -m graphguard ARGS`` in a subprocess; ``ok`` asserts exit code 0."""
    def run(*args, ok=True):
        r = subprocess.run([sys.executable, "-m", "graphguard", *map(str, args)], capture_output=True, text=True,
                           timeout=300)
        if ok:
            assert r.returncode == 0, r.stderr
        return r

    return run
