"""Drug-repositioning matrices (the Gottlieb "Fdataset" layout) and the drug-disease graph built from them.

A folder holds ``DiDrAMat`` (diseases x drugs, 1 = the drug is indicated for the disease),
``DrugSimMat`` and ``DiseaseSimMat`` (similarities in [0, 1]) and the id lists ``DrugsName`` and
``DiseasesName`` in matrix order. ``load_fdataset`` returns the matrices as a
:class:`DrugDiseaseData`; ``read_fdataset`` (the ``load_graph`` reader) returns a ``HeteroData``
with ``drug``/``disease`` nodes, ``treats`` edges (and their reverse ``treated_by``) and
``similar`` edges from each node to its top-k most similar neighbours, weighted by similarity.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from graphguard.errors import DataError

FILES = {"assoc": "DiDrAMat", "drug_sim": "DrugSimMat", "disease_sim": "DiseaseSimMat", "drugs": "DrugsName",
         "diseases": "DiseasesName"}


@dataclass
class DrugDiseaseData:
    drugs: list[str]
    diseases: list[str]
    assoc: np.ndarray  # [n_drugs, n_diseases] 0/1
    drug_sim: np.ndarray  # [n_drugs, n_drugs]
    disease_sim: np.ndarray  # [n_diseases, n_diseases]
    source: str = "<drugrepo>"

    @property
    def num_drugs(self) -> int:
        return len(self.drugs)

    @property
    def num_diseases(self) -> int:
        return len(self.diseases)

    def drug_index(self, name: str) -> int:
        try:
            return self.drugs.index(name)
        except ValueError:
            raise DataError(self.source, f"unknown drug '{name}'") from None

    def disease_index(self, name: str) -> int:
        try:
            return self.diseases.index(name)
        except ValueError:
            raise DataError(self.source, f"unknown disease '{name}' (ids look like '{self.diseases[0]}')") from None

    def to_graph(self, k: int = 15, assoc: np.ndarray | None = None):
        """The heterogeneous graph; ``assoc`` replaces the known links (e.g. a training fold)."""
        from torch_geometric.data import HeteroData

        a = self.assoc if assoc is None else assoc
        g = HeteroData()
        g["drug"].x = torch.as_tensor(self.drug_sim, dtype=torch.float32)
        g["drug"].node_id = np.asarray(self.drugs)
        g["disease"].x = torch.as_tensor(self.disease_sim, dtype=torch.float32)
        g["disease"].node_id = np.asarray(self.diseases)
        src, dst = np.nonzero(a)
        ei = torch.as_tensor(np.stack([src, dst]), dtype=torch.long)
        g["drug", "treats", "disease"].edge_index = ei
        g["disease", "treated_by", "drug"].edge_index = ei.flip(0)
        for nt, sim in (("drug", self.drug_sim), ("disease", self.disease_sim)):
            e, w = knn_edges(sim, k)
            g[nt, "similar", nt].edge_index = e
            g[nt, "similar", nt].edge_weight = w
        return g


def knn_edges(sim: np.ndarray, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Edges from every node to its ``k`` most similar other nodes, weighted by similarity."""
    s = np.array(sim, dtype=np.float64)
    np.fill_diagonal(s, -np.inf)
    k = max(0, min(k, s.shape[0] - 1))
    nbr = np.argpartition(-s, kth=k - 1, axis=1)[:, :k] if k else np.zeros((s.shape[0], 0), dtype=np.int64)
    rows = np.repeat(np.arange(s.shape[0]), k)
    cols = nbr.reshape(-1)
    keep = s[rows, cols] > 0
    rows, cols = rows[keep], cols[keep]
    return (torch.as_tensor(np.stack([rows, cols]), dtype=torch.long),
            torch.as_tensor(s[rows, cols], dtype=torch.float32))


def _matrix(path: Path) -> np.ndarray:
    rows = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rows.append([float(v) for v in line.split()])
            except ValueError:
                bad = next(v for v in line.split() if not _isfloat(v))
                raise DataError(path, f"line {lineno}: '{bad[:20]}' is not a number") from None
            if len(rows[-1]) != len(rows[0]):
                raise DataError(path, f"line {lineno}: {len(rows[-1])} values, but line 1 has {len(rows[0])}")
    if not rows:
        raise DataError(path, "the matrix is empty")
    return np.asarray(rows)


def _isfloat(v: str) -> bool:
    try:
        float(v)
        return True
    except ValueError:
        return False


def _names(path: Path) -> list[str]:
    names = [ln.strip() for ln in path.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()]
    if not names:
        raise DataError(path, "the id list is empty")
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise DataError(path, f"id '{dup}' appears more than once")
    return names


def load_fdataset(path: str | Path) -> DrugDiseaseData:
    path = Path(path)
    if not path.is_dir():
        raise DataError(path, "expected a folder with DiDrAMat, DrugSimMat, DiseaseSimMat, DrugsName, DiseasesName")
    for f in FILES.values():
        if not (path / f).is_file():
            raise DataError(path, f"missing file {f}")
    drugs, diseases = _names(path / FILES["drugs"]), _names(path / FILES["diseases"])
    didr = _matrix(path / FILES["assoc"])
    dsim, ssim = _matrix(path / FILES["drug_sim"]), _matrix(path / FILES["disease_sim"])
    if didr.shape != (len(diseases), len(drugs)):
        raise DataError(path / FILES["assoc"], f"shape {didr.shape} does not match {len(diseases)} diseases x {len(drugs)} drugs")
    for m, n, f in ((dsim, len(drugs), FILES["drug_sim"]), (ssim, len(diseases), FILES["disease_sim"])):
        if m.shape != (n, n):
            raise DataError(path / f, f"shape {m.shape}, expected {n} x {n}")
        if not np.isfinite(m).all():
            raise DataError(path / f, "contains NaN or inf")
    if not np.isin(didr, (0, 1)).all():
        raise DataError(path / FILES["assoc"], "associations must be 0 or 1")
    if didr.sum() == 0:
        raise DataError(path / FILES["assoc"], "holds no known drug-disease links")
    return DrugDiseaseData(drugs, diseases, didr.T.astype(np.int8), dsim, ssim, source=str(path))


def read_fdataset(path: str | Path, k: int = 15):
    """``load_graph`` reader: the drug-disease ``HeteroData`` (top-``k`` similarity edges)."""
    return load_fdataset(path).to_graph(k)
