"""PDB / mmCIF structure -> residue contact graph, parsed with gemmi.

One node per residue that has a C-alpha atom (first model; waters and ligands without C-alpha
are left out). Edges join residues whose C-alpha atoms (``mode="ca"``) or any atoms
(``mode="any"``) lie within ``cutoff`` angstroms, or each residue's ``k`` nearest neighbours by
C-alpha distance (``mode="knn"``); both directions are stored and ``edge_attr`` is the C-alpha
distance. Node features are a one-hot of the residue type (20 standard amino acids + other)
followed by the C-alpha coordinates; ``pos`` holds the coordinates too and ``residue_id`` the
chain/number/name of each node.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import torch
from torch_geometric.data import Data

from graphguard.errors import ConfigError, DataError

AMINO_ACIDS = ("ALA", "ARG", "ASN", "ASP", "CYS", "GLN", "GLU", "GLY", "HIS", "ILE",
               "LEU", "LYS", "MET", "PHE", "PRO", "SER", "THR", "TRP", "TYR", "VAL")
MODES = ("ca", "any", "knn")
PDB_COORDINATE_COLUMNS = (("x", slice(30, 38)), ("y", slice(38, 46)), ("z", slice(46, 54)))


def read_structure(path: str | Path):
    import gemmi

    path = Path(path)
    if not path.is_file():
        raise DataError(path, "file not found")
    try:
        st = gemmi.read_structure(str(path))
    except (RuntimeError, ValueError) as e:
        raise DataError(path, f"cannot parse structure ({e})") from None
    if len(st) == 0:
        raise DataError(path, "structure has no models (no ATOM records)")
    if st.input_format == gemmi.CoorFormat.Pdb:
        check_pdb_coordinates(path)
    return st


def check_pdb_coordinates(path: Path) -> None:
    """gemmi reads a PDB coordinate that is not a number as 0.0 (``abc``) or its leading digits
    (``1x.5`` -> 1.0), which would silently move an atom; name the line and field instead."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="latin-1") as f:
        for number, line in enumerate(f, 1):
            if not line.startswith(("ATOM", "HETATM")):
                continue
            for axis, columns in PDB_COORDINATE_COLUMNS:
                field = line[columns].strip()
                try:
                    float(field)
                except ValueError:
                    raise DataError(path, f"line {number}: {axis} coordinate '{field}' is not a number "
                                          f"(columns {columns.start + 1}-{columns.stop})") from None


def residue_table(st, source) -> tuple[list[str], np.ndarray, list[np.ndarray], list[str]]:
    """Residue names, C-alpha coordinates, all-atom coordinates and ids of residues with a C-alpha."""
    names, ca, atoms, ids = [], [], [], []
    for chain in st[0]:
        for res in chain:
            cas = [a for a in res if a.name == "CA" and a.element.name == "C"]
            if not cas:
                continue
            names.append(res.name)
            ca.append([cas[0].pos.x, cas[0].pos.y, cas[0].pos.z])
            atoms.append(np.asarray([[a.pos.x, a.pos.y, a.pos.z] for a in res], dtype=np.float32))
            ids.append(f"{chain.name}:{res.seqid.num}{res.seqid.icode.strip()}:{res.name}")
    if not names:
        raise DataError(source, "no C-alpha (CA) atoms found; a residue contact graph needs amino-acid residues")
    for rid, xyz in zip(ids, atoms):
        if not np.isfinite(xyz).all():  # gemmi reads a non-number in an mmCIF coordinate as NaN
            raise DataError(source, f"residue {rid} has a coordinate that is not a number")
    return names, np.asarray(ca, dtype=np.float32), atoms, ids


def contact_edges(ca: np.ndarray, atoms: list[np.ndarray], mode: str, cutoff: float, k: int) -> np.ndarray:
    from scipy.spatial import cKDTree

    n = len(ca)
    if mode == "knn":
        kk = min(k, n - 1)
        if kk <= 0:
            return np.zeros((2, 0), np.int64)
        _, nb = cKDTree(ca).query(ca, k=kk + 1)
        src = np.repeat(np.arange(n), kk)
        dst = nb[:, 1:].reshape(-1)
        pairs = {(int(a), int(b)) for a, b in zip(src, dst)}
        pairs |= {(b, a) for a, b in pairs}
    elif mode == "ca":
        pairs = set()
        for a, b in cKDTree(ca).query_pairs(cutoff):
            pairs |= {(a, b), (b, a)}
    elif mode == "any":
        owner = np.concatenate([np.full(len(x), i) for i, x in enumerate(atoms)])
        allpos = np.concatenate(atoms)
        pairs = set()
        for a, b in cKDTree(allpos).query_pairs(cutoff):
            ra, rb = int(owner[a]), int(owner[b])
            if ra != rb:
                pairs |= {(ra, rb), (rb, ra)}
    else:
        raise ConfigError(f"unknown contact mode '{mode}' (choose from {', '.join(MODES)})")
    if not pairs:
        return np.zeros((2, 0), np.int64)
    return np.asarray(sorted(pairs), dtype=np.int64).T


def structure_to_graph(path: str | Path, mode: str = "ca", cutoff: float = 8.0, k: int = 10) -> Data:
    """Residue contact graph of the structure at ``path`` (PDB, mmCIF; gzip allowed)."""
    if mode not in MODES:
        raise ConfigError(f"unknown contact mode '{mode}' (choose from {', '.join(MODES)})")
    if cutoff <= 0 or k <= 0:
        raise ConfigError("cutoff and k must be positive")
    st = read_structure(path)
    names, ca, atoms, ids = residue_table(st, path)
    ei = contact_edges(ca, atoms, mode, cutoff, k)
    onehot = np.zeros((len(names), len(AMINO_ACIDS) + 1), np.float32)
    onehot[np.arange(len(names)), [AMINO_ACIDS.index(r) if r in AMINO_ACIDS else len(AMINO_ACIDS) for r in names]] = 1
    dist = np.linalg.norm(ca[ei[0]] - ca[ei[1]], axis=1).astype(np.float32) if ei.size else np.zeros(0, np.float32)
    g = Data(x=torch.from_numpy(np.concatenate([onehot, ca], 1)), edge_index=torch.from_numpy(ei),
             edge_attr=torch.from_numpy(dist[:, None]), pos=torch.from_numpy(ca))
    g.num_nodes = len(names)
    g.residue_id = ids
    g.name = Path(path).name
    return g
