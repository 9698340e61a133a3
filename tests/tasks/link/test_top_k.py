"""``predict`` and ``repurpose`` refuse a k below 1 (they used to return one answer for k=0 or k=-3)."""

from __future__ import annotations

import numpy as np
import pytest

from graphguard.data.drugrepo import DrugDiseaseData
from graphguard.data.triples import load_triples
from graphguard.errors import ConfigError
from graphguard.tasks.link import LinkPredictor
from graphguard.tasks.link.drugrepo import DrugRepurposer


def small_drug_disease_data() -> DrugDiseaseData:
    rng = np.random.default_rng(0)
    sim = lambda n: (lambda s: (s + s.T) / 2)(rng.random((n, n)))  # noqa: E731
    assoc = (rng.random((8, 5)) < 0.3).astype(np.int8)
    assoc[0, 0] = 1
    return DrugDiseaseData([f"DB{i}" for i in range(8)], [f"D{j}" for j in range(5)], assoc, sim(8), sim(5))


@pytest.mark.parametrize("k", [0, -3])
def test_predict_needs_k_of_at_least_one(tiny_kg, k):
    m = LinkPredictor("distmult", dim=4, epochs=1).fit(load_triples(tiny_kg))
    assert len(m.predict(head="p0", relation="knows", k=1)) == 1
    with pytest.raises(ConfigError, match=rf"k must be an integer >= 1 \(got {k}\)"):
        m.predict(head="p0", relation="knows", k=k)


@pytest.mark.parametrize("top", [0, -3])
def test_repurpose_needs_top_of_at_least_one(top):
    est = DrugRepurposer(k=2).fit(small_drug_disease_data())
    assert len(est.repurpose("D0", top=1)) == 1
    with pytest.raises(ConfigError, match=rf"top must be an integer >= 1 \(got {top}\)"):
        est.repurpose("D0", top=top)


def test_cli_k_0_is_one_line(tiny_kg, tmp_path, cli):
    cli("link", "train", "--data", tiny_kg, "--model", "distmult", "--dim", "4", "--epochs", "1", "--out",
        tmp_path / "m", "-q")
    r = cli("link", "predict", "--model-dir", tmp_path / "m", "--relation", "knows", "--head", "p0", "-k", "0",
            ok=False)
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0 and "k must be an integer >= 1" in r.stderr
    est = DrugRepurposer(k=2).fit(small_drug_disease_data())
    est.save(tmp_path / "rp")
    r = cli("link", "repurpose", "--model-dir", tmp_path / "rp", "--disease", "D0", "--top", "0", ok=False)
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0 and "top must be an integer >= 1" in r.stderr
