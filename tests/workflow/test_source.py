"""The workflow's own readers (``graphguard.workflow.source``) on small hand-written files."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from graphguard.errors import DataError
from graphguard.workflow.source import read_neptune_tables, read_neptune_triples

ACCOUNT_HEADER = ["~id", "~label", "label:Int", "split:String", "amount:Double", "is_synthetic:Bool"]
ACCOUNTS = [
    ["a0", "account", "0", "train", "1.5", "false"],
    ["a1", "account", "1", "val", "2.5", "false"],
    ["a2", "account", "0", "test", "3.5", "true"],
    ["a3", "account", "1", "train", "", "false"],
]
EDGE_HEADER = ["~id", "~from", "~to", "~label"]
EDGES = [["e0", "a0", "a1", "pays"], ["e1", "a1", "a2", "pays"], ["e2", "a2", "a3", "pays"]]


def write_export(folder: Path, accounts=ACCOUNTS, quoting=csv.QUOTE_MINIMAL) -> Path:
    """A two-file Neptune export; ``quoting=csv.QUOTE_ALL`` writes headers as ``graphguard generate`` does."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, header, rows in (("nodes.csv", ACCOUNT_HEADER, accounts), ("edges.csv", EDGE_HEADER, EDGES)):
        with open(folder / name, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, quoting=quoting)
            w.writerow(header)
            w.writerows(rows)
    return folder


def test_quoted_neptune_headers_are_read(tmp_path):
    folder = write_export(tmp_path / "export", quoting=csv.QUOTE_ALL)
    table = read_neptune_tables(folder, "account", "label")
    assert list(table.ids) == ["a0", "a1", "a2", "a3"]
    assert table.edges.shape[1] == 3
    triples, relations = read_neptune_triples(folder, None)
    assert relations == ["pays"] and len(triples) == 3
