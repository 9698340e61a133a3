"""``graphguard run --json``: the run's folder, report and metrics as one JSON object, as the other commands that
print results offer."""

import json


def test_run_json_names_the_run_dir_report_and_metrics(job_file, tmp_path, cli):
    r = cli("run", job_file(), "--out", tmp_path / "run", "--json", "-q")
    res = json.loads(r.stdout)
    assert res["run_dir"] == str(tmp_path / "run") and res["report"] == str(tmp_path / "run" / "report.html")
    assert res["metrics"] == json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert 0.5 < res["metrics"]["test"]["auroc"] <= 1 and r.stderr == ""
