"""The triples reader: archive and folder input, vocabularies, and every bad-input message."""

from __future__ import annotations

import pytest

from graphguard.data.io import load_graph
from graphguard.data.triples import TripleSet, load_triples
from graphguard.errors import DataError



def test_umls_archive_has_the_standard_sizes(umls):
    ts = load_triples(umls)
    assert (ts.num_entities, ts.num_relations) == (135, 46)
    assert (len(ts.train), len(ts.valid), len(ts.test)) == (5216, 652, 661)
    g = load_graph(umls)
    assert g.edge_index.shape[1] == 6529 and int(g.train_edge_mask.sum()) == 5216


def test_folder_round_trips_through_a_graph(tiny_kg):
    ts = load_triples(tiny_kg)
    back = TripleSet.from_graph(ts.to_graph())
    assert back.entities == ts.entities and back.relations == ts.relations
    assert (back.train == ts.train).all() and (back.test == ts.test).all()


def test_any_graph_becomes_triples_with_a_split():
    from graphguard.data.synthetic import make_fraud_graph

    g = make_fraud_graph(num_nodes=200, seed=0)
    ts = TripleSet.from_graph(g, valid_fraction=0.1, test_fraction=0.1)
    assert len(ts.valid) > 0 and len(ts.test) > 0
    seen = set(ts.train[:, [0, 2]].ravel().tolist())
    assert set(ts.test[:, [0, 2]].ravel().tolist()) <= seen


def test_malformed_line_names_file_and_line(tmp_path, kg_writer):
    kg = kg_writer(tmp_path / "bad", ["a\tr\tb", "b\tr\tc", "c r a"], ["a\tr\tc"], ["b\tr\ta"])
    with pytest.raises(DataError, match=r"train\.txt: line 3: expected 'head<TAB>relation<TAB>tail'"):
        load_triples(kg)


def test_hash_is_data_not_a_comment(tmp_path, kg_writer):
    """Social KGs name entities ``#hashtag``; the standard train/valid/test.txt (and PyKEEN's reader) have no comments."""
    kg = kg_writer(tmp_path / "tags", ["alice\tlikes\t#python", "#hashtag\ttagged\tbob", "bob\tlikes\talice"],
                   ["#hashtag\ttagged\talice"], ["alice\tlikes\tbob"])
    ts = load_triples(kg)
    assert "#hashtag" in ts.entities and len(ts.train) == 3 and len(ts.valid) == 1


def test_a_comment_line_is_a_malformed_line_with_a_hint(tmp_path, kg_writer):
    kg = kg_writer(tmp_path / "comment", ["# family KG", "a\tr\tb"], ["a\tr\tb"], ["a\tr\tb"])
    with pytest.raises(DataError, match=r"train\.txt: line 1: expected .*'#' starts data, not a comment"):
        load_triples(kg)


def test_test_entity_absent_from_training(tmp_path, kg_writer):
    kg = kg_writer(tmp_path / "unseen", ["a\tr\tb", "b\tr\tc"], ["a\tr\tc"], ["a\tr\tb", "zed\tr\ta"])
    with pytest.raises(DataError, match=r"test\.txt: line 2: entity 'zed' does not appear in the training triples"):
        load_triples(kg)


def test_unknown_relation(tmp_path, kg_writer):
    kg = kg_writer(tmp_path / "rel", ["a\tr\tb", "b\tr\tc"], ["a\tq\tc"], ["a\tr\tb"])
    with pytest.raises(DataError, match=r"valid\.txt: line 1: relation 'q' does not appear"):
        load_triples(kg)


def test_empty_split(tmp_path, kg_writer):
    kg = kg_writer(tmp_path / "empty", ["a\tr\tb", "b\tr\tc"], ["a\tr\tc"], [])
    with pytest.raises(DataError, match=r"test\.txt: the test split is empty"):
        load_triples(kg)


def test_bad_input_is_one_line_with_exit_status_2(tmp_path, kg_writer, cli):
    kg = kg_writer(tmp_path / "cli", ["a\tr\tb", "oops"], ["a\tr\tb"], ["a\tr\tb"])
    p = cli("link", "bench", "--data", kg, "--json", "-q", ok=False)
    assert p.returncode == 2
    assert p.stderr.strip().count("\n") == 0 and "line 2" in p.stderr


def test_a_heterogeneous_graph_becomes_triples(fdataset):
    from graphguard.data.drugrepo import read_fdataset

    ts = TripleSet.from_graph(read_fdataset(fdataset, k=5), seed=0)
    assert {"drug__treats__disease", "drug__similar__drug", "disease__similar__disease"} <= set(ts.relations)
    assert ts.num_entities == 593 + 313 and "drug:DB00007" in ts.entities
    g = read_fdataset(fdataset, k=5)
    assert len(ts.train) + len(ts.valid) + len(ts.test) == sum(g[et].edge_index.shape[1] for et in g.edge_types)


def test_a_folder_holding_one_archive_reads_like_the_archive(tiny_kg, tmp_path):
    # the shared data ships UMLS as umls/umls.tar.gz; `link bench --data umls/` must read it
    import tarfile

    from graphguard.cli_link import _load_triples

    folder = tmp_path / "shipped"
    folder.mkdir()
    with tarfile.open(folder / "kg.tar.gz", "w:gz") as tar:
        for s in ("train", "valid", "test"):
            tar.add(tiny_kg / f"{s}.txt", arcname=f"kg/{s}.txt")
    want = load_triples(tiny_kg)
    from graphguard.data.io import detect_format

    assert detect_format(folder) == "triples"  # so `graphguard run` and load_graph find it without --format
    for got in (load_triples(folder), _load_triples(folder, None)):
        assert got.entities == want.entities and got.relations == want.relations
        assert (got.test == want.test).all() and len(got.train) == len(want.train)


@pytest.mark.parametrize("split", ["valid", "test"])
def test_an_evaluated_triple_that_is_also_trained_on_is_refused(tmp_path, kg_writer, split):
    """A test (or validation) triple repeated in train.txt would be scored on what the model was fitted to."""
    from graphguard.errors import DataError

    train = ["a\tr\tb", "b\tr\tc", "c\tr\ta", "a\ts\tc"]
    rows = {"valid": ["b\ts\ta"], "test": ["c\ts\tb"]}
    rows[split] = [rows[split][0], "b\tr\tc"]  # line 2 repeats a training triple
    folder = kg_writer(tmp_path / "kg", train, rows["valid"], rows["test"])
    with pytest.raises(DataError, match=rf"{split}.txt: line 2: the {split} triple 'b r c' is also a training triple "
                                        rf"\(1 of 2 are\)"):
        load_triples(folder)
