"""The random split of a link job on a Neptune export: no held-out triple is given away by training."""

from __future__ import annotations

import numpy as np
import pytest

from graphguard.workflow.links import held_out_split

TREATS, TREATED_BY, SIMILAR = 0, 1, 2


def drug_graph(seed: int = 0) -> np.ndarray:
    """Drugs 0-29 ``treats`` diseases 30-49, each with its ``treated_by`` reverse, plus a ``similar`` ring
    of drugs in which a few pairs also link back (mirrors)."""
    rng = np.random.default_rng(seed)
    pairs = {(int(d), int(s)) for d, s in zip(rng.integers(0, 30, 120), rng.integers(30, 50, 120))}
    rows = [(d, TREATS, s) for d, s in pairs] + [(s, TREATED_BY, d) for d, s in pairs]
    rows += [(i, SIMILAR, (i + 1) % 30) for i in range(30)] + [((i + 1) % 30, SIMILAR, i) for i in range(0, 30, 3)]
    return np.unique(np.asarray(rows, dtype=np.int64), axis=0)


def leaked(train: np.ndarray, held: np.ndarray) -> int:
    """Held-out triples whose mirror or reverse ``(t, any relation, h)`` is a training triple."""
    back = {(int(t), int(h)) for h, _, t in train}
    return sum((int(h), int(t)) in back for h, _, t in held)


@pytest.mark.parametrize("relation", [TREATS, SIMILAR, None])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_held_out_triples_have_no_mirror_or_reverse_in_training(relation, seed):
    t = drug_graph(seed)
    target = t[:, 1] == relation if relation is not None else np.ones(len(t), dtype=bool)
    tr, va, te = held_out_split(t, target, 0.1, 0.1, seed)
    assert len(va) and len(te)
    assert leaked(tr, va) == 0 and leaked(tr, te) == 0
    if relation is not None:
        assert set(va[:, 1]) == set(te[:, 1]) == {relation}  # only the target relation is evaluated
    assert not set(map(tuple, va.tolist())) & set(map(tuple, te.tolist()))
    assert leaked(va, te) == 0  # a group is never split between valid and test either
    assert set(tr[:, [0, 2]].ravel()) == set(t[:, [0, 2]].ravel())  # every entity keeps a training triple
    assert set(tr[:, 1]) == set(t[:, 1])  # and every relation


def test_split_keeps_every_triple_outside_withheld_reverses():
    t = drug_graph()
    tr, va, te = held_out_split(t, t[:, 1] == TREATS, 0.1, 0.1, 0)
    held = np.concatenate([va, te])
    out = set(map(tuple, t.tolist())) - set(map(tuple, np.concatenate([tr, held]).tolist()))
    # what is in no split is exactly the treated_by reverse of each held-out treats triple
    assert out == {(int(s), TREATED_BY, int(d)) for d, _, s in held}
    assert len(va) == int((t[:, 1] == TREATS).sum() * 0.1)
