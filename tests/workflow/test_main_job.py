"""The README's main job: the shipped fraud export, run end to end through the CLI as a user would."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_first_command_is_the_fraud_flow():
    readme = (ROOT / "README.md").read_text()
    first = re.search(r"```bash\n(.*?)\n", readme).group(1)
    assert "graphguard run examples/fraud.yaml" in first and "graphguard report runs/fraud" in first


def test_main_job_runs_and_reports(tmp_path, cli):
    out = tmp_path / "runs" / "fraud"
    r = cli("run", ROOT / "examples" / "fraud.yaml", "--out", out, "--quiet", ok=False)
    assert r.returncode == 0, r.stderr[-2000:]
    metrics = json.loads((out / "metrics.json").read_text())
    test = metrics["test"]
    assert test["auroc"] > 0.9 and test["auprc"] > 0.5, test  # planted fraud in the shipped export is learnable
    (out / "report.html").unlink()
    r = cli("report", out, ok=False)
    assert r.returncode == 0, r.stderr[-2000:]
    html = (out / "report.html").read_text()
    assert "alt='ROC curve'" in html and "<script" not in html.lower()
