import numpy as np
import pytest

from graphguard.builders.molecule import ATOM_DIMS, BOND_DIMS, BOND_VOCAB, num_aromatic_atoms, smiles_to_graph
from graphguard.data.graphset import read_graphs
from graphguard.data.smiles import read_smiles_csv
from graphguard.errors import DataError


def test_benzene_has_six_aromatic_atoms_and_six_aromatic_bonds():
    g = smiles_to_graph("c1ccccc1")
    assert g.num_nodes == 6 and num_aromatic_atoms(g) == 6
    assert g.edge_index.shape == (2, 12)  # 6 bonds, both directions
    aromatic = BOND_VOCAB["bond_type"].index("AROMATIC")
    assert (g.edge_cat[:, 0] == aromatic).all()
    assert g.x.shape == (6, sum(ATOM_DIMS)) and g.edge_attr.shape == (12, sum(BOND_DIMS))
    assert (g.x.sum(1) == len(ATOM_DIMS)).all()  # exactly one hot per categorical feature


def test_ethanol_is_not_aromatic_and_counts_heavy_atoms():
    g = smiles_to_graph("CCO")
    assert g.num_nodes == 3 and num_aromatic_atoms(g) == 0 and g.smiles == "CCO"


def _csv(tmp_path, rows):
    p = tmp_path / "mols.csv"
    p.write_text("smiles,label\n" + "\n".join(rows) + "\n")
    return p


def test_bad_smiles_names_the_row(tmp_path):
    p = _csv(tmp_path, ["CCO,1", "c1ccccc1,0", "C1CC(,1"])
    with pytest.raises(DataError, match=r"row 4: RDKit cannot parse SMILES 'C1CC\('") as e:
        read_smiles_csv(p)
    assert "\n" not in str(e.value)


def test_skip_invalid_leaves_the_bad_row_out(tmp_path):
    gs = read_smiles_csv(_csv(tmp_path, ["CCO,1", "C1CC(,1", "c1ccccc1,0"]), skip_invalid=True)
    assert len(gs) == 2 and gs.skipped == [3]
    assert [int(g.y) for g in gs] == [1, 0] and gs.target == "label"


def test_cli_build_molecule_error(tmp_path, cli):
    p = _csv(tmp_path, ["CCO,1", "not_a_smiles,0", "c1ccccc1,0"])
    r = cli("build", "molecule", p, "--out", tmp_path / "m.graphs.npz", ok=False)
    assert r.returncode == 2 and "row 3" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_collection_round_trip_keeps_molecules(tmp_path):
    from graphguard.data.graphset import write_graphs

    p = _csv(tmp_path, ["CCO,1", "not_a_smiles,0", "c1ccccc1,0"])
    write_graphs(read_smiles_csv(p, skip_invalid=True), tmp_path / "m.graphs.npz")
    gs = read_graphs(tmp_path / "m.graphs.npz")
    assert len(gs) == 2 and gs[1].smiles == "c1ccccc1" and np.array_equal([int(g.y) for g in gs], [1, 0])
    assert gs[1].edge_attr.shape == (12, sum(BOND_DIMS))
