"""GNN graph classifier/regressor: GIN (GINE when edges carry features), GCN or GraphSAGE.

Architecture and training follow Xu et al. (2019): GIN-0 layers whose MLPs have batch norm, a
readout that sums per-layer scores of every layer's pooled vector (``jk``), Adam with the learning
rate halved every 50 epochs, dropout on the head (``layer_dropout`` adds it between layers; by
default it equals ``dropout``, as in OGB's molecule GINs). An epoch is one pass over the training
graphs (the paper's epochs are 50 random batches). Regression standardises the targets for
training and predicts in the original units. When validation graphs are given (or ``val_fraction`` > 0 holds some out, stratified)
the weights of the epoch with the best validation score are kept, which is the inner model
selection of Errica et al. (2020); the test fold is never looked at.
"""

from __future__ import annotations

import time

import numpy as np
import torch
import torch.nn.functional as F
from torch_geometric.data import Data
from torch_geometric.loader import DataLoader

from graphguard._console import progress
from graphguard.errors import ConfigError, DataError
from graphguard.nn.graph_encoders import CONVS, GraphClassifierNet
from graphguard.tasks.graph.base import GraphEstimator
from graphguard.utils.seed import seed_everything


def slim(graphs: list[Data], y: np.ndarray | None = None, use_edge_attr: bool = True) -> list[Data]:
    """Copies holding only what the network reads (strings and extra fields slow collation)."""
    out = []
    for i, g in enumerate(graphs):
        d = Data(x=g.x.float(), edge_index=g.edge_index, num_nodes=g.num_nodes)
        if use_edge_attr and getattr(g, "edge_attr", None) is not None:
            ea = g.edge_attr.float()
            d.edge_attr = ea.unsqueeze(1) if ea.dim() == 1 else ea
        if y is not None:
            d.y = torch.tensor([y[i]])
        out.append(d)
    return out


def stratified_holdout(y: np.ndarray, fraction: float, seed: int, classification: bool = True):
    """(train, validation) index arrays; stratified by class when every class has two or more members."""
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(y))
    n_val = max(int(round(fraction * len(y))), 1)
    strat = None
    if classification:
        counts = np.unique(y, return_counts=True)[1]
        if counts.min() >= 2 and len(y) - len(counts) >= len(counts):
            strat, n_val = y, max(n_val, len(counts))
    return train_test_split(idx, test_size=n_val, random_state=seed, stratify=strat)


class GNNGraphClassifier(GraphEstimator):
    _param_names = ("model", "hidden", "layers", "pooling", "virtual_node", "dropout", "layer_dropout", "jk",
                    "train_eps", "lr", "weight_decay", "epochs", "batch_size", "val_fraction", "use_edge_attr",
                    "task", "seed")

    def __init__(self, model: str = "gin", hidden: int = 64, layers: int = 4, pooling: str = "sum",
                 virtual_node: bool = False, dropout: float = 0.5, layer_dropout: float | None = None,
                 jk: bool = True, train_eps: bool = False, lr: float = 0.01, weight_decay: float = 0.0,
                 epochs: int = 100, batch_size: int = 32, val_fraction: float = 0.1, use_edge_attr: bool = True,
                 task: str = "classification", seed: int = 0):
        self.model, self.hidden, self.layers, self.pooling = model, hidden, layers, pooling
        self.virtual_node, self.dropout, self.layer_dropout = virtual_node, dropout, layer_dropout
        self.jk, self.train_eps, self.lr, self.weight_decay = jk, train_eps, lr, weight_decay
        self.epochs, self.batch_size, self.val_fraction = epochs, batch_size, val_fraction
        self.use_edge_attr, self.task, self.seed = use_edge_attr, task, seed

    # -- network -----------------------------------------------------------------------------
    def _build(self, in_dim: int, out_dim: int, edge_dim: int | None) -> None:
        if self.model not in CONVS:
            raise ConfigError(f"unknown graph model '{self.model}' (choose from {', '.join(CONVS)})")
        conv = self.model
        if conv == "gin" and edge_dim:
            conv = "gine"
        self.conv_, self.edge_dim_, self.out_dim_ = conv, edge_dim or 0, out_dim
        self.net_ = GraphClassifierNet(in_dim, out_dim, dropout=self.dropout, layer_dropout=self.layer_dropout,
                                       hidden=self.hidden, layers=self.layers, conv=conv, pooling=self.pooling,
                                       virtual_node=self.virtual_node, edge_dim=edge_dim, jk=self.jk,
                                       train_eps=self.train_eps)

    def _forward(self, b, encoder_only: bool = False):
        args = (b.x, b.edge_index, b.batch, getattr(b, "edge_attr", None), b.num_graphs)
        return self.net_.encoder(*args) if encoder_only else self.net_(*args)

    def _loss(self, out, y):
        if self.task == "classification":
            return F.cross_entropy(out, y)
        return F.mse_loss(out.reshape(-1), y.float())

    @staticmethod
    def _check_graphs(graphs, edge_dim: int, source: str) -> None:
        """When the network reads edge features (GINE), every graph has ``edge_dim`` of them on every
        edge: message passing would otherwise fail deep inside torch (``check_graphs`` has already
        refused graphs without nodes)."""
        for i, g in enumerate(graphs):
            if not edge_dim:
                continue
            ea = getattr(g, "edge_attr", None)
            if ea is None:
                raise DataError(source, f"graph {i} has no edge features; the model reads {edge_dim} per edge "
                                        "(a TU folder's *_edge_labels.txt)")
            width = 1 if ea.dim() == 1 else int(ea.shape[1])
            if width != edge_dim or ea.shape[0] != g.edge_index.shape[1]:
                raise DataError(source, f"graph {i} has {width} edge features for {ea.shape[0]} of its "
                                        f"{g.edge_index.shape[1]} edges; the model reads {edge_dim} on every edge")

    def _check_model_input(self, graphs, source):
        self._check_graphs(graphs, self.edge_dim_, source)

    def _edge_dim(self, graphs) -> int | None:
        if not self.use_edge_attr:
            return None
        ea = getattr(graphs[0], "edge_attr", None)
        if ea is None:
            return None
        return 1 if ea.dim() == 1 else int(ea.shape[1])

    # -- training ------------------------------------------------------------------------------
    def _fit(self, graphs, y, val):
        seed_everything(self.seed)
        edge_dim = self._edge_dim(graphs)
        self._check_graphs(graphs, edge_dim or 0, "<graphs>")  # before the holdout, so that i is the user's index
        if val is not None:
            self._check_graphs(val[0], edge_dim or 0, "<validation graphs>")
        if val is None and self.val_fraction and self.val_fraction > 0:
            tr, va = stratified_holdout(y, self.val_fraction, self.seed, self.task == "classification")
            val = ([graphs[i] for i in va], y[va])
            graphs, y = [graphs[i] for i in tr], y[tr]
        self.y_mean_, self.y_std_ = 0.0, 1.0
        if self.task == "regression":
            self.y_mean_, self.y_std_ = float(np.mean(y)), float(np.std(y)) or 1.0
            y = (y - self.y_mean_) / self.y_std_
            if val is not None:
                val = (val[0], (np.asarray(val[1], dtype=np.float32) - self.y_mean_) / self.y_std_)
        out_dim = len(self.classes_) if self.task == "classification" else 1
        self._build(int(graphs[0].x.shape[1]), out_dim, edge_dim)
        train = slim(graphs, y, edge_dim is not None)
        # drop_last: a trailing batch of one graph would break batch norm
        loader = DataLoader(train, batch_size=self.batch_size, shuffle=True, drop_last=len(train) > self.batch_size)
        val_loader = None
        if val is not None:  # collated once: the validation set is scored every epoch
            val_loader = list(DataLoader(slim(val[0], val[1], edge_dim is not None), batch_size=256))
        opt = torch.optim.Adam(self.net_.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=50, gamma=0.5)
        best, best_state, self.history_ = None, None, []
        seen, t0 = 0, time.perf_counter()
        with progress(f"training {self.conv_}", total=self.epochs) as advance:
            for epoch in range(self.epochs):
                self.net_.train()
                total = 0.0
                for b in loader:
                    opt.zero_grad()
                    loss = self._loss(self._forward(b), b.y)
                    loss.backward()
                    opt.step()
                    total += loss.item() * b.num_graphs
                    seen += b.num_graphs
                sched.step()
                rec = {"epoch": epoch, "train_loss": total / max(len(train), 1)}
                if val_loader is not None:
                    score, vloss = self._evaluate(val_loader)
                    rec.update(val_score=score, val_loss=vloss)
                    key = (score, -vloss)
                    if best is None or key > best:
                        best, best_state = key, {k: v.detach().clone() for k, v in self.net_.state_dict().items()}
                        self.best_epoch_ = epoch
                self.history_.append(rec)
                advance()
        self.graphs_seen_ = seen
        self.train_graphs_per_second_ = seen / max(time.perf_counter() - t0, 1e-9)
        if best_state is not None:
            self.net_.load_state_dict(best_state)
            self.val_score_ = best[0]
        self.net_.eval()

    @torch.no_grad()
    def _evaluate(self, loader) -> tuple[float, float]:
        """Validation score (accuracy, or minus MSE for regression) and loss."""
        self.net_.eval()
        outs, ys = [], []
        for b in loader:
            outs.append(self._forward(b))
            ys.append(b.y)
        out, y = torch.cat(outs), torch.cat(ys)
        loss = float(self._loss(out, y))
        if self.task == "classification":
            return float((out.argmax(1) == y).float().mean()), loss
        return -loss, loss

    # -- inference ---------------------------------------------------------------------------
    @torch.no_grad()
    def _run(self, graphs, encoder_only: bool):
        self.net_.eval()
        outs = []
        for b in DataLoader(slim(graphs, None, self.edge_dim_ > 0), batch_size=256):
            outs.append(self._forward(b, encoder_only))
        return torch.cat(outs)

    def _scores(self, graphs):
        out = self._run(graphs, False)
        if self.task == "classification":
            return torch.softmax(out, 1).numpy()
        return out.reshape(-1).numpy() * self.y_std_ + self.y_mean_

    def _embed(self, graphs):
        return self._run(graphs, True).numpy()

    # -- persistence ---------------------------------------------------------------------------
    def _state(self):
        return ({"conv": self.conv_, "edge_dim": self.edge_dim_, "out_dim": self.out_dim_,
                 "y_mean": self.y_mean_, "y_std": self.y_std_},
                dict(self.net_.state_dict()))

    def _restore(self, config, tensors):
        if config.get("num_features") is None:  # a config without it: the first layer's input width says it
            self.num_features_ = int(tensors["encoder.input.weight"].shape[1])
        self._build(self.num_features_, config["out_dim"], config["edge_dim"] or None)
        self.y_mean_, self.y_std_ = config.get("y_mean", 0.0), config.get("y_std", 1.0)
        self.net_.load_state_dict(tensors)
        self.net_.eval()


class GNNGraphRegressor(GNNGraphClassifier):
    """The same GNN with ``task="regression"`` (MSE loss; ``predict`` returns values), under the name a
    scikit-learn user looks for. ``make_estimator(name, task="regression")`` returns one."""

    def __init__(self, *args, task: str = "regression", **kwargs):
        if task != "regression":
            raise ConfigError(f"GNNGraphRegressor is for regression; use GNNGraphClassifier for task '{task}'")
        super().__init__(*args, task=task, **kwargs)
