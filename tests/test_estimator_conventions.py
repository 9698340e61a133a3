"""The scikit-learn conventions, swept over every registered estimator on tiny generated data.

Node detectors and regressors, link predictors (every KGE model, the drug repurposer), graph-level
estimators and the augmenters each get a ``Case``: how to build one with tiny settings, two data sets of
different shapes (the second refits: other widths, other classes), and what it outputs. The checks are
the ones a scikit-learn / PyOD / PyGOD user relies on without reading the docs: parameters round-trip and
``clone``, an unknown parameter is one line naming it, ``fit`` returns ``self`` and refits cleanly, use
before ``fit`` is sklearn's ``NotFittedError``, probabilities are probabilities that agree with ``predict``
and ``decision_function``, a seed reproduces, ``save``/``load`` reproduces, and ``repr`` is short.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pytest
import sklearn.exceptions
import torch
from sklearn.base import clone
from torch_geometric.data import Data

from graphguard.errors import ConfigError


# ------------------------------------------------------------------------------------------ data
def _fraud(n: int, width: int, seed: int):
    from graphguard.data.synthetic import make_fraud_graph

    return make_fraud_graph(num_nodes=n, num_features=width, fraud_ratio=0.1, seed=seed)


def _triples(n_ent: int, seed: int):
    """A KG with two relations and a validation split; ``n_ent`` sets the vocabulary size."""
    from graphguard.data.triples import TripleSet

    rng = np.random.default_rng(seed)
    h = rng.integers(0, n_ent, 3 * n_ent)
    t = (h + rng.integers(1, 4, h.size)) % n_ent
    r = rng.integers(0, 2, h.size)
    tri = np.unique(np.stack([h, r, t], 1), axis=0)
    rng.shuffle(tri)
    return TripleSet([f"e{i}" for i in range(n_ent)], ["likes", "knows"], tri[6:], tri[:3], tri[3:6])


def _drugs(n_drugs: int, n_dis: int, seed: int):
    from graphguard.data.drugrepo import DrugDiseaseData

    rng = np.random.default_rng(seed)
    assoc = (rng.random((n_drugs, n_dis)) < 0.3).astype(np.int8)

    def sim(k):
        a = rng.random((k, k))
        s = (a + a.T) / 2
        np.fill_diagonal(s, 1.0)
        return s

    return DrugDiseaseData([f"d{i}" for i in range(n_drugs)], [f"s{j}" for j in range(n_dis)], assoc,
                           sim(n_drugs), sim(n_dis))


def _shapes(n: int, classes: int, width: int, seed: int, smiles: bool = False) -> list[Data]:
    """Paths (class 0), rings (1) and stars (2) of 4-7 nodes, each edge with one feature; ``smiles``: a
    molecule string as well (chains, rings and branched chains), for the fingerprint model."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        c, k = i % classes, int(rng.integers(4, 8))
        if c == 2:
            src, dst = [0] * (k - 1), list(range(1, k))
        else:
            src, dst = list(range(k - 1)) + ([k - 1] if c else []), list(range(1, k)) + ([0] if c else [])
        ei = torch.tensor([src + dst, dst + src])
        x = torch.rand(k, width, generator=torch.Generator().manual_seed(seed * 1000 + i))
        g = Data(x=x, edge_index=ei, edge_attr=torch.ones(ei.shape[1], 1), y=torch.tensor([c]), num_nodes=k)
        if smiles:
            g.smiles = ["C" * k + "O", f"C1{'C' * (k - 2)}C1", "C" + "C(C)" * (k - 2) + "C"][c]
        out.append(g)
    return out


def _regression(graphs: list[Data]) -> list[Data]:
    for g in graphs:
        g.y = torch.tensor([float(g.num_nodes) + float(g.x.sum())])
    return graphs


# ------------------------------------------------------------------------------------------ cases
@dataclass
class Case:
    """One registered estimator: ``make(**params)``, two data sets, and how to fit and read outputs."""

    id: str
    make: Callable
    data: Callable  # () -> (A, B); B differs in width / classes / size
    fit: Callable = lambda est, d: est.fit(d)
    outputs: Callable = None  # (est, d) -> np.ndarray: what must be identical for a seed and after load
    scores: str | None = None  # "classifier": predict_proba / decision_function / predict / classes_
    not_fitted: tuple = ()  # callables (est, d) that must raise NotFittedError before fit
    bad: dict = field(default_factory=dict)  # a value the constructor refuses: set_params must refuse it too
    fits: bool = True
    load: Callable = None


def _node_cases() -> list[Case]:
    from graphguard.tasks.node import DETECTORS, load_detector, make_detector
    from graphguard.tasks.node.regressors import REGRESSORS, NodeRegressor

    tiny = {"graphgbm": dict(n_estimators=10, early_stopping=5), "graphgbm-stack": dict(n_estimators=10, stack_folds=2),
            "xgbgraph": dict(n_estimators=5), "rfgraph": dict(n_estimators=5), "xgboost": dict(n_estimators=5)}
    data = lambda: (_fraud(200, 8, 0), _fraud(160, 5, 1))  # noqa: E731
    cases = [Case(f"node:{n}", (lambda n=n, **p: make_detector(n, **{**tiny.get(n, dict(hidden=8, epochs=3)), **p})),
                  data, outputs=lambda est, g: est.decision_function(g), scores="detector",
                  not_fitted=(lambda e, g: e.predict(g), lambda e, g: e.decision_function(g),
                              lambda e, g: e.predict_proba(g), lambda e, g: e.save("unused")),
                  load=load_detector)
             for n in sorted(DETECTORS)]
    tiny_reg = {"graphgbm": dict(n_estimators=10, early_stopping=5), "xgbgraph": dict(n_estimators=5)}

    def reg_fit(est, g):
        return est.fit(g, g.x[:, 0].numpy() * 3 + g.x[:, 1].numpy())

    cases += [Case(f"node-regressor:{n}", (lambda k=k, n=n, **p: k(**{**tiny_reg[n], **p})), data, fit=reg_fit,
                   outputs=lambda est, g: est.predict(g),
                   not_fitted=(lambda e, g: e.predict(g), lambda e, g: e.save("unused")), load=NodeRegressor.load)
              for n, k in sorted(REGRESSORS.items())]
    return cases


def _link_cases() -> list[Case]:
    from graphguard.nn.kge import INTERACTIONS
    from graphguard.tasks.link import LinkPredictor
    from graphguard.tasks.link.drugrepo import DrugRepurposer

    def answers(est, ts):
        return np.array([a["score"] for a in est.predict(head="e0", relation="likes", k=3, include_known=True)])

    cases = [Case(f"link:{m}", (lambda m=m, **p: LinkPredictor(m, **{"dim": 8, "epochs": 2, "batch_size": 16, **p})),
                  lambda: (_triples(20, 0), _triples(14, 1)), outputs=answers,
                  not_fitted=(lambda e, d: e.predict(head="e0", relation="likes"), lambda e, d: e.evaluate(d),
                              lambda e, d: e.save("unused")),
                  bad={"lr": -1.0}, load=LinkPredictor.load)
             for m in sorted(INTERACTIONS)]
    cases.append(Case("link:drugrepo", lambda **p: DrugRepurposer(**p), lambda: (_drugs(10, 8, 0), _drugs(7, 9, 1)),
                      outputs=lambda est, d: est.score_matrix(),
                      not_fitted=(lambda e, d: e.score_matrix(), lambda e, d: e.save("unused")),
                      bad={"sigma": 0.0}, load=DrugRepurposer.load))
    return cases


def _graph_cases() -> list[Case]:
    from graphguard.tasks.graph.base import GraphEstimator
    from graphguard.tasks.graph.gnn import GNNGraphRegressor
    from graphguard.tasks.graph.registry import GNN_MODELS, MODELS, make_estimator

    tiny = {**{m: dict(hidden=8, layers=2, epochs=3, batch_size=8) for m in GNN_MODELS},
            "wl": dict(iterations=2, n_estimators=5), "fingerprint": dict(n_estimators=5, n_bits=64, descriptors=False),
            "wl-svm": dict(iteration_grid=(1, 2), C_grid=(0.1, 1.0), inner_folds=2, inner_repeats=1),
            "ensemble": dict(members=({"model": "wl", "n_estimators": 5}, {"model": "gin", "epochs": 2, "hidden": 8}))}
    not_fitted = (lambda e, d: e.predict(d), lambda e, d: e.predict_proba(d), lambda e, d: e.decision_function(d),
                  lambda e, d: e.save("unused"))
    cases = [Case(f"graph:{m}", (lambda m=m, **p: make_estimator(m, **{**tiny[m], **p})),
                  (lambda m=m: (_shapes(24, 2, 3, 0, m == "fingerprint"), _shapes(30, 3, 2, 1, m == "fingerprint"))),
                  outputs=lambda est, d: est.predict_proba(d), scores="classifier", not_fitted=not_fitted,
                  load=GraphEstimator.load)
             for m in MODELS]
    cases.append(Case("graph:gin-regression", lambda **p: GNNGraphRegressor(**{**tiny["gin"], **p}),
                      lambda: (_regression(_shapes(24, 2, 3, 0)), _regression(_shapes(20, 3, 2, 1))),
                      outputs=lambda est, d: est.predict(d), not_fitted=not_fitted[:1] + not_fitted[3:],
                      bad={"task": "classification"}, load=GraphEstimator.load))
    return cases


def _augment_cases() -> list[Case]:
    from graphguard.augment import GODM, RandomOversampler, SMOTEAugmenter

    fast = dict(hidden=16, latent_dim=4, heads=1, epochs=1, min_steps=2, batch_size=128, fanout=3, diff_hidden=16,
                diff_layers=1, diff_steps=10, diff_batch=64, num_steps=4, seed=5)
    data = lambda: (_fraud(200, 8, 0), _fraud(160, 5, 1))  # noqa: E731
    added = lambda est, g: est.augment(g).x.numpy()  # noqa: E731
    return [
        Case("augment:godm", lambda **p: GODM(**{**fast, **p}), data, outputs=added,
             not_fitted=(lambda e, g: e.augment(g), lambda e, g: e.sample(3), lambda e, g: e.save("unused")),
             bad={"ratio": -1.0}, load=GODM.load),
        Case("augment:oversample", lambda **p: RandomOversampler(**p), data, outputs=added, bad={"ratio": -1.0},
             fits=False),
        Case("augment:smote", lambda **p: SMOTEAugmenter(**p), data, outputs=added, bad={"merge": "sideways"},
             fits=False),
    ]


CASES = _node_cases() + _link_cases() + _graph_cases() + _augment_cases()
FITTED = [c for c in CASES if c.fits]
by_id = pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
fitted_by_id = pytest.mark.parametrize("case", FITTED, ids=[c.id for c in FITTED])
_DATA: dict[str, tuple] = {}


def data_of(case: Case) -> tuple:
    if case.id not in _DATA:
        _DATA[case.id] = case.data()
    return _DATA[case.id]


def seeded(case: Case, seed: int):
    """An estimator of ``case`` with ``seed`` where it takes one (the drug repurposer is deterministic)."""
    est = case.make()
    return case.make(seed=seed) if "seed" in est.get_params() else est


def _same(a, b) -> None:
    np.testing.assert_allclose(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64), rtol=1e-6, atol=1e-6)


# ------------------------------------------------------------------------------------------ parameters
@by_id
def test_params_round_trip_and_clone_is_an_unfitted_twin(case):
    est = seeded(case, 3)
    params = est.get_params()
    assert params.get("seed", 3) == 3 and params == est.get_params(deep=False)
    assert est.set_params(**params) is est and est.get_params() == params
    twin = clone(est)
    assert type(twin) is type(est) and twin is not est and twin.get_params() == params
    if case.fits:
        fitted = case.fit(clone(est), data_of(case)[0])
        learned = [k for k in vars(clone(fitted)) if k.endswith("_") and not k.startswith("_")]
        assert not learned, f"clone keeps fitted state {learned}"


@by_id
def test_unknown_parameter_is_one_line_naming_it(case):
    est = case.make()
    before = est.get_params()
    with pytest.raises(ValueError) as err:
        est.set_params(not_a_param=1)
    assert "'not_a_param'" in str(err.value) and "\n" not in str(err.value)
    assert est.get_params() == before and not hasattr(est, "not_a_param")


@pytest.mark.parametrize("case", [c for c in CASES if c.bad], ids=[c.id for c in CASES if c.bad])
def test_set_params_refuses_what_the_constructor_refuses(case):
    with pytest.raises(ConfigError):
        case.make(**case.bad)
    est = case.make()
    before = est.get_params()
    with pytest.raises(ConfigError):
        est.set_params(**case.bad)
    assert est.get_params() == before


@by_id
def test_repr_is_short_and_names_the_class(case):
    text = repr(case.make())
    assert text.startswith(type(case.make()).__name__ + "(") and "\n" not in text and len(text) < 2000
    assert " object at 0x" not in text


# ------------------------------------------------------------------------------------------ fitting
@pytest.mark.parametrize("case", [c for c in CASES if c.not_fitted], ids=[c.id for c in CASES if c.not_fitted])
def test_use_before_fit_is_sklearns_not_fitted_error(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # "unused": a save that wrongly went ahead writes here
    a = data_of(case)[0]
    for call in case.not_fitted:
        with pytest.raises(sklearn.exceptions.NotFittedError) as err:
            call(case.make(), a)
        assert "\n" not in str(err.value) and "fit" in str(err.value)
    assert not (tmp_path / "unused").exists()


@fitted_by_id
def test_fit_returns_self_and_refits_on_other_data(case):
    a, b = data_of(case)
    est = case.make()
    assert case.fit(est, a) is est
    assert case.fit(est, b) is est  # other widths / classes / vocabulary: nothing of the first fit may leak
    fresh = case.fit(case.make(), b)
    _same(case.outputs(est, b), case.outputs(fresh, b))
    if case.scores == "classifier":
        np.testing.assert_array_equal(est.classes_, fresh.classes_)


@fitted_by_id
def test_same_seed_gives_identical_outputs(case):
    a = data_of(case)[0]
    first = case.outputs(case.fit(seeded(case, 1), a), a)
    second = case.outputs(case.fit(seeded(case, 1), a), a)
    _same(first, second)


@pytest.mark.parametrize("case", [c for c in CASES if not c.fits], ids=[c.id for c in CASES if not c.fits])
def test_stateless_augmenter_same_seed_same_graph(case):
    a = data_of(case)[0]
    _same(case.outputs(case.make(seed=1), a), case.outputs(case.make(seed=1), a))


@fitted_by_id
def test_save_load_gives_identical_outputs_and_params(case, tmp_path):
    a = data_of(case)[0]
    est = case.fit(seeded(case, 2), a)
    est.save(tmp_path / "m")
    back = case.load(tmp_path / "m")
    assert type(back) is type(est) and back.get_params() == est.get_params()
    if case.id == "augment:godm":  # sampling draws from the global generator: reseed both the same way
        torch.manual_seed(0)
        mine = case.outputs(est, a)
        torch.manual_seed(0)
        _same(case.outputs(back, a), mine)
    else:
        _same(case.outputs(back, a), case.outputs(est, a))


# ------------------------------------------------------------------------------------------ scores
@pytest.mark.parametrize("case", [c for c in CASES if c.scores], ids=[c.id for c in CASES if c.scores])
def test_probabilities_agree_with_predict_and_decision_function(case):
    a, b = data_of(case)
    for d in (a, b):
        est = case.fit(case.make(), d)
        proba = est.predict_proba(d)
        n = len(d) if isinstance(d, list) else d.num_nodes
        assert proba.shape == (n, len(est.classes_))
        np.testing.assert_allclose(proba.sum(1), 1.0, atol=1e-6)
        assert (proba >= 0).all() and (proba <= 1).all()
        pred = est.predict(d)
        assert set(np.unique(pred)) <= set(est.classes_.tolist())
        dec = est.decision_function(d)
        if case.scores == "detector":  # higher = more anomalous; predict cuts it at threshold_
            np.testing.assert_array_equal(est.classes_, [0, 1])
            np.testing.assert_array_equal(pred, (dec >= est.threshold_).astype(int))
            assert (np.diff(proba[np.argsort(dec, kind="stable"), 1]) >= -1e-12).all()
        else:
            np.testing.assert_array_equal(pred, est.classes_[proba.argmax(1)])
            if len(est.classes_) == 2:
                _same(dec, proba[:, 1])
            else:
                _same(dec, proba)
