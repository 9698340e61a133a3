"""Torch modules behind the GNN detectors (the estimators live in ``graphguard.tasks``)."""

from graphguard.nn.bwgnn import BWGNN
from graphguard.nn.gat import GAT
from graphguard.nn.gcn import GCN
from graphguard.nn.hgt import HGT
from graphguard.nn.rgcn import RGCN
from graphguard.nn.sage import GraphSAGE

__all__ = ["GCN", "GraphSAGE", "GAT", "RGCN", "HGT", "BWGNN"]

import warnings as _warnings

# torch flags its CSR tensors as beta on every construction; they are used on purpose here
_warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
_warnings.filterwarnings("ignore", message="Sparse invariant checks are implicitly disabled")
