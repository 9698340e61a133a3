"""Bad input found by the reader-by-reader audit, each through the real command line: one ``error:`` line naming
the file and the problem, exit status 2, never a traceback or a silently wrong model."""

from __future__ import annotations

import re

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


# TU
def _tu(folder, graphs: int = 20):
    """``graphs`` triangles labelled 1, -1, 1, ... in the TU layout."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "T_graph_indicator.txt").write_text("".join(f"{k + 1}\n" * 3 for k in range(graphs)))
    (folder / "T_A.txt").write_text("".join(f"{3 * k + a}, {3 * k + b}\n" for k in range(graphs)
                                            for a, b in ((1, 2), (2, 3), (3, 1))))
    (folder / "T_graph_labels.txt").write_text("".join("1\n" if k % 2 else "-1\n" for k in range(graphs)))
    return folder


@pytest.mark.parametrize("name, text, problem", [
    ("T_graph_indicator.txt", "", "file is empty"),
    ("T_A.txt", "", "file is empty"),
    ("T_node_attributes.txt", "0.5\n1.5\n", "2 lines for 60 nodes"),
    ("T_edge_attributes.txt", "0.5\n", "1 lines for 60 edges"),
    ("T_node_attributes.txt", "1.0\n" * 4 + "nan\n" + "1.0\n" * 54 + "inf\n",
     "line 5: attribute is NaN or inf; attributes must be finite (2 such lines)"),
], ids=["empty-indicator", "empty-A", "short-node-attributes", "short-edge-attributes", "nan-attributes"])
def test_tu_empty_short_or_nonfinite_files_are_one_line(cli, tmp_path, name, text, problem):
    """An empty indicator and short attribute files were tracebacks, an empty file also printed numpy's warning,
    and NaN attributes trained a model silently."""
    data = _tu(tmp_path / "tu")
    (data / name).write_text(text)
    r = cli("graph", "train", "--data", data, "--out", tmp_path / "m", "--model", "gin", "--epochs", "1", "--quiet",
            ok=False)
    assert one_error_line(r) == f"error: {data / name}: {problem}"


# SMILES CSV
SMILES = ["CCO", "CCN", "c1ccccc1", "CC(=O)O", "CCCC", "CCOC", "C1CCCCC1", "CC=O", "CCCl", "OCCO"] * 3


@pytest.mark.parametrize("task, last_row, problem", [
    ("auto", "CCO,inf", "row 32: label 'y' is inf; labels must be finite"),
    ("regression", "CCO,-inf", "row 32: label 'y' is -inf; labels must be finite"),
])
def test_smiles_infinite_label_is_one_line(cli, tmp_path, task, last_row, problem):
    """sklearn (classification) and xgboost (regression) rejected it with a traceback."""
    labels = [str(i % 2) if task == "auto" else f"{i * 0.37:.2f}" for i in range(len(SMILES))]
    data = tmp_path / "mols.csv"
    data.write_text("smiles,y\n" + "".join(f"{s},{y}\n" for s, y in zip(SMILES, labels)) + last_row + "\n")
    r = cli("graph", "train", "--data", data, "--out", tmp_path / "m", "--model", "wl", "--task", task, "--quiet",
            ok=False)
    assert one_error_line(r) == f"error: {data}: {problem}"


def test_smiles_row_with_extra_fields_is_one_line(cli, tmp_path):
    """pandas' message ends in a newline, so the error took two lines."""
    data = tmp_path / "mols.csv"
    data.write_text("smiles,y\nCCO,1\nCCN,0,2,3\n")
    line = one_error_line(cli("graph", "train", "--data", data, "--out", tmp_path / "m", "--quiet", ok=False))
    assert line.startswith(f"error: {data}: cannot read CSV (ParserError: ") and "Expected 2 fields in line 3" in line


# triples
def test_corrupt_triples_archive_is_one_line(cli, tmp_path):
    """tarfile lists each method it tried on its own line."""
    data = tmp_path / "kg.tar.gz"
    data.write_text("not a tar archive")
    line = one_error_line(cli("link", "train", "--data", data, "--out", tmp_path / "m", "--quiet", ok=False))
    assert line.startswith(f"error: {data}: not a readable tar archive (ReadError: ") and "method gz" in line


# a dataset of the wrong kind for the command
@pytest.mark.parametrize("command", ["train", "predict"])
def test_node_commands_refuse_a_graph_level_dataset(cli, tmp_path, command):
    """A TU folder reached the detector as a list of graphs: AttributeError: 'GraphList' object has no 'clone'."""
    data = _tu(tmp_path / "tu")
    if command == "train":
        r = node_train(cli, data, tmp_path)
    else:
        from graphguard.data.npz import write_npz
        from graphguard.data.synthetic import make_fraud_graph

        graph = write_npz(make_fraud_graph(num_nodes=200, seed=0), tmp_path / "g.npz")
        cli("node", "train", "--data", graph, "--model", "xgboost", "--out", tmp_path / "m", "--quiet")
        r = cli("node", "predict", "--data", data, "--model-dir", tmp_path / "m", "--out", tmp_path / "p.csv",
                "--quiet", ok=False)
    assert one_error_line(r) == (f"error: {data}: holds separate graphs (a graph-level 'tu' dataset); node detection "
                                 "needs a single graph (use graphguard graph train for graph classification)")


def test_triples_folder_without_valid_txt_names_the_missing_file(cli, tmp_path):
    """Without valid.txt the folder was not recognised at all: 'holds no recognised graph files (... triples)'."""
    data = tmp_path / "kg"
    data.mkdir()
    (data / "train.txt").write_text("a\tr\tb\nb\tr\tc\n")
    (data / "test.txt").write_text("a\tr\tc\n")
    r = cli("link", "train", "--data", data, "--out", tmp_path / "m", "--quiet", ok=False)
    assert one_error_line(r) == f"error: {data}: no valid.txt found next to train.txt"
