"""Run by the CLI DDP test under torchrun (and once without it): ``graphguard node train`` on a store.

Usage: python ddp_cli_job.py OUTDIR STORE. Each rank runs the real CLI command in process (the same
code ``graphguard node train --nproc 2`` starts in each torchrun process) with the detector's
``_fit`` wrapped to record, after training, this rank's weights, whether the graph the CLI loaded
holds any ``edge_index``, the files the training sampler's adjacency and the features are mapped
from, and the rank's Rss/Pss.
"""

import json
import os
import sys

from safetensors.torch import save_file

from graphguard.cli import app
from graphguard.tasks.node.detectors import gnn
from graphguard.train.csc import mapped_file
from graphguard.train.ddp import world
from graphguard.train.sampler import NeighborSampler

out, store = sys.argv[1], sys.argv[2]
fit = gnn._GNNDetector._fit


def recording_fit(self, graph, train_idx, val_idx):
    fit(self, graph, train_idx, val_idx)
    rank = world()[0]
    save_file({k: v.contiguous() for k, v in self.model_.state_dict().items()}, os.path.join(out, f"rank{rank}.safetensors"))
    csc = NeighborSampler(self._view(graph, fit=False), [2]).csc[("_", "_", "_")]  # what train_node_model samples
    mem = {ln.split(":")[0]: int(ln.split()[1]) for ln in open("/proc/self/smaps_rollup") if ln.split(":")[0] in ("Rss", "Pss")}
    with open(os.path.join(out, f"rank{rank}_maps.json"), "w") as f:
        json.dump({"adjacency": mapped_file(csc.src), "features": mapped_file(self._view(graph, fit=False).x),
                   "edge_index": any("edge_index" in graph[et] for et in graph.edge_types),
                   "rss_kb": mem["Rss"], "pss_kb": mem["Pss"]}, f)


gnn._GNNDetector._fit = recording_fit
params = json.dumps({"hidden": 32, "epochs": 12, "patience": 0, "batch_size": 64, "num_neighbors": [8, 4]})
try:
    app(["node", "train", "--data", store, "--model", "graphsage", "--out", os.path.join(out, "model"),
         "--params", params, "--quiet", "--threads", "1"], standalone_mode=False)
except SystemExit as e:  # typer's normal exit
    if e.code:
        raise
