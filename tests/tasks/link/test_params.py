"""scikit-learn parameter protocol of LinkPredictor and DrugRepurposer: get_params round-trips through the
constructor, set_params checks what it is given, and sklearn.base.clone works."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from graphguard.data.triples import load_triples
from graphguard.errors import ConfigError
from graphguard.tasks.link import LinkPredictor
from graphguard.tasks.link.drugrepo import DrugRepurposer


@pytest.mark.parametrize("model", ["rotate", "complex", "distmult", "tucker", "transe"])
def test_a_model_rebuilt_from_get_params_fits_identically(model, tiny_kg):
    ts = load_triples(tiny_kg)
    m = LinkPredictor(model, dim=8, epochs=2, seed=3)
    rebuilt = LinkPredictor(**m.get_params())
    assert rebuilt.get_params() == m.get_params()
    np.testing.assert_array_equal(rebuilt.fit(ts).embeddings()["entity"], m.fit(ts).embeddings()["entity"])


@pytest.mark.parametrize("kwargs", [dict(model="rotate"), dict(model="Complex", training="lcwa"),
                                    dict(model="distmult", encoder="rgcn", num_neighbors=[5, 5], seed=2)])
def test_sklearn_clone_copies_every_option(kwargs):
    m = LinkPredictor(**kwargs)
    c = clone(m)
    assert c is not m and c.get_params() == m.get_params()


def test_set_params_changes_an_option_and_checks_it():
    m = LinkPredictor("complex", dim=8)
    assert m.set_params(dim=16, lr=0.05) is m and (m.dim, m.lr) == (16, 0.05)
    with pytest.raises(ConfigError, match=r"^margin is used only by training='slcwa'"):
        m.set_params(margin=2.0)
    assert m.margin == 0.0  # a refused change leaves the model as it was
    m.set_params(training="slcwa", loss="nssa", margin=6.0, num_negatives=8)
    assert (m.training, m.num_negatives) == ("slcwa", 8)


def test_set_params_refuses_an_unknown_name_in_one_line():
    with pytest.raises(ValueError, match=r"^invalid parameter 'num_negative' for LinkPredictor \(valid: .*negatives"):
        LinkPredictor("transe").set_params(num_negative=8)


def test_drug_repurposer_clone_and_set_params():
    m = DrugRepurposer(k=10, cold=1.2)
    assert clone(m).get_params() == m.get_params() == {**DrugRepurposer().get_params(), "k": 10, "cold": 1.2}
    assert m.set_params(graph_k=5).graph_k == 5
    with pytest.raises(ConfigError, match="sigma > 0"):
        m.set_params(sigma=0)
    with pytest.raises(ValueError, match=r"^invalid parameter 'kk' for DrugRepurposer \(valid: alpha, sigma, k, eta"):
        m.set_params(kk=3)


def _saved(folder) -> tuple[dict, dict]:
    import json

    cfg = json.loads((folder / "config.json").read_text())
    return cfg["params"], cfg.get("params_set_after_fit", {})


@pytest.mark.parametrize("kwargs,change", [(dict(model="distmult", dim=8), {"dim": 16}),
                                           (dict(model="distmult", dim=8, encoder="rgcn"), {"encoder_layers": 1}),
                                           (dict(model="distmult", dim=8), {"model": "transe"})])
def test_set_params_after_fit_keeps_the_fitted_embeddings_through_save_and_load(kwargs, change, tiny_kg, tmp_path):
    """save writes the parameters the embeddings were fitted with (load used to build a model of the new
    ``dim`` and fail, or score with another interaction) and keeps the change for the next fit."""
    m = LinkPredictor(**kwargs, epochs=2).fit(load_triples(tiny_kg))
    fitted, before = m.get_params(), m.predict(head="p0", relation="parent_of", k=5)
    m.set_params(**change)
    m.save(tmp_path / "m")
    assert _saved(tmp_path / "m") == (fitted, change)
    back = LinkPredictor.load(tmp_path / "m")
    assert back.predict(head="p0", relation="parent_of", k=5) == before
    assert back.get_params() == m.get_params()


def test_drug_repurposer_saves_the_parameters_its_scores_came_from(tmp_path):
    from graphguard.data.drugrepo import DrugDiseaseData

    rng = np.random.default_rng(0)
    sim = lambda n: (lambda s: (s + s.T) / 2)(rng.random((n, n)))  # noqa: E731
    assoc = (rng.random((8, 5)) < 0.3).astype(np.int8)
    data = DrugDiseaseData([f"DB{i}" for i in range(8)], [f"D{j}" for j in range(5)], assoc, sim(8), sim(5))
    m = DrugRepurposer(k=2).fit(data)
    fitted, before = m.get_params(), m.repurpose("D0", top=3)
    m.set_params(alpha=0.5, graph_k=3)  # alpha shapes the next fit's scores; graph_k the evidence paths now
    m.save(tmp_path / "m")
    assert _saved(tmp_path / "m") == (fitted, {"alpha": 0.5, "graph_k": 3})
    back = DrugRepurposer.load(tmp_path / "m")
    assert [r["drug"] for r in back.repurpose("D0", top=3)] == [r["drug"] for r in before]
    assert back.get_params() == m.get_params()
    assert back.repurpose("D0", top=3) == m.repurpose("D0", top=3)
