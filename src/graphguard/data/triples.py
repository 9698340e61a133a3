"""Knowledge-graph triples: ``head<TAB>relation<TAB>tail`` files with train/valid/test splits.

``load_triples`` returns a :class:`TripleSet` (integer-coded splits plus the entity and relation
vocabularies, which are saved with every model); ``read_triples`` is the ``load_graph`` reader and
returns the same data as a PyG ``Data`` (``edge_index``, ``edge_type`` and one edge mask per
split). ``TripleSet.from_graph`` turns any PyG graph, e.g. one read from Neptune CSV, into triples,
so that every graph the library reads can be used for link prediction.

Vocabularies are built from the training split only: an entity or relation that appears first in
valid or test cannot be embedded, and is reported with its file and line number.
"""

from __future__ import annotations

import io
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from graphguard.errors import DataError, reason

SPLITS = ("train", "valid", "test")


@dataclass
class TripleSet:
    """Integer-coded triples ``[n, 3]`` (head, relation, tail) per split, with their vocabularies."""

    entities: list[str]
    relations: list[str]
    train: np.ndarray
    valid: np.ndarray = field(default_factory=lambda: np.zeros((0, 3), dtype=np.int64))
    test: np.ndarray = field(default_factory=lambda: np.zeros((0, 3), dtype=np.int64))
    source: str = "<triples>"

    @property
    def num_entities(self) -> int:
        return len(self.entities)

    @property
    def num_relations(self) -> int:
        return len(self.relations)

    @property
    def entity_to_id(self) -> dict[str, int]:
        return {e: i for i, e in enumerate(self.entities)}

    @property
    def relation_to_id(self) -> dict[str, int]:
        return {r: i for i, r in enumerate(self.relations)}

    def split(self, name: str) -> np.ndarray:
        if name not in SPLITS:
            raise DataError(self.source, f"unknown split '{name}' (known: {', '.join(SPLITS)})")
        return getattr(self, name)

    def all_triples(self) -> np.ndarray:
        return np.concatenate([self.train, self.valid, self.test], axis=0)

    def encode(self, labelled: list[tuple[str, str, str]], source: str = "<query>") -> np.ndarray:
        """Map ``(head, relation, tail)`` labels to ids; unknown labels raise ``DataError``."""
        ents, rels = self.entity_to_id, self.relation_to_id
        out = np.empty((len(labelled), 3), dtype=np.int64)
        for i, (h, r, t) in enumerate(labelled):
            for name, vocab, val, col in (("entity", ents, h, 0), ("relation", rels, r, 1), ("entity", ents, t, 2)):
                if val not in vocab:
                    raise DataError(source, f"row {i + 1}: unknown {name} '{val}' (not in the training vocabulary)")
                out[i, col] = vocab[val]
        return out

    def to_graph(self):
        """All splits as one PyG ``Data`` with ``edge_type`` and per-split edge masks."""
        from torch_geometric.data import Data

        allt = self.all_triples()
        g = Data(edge_index=torch.as_tensor(allt[:, [0, 2]].T.copy()), edge_type=torch.as_tensor(allt[:, 1]))
        g.num_nodes = self.num_entities
        sizes = [len(self.train), len(self.valid), len(self.test)]
        start = 0
        for name, n in zip(("train_edge_mask", "val_edge_mask", "test_edge_mask"), sizes):
            m = torch.zeros(len(allt), dtype=torch.bool)
            m[start:start + n] = True
            g[name] = m
            start += n
        g.node_id = np.asarray(self.entities)
        g.relation_names = list(self.relations)
        return g

    @classmethod
    def from_graph(cls, g, *, valid_fraction: float = 0.05, test_fraction: float = 0.05, seed: int = 0,
                   source: str = "<graph>") -> "TripleSet":
        """Triples from a PyG graph: a ``read_triples`` graph keeps its splits, any other graph is split at random.

        In a ``HeteroData`` each edge type becomes a relation and nodes are named ``type:id``.
        Random splits keep every entity and relation of valid/test present in train, and keep a
        triple, its mirror and its reverse together (see ``random_split``).
        """
        from torch_geometric.data import HeteroData

        if isinstance(g, (list, tuple)):  # e.g. the GraphList of a TU or SMILES dataset
            raise DataError(source, f"holds {len(g)} separate graphs (a graph-level dataset); link prediction "
                            "needs a single graph or triples")
        if isinstance(g, HeteroData):
            names, offset, ents = {}, 0, []
            for nt in g.node_types:
                ids = getattr(g[nt], "node_id", None)
                n = int(g[nt].num_nodes)
                ents += [f"{nt}:{ids[i] if ids is not None else i}" for i in range(n)]
                names[nt] = offset
                offset += n
            rels, parts = [], []
            for k, et in enumerate(g.edge_types):
                ei = g[et].edge_index
                rels.append("__".join(et) if len({e[1] for e in g.edge_types}) < len(g.edge_types) else et[1])
                parts.append(np.stack([ei[0].numpy() + names[et[0]], np.full(ei.shape[1], k), ei[1].numpy() + names[et[2]]], 1))
            triples = np.concatenate(parts) if parts else np.zeros((0, 3), dtype=np.int64)
        else:
            n = int(g.num_nodes)
            ids = getattr(g, "node_id", None)
            ents = [str(ids[i]) if ids is not None else str(i) for i in range(n)]
            et = getattr(g, "edge_type", None)
            ei = g.edge_index.numpy()
            rel_ids = et.numpy() if et is not None else np.zeros(ei.shape[1], dtype=np.int64)
            rels = list(getattr(g, "relation_names", None) or [str(r) for r in range(int(rel_ids.max(initial=-1)) + 1)]) or ["to"]
            triples = np.stack([ei[0], rel_ids, ei[1]], 1)
            if "train_edge_mask" in g:
                masks = [g[m].numpy() for m in ("train_edge_mask", "val_edge_mask", "test_edge_mask")]
                ts = cls(ents, rels, *(triples[m].astype(np.int64) for m in masks), source=source)
                check_split(ts.train, "train", source)
                return ts
        triples = triples.astype(np.int64)
        if len(triples) == 0:
            raise DataError(source, "the graph has no edges to use as triples")
        return cls(ents, rels, *random_split(triples, valid_fraction, test_fraction, seed), source=source)


def reverse_relations(triples: np.ndarray) -> dict[int, int]:
    """Relation pairs whose triples mirror each other exactly (``treats``/``treated_by``, ``uses``/``rev_uses``)."""
    n = int(triples[:, [0, 2]].max()) + 1
    fwd, back = {}, {}
    for r in np.unique(triples[:, 1]):
        t = triples[triples[:, 1] == r]
        fwd[int(r)] = np.unique(t[:, 0] * n + t[:, 2])
        back[int(r)] = np.unique(t[:, 2] * n + t[:, 0])
    out = {}
    for r in fwd:
        for q in fwd:
            if r < q and q not in out and len(fwd[r]) == len(fwd[q]) and np.array_equal(fwd[r], back[q]):
                out[q] = r
    return out


def leakage_groups(triples: np.ndarray) -> np.ndarray:
    """Group id per triple: ``(h, r, t)``, its mirror ``(t, r, h)`` and its reverse ``(t, r', h)`` share one.

    Training on one of them gives the other away, so a split that separates them inflates the
    test metrics; PyG's ``RandomLinkSplit(rev_edge_types=...)`` keeps them together for the same reason.
    """
    canonical = np.arange(int(triples[:, 1].max()) + 1)
    for q, r in reverse_relations(triples).items():
        canonical[q] = r
    lo, hi = np.minimum(triples[:, 0], triples[:, 2]), np.maximum(triples[:, 0], triples[:, 2])
    _, group = np.unique(np.stack([canonical[triples[:, 1]], lo, hi], 1), axis=0, return_inverse=True)
    return group.reshape(-1)


def random_split(triples: np.ndarray, valid_fraction: float, test_fraction: float, seed: int):
    """Shuffle triples into train/valid/test by ``leakage_groups``, moving to train any group whose
    entities or relations train lacks."""
    rng = np.random.default_rng(seed)
    group = leakage_groups(triples)
    order = np.argsort(rng.permutation(int(group.max()) + 1)[group], kind="stable")  # groups in random order
    filled = np.arange(1, len(order) + 1)
    # a group goes to test (valid) when it starts before the test (valid) quota is reached
    first = np.ones(len(order), dtype=bool)
    first[1:] = group[order][1:] != group[order][:-1]
    starts = np.maximum.accumulate(np.where(first, filled - 1, 0))
    n_va, n_te = int(len(triples) * valid_fraction), int(len(triples) * test_fraction)
    te, va, tr = order[starts < n_te], order[(starts >= n_te) & (starts < n_te + n_va)], order[starts >= n_te + n_va]
    seen_e = np.zeros(int(triples[:, [0, 2]].max()) + 1, dtype=bool)
    seen_r = np.zeros(int(triples[:, 1].max()) + 1, dtype=bool)
    seen_e[triples[tr][:, [0, 2]].ravel()] = True
    seen_r[triples[tr][:, 1]] = True
    out = []
    moved = []
    for idx in (va, te):
        t = triples[idx]
        ok = seen_e[t[:, 0]] & seen_e[t[:, 2]] & seen_r[t[:, 1]]
        bad_groups = np.unique(group[idx[~ok]])
        ok &= ~np.isin(group[idx], bad_groups)  # a group moves whole
        moved.append(idx[~ok])
        out.append(t[ok])
    train = triples[np.concatenate([tr, *moved])]
    return train, out[0], out[1]


def check_split(t: np.ndarray, name: str, source) -> None:
    if len(t) == 0:
        raise DataError(source, f"the {name} split is empty")


def _parse_lines(text: str, source: str) -> list[tuple[str, str, str, int]]:
    """Rows with their line numbers. Blank lines are skipped, but a ``#`` line is data: the standard
    train/valid/test.txt have no comments (PyKEEN reads every line), and ``#hashtag`` is an entity."""
    rows = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.rstrip("\r\n").split("\t")
        if len(parts) != 3 or not all(p.strip() for p in parts):
            hint = " ('#' starts data, not a comment, in a triples file)" if line.startswith("#") else ""
            raise DataError(source, f"line {lineno}: expected 'head<TAB>relation<TAB>tail', got {len(parts)} "
                                    f"field(s): {line[:60]!r}{hint}")
        rows.append((parts[0].strip(), parts[1].strip(), parts[2].strip(), lineno))
    return rows


def archive_in(folder: Path) -> Path | None:
    """The folder's only ``.tar.gz``/``.tgz``/``.tar`` file, if it has exactly one."""
    found = [f for f in Path(folder).iterdir() if f.is_file() and f.name.lower().endswith((".tar.gz", ".tgz", ".tar"))]
    return found[0] if len(found) == 1 else None


def _read_texts(path: Path) -> dict[str, tuple[str, str]]:
    """Split name -> (text, source label) from a folder, a tar archive, or a single train file."""
    if not path.exists():
        raise DataError(path, "file or folder not found")
    texts = {}
    if path.is_dir() and not (path / "train.txt").is_file() and archive_in(path) is not None:
        return _read_texts(archive_in(path))  # a folder as shipped, e.g. umls/umls.tar.gz
    if path.is_dir():
        for s in SPLITS:
            f = path / f"{s}.txt"
            if f.is_file():
                texts[s] = (f.read_text(encoding="utf-8", errors="replace"), str(f))
        if "train" not in texts:
            raise DataError(path, "no train.txt in this folder")
        return texts
    name = path.name.lower()
    if name.endswith((".tar.gz", ".tgz", ".tar")):
        try:
            with tarfile.open(path) as tar:
                for m in tar.getmembers():
                    base = Path(m.name).name
                    if m.isfile() and base in {f"{s}.txt" for s in SPLITS}:
                        data = tar.extractfile(m).read()
                        texts[base[:-4]] = (io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="replace").read(),
                                            f"{path}:{m.name}")
        except tarfile.TarError as e:
            raise DataError(path, f"not a readable tar archive ({reason(e)})") from None
        if "train" not in texts:
            raise DataError(path, "the archive holds no train.txt")
        return texts
    return {"train": (path.read_text(encoding="utf-8", errors="replace"), str(path))}


def load_triples(path: str | Path, *, require_splits: bool = True) -> TripleSet:
    """Read train/valid/test triples; vocabularies come from train.

    With ``require_splits`` (the default when valid/test files exist) every split must be
    non-empty and use only entities and relations seen in training.
    """
    path = Path(path)
    texts = _read_texts(path)
    rows = {s: _parse_lines(*texts[s]) for s in texts}
    check_split(rows["train"], "train", texts["train"][1])
    ents: dict[str, int] = {}
    rels: dict[str, int] = {}
    for h, r, t, _ in rows["train"]:
        ents.setdefault(h, len(ents))
        rels.setdefault(r, len(rels))
        ents.setdefault(t, len(ents))
    coded = {}
    for s in SPLITS:
        if s not in rows:
            if require_splits and s != "train" and len(texts) > 1:
                raise DataError(path, f"no {s}.txt found next to train.txt")
            coded[s] = np.zeros((0, 3), dtype=np.int64)
            continue
        src = texts[s][1]
        if not rows[s] and require_splits:
            check_split(rows[s], s, src)
        arr = np.empty((len(rows[s]), 3), dtype=np.int64)
        for i, (h, r, t, lineno) in enumerate(rows[s]):
            for val, kind in ((h, "entity"), (t, "entity")):
                if val not in ents:
                    raise DataError(src, f"line {lineno}: {kind} '{val}' does not appear in the training triples")
            if r not in rels:
                raise DataError(src, f"line {lineno}: relation '{r}' does not appear in the training triples")
            arr[i] = (ents[h], rels[r], ents[t])
        coded[s] = arr
        if s != "train":
            _refuse_trained_on(arr, coded["train"], rows[s], s, src)
    return TripleSet(list(ents), list(rels), coded["train"], coded["valid"], coded["test"], source=str(path))


def _as_rows(t: np.ndarray) -> np.ndarray:
    """Each (head, relation, tail) row as one opaque value, so that whole triples can be matched."""
    return np.ascontiguousarray(t, dtype=np.int64).view(np.dtype((np.void, 24))).ravel()


def _refuse_trained_on(t: np.ndarray, train: np.ndarray, rows: list, name: str, source) -> None:
    """A validation or test triple that is also a training triple would be scored on what the model
    was fitted to (the triples form of a test node inside the training labels): refuse the file."""
    if not len(t) or not len(train):
        return
    seen = np.isin(_as_rows(t), _as_rows(train))
    if seen.any():
        i = int(np.flatnonzero(seen)[0])
        h, r, tail, lineno = rows[i]
        raise DataError(source, f"line {lineno}: the {name} triple '{h} {r} {tail}' is also a training triple "
                                f"({int(seen.sum())} of {len(t)} are); remove them from train.txt or from {name}.txt")


def read_triples(path: str | Path, **kwargs):
    """``load_graph`` reader: the triples as a PyG ``Data`` (see ``TripleSet.to_graph``)."""
    return load_triples(path, **kwargs).to_graph()


def as_triple_set(data, source: str = "<data>") -> TripleSet:
    """Accept a ``TripleSet``, a path, or any PyG graph."""
    if isinstance(data, TripleSet):
        return data
    if isinstance(data, (str, Path)):
        from graphguard.data.io import detect_format, load_graph

        if detect_format(data) == "triples":
            return load_triples(data)
        return TripleSet.from_graph(load_graph(data), source=str(data))
    return TripleSet.from_graph(data, source=source)
