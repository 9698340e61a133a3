"""One R-GCN layer with basis decomposition: graphguard's BasisRGCNConv against PyG's RGCNConv.

Same parameters (copied), same input, in one process, alternating; forward + backward of
``(out ** 2).sum()`` timed (median of ``--repeats``) and the outputs compared. Graphs: UMLS's
training triples with reciprocals (the ``link train --encoder rgcn`` setting: 92 relations,
400 channels for ComplEx's default 200 complex dimensions), and a generated KG like
``bench/link_sampled.py``'s (skewed degrees). Writes bench/results/link_rgcn_layer.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch
from torch_geometric.nn import RGCNConv

from graphguard.nn.basis_rgcn import BasisRGCNConv

from _data import UMLS, add_data_argument, require_data


def umls_graph(root: Path):
    from graphguard.data.triples import load_triples

    ts = load_triples(root / UMLS.path)
    tr = torch.as_tensor(ts.split("train"))
    ei = torch.cat([tr[:, [0, 2]].T, tr[:, [2, 0]].T], 1)
    et = torch.cat([tr[:, 1], tr[:, 1] + len(ts.relations)])
    return "UMLS", len(ts.entities), 2 * len(ts.relations), ei, et


def generated_graph(triples: int, relations: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    n = triples // 2
    ends = (n * torch.rand(2, triples, generator=g) ** 2).long()  # skewed degrees, as link_sampled.py
    rel = torch.randint(0, relations, (triples,), generator=g)
    ei = torch.cat([ends, ends.flip(0)], 1)
    return f"generated {triples:,} triples", n, 2 * relations, ei, torch.cat([rel, rel + relations])


def time_layer(conv, x, ei, et):
    x = x.detach().requires_grad_(True)
    t = time.perf_counter()
    out = conv(x, ei, et)
    (out ** 2).sum().backward()
    return time.perf_counter() - t, out.detach()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--bases", type=int, default=8)
    ap.add_argument("--generated", type=int, default=250_000, help="triples of the generated KG (0: skip)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "link_rgcn_layer.json"))
    add_data_argument(ap)
    a = ap.parse_args()
    root = require_data(a.data, UMLS)
    torch.set_num_threads(a.threads)
    cases = [(umls_graph(root), 400), (umls_graph(root), 64)]
    if a.generated:
        cases.append((generated_graph(a.generated, 8), 32))
    rows = []
    for (name, n, rels, ei, et), dim in cases:
        torch.manual_seed(0)
        ref = RGCNConv(dim, dim, rels, num_bases=a.bases)
        ours = BasisRGCNConv(dim, dim, rels, num_bases=a.bases)
        ours.load_state_dict(ref.state_dict())
        x = torch.randn(n, dim)
        t_ref, t_ours = [], []
        for _ in range(a.repeats):
            s, o_ref = time_layer(ref, x, ei, et)
            t_ref.append(s)
            s, o_ours = time_layer(ours, x, ei, et)
            t_ours.append(s)
        row = {"graph": name, "entities": n, "relations": rels, "message_edges": int(ei.shape[1]), "dim": dim,
               "bases": a.bases, "pyg_rgcnconv_s": statistics.median(t_ref), "graphguard_s": statistics.median(t_ours),
               "max_abs_output_difference": float((o_ref - o_ours).abs().max())}
        row["speedup"] = row["pyg_rgcnconv_s"] / row["graphguard_s"]
        rows.append(row)
    print(f"{'graph':<28}{'dim':>5}{'edges':>11}{'PyG RGCNConv s':>16}{'graphguard s':>14}{'speed-up':>10}{'max |diff|':>12}")
    for r in rows:
        print(f"{r['graph']:<28}{r['dim']:>5}{r['message_edges']:>11,}{r['pyg_rgcnconv_s']:>16.3f}"
              f"{r['graphguard_s']:>14.3f}{r['speedup']:>9.1f}x{r['max_abs_output_difference']:>12.1e}")
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps({"threads": a.threads, "repeats": a.repeats, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
