"""An unknown relation or entity in a query names what the model does know, or the closest match."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch_geometric.data import HeteroData

from graphguard.errors import DataError
from graphguard.tasks.link import LinkPredictor


@pytest.fixture(scope="module")
def drug_model():
    """A model on a graph whose relations get ``src__rel__dst`` names (``similar`` joins two type pairs)."""
    rng = np.random.default_rng(0)
    g = HeteroData()
    g["drug"].num_nodes, g["disease"].num_nodes = 12, 8
    treats = torch.as_tensor(np.unique(np.stack([rng.integers(0, 12, 40), rng.integers(0, 8, 40)]), axis=1))
    g["drug", "treats", "disease"].edge_index = treats
    g["drug", "similar", "drug"].edge_index = torch.as_tensor(rng.integers(0, 12, (2, 30)))
    g["disease", "similar", "disease"].edge_index = torch.as_tensor(rng.integers(0, 8, (2, 20)))
    return LinkPredictor("distmult", dim=4, epochs=1).fit(g)


def test_short_relation_name_suggests_the_full_one(drug_model):
    assert "drug__treats__disease" in drug_model.relations_
    with pytest.raises(DataError, match=r"unknown relation 'treats' .*did you mean 'drug__treats__disease'\?"):
        drug_model.predict(head="drug:0", relation="treats")


def test_typo_gets_the_closest_match(drug_model):
    with pytest.raises(DataError, match=r"did you mean 'drug__treats__disease'\?"):
        drug_model.predict(head="drug:0", relation="drug__treat__disease")


def test_unrelated_relation_lists_the_known_ones(drug_model):
    with pytest.raises(DataError, match=r"unknown relation 'xyz' .*known relations: 'drug__treats__disease', "
                                        r"'drug__similar__drug', 'disease__similar__disease'"):
        drug_model.predict(head="drug:0", relation="xyz")


def test_entity_without_its_type_prefix(drug_model):
    with pytest.raises(DataError, match=r"unknown entity '3' .*did you mean 'drug:3' or 'disease:3'\?"):
        drug_model.predict(head="3", relation="drug__treats__disease")
