"""Torch modules behind the GNN detectors (the estimators live in ``graphguard.tasks``)."""

from graphguard.nn.bwgnn import BWGNN
from graphguard.nn.gat import GAT
from graphguard.nn.gcn import GCN
from graphguard.nn.hgt import HGT
from graphguard.nn.rgcn import RGCN
from graphguard.nn.sage import GraphSAGE

__all__ = ["GCN", "GraphSAGE", "GAT", "RGCN", "HGT", "BWGNN"]

