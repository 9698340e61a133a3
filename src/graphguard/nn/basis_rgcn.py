"""PyG's ``RGCNConv`` without the quadratic backward of its basis decomposition.

With ``num_bases`` set, ``RGCNConv`` builds the ``[relations, in, out]`` weight tensor and reads
``weight[i]`` once per relation; autograd then adds one full-size zero-padded gradient per
relation, so the backward pass costs relations^2 x in x out. On UMLS with ComplEx's default
width (92 relations with reciprocals, 400 channels) that was 10 s per backward pass for 135
entities, and one ``link train --encoder rgcn`` epoch took over 5 minutes. Splitting the tensor
with ``unbind`` gives one gradient of the tensor's size instead. The computation is otherwise
PyG's, operation for operation: the same parameters (a saved ``RGCNConv`` loads unchanged) and
bit-identical outputs.
"""

from __future__ import annotations

import torch
from torch_geometric.nn import RGCNConv
from torch_geometric.nn.conv.rgcn_conv import masked_edge_index


class BasisRGCNConv(RGCNConv):
    """``RGCNConv``; with bases on float features, its per-relation weights come from ``unbind``."""

    def forward(self, x, edge_index, edge_type=None):
        x_l, x_r = x if isinstance(x, tuple) else (x, x)
        own_path = (self.num_bases is not None and isinstance(edge_index, torch.Tensor)
                    and x_l is not None and torch.is_floating_point(x_l))
        if not own_path:
            return super().forward(x, edge_index, edge_type)
        weight = (self.comp @ self.weight.view(self.num_bases, -1)).view(
            self.num_relations, self.in_channels_l, self.out_channels)
        size = (x_l.size(0), x_r.size(0))
        out = x_r.new_zeros(x_r.size(0), self.out_channels)
        for i, w in enumerate(weight.unbind(0)):
            h = self.propagate(masked_edge_index(edge_index, edge_type == i), x=x_l, edge_type_ptr=None, size=size)
            out = out + h @ w
        if self.root is not None:
            out = out + x_r @ self.root
        if self.bias is not None:
            out = out + self.bias
        return out
