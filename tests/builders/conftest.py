"""Helpers for builder tests: run the CLI in a subprocess."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.fixture
def cli():
    def run(*args, ok=True):
        r = subprocess.run([sys.executable, "-m", "graphguard", *map(str, args)], capture_output=True, text=True,
                           timeout=300)
        if ok:
            assert r.returncode == 0, r.stderr
        return r

    return run
