"""The workflow's own readers (``graphguard.workflow.source``) on small hand-written files."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from graphguard.errors import DataError
from graphguard.workflow.job import DataSpec
from graphguard.workflow.source import read_neptune_tables, read_neptune_triples, read_plain_tables

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


def test_neptune_split_property_becomes_the_masks_not_a_feature(tmp_path):
    table = read_neptune_tables(write_export(tmp_path / "export"), "account", "label")
    assert table.masks is not None
    assert table.masks["train_mask"].tolist() == [True, False, False, True]
    assert table.masks["val_mask"].tolist() == [False, True, False, False]
    assert table.masks["test_mask"].tolist() == [False, False, True, False]
    assert "split" not in table.props.columns and "is_synthetic" not in table.props.columns
    assert "split" not in table.declared and "amount" in table.props.columns


def test_neptune_bad_split_value_is_one_line_naming_file_and_line(tmp_path):
    rows = [r[:3] + (["holdout"] if r[0] == "a2" else [r[3]]) + r[4:] for r in ACCOUNTS]
    folder = write_export(tmp_path / "export", accounts=rows)
    with pytest.raises(DataError) as e:
        read_neptune_tables(folder, "account", "label")
    msg = str(e.value)
    assert "\n" not in msg and "nodes.csv" in msg and "line 4" in msg and "'holdout'" in msg


def write_tables(folder: Path, split: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = ["id,label,amount,split,is_synthetic"]
    rows += [f"n{i},{i % 2},{i + 0.5},{s},{int(i == 0)}" for i, s in enumerate(split)]
    (folder / "nodes.csv").write_text("\n".join(rows) + "\n")
    (folder / "edges.csv").write_text("src,dst\nn0,n1\nn1,n2\nn2,n3\n")
    return folder


def test_tables_split_column_becomes_the_masks_not_a_feature(tmp_path):
    table = read_plain_tables(write_tables(tmp_path / "t", ["train", "val", "test", ""]), DataSpec(path="t"), "label")
    assert table.masks["train_mask"].tolist() == [True, False, False, False]
    assert table.masks["val_mask"].tolist() == [False, True, False, False]
    assert table.masks["test_mask"].tolist() == [False, False, True, False]
    assert list(table.props.columns) == ["amount"]


def test_tables_bad_split_value_is_one_line(tmp_path):
    with pytest.raises(DataError) as e:
        read_plain_tables(write_tables(tmp_path / "t", ["train", "later", "test", ""]), DataSpec(path="t"), "label")
    msg = str(e.value)
    assert "\n" not in msg and "nodes.csv" in msg and "line 3" in msg and "'later'" in msg


@pytest.mark.parametrize("written", ["NaN", "inf", "-Infinity"])
def test_neptune_nan_or_inf_number_is_an_error_as_in_node_train(tmp_path, written):
    rows = [r[:4] + ([written] if r[0] == "a1" else [r[4]]) + r[5:] for r in ACCOUNTS]
    with pytest.raises(DataError) as e:
        read_neptune_tables(write_export(tmp_path / "export", accounts=rows), "account", "label")
    msg = str(e.value)
    assert "\n" not in msg and "nodes.csv" in msg and "line 3" in msg and "'amount' is NaN or inf" in msg


def test_neptune_empty_number_stays_missing(tmp_path):
    table = read_neptune_tables(write_export(tmp_path / "export"), "account", "label")
    assert table.props["amount"].isna().tolist() == [False, False, False, True]


@pytest.mark.parametrize("written", ["inf", "NaN", "-inf"])
def test_tables_csv_nan_or_inf_number_is_an_error(tmp_path, written):
    folder = write_tables(tmp_path / "t", ["train", "val", "test", ""])
    text = (folder / "nodes.csv").read_text().replace("n2,0,2.5,", f"n2,0,{written},")
    (folder / "nodes.csv").write_text(text)
    with pytest.raises(DataError) as e:
        read_plain_tables(folder, DataSpec(path="t"), "label")
    msg = str(e.value)
    assert "\n" not in msg and "nodes.csv" in msg and "line 4" in msg and "'amount' is NaN or inf" in msg


def test_tables_parquet_nan_is_an_error_and_null_is_missing(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "edges.csv").write_text("src,dst\nn0,n1\n")
    ids, labels = pa.array(["n0", "n1", "n2"]), pa.array([0, 1, 0])
    pq.write_table(pa.table({"id": ids, "label": labels, "amount": pa.array([1.0, None, 2.0])}),
                   folder / "nodes.parquet")
    table = read_plain_tables(folder, DataSpec(path="t"), "label")
    assert table.props["amount"].isna().tolist() == [False, True, False]
    pq.write_table(pa.table({"id": ids, "label": labels, "amount": pa.array([1.0, float("nan"), 2.0])}),
                   folder / "nodes.parquet")
    with pytest.raises(DataError, match=r"nodes\.parquet: row 2: property 'amount' is NaN or inf"):
        read_plain_tables(folder, DataSpec(path="t"), "label")


def test_csv_files_with_utf8_bom_are_read(tmp_path):
    """Excel's "CSV UTF-8" starts the file with a BOM; it must not hide ``~id`` or the id column."""
    folder = write_export(tmp_path / "export")
    tables = write_tables(tmp_path / "t", ["train", "val", "test", ""])
    for f in (folder / "nodes.csv", folder / "edges.csv", tables / "nodes.csv"):
        f.write_bytes(b"\xef\xbb\xbf" + f.read_bytes())
    assert list(read_neptune_tables(folder, "account", "label").ids) == ["a0", "a1", "a2", "a3"]
    assert list(read_plain_tables(tables, DataSpec(path="t"), "label").ids) == ["n0", "n1", "n2", "n3"]


def test_npz_job_on_a_folder_without_npz_is_one_line(tmp_path):
    from graphguard.workflow.job import load_job
    from graphguard.workflow.source import read_node_table

    write_export(tmp_path / "export")
    job = tmp_path / "job.yaml"
    job.write_text("name: j\ntask: node_classification\ndata: {path: export, format: npz}\n"
                   "target: {property: label}\n")
    with pytest.raises(DataError) as e:
        read_node_table(load_job(job))
    msg = str(e.value)
    assert "\n" not in msg and msg.endswith("export: no .npz file in this folder")


def test_truncated_gzip_file_is_one_line(tmp_path):
    """pandas raised EOFError, which typer turns into a bare 'Aborted.' with exit status 1."""
    import gzip
    import shutil

    export = Path(__file__).resolve().parents[2] / "examples" / "fraud_export"
    shutil.copytree(export, tmp_path / "export")
    whole = gzip.compress((tmp_path / "export" / "accounts.csv").read_bytes())
    (tmp_path / "export" / "accounts.csv").unlink()
    (tmp_path / "export" / "accounts.csv.gz").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DataError, match=r"accounts\.csv\.gz: cannot read CSV \(EOFError") as e:
        read_neptune_tables(tmp_path / "export", "account", "is_fraud")
    assert "\n" not in str(e.value)
