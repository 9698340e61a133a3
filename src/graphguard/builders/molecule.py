"""SMILES -> molecular graph with RDKit, using the atom and bond vocabularies of OGB.

Each atom gets nine categorical features (atomic number, chirality, degree, formal charge,
number of hydrogens, radical electrons, hybridisation, aromaticity, ring membership) and each
bond three (type, stereo, conjugation), as in OGB's ``smiles2graph``. Values outside a vocabulary
fall into its last "other" slot. ``x`` / ``edge_attr`` hold their one-hot encodings (float32) so
any PyG layer can use them; the integer codes stay in ``x_cat`` / ``edge_cat`` for embedding
layers. The SMILES string is kept on ``g.smiles`` (fingerprints and scaffold splits need it).
"""

from __future__ import annotations

import numpy as np
import torch
from torch_geometric.data import Data

from graphguard.errors import DataError

_OTHER = "other"
ATOM_VOCAB: dict[str, list] = {
    "atomic_num": list(range(1, 119)) + [_OTHER],
    "chirality": ["CHI_UNSPECIFIED", "CHI_TETRAHEDRAL_CW", "CHI_TETRAHEDRAL_CCW", "CHI_OTHER", _OTHER],
    "degree": list(range(11)) + [_OTHER],
    "formal_charge": list(range(-5, 6)) + [_OTHER],
    "num_hs": list(range(9)) + [_OTHER],
    "radical_electrons": list(range(5)) + [_OTHER],
    "hybridization": ["SP", "SP2", "SP3", "SP3D", "SP3D2", _OTHER],
    "is_aromatic": [False, True],
    "is_in_ring": [False, True],
}
BOND_VOCAB: dict[str, list] = {
    "bond_type": ["SINGLE", "DOUBLE", "TRIPLE", "AROMATIC", _OTHER],
    "stereo": ["STEREONONE", "STEREOZ", "STEREOE", "STEREOCIS", "STEREOTRANS", "STEREOANY"],
    "is_conjugated": [False, True],
}
ATOM_DIMS = [len(v) for v in ATOM_VOCAB.values()]
BOND_DIMS = [len(v) for v in BOND_VOCAB.values()]


def _code(vocab: list, value) -> int:
    try:
        return vocab.index(value)
    except ValueError:
        return len(vocab) - 1


def atom_codes(atom) -> list[int]:
    v = ATOM_VOCAB
    return [
        _code(v["atomic_num"], atom.GetAtomicNum()),
        _code(v["chirality"], str(atom.GetChiralTag())),
        _code(v["degree"], atom.GetTotalDegree()),
        _code(v["formal_charge"], atom.GetFormalCharge()),
        _code(v["num_hs"], atom.GetTotalNumHs()),
        _code(v["radical_electrons"], atom.GetNumRadicalElectrons()),
        _code(v["hybridization"], str(atom.GetHybridization())),
        _code(v["is_aromatic"], atom.GetIsAromatic()),
        _code(v["is_in_ring"], atom.IsInRing()),
    ]


def bond_codes(bond) -> list[int]:
    v = BOND_VOCAB
    return [
        _code(v["bond_type"], str(bond.GetBondType())),
        _code(v["stereo"], str(bond.GetStereo())),
        _code(v["is_conjugated"], bond.GetIsConjugated()),
    ]


def one_hot(codes: np.ndarray, dims: list[int]) -> np.ndarray:
    """Concatenated one-hot encoding of integer columns ``codes`` [N, len(dims)]."""
    out = np.zeros((codes.shape[0], sum(dims)), dtype=np.float32)
    offset = 0
    for j, d in enumerate(dims):
        if codes.shape[0]:
            out[np.arange(codes.shape[0]), offset + codes[:, j]] = 1.0
        offset += d
    return out


def parse_smiles(smiles: str, source: str = "<smiles>"):
    """An RDKit molecule, or ``DataError(source, ...)`` when RDKit cannot parse the string."""
    from rdkit import Chem, RDLogger

    RDLogger.DisableLog("rdApp.*")
    mol = Chem.MolFromSmiles(smiles) if isinstance(smiles, str) and smiles.strip() else None
    if mol is None:
        raise DataError(source, f"RDKit cannot parse SMILES '{smiles}'")
    return mol


def mol_to_graph(mol, smiles: str | None = None) -> Data:
    """A PyG ``Data`` for an RDKit molecule (both directions of every bond)."""
    xc = np.array([atom_codes(a) for a in mol.GetAtoms()], dtype=np.int64).reshape(-1, len(ATOM_DIMS))
    src, dst, ec = [], [], []
    for b in mol.GetBonds():
        i, j = b.GetBeginAtomIdx(), b.GetEndAtomIdx()
        c = bond_codes(b)
        src += [i, j]
        dst += [j, i]
        ec += [c, c]
    ec = np.array(ec, dtype=np.int64).reshape(-1, len(BOND_DIMS))
    g = Data(
        x=torch.from_numpy(one_hot(xc, ATOM_DIMS)),
        edge_index=torch.tensor([src, dst], dtype=torch.long).reshape(2, -1),
        edge_attr=torch.from_numpy(one_hot(ec, BOND_DIMS)),
        x_cat=torch.from_numpy(xc),
        edge_cat=torch.from_numpy(ec),
    )
    g.num_nodes = xc.shape[0]
    if smiles is not None:
        g.smiles = smiles
    return g


def smiles_to_graph(smiles: str, source: str = "<smiles>") -> Data:
    """Parse ``smiles`` and build its graph; errors name ``source`` (e.g. ``file.csv row 12``)."""
    mol = parse_smiles(smiles, source)
    if mol.GetNumAtoms() == 0:
        raise DataError(source, f"SMILES '{smiles}' has no atoms")
    return mol_to_graph(mol, smiles)


def num_aromatic_atoms(g: Data) -> int:
    """How many atoms of a built molecule are aromatic (reads the ``is_aromatic`` code)."""
    col = list(ATOM_VOCAB).index("is_aromatic")
    return int((g.x_cat[:, col] == 1).sum())
