"""Fixtures for link prediction: a tiny hand-written KG and the UMLS / Fdataset paths."""

from __future__ import annotations

from pathlib import Path

import pytest


def write_kg(folder: Path, train: list[str], valid: list[str], test: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (("train", train), ("valid", valid), ("test", test)):
        (folder / f"{name}.txt").write_text("".join(r + "\n" for r in rows))
    return folder


@pytest.fixture()
def kg_writer():
    """``kg_writer(folder, train_rows, valid_rows, test_rows)`` writes a triples folder."""
    return write_kg


@pytest.fixture()
def tiny_kg(tmp_path) -> Path:
    """A family KG where ``parent_of`` answers follow from ``child_of`` (learnable in seconds)."""
    people = [f"p{i}" for i in range(12)]
    train, valid, test = [], [], []
    for i in range(0, 12, 2):
        a, b = people[i], people[i + 1]
        train.append(f"{a}\tparent_of\t{b}")
        (test if i == 4 else valid if i == 8 else train).append(f"{b}\tchild_of\t{a}")
        train.append(f"{a}\tknows\t{people[(i + 2) % 12]}")
    return write_kg(tmp_path / "kg", train, valid, test)


@pytest.fixture(scope="session")
def umls(data_dir) -> Path:
    p = data_dir / "umls" / "umls.tar.gz"
    if not p.exists():
        pytest.skip("UMLS not found")
    return p


@pytest.fixture(scope="session")
def fdataset(data_dir) -> Path:
    p = data_dir / "drugrepo_fdataset"
    if not p.exists():
        pytest.skip("Fdataset not found")
    return p
