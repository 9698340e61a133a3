"""LinkPredictor: learning, prediction that leaves known links out, save/load, a UMLS floor, the RGCN encoder."""

from __future__ import annotations

import numpy as np
import pytest

from graphguard.data.triples import load_triples
from graphguard.errors import ConfigError, DataError, NotFittedError
from graphguard.tasks.link import LinkPredictor


def test_learns_a_tiny_kg_and_round_trips(tiny_kg, tmp_path):
    ts = load_triples(tiny_kg)
    m = LinkPredictor("distmult", dim=16, epochs=60, batch_size=16, lr=0.05).fit(ts)
    res = m.evaluate(ts, "test")
    assert res["mrr"] > 0.4  # random ranking of 12 entities gives about 0.26
    m.save(tmp_path / "m")
    assert (tmp_path / "m" / "weights.safetensors").exists()
    back = LinkPredictor.load(tmp_path / "m")
    assert back.entities_ == m.entities_ and back.relations_ == m.relations_
    assert back.evaluate(ts, "test") == res
    assert back.predict(head="p0", relation="parent_of", k=3) == m.predict(head="p0", relation="parent_of", k=3)
    np.testing.assert_allclose(back.embeddings()["entity"], m.embeddings()["entity"])


def test_predict_excludes_known_links_unless_asked(tiny_kg):
    ts = load_triples(tiny_kg)
    m = LinkPredictor("transe", dim=8, epochs=2, num_negatives=4).fit(ts)
    without = m.predict(head="p0", relation="parent_of", k=20)
    assert "p1" not in [p["entity"] for p in without] and not any(p["known"] for p in without)
    assert len(without) == 11
    withk = m.predict(head="p0", relation="parent_of", k=20, include_known=True)
    assert [p["entity"] for p in withk if p["known"]] == ["p1"]
    heads = m.predict(tail="p1", relation="parent_of", k=20, include_known=True)
    assert [p["entity"] for p in heads if p["known"]] == ["p0"]


def test_query_and_config_errors(tiny_kg):
    m = LinkPredictor("rotate", dim=4, epochs=1)
    with pytest.raises(NotFittedError):
        m.predict(head="p0", relation="knows")
    m.fit(load_triples(tiny_kg))
    with pytest.raises(DataError, match="unknown relation 'likes'"):
        m.predict(head="p0", relation="likes")
    with pytest.raises(DataError, match="unknown entity 'nobody'"):
        m.predict(head="nobody", relation="knows")
    with pytest.raises(ConfigError, match="unknown model 'foo'"):
        LinkPredictor("foo")
    with pytest.raises(ConfigError, match="unknown training"):
        LinkPredictor("complex", training="bogus").fit(load_triples(tiny_kg))


def test_evaluate_rejects_entities_the_model_never_saw(tiny_kg, tmp_path, kg_writer):
    m = LinkPredictor("distmult", dim=4, epochs=1).fit(load_triples(tiny_kg))
    other = kg_writer(tmp_path / "o", ["x\tknows\ty", "y\tknows\tx"], ["x\tknows\tx"], ["y\tknows\ty"])
    with pytest.raises(DataError, match=r"entity '\w+' is unknown to the model \(2 unknown entities\)"):
        m.evaluate(other)


@pytest.mark.parametrize("training", ["slcwa", "1vsall"])
def test_rgcn_encoder_with_a_kge_decoder(tiny_kg, training, tmp_path):
    ts = load_triples(tiny_kg)
    negatives = dict(num_negatives=8) if training == "slcwa" else {}  # 1vsall scores every entity
    m = LinkPredictor("distmult", dim=16, epochs=150, lr=0.02, training=training, encoder="rgcn", **negatives).fit(ts)
    assert m.history_[-1]["loss"] < m.history_[0]["loss"]
    assert m.evaluate(ts, "train")["mrr"] > 0.5  # fits its own graph; random ranking gives about 0.26
    m.save(tmp_path / "r")
    assert LinkPredictor.load(tmp_path / "r").evaluate(ts, "test") == m.evaluate(ts, "test")


def test_umls_floor_for_a_fast_model(umls):
    ts = load_triples(umls)
    m = LinkPredictor("complex", dim=64, epochs=12, eval_every=4).fit(ts)
    res = m.evaluate(ts, "test")
    assert res["mrr"] >= 0.80 and res["hits@10"] >= 0.95, res


def test_save_refuses_a_folder_of_other_files_and_saves_again_over_its_own_model(tiny_kg, tmp_path):
    m = LinkPredictor("distmult", dim=4, epochs=1).fit(load_triples(tiny_kg))
    project = tmp_path / "project"
    project.mkdir()
    (project / "config.json").write_text('{"project": "mine"}')
    with pytest.raises(DataError, match=rf"^{project}: is a folder with other files and not a graphguard model"):
        m.save(project)
    assert [p.name for p in project.iterdir()] == ["config.json"]
    m.save(tmp_path / "m")
    m.save(tmp_path / "m")
    assert LinkPredictor.load(tmp_path / "m").entities_ == m.entities_
