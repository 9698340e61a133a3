"""Job files: every kind of mistake is reported with its key and its line, in one message."""

from __future__ import annotations

import pytest

from graphguard.errors import ConfigError
from graphguard.workflow.job import load_job, parse_job

GOOD = """\
name: fraud
task: node_classification
data:
  path: export
target:
  property: is_fraud
"""


def _error(text: str) -> str:
    with pytest.raises(ConfigError) as e:
        parse_job(text, "job.yaml")
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith("job.yaml: ")
    return msg


def test_valid_job_gets_defaults():
    job = parse_job(GOOD, "job.yaml")
    assert job.spec.metric == "auprc" and job.spec.budget.trials == 10 and job.spec.model.candidates == ["graphgbm"]
    assert job.line_of(("target", "property")) == 6
    assert job.digest() == parse_job(GOOD + "# a comment\n", "job.yaml").digest()


def test_yaml_syntax_error_names_the_line():
    assert "line 3: YAML syntax error" in _error("name: a\ntask: [node_classification\ndata: {path: x}\n")


def test_unknown_keys_with_suggestions():
    msg = _error(GOOD.replace("  path: export\n", "  path: export\n  fromat: npz\n") + "budgett: {trials: 2}\n")
    assert "2 mistakes" in msg
    assert "line 5: data.fromat: unknown key 'fromat' (did you mean 'format'?)" in msg
    assert "line 8: budgett: unknown key 'budgett' (did you mean 'budget'?)" in msg


def test_missing_required_key_points_at_parent():
    msg = _error("name: fraud\ntask: node_classification\ndata:\n  format: npz\n")
    assert "line 3: data.path: required key is missing" in msg


def test_wrong_values_each_reported():
    text = GOOD + "budget:\n  trials: 0\nsplit: {train: 0.5, val: 0.2, test: 0.2}\nfeatures:\n  overrides:\n" \
                  "    age: numerc\n    bio: {kind: text, dim: 1}\n"
    msg = _error(text.replace("node_classification", "node_clasification"))
    assert "5 mistakes" in msg
    assert "line 2: task: Input should be 'node_classification'" in msg and "(got 'node_clasification')" in msg
    assert "line 8: budget.trials: Input should be greater than or equal to 1 (got 0)" in msg
    assert "line 9: split: train + val + test must be 1, got 0.9" in msg
    assert "line 12: features.overrides.age.kind:" in msg and "(got 'numerc')" in msg
    assert "line 13: features.overrides.bio.dim:" in msg


def test_wrong_type_of_section():
    assert "line 4: data.path: Input should be a valid string" in _error(GOOD.replace("path: export", "path: [1, 2]"))


def test_cross_field_mistakes():
    assert "line 7: metric: 'mrr' does not fit task node_classification" in _error(GOOD + "metric: mrr\n")
    no_target = "name: fraud\ntask: node_classification\ndata: {path: x}\n"
    assert "target.property: a node_classification job must name the property to predict" in _error(no_target)


def test_duplicate_key():
    assert "line 7: name: key given twice" in _error(GOOD + "name: other\n")


def test_unknown_detector_and_orphan_params():
    msg = _error(GOOD + "model:\n  candidates: [graphgbm, xgbgrap]\n  params:\n    rfgraph: {n_estimators: 5}\n")
    assert "line 8: model.candidates.1: unknown detector 'xgbgrap' (did you mean 'xgbgraph'?)" in msg
    assert "line 10: model.params.rfgraph: parameters for 'rfgraph', which is not among model.candidates" in msg


def test_unknown_detector_parameter_is_reported_not_ignored():
    """It used to be dropped silently while metrics.json listed it among the parameters used."""
    msg = _error(GOOD + "model:\n  candidates: [xgbgraph]\n  params:\n    xgbgraph: {bogus: 1, n_estimators: 5}\n")
    assert "line 10: model.params.xgbgraph.bogus: unknown parameter of detector 'xgbgraph'" in msg


def test_make_detector_names_an_unknown_parameter():
    from graphguard.tasks.node import make_detector

    with pytest.raises(ConfigError, match=r"detector 'graphgbm-stack' has no parameter 'bogus' \(its parameters: stack, "
                                          r"num_hops, n_estimators"):
        make_detector("graphgbm-stack", bogus=1)
    assert make_detector("graphgbm-stack", num_leaves=7).num_leaves == 7  # a parent's parameter through **kwargs


def test_empty_and_non_mapping_files():
    assert "the job file is empty" in _error("")
    assert "must be a mapping" in _error("- a\n- b\n")


def test_missing_data_path_names_line(tmp_path):
    p = tmp_path / "job.yaml"
    p.write_text(GOOD)
    with pytest.raises(ConfigError, match=r"job.yaml: line 4: data.path: 'export' not found"):
        load_job(p)


def test_cli_prints_one_line_and_exits_2(tmp_path, cli):
    p = tmp_path / "bad.yaml"
    p.write_text(GOOD + "budget: {trials: many}\n")
    r = cli("run", p, ok=False)
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0
    assert "line 7: budget.trials: Input should be a valid integer" in r.stderr


def test_a_directory_given_as_the_job_is_named_as_one(tmp_path):
    """`graphguard run runs/fraud` (the run folder, not the YAML) said "job file not found" of a path that exists."""
    with pytest.raises(ConfigError, match=r"is a directory; give the job's YAML file"):
        load_job(tmp_path)
