"""Code-clone search on the installed standard library: PDG + WL vs exact token shingles.

Queries: functions sampled from the standard library (one per group of functions that are equal
up to local names), among those where at least two statements can change places, so that every
transformation changes every query; each gets clones with renamed identifiers, reordered
independent statements (every run of call-free simple assignments in a random dependence-keeping
order), inserted no-ops, renamed *and* reordered (both on the same function: the category the
target names), and all three at once. The corpus also holds other standard-library functions as
distractors. Reports MAP and Recall@10 over all clones, and MAP and Recall@10 per transformation,
for the default PDG index (dependence edges, no-ops dropped), the same with control-flow edges
and no-ops kept (``pdg_wl_cfg``, the earlier default), and exact token shingles. A second run adds
hard negatives to the corpus: per query, three look-alike copies that behave differently (two
dependent statements swapped, one operator flipped, one statement deleted), never relevant.
``--queries 30 --distractors 200`` is a quick sample for iterating; the committed JSON is a full run.
Writes bench/results/graph_code_clones.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from graphguard.builders.code import EDGE_KINDS
from graphguard.builders.code_clones import NEAR_MISSES, evaluate_clone_search, reorderable, stdlib_functions


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--distractors", type=int, default=1500)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "graph_code_clones.json"))
    a = ap.parse_args()
    t = time.perf_counter()
    fs = stdlib_functions(10 ** 9, seed=0)
    queries = [f for f in fs if reorderable(f[1])][: a.queries]
    qkeys = {k for k, _ in queries}
    distractors = [f for f in fs if f[0] not in qkeys][: a.distractors]
    variants = {"pdg_wl": {}, "pdg_wl_cfg": {"edge_kinds": EDGE_KINDS, "drop_noops": False}}
    res = evaluate_clone_search(queries, distractors=distractors, seed=0, variants=variants)
    res["with_near_misses"] = evaluate_clone_search(queries, distractors=distractors, seed=0, variants=variants,
                                                    near_misses=NEAR_MISSES)
    res["seconds"] = time.perf_counter() - t
    res["n_reorderable_functions"] = sum(reorderable(fn) for _, fn in fs)
    res["n_functions"] = len(fs)
    res["args"] = {"queries": a.queries, "distractors": a.distractors}
    for title, r0 in (("plain corpus", res), ("with near-miss hard negatives", res["with_near_misses"])):
        print(f"{title} (per kind: MAP/R@10)")
        for m in (*variants, "token_shingle"):
            r = r0[m]
            print(f"  {m:14s} MAP {r['map']:.4f}  R@10 {r['recall_at_10']:.4f}  "
                  + "  ".join(f"{k} {v:.3f}/{r['recall_at_10_by_transform'][k]:.3f}"
                              for k, v in r["map_by_transform"].items()))
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
