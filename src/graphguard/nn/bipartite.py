"""A GCN encoder with a bilinear decoder for drug-disease association matrices.

Drugs and diseases are nodes of one graph (similarity edges to top-k neighbours, weighted by
similarity, plus the known ``treats`` links in both directions). Initial node vectors are the
nodes' similarity profiles, projected to a shared width; the representations of every layer are
concatenated (so both close and far context reach the decoder) and each drug-disease pair is
scored with a bilinear form. This follows the heterogeneous-GCN design of DRHGCN/LAGCN.
"""

from __future__ import annotations

import torch
from torch import nn
from torch_geometric.nn import GCNConv


class DrugDiseaseGNN(nn.Module):
    def __init__(self, num_drugs: int, num_diseases: int, drug_features: int, disease_features: int, *,
                 hidden: int = 128, layers: int = 2, dropout: float = 0.4):
        super().__init__()
        self.num_drugs, self.num_diseases = num_drugs, num_diseases
        self.proj_drug = nn.Linear(drug_features, hidden)
        self.proj_disease = nn.Linear(disease_features, hidden)
        self.convs = nn.ModuleList(GCNConv(hidden, hidden, cached=False) for _ in range(layers))
        width = hidden * (layers + 1)
        self.bilinear = nn.Parameter(torch.empty(width, width))
        nn.init.xavier_uniform_(self.bilinear)
        self.drop = nn.Dropout(dropout)

    def embed(self, x_drug, x_disease, edge_index, edge_weight):
        h = torch.cat([self.proj_drug(x_drug), self.proj_disease(x_disease)])
        outs = [h]
        for conv in self.convs:
            h = torch.relu(conv(self.drop(h), edge_index, edge_weight))
            outs.append(h)
        z = torch.cat(outs, 1)
        return z[: self.num_drugs], z[self.num_drugs:]

    def forward(self, x_drug, x_disease, edge_index, edge_weight) -> torch.Tensor:
        """Association logits ``[num_drugs, num_diseases]``."""
        zd, zs = self.embed(x_drug, x_disease, edge_index, edge_weight)
        return self.drop(zd) @ self.bilinear @ self.drop(zs).t()
