"""Link prediction on a graph-level dataset (many small graphs) is refused in one line, not an AttributeError."""

from __future__ import annotations

import pytest
import torch
from torch_geometric.data import Data

from graphguard.data.graphset import write_graphs
from graphguard.data.smiles import GraphList
from graphguard.data.triples import TripleSet
from graphguard.errors import DataError


def two_graphs() -> GraphList:
    ring = torch.tensor([[0, 1, 2], [1, 2, 0]])
    return GraphList([Data(x=torch.ones(3, 1), edge_index=ring, y=torch.tensor([i])) for i in range(2)])


def test_a_list_of_graphs_is_not_turned_into_triples():
    with pytest.raises(DataError, match=r"^mols: holds 2 separate graphs \(a graph-level dataset\); link "
                                        r"prediction needs a single graph or triples$"):
        TripleSet.from_graph(two_graphs(), source="mols")


def test_cli_link_train_on_a_graph_dataset_is_one_line(tmp_path, cli):
    path = write_graphs(two_graphs(), tmp_path / "two.graphs.npz")
    r = cli("link", "train", "--data", path, "--out", tmp_path / "m", "-q", ok=False)
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0
    assert "link prediction needs a single graph or triples" in r.stderr
