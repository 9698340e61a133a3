"""BasisRGCNConv must be PyG's RGCNConv, only faster: same parameters, outputs and gradients."""

import pytest
import torch
from torch_geometric.nn import RGCNConv

from graphguard.nn.basis_rgcn import BasisRGCNConv


def _pair(in_ch=12, out_ch=7, relations=6, bases=3):
    torch.manual_seed(0)
    ref = RGCNConv(in_ch, out_ch, relations, num_bases=bases)
    fast = BasisRGCNConv(in_ch, out_ch, relations, num_bases=bases)
    fast.load_state_dict(ref.state_dict())  # a saved RGCNConv loads unchanged
    return ref, fast


def _graph(n_src=30, n_dst=30, edges=200, relations=6, seed=1):
    g = torch.Generator().manual_seed(seed)
    ei = torch.stack([torch.randint(0, n_src, (edges,), generator=g), torch.randint(0, n_dst, (edges,), generator=g)])
    return ei, torch.randint(0, relations, (edges,), generator=g)


@pytest.mark.parametrize("bipartite", [False, True])
def test_same_output_and_gradients_as_pyg(bipartite):
    ref, fast = _pair()
    x = torch.randn(30, 12, requires_grad=True)
    ei, et = _graph(n_dst=10 if bipartite else 30)
    inp = (x, x[:10]) if bipartite else x
    grads = []
    for conv in (ref, fast):
        out = conv(inp, ei, et)
        grads.append((out, *torch.autograd.grad((out ** 2).sum(), [conv.comp, conv.weight, conv.root, conv.bias, x])))
    for a, b in zip(*grads):
        assert torch.allclose(a, b, atol=1e-5, rtol=1e-4)


def test_nodes_without_in_edges_get_only_root_and_bias():
    ref, fast = _pair()
    x = torch.randn(30, 12)
    ei, et = _graph()
    keep = ei[1] != 0  # node 0 receives nothing
    out_fast, out_ref = fast(x, ei[:, keep], et[keep]), ref(x, ei[:, keep], et[keep])
    assert torch.allclose(out_fast[0], x[0] @ fast.root + fast.bias, atol=1e-6)
    assert torch.allclose(out_fast, out_ref, atol=1e-5)
    empty = torch.empty(2, 0, dtype=torch.long)
    assert torch.allclose(fast(x, empty, torch.empty(0, dtype=torch.long)), x @ fast.root + fast.bias, atol=1e-6)


def test_without_bases_it_is_pyg_unchanged():
    torch.manual_seed(0)
    ref, fast = RGCNConv(8, 5, 4), BasisRGCNConv(8, 5, 4)
    fast.load_state_dict(ref.state_dict())
    x = torch.randn(20, 8)
    ei, et = _graph(20, 20, 80, relations=4)
    assert torch.equal(fast(x, ei, et), ref(x, ei, et))


def test_bit_identical_with_bases():
    ref, fast = _pair()
    x = torch.randn(30, 12)
    ei, et = _graph()
    assert torch.equal(fast(x, ei, et), ref(x, ei, et))
