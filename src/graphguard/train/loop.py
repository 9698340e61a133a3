"""The one training loop behind every GNN node detector.

* **Full batch** for graphs that fit (the default up to ``full_batch_max_edges`` edges), else
  **mini-batches** from :mod:`graphguard.train.sampler` (forced by giving ``batch_size``).
* **Class-weighted cross-entropy**: fraud is rare, so each class weighs ``n / (2 n_c)``.
* **Early stopping** on validation AUPRC with ``patience``; the best weights are restored
  (GADBench selects the model at the best validation AUPRC).
* **Scoring every node** in mini-batch mode uses layer-wise full-graph inference
  (``model.layerwise``): each layer once for all nodes, not once per sampled subgraph.
* **Data parallel**: under torchrun (``WORLD_SIZE > 1``) the gloo group is joined, the training
  seeds are sharded across ranks and the model is wrapped in ``DistributedDataParallel``; all
  ranks follow rank 0's early-stopping decisions so they stay in lock-step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch_geometric.data import Data, HeteroData

from graphguard import _console
from graphguard.metrics import auprc
from graphguard.train import ddp
from graphguard.train.csc import num_edges, with_edge_index
from graphguard.train.early_stopping import EarlyStopping
from graphguard.train.features import scaled
from graphguard.train.sampler import NeighborSampler, node_loader

DEFAULT_FANOUTS = (25, 10, 5, 5)


@dataclass
class TrainConfig:
    epochs: int = 200
    lr: float = 0.01
    weight_decay: float = 0.0
    patience: int = 50
    batch_size: int | None = None
    num_neighbors: list[int] | None = None
    seed: int = 0
    class_weight: bool = True
    full_batch_max_edges: int = 5_000_000
    chunk: int = 8192
    desc: str = "train"


@dataclass
class TrainResult:
    mode: str
    best_epoch: int
    best_val_auprc: float
    epochs_run: int
    history: list[float] = field(default_factory=list)


def _target(graph):
    from graphguard.data.graph import target_type

    return target_type(graph)


def _labels(graph) -> torch.Tensor:
    t = _target(graph)
    return (graph[t] if t else graph).y


def _num_edges(graph) -> int:
    if isinstance(graph, HeteroData):
        return sum(num_edges(graph, et) for et in graph.edge_types)
    return num_edges(graph)


def choose_mode(graph, cfg: TrainConfig) -> str:
    if cfg.batch_size is not None:
        return "minibatch"
    return "full" if _num_edges(graph) <= cfg.full_batch_max_edges else "minibatch"


def fanouts(cfg: TrainConfig, num_hops: int) -> list[int]:
    if cfg.num_neighbors is not None:
        fan = [int(v) for v in cfg.num_neighbors]
        return (fan + [fan[-1]] * num_hops)[:num_hops]
    return list(DEFAULT_FANOUTS[:num_hops]) + [5] * max(0, num_hops - len(DEFAULT_FANOUTS))


def _class_weights(y: np.ndarray) -> torch.Tensor:
    counts = np.bincount(y, minlength=2).astype(np.float64)
    w = y.size / (2.0 * np.maximum(counts, 1.0))
    return torch.tensor(w, dtype=torch.float32)


def _prob(logits: torch.Tensor) -> np.ndarray:
    return torch.softmax(logits.float(), 1)[:, 1].detach().cpu().numpy()


def _batch_y(batch):
    t = _target(batch)
    s = batch[t] if t else batch
    return s.y[: s.batch_size], s.batch_size


def train_node_model(model: nn.Module, graph: Data | HeteroData, train_idx, val_idx, cfg: TrainConfig,
                     num_hops: int) -> TrainResult:
    """Fit ``model`` (``model(graph) -> logits`` for the target nodes) in place and return the record."""
    distributed = ddp.init_process_group()
    rank, world_size = ddp.world() if distributed else (0, 1)
    mode = choose_mode(graph, cfg)
    if mode == "full":
        graph = scaled(with_edge_index(graph))  # a store-backed graph that fits gets its edge_index here
    y = _labels(graph)
    train_idx = np.asarray(train_idx)
    val_idx = None if val_idx is None else np.asarray(val_idx)
    weight = _class_weights(y[train_idx].numpy()) if cfg.class_weight else None
    loss_fn = nn.CrossEntropyLoss(weight=weight)
    rng = np.random.default_rng(cfg.seed)
    my_idx = ddp.shard(rng.permutation(train_idx), rank, world_size) if distributed else train_idx
    net = model
    if distributed:
        # typed models can leave some relation weights unused in a batch
        net = nn.parallel.DistributedDataParallel(model, find_unused_parameters=True)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    stopper = EarlyStopping(cfg.patience)
    history: list[float] = []

    if mode == "minibatch":
        fan = fanouts(cfg, num_hops)
        bs = int(cfg.batch_size or 1024)
        sampler = NeighborSampler(_strip(graph), fan, seed=cfg.seed + 1000 * rank)
        train_loader = node_loader(graph, my_idx, fan, batch_size=bs, shuffle=True, seed=cfg.seed + rank,
                                   sampler=sampler)
        val_sampler = NeighborSampler(_strip(graph), fan, seed=cfg.seed) if val_idx is not None else None
    y_train = y[torch.as_tensor(my_idx)]

    epoch = -1
    with _console.progress(cfg.desc, total=cfg.epochs) as advance:
        for epoch in range(cfg.epochs):
            net.train()
            if mode == "full":
                opt.zero_grad()
                logits = net(graph)
                loss = loss_fn(logits[torch.as_tensor(my_idx)], y_train)
                loss.backward()
                opt.step()
            else:
                for batch in train_loader:
                    batch = scaled(batch)  # standardise the sampled rows only: the mapped x stays shared
                    yb, size = _batch_y(batch)
                    opt.zero_grad()
                    loss = loss_fn(net(batch)[:size], yb)
                    loss.backward()
                    opt.step()
            advance()
            if val_idx is None:
                continue
            score = _val_auprc(model, graph, val_idx, y, mode, cfg, val_sampler if mode == "minibatch" else None)
            score = ddp.broadcast_float(score)
            history.append(score)
            if stopper.step(score, epoch, model):
                break
    stopper.restore(model)
    model.eval()
    return TrainResult(mode, stopper.best_epoch if val_idx is not None else epoch,
                       stopper.best_score if val_idx is not None else float("nan"), epoch + 1, history)


def _strip(graph):
    from graphguard.train.sampler import loadable

    return loadable(graph)


@torch.no_grad()
def _val_auprc(model, graph, val_idx, y, mode, cfg, sampler) -> float:
    model.eval()
    if mode == "full":
        p = _prob(model(graph))[val_idx]
        return float(auprc(y[val_idx].numpy(), p))
    sampler.generator.manual_seed(cfg.seed)  # the same neighbourhoods every epoch
    ps, ys = [], []
    for batch in node_loader(graph, val_idx, sampler.fanout[sampler.edge_types[0]],
                             batch_size=int(cfg.batch_size or 1024), sampler=sampler):
        batch = scaled(batch)
        yb, size = _batch_y(batch)
        ps.append(_prob(model(batch)[:size]))
        ys.append(yb.numpy())
    return float(auprc(np.concatenate(ys), np.concatenate(ps)))


@torch.no_grad()
def score_nodes(model: nn.Module, graph: Data | HeteroData, cfg: TrainConfig) -> np.ndarray:
    """Fraud probability of every target node: one full pass, or layer-wise when graphs are large."""
    model.eval()
    if choose_mode(graph, cfg) == "full":
        return _prob(model(scaled(with_edge_index(graph))))
    return _prob(model.layerwise(graph, cfg.chunk))
