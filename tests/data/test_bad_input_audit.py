"""Bad input found by the reader-by-reader audit, each through the real command line: one ``error:`` line naming
the file and the problem, exit status 2, never a traceback or a silently wrong model."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest


def one_error_line(r) -> str:
    """The single ``error:`` line of a refused command."""
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    return lines[0]


def node_train(cli, data, tmp_path, *extra):
    return cli("node", "train", "--data", data, "--model", "xgboost", "--out", tmp_path / "m", "--masks", "full",
               "--quiet", *extra, ok=False)


# npz
def _npz(path, **arrays):
    base = dict(node_features=np.random.default_rng(0).random((6, 2)).astype(np.float32),
                node_labels=np.array([0, 1, 0, 1, 0, 1]), edges=np.array([[0, 1], [1, 2], [3, 4]]))
    np.savez(path, **{**base, **arrays})
    return path


@pytest.mark.parametrize("key, value, problem", [
    ("node_features", np.array([["a", "b"]] * 6), r"'node_features' must be numeric, got text such as 'a'"),
    ("node_labels", np.array(["fraud"] * 6), r"'node_labels' must be numeric, got text such as 'fraud'"),
    ("node_labels", np.array([[0], [1], [0], [1], [0], [1]]), r"'node_labels' must have shape \[N\], got \(6, 1\)"),
])
def test_npz_text_or_misshapen_arrays_are_one_line(cli, tmp_path, key, value, problem):
    """Text reached torch as a TypeError traceback; [N, 1] labels broadcast against [N] masks (ValueError)."""
    line = one_error_line(node_train(cli, _npz(tmp_path / "g.npz", **{key: value}), tmp_path))
    assert line.startswith(f"error: {tmp_path / 'g.npz'}: ")
    assert re.search(problem + "$", line), line
