"""Lazy feature standardisation: same numbers as an eager pass, without copying a mapped matrix."""

import numpy as np
import torch
from torch_geometric.data import Data

from graphguard.train.features import Standardizer, features, scaled
from graphguard.train.sampler import node_loader


def test_chunked_statistics_match_an_eager_pass():
    g = torch.Generator().manual_seed(0)
    x, extra = torch.randn(1000, 5, generator=g) * 3 + 7, torch.rand(1000, 2, generator=g)
    st = Standardizer.fit(x, extra, chunk=64)  # many partial chunks
    full = torch.cat([x, extra], 1)
    assert torch.allclose(st.mean, full.mean(0), atol=1e-5)
    assert torch.allclose(st.std, full.std(0, unbiased=False), atol=1e-5)
    z = st(x, extra)
    assert torch.allclose(z.mean(0), torch.zeros(7), atol=1e-5) and torch.allclose(z.std(0, unbiased=False),
                                                                                    torch.ones(7), atol=1e-4)


def test_constant_column_does_not_divide_by_zero():
    x = torch.ones(10, 2)
    assert torch.isfinite(Standardizer.fit(x)(x)).all()


def test_sampled_batches_carry_raw_rows_and_standardise_like_the_whole_graph(tmp_path):
    """The loader slices the raw (here: file-mapped) rows; ``scaled`` gives the eager pass's rows."""
    n = 200
    arr = np.lib.format.open_memmap(tmp_path / "x.npy", mode="w+", dtype=np.float32, shape=(n, 3))
    arr[:] = np.random.default_rng(0).normal(size=(n, 3))
    arr.flush()
    x = torch.from_numpy(np.load(tmp_path / "x.npy", mmap_mode="r+"))
    extra = torch.log1p(torch.arange(n, dtype=torch.float32)).unsqueeze(1)
    ei = torch.stack([torch.arange(n), (torch.arange(n) + 1) % n])
    d = Data(x=x, x_extra=extra, edge_index=ei, num_nodes=n)
    d.x_scaler = Standardizer.fit(x, extra)
    eager = features(d)
    assert eager.shape == (n, 4)
    seen = 0
    for batch in node_loader(d, torch.arange(n), [2], batch_size=64):
        out = scaled(batch)
        assert "x_scaler" not in out and "x_extra" not in out and "x_scaler" in batch
        assert torch.allclose(out.x, eager[batch.n_id], atol=1e-6)
        seen += batch.batch_size
    assert seen == n
    assert scaled(Data(x=x)).x is x  # nothing to standardise: untouched
