"""``LinkPredictor``: the user-facing knowledge-graph embedding estimator.

Hyperparameters live in ``__init__`` (``None`` = the model's preset in ``PRESETS``, chosen to be
strong on small KGs without tuning), ``fit`` learns from the training triples and keeps the
checkpoint with the best validation MRR, ``evaluate`` reports filtered MRR/Hits, ``predict``
answers ``(h, r, ?)`` / ``(?, r, t)`` queries, and ``save``/``load`` write the vocabularies as JSON
and the weights (embeddings included) as safetensors.
"""

from __future__ import annotations

import copy
import difflib
import math
import numbers
import re
import time
from pathlib import Path

import numpy as np
import torch

from graphguard import _console
from graphguard.data.triples import TripleSet, as_triple_set, check_split
from graphguard.errors import ConfigError, DataError, not_fitted
from graphguard.nn.kge import INTERACTIONS, KGEModel, make_interaction
from graphguard.tasks.link.evaluation import KnownTriples, evaluate_ranking
from graphguard.tasks.link.neighbourhood import EntitySampler, check_fanouts
from graphguard.tasks.link.sampling import head_probabilities
from graphguard.tasks.link.training import TRAININGS, JointOptimizer, Trainer
from graphguard.utils.seed import seed_everything
from graphguard.utils.params import (constructor_defaults, params_repr, remember_fitted_params,
                                     restore_params_set_after_fit, saved_params, set_params_via_constructor)
from graphguard.utils.serialization import describe_model, load_model_dir, save_model_dir

_COMMON = dict(sampler="bernoulli", temperature=1.0, label_smoothing=0.0, regularizer=None, reg_weight=0.0,
               optimizer="adam", weight_decay=0.0)
PRESETS: dict[str, dict] = {
    "transe": dict(_COMMON, dim=200, epochs=200, training="slcwa", loss="nssa", margin=6.0, num_negatives=64,
                   lr=0.005, batch_size=256),
    "rotate": dict(_COMMON, dim=200, epochs=200, training="1vsall", loss="ce", margin=0.0, num_negatives=0,
                   lr=0.01, batch_size=256),
    "distmult": dict(_COMMON, dim=200, epochs=200, training="1vsall", loss="ce", margin=0.0, num_negatives=0,
                     lr=0.01, batch_size=256, regularizer="n3", reg_weight=0.01),
    "complex": dict(_COMMON, dim=200, epochs=200, training="1vsall", loss="ce", margin=0.0, num_negatives=0,
                    lr=0.01, batch_size=256, regularizer="n3", reg_weight=0.01),
    "tucker": dict(_COMMON, dim=100, epochs=200, training="lcwa", loss="bce", margin=0.0, num_negatives=0,
                   lr=0.005, batch_size=128, label_smoothing=0.1),
}
# when the caller picks a training mode other than the preset's, these replace the mode-specific settings
TRAINING_DEFAULTS = {
    "slcwa": dict(loss="nssa", margin=6.0, num_negatives=64, lr=0.005, regularizer=None, reg_weight=0.0),
    "1vsall": dict(loss="ce", margin=0.0, num_negatives=0, lr=0.01),
    "lcwa": dict(loss="bce", margin=0.0, num_negatives=0, lr=0.01, label_smoothing=0.1),
}
FULL_BATCH_MAX_EDGES = 1_000_000  # message edges (2 x training triples) of a full-graph encoder pass per batch
LAYERWISE_CHUNK = 65_536  # destination entities per chunk of layer-wise (sampled-mode) inference
PARAMS = ("dim", "epochs", "training", "loss", "margin", "num_negatives", "lr", "batch_size", "sampler", "temperature",
          "label_smoothing", "regularizer", "reg_weight", "optimizer", "weight_decay")


def _vocabulary_hint(value: str, vocab: list[str], kind: str) -> str:
    """Names close to ``value``: graph relations are ``src__rel__dst`` and entities ``type:id``, so the
    short name a user types is often a part of the real one."""
    close = [v for v in vocab if value in re.split(r"__|:", v)] or difflib.get_close_matches(value, vocab, n=3)
    if close:
        return "did you mean " + " or ".join(repr(v) for v in close[:3]) + "?"
    if kind == "relation":
        return "known relations: " + ", ".join(repr(v) for v in vocab[:20]) + (", ..." if len(vocab) > 20 else "")
    return f"{len(vocab)} known entities, e.g. " + ", ".join(repr(v) for v in vocab[:3])


def _check_training_options(model: str, training: str, given: dict, preset: dict) -> None:
    """Refuse sLCWA-only options under 1-N training, which scores every entity and would ignore them.

    The values 1-N training itself holds (``num_negatives=0``, ``margin=0.0``, its own loss) pass, so
    that ``LinkPredictor(**m.get_params())`` rebuilds any model."""
    if training == "slcwa":
        return
    unused = [k for k in ("num_negatives", "margin") if given[k] not in (None, preset[k])]
    if given["loss"] not in (None, preset["loss"]):
        unused.insert(0, "loss")
    if unused:
        raise ConfigError(f"{' and '.join(unused)} {'is' if len(unused) == 1 else 'are'} used only by training='slcwa'; "
                          f"{model} trains with '{training}' here, which scores every entity (pass training='slcwa')")


def _as_passed(value, canonical):
    """``value`` itself when it already equals its checked form: scikit-learn's ``clone`` needs the
    constructor to keep each parameter object it was given."""
    return value if type(value) is type(canonical) and value == canonical else canonical


def _check_diverged(model, loss: float, epoch: int) -> None:
    """Stop at the first non-finite loss or weight: every later score is NaN, which ranks nothing."""
    if not math.isfinite(loss):
        what = "loss"
    elif not all(bool(torch.isfinite(p).all()) for p in model.parameters()):
        what = "weights"
    else:
        return
    raise ConfigError(f"training diverged (non-finite {what} at epoch {epoch}); lower the learning rate")


class LinkPredictor:
    """Knowledge-graph embeddings for link prediction.

    ``model``: transe | distmult | complex | rotate | tucker. ``encoder="rgcn"`` puts an R-GCN
    over the training graph in front of the scorer (node features are used when the graph has
    them). Any hyperparameter left ``None`` takes the model's preset.

    The encoder runs on the whole graph in every batch while the message graph (training triples
    plus reciprocals) has at most ``full_batch_max_edges`` edges; above that, ``slcwa`` training
    samples each batch's entities' neighbourhoods (``num_neighbors`` per layer, default 10) and
    ranking runs the encoder layer-wise over chunks of entities. 1-N training keeps the full pass.
    ``sparse_entities=True`` then updates only the entity rows a batch sampled (SparseAdam), so a
    step no longer reads and writes the whole entity table.
    """

    def __init__(self, model: str = "rotate", *, dim=None, epochs=None, training=None, loss=None, margin=None,
                 num_negatives=None, lr=None, batch_size=None, sampler=None, temperature=None, label_smoothing=None,
                 regularizer=None, reg_weight=None, optimizer=None, weight_decay=None, encoder: str | None = None,
                 encoder_layers: int = 2, num_neighbors=None, full_batch_max_edges: int = FULL_BATCH_MAX_EDGES,
                 sparse_entities: bool = False, eval_every: int | None = None, patience: int | None = None, seed: int = 0):
        key = str(model).lower()
        if key not in INTERACTIONS:
            raise ConfigError(f"unknown model '{model}' (known: {', '.join(INTERACTIONS)})")
        if encoder not in (None, "rgcn"):
            raise ConfigError(f"unknown encoder '{encoder}' (known: rgcn)")
        self.model = _as_passed(model, key)
        given = dict(dim=dim, epochs=epochs, training=training, loss=loss, margin=margin, num_negatives=num_negatives,
                     lr=lr, batch_size=batch_size, sampler=sampler, temperature=temperature,
                     label_smoothing=label_smoothing, regularizer=regularizer, reg_weight=reg_weight,
                     optimizer=optimizer, weight_decay=weight_decay)
        preset = PRESETS[key]
        if training is not None and training != preset["training"] and training in TRAINING_DEFAULTS:
            preset = dict(preset, **TRAINING_DEFAULTS[training])
        for k, v in preset.items():
            setattr(self, k, v if given[k] is None else given[k])
        self.encoder = encoder
        self.encoder_layers = encoder_layers
        if num_neighbors is not None:
            if encoder is None:
                raise ConfigError("num_neighbors samples the encoder's neighbourhoods: it needs encoder='rgcn'")
            num_neighbors = _as_passed(num_neighbors, check_fanouts(num_neighbors, int(encoder_layers)))
        self.num_neighbors = num_neighbors
        if isinstance(full_batch_max_edges, bool) or not isinstance(full_batch_max_edges, int) \
                or full_batch_max_edges < 0:
            raise ConfigError(f"full_batch_max_edges must be a non-negative integer (got {full_batch_max_edges!r})")
        self.full_batch_max_edges = full_batch_max_edges
        self.sparse_entities = bool(sparse_entities)
        self.eval_every = eval_every
        self.patience = patience
        self.seed = seed
        if self.training not in TRAININGS:
            raise ConfigError(f"unknown training '{self.training}' (known: {', '.join(TRAININGS)})")
        _check_training_options(self.model, self.training, given, preset)
        if self.training == "slcwa" and not (isinstance(self.num_negatives, numbers.Integral) and self.num_negatives >= 1):
            raise ConfigError(f"num_negatives must be an integer >= 1 for slcwa training (got {self.num_negatives!r})")
        if not (isinstance(self.reg_weight, numbers.Real) and math.isfinite(self.reg_weight) and self.reg_weight >= 0):
            raise ConfigError(f"reg_weight must be a finite number >= 0 (got {self.reg_weight!r})")
        if self.model == "tucker" and self.training == "slcwa":
            raise ConfigError("tucker needs 1-N training: use training='lcwa' or '1vsall'")
        if int(self.dim) <= 0 or int(self.epochs) < 0 or int(self.batch_size) <= 0:
            raise ConfigError("dim and batch_size must be positive and epochs non-negative")
        if not (isinstance(self.lr, numbers.Real) and math.isfinite(self.lr) and self.lr > 0):
            raise ConfigError(f"lr must be a positive finite number (got {self.lr!r})")

    # ------------------------------------------------------------------ building
    def get_params(self, deep: bool = True) -> dict:
        """Every constructor option with the value it resolved to (presets filled in); ``deep`` is
        scikit-learn's and has nothing to descend into here."""
        out = {k: getattr(self, k) for k in PARAMS}
        out.update(model=self.model, encoder=self.encoder, encoder_layers=self.encoder_layers,
                   num_neighbors=self.num_neighbors, full_batch_max_edges=self.full_batch_max_edges,
                   sparse_entities=self.sparse_entities,
                   eval_every=self.eval_every, patience=self.patience, seed=self.seed)
        return out

    def set_params(self, **params) -> "LinkPredictor":
        """Change options as scikit-learn does; the constructor's checks apply (an unknown name is refused).

        Other options keep their current values: changing ``training`` keeps ``loss``, ``margin`` and
        ``num_negatives``, so pass the new mode's ones with it."""
        return set_params_via_constructor(self, params)

    def __repr__(self) -> str:
        """The options that differ from this model's preset (a bare ``LinkPredictor("transe")`` for the preset)."""
        preset = type(self)(self.model).get_params()
        return params_repr(self, {**preset, "model": constructor_defaults(type(self))["model"]})

    def _sampled(self, num_triples: int, warn: bool = False) -> bool:
        """Whether the encoder trains on sampled neighbourhoods (a graph above ``full_batch_max_edges``)."""
        if self.encoder != "rgcn" or 2 * num_triples <= self.full_batch_max_edges:
            return False
        if self.training != "slcwa":
            if warn:
                _console.log(f"{2 * num_triples:,} message edges exceed full_batch_max_edges, but '{self.training}' "
                             "training scores every entity per batch: the encoder keeps the full-graph pass "
                             "(use training='slcwa' to sample neighbourhoods)")
            return False
        return True

    def _fanouts(self) -> list[int]:
        return list(self.num_neighbors) if self.num_neighbors is not None else [10] * int(self.encoder_layers)

    def _build(self, num_entities: int, num_relations: int, train: np.ndarray, features=None) -> KGEModel:
        inter = make_interaction(self.model, int(self.dim))
        inverse = self.training != "slcwa"
        enc = None
        if self.encoder == "rgcn":
            from graphguard.nn.rgcn_encoder import RGCNEncoder

            width = inter.entity_width(int(self.dim))
            t = torch.as_tensor(train, dtype=torch.long)
            in_ch = features.shape[1] if features is not None else width
            enc = RGCNEncoder(in_ch, width, num_relations, t[:, [0, 2]].t().contiguous(), t[:, 1],
                              layers=self.encoder_layers)
            if self._sampled(len(train)):
                enc.layerwise_chunk = LAYERWISE_CHUNK
        return KGEModel(num_entities, num_relations, inter, int(self.dim), inverse=inverse, encoder=enc,
                        features=features)

    def _optimizer(self, params, fused: bool = False):
        name = str(self.optimizer).lower()
        if name == "adam":
            # fused: one kernel over the whole entity table, 3x faster on CPU; it dominates a sampled step
            return torch.optim.Adam(params, lr=self.lr, weight_decay=self.weight_decay, fused=fused or None)
        if name == "adagrad":
            return torch.optim.Adagrad(params, lr=self.lr, weight_decay=self.weight_decay)
        raise ConfigError(f"unknown optimizer '{self.optimizer}' (known: adam, adagrad)")

    def _sparse_optimizer(self) -> "JointOptimizer":
        """SparseAdam on the entity rows each batch touched; the chosen optimizer on every other weight.

        A dense Adam step reads and writes the whole entity table (three copies of it) every batch,
        so a sampled step would still grow with the number of entities. SparseAdam is lazy: a row's
        moments advance only when the row is sampled, which is how large-scale KGE trainers update.
        """
        if str(self.optimizer).lower() != "adam" or self.weight_decay:
            raise ConfigError("sparse_entities needs optimizer='adam' and weight_decay=0 (SparseAdam has neither "
                              "other rules nor weight decay)")
        m = self.model_
        m.sparse_entity_grad = True
        rest = [p for n, p in m.named_parameters() if n != "entity.weight"]
        return JointOptimizer(torch.optim.SparseAdam([m.entity.weight], lr=self.lr),
                              self._optimizer(rest, fused=True))

    # ------------------------------------------------------------------ fitting
    def fit(self, data, features: torch.Tensor | None = None) -> "LinkPredictor":
        """Train on ``data.train`` (a ``TripleSet``, a triples folder/archive, or any PyG graph).

        When ``data.valid`` is non-empty the checkpoint with the best filtered validation MRR is kept.
        """
        ts = as_triple_set(data)
        check_split(ts.train, "train", ts.source)
        seed_everything(self.seed)
        gen = torch.Generator().manual_seed(self.seed)
        if features is None and self.encoder == "rgcn":
            features = getattr(data, "x", None) if not isinstance(data, TripleSet) else None
        remember_fitted_params(self)
        self.entities_ = list(ts.entities)
        self.relations_ = list(ts.relations)
        self.known_ = ts.all_triples()
        self.model_ = self._build(ts.num_entities, ts.num_relations, ts.train, features)
        self.sampled_ = self._sampled(len(ts.train), warn=True)
        if self.sparse_entities and self.sampled_ and self.model_.entity is not None:
            opt = self._sparse_optimizer()
        else:
            opt = self._optimizer(self.model_.parameters(), fused=self.sampled_)
        head_prob = head_probabilities(ts.train, ts.num_relations, self.sampler)
        nbr = None
        if self.sampled_:
            enc = self.model_.encoder
            nbr = EntitySampler(enc.edge_index, enc.edge_type, ts.num_entities, self._fanouts(), seed=self.seed)
        trainer = Trainer(self.model_, ts.train, training=self.training, loss=self.loss,
                          num_negatives=int(self.num_negatives), head_prob=head_prob, margin=float(self.margin),
                          temperature=float(self.temperature), regularizer=self.regularizer,
                          reg_weight=float(self.reg_weight), label_smoothing=float(self.label_smoothing),
                          batch_size=int(self.batch_size), optimizer=opt, generator=gen, sampler=nbr)
        epochs = int(self.epochs)
        every = self.eval_every or max(1, epochs // 10)
        known = KnownTriples(self.known_, ts.num_entities, ts.num_relations) if len(ts.valid) else None
        best, best_state, bad = -1.0, None, 0
        self.history_ = []
        self.train_seconds_ = 0.0
        self.train_cpu_seconds_ = 0.0  # process CPU time: steadier than wall time on a busy machine
        self.model_.train()
        with _console.progress(f"training {self.model}", total=epochs) as advance:
            for ep in range(1, epochs + 1):
                t0, c0 = time.perf_counter(), time.process_time()
                loss = trainer.epoch()
                _check_diverged(self.model_, loss, ep)
                self.train_seconds_ += time.perf_counter() - t0
                self.train_cpu_seconds_ += time.process_time() - c0
                rec = {"epoch": ep, "loss": loss}
                if known is not None and (ep % every == 0 or ep == epochs):
                    mrr = evaluate_ranking(self.model_, ts.valid, known)["mrr"]
                    rec["valid_mrr"] = mrr
                    if mrr > best:
                        best, best_state, bad = mrr, copy.deepcopy(self.model_.state_dict()), 0
                    else:
                        bad += 1
                        if self.patience is not None and bad >= self.patience:
                            self.history_.append(rec)
                            break
                self.history_.append(rec)
                advance()
        if best_state is not None:
            self.model_.load_state_dict(best_state)
        self.best_valid_mrr_ = best if best_state is not None else None
        self.triples_per_second_ = len(ts.train) * len(self.history_) / max(self.train_seconds_, 1e-9)
        self.model_.eval()
        return self

    def _check_fitted(self):
        if not hasattr(self, "model_"):
            raise not_fitted("this LinkPredictor is not fitted yet; call fit() or load()")

    # ------------------------------------------------------------------ using
    def evaluate(self, data, split: str = "test", *, filtered: bool = True, batch_size: int = 256) -> dict:
        """Filtered MRR / Hits@1,3,10 over both sides on ``split`` of ``data`` (vocabularies must match)."""
        self._check_fitted()
        ts = self._aligned(as_triple_set(data))
        triples = ts.split(split)
        check_split(triples, split, ts.source)
        known = KnownTriples(np.concatenate([self.known_, ts.all_triples()]), len(self.entities_),
                             len(self.relations_)) if filtered else None
        return evaluate_ranking(self.model_, triples, known, batch_size=batch_size)

    def _aligned(self, ts: TripleSet) -> TripleSet:
        """Re-code ``ts`` with this model's vocabularies (a different file order must not matter)."""
        if ts.entities == self.entities_ and ts.relations == self.relations_:
            return ts
        ents = {e: i for i, e in enumerate(self.entities_)}
        rels = {r: i for i, r in enumerate(self.relations_)}
        out = []
        for name in ("train", "valid", "test"):
            t = ts.split(name)
            for col, vocab, names, kind in ((0, ents, ts.entities, "entity"), (1, rels, ts.relations, "relation"),
                                            (2, ents, ts.entities, "entity")):
                missing = {names[i] for i in np.unique(t[:, col]) if names[i] not in vocab}
                if missing:
                    raise DataError(ts.source, f"{name} split: {kind} '{sorted(missing)[0]}' is unknown to the model "
                                    f"({len(missing)} unknown {'entities' if kind == 'entity' else 'relations'})")
            lut_e = np.array([ents.get(e, -1) for e in ts.entities], dtype=np.int64)
            lut_r = np.array([rels.get(r, -1) for r in ts.relations], dtype=np.int64)
            out.append(np.stack([lut_e[t[:, 0]], lut_r[t[:, 1]], lut_e[t[:, 2]]], 1) if len(t) else t)
        return TripleSet(self.entities_, self.relations_, *out, source=ts.source)

    def _id(self, value: str, vocab: list[str], kind: str) -> int:
        try:
            return vocab.index(value)
        except ValueError:
            raise DataError("query", f"unknown {kind} '{value}' (not in the model's vocabulary; "
                            f"{_vocabulary_hint(value, vocab, kind)})") from None

    @torch.no_grad()
    def predict(self, *, head: str | None = None, relation: str, tail: str | None = None, k: int = 10,
                include_known: bool = False) -> list[dict]:
        """Top-``k`` answers to ``(head, relation, ?)`` or ``(?, relation, tail)``.

        Entities that already form a known triple (train/valid/test of the fitted data) are left out
        unless ``include_known``; each answer says whether it is known.
        """
        self._check_fitted()
        if (head is None) == (tail is None):
            raise ConfigError("give exactly one of head or tail (the other side is predicted)")
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
            raise ConfigError(f"k must be an integer >= 1 (got {k!r})")
        r = self._id(relation, self.relations_, "relation")
        m = self.model_
        if head is not None:
            h = self._id(head, self.entities_, "entity")
            scores = m.score_t(torch.tensor([h]), torch.tensor([r]))[0]
            sel = (self.known_[:, 0] == h) & (self.known_[:, 1] == r)
            known = set(self.known_[sel, 2].tolist())
        else:
            t = self._id(tail, self.entities_, "entity")
            scores = m.score_h(torch.tensor([r]), torch.tensor([t]))[0]
            sel = (self.known_[:, 2] == t) & (self.known_[:, 1] == r)
            known = set(self.known_[sel, 0].tolist())
        order = torch.argsort(scores, descending=True).tolist()
        out = []
        for e in order:
            if e in known and not include_known:
                continue
            out.append({"entity": self.entities_[e], "score": float(scores[e]), "known": e in known})
            if len(out) >= k:
                break
        return out

    def embeddings(self) -> dict[str, np.ndarray]:
        self._check_fitted()
        with torch.no_grad():
            return {"entity": self.model_.entities().numpy().copy(), "relation": self.model_.relations().numpy().copy()}

    # ------------------------------------------------------------------ persistence
    def save(self, path) -> Path:
        """The embeddings with the parameters they were fitted with (``set_params`` changes since are kept apart)."""
        self._check_fitted()
        config = {"class": "LinkPredictor", **saved_params(self), "entities": self.entities_,
                  "relations": self.relations_, "history": self.history_,
                  "has_features": self.model_.features is not None}
        tensors = {f"model.{k}": v for k, v in self.model_.state_dict().items()}
        tensors["known_triples"] = torch.as_tensor(self.known_)
        with torch.no_grad():
            tensors["embeddings.entity"] = self.model_.entities().clone()
        return save_model_dir(path, config, tensors)

    @classmethod
    def load(cls, path) -> "LinkPredictor":
        config, tensors = load_model_dir(path)
        if config.get("class") != "LinkPredictor":
            raise DataError(path, f"holds {describe_model(config)}, not a LinkPredictor")
        p = dict(config["params"])
        if p.get("training") != "slcwa":  # dirs saved before they were refused may hold ignored sLCWA-only options
            p.update(loss=None, num_negatives=None, margin=None)
        obj = cls(p.pop("model"), **{k: p[k] for k in PARAMS}, encoder=p.get("encoder"),
                  encoder_layers=p.get("encoder_layers", 2), num_neighbors=p.get("num_neighbors"),
                  full_batch_max_edges=p.get("full_batch_max_edges", FULL_BATCH_MAX_EDGES),
                  sparse_entities=p.get("sparse_entities", False),
                  eval_every=p.get("eval_every"),
                  patience=p.get("patience"), seed=p.get("seed", 0))
        obj.entities_, obj.relations_ = config["entities"], config["relations"]
        obj.history_ = config.get("history", [])
        obj.known_ = tensors["known_triples"].numpy()
        state = {k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")}
        train_like = obj.known_
        if "encoder.edge_index" in state:  # rebuild the encoder on the graph it was trained on
            half = state["encoder.edge_index"].shape[1] // 2
            ei, et = state["encoder.edge_index"][:, :half], state["encoder.edge_type"][:half]
            train_like = np.stack([ei[0].numpy(), et.numpy(), ei[1].numpy()], 1)
        features = state.get("features") if config.get("has_features") else None
        obj.model_ = obj._build(len(obj.entities_), len(obj.relations_), train_like, features)
        obj.model_.load_state_dict(state)
        obj.model_.eval()
        return restore_params_set_after_fit(obj, config)
