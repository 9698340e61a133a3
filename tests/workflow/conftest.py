"""Fixtures of the workflow tests: a small generated Neptune export and job files around it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def make_export(out: Path, num_accounts: int = 600, seed: int = 3) -> Path:
    spec = importlib.util.spec_from_file_location("make_fraud_export", EXAMPLES / "make_fraud_export.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.make_export(out, num_accounts=num_accounts, seed=seed)


FAST_JOB = """\
name: small
task: node_classification
data: {path: export, format: neptune}
target: {node_type: account, property: is_fraud}
model:
  candidates: [xgbgraph]
  params: {xgbgraph: {n_estimators: 40}}
budget: {trials: TRIALS}
report: {top_k: 10, ego_networks: 1}
"""


@pytest.fixture(scope="session")
def fast_job() -> str:
    """A job file text with ``TRIALS`` to fill in: one fast detector on the generated export."""
    return FAST_JOB


@pytest.fixture(scope="session")
def export_dir(tmp_path_factory) -> Path:
    return make_export(tmp_path_factory.mktemp("neptune") / "export")


@pytest.fixture
def job_file(export_dir, tmp_path):
    """Write a fast job next to a link to the shared export; returns a function(trials=1, text=None)."""

    def write(trials: int = 1, text: str | None = None, name: str = "job.yaml") -> Path:
        link = tmp_path / "export"
        if not link.exists():
            link.symlink_to(export_dir, target_is_directory=True)
        p = tmp_path / name
        p.write_text(text if text is not None else FAST_JOB.replace("TRIALS", str(trials)))
        return p

    return write
