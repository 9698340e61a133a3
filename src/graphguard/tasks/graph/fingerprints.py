"""Molecule feature vectors for the fingerprint baseline: Morgan counts and RDKit 2-D descriptors.

Counts (not bits) keep how often a substructure occurs; descriptors add global properties
(weight, logP, polar surface area, H-bond donors...) that matter for permeability tasks like BBBP.
Non-finite descriptor values are set to 0 and extreme ones clipped so trees see sane inputs.
"""

from __future__ import annotations

import numpy as np

from graphguard.builders.molecule import parse_smiles


def morgan_counts(mol, radius: int, n_bits: int) -> np.ndarray:
    from rdkit.Chem import rdFingerprintGenerator

    gen = rdFingerprintGenerator.GetMorganGenerator(radius=radius, fpSize=n_bits)
    return gen.GetCountFingerprintAsNumPy(mol).astype(np.float32)


def _descriptor(fn, mol) -> float:
    """One descriptor; NaN (counted as 0 below) where RDKit fails on an odd molecule (no heavy atoms: H2, '*')."""
    try:
        return fn(mol)
    except (ArithmeticError, ValueError, RuntimeError):
        return float("nan")


def rdkit_descriptors(mol) -> np.ndarray:
    from rdkit.Chem import Descriptors

    vals = [_descriptor(fn, mol) for _, fn in Descriptors.descList]
    v = np.asarray(vals, dtype=np.float64)
    v[~np.isfinite(v)] = 0.0
    return np.clip(v, -1e6, 1e6).astype(np.float32)


_CACHE: dict[tuple, np.ndarray] = {}
_CACHE_MAX = 50_000


def molecule_features(smiles: list[str], radius: int = 2, n_bits: int = 2048, descriptors: bool = True) -> np.ndarray:
    """One row per SMILES; rows are cached in-process (descriptors cost ~15 ms a molecule)."""
    from rdkit import RDLogger

    RDLogger.DisableLog("rdApp.*")
    rows = []
    for i, s in enumerate(smiles):
        key = (s, radius, n_bits, descriptors)
        row = _CACHE.get(key)
        if row is None:
            mol = parse_smiles(s, f"molecule {i}")
            parts = [morgan_counts(mol, radius, n_bits)]
            if descriptors:
                parts.append(rdkit_descriptors(mol))
            row = np.concatenate(parts)
            if len(_CACHE) < _CACHE_MAX:
                _CACHE[key] = row
        rows.append(row)
    return np.vstack(rows)
