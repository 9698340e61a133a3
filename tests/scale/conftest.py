"""Small generated graphs shared by the scale tests (generated once per session)."""

from __future__ import annotations

import pytest

from graphguard import _console

SMALL = dict(num_nodes=4000, num_edges=60_000, seed=3)


@pytest.fixture(scope="session")
def small_store(tmp_path_factory):
    from graphguard.data.generate import generate

    _console.set_quiet(True)
    out = tmp_path_factory.mktemp("gen") / "store"
    generate(out, SMALL["num_nodes"], SMALL["num_edges"], seed=SMALL["seed"], format="store")
    return out


@pytest.fixture(scope="session")
def small_generator():
    from graphguard.data.generate import FraudGraphGenerator, GraphSpec

    return FraudGraphGenerator(GraphSpec(**SMALL))
