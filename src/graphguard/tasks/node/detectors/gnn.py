"""GNN node detectors: GCN, GraphSAGE, GAT, RGCN, HGT and BWGNN behind one estimator contract.

All share :func:`graphguard.train.loop.train_node_model` (class-weighted loss, early stopping on
validation AUPRC with the best weights restored, full-batch or sampled mini-batches, DDP under
torchrun). What differs is the view of the graph each model reads:

* homogeneous models (GCN, GraphSAGE, GAT) on a ``HeteroData`` use the target node type with all
  same-type relations merged (other relations contribute degree columns, see ``to_relational``);
* relation-aware models keep the relations: RGCN and BWGNN get one edge type per relation of
  ``to_relational`` (BWGNN builds one wavelet filter bank per relation), HGT reads the full
  multi-type graph.

On a ``HeteroData`` a model keeps the relations it read (HGT: the node and edge types) and reads a
graph's by name in that order (:mod:`graphguard.tasks.node.relations`), so a graph listing its types
in another order scores the same; a missing, renamed or extra one is refused in one line. HGT also
refuses a node type whose features were absent at fit and present now, the reverse, or of another
width (its projections read each type's ``x``, a type without one as all ones).

Features are standardised with statistics of the whole graph (transductive and label-free), kept
with the weights so scoring a new graph uses the same transform. The homogeneous and relational
views standardise lazily (:mod:`graphguard.train.features`): a store's mapped features are read
in place by every DDP rank, never copied whole.
"""

from __future__ import annotations

import numpy as np
import torch
from torch_geometric.data import Data, HeteroData
from torch_geometric.utils import coalesce

from graphguard.data.graph import is_hetero, relational_parts, target_type
from graphguard.errors import DataError
from graphguard.tasks.node.base import NodeDetector
from graphguard.tasks.node.columns import check_width, width
from graphguard.tasks.node.relations import check_relations, check_types, own_relations, target_relations
from graphguard.train.csc import attach, attached, with_edge_index
from graphguard.train.features import Standardizer
from graphguard.train.loop import TrainConfig, score_nodes, train_node_model
from graphguard.utils.seed import seed_everything


def _same_type_cscs(graph, order: list | None) -> list:
    """The attached CSC (or ``None``) of each relation ``relational_parts(graph, order=order)`` lists, in its order."""
    if not is_hetero(graph):
        return [attached(graph)]
    t = target_type(graph)
    return [attached(graph, et) for et in (graph.edge_types if order is None else order) if et[0] == et[2] == t]


class _GNNDetector(NodeDetector):
    """Shared estimator; subclasses set ``name`` and ``view`` and build their module.

    A graph opened from a store without ``edge_index`` (``load_graph(..., edge_index=False)``, what
    ``graphguard node train`` does with a store) is read in place: the homogeneous view of its one
    target-type relation hands the store's CSC to the sampler, so DDP ranks share its pages.
    """

    view = "homogeneous"  # or "relational" / "typed"
    reads_store = True  # fits from a store-backed graph without edge_index
    data_parallel = True

    def __init__(self, hidden: int = 64, num_layers: int = 2, lr: float = 0.01, epochs: int = 200,
                 patience: int = 50, dropout: float = 0.0, weight_decay: float = 0.0,
                 batch_size: int | None = None, num_neighbors: list[int] | None = None, seed: int = 0):
        self.hidden = hidden
        self.num_layers = num_layers
        self.lr = lr
        self.epochs = epochs
        self.patience = patience
        self.dropout = dropout
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.num_neighbors = num_neighbors
        self.seed = seed

    # ------------------------------------------------------------------ views of the graph
    def _view(self, graph, fit: bool):
        """The graph the module reads, plus the information needed to rebuild the module."""
        if self.view == "typed":
            return self._typed_view(with_edge_index(graph), fit)
        order = self._relation_order(graph, fit)
        x, extra, eis, names = relational_parts(graph, lazy=self.view == "homogeneous", order=order)
        n = x.shape[0]
        if not fit and self.relations_ is None and names != self.relation_names_:
            raise DataError("predict", f"graph relations {names} differ from the fitted ones {self.relation_names_}")
        if fit:
            st = Standardizer.fit(x, extra)
            self.x_mean_, self.x_std_ = st.mean, st.std
        y = (graph[target_type(graph)] if is_hetero(graph) else graph).get("y")
        cscs = _same_type_cscs(graph, order)  # the store CSC (or None) of each relation in eis
        if self.view == "relational":
            ei = torch.cat(eis, 1) if eis else torch.empty(2, 0, dtype=torch.long)
            et = torch.cat([torch.full((e.shape[1],), r, dtype=torch.long) for r, e in enumerate(eis)]) \
                if eis else torch.empty(0, dtype=torch.long)
            d = Data(x=x, edge_index=ei, edge_type=et, num_nodes=n)
        elif len(eis) == 1 and cscs[0] is not None:
            # a store-backed graph: the sampler keeps reading the store's CSC in place, no edge copy
            d = Data(x=x, num_nodes=n)
            if eis[0] is not None:
                d.edge_index = eis[0]
            attach(d, None, cscs[0])
        else:
            eis = [e if e is not None else c.edge_index() for e, c in zip(eis, cscs)]
            ei = torch.cat(eis, 1) if eis else torch.empty(2, 0, dtype=torch.long)
            if len(eis) > 1:  # an edge in several relations counts once; coalesce sorts a 1-D key,
                ei = coalesce(ei, num_nodes=n)  # 20x faster than unique(dim=1) on YelpChi's 7.3M edges
            d = Data(x=x, edge_index=ei, num_nodes=n)
        if extra is not None:
            d.x_extra = extra
        d.x_scaler = Standardizer(self.x_mean_, self.x_std_)  # applied per batch / chunk: x stays mapped
        if y is not None:
            d.y = y.clamp(min=0)
        return d

    def _relation_order(self, graph, fit: bool) -> list | None:
        """The relations the view reads (``target_relations``), in the fitted order; a graph with other ones
        is refused in one line. ``None`` for models saved before relations were kept by name: those read
        the graph's own order and compare relation names (``relation_names_``) as they did then."""
        if fit:
            self.target_type_, self.relations_ = target_relations(graph)
        elif self.relations_ is None:
            return None
        else:
            check_relations(graph, self.target_type_, self.relations_)
        return self.relations_ if is_hetero(graph) else None

    def _typed_view(self, graph, fit: bool) -> HeteroData:
        if not is_hetero(graph):
            h = HeteroData()
            h["node"].x = graph.x
            h["node"].num_nodes = graph.num_nodes
            if "y" in graph:
                h["node"].y = graph.y
            h["node", "to", "node"].edge_index = graph.edge_index
            h.target_node_type = "node"
            graph = h
        t = target_type(graph)
        out = HeteroData()
        if fit:
            self.stats_ = {}
            self.metadata_ = [list(graph.node_types), [list(et) for et in graph.edge_types]]
            self.target_ = t
        node_types, edge_types = self.metadata_[0], [tuple(et) for et in self.metadata_[1]]
        if not fit:  # types by name: the view lists them in the fitted order, so the module reads the same
            check_types(graph, node_types, edge_types)
            if t != self.target_:
                raise DataError("predict", f"graph's target node type is '{t}', the model was fitted on '{self.target_}'")
            for nt in node_types:  # a type's projection reads x of its fitted width, or all ones without one
                fitted = int(self.stats_[nt][0].numel()) if nt in self.stats_ else 0
                check_width(f"node type '{nt}'", fitted, width(graph[nt]))
        for nt in node_types:
            s = graph[nt]
            out[nt].num_nodes = s.num_nodes
            if "x" in s:
                if fit:
                    st = Standardizer.fit(s.x)
                    self.stats_[nt] = (st.mean, st.std)
                out[nt].x = Standardizer(*self.stats_[nt])(s.x)
        for et in edge_types:
            out[et].edge_index = graph[et].edge_index
        if "y" in graph[t]:
            out[t].y = graph[t].y.clamp(min=0)
        out.target_node_type = t
        return out

    # ------------------------------------------------------------------ module
    def _config(self) -> TrainConfig:
        return TrainConfig(epochs=self.epochs, lr=self.lr, weight_decay=self.weight_decay, patience=self.patience,
                           batch_size=self.batch_size, num_neighbors=self.num_neighbors, seed=self.seed,
                           desc=f"train {self.name}")

    def _num_hops(self) -> int:
        return self.num_layers

    def _build(self, arch: dict) -> torch.nn.Module:
        raise NotImplementedError

    def _arch(self, view) -> dict:
        return {"in_dim": int(self.x_mean_.numel()), "hidden": self.hidden, "num_layers": self.num_layers,
                "dropout": self.dropout, "num_relations": max(1, len(own_relations(self.target_type_, self.relations_)))}

    def save(self, path):
        """Write the model directory; under torchrun only rank 0 writes (all ranks hold the same weights)."""
        from pathlib import Path

        from graphguard.train.ddp import is_main_process

        return super().save(path) if is_main_process() else Path(path)

    # ------------------------------------------------------------------ NodeDetector hooks
    def _fit(self, graph, train_idx, val_idx) -> None:
        seed_everything(self.seed)
        view = self._view(graph, fit=True)
        self.arch_ = self._arch(view)
        self.model_ = self._build(self.arch_)
        res = train_node_model(self.model_, view, train_idx, val_idx, self._config(), self._num_hops())
        self.train_result_ = {"mode": res.mode, "best_epoch": res.best_epoch,
                              "best_val_auprc": res.best_val_auprc, "epochs_run": res.epochs_run}

    def _score(self, graph) -> np.ndarray:
        return score_nodes(self.model_, self._view(graph, fit=False), self._config())

    def _state(self) -> tuple[dict, dict]:
        tensors = {f"model.{k}": v for k, v in self.model_.state_dict().items()}
        extra = {"arch": self.arch_, "train": self.train_result_}
        if self.view == "typed":
            extra.update(metadata=self.metadata_, target=self.target_)
            for nt, (m, sd) in self.stats_.items():
                tensors[f"x_mean.{nt}"], tensors[f"x_std.{nt}"] = m, sd
        else:
            extra.update(target_type=self.target_type_, relations=[list(r) for r in self.relations_])
            tensors["x_mean"], tensors["x_std"] = self.x_mean_, self.x_std_
        return extra, tensors

    def _restore(self, state: dict, tensors: dict) -> None:
        self.arch_ = state["arch"]
        self.train_result_ = state.get("train", {})
        if self.view == "typed":
            self.metadata_, self.target_ = state["metadata"], state["target"]
            self.stats_ = {k[len("x_mean."):]: (tensors[k], tensors["x_std." + k[len("x_mean."):]])
                           for k in tensors if k.startswith("x_mean.")}
        elif "target_type" in state:
            self.target_type_, self.relations_ = state["target_type"], [tuple(r) for r in state["relations"]]
            self.x_mean_, self.x_std_ = tensors["x_mean"], tensors["x_std"]
        else:  # saved before relations were kept by name: the same-type relation names, in graph order
            self.relations_, self.relation_names_ = None, state["relations"]
            self.x_mean_, self.x_std_ = tensors["x_mean"], tensors["x_std"]
        self.model_ = self._build(self.arch_)
        self.model_.load_state_dict({k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")})
        self.model_.eval()


class GCNDetector(_GNNDetector):
    """Graph convolutional network on the homogeneous view (all relations merged)."""

    name = "gcn"

    def _build(self, a):
        from graphguard.nn import GCN

        return GCN(a["in_dim"], a["hidden"], a["num_layers"], dropout=a["dropout"])


class GraphSAGEDetector(_GNNDetector):
    """GraphSAGE (mean aggregation) on the homogeneous view (all relations merged)."""

    name = "graphsage"

    def _build(self, a):
        from graphguard.nn import GraphSAGE

        return GraphSAGE(a["in_dim"], a["hidden"], a["num_layers"], dropout=a["dropout"])


class GATDetector(_GNNDetector):
    """Graph attention network (``heads`` per layer) on the homogeneous view (all relations merged)."""

    name = "gat"

    def __init__(self, heads: int = 4, **kw):
        super().__init__(**kw)
        self.heads = heads

    def _arch(self, view):
        return {**super()._arch(view), "heads": self.heads}

    def _build(self, a):
        from graphguard.nn import GAT

        return GAT(a["in_dim"], a["hidden"], a["num_layers"], dropout=a["dropout"], heads=a["heads"])


class RGCNDetector(_GNNDetector):
    """Relational GCN: one weight per relation of the target node type."""

    name = "rgcn"
    view = "relational"

    def _build(self, a):
        from graphguard.nn import RGCN

        return RGCN(a["in_dim"], a["hidden"], a["num_layers"], dropout=a["dropout"],
                    num_relations=a["num_relations"])


class BWGNNDetector(_GNNDetector):
    """Beta-wavelet GNN; ``order`` is the polynomial order C (C + 1 filters per relation)."""

    name = "bwgnn"
    view = "relational"

    def __init__(self, order: int = 2, **kw):
        super().__init__(**kw)
        self.order = order

    def _num_hops(self) -> int:
        return self.order

    def _arch(self, view):
        return {**super()._arch(view), "order": self.order}

    def _build(self, a):
        from graphguard.nn import BWGNN

        return BWGNN(a["in_dim"], a["hidden"], a["order"], dropout=a["dropout"], num_relations=a["num_relations"])


class HGTDetector(_GNNDetector):
    """Heterogeneous graph transformer; a node type without features (the target's too) reads all ones,
    so scoring refuses a graph whose types have ``x`` of another width, or lack or gain one."""

    name = "hgt"
    view = "typed"
    needs_features = False

    def __init__(self, heads: int = 2, **kw):
        super().__init__(**kw)
        self.heads = heads

    def _arch(self, view):
        return {"in_dims": {nt: int(view[nt].x.shape[1]) for nt in view.node_types if "x" in view[nt]},
                "hidden": self.hidden, "num_layers": self.num_layers, "dropout": self.dropout, "heads": self.heads}

    def _build(self, a):
        from graphguard.nn import HGT

        meta = (self.metadata_[0], [tuple(et) for et in self.metadata_[1]])
        return HGT(a["in_dims"], meta, self.target_, a["hidden"], a["num_layers"], a["heads"], dropout=a["dropout"])
