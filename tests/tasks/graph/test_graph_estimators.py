import numpy as np
import pytest
import torch
from torch_geometric.data import Data

from graphguard.errors import ConfigError, DataError, NotFittedError
from graphguard.tasks.graph.base import GraphEstimator
from graphguard.tasks.graph.registry import make_estimator


def _toy(n=60, seed=0):
    """Cycles (class 1) vs paths (class 0) of 5-9 nodes, node feature = one-hot degree."""
    rng = np.random.default_rng(seed)
    graphs = []
    for i in range(n):
        k = int(rng.integers(5, 10))
        src = list(range(k - 1)) + ([k - 1] if i % 2 else [])
        dst = list(range(1, k)) + ([0] if i % 2 else [])
        ei = torch.tensor([src + dst, dst + src])
        deg = torch.bincount(ei[0], minlength=k)
        x = torch.nn.functional.one_hot(deg.clamp(1, 2) - 1, 2).float()  # degree 1 or 2
        graphs.append(Data(x=x, edge_index=ei, y=torch.tensor([i % 2]), num_nodes=k))
    return graphs


@pytest.mark.parametrize("model,kw", [
    ("gin", {"pooling": "mean"}), ("gcn", {"pooling": "sum"}), ("sage", {"pooling": "attention", "virtual_node": True}),
])
def test_gnn_learns_cycles_vs_paths_and_round_trips(model, kw, tmp_path):
    train, test = _toy(60, 0), _toy(30, 1)
    est = make_estimator(model, epochs=40, hidden=16, layers=3, lr=0.01, **kw).fit(train)
    assert (est.predict(test) == [int(g.y) for g in test]).mean() >= 0.9
    proba = est.predict_proba(test)
    assert proba.shape == (30, 2) and np.allclose(proba.sum(1), 1, atol=1e-5)
    est.save(tmp_path / "m")
    again = GraphEstimator.load(tmp_path / "m")
    assert np.allclose(again.decision_function(test), est.decision_function(test), atol=1e-6)
    emb = est.embed(test)
    assert emb.shape[0] == 30
    idx = est.index(test, ids=[f"g{i}" for i in range(30)])
    top = dict(idx.nearest(test[3], k=30))
    assert top["g3"] == pytest.approx(1.0, abs=1e-5) == max(top.values())  # itself (or a twin) first


def test_wl_baseline_same_api_and_persists(tmp_path):
    train, test = _toy(40, 0), _toy(20, 1)
    for clf in ("xgb", "linear", "rf"):
        est = make_estimator("wl", classifier=clf, iterations=2, n_estimators=20).fit(train)
        assert (est.predict(test) == [int(g.y) for g in test]).mean() >= 0.9
        est.save(tmp_path / clf)
        again = GraphEstimator.load(tmp_path / clf)
        assert np.allclose(again.predict_proba(test), est.predict_proba(test), atol=1e-6)
    nearest = est.index(train).nearest(est.embed(test[:2]), k=1)
    assert len(nearest) == 2 and int(train[nearest[0][0][0]].y) == int(test[0].y)


def test_wl_kernel_svm_selects_by_inner_cv_and_persists_as_primal_weights(tmp_path):
    from sklearn.svm import SVC

    from graphguard.tasks.graph.wl_kernel import _counts_by_depth, _matrix, _merge

    train, test = _toy(40, 0), _toy(20, 1)
    est = make_estimator("wl-svm", inner_folds=4, inner_repeats=1).fit(train)
    assert est.selected_["iterations"] in est.iteration_grid and est.selected_["C"] in est.C_grid
    assert len(est.cv_results_) == len(est.iteration_grid) * len(est.C_grid)
    assert (est.predict(test) == [int(g.y) for g in test]).mean() >= 0.9
    est.save(tmp_path / "svm")
    again = GraphEstimator.load(tmp_path / "svm")
    assert np.allclose(again.predict_proba(test), est.predict_proba(test), atol=1e-9)
    # the stored primal weights reproduce the kernel SVM on the precomputed normalised WL kernel
    h, c = est.iterations_, est.C_
    counts = [_merge(p, h) for p in _counts_by_depth(train + test, h, True)]
    X = _matrix(counts, {k: i for i, k in enumerate(sorted({k for x in counts[:40] for k in x}))})
    K = (X @ X.T).toarray()
    svc = SVC(C=c, kernel="precomputed").fit(K[:40, :40], [int(g.y) for g in train])
    assert np.allclose(est.decision_margins(test)[:, 0], svc.decision_function(K[40:, :40]), atol=1e-6)


def test_wl_kernel_svm_multiclass_and_ensemble_round_trip(tmp_path):
    graphs = _toy(60, 0)
    for i, g in enumerate(graphs):  # a third class: cycles with a chord
        if i % 3 == 2:
            k = g.num_nodes
            chord = torch.tensor([[0, k // 2], [k // 2, 0]])
            g.edge_index = torch.cat([g.edge_index, chord], 1)
            g.y = torch.tensor([2])
    svm = make_estimator("wl-svm", iterations=2, C=10.0).fit(graphs[:45])
    proba = svm.predict_proba(graphs[45:])
    assert proba.shape == (15, 3) and np.allclose(proba.sum(1), 1)
    assert (svm.predict(graphs[45:]) == [int(g.y) for g in graphs[45:]]).mean() >= 0.8
    ens = make_estimator("ensemble", members=[{"model": "gin", "epochs": 10, "hidden": 16},
                                              {"model": "wl-svm", "iterations": 2, "C": 10.0}]).fit(graphs[:45])
    mean = (ens.members_[0].predict_proba(graphs[45:]) + ens.members_[1].predict_proba(graphs[45:])) / 2
    assert np.allclose(ens.predict_proba(graphs[45:]), mean)
    ens.save(tmp_path / "ens")
    again = GraphEstimator.load(tmp_path / "ens")
    assert np.allclose(again.predict_proba(graphs[45:]), mean, atol=1e-6)
    with pytest.raises(ConfigError, match="weights"):
        make_estimator("ensemble", weights=[1.0]).fit(graphs[:45])


def test_ensemble_with_non_contiguous_labels_reports_them_in_order(tmp_path):
    """Members train on the class positions 0..k-1; the ensemble maps back: predict gives the user's
    labels and predict_proba's columns follow ``classes_`` (sorted), also after save/load."""
    graphs = _toy(60, 0)
    for i, g in enumerate(graphs):  # paths, cycles and cycles with a chord
        if i % 3 == 2:
            k = g.num_nodes
            g.edge_index = torch.cat([g.edge_index, torch.tensor([[0, k // 2], [k // 2, 0]])], 1)
            g.y = torch.tensor([2])
    structure = np.asarray([int(g.y) for g in graphs])
    labels = np.asarray([9, 2, 5])[structure]  # path -> 9, cycle -> 2, chord -> 5: not the structural order
    ens = make_estimator("ensemble", members=[{"model": "wl", "n_estimators": 20, "iterations": 2},
                                              {"model": "wl-svm", "iterations": 2, "C": 10.0}])
    ens.fit(graphs[:45], labels[:45])
    assert ens.classes_.tolist() == [2, 5, 9]
    pred, proba = ens.predict(graphs[45:]), ens.predict_proba(graphs[45:])
    assert set(pred.tolist()) <= {2, 5, 9} and (pred == labels[45:]).mean() >= 0.8
    assert (ens.classes_[proba.argmax(1)] == pred).all()
    truth_column = np.searchsorted(ens.classes_, labels[45:])
    assert (proba[np.arange(15), truth_column] > 0.5).mean() >= 0.8
    ens.save(tmp_path / "ens")
    again = GraphEstimator.load(tmp_path / "ens")
    assert again.classes_.tolist() == [2, 5, 9] and (again.predict(graphs[45:]) == pred).all()


def test_string_labels_are_one_line_not_an_int_cast_traceback():
    graphs = _toy(10)
    names = np.asarray(["path", "cycle"] * 5)
    with pytest.raises(DataError, match=r"^<graphs>: classification labels must be integers, got 'path'"):
        make_estimator("ensemble", members=[{"model": "wl", "n_estimators": 5}]).fit(graphs, names)


def test_a_missing_label_names_its_graph_not_a_regression_hint():
    graphs = _toy(10)
    y = np.asarray([0, 1] * 5, dtype=object)
    y[3] = None
    with pytest.raises(DataError, match=r"^<graphs>: graph 3 has no label"):
        make_estimator("wl", n_estimators=5).fit(graphs, y)


def test_fingerprint_baseline_on_molecules(tmp_path):
    from graphguard.builders.molecule import smiles_to_graph

    aromatic = ["c1ccccc1", "c1ccncc1", "c1ccc2ccccc2c1", "Cc1ccccc1", "Oc1ccccc1", "c1ccoc1", "Nc1ccccc1", "c1cnccn1"]
    aliphatic = ["CCO", "CCCC", "CC(C)O", "CCN", "C1CCCCC1", "CCCCO", "CC(=O)O", "CCOC"]
    graphs = [smiles_to_graph(s) for s in aromatic + aliphatic]
    y = [1] * 8 + [0] * 8
    est = make_estimator("fingerprint", classifier="xgb", n_estimators=30, descriptors=False).fit(graphs, y)
    assert est.predict([smiles_to_graph("c1ccc(Cl)cc1"), smiles_to_graph("CCCCCC")]).tolist() == [1, 0]
    est.save(tmp_path / "fp")
    assert GraphEstimator.load(tmp_path / "fp").predict(graphs).tolist() == est.predict(graphs).tolist()
    with pytest.raises(DataError, match="has no SMILES"):
        est.predict(_toy(2))


@pytest.mark.parametrize("model,kw", [("wl", {"n_estimators": 10}),
                                      ("fingerprint", {"n_estimators": 10, "descriptors": True})])
def test_molecules_without_bonds_or_heavy_atoms_are_scored(model, kw):
    """Methane, salts, noble gases, H2 and a dummy atom are valid SMILES: fit and predict score them."""
    from graphguard.builders.molecule import smiles_to_graph

    common = ["CCO", "CCCC", "CC(=O)O", "OC(=O)CC", "c1ccccc1", "CCN", "OC(=O)c1ccccc1", "CCCl"]
    odd = ["C", "C.C", "[Na+].[Cl-]", "[Xe]", "[H][H]", "*"]
    graphs = [smiles_to_graph(s) for s in common + odd[:2]]
    est = make_estimator(model, **kw).fit(graphs, [0, 0, 1, 1, 0, 0, 1, 0, 0, 0])
    proba = est.predict_proba([smiles_to_graph(s) for s in odd])
    assert proba.shape == (len(odd), 2) and np.isfinite(proba).all()


def test_misuse_errors_are_clear(tmp_path):
    graphs = _toy(10)
    with pytest.raises(NotFittedError):
        make_estimator("gin").predict(graphs)
    with pytest.raises(ConfigError, match="unknown graph model 'gat'"):
        make_estimator("gat")
    with pytest.raises(ConfigError, match="'gine' needs edge features"):
        make_estimator("gine", epochs=1).fit(graphs)
    with pytest.raises(DataError, match="only \\[1\\]"):
        make_estimator("wl").fit(graphs, y=[1] * 10)
    est = make_estimator("wl", n_estimators=5).fit(graphs)
    wide = [Data(x=torch.ones(3, 5), edge_index=torch.zeros(2, 0, dtype=torch.long), num_nodes=3)]
    with pytest.raises(DataError, match="5 node features, the model was trained on 2"):
        est.predict(wide)
    with pytest.raises(DataError, match="not a graphguard model directory"):
        GraphEstimator.load(tmp_path)


def test_gine_refuses_graphs_without_its_edge_features_or_nodes():
    from graphguard.data.smiles import GraphList

    def with_edges(graphs, width):
        return [Data(x=g.x, edge_index=g.edge_index, edge_attr=torch.ones(g.edge_index.shape[1], width),
                     y=g.y, num_nodes=g.num_nodes) for g in graphs]

    graphs = with_edges(_toy(20), 2)
    with pytest.raises(DataError, match=r"^<graphs>: graph 7 has no edge features"):  # the user's index, not the holdout's
        make_estimator("gin", epochs=1, hidden=8).fit(graphs[:7] + _toy(1) + graphs[7:])
    est = make_estimator("gin", epochs=2, hidden=8, layers=2).fit(graphs)
    assert est.conv_ == "gine" and est.predict(with_edges(_toy(4, 1), 2)).shape == (4,)
    no_edges = GraphList(_toy(4, 1), source="new.graphs.npz")
    with pytest.raises(DataError, match=r"^new.graphs.npz: graph 0 has no edge features; the model reads 2 per edge"):
        est.predict(no_edges)
    with pytest.raises(DataError, match="graph 0 has 3 edge features for .* the model reads 2 on every edge"):
        est.predict(with_edges(_toy(4, 1), 3))
    empty = Data(x=torch.zeros(0, 2), edge_index=torch.zeros(2, 0, dtype=torch.long), edge_attr=torch.zeros(0, 2))
    with pytest.raises(DataError, match="graph 1 has no nodes"):
        est.predict(with_edges(_toy(1, 1), 2) + [empty])


def _no_nodes(width=2):
    return Data(x=torch.zeros(0, width), edge_index=torch.zeros(2, 0, dtype=torch.long), y=torch.tensor([0]))


@pytest.mark.parametrize("model,kw", [("wl", {"n_estimators": 5}), ("wl-svm", {}), ("gin", {"epochs": 1, "hidden": 8})])
def test_a_graph_without_nodes_is_named_by_its_index_in_fit_and_predict(model, kw):
    """Not a torch reshape traceback (WL) or an index into GIN's internal train/validation split."""
    from graphguard.data.smiles import GraphList

    graphs = _toy(20)
    with pytest.raises(DataError, match=r"^<graphs>: graph 7 has no nodes$"):
        make_estimator(model, **kw).fit(graphs[:7] + [_no_nodes()] + graphs[7:])
    with pytest.raises(DataError, match=r"^train\.graphs\.npz: graph 0 has no nodes$"):
        make_estimator(model, **kw).fit(GraphList([_no_nodes()] + graphs, source="train.graphs.npz"))
    est = make_estimator(model, **kw).fit(graphs)
    with pytest.raises(DataError, match=r"^new\.graphs\.npz: graph 1 has no nodes$"):
        est.predict(GraphList(_toy(1, 1) + [_no_nodes()], source="new.graphs.npz"))


def test_fingerprint_model_refuses_a_graph_without_nodes():
    """Its features come from g.smiles, but a molecule graph with no atoms means the set is broken."""
    from graphguard.builders.molecule import smiles_to_graph

    mols = [smiles_to_graph(s) for s in ("CCO", "c1ccccc1", "CCN", "CCCl", "CO", "c1ccncc1")]
    for i, g in enumerate(mols):
        g.y = torch.tensor([i % 2])
    empty = Data(x=mols[0].x[:0], edge_index=mols[0].edge_index[:, :0], smiles="CCO", y=torch.tensor([0]))
    est = make_estimator("fingerprint", n_estimators=5, descriptors=False)
    with pytest.raises(DataError, match="graph 6 has no nodes"):
        est.fit(mols + [empty])
    est.fit(mols)
    with pytest.raises(DataError, match="graph 1 has no nodes"):
        est.predict([mols[0], empty])


def test_classification_refuses_fractional_labels_instead_of_truncating():
    graphs = _toy(20)
    y = np.asarray([int(g.y) for g in graphs])
    with pytest.raises(DataError, match=r"^<graphs>: classification labels must be integers, got 0.5"):
        make_estimator("wl", n_estimators=5).fit(graphs, y=y + 0.5)
    assert make_estimator("wl", n_estimators=5).fit(graphs, y=y.astype(float)).classes_.tolist() == [0, 1]


def test_save_refuses_a_folder_of_other_files_and_saves_again_over_its_own_model(tmp_path):
    est = make_estimator("wl", iterations=1, n_estimators=5).fit(_toy(20, 0))
    project = tmp_path / "project"
    project.mkdir()
    (project / "config.json").write_text('{"project": "mine"}')
    with pytest.raises(DataError, match=rf"^{project}: is a folder with other files and not a graphguard model"):
        est.save(project)
    assert [p.name for p in project.iterdir()] == ["config.json"]
    est.save(tmp_path / "m")
    est.save(tmp_path / "m")
    assert type(GraphEstimator.load(tmp_path / "m")) is type(est)


# ---------------------------------------------------------------------------------------- node-feature width
def _width(graphs, cols):
    """``graphs`` with ``cols`` node features each (0: without ``x``)."""
    out = []
    for g in graphs:
        d = Data(edge_index=g.edge_index, y=g.y, num_nodes=g.num_nodes)
        if cols:
            d.x = torch.ones(g.num_nodes, cols)
        out.append(d)
    return out


WIDTH_MODELS = [("gin", {"epochs": 2, "hidden": 8, "layers": 2}), ("wl", {"n_estimators": 5}), ("wl-svm", {}),
                ("ensemble", {"members": [{"model": "gin", "epochs": 2, "hidden": 8, "layers": 2},
                                          {"model": "wl", "n_estimators": 5}]})]


@pytest.mark.parametrize("model,kw", WIDTH_MODELS, ids=[m for m, _ in WIDTH_MODELS])
def test_graphs_of_another_width_are_refused_naming_the_graph_and_both_widths(model, kw, tmp_path):
    """Before: validation graphs of another width reached the GNN (torch 'mat1 and mat2 shapes cannot be
    multiplied'), and predict compared graph 0 with the model and the others with graph 0."""
    train, test = _toy(20, 0), _toy(6, 1)
    with pytest.raises(DataError, match=r"^<validation graphs>: graph 0 has 3 node features, the model was trained "
                                        r"on 2$"):
        make_estimator(model, **kw).fit(train, val_graphs=_width(test, 3))
    est = make_estimator(model, **kw).fit(train)
    for m in (est, GraphEstimator.load(est.save(tmp_path / model))):
        with pytest.raises(DataError, match=r"^<graphs>: graph 2 has 3 node features, the model was trained on 2$"):
            m.predict(test[:2] + _width(test[2:], 3))
        with pytest.raises(DataError, match=r"^<graphs>: graph 4 has no 2-D node feature matrix x; the model was "
                                            r"trained on 2 node features$"):
            m.predict(test[:4] + _width(test[4:5], 0))


def _without_width(model_dir):
    """Rewrite a saved model's config as one without the node-feature width."""
    import json

    cfg = json.loads((model_dir / "config.json").read_text())
    del cfg["num_features"]
    (model_dir / "config.json").write_text(json.dumps(cfg))


@pytest.mark.parametrize("model,kw", WIDTH_MODELS, ids=[m for m, _ in WIDTH_MODELS])
def test_a_config_without_the_width_loads_from_the_first_layer_or_says_so(model, kw, tmp_path):
    train, test = _toy(20, 0), _toy(6, 1)
    path = make_estimator(model, **kw).fit(train).save(tmp_path / model)
    _without_width(path)
    if model.startswith("wl"):  # WL hashes x rows: nothing in the model tells their width
        with pytest.raises(DataError, match=rf"^{path}: config.json lacks num_features"):
            GraphEstimator.load(path)
        return
    est = GraphEstimator.load(path)
    assert est.predict(test).shape == (6,)
    with pytest.raises(DataError, match=r"^<graphs>: graph 0 has 3 node features, the model was trained on 2$"):
        est.predict(_width(test, 3))


def test_fingerprints_read_no_node_features_so_their_width_may_change():
    pytest.importorskip("rdkit")
    from graphguard.builders.molecule import smiles_to_graph

    smiles = ["CCO", "CCN", "c1ccccc1", "CC(=O)O", "CCCC", "c1ccncc1"]
    graphs = [smiles_to_graph(s) for s in smiles]
    wide = _width(graphs, 3)
    for g, w in zip(graphs, wide):
        w.smiles = g.smiles
    y = [0, 1, 0, 1, 0, 1]
    est = make_estimator("fingerprint", n_estimators=5, descriptors=False).fit(graphs, y, val_graphs=wide, val_y=y)
    assert est.predict(wide).tolist() == est.predict(graphs).tolist()


def _molecules_without_x():
    from graphguard.builders.molecule import smiles_to_graph

    graphs = [smiles_to_graph(s) for s in ("CCO", "CCN", "c1ccccc1", "CC(=O)O", "CCCC", "c1ccncc1", "C", "CO")]
    bare = [Data(edge_index=g.edge_index, num_nodes=g.num_nodes, smiles=g.smiles) for g in graphs]
    return graphs, bare


def test_fingerprints_take_graphs_without_x_as_they_never_read_it(tmp_path):
    """Before: '<graphs>: graph 0 has no 2-D node feature matrix x' though fingerprints read only g.smiles."""
    pytest.importorskip("rdkit")
    graphs, bare = _molecules_without_x()
    y = [0, 1, 0, 1, 0, 1, 0, 1]
    est = make_estimator("fingerprint", n_estimators=5, descriptors=False).fit(bare, y, val_graphs=bare, val_y=y)
    expected = make_estimator("fingerprint", n_estimators=5, descriptors=False).fit(graphs, y).predict_proba(graphs)
    for m in (est, GraphEstimator.load(est.save(tmp_path / "fp"))):
        np.testing.assert_allclose(m.predict_proba(bare), expected)
        np.testing.assert_allclose(m.predict_proba(graphs), expected)


def test_an_ensemble_of_fingerprint_models_takes_graphs_without_x_one_with_a_gnn_does_not(tmp_path):
    """Before: GraphEnsemble read x by class default, so fingerprint-only members were refused bare molecules."""
    pytest.importorskip("rdkit")
    graphs, bare = _molecules_without_x()
    y = [0, 1, 0, 1, 0, 1, 0, 1]
    fp = {"model": "fingerprint", "n_estimators": 5, "descriptors": False}
    est = make_estimator("ensemble", members=[fp, {**fp, "classifier": "linear"}]).fit(bare, y)
    for m in (est, GraphEstimator.load(est.save(tmp_path / "ens"))):
        np.testing.assert_allclose(m.predict_proba(bare), est.predict_proba(graphs))
    with pytest.raises(DataError, match=r"^<graphs>: graph 0 has no 2-D node feature matrix x$"):
        make_estimator("ensemble", members=[fp, {"model": "gin", "epochs": 1}]).fit(bare, y)


@pytest.mark.parametrize("model,kw", WIDTH_MODELS, ids=[m for m, _ in WIDTH_MODELS])
def test_models_that_read_x_refuse_graphs_without_it_in_one_line(model, kw):
    train = _toy(20, 0)
    with pytest.raises(DataError, match=r"^<graphs>: graph 3 has no 2-D node feature matrix x$"):
        make_estimator(model, **kw).fit(train[:3] + _width(train[3:], 0))


def test_a_graph_without_edge_index_is_one_line():
    """Before: AttributeError ('NoneType' object has no attribute 'numel')."""
    graphs = _toy(10)
    graphs[2] = Data(x=graphs[2].x, y=graphs[2].y)
    with pytest.raises(DataError, match=r"^<graphs>: graph 2 has no edge_index \(give an empty 2 x 0 one"):
        make_estimator("wl", n_estimators=5).fit(graphs)


def test_the_scaffold_protocol_takes_molecules_without_x_for_fingerprints():
    """Before: the protocol's own input check refused them before the estimator was asked."""
    pytest.importorskip("rdkit")
    from graphguard.builders.molecule import smiles_to_graph
    from graphguard.tasks.graph.protocols import scaffold_evaluate

    smiles = ["CCO", "CCN", "c1ccccc1", "CC(=O)O", "CCCC", "c1ccncc1", "C", "CO", "c1ccc2ccccc2c1", "Cc1ccccc1"]
    bare = [Data(edge_index=g.edge_index, num_nodes=g.num_nodes, smiles=g.smiles, y=torch.tensor([i % 2]))
            for i, g in enumerate(smiles_to_graph(s) for s in smiles * 2)]
    r = scaffold_evaluate(lambda **o: make_estimator("fingerprint", n_estimators=5, descriptors=False, **o), bare,
                          seeds=[0])
    assert 0.0 <= r["accuracy"] <= 1.0
