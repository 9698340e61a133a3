"""Rank metrics: a hand-made case, PyKEEN's implementation on the same scores, and filtering."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from graphguard.nn.kge import KGEModel, make_interaction
from graphguard.tasks.link.evaluation import KnownTriples, evaluate_ranking, rank_metrics, realistic_ranks


def test_realistic_rank_hand_made_case():
    scores = torch.tensor([
        [0.9, 0.5, 0.1, 0.3],  # true entity 1 -> one better score: rank 2
        [0.2, 0.2, 0.2, 0.2],  # all tied: optimistic 1, pessimistic 4, realistic 2.5
        [0.1, 0.7, 0.7, 0.0],  # true 2 ties with 1: optimistic 1, pessimistic 2 -> 1.5
    ])
    ranks = realistic_ranks(scores, torch.tensor([1, 0, 2]))
    assert ranks.tolist() == [2.0, 2.5, 1.5]
    m = rank_metrics(ranks)
    assert m["mrr"] == pytest.approx((1 / 2 + 1 / 2.5 + 1 / 1.5) / 3)
    assert m["hits@1"] == 0.0
    assert m["hits@3"] == 1.0


def test_filtering_removes_known_triples_but_never_the_true_one():
    scores = torch.tensor([[5.0, 4.0, 3.0, 1.0]])
    # entities 0 and 1 form known true triples with a higher score; the true answer is 2
    ranks = realistic_ranks(scores, torch.tensor([2]), torch.tensor([0, 0, 0]), torch.tensor([0, 1, 2]))
    assert ranks.tolist() == [1.0]
    raw = realistic_ranks(scores, torch.tensor([2]))
    assert raw.tolist() == [3.0]


def test_known_triples_lookup_matches_brute_force():
    rng = np.random.default_rng(0)
    t = np.unique(rng.integers(0, [6, 3, 6], size=(60, 3)), axis=0)
    known = KnownTriples(t, 6, 3)
    q = t[:10]
    rows, cols = known.known_tails(q[:, 0], q[:, 1])
    for i, (h, r, _) in enumerate(q):
        expect = sorted(int(x) for x in t[(t[:, 0] == h) & (t[:, 1] == r), 2])
        assert sorted(cols[rows == i].tolist()) == expect
    rows, cols = known.known_heads(q[:, 1], q[:, 2])
    for i, (_, r, tt) in enumerate(q):
        expect = sorted(int(x) for x in t[(t[:, 2] == tt) & (t[:, 1] == r), 0])
        assert sorted(cols[rows == i].tolist()) == expect


def _random_model(name, n=20, r=4, dim=8, seed=0):
    torch.manual_seed(seed)
    return KGEModel(n, r, make_interaction(name, dim), dim).eval()


def test_filtered_metrics_equal_pykeens_on_the_same_scores():
    pytest.importorskip("pykeen")
    from pykeen.evaluation import RankBasedEvaluator

    rng = np.random.default_rng(1)
    n, nr = 20, 4
    all_t = np.unique(rng.integers(0, [n, nr, n], size=(120, 3)), axis=0)
    test = all_t[:30]
    model = _random_model("distmult", n, nr)
    # round scores so that ties occur and the tie rule matters
    model.interaction.sim_all = lambda q, e: torch.round(q @ e.t() * 2) / 2
    ours = evaluate_ranking(model, test, KnownTriples(all_t, n, nr))

    ev = RankBasedEvaluator(filtered=True)
    bt = torch.as_tensor(test)
    with torch.no_grad():
        for target, scores, col in (("tail", model.score_t(bt[:, 0], bt[:, 1]), 2),
                                    ("head", model.score_h(bt[:, 1], bt[:, 2]), 0)):
            true = scores[torch.arange(len(bt)), bt[:, col]].clone().unsqueeze(1)
            for i, (h, r, t) in enumerate(test):  # brute-force filter, independent of KnownTriples
                for e in range(n):
                    cand = (h, r, e) if target == "tail" else (e, r, t)
                    if e != (t if target == "tail" else h) and any((all_t == cand).all(1)):
                        scores[i, e] = float("nan")
            ev.process_scores_(bt, target, scores, true_scores=true)
    res = ev.finalize()
    assert ours["mrr"] == pytest.approx(res.get_metric("both.realistic.inverse_harmonic_mean_rank"), abs=1e-6)
    for k in (1, 3, 10):
        assert ours[f"hits@{k}"] == pytest.approx(res.get_metric(f"both.realistic.hits_at_{k}"), abs=1e-6)


@pytest.mark.parametrize("name", ["transe", "distmult", "complex", "rotate"])
def test_all_entity_scoring_equals_triple_scoring(name):
    model = _random_model(name)
    h, r, t = torch.tensor([0, 3, 7]), torch.tensor([0, 1, 3]), torch.tensor([5, 2, 19])
    with torch.no_grad():
        st, sh = model.score_t(h, r), model.score_h(r, t)
        for i in range(3):
            all_t = torch.stack([h[i].repeat(20), r[i].repeat(20), torch.arange(20)], 1)
            all_h = torch.stack([torch.arange(20), r[i].repeat(20), t[i].repeat(20)], 1)
            assert torch.allclose(st[i], model.score_hrt(all_t), atol=1e-4)
            assert torch.allclose(sh[i], model.score_hrt(all_h), atol=1e-4)


def test_empty_ranking_is_an_error():
    from graphguard.errors import DataError

    with pytest.raises(DataError, match="no triples to rank"):
        rank_metrics([])


def test_link_auroc_of_no_triples_is_an_error_not_nan():
    """It returned NaN, which a run would have written to metrics.json as if measured."""
    import numpy as np

    from graphguard.errors import DataError
    from graphguard.workflow.links import link_auroc

    with pytest.raises(DataError, match="evaluation: no triples to score"):
        link_auroc(None, np.zeros((0, 3), dtype=np.int64))


def test_link_auroc_of_a_model_whose_weights_went_nan_is_one_line_naming_it(tiny_kg):
    """roc_auc_score raised scikit-learn's multi-line 'Input contains NaN' from a run's evaluate stage."""
    from graphguard.data.triples import load_triples
    from graphguard.errors import DataError
    from graphguard.tasks.link import LinkPredictor
    from graphguard.workflow.links import link_auroc

    ts = load_triples(tiny_kg)
    est = LinkPredictor("distmult", dim=8, epochs=2).fit(ts)
    with torch.no_grad():
        for p in est.model_.parameters():
            p.fill_(float("nan"))
    test = np.asarray(ts.split("test"))
    with pytest.raises(DataError, match=rf"^runs/x/model: the model's scores are not finite: {2 * len(test)} of "
                                        rf"{2 * len(test)} are NaN or inf"):
        link_auroc(est, test, model="runs/x/model")
