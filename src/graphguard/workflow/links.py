"""Link prediction jobs: knowledge-graph embeddings (``graphguard.tasks.link.LinkPredictor``) from a job file.

Data: a triples folder or archive (``train/valid/test.txt``, whose splits are kept), or a Neptune
CSV export, whose edges become ``(~from, ~label, ~to)`` triples split at random with the job's
fractions, an edge together with its mirror and its reverse (``held_out_split``). ``target.relation`` narrows what is predicted and evaluated to one relation; the other
relations still train the embeddings. The split triples are written to ``RUN_DIR/triples/`` so a
resumed run and the server see exactly the same data.

Metrics are filtered MRR and Hits@K over head and tail prediction (``tasks.link.evaluation``), and
AUROC of each test triple against one corrupted tail that forms no known triple.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import torch

from graphguard.errors import DataError
from graphguard.workflow.driver import TaskRun

RANK_KEYS = {"mrr": "mrr", "hits@1": "hits_at_1", "hits@3": "hits_at_3", "hits@10": "hits_at_10",
             "mean_rank": "mean_rank"}


def write_triples(folder, ts) -> None:
    """The three splits as ``head<TAB>relation<TAB>tail`` files (atomically, one file at a time)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("train", "valid", "test"):
        t = ts.split(name)
        lines = [f"{ts.entities[h]}\t{ts.relations[r]}\t{ts.entities[o]}" for h, r, o in t.tolist()]
        tmp = folder / f"{name}.txt.tmp"
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        os.replace(tmp, folder / f"{name}.txt")


def held_out_split(triples: np.ndarray, target: np.ndarray, valid_fraction: float, test_fraction: float, seed: int):
    """Random valid/test triples among ``triples[target]``; every entity and relation keeps a training triple.

    Triples are held out by ``leakage_groups``: a triple, its mirror and its reverse (``treats`` /
    ``treated_by``) leave training together, since training on one gives the other away. The
    group's target triples go to one split; its other triples (the reverse of a single target
    relation) are withheld from every split, as PyG's ``RandomLinkSplit(rev_edge_types=...)`` does.
    A group is held out only if its heads, tails and relations still occur in training.
    """
    from graphguard.data.triples import leakage_groups

    rng = np.random.default_rng(seed)
    group = leakage_groups(triples)
    order = np.argsort(group, kind="stable")
    members = np.split(order, np.flatnonzero(np.diff(group[order])) + 1)  # triple ids of group g
    n_target = int(target.sum())
    n_va, n_te = int(n_target * valid_fraction), int(n_target * test_fraction)
    ent = np.bincount(triples[:, [0, 2]].ravel(), minlength=int(triples[:, [0, 2]].max()) + 1)
    rel = np.bincount(triples[:, 1])
    test: list[int] = []
    valid: list[int] = []
    withheld: list[int] = []
    for g in rng.permutation(np.unique(group[target])):
        if len(test) + len(valid) >= n_va + n_te:
            break
        idx = members[g]
        if not _keeps_training_support(triples[idx], ent, rel):
            continue
        ent -= np.bincount(triples[idx][:, [0, 2]].ravel(), minlength=len(ent))
        rel -= np.bincount(triples[idx][:, 1], minlength=len(rel))
        (test if len(test) < n_te else valid).extend(idx[target[idx]].tolist())
        withheld.extend(idx[~target[idx]].tolist())
    keep = np.ones(len(triples), dtype=bool)
    keep[test + valid + withheld] = False
    return triples[keep], triples[valid], triples[test]


def _keeps_training_support(group: np.ndarray, ent: np.ndarray, rel: np.ndarray) -> bool:
    """Whether every entity and relation of ``group`` occurs in more triples than the group's own."""
    e, e_uses = np.unique(group[:, [0, 2]].ravel(), return_counts=True)
    r, r_uses = np.unique(group[:, 1], return_counts=True)
    return bool((ent[e] > e_uses).all() and (rel[r] > r_uses).all())


@torch.no_grad()
def link_auroc(est, triples: np.ndarray, seed: int = 0, model: str = "link model") -> float:
    """AUROC of true triples against one corrupted tail each (a tail that forms no known triple).

    No triples is an error, as in ``rank_metrics``: a NaN would be written to metrics.json as if measured.
    Scores that are NaN or inf are one line naming ``model``.
    """
    from sklearn.metrics import roc_auc_score

    from graphguard.metrics import check_finite_scores

    if len(triples) == 0:
        raise DataError("evaluation", "no triples to score for AUROC")
    rng = np.random.default_rng(seed)
    n = len(est.entities_)
    known = set(map(tuple, est.known_.tolist()))
    neg = rng.integers(0, n, len(triples))
    for i, (h, r, t) in enumerate(triples.tolist()):
        for _ in range(50):
            if (h, r, int(neg[i])) not in known:
                break
            neg[i] = rng.integers(0, n)
    tt = torch.as_tensor(triples)
    scores = est.model_.score_t(tt[:, 0], tt[:, 1])
    rows = torch.arange(len(tt))
    pos, bad = scores[rows, tt[:, 2]].numpy(), scores[rows, torch.as_tensor(neg)].numpy()
    y = np.r_[np.ones(len(pos)), np.zeros(len(bad))]
    return float(roc_auc_score(y, check_finite_scores(np.r_[pos, bad], model)))


class LinkRun(TaskRun):
    task = "link_prediction"

    formats = ("triples", "neptune")
    formats_hint = "; a link_prediction job reads triples (train/valid/test.txt or a .tar.gz of them) or a Neptune CSV export"

    def guess_format(self, path):
        if path.is_dir() and any(p.name.endswith((".csv", ".csv.gz")) for p in path.iterdir()):
            return "neptune"
        return None

    def prepare(self) -> None:
        from graphguard.data.triples import TripleSet, load_triples

        job, spec = self.job, self.job.spec
        path, fmt = self.source()
        rel = spec.target.relation if spec.target else None
        if fmt == "triples":
            ts = load_triples(path)
            if rel is not None:
                if rel not in ts.relations:
                    raise job.error(("target", "relation"), f"no relation '{rel}' in {path.name} "
                                    f"(relations: {', '.join(ts.relations[:20])})")
                r = ts.relations.index(rel)
                ts = TripleSet(ts.entities, ts.relations, ts.train, ts.valid[ts.valid[:, 1] == r],
                               ts.test[ts.test[:, 1] == r], source=ts.source)
            notes = [f"splits as given in {path.name}"]
        else:
            folder = path if path.is_dir() else path.parent
            labelled, relations = _neptune(job, folder, rel)
            ents = sorted({h for h, _, _ in labelled} | {t for _, _, t in labelled})
            e_id, r_id = {e: i for i, e in enumerate(ents)}, {r: i for i, r in enumerate(relations)}
            coded = np.unique(np.asarray([(e_id[h], r_id[r], e_id[t]) for h, r, t in labelled], dtype=np.int64), axis=0)
            target = coded[:, 1] == r_id[rel] if rel is not None else np.ones(len(coded), dtype=bool)
            tr, va, te = held_out_split(coded, target, spec.split.val, spec.split.test, spec.split.seed)
            ts = TripleSet(ents, relations, tr, va, te, source=str(folder))
            withheld = len(coded) - len(tr) - len(va) - len(te)
            notes = [f"{len(coded):,} distinct edges of {len(relations)} relation(s) from the Neptune export; "
                     f"valid/test drawn from {rel or 'every relation'} at random (seed {spec.split.seed}), "
                     "each edge with its mirror and reverse"
                     + (f"; {withheld:,} reverse edge(s) of held-out links withheld from training" if withheld else "")]
        for name in ("valid", "test"):
            if not len(ts.split(name)):
                loc = ("target", "relation") if rel else ("split",) if fmt == "neptune" else ("data", "path")
                raise job.error(loc,
                                f"the {name} split has no triples{f' of relation {rel!r}' if rel else ''}; "
                                "a link_prediction job needs validation and test links"
                                + (" (an edge is held out only when both its ends also occur in other edges)"
                                   if fmt == "neptune" else ""))
        write_triples(self.rd / "triples", ts)
        self.config_data({"entities": ts.num_entities, "relations": ts.num_relations, "format": fmt,
                          "relation": rel, "notes": notes,
                          "split": {"train": len(ts.train), "valid": len(ts.valid), "test": len(ts.test)}})

    def load(self):
        from graphguard.data.triples import load_triples

        return load_triples(self.rd / "triples")

    def resolve(self, name):
        from graphguard.tasks.link import LinkPredictor

        return LinkPredictor

    def make(self, name, params):
        from graphguard.tasks.link import LinkPredictor

        return LinkPredictor(name, **{k: v for k, v in params.items() if k != "model"})

    def fit(self, model):
        return model.fit(self.data)

    def _metrics(self, est, split: str) -> dict:
        m = est.evaluate(self.data, split)
        out = {RANK_KEYS[k]: v for k, v in m.items() if k in RANK_KEYS}
        out["auroc"] = link_auroc(est, self.data.split(split), seed=self.job.spec.seed, model=str(self.rd / "model"))
        out["triples"] = int(len(self.data.split(split)))
        return out

    def validation_score(self, model) -> float:
        metric = self.job.spec.metric
        if metric == "auroc":
            return link_auroc(model, self.data.valid, seed=self.job.spec.seed)
        return {RANK_KEYS[k]: v for k, v in model.evaluate(self.data, "valid").items() if k in RANK_KEYS}[metric]

    def load_model(self, path):
        from graphguard.tasks.link import LinkPredictor

        return LinkPredictor.load(path)

    def evaluate(self, model, best):
        from graphguard.tasks.link.evaluation import KnownTriples, triple_ranks

        ts = self.data
        known = KnownTriples(np.concatenate([model.known_, ts.all_triples()]), ts.num_entities, ts.num_relations)
        ranks = triple_ranks(model.model_, ts.test, known)
        with torch.no_grad():
            tt = torch.as_tensor(ts.test)
            top = model.model_.score_t(tt[:, 0], tt[:, 1]).argmax(1).numpy()
        df = pd.DataFrame({
            "head": [ts.entities[i] for i in ts.test[:, 0]], "relation": [ts.relations[i] for i in ts.test[:, 1]],
            "tail": [ts.entities[i] for i in ts.test[:, 2]], "tail_rank": ranks["tail"].numpy(),
            "head_rank": ranks["head"].numpy(), "top_tail": [ts.entities[i] for i in top]})
        tmp = self.rd / "predictions.csv.tmp"
        df.to_csv(tmp, index=False)
        os.replace(tmp, self.rd / "predictions.csv")
        return {"val": self._metrics(model, "valid"), "test": self._metrics(model, "test")}


def _neptune(job, folder, rel):
    from graphguard.workflow.source import NoRelation, read_neptune_triples

    try:
        triples, relations = read_neptune_triples(folder, rel)
    except NoRelation as e:
        raise job.error(("target", "relation"), f"required here: {e}") from None
    if rel is not None and rel not in relations:
        raise job.error(("target", "relation"), f"no edges with ~label '{rel}' in the export "
                        f"(labels: {', '.join(relations)})")
    return triples, relations
