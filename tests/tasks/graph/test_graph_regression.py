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
    assert "regression" in r.stdout
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
