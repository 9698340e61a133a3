"""GODM: generative augmentation of rare fraud cases with a graph latent diffusion model.

Following Liu et al. (arXiv 2312.17679) and its heterogeneous, temporal variant: an HGT variational
autoencoder maps every node to a latent code, an EDM diffusion model learns the class-conditional
distribution of the labelled training nodes' codes, and sampled codes are decoded into features,
times, degrees and edges. Unlike the published code, synthetic nodes are wired into the real graph
by sparse top-k scoring against real nodes' latent codes (``merge='disconnected'`` keeps the
published behaviour for ablations). Training is mini-batch with neighbour sampling, without METIS.

    model = GODM(epochs=20, checkpoint_dir="ckpt/").fit(graph)
    augmented = model.augment(graph)          # a new graph; ``graph`` is not modified
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
import torch

from graphguard._console import progress
from graphguard.augment.checkpoint import load_optimizer, load_state, optimizer_tensors, save_state
from graphguard.augment.config import MERGES, GODMConfig, check_ratio
from graphguard.augment.degrees import calibrated_degrees, class_degree_pool
from graphguard.augment.merge import append_nodes, dedupe, is_symmetric, reverse_pairs
from graphguard.augment.neighbors import sample_batch, seed_batches
from graphguard.augment.typed import (FeatureCodec, TypedGraph, build_typed, edge_store, graph_relations,
                                      node_store, raw_features, time_scale)
from graphguard.errors import ConfigError, DataError, not_fitted
from graphguard.nn.godm_diffusion import EDM
from graphguard.nn.godm_vae import GODMVAE
from graphguard.utils.params import (params_repr, remember_fitted_params, restore_params_set_after_fit, saved_params,
                                     set_params_via_constructor)
from graphguard.utils.serialization import load_model_dir, save_model_dir

LOSS_KEYS = ("feat", "kl", "type", "degree", "time", "edge", "rel", "edge_time")


@dataclass
class Synthetic:
    """Decoded synthetic target nodes (before wiring)."""

    z: torch.Tensor
    x: torch.Tensor
    node_time: torch.Tensor | None
    degree: torch.Tensor        # expected number of edges per relation: [n, 2R] (out, in)
    label: int


def graph_fingerprint(g) -> str:
    """A hash of everything a fit reads: features, times, edges and the training labels.

    A checkpoint is resumed only for the same fingerprint, so a state fitted on another split or
    relabelled graph (whose diffusion saw other labels) is never reused.
    """
    types, rels, target = graph_relations(g)
    h = hashlib.sha1()

    def add(tag, t: torch.Tensor | None) -> None:
        h.update(repr(tag).encode())
        if t is not None:
            h.update(np.ascontiguousarray(t.detach().cpu().numpy()).tobytes())

    for t in types:
        s = node_store(g, t)
        add((t, int(s.num_nodes)), raw_features(g, t))
        add((t, "time"), s.get("node_time"))
    for r in rels:
        s = edge_store(g, r)
        add(r, s.edge_index)
        add((r, "time"), s.get("edge_time"))
    s = node_store(g, target)
    if s.get("y") is not None:
        train = s.train_mask.bool() if "train_mask" in s else torch.ones(s.y.shape, dtype=torch.bool)
        add("train labels", torch.where(train, s.y.long(), torch.full_like(s.y.long(), -2)))
    return h.hexdigest()[:16]


def check_labels(g, source: str = "graph") -> tuple[torch.Tensor, torch.Tensor]:
    """Labels and training mask of the target nodes; both classes must appear among training labels."""
    _, _, target = graph_relations(g)
    s = node_store(g, target)
    if "y" not in s or s.y is None:
        raise DataError(source, "GODM needs node labels (y) on the target nodes; the graph has none")
    y = s.y.long()
    train = s.train_mask.bool() if "train_mask" in s else torch.ones_like(y, dtype=torch.bool)
    classes = torch.unique(y[train & (y >= 0)]).tolist()
    if not classes:
        raise DataError(source, "GODM needs labelled training nodes; every training label is -1")
    if len(classes) < 2:
        raise DataError(source, f"GODM needs both classes among the training labels; found only class {classes[0]}")
    return y, train


def degree_caps(log_degree: torch.Tensor, y: torch.Tensor, train: torch.Tensor, q: float,
                override: int | None = None) -> torch.Tensor:
    """Cap of generated degree per class and relation side: ``[2, 2R]``.

    The ``q`` quantile of the real training nodes' degree of the same class, so that synthetic
    anomalies can be as well connected as real ones (Tolokers' anomalies average ~140 edges; a
    fixed cap of 50 cut most of them short). ``override`` replaces the quantile with one number.
    """
    if override is not None:
        return torch.full((2, log_degree.shape[1]), float(override))
    deg = torch.expm1(log_degree)
    caps = []
    for c in (0, 1):
        rows = deg[train & (y == c)]
        src = rows if rows.shape[0] else deg  # a class without training nodes: the whole graph
        caps.append(torch.as_tensor(np.quantile(src.double().numpy(), q, axis=0)).float())
    return (torch.stack(caps) - 1e-3).ceil()  # expm1(log1p(d)) can land a hair above the integer d


def _ranks(score: torch.Tensor, rows: torch.Tensor, n: int) -> torch.Tensor:
    """Rank of each entry among the entries of its row, by descending score (0 = best)."""
    order = torch.argsort(score, descending=True, stable=True)
    order = order[torch.argsort(rows[order], stable=True)]
    counts = torch.bincount(rows, minlength=n)
    first = torch.cumsum(counts, 0) - counts
    rank = torch.empty_like(rows)
    rank[order] = torch.arange(rows.numel()) - first[rows[order]]
    return rank


def inbound_only(edges: dict[tuple, tuple], target: str, n_real: int) -> dict[tuple, tuple]:
    """Drop the edges that run from a synthetic node to a real node of the target type.

    Messages then flow from the real graph into synthetic nodes but never back: every real target
    node, training ones included, keeps exactly the neighbourhood (and neighbour aggregates) it has
    in the real graph, where the detector will later score it. Edges among synthetic nodes stay, and
    so do edges to nodes of other types (a synthetic review's ``written_by`` edge to its author): they
    mirror the kept edges back into the synthetic node, and without them every synthetic node would
    have a zero out-degree there, a feature no real node has.
    """
    out = {}
    for r, (ei, et) in edges.items():
        from_syn = ei[0] >= n_real if r[0] == target else torch.zeros(ei.shape[1], dtype=torch.bool)
        to_real = ei[1] < n_real if r[2] == target else torch.zeros(ei.shape[1], dtype=torch.bool)
        keep = ~(from_syn & to_real)
        out[r] = (ei[:, keep], et[keep] if et is not None else None)
    return out


class GODM:
    """Estimator: ``fit(graph)``, ``sample(n, label=1)``, ``augment(graph)``, ``save(dir)``, ``load(dir)``."""

    def __init__(self, config: GODMConfig | None = None, checkpoint_dir: str | Path | None = None, **overrides):
        base = config or GODMConfig()
        self.config = base.replace(**overrides) if overrides else base
        # a Path is kept as given: scikit-learn's clone checks that the constructor does not change it
        self.checkpoint_dir = None if not checkpoint_dir else \
            checkpoint_dir if isinstance(checkpoint_dir, Path) else Path(checkpoint_dir)

    def get_params(self, deep: bool = True) -> dict:
        """Every ``GODMConfig`` option by name, plus ``checkpoint_dir``: ``GODM(**get_params())`` is this
        model's twin, and a search can set ``epochs`` or ``guidance`` directly (``deep`` has nothing to
        descend into)."""
        return {**{f.name: getattr(self.config, f.name) for f in fields(GODMConfig)},
                "checkpoint_dir": self.checkpoint_dir}

    def set_params(self, **params) -> "GODM":
        """Change options as scikit-learn does; ``GODMConfig`` checks them (an unknown name is refused)."""
        return set_params_via_constructor(self, params)

    def __repr__(self) -> str:
        """The options that differ from ``GODMConfig``'s defaults (it has fifty)."""
        return params_repr(self, type(self)().get_params())

    # ------------------------------------------------------------------ fitting
    def fit(self, graph) -> "GODM":
        cfg = self.config
        y, train = check_labels(graph)
        types, rels, target = graph_relations(graph)
        remember_fitted_params(self)
        self.node_types_, self.relations_, self.target_ = types, [tuple(r) for r in rels], target
        self.codecs_ = {t: FeatureCodec.fit(raw_features(graph, t), cfg.max_categories) for t in types}
        self.tscale_ = time_scale(graph)
        self.graph_fp_ = graph_fingerprint(graph)
        self.has_time_ = {t: "node_time" in node_store(graph, t) for t in types}
        self.rel_time_ = ["edge_time" in edge_store(graph, r) for r in rels]
        self.symmetric_ = [r[0] == r[2] and is_symmetric(edge_store(graph, r).edge_index) for r in rels]
        self.reverse_ = {self.relations_.index(r): self.relations_.index(q) for r, q in reverse_pairs(graph).items()}
        tg = build_typed(graph, self.codecs_, self.tscale_)
        self.degree_cap_ = degree_caps(tg.degree[target], y, train, cfg.degree_quantile, cfg.max_degree)
        self.degree_pool_ = {c: class_degree_pool(tg.degree[target], y, train, c) for c in (0, 1)}
        self._build_vae(tg)
        gen = torch.Generator().manual_seed(cfg.seed)
        opt = torch.optim.Adam(self.vae_.parameters(), lr=cfg.lr)
        expect = {"config": cfg.to_dict(), "graph": self.graph_fp_}
        saved = load_state(self.checkpoint_dir, expect) if self.checkpoint_dir else None
        stage, step = ("vae", 0) if saved is None else (saved[0]["stage"], saved[0]["step"])
        if saved is not None:
            meta, tens = saved
            self.vae_.load_state_dict({k[4:]: v for k, v in tens.items() if k.startswith("vae.")})
            gen.set_state(tens["gen"])
            if stage == "vae":
                load_optimizer(opt, tens, meta["opt"], "opt")
        if stage == "vae":
            self._train_vae(tg, opt, gen, step)
            self.latents_ = self._encode(tg)
            stage, step = "diff", 0
        else:
            meta, tens = saved
            self.latents_ = {t: tens[f"latent.{i}"] for i, t in enumerate(types)}
        self._fit_diffusion(y, train, gen, saved if (saved and saved[0]["stage"] in ("diff", "done")) else None)
        return self

    def fit_diffusion(self, graph) -> "GODM":
        """Refit only the latent diffusion (e.g. after changing ``class_conditional``), reusing the VAE."""
        self._check_fitted()
        y, train = check_labels(graph)
        self._fit_diffusion(y, train, torch.Generator().manual_seed(self.config.seed + 1), None)
        return self

    def _build_vae(self, tg: TypedGraph) -> None:
        cfg = self.config
        in_dims = {t: tg.x[t].shape[1] for t in tg.node_types}
        feat_dims = {t: self.codecs_[t].out_dim for t in tg.node_types}
        num_numeric = {t: len(self.codecs_[t].numeric) for t in tg.node_types}
        cat_sizes = {t: [len(c) for c in self.codecs_[t].categories] for t in tg.node_types}
        with torch.random.fork_rng():
            torch.manual_seed(cfg.seed)
            self.vae_ = GODMVAE(tg.node_types, tg.relations, in_dims, feat_dims, num_numeric, cat_sizes,
                                cfg.hidden, cfg.latent_dim, cfg.num_layers, cfg.heads)
        self._dims = {"in_dims": in_dims, "feat_dims": feat_dims, "num_numeric": num_numeric, "cat_sizes": cat_sizes}

    def _inputs(self, tg: TypedGraph, b):
        pick = lambda d: {t: d[t][b.nodes[t]] for t in tg.node_types}  # noqa: E731
        return pick(tg.x), pick(tg.node_time), b.edge_index, b.edge_time, pick(tg.feat_inp), pick(tg.cat_target), \
            pick(tg.degree)

    def _train_vae(self, tg: TypedGraph, opt, gen: torch.Generator, start: int) -> None:
        cfg = self.config
        weights = {k: getattr(cfg, f"w_{k}") for k in LOSS_KEYS}
        self.vae_.train()
        per_epoch = len(seed_batches(tg, cfg.batch_size, None))
        if cfg.max_batches_per_epoch:
            per_epoch = min(per_epoch, cfg.max_batches_per_epoch)
        epochs = max(cfg.epochs, -(-cfg.min_steps // per_epoch))
        with progress("GODM: training the graph VAE", epochs) as advance:
            advance(start)
            for epoch in range(start, epochs):
                batches = seed_batches(tg, cfg.batch_size, gen)
                if cfg.max_batches_per_epoch:
                    batches = batches[: cfg.max_batches_per_epoch]
                for t, ids in batches:
                    b = sample_batch(tg, {t: ids}, cfg.fanout, cfg.num_layers, gen)
                    x, nt, ei, et, feat, cat, deg = self._inputs(tg, b)
                    terms = self.vae_.loss(x, nt, ei, et, feat, cat, deg, b.num_seeds, weights, cfg.neg_ratio, gen)
                    opt.zero_grad()
                    terms["total"].backward()
                    torch.nn.utils.clip_grad_norm_(self.vae_.parameters(), 1.0)
                    opt.step()
                self.last_losses_ = {k: float(v.detach()) for k, v in terms.items()}
                self._checkpoint("vae", epoch + 1, gen, opt=opt)
                advance()
        self.vae_.eval()

    @torch.no_grad()
    def _encode(self, tg: TypedGraph) -> dict[str, torch.Tensor]:
        """Latent means of every node, by deterministic mini-batches."""
        cfg = self.config
        self.vae_.eval()
        gen = torch.Generator().manual_seed(cfg.seed + 7)
        mu = {t: torch.zeros(tg.num_nodes[t], cfg.latent_dim) for t in tg.node_types}
        for t, ids in seed_batches(tg, cfg.batch_size * 4, None):
            b = sample_batch(tg, {t: ids}, cfg.fanout, cfg.num_layers, gen)
            x, nt, ei, et, *_ = self._inputs(tg, b)
            m, _ = self.vae_.encoder(x, nt, ei, et)
            mu[t][ids] = m[t][: ids.numel()]
        return mu

    def _fit_diffusion(self, y, train, gen: torch.Generator, saved) -> None:
        cfg = self.config
        lab = train & (y >= 0)
        every = self.latents_[self.target_]
        lat = every[lab]
        labels = y[lab]
        # without a training label a node is unlabelled here: only the training mask is read for it, never its y
        free = every[~lab] if cfg.unlabelled and cfg.class_conditional else every[:0]
        norm = torch.cat([lat, free])
        self.lat_mean_ = norm.mean(0)
        self.lat_std_ = norm.std(0).clamp_min(1e-6)
        data = (lat - self.lat_mean_) / self.lat_std_
        free = (free - self.lat_mean_) / self.lat_std_
        with torch.random.fork_rng():
            torch.manual_seed(cfg.seed + 1)
            self.edm_ = EDM(cfg.latent_dim, cfg.diff_hidden, cfg.diff_layers, p_mean=cfg.p_mean, p_std=cfg.p_std)
        self.train_counts_ = {int(c): int((labels == c).sum()) for c in (0, 1)}
        self.num_unlabelled_ = int(free.shape[0])  # codes that trained only the unconditional branch
        if not cfg.diffusion:
            return
        opt = torch.optim.Adam(self.edm_.parameters(), lr=cfg.diff_lr)
        start = 0
        if saved is not None:
            meta, tens = saved
            self.edm_.load_state_dict({k[4:]: v for k, v in tens.items() if k.startswith("edm.")})
            gen.set_state(tens["gen"])
            start = meta["step"] if meta["stage"] == "diff" else cfg.diff_steps
            if start < cfg.diff_steps:
                load_optimizer(opt, tens, meta["opt2"], "opt2")
        by_class = [torch.nonzero(labels == c).squeeze(1) for c in (0, 1)]
        half = cfg.diff_batch // 2
        self.edm_.train()
        with progress("GODM: training the latent diffusion", cfg.diff_steps) as advance:
            advance(start)
            for step in range(start, cfg.diff_steps):
                if cfg.class_conditional:
                    idx = torch.cat([c[torch.randint(0, c.numel(), (half,), generator=gen)] for c in by_class])
                else:
                    idx = torch.randint(0, data.shape[0], (2 * half,), generator=gen)
                x0, lab0 = data[idx], labels[idx]
                if free.shape[0]:  # as many unlabelled codes again, always under the null label
                    j = torch.randint(0, free.shape[0], (2 * half,), generator=gen)
                    x0 = torch.cat([x0, free[j]])
                    lab0 = torch.cat([lab0, torch.full((2 * half,), self.edm_.null, dtype=lab0.dtype)])
                loss = self.edm_.loss(x0, lab0, gen, cfg.p_uncond, cfg.class_conditional)
                for group in opt.param_groups:  # cosine decay to 10 %, a function of the step: resumes exactly
                    group["lr"] = cfg.diff_lr * (0.1 + 0.45 * (1 + math.cos(math.pi * step / cfg.diff_steps)))
                opt.zero_grad()
                loss.backward()
                opt.step()
                self.edm_.update_ema(min(cfg.diff_ema, (1 + step) / (10 + step)))  # warm-up: short runs follow the net
                advance()
                if (step + 1) % cfg.checkpoint_every == 0 or step + 1 == cfg.diff_steps:
                    self._checkpoint("diff" if step + 1 < cfg.diff_steps else "done", step + 1, gen, opt2=opt)
        self.edm_.eval()

    def _checkpoint(self, stage: str, step: int, gen: torch.Generator, opt=None, opt2=None) -> None:
        if self.checkpoint_dir is None:
            return
        meta = {"config": self.config.to_dict(), "graph": self.graph_fp_, "stage": stage, "step": step}
        tens = {f"vae.{k}": v for k, v in self.vae_.state_dict().items()}
        tens["gen"] = gen.get_state()
        if opt is not None:
            t, meta["opt"] = optimizer_tensors(opt, "opt")
            tens.update(t)
        if opt2 is not None:
            t, meta["opt2"] = optimizer_tensors(opt2, "opt2")
            tens.update(t)
            tens.update({f"edm.{k}": v for k, v in self.edm_.state_dict().items()})
        if stage != "vae":
            tens.update({f"latent.{i}": self.latents_[t] for i, t in enumerate(self.node_types_)})
        save_state(self.checkpoint_dir, meta, tens)

    # ------------------------------------------------------------------ generation
    def _check_fitted(self) -> None:
        if not hasattr(self, "edm_"):
            raise not_fitted("GODM: call fit(graph) (or GODM.load(dir)) first")

    @torch.no_grad()
    def sample(self, n: int, label: int = 1) -> Synthetic:
        """Decode ``n`` synthetic target nodes of class ``label`` (features, times, expected degrees)."""
        self._check_fitted()
        cfg = self.config
        if label not in (0, 1):
            raise DataError("sample", f"label must be 0 or 1, got {label}")
        n = int(n)
        gen = torch.Generator().manual_seed(cfg.seed * 7919 + 101 * label + 13)
        if cfg.diffusion:
            z = self.edm_.sample(n, label, gen, cfg.num_steps, cfg.guidance, cfg.sigma_min, cfg.sigma_max, cfg.rho,
                                 cfg.class_conditional)
            z = z * self.lat_std_ + self.lat_mean_
        else:
            z = torch.randn(n, cfg.latent_dim, generator=gen)
        dec, t = self.vae_.decoder, self.target_
        x = self.codecs_[t].decode(dec.features(t, z), gen)
        node_time = None
        if self.has_time_[t]:
            lo, span = self.tscale_
            node_time = dec.time[dec.key[t]](z).squeeze(1).clamp(0, 1).double() * span + lo
        degree = torch.expm1(dec.degree[dec.key[t]](z)).clamp_min(0)
        pool = getattr(self, "degree_pool_", None)
        if cfg.degree_mode == "empirical" and pool is not None:
            degree = calibrated_degrees(degree, pool[label], gen)  # real draws: no quantile cap needed
            cap = torch.full_like(degree[0], float("inf"))
        else:
            cap = self.degree_cap_[label]
        if cfg.max_degree is not None:  # an explicit cap wins, even one set after fitting
            cap = torch.full_like(cap, float(cfg.max_degree))
        degree = torch.minimum(degree, cap)
        return Synthetic(z, x, node_time, degree, label)

    def latents(self, graph) -> dict[str, torch.Tensor]:
        """Latent codes of ``graph``'s nodes (cached for the fitted graph; the encoder is inductive)."""
        self._check_fitted()
        if graph_fingerprint(graph) == self.graph_fp_:
            return self.latents_
        types, rels, target = graph_relations(graph)
        if types != self.node_types_ or [tuple(r) for r in rels] != self.relations_:
            raise DataError("graph", "node types or relations differ from the graph GODM was fitted on")
        for t in types:
            if raw_features(graph, t).shape[1] != self.codecs_[t].dim:
                raise DataError("graph", f"node type '{t}' has {raw_features(graph, t).shape[1]} features; "
                                         f"GODM was fitted with {self.codecs_[t].dim}")
        return self._encode(build_typed(graph, self.codecs_, self.tscale_))

    @torch.no_grad()
    def augment(self, graph, ratio: float | None = None, label: int = 1, merge: str | None = None):
        """A copy of ``graph`` with ``ratio`` x (training nodes of ``label``) synthetic nodes wired in."""
        self._check_fitted()
        y, train = check_labels(graph)
        ratio = self.config.ratio if ratio is None else check_ratio(ratio)
        merge = merge or self.config.merge
        if merge not in MERGES:
            raise ConfigError(f"merge must be one of {', '.join(MERGES)}, got '{merge}'")
        n = max(1, int(round(ratio * int((train & (y == label)).sum()))))
        syn = self.sample(n, label)
        edges = self.wire(graph, syn, merge)
        return append_nodes(graph, syn.x, label, syn.node_time, edges)

    @torch.no_grad()
    def wire(self, graph, syn: Synthetic, merge: str = "connected") -> dict[tuple, tuple]:
        """Edges of the synthetic nodes, per relation, in global ids (new node i = N + i).

        Sparse top-k in two steps, never an n x N matrix: each synthetic node finds its ``anchors``
        nearest real training nodes of its class in latent space; the real neighbours of those
        anchors are its candidates, which the edge decoder scores (Gumbel-perturbed) to keep the
        decoded degree k. Edges among synthetic nodes come from top-k decoder scores within the
        synthetic set, in proportion to how often the anchors' neighbours share their class.
        ``merge='disconnected'`` keeps only edges among synthetic nodes, as the published code;
        ``merge='inbound'`` keeps the connected wiring but only the edges into synthetic nodes (see
        ``inbound_only``), so that no real node's neighbourhood changes.
        """
        cfg = self.config
        lat = self.latents(graph)
        dec, t = self.vae_.decoder, self.target_
        y, train = check_labels(graph)
        n_real = {tt: int(node_store(graph, tt).num_nodes) for tt in self.node_types_}
        n, R = syn.z.shape[0], len(self.relations_)
        gen = torch.Generator().manual_seed(cfg.seed * 104729 + 7)
        pool = torch.nonzero(train & (y == syn.label)).squeeze(1)
        anchors = self._nearest(syn.z, lat[t][pool], min(cfg.anchors, pool.numel()))
        anchors = pool[anchors]                                   # [n, a] real node ids
        share = n / (n + pool.numel())
        out: dict[tuple, tuple] = {}
        lo, span = self.tscale_
        mirrored = set()
        connected = merge != "disconnected"
        for r_i, r in enumerate(self.relations_):
            if r_i in mirrored:
                continue
            sides = []
            if r[0] == t:
                sides.append(("out", r[2]))
            rev = self.reverse_.get(r_i)
            if r[2] == t and not self.symmetric_[r_i] and not (r[0] != t and rev is not None):
                sides.append(("in", r[0]))
            parts = []
            for side, other in sides:
                k = syn.degree[:, r_i if side == "out" else R + r_i].round().long()
                ei = edge_store(graph, r).edge_index
                rows, cols, same = self._anchor_candidates(ei if side == "out" else ei.flip(0), anchors, k, y,
                                                           other == t, n_real[other], gen)
                frac = torch.zeros(n)
                if other == t and same.numel():
                    frac = torch.zeros(n).index_add_(0, rows, same.float()) / \
                        torch.bincount(rows, minlength=n).clamp_min(1).float()
                # edges among synthetic nodes first: the real edges then fill the rest of the degree k
                k_syn = (k.float() * frac * share).round().long() if connected else k
                if connected:
                    k_syn = torch.where(frac > 0, k_syn.clamp_min(1), k_syn).clamp_max(k.clamp_min(1))
                syn_piece, syn_deg = None, torch.zeros(n, dtype=torch.long)
                if other == t:
                    sr, sc = self._topk(syn.z, syn.z, r_i, k_syn, gen, self_offset=0)
                    if self.symmetric_[r_i]:  # mirrored picks: keep a pair only within both ends' budgets
                        sr, sc = self._mutual_keep(syn.z, r_i, sr, sc, k_syn, n, gen)
                        syn_deg = torch.bincount(torch.cat([sr, sc]), minlength=n)
                    else:
                        syn_deg = torch.bincount(sr, minlength=n)
                    syn_piece = (sr, sc + n_real[t], syn.z[sc])
                if connected and rows.numel():
                    has = torch.bincount(rows, minlength=n) > 0
                    k_real = (k - syn_deg).clamp_min(0)
                    k_real = torch.where(has & (syn_deg == 0), k_real.clamp_min(1), k_real)  # never isolated
                    keep = self._rank_keep(syn.z, lat[other], r_i, rows, cols, k_real, n, gen)
                    rows, cols = rows[keep], cols[keep]
                    zd = lat[other][cols]
                else:
                    rows = cols = torch.zeros(0, dtype=torch.long)
                    zd = syn.z[:0]
                pieces = [(rows, cols, zd)] + ([syn_piece] if syn_piece is not None else [])
                for rr, cc, zz in pieces:
                    if not rr.numel():
                        continue
                    new = rr + n_real[t]
                    e = torch.stack([new, cc]) if side == "out" else torch.stack([cc, new])
                    et = None
                    if self.rel_time_[r_i]:
                        a, b = (syn.z[rr], zz) if side == "out" else (zz, syn.z[rr])
                        et = dec.edge_times(a, b, r_i).clamp(0, 1).double() * span + lo
                    parts.append((e, et))
                    if self.symmetric_[r_i]:
                        parts.append((e.flip(0), et))
            if not parts:
                continue
            e = torch.cat([p[0] for p in parts], 1)
            et = torch.cat([p[1] for p in parts]) if parts[0][1] is not None else None
            e, et = dedupe(e, et)
            out[r] = (e, et)
            q_i = next((q for q, rr in self.reverse_.items() if rr == r_i), None)
            if q_i is not None and r[0] == t:
                out[self.relations_[q_i]] = (e.flip(0), et)
                mirrored.add(q_i)
        return inbound_only(out, t, n_real[t]) if merge == "inbound" else out

    def _nearest(self, zq: torch.Tensor, zp: torch.Tensor, a: int) -> torch.Tensor:
        """Indices of the ``a`` nearest rows of ``zp`` for each row of ``zq`` (chunked, Euclidean)."""
        chunk = max(1, (1 << 22) // max(zp.shape[0], 1))
        out = []
        for s in range(0, zq.shape[0], chunk):
            d = torch.cdist(zq[s : s + chunk], zp)
            out.append(torch.topk(d, a, dim=1, largest=False).indices)
        return torch.cat(out)

    def _anchor_candidates(self, ei: torch.Tensor, anchors: torch.Tensor, k: torch.Tensor, y: torch.Tensor,
                           same_type: bool, n_other: int, gen: torch.Generator):
        """(synthetic row, real candidate, candidate shares the class) from the anchors' neighbours."""
        n, a = anchors.shape
        n_src = int(max(int(ei[0].max()) + 1 if ei.numel() else 0, int(anchors.max()) + 1))
        order = torch.argsort(ei[0], stable=True)
        dst = ei[1][order]
        ptr = torch.zeros(n_src + 1, dtype=torch.long)
        ptr[1:] = torch.cumsum(torch.bincount(ei[0], minlength=n_src), 0)
        cap = max(4, 2 * int(k.max()) if k.numel() else 4)
        chunk = max(1, (1 << 22) // (a * cap))  # rows per chunk: bounded memory with data-driven degrees
        keys = []
        for s0 in range(0, n, chunk):
            flat = anchors[s0 : s0 + chunk].reshape(-1)
            start, deg = ptr[flat], ptr[flat + 1] - ptr[flat]
            ok = deg > 0
            off = (torch.rand(flat.numel(), cap, generator=gen) * deg[:, None]).long()
            pos = (start[:, None] + off)[ok]
            rows = (s0 + torch.arange(flat.numel() // a)).repeat_interleave(a)[:, None].expand(-1, cap)[ok]
            keys.append(torch.unique(rows.reshape(-1) * n_other + dst[pos.reshape(-1)]))
        key = torch.cat(keys)
        rows, cols = key // n_other, key % n_other
        same = (y[cols] == y[anchors[rows, 0]]) if same_type else torch.zeros(0, dtype=torch.bool)
        return rows, cols, same

    def _rank_keep(self, zs, zc, r_i: int, rows: torch.Tensor, cols: torch.Tensor, k: torch.Tensor, n: int,
                   gen: torch.Generator) -> torch.Tensor:
        """Mask of the best ``k[row]`` candidates per row under Gumbel-perturbed decoder scores."""
        return _ranks(self._scores(zs, zc, r_i, rows, cols, gen), rows, n) < k[rows]

    def _scores(self, zs, zc, r_i: int, rows: torch.Tensor, cols: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        """Gumbel-perturbed decoder scores of the pairs (rows, cols), in fixed-size chunks."""
        step = 1 << 18  # candidate pairs scored per chunk: memory stays flat with large degrees
        score = torch.cat([self.vae_.decoder.edge_logits(zs[rows[i : i + step]], zc[cols[i : i + step]], r_i)
                           for i in range(0, rows.numel(), step)]) if rows.numel() else torch.zeros(0)
        if self.config.temperature > 0:
            u = torch.rand(score.shape, generator=gen).clamp_(1e-12, 1 - 1e-12)
            score = score - self.config.temperature * torch.log(-torch.log(u))
        return score

    def _mutual_keep(self, z, r_i: int, sr: torch.Tensor, sc: torch.Tensor, budget: torch.Tensor, n: int,
                     gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """Undirected pairs among synthetic nodes that rank within ``budget`` at both ends.

        Top-k picks are mirrored, so a node also gets every edge others pick to it; popular nodes
        would end far above their degree. Keeping a pair only if both ends rank it within their
        budget bounds every node's synthetic degree by its budget.
        """
        a, b = torch.minimum(sr, sc), torch.maximum(sr, sc)
        key = torch.unique((a * n + b)[a != b])
        a, b = key // n, key % n
        score = self._scores(z, z, r_i, a, b, gen)
        ends = torch.cat([a, b])
        rank = _ranks(torch.cat([score, score]), ends, n)
        ok = rank < budget[ends]
        keep = ok[: a.numel()] & ok[a.numel():]
        return a[keep], b[keep]

    def _topk(self, zq: torch.Tensor, pool: torch.Tensor, r_i: int, k: torch.Tensor, gen: torch.Generator,
              self_offset: int | None) -> tuple[torch.Tensor, torch.Tensor]:
        cfg = self.config
        dec = self.vae_.decoder
        kmax = int(k.max()) if k.numel() else 0
        if kmax == 0:
            return torch.zeros(0, dtype=torch.long), torch.zeros(0, dtype=torch.long)
        keys = dec.proj(pool) * dec.rel_diag[r_i]
        q = dec.proj(zq)
        N = pool.shape[0]
        C = min(N, cfg.candidates)
        chunk = max(1, (1 << 22) // C)
        rows, cols = [], []
        for s in range(0, zq.shape[0], chunk):
            qi = q[s : s + chunk]
            cand = torch.randperm(N, generator=gen)[:C] if C < N else torch.arange(N)
            scores = qi @ keys[cand].T + dec.rel_bias[r_i]
            if cfg.temperature > 0:
                u = torch.rand(scores.shape, generator=gen).clamp_(1e-12, 1 - 1e-12)
                scores = scores - cfg.temperature * torch.log(-torch.log(u))
            if self_offset is not None:
                own = self_offset + torch.arange(s, s + qi.shape[0])
                scores[cand[None, :] == own[:, None]] = float("-inf")
            kk = min(kmax, C)
            val, idx = torch.topk(scores, kk, dim=1)
            keep = (torch.arange(kk)[None, :] < k[s : s + chunk, None]) & torch.isfinite(val)
            r_loc, c_loc = torch.nonzero(keep, as_tuple=True)
            rows.append(r_loc + s)
            cols.append(cand[idx[r_loc, c_loc]])
        return torch.cat(rows), torch.cat(cols)

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> Path:
        """The fitted model with the options it was fitted with as ``config`` (``set_params`` changes since are
        kept apart and set again by ``load``; ``checkpoint_dir`` is where a fit resumes, not part of the model)."""
        self._check_fitted()
        params = {key: {k: v for k, v in p.items() if k != "checkpoint_dir"} for key, p in saved_params(self).items()}
        config = {
            "class": "GODM", "config": params["params"], "node_types": self.node_types_,
            "relations": [list(r) for r in self.relations_], "target": self.target_,
            "codecs": {t: asdict(c) for t, c in self.codecs_.items()}, "tscale": list(self.tscale_),
            "graph_fp": self.graph_fp_, "has_time": self.has_time_, "rel_time": self.rel_time_,
            "symmetric": self.symmetric_, "reverse": {str(k): v for k, v in self.reverse_.items()},
            "dims": self._dims, "train_counts": self.train_counts_,
            **({"params_set_after_fit": params["params_set_after_fit"]} if params.get("params_set_after_fit") else {}),
        }
        tens = {f"vae.{k}": v for k, v in self.vae_.state_dict().items()}
        tens.update({f"edm.{k}": v for k, v in self.edm_.state_dict().items()})
        tens.update({f"latent.{i}": self.latents_[t] for i, t in enumerate(self.node_types_)})
        tens["lat_mean"], tens["lat_std"] = self.lat_mean_, self.lat_std_
        tens["degree_cap"] = self.degree_cap_
        tens.update({f"degree_pool.{c}": p for c, p in self.degree_pool_.items()})
        return save_model_dir(path, config, tens)

    @classmethod
    def load(cls, path: str | Path) -> "GODM":
        meta, tens = load_model_dir(path)
        if meta.get("class") != "GODM":
            raise DataError(path, f"not a GODM model directory (class {meta.get('class')!r})")
        m = cls(GODMConfig.from_dict(meta["config"]))
        cfg = m.config
        m.node_types_, m.target_ = meta["node_types"], meta["target"]
        m.relations_ = [tuple(r) for r in meta["relations"]]
        m.codecs_ = {t: FeatureCodec(**c) for t, c in meta["codecs"].items()}
        m.tscale_ = tuple(meta["tscale"])
        m.graph_fp_, m.has_time_, m.rel_time_ = meta["graph_fp"], meta["has_time"], meta["rel_time"]
        m.symmetric_ = meta["symmetric"]
        m.reverse_ = {int(k): v for k, v in meta["reverse"].items()}
        m.train_counts_ = {int(k): v for k, v in meta["train_counts"].items()}
        d = meta["dims"]
        m._dims = d
        m.vae_ = GODMVAE(m.node_types_, m.relations_, d["in_dims"], d["feat_dims"], d["num_numeric"], d["cat_sizes"],
                         cfg.hidden, cfg.latent_dim, cfg.num_layers, cfg.heads)
        m.vae_.load_state_dict({k[4:]: v for k, v in tens.items() if k.startswith("vae.")})
        m.edm_ = EDM(cfg.latent_dim, cfg.diff_hidden, cfg.diff_layers, p_mean=cfg.p_mean, p_std=cfg.p_std)
        edm = {k[4:]: v for k, v in tens.items() if k.startswith("edm.")}
        if not any(k.startswith("ema.") for k in edm):  # saved before the EMA existed: sample with the raw weights
            edm.update({"ema." + k[4:]: v for k, v in edm.items() if k.startswith("net.")})
        m.edm_.load_state_dict(edm)
        m.latents_ = {t: tens[f"latent.{i}"] for i, t in enumerate(m.node_types_)}
        m.lat_mean_, m.lat_std_ = tens["lat_mean"], tens["lat_std"]
        m.degree_cap_ = tens["degree_cap"] if "degree_cap" in tens else \
            torch.full((2, 2 * len(m.relations_)), float(cfg.max_degree if cfg.max_degree is not None else 50))
        # saved before the empirical degrees existed: sample decoded, capped degrees
        m.degree_pool_ = {c: tens[f"degree_pool.{c}"] for c in (0, 1)} if "degree_pool.0" in tens else None
        m.vae_.eval()
        m.edm_.eval()
        return restore_params_set_after_fit(m, meta)
