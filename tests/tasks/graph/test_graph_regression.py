"""Graph regression: a computed molecular property (RDKit's Crippen logP) learned from SMILES."""

import json

import numpy as np
import pytest

from graphguard.errors import DataError

pytest.importorskip("rdkit")

from graphguard.data.synthetic import make_logp_molecules as _molecules


def _csv(path, rows, header="smiles,logp"):
    path.write_text(header + "\n" + "\n".join(f"{s},{v:.4f}" for s, v in rows) + "\n")
    return path


@pytest.fixture
def logp_csvs(tmp_path):
    rows = _molecules()
    return _csv(tmp_path / "train.csv", rows[:128]), _csv(tmp_path / "test.csv", rows[128:])


def test_cli_detects_regression_and_fingerprint_trees_fit_logp(logp_csvs, tmp_path, cli):
    train, test = logp_csvs
    r = cli("graph", "train", "--data", train, "--model", "fingerprint", "-o", tmp_path / "m", "-q")
    assert "(fingerprint, regression, on " in r.stdout  # the name given; it said FingerprintClassifier
    assert "Classifier" not in r.stdout
    m = json.loads(cli("graph", "evaluate", "--data", test, "--model-dir", tmp_path / "m", "--json", "-q").stdout)
    assert set(m) == {"n_graphs", "rmse", "mae", "r2"} and m["n_graphs"] == 32
    assert m["r2"] >= 0.7, m
    lines = cli("graph", "predict", "--data", test, "--model-dir", tmp_path / "m", "--json", "-q").stdout.splitlines()
    first = json.loads(lines[0])
    assert len(lines) == 32 and isinstance(first["prediction"], float) and "score" not in first


def test_gnn_and_wl_regressors_fit_logp(logp_csvs, tmp_path):
    from graphguard.data.smiles import read_smiles_csv
    from graphguard.tasks.graph.base import GraphEstimator, graph_labels
    from graphguard.tasks.graph.protocols import regression_metrics
    from graphguard.tasks.graph.registry import make_estimator

    train, test = (read_smiles_csv(p) for p in logp_csvs)
    assert train.task == "regression"
    y_test = graph_labels(test)
    for name, kw, floor in (("gin", dict(epochs=60, hidden=32, layers=3, dropout=0.0), 0.7),
                            ("wl", dict(iterations=2), 0.6)):
        est = make_estimator(name, task="regression", **kw).fit(train)
        if name == "gin":
            assert type(est).__name__ == "GNNGraphRegressor"
        m = regression_metrics(y_test, est.predict(test))
        assert m["r2"] >= floor, (name, m)
        est.save(tmp_path / name)
        again = GraphEstimator.load(tmp_path / name)
        assert type(again) is type(est)
        assert np.allclose(again.predict(test), est.predict(test), atol=1e-4)
        with pytest.raises(Exception, match="only defined for classification"):
            est.predict_proba(test)


def test_regression_target_errors(tmp_path):
    from graphguard.data.smiles import read_smiles_csv

    words = tmp_path / "words.csv"
    words.write_text("smiles,logp\nCCO,-0.3\nCCCC,high\n")
    with pytest.raises(DataError, match=r"row 3: label 'logp' is not a number \('high'\)"):
        read_smiles_csv(words)
    with pytest.raises(DataError, match="is not a number"):
        read_smiles_csv(words, task="regression")
    floats = _csv(tmp_path / "floats.csv", [("CCO", -0.31), ("CCCC", 1.8)])
    with pytest.raises(DataError, match="non-integer values; use --task regression"):
        read_smiles_csv(floats, task="classification")
    ints = _csv(tmp_path / "ints.csv", [("CCO", 1), ("CCCC", 0)])
    assert read_smiles_csv(ints).task == "classification"
    assert read_smiles_csv(ints, task="regression").task == "regression"


def _strict(text: str):
    """JSON as a strict reader (a browser, the server) parses it: the bare tokens NaN and Infinity are refused."""
    def refuse(token):
        raise AssertionError(f"bare {token} in the JSON output")

    return json.loads(text, parse_constant=refuse)


def test_evaluate_on_one_graph_writes_r2_as_null_and_says_why(logp_csvs, tmp_path, cli):
    """R² of a single graph divides by a zero spread: --json printed the bare token NaN, the text line 'r2 nan'."""
    train, test = logp_csvs
    one = _csv(tmp_path / "one.csv", _molecules()[128:129])
    cli("graph", "train", "--data", train, "--model", "fingerprint", "-o", tmp_path / "m", "-q")
    m = _strict(cli("graph", "evaluate", "--data", one, "--model-dir", tmp_path / "m", "--json", "-q").stdout)
    assert m["n_graphs"] == 1 and m["r2"] is None and m["rmse"] >= 0
    text = cli("graph", "evaluate", "--data", one, "--model-dir", tmp_path / "m", "-q").stdout
    assert "r2 undefined (constant target)" in text and "nan" not in text


def test_constant_targets_leave_r2_undefined_not_zero():
    """scikit-learn reports 0.0 (or 1.0) for equal targets, as if R² had been measured."""
    from graphguard.tasks.graph.protocols import regression_metrics

    m = regression_metrics([2.0, 2.0, 2.0], [1.0, 2.0, 3.0])
    assert np.isnan(m["r2"]) and m["mae"] == pytest.approx(2 / 3)


def test_evaluate_of_a_model_whose_weights_went_nan_is_one_line(logp_csvs, tmp_path, cli, poison_weights):
    train, test = logp_csvs
    model = tmp_path / "gin"
    cli("graph", "train", "--data", train, "--model", "gin", "--epochs", "2", "--hidden", "8", "-o", model, "-q")
    poison_weights(model)
    r = cli("graph", "evaluate", "--data", test, "--model-dir", model, "--json", "-q", ok=False)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.strip() == (f"error: {model}: the model's scores are not finite: 32 of 32 are NaN or inf "
                                "(diverged weights?); no metric can be computed from them")
