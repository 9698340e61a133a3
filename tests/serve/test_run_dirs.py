"""A damaged or foreign run directory: serve, report and explain stop with one DataError naming the file."""

from __future__ import annotations

import pytest

from graphguard.errors import DataError


def _serve(run):
    from graphguard.serve.app import load_served

    load_served(run)


def _report(run):
    from graphguard.report import write_report

    write_report(run)


def _explain(run):
    from graphguard.explain import explain_node

    explain_node(run, "a")


DAMAGED = {
    "not JSON": ("{bad", "not valid JSON"),
    "no task": ('{"job": {"name": "x"}}', "job.task"),
    "unknown task": ('{"job": {"name": "x", "task": "clustering"}}', "'clustering'"),
    "not an object": ('{"job": [1]}', "job.task"),
}


@pytest.mark.parametrize("command", [_serve, _report, _explain], ids=["serve", "report", "explain"])
@pytest.mark.parametrize("damage", list(DAMAGED))
def test_damaged_config_is_one_line_naming_it(tmp_path, command, damage):
    text, needle = DAMAGED[damage]
    (tmp_path / "config.json").write_text(text)
    for name in ("metrics.json", "predictions.csv"):
        (tmp_path / name).write_text("{}")
    (tmp_path / "model").mkdir()
    with pytest.raises(DataError) as e:
        command(tmp_path)
    assert "config.json" in str(e.value) and needle in str(e.value) and "\n" not in str(e.value)
