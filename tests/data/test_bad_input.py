"""Every bad-input path of the readers ends in one line that names the file and the problem."""

import re

import numpy as np
import pandas as pd
import pytest
import torch

from graphguard.data import check_relation, load_graph, validate_graph
from graphguard.data.neptune import read_neptune
from graphguard.data.tables import read_tables
from graphguard.data.yelpchi import read_yelpchi
from graphguard.errors import DataError


def one_line(err: pytest.ExceptionInfo) -> str:
    msg = str(err.value)
    assert "\n" not in msg
    return msg


# missing columns
def test_neptune_edge_file_without_to_column(tmp_path, write_file):
    write_file(tmp_path / "v.csv", "~id\na\nb\n")
    write_file(tmp_path / "e.csv", "~id,~from,~label\ne1,a,x\n")
    with pytest.raises(DataError, match=r"e\.csv: missing column\(s\) ~to in the header \(edge file\)") as e:
        read_neptune(tmp_path)
    one_line(e)


def test_tables_nodes_without_id_column(tmp_path):
    pd.DataFrame({"name": ["a"], "label": [1]}).to_csv(tmp_path / "nodes.csv", index=False)
    with pytest.raises(DataError, match=r"nodes\.csv: missing column\(s\) id \(has name, label\)"):
        read_tables(tmp_path)


def test_yelpchi_line_with_a_missing_field(tmp_path):
    import gzip

    p = tmp_path / "metadata.gz"
    with gzip.open(p, "wt") as f:
        f.write("1 0 5.0 1 2011-06-08\n2 0 5.0 1\n")
    with pytest.raises(DataError, match=r"metadata\.gz: line 2: expected 5 space-separated fields"):
        read_yelpchi(p)


# an edge to an unknown id
def test_neptune_edge_to_unknown_id_names_file_and_line(tmp_path, write_file):
    write_file(tmp_path / "v.csv", "~id\na\nb\n")
    write_file(tmp_path / "e.csv", "~id,~from,~to\ne1,a,b\ne2,b,zz\n")
    with pytest.raises(DataError, match=r"e\.csv: line 3: edge 'e2' points to unknown vertex id 'zz'$"):
        read_neptune(tmp_path)


def test_tables_edge_to_unknown_id(tmp_path):
    pd.DataFrame({"id": ["a", "b"]}).to_csv(tmp_path / "nodes.csv", index=False)
    pd.DataFrame({"src": ["a", "q", "r"], "dst": ["b", "a", "a"]}).to_csv(tmp_path / "edges.csv", index=False)
    with pytest.raises(DataError, match=r"edges\.csv: line 3: edge 'q->a' points to unknown vertex id 'q' "
                                        r"\(2 edges to unknown ids\)"):
        read_tables(tmp_path)


# a duplicate id
def test_neptune_duplicate_id_across_files(tmp_path, write_file):
    write_file(tmp_path / "a.csv", "~id,~label\nv1,user\nv2,user\n")
    write_file(tmp_path / "b.csv", "~id,~label\nv3,user\nv1,user\n")
    with pytest.raises(DataError, match=r"b\.csv: line 3: duplicate vertex id 'v1'$"):
        read_neptune(tmp_path)



def test_an_id_with_braces_is_quoted_as_written(tmp_path, write_file):
    """Error texts went through str.format: an id like '{acct}' raised KeyError instead of the one line."""
    write_file(tmp_path / "a.csv", "~id,~label\n{acct},user\n{acct},user\n")
    with pytest.raises(DataError, match=r"a\.csv: line 3: duplicate vertex id '\{acct\}'$"):
        read_neptune(tmp_path)

# NaN or inf features
def test_neptune_nan_feature(tmp_path, write_file):
    write_file(tmp_path / "v.csv", "~id,amount:Double\na,1.5\nb,NaN\n")
    with pytest.raises(DataError, match=r"v\.csv: line 3: property 'amount' is NaN or inf; features must be finite"):
        read_neptune(tmp_path)


def test_tables_inf_feature_in_parquet(tmp_path):
    pd.DataFrame({"id": ["a", "b", "c"], "amount": [1.0, None, np.inf]}).to_parquet(tmp_path / "nodes.parquet")
    with pytest.raises(DataError, match=r"nodes\.parquet: row 3: property 'amount' is NaN or inf"):
        read_tables(tmp_path)


def test_tables_empty_cell_is_missing_not_nan(tmp_path):
    pd.DataFrame({"id": ["a", "b"], "amount": [1.0, None]}).to_parquet(tmp_path / "nodes.parquet")
    g = read_tables(tmp_path)
    assert g.feature_names == ["amount", "amount__missing"] and g.x[1].tolist() == [0.0, 1.0]


# labels outside {0, 1}
def test_neptune_label_outside_0_1(tmp_path, write_file):
    write_file(tmp_path / "v.csv", "~id,is_fraud:Int\na,1\nb,2\n")
    with pytest.raises(DataError, match=r"v\.csv: line 3: label 'is_fraud' must be 0 or 1 \(or empty\), found 2$"):
        read_neptune(tmp_path, label="is_fraud")


def test_tables_text_label(tmp_path):
    pd.DataFrame({"id": ["a", "b"], "label": ["0", "spam"]}).to_csv(tmp_path / "nodes.csv", index=False)
    with pytest.raises(DataError, match=r"nodes\.csv: line 3: label 'label' must be 0 or 1 \(or empty\), found 'spam'"):
        read_tables(tmp_path)


# an empty graph
def test_neptune_header_only_is_empty(tmp_path, write_file):
    write_file(tmp_path / "v.csv", "~id,~label\n")
    with pytest.raises(DataError, match=re.escape(f"{tmp_path}: graph is empty (no vertices)")):
        read_neptune(tmp_path)


def test_tables_empty_nodes(tmp_path):
    pd.DataFrame({"id": pd.Series([], dtype=str)}).to_parquet(tmp_path / "nodes.parquet")
    with pytest.raises(DataError, match=r": graph is empty \(no vertices\)$"):
        read_tables(tmp_path)


def test_empty_folder(tmp_path):
    with pytest.raises(DataError, match=r"no Neptune CSV files"):
        read_neptune(tmp_path)


# split masks that overlap
def test_overlapping_masks_are_rejected(fraud_graph):
    g = fraud_graph.clone()
    g.val_mask = g.train_mask.clone()
    with pytest.raises(DataError, match=r"mygraph\.npz: train_mask and val_mask overlap on \d+ nodes"):
        validate_graph(g, "mygraph.npz")


def test_bad_split_value(tmp_path, write_file):
    write_file(tmp_path / "v.csv", "~id,split\na,train\nb,holdout\n")
    with pytest.raises(DataError, match=r"v\.csv: line 3: split 'split' must be train, val or test"):
        read_neptune(tmp_path)


# an unknown relation name
def test_neptune_unknown_relation(neptune_dir):
    with pytest.raises(DataError, match=r"unknown relation 'follows' \(known: knows, pays\)"):
        read_neptune(neptune_dir, relations=["follows"])


def test_yelpchi_unknown_relation(tmp_path):
    with pytest.raises(DataError, match=r"unknown relation 'rxr' \(known: rur, rsr, rtr\)"):
        read_yelpchi(tmp_path / "metadata.gz", relations=["rur", "rxr"])


def test_check_relation_on_a_graph(hetero_fraud_graph):
    with pytest.raises(DataError, match=r"g: unknown relation 'nope'"):
        check_relation(hetero_fraud_graph, "nope", "g")


def test_relation_filter_keeps_named_relation(neptune_dir):
    g = read_neptune(neptune_dir, relations=["knows"])
    assert type(g).__name__ == "HeteroData" and {et[1] for et in g.edge_types} == {"knows"}


def test_load_graph_unknown_format(tmp_path):
    with pytest.raises(DataError, match="unknown format 'xml'"):
        load_graph(tmp_path, format="xml")


def test_masks_from_split_property_are_disjoint(tmp_path, write_file):
    write_file(tmp_path / "v.csv", "~id,label:Int,split\na,1,train\nb,0,val\nc,0,test\nd,,\n")
    g = read_neptune(tmp_path)
    assert g.train_mask.tolist() == [True, False, False, False]
    assert (g.train_mask.int() + g.val_mask.int() + g.test_mask.int()).max() == 1
    assert torch.equal(g.y, torch.tensor([1, 0, 0, -1]))


def test_row_with_too_many_fields_is_one_line(tmp_path, write_file):
    write_file(tmp_path / "v.csv", "~id,age:Int\na,1\nb,2,3\n")
    with pytest.raises(DataError, match=r"v\.csv: cannot parse CSV \(ArrowInvalid: .*Expected 2 columns, got 3") as e:
        read_neptune(tmp_path)
    one_line(e)


def test_validate_graph_rejects_labels_outside_0_1(fraud_graph):
    g = fraud_graph.clone()
    g.y[5] = 2
    with pytest.raises(DataError, match=r"g\.npz: labels must be 0 or 1 \(or -1 for unlabelled\), found \[2\]$"):
        validate_graph(g, "g.npz")


@pytest.mark.parametrize("bad, shown", [(0.5, "0.5"), (float("nan"), "nan")])
def test_validate_graph_refuses_fractional_labels_instead_of_truncating(fraud_graph, bad, shown):
    """A float y of 0.5 passed the [-1, 1] range check and went into training as class 0."""
    g = fraud_graph.clone()
    g.y = g.y.double()
    g.y[[5, 9]] = bad
    with pytest.raises(DataError, match=rf"^g\.npz: labels must be 0 or 1 \(or -1 for unlabelled\); 2 of 1500 nodes "
                                        rf"hold a fractional or NaN label, e\.g\. {shown}$"):
        validate_graph(g, "g.npz")
    g.y = fraud_graph.y.double()  # whole numbers in a float tensor are still labels
    assert validate_graph(g, "g.npz") is g


def test_npz_with_fractional_labels_is_one_line_not_truncated(tmp_path):
    """make_graph cast node_labels to int64, so 0.7 reached validation as a valid class 0."""
    path = tmp_path / "g.npz"
    np.savez(path, node_features=np.zeros((4, 2), np.float32), node_labels=np.array([0.7, 0, 1, 0]),
             edges=np.array([[0, 1], [1, 2]]))
    with pytest.raises(DataError, match=r"g\.npz: labels must be 0 or 1 .*1 of 4 nodes hold a fractional or NaN "
                                        r"label, e\.g\. 0\.7$") as e:
        load_graph(path)
    one_line(e)
    np.savez(path, node_features=np.zeros((4, 2), np.float32), node_labels=np.array([1.0, 0, 1, -1]),
             edges=np.array([[0, 1], [1, 2]]))
    assert load_graph(path).y.tolist() == [1, 0, 1, -1]


def test_an_option_the_format_does_not_have_is_one_line(tmp_path):
    """``node train --data g.npz --label x`` passed ``label`` to the npz reader: a TypeError traceback."""
    from graphguard.data.npz import write_npz
    from graphguard.data.synthetic import make_fraud_graph

    path = write_npz(make_fraud_graph(num_nodes=60, seed=0), tmp_path / "g.npz")
    with pytest.raises(DataError, match=r"g\.npz: the 'npz' format takes no option 'label' \(its options: split") as e:
        load_graph(path, label="is_fraud")
    one_line(e)


@pytest.mark.parametrize("edges, ok", [(np.array([[0.0, 1.0], [1.0, 2.0]]), True),
                                       (np.array([[0.0, 1.0], [1.5, 2.0]]), False),
                                       (np.array([[0.0, np.nan], [1.0, 2.0]]), False)])
def test_npz_edge_ids_must_be_whole_numbers(tmp_path, edges, ok):
    """A float id such as 1.5 used to be truncated silently to node 1."""
    path = tmp_path / "g.npz"
    np.savez(path, node_features=np.zeros((3, 2), np.float32), node_labels=np.array([0, 1, 0]), edges=edges)
    if ok:
        assert load_graph(path).edge_index.dtype == torch.long
        return
    with pytest.raises(DataError, match=r"g\.npz: 'edges' must hold integer node ids; found") as e:
        load_graph(path)
    one_line(e)


# a numeric column with a stray text cell (tables CSV carry no types)
@pytest.mark.parametrize("stem,cols,problem", [
    ("nodes", "id,amount\na,3.2\nb,x\nc,1.5\n", r"nodes\.csv: line 3: property 'amount' value 'x' is not a number"),
    ("edges", "src,dst,w\na,b,1.0\nb,c,2\nc,a,y\n", r"edges\.csv: line 4: property 'w' value 'y' is not a number"),
])
def test_tables_numeric_column_with_a_text_cell_is_an_error(tmp_path, stem, cols, problem):
    """One typo must not turn the column into one-hot categories (nodes) or drop it from edge_attr (edges)."""
    (tmp_path / "nodes.csv").write_text("id\na\nb\nc\n")
    (tmp_path / "edges.csv").write_text("src,dst\na,b\n")
    (tmp_path / f"{stem}.csv").write_text(cols)
    with pytest.raises(DataError, match=problem + r", but 2 of 3 values are") as e:
        read_tables(tmp_path)
    one_line(e)


def test_tables_text_column_with_a_number_stays_categorical(tmp_path):
    (tmp_path / "nodes.csv").write_text("id,size,amount\na,S,1\nb,M,\nc,10,2.5\nd,S,3\n")
    g = read_tables(tmp_path)
    assert g.feature_names == ["size=S", "size=10", "size=M", "amount", "amount__missing"]


# a repeated edge ~id: Neptune keeps one edge per ~id, and an edge property holds one value
def test_neptune_edge_id_repeated_with_other_ends_names_file_line_and_id(tmp_path, write_file):
    write_file(tmp_path / "v.csv", "~id\na\nb\nc\n")
    write_file(tmp_path / "e1.csv", "~id,~from,~to\ne1,a,b\n")
    write_file(tmp_path / "e2.csv", "~id,~from,~to\ne2,b,c\ne1,a,c\n")
    with pytest.raises(DataError, match=r"e2\.csv: line 3: edge id 'e1' is used again with another ~to than at "
                                        r".*e1\.csv line 2 \(Neptune keeps one edge per ~id\)$"):
        read_neptune(tmp_path)


def test_neptune_edge_id_repeated_with_a_second_property_value(tmp_path, write_file):
    write_file(tmp_path / "v.csv", "~id\na\nb\n")
    write_file(tmp_path / "e.csv", "~id,~from,~to,w:Double\ne1,a,b,1.0\ne1,a,b,2.0\n")
    with pytest.raises(DataError, match=r"e\.csv: line 3: edge id 'e1' is used again with another value of "
                                        r"property 'w' than at line 2"):
        read_neptune(tmp_path)
