"""Quality floors on real data, kept quick: one fold of MUTAG for GIN, one scaffold split of BBBP."""

from graphguard.data.smiles import read_smiles_csv
from graphguard.data.tu import read_tu
from graphguard.tasks.graph.protocols import cross_validate, scaffold_evaluate
from graphguard.tasks.graph.registry import make_estimator


def test_mutag_gin_and_wl_floors(data_dir):
    graphs = read_tu(data_dir / "mutag")
    gin = cross_validate(lambda **o: make_estimator("gin", epochs=40, hidden=32, layers=4, **o), graphs, folds=3,
                         max_folds=1)
    assert gin["accuracy"] >= 0.8
    wl = cross_validate(lambda **o: make_estimator("wl", n_estimators=150, **o), graphs, folds=3)
    assert wl["accuracy"] >= 0.82 and wl["roc_auc"] >= 0.88


def test_bbbp_scaffold_fingerprint_floor(data_dir):
    graphs = read_smiles_csv(data_dir / "bbbp" / "bbbp.csv")
    # Morgan counts only (RDKit descriptors cost ~30 s CPU here); the benchmark adds them
    r = scaffold_evaluate(lambda **o: make_estimator("fingerprint", classifier="xgb", n_estimators=200,
                                                     descriptors=False, **o), graphs, seeds=[0])
    assert r["roc_auc"] >= 0.69
    assert r["runs"][0]["sizes"] == [1631, 203, 205]
