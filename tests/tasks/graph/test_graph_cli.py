import json

import pytest

AROMATIC = ["c1ccccc1", "c1ccncc1", "c1ccc2ccccc2c1", "Cc1ccccc1", "Oc1ccccc1", "c1ccoc1", "Nc1ccccc1", "c1cnccn1",
            "Clc1ccccc1", "c1ccsc1"]
ALIPHATIC = ["CCO", "CCCC", "CC(C)O", "CCN", "C1CCCCC1", "CCCCO", "CC(=O)O", "CCOC", "CCCCCC", "CC(C)C"]


@pytest.fixture
def mol_csv(tmp_path):
    rows = [f"{s},1" for s in AROMATIC] + [f"{s},0" for s in ALIPHATIC]
    rows.insert(5, "C1CC(,1")  # line 7 of the file
    p = tmp_path / "mols.csv"
    p.write_text("smiles,aromatic\n" + "\n".join(rows) + "\n")
    return p


def test_bench_json_contract_on_mutag(data_dir, cli):
    r = cli("graph", "bench", "--data", data_dir / "mutag", "--model", "wl", "--folds", "3", "--json", "-q")
    res = json.loads(r.stdout)
    assert list(res) == ["accuracy", "accuracy_std", "roc_auc", "roc_auc_std"]
    assert res["accuracy"] >= 0.8 and res["roc_auc"] >= 0.85 and 0 <= res["accuracy_std"] < 0.15


def test_bench_wl_kernel_svm_on_mutag_keeps_the_contract_and_floor(data_dir, cli):
    # measured 0.888 +- 0.055 at 10 folds (bench/results/graph_mutag.json), 0.846 at these 5 folds
    r = cli("graph", "bench", "--data", data_dir / "mutag", "--model", "wl-svm", "--folds", "5", "--json", "-q")
    res = json.loads(r.stdout)
    assert list(res) == ["accuracy", "accuracy_std", "roc_auc", "roc_auc_std"]
    assert res["accuracy"] >= 0.82 and res["roc_auc"] >= 0.9


def test_train_evaluate_predict_on_a_smiles_csv(mol_csv, tmp_path, cli):
    r = cli("graph", "train", "--data", mol_csv, "--model", "gin", "--epochs", "2", "-o", tmp_path / "m", ok=False)
    assert r.returncode == 2 and "row 7: RDKit cannot parse SMILES 'C1CC('" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    cli("graph", "train", "--data", mol_csv, "--model", "fingerprint", "--skip-invalid", "-o", tmp_path / "m", "-q")
    r = cli("graph", "evaluate", "--data", mol_csv, "--model-dir", tmp_path / "m", "--skip-invalid", "--json", "-q")
    m = json.loads(r.stdout)
    assert m["n_graphs"] == 20 and m["accuracy"] >= 0.9
    out = tmp_path / "pred.csv"
    cli("graph", "predict", "--data", mol_csv, "--model-dir", tmp_path / "m", "--skip-invalid", "-o", out, "-q")
    import pandas as pd

    df = pd.read_csv(out)
    assert len(df) == 20 and 7 not in df["row"].tolist() and set(df["prediction"]) <= {0, 1}
    assert df.loc[df["smiles"] == "c1ccccc1", "prediction"].item() == 1


def _write_tu_subset(src, out, keep):
    """MUTAG's graphs ``keep`` (0-based) as a TU folder ``out`` named X, node ids renumbered."""
    import numpy as np

    def load(s):
        return np.loadtxt(src / f"MUTAG_{s}.txt", delimiter=",", dtype=int)

    gi, A, gl, nl, el = (load(s) for s in ("graph_indicator", "A", "graph_labels", "node_labels", "edge_labels"))
    nodes = np.isin(gi, np.asarray(keep) + 1)
    newid, gmap = np.cumsum(nodes), {g + 1: i + 1 for i, g in enumerate(keep)}
    em = nodes[A[:, 0] - 1]
    out.mkdir()
    np.savetxt(out / "X_graph_indicator.txt", [gmap[g] for g in gi[nodes]], fmt="%d")
    np.savetxt(out / "X_A.txt", np.stack([newid[A[em, 0] - 1], newid[A[em, 1] - 1]], 1), fmt="%d", delimiter=", ")
    np.savetxt(out / "X_graph_labels.txt", gl[keep], fmt="%d")
    np.savetxt(out / "X_node_labels.txt", nl[nodes], fmt="%d")
    np.savetxt(out / "X_edge_labels.txt", el[em], fmt="%d")
    return out


def test_evaluate_a_one_class_tu_subset_with_the_training_encoding(data_dir, tmp_path):
    # the label ids and one-hot columns of a subset are the training folder's: positives stay class 1,
    # and the negatives (no node label 4) still give 7 node features
    import numpy as np
    from typer.testing import CliRunner

    from graphguard.cli import app

    gl = np.loadtxt(data_dir / "mutag" / "MUTAG_graph_labels.txt", dtype=int)
    pos = _write_tu_subset(data_dir / "mutag", tmp_path / "pos", np.flatnonzero(gl == 1).tolist())
    neg = _write_tu_subset(data_dir / "mutag", tmp_path / "neg", np.flatnonzero(gl == -1).tolist())
    runner, model = CliRunner(), tmp_path / "m"
    r = runner.invoke(app, ["graph", "train", "--data", str(data_dir / "mutag"), "--model", "wl", "-o", str(model), "-q"])
    assert r.exit_code == 0, r.output
    for sub in (pos, neg):
        r = runner.invoke(app, ["graph", "evaluate", "--data", str(sub), "--model-dir", str(model), "--json", "-q"])
        assert r.exit_code == 0, r.exception
        assert json.loads(r.stdout)["accuracy"] >= 0.9
    r = runner.invoke(app, ["graph", "predict", "--data", str(neg), "--model-dir", str(model), "-q"])
    assert r.exit_code == 0 and set(r.stdout.splitlines()[1:][0].split(",")[1:2]) <= {"-1", "1"}


def test_predict_on_a_smiles_csv_needs_no_label_and_keeps_the_name(mol_csv, tmp_path):
    import pandas as pd
    from typer.testing import CliRunner

    from graphguard.cli import app

    runner, model = CliRunner(), tmp_path / "m"
    r = runner.invoke(app, ["graph", "train", "--data", str(mol_csv), "--model", "fingerprint", "--skip-invalid",
                            "-o", str(model), "-q"])
    assert r.exit_code == 0, r.output
    new = tmp_path / "new.csv"
    new.write_text("smiles,name\nc1ccccc1,benzene\nCCCC,butane\n")  # 'name' is text: not a label
    r = runner.invoke(app, ["graph", "predict", "--data", str(new), "--model-dir", str(model), "-o",
                            str(tmp_path / "p.csv"), "-q"])
    assert r.exit_code == 0, r.exception
    df = pd.read_csv(tmp_path / "p.csv")
    assert df["name"].tolist() == ["benzene", "butane"] and df["prediction"].tolist() == [1, 0]


def test_train_out_refuses_a_folder_that_is_not_a_model_and_saves_again_over_its_own(mol_csv, tmp_path, cli):
    project = tmp_path / "project"
    project.mkdir()
    (project / "config.json").write_text('{"project": "mine"}')
    r = cli("graph", "train", "--data", tmp_path / "not-read.csv", "-o", project, ok=False)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert f"{project}: is a folder with other files and not a graphguard model directory" in r.stderr
    assert [f.name for f in project.iterdir()] == ["config.json"]
    from graphguard.data.smiles import read_smiles_csv  # an earlier model, saved through the API (no 2nd process)
    from graphguard.tasks.graph import FingerprintClassifier

    FingerprintClassifier().fit(read_smiles_csv(mol_csv, skip_invalid=True)).save(tmp_path / "m")
    cli("graph", "train", "--data", mol_csv, "--model", "fingerprint", "--skip-invalid", "-o", tmp_path / "m", "-q")
    assert json.loads((tmp_path / "m" / "config.json").read_text())["class"] == "FingerprintClassifier"


def test_evaluate_of_a_classifier_whose_weights_went_nan_is_one_line(mol_csv, tmp_path, cli, poison_weights):
    """roc_auc_score raised scikit-learn's multi-line 'Input contains NaN' from inside `graph evaluate`."""
    model = tmp_path / "gin"
    cli("graph", "train", "--data", mol_csv, "--model", "gin", "--epochs", "2", "--hidden", "8", "--skip-invalid",
        "-o", model, "-q")
    poison_weights(model)
    r = cli("graph", "evaluate", "--data", mol_csv, "--model-dir", model, "--skip-invalid", "--json", "-q", ok=False)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert f"{model}: the model's scores are not finite: 20 of 20 are NaN or inf" in r.stderr
