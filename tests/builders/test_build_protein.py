import numpy as np
import pytest

from graphguard.builders.protein import AMINO_ACIDS, structure_to_graph
from graphguard.data.graphset import read_graphs
from graphguard.errors import DataError


def _atom(serial, name, res, num, x, y, z, element):
    return (f"ATOM  {serial:5d} {name:<4} {res:>3} A{num:4d}    {x:8.3f}{y:8.3f}{z:8.3f}  1.00  0.00"
            f"          {element:>2}")


def _write_tri(tmp_path):
    """ALA and GLY 3.8 A apart (C-alpha), SER 20 A away but with a side-chain O 3 A from GLY's CA."""
    lines = [
        _atom(1, "N", "ALA", 1, -1.0, 0.0, 0.0, "N"),
        _atom(2, "CA", "ALA", 1, 0.0, 0.0, 0.0, "C"),
        _atom(3, "CA", "GLY", 2, 3.8, 0.0, 0.0, "C"),
        _atom(4, "CA", "SER", 3, 20.0, 0.0, 0.0, "C"),
        _atom(5, "OG", "SER", 3, 6.8, 0.0, 0.0, "O"),
        "END",
    ]
    p = tmp_path / "tri.pdb"
    p.write_text("\n".join(lines) + "\n")
    return p


@pytest.fixture
def three_residues(tmp_path):
    return _write_tri(tmp_path)


def _pairs(g):
    return {tuple(e) for e in g.edge_index.t().tolist()}


def test_three_residue_contacts_by_ca_distance(three_residues):
    g = structure_to_graph(three_residues, mode="ca", cutoff=8.0)
    assert g.num_nodes == 3 and g.residue_id == ["A:1:ALA", "A:2:GLY", "A:3:SER"]
    assert _pairs(g) == {(0, 1), (1, 0)}
    assert np.allclose(g.edge_attr.numpy().ravel(), 3.8, atol=1e-3)
    assert g.x[:, : len(AMINO_ACIDS) + 1].argmax(1).tolist() == [AMINO_ACIDS.index(r) for r in ("ALA", "GLY", "SER")]
    assert np.allclose(g.x[:, -3:].numpy(), g.pos.numpy())


def test_any_atom_mode_and_knn(three_residues):
    g = structure_to_graph(three_residues, mode="any", cutoff=4.0)
    assert _pairs(g) == {(0, 1), (1, 0), (1, 2), (2, 1)}  # SER's OG is 3 A from GLY
    g = structure_to_graph(three_residues, mode="knn", k=1)
    assert _pairs(g) == {(0, 1), (1, 0), (2, 1), (1, 2)}


def test_pdb_without_c_alpha_is_rejected(tmp_path, cli):
    p = tmp_path / "ligand.pdb"
    p.write_text("\n".join([
        "HETATM    1  O   HOH A   1       0.000   0.000   0.000  1.00  0.00           O",
        "HETATM    2  C1  LIG A   2       1.000   0.000   0.000  1.00  0.00           C", "END"]) + "\n")
    with pytest.raises(DataError, match="no C-alpha"):
        structure_to_graph(p)
    r = cli("build", "protein", p, "--out", tmp_path / "p.graphs.npz", ok=False)
    assert r.returncode == 2 and "no C-alpha" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_contact_graph_survives_the_collection_format(three_residues, tmp_path):
    from graphguard.data.graphset import write_graphs

    write_graphs([structure_to_graph(three_residues, cutoff=5)], tmp_path / "p.graphs.npz")
    (g,) = read_graphs(tmp_path / "p.graphs.npz")
    assert g.num_nodes == 3 and _pairs(g) == {(0, 1), (1, 0)} and g.pos.shape == (3, 3)


def test_non_numeric_pdb_coordinate_is_named_not_read_as_zero(three_residues, cli, tmp_path):
    """gemmi reads ``abc`` as 0.0 and ``1x.500`` as 1.0; a wrong position would silently move a residue."""
    lines = three_residues.read_text().splitlines()
    lines[2] = lines[2][:38] + "     abc" + lines[2][46:]  # GLY CA, y field
    bad = tmp_path / "bad.pdb"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"bad\.pdb: line 3: y coordinate 'abc' is not a number"):
        structure_to_graph(bad)
    r = cli("build", "protein", bad, "--out", tmp_path / "p.graphs.npz", ok=False)
    assert r.returncode == 2 and "line 3: y coordinate" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_non_numeric_mmcif_coordinate_is_rejected(tmp_path):
    """gemmi reads a non-number in an mmCIF coordinate as NaN, which the contact search would then ignore."""
    import gemmi

    st = gemmi.read_structure(str(_write_tri(tmp_path)))
    text = st.make_mmcif_document().as_string()
    rows = text.splitlines()
    i = next(k for k, row in enumerate(rows) if row.startswith("ATOM") and " CA " in row and " GLY " in row)
    fields = rows[i].split()
    x_col = [row for row in rows if row.startswith("_atom_site.")].index("_atom_site.Cartn_x")
    fields[x_col] = "abc"
    rows[i] = " ".join(fields)
    bad = tmp_path / "bad.cif"
    bad.write_text("\n".join(rows) + "\n")
    with pytest.raises(DataError, match=r"bad\.cif: .*A:2:GLY.*not a number"):
        structure_to_graph(bad)
