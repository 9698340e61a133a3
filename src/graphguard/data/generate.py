"""Large realistic fraud graphs, generated in chunks straight to disk.

The schema is a payments graph: ``account`` nodes (labelled: 1 fraud, 0 normal), ``merchant`` and
``device`` nodes, and three relations: ``account -transfers-> account``, ``account -pays->
merchant`` and ``account -uses-> device``. What makes it realistic enough to benchmark on:

* **power-law degrees**: endpoints are drawn by rank with ``rank = n * u**a``, which gives a Zipf
  activity profile (a few hubs, a long tail) without any per-node table lookup;
* **communities**: accounts belong to ``rank % C`` and most transfers stay inside one;
* **fraud rings**: fraudsters in rings of ``ring_size`` transfer among themselves in time bursts,
  share devices and pay the same collusive merchants;
* **camouflage**: fraudsters also transfer to ordinary (mostly benign) accounts;
* **features with a class signal** (a mean shift on half of the columns, plus a community
  signal) and timestamps (fraudulent accounts are newer, ring activity is bursty).

Every chunk draws from its own ``SeedSequence`` child, so the output depends only on the seed and
the sizes. Edges are produced as numpy chunks (never Python objects) and written by a sink: the
graph store, Neptune CSV or Parquet tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from graphguard.errors import ConfigError

CHUNK = 1 << 21  # edges per generated chunk (fixed: part of what makes the output reproducible)
NODE_CHUNK = 1 << 20
T_MAX = 3.0e7  # about a year, in seconds
RELATIONS = (("account", "transfers", "account"), ("account", "pays", "merchant"), ("account", "uses", "device"))
EDGE_SHARE = {"transfers": 0.6, "pays": 0.3, "uses": 0.1}
NODE_SHARE = {"account": 0.8, "merchant": 0.1, "device": 0.1}
ID_PREFIX = {"account": "a", "merchant": "m", "device": "d"}


@dataclass
class GraphSpec:
    """Sizes and knobs of a generated graph (``num_edges`` counts edge records, one per row)."""

    num_nodes: int
    num_edges: int
    seed: int = 0
    num_features: int = 16
    fraud_ratio: float = 0.02
    ring_size: int = 8
    signal: float = 0.4
    camouflage: float = 0.3
    power: float = 2.0
    community_size: int = 2000

    def __post_init__(self):
        if self.num_nodes < 30:
            raise ConfigError(f"--nodes must be at least 30 (got {self.num_nodes})")
        if self.num_edges < 10:
            raise ConfigError(f"--edges must be at least 10 (got {self.num_edges})")
        if self.num_features < 2:  # the community signal shifts the last two columns
            raise ConfigError(f"--features must be at least 2 (got {self.num_features})")
        if not 0 < self.fraud_ratio < 0.5:
            raise ConfigError(f"fraud_ratio must be in (0, 0.5) (got {self.fraud_ratio})")
        if self.ring_size < 2:
            raise ConfigError(f"ring_size must be at least 2 (got {self.ring_size})")

    @property
    def counts(self) -> dict[str, int]:
        n = {t: max(3, int(self.num_nodes * s)) for t, s in NODE_SHARE.items()}
        n["account"] = self.num_nodes - n["merchant"] - n["device"]
        return n

    def edge_counts(self) -> dict[tuple[str, str, str], int]:
        out = {et: int(self.num_edges * EDGE_SHARE[et[1]]) for et in RELATIONS}
        out[RELATIONS[0]] += self.num_edges - sum(out.values())
        return out


class FraudGraphGenerator:
    """Draws nodes and edges chunk by chunk; all state is a few arrays over accounts."""

    def __init__(self, spec: GraphSpec):
        self.spec = spec
        self.n = spec.counts
        na = self.n["account"]
        root = np.random.SeedSequence(spec.seed)
        self._seeds = dict(zip(["setup", "nodes", *[r[1] for r in RELATIONS]], root.spawn(2 + len(RELATIONS))))
        rng = np.random.default_rng(self._seeds["setup"])
        # rank -> node id: hubs land at random ids
        self.perm = {t: rng.permutation(n) for t, n in self.n.items()}
        self.num_comm = max(1, na // spec.community_size)
        n_fraud = max(spec.ring_size, int(round(spec.fraud_ratio * na)))
        self.fraud = rng.choice(na, n_fraud, replace=False)  # ordered by ring: ring r = fraud[r*k:(r+1)*k]
        self.num_rings = n_fraud // spec.ring_size
        self.y = np.zeros(na, dtype=np.int64)
        self.y[self.fraud] = 1
        self.ring_start = rng.uniform(0.5 * T_MAX, 0.95 * T_MAX, self.num_rings)
        self.ring_merchant = rng.integers(0, self.n["merchant"], self.num_rings)
        self.ring_device = rng.integers(0, self.n["device"], (self.num_rings, 2))

    # ------------------------------------------------------------------ drawing helpers
    def _zipf(self, rng, size: int, n: int) -> np.ndarray:
        """Ranks in ``[0, n)`` with a power-law popularity (rank 0 is the biggest hub)."""
        return np.minimum((n * rng.random(size) ** self.spec.power).astype(np.int64), n - 1)

    def _accounts(self, rng, size: int) -> tuple[np.ndarray, np.ndarray]:
        """Power-law accounts and their community."""
        rank = self._zipf(rng, size, self.n["account"])
        return self.perm["account"][rank], rank % self.num_comm

    def _same_community(self, rng, comm: np.ndarray) -> np.ndarray:
        na, c = self.n["account"], self.num_comm
        size_c = (na - comm + c - 1) // c  # members of community comm: ranks comm, comm+c, ...
        local = np.minimum((size_c * rng.random(comm.size) ** self.spec.power).astype(np.int64), size_c - 1)
        return self.perm["account"][local * c + comm]

    def _ring_members(self, rng, ring: np.ndarray) -> np.ndarray:
        return self.fraud[ring * self.spec.ring_size + rng.integers(0, self.spec.ring_size, ring.size)]

    def _burst(self, rng, ring: np.ndarray) -> np.ndarray:
        return self.ring_start[ring] + rng.exponential(2.0e5, ring.size)

    # ------------------------------------------------------------------ edges
    def edge_chunks(self, et: tuple[str, str, str]) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """``(src, dst, time)`` chunks (int64 local ids per type, float32 seconds) of one relation."""
        total = self.spec.edge_counts()[et]
        seq = self._seeds[et[1]]
        for i, start in enumerate(range(0, total, CHUNK)):
            rng = np.random.default_rng(np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, i)))
            size = min(CHUNK, total - start)
            yield getattr(self, "_" + et[1])(rng, size)

    def _fraud_part(self, rng, size: int, per_fraudster: float) -> int:
        want = per_fraudster * len(self.fraud) * size / max(1, self.spec.num_edges)
        return min(size // 3, int(want) + int(rng.random() < want - int(want)))

    def _transfers(self, rng, size):
        n_ring = self._fraud_part(rng, size, 6.0)
        n_cam = self._fraud_part(rng, size, 6.0 * self.spec.camouflage)
        n_bg = size - n_ring - n_cam
        src, comm = self._accounts(rng, n_bg)
        dst = np.where(rng.random(n_bg) < 0.8, self._same_community(rng, comm), self._accounts(rng, n_bg)[0])
        t = rng.uniform(0, T_MAX, n_bg)
        ring = rng.integers(0, self.num_rings, n_ring)
        cam_ring = rng.integers(0, self.num_rings, n_cam)
        src = np.concatenate([src, self._ring_members(rng, ring), self._ring_members(rng, cam_ring)])
        dst = np.concatenate([dst, self._ring_members(rng, ring), self._accounts(rng, n_cam)[0]])
        t = np.concatenate([t, self._burst(rng, ring), rng.uniform(0, T_MAX, n_cam)])
        return self._shuffle(rng, src, dst, t)

    def _pays(self, rng, size):
        n_f = self._fraud_part(rng, size, 3.0)
        src = self._accounts(rng, size - n_f)[0]
        dst = self.perm["merchant"][self._zipf(rng, size - n_f, self.n["merchant"])]
        ring = rng.integers(0, self.num_rings, n_f)
        src = np.concatenate([src, self._ring_members(rng, ring)])
        dst = np.concatenate([dst, self.ring_merchant[ring]])
        t = np.concatenate([rng.uniform(0, T_MAX, size - n_f), self._burst(rng, ring)])
        return self._shuffle(rng, src, dst, t)

    def _uses(self, rng, size):
        n_f = self._fraud_part(rng, size, 2.0)
        src = rng.integers(0, self.n["account"], size - n_f)
        dst = rng.integers(0, self.n["device"], size - n_f)
        ring = rng.integers(0, self.num_rings, n_f)
        src = np.concatenate([src, self._ring_members(rng, ring)])
        dst = np.concatenate([dst, self.ring_device[ring, rng.integers(0, 2, n_f)]])
        t = np.concatenate([rng.uniform(0, T_MAX, size - n_f), self._burst(rng, ring)])
        return self._shuffle(rng, src, dst, t)

    @staticmethod
    def _shuffle(rng, src, dst, t):
        p = rng.permutation(src.size)
        return src[p], dst[p], t[p].astype(np.float32)

    # ------------------------------------------------------------------ nodes
    def node_chunks(self, ntype: str) -> Iterator[dict[str, np.ndarray]]:
        """Chunks of node columns: ``x`` float32, and for accounts ``y``, ``node_time`` and ``split``."""
        n = self.n[ntype]
        seq = self._seeds["nodes"]
        f = self.spec.num_features if ntype == "account" else 4
        for i, start in enumerate(range(0, n, NODE_CHUNK)):
            key = (*seq.spawn_key, list(NODE_SHARE).index(ntype), i)
            rng = np.random.default_rng(np.random.SeedSequence(seq.entropy, spawn_key=key))
            stop = min(n, start + NODE_CHUNK)
            x = rng.normal(0, 1, (stop - start, f)).astype(np.float32)
            out = {"x": x}
            if ntype == "account":
                y = self.y[start:stop]
                x[:, : f // 2] += np.float32(self.spec.signal) * y[:, None]
                # community signal: a hashed +-1 pattern over the last two columns
                comm = (self._rank_of(np.arange(start, stop)) % self.num_comm)
                x[:, -2] += 0.5 * ((comm % 2) * 2 - 1)
                x[:, -1] += 0.5 * (((comm // 2) % 2) * 2 - 1)
                out["y"] = y
                out["node_time"] = np.where(y == 1, rng.uniform(0.6, 1.0, y.size),
                                            rng.uniform(0.0, 1.0, y.size)) * T_MAX
                out["split"] = rng.choice(3, y.size, p=[0.4, 0.2, 0.4]).astype(np.int8)  # train / val / test
            yield out

    def _rank_of(self, ids: np.ndarray) -> np.ndarray:
        if not hasattr(self, "_inv"):
            self._inv = np.empty_like(self.perm["account"])
            self._inv[self.perm["account"]] = np.arange(self.n["account"])
        return self._inv[ids]


def node_ids(ntype: str, idx: np.ndarray, width: int):
    """Original string ids (``a000123``) as a pyarrow array, built in C++ rather than per row."""
    import pyarrow as pa
    import pyarrow.compute as pc

    s = pc.utf8_lpad(pc.cast(pa.array(idx), pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(ID_PREFIX[ntype], s, "")


def id_width(n: int) -> int:
    return len(str(max(1, n - 1)))


def generate(out: str | Path, num_nodes: int, num_edges: int, *, seed: int = 0, format: str = "store",
             **knobs) -> dict:
    """Generate a graph into ``out`` as a graph store, Neptune CSV or Parquet tables; returns a summary."""
    from graphguard.data import generate_writers as _sinks

    if format not in _sinks.SINKS:
        raise ConfigError(f"unknown --format '{format}' (known: {', '.join(_sinks.SINKS)})")
    spec = GraphSpec(num_nodes=int(num_nodes), num_edges=int(num_edges), seed=int(seed), **knobs)
    gen = FraudGraphGenerator(spec)
    return _sinks.SINKS[format](gen, Path(out))
