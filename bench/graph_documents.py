"""Document parsing on generated forms: box-label F1 and question->answer pair F1.

Train on generated forms, test on forms from other seeds (unseen layouts draws, jitter and
distractors), repeated over seeds. Reference: a box classifier on the box's own features only
(no graph), same trees, to show what the spatial graph adds. Writes
bench/results/graph_documents.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

from graphguard.builders.document import boxes_to_graph
from graphguard.builders.forms import make_forms
from graphguard.tasks.graph.document import DocumentParser, _xgb, evaluate_parser
from graphguard.utils import set_threads


def no_graph_f1(train, test, seed):
    Xtr = np.concatenate([g.x.numpy() for g in train])
    ytr = np.concatenate([g.y.numpy() for g in train])
    m = _xgb(True, seed, 200).fit(Xtr, ytr)
    yt = np.concatenate([g.y.numpy() for g in test])
    yp = np.concatenate([m.predict(g.x.numpy()) for g in test])
    return float(f1_score(yt, yp, average="macro"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", type=int, default=200)
    ap.add_argument("--test", type=int, default=200)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "graph_documents.json"))
    a = ap.parse_args()
    set_threads(a.threads)
    runs = []
    for s in range(a.seeds):
        t = time.perf_counter()
        train = [boxes_to_graph(f) for f in make_forms(a.train, seed=10 + s)]
        test = [boxes_to_graph(f) for f in make_forms(a.test, seed=1000 + s)]
        parser = DocumentParser(seed=s).fit(train)
        r = evaluate_parser(parser, test)
        r["no_graph_box_f1_macro"] = no_graph_f1(train, test, s)
        r["seconds"] = time.perf_counter() - t
        runs.append(r)
        print(f"seed {s}: box F1 {r['box_f1_macro']:.4f} (no graph {r['no_graph_box_f1_macro']:.4f})  "
              f"pair F1 {r['pair_f1']:.4f}")
    summary = {k: float(np.mean([r[k] for r in runs])) for k in ("box_f1_macro", "box_f1_micro", "pair_f1",
                                                                  "pair_precision", "pair_recall",
                                                                  "no_graph_box_f1_macro")}
    summary.update({f"{k}_std": float(np.std([r[k] for r in runs])) for k in ("box_f1_macro", "pair_f1")})
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps({"train_forms": a.train, "test_forms": a.test, "seeds": a.seeds,
                                       "summary": summary, "runs": runs}, indent=2))


if __name__ == "__main__":
    main()
