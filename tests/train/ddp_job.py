"""Run by the DDP test under torchrun (and once without it): fit GraphSAGE, dump weights + metrics.

Usage: python ddp_job.py OUTDIR STORE. Every rank opens the same graph store memory-mapped (no rank
loads or copies the graph) and records which file its sampler's adjacency is mapped from. Each rank
writes its own weights (to compare them); only rank 0 writes the metrics, as the library does.
"""

import json
import os
import sys

from safetensors.torch import save_file

from graphguard.data.store import homogeneous_view
from graphguard.metrics import auroc, auprc
from graphguard.tasks.node.detectors.gnn import GraphSAGEDetector
from graphguard.train.csc import mapped_file
from graphguard.train.ddp import is_main_process, world
from graphguard.train.sampler import NeighborSampler
from graphguard.utils import set_threads

set_threads(1)
out, store = sys.argv[1], sys.argv[2]
g = homogeneous_view(store, edge_index=False)
det = GraphSAGEDetector(hidden=32, epochs=12, patience=0, batch_size=64, num_neighbors=[8, 4], seed=0).fit(g)
rank = world()[0]
save_file({k: v.contiguous() for k, v in det.model_.state_dict().items()}, os.path.join(out, f"rank{rank}.safetensors"))
det.save(os.path.join(out, "model"))  # a no-op on rank 1
# the adjacency the training sampler reads: the detector's view of g, sampled as train_node_model does
csc = NeighborSampler(det._view(g, fit=False), [2]).csc[("_", "_", "_")]
with open(os.path.join(out, f"rank{rank}_maps.json"), "w") as f:
    json.dump({"adjacency": mapped_file(csc.src), "features": mapped_file(g.x), "edge_index": "edge_index" in g}, f)
if is_main_process():
    s = det.decision_function(g)
    te = g.test_mask.numpy()
    y = g.y.numpy()
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump({"auroc": auroc(y[te], s[te]), "auprc": auprc(y[te], s[te]),
                   "world": world()[1], "mode": det.train_result_["mode"]}, f)
