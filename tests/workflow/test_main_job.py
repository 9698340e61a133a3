"""The README's main job: the shipped fraud export, run end to end through the CLI as a user would."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_first_command_is_the_fraud_flow():
    readme = (ROOT / "README.md").read_text()
    first = re.search(r"```bash\n(.*?)\n", readme).group(1)
    assert "graphguard run examples/fraud.yaml" in first and "graphguard report runs/fraud" in first


def test_main_job_runs_and_reports(tmp_path):
    out = tmp_path / "runs" / "fraud"
    cli = [sys.executable, "-m", "graphguard"]
    r = subprocess.run([*cli, "run", str(ROOT / "examples" / "fraud.yaml"), "--out", str(out), "--quiet"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    metrics = json.loads((out / "metrics.json").read_text())
    test = metrics["test"]
    assert test["auroc"] > 0.9 and test["auprc"] > 0.5, test  # planted fraud in the shipped export is learnable
    (out / "report.html").unlink()
    r = subprocess.run([*cli, "report", str(out)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    html = (out / "report.html").read_text()
    assert "alt='ROC curve'" in html and "<script" not in html.lower()
