import json

import pytest

from graphguard.builders.document import EDGE_TYPES, boxes_to_graph, read_document
from graphguard.builders.forms import make_forms
from graphguard.errors import DataError
from graphguard.tasks.graph.document import DocumentParser, evaluate_parser

FORM = {"boxes": [
    {"id": "t", "text": "INVOICE", "x0": 200, "y0": 10, "x1": 260, "y1": 30, "label": "header"},
    {"id": "q", "text": "Name:", "x0": 50, "y0": 60, "x1": 90, "y1": 72, "label": "question"},
    {"id": "a", "text": "Anna Smith", "x0": 110, "y0": 61, "x1": 180, "y1": 73, "label": "answer"},
    {"id": "q2", "text": "Date:", "x0": 50, "y0": 90, "x1": 88, "y1": 102, "label": "question"},
], "pairs": [["q", "a"]]}


def _edges(g, kind):
    t = EDGE_TYPES.index(kind)
    return {tuple(e) for e, et in zip(g.edge_index.t().tolist(), g.edge_type.tolist()) if et == t}


def test_spatial_edges_of_a_small_form():
    g = boxes_to_graph(FORM, k=2)
    assert (1, 2) in _edges(g, "same_line") and (2, 1) in _edges(g, "same_line")
    assert (1, 3) in _edges(g, "same_column") and (0, 1) not in _edges(g, "same_line")
    assert g.reading_order.tolist() == [0, 1, 2, 3]
    assert {(0, 1), (1, 2), (2, 3)} <= _edges(g, "reading_order")
    assert g.y.tolist() == [0, 1, 2, 1] and g.pairs.tolist() == [[1, 2]]


def test_box_with_x1_before_x0_is_rejected(tmp_path, cli):
    bad = {"boxes": [{"text": "Name:", "x0": 90, "y0": 60, "x1": 50, "y1": 72}]}
    with pytest.raises(DataError, match=r"box 0 has x1 < x0 \(50.0 < 90.0\)"):
        boxes_to_graph(bad)
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(bad))
    r = cli("build", "document", p, "--out", tmp_path / "d.graphs.npz", ok=False)
    assert r.returncode == 2 and "x1 < x0" in r.stderr and "Traceback" not in r.stderr
    with pytest.raises(DataError, match="not valid JSON"):
        p.write_text("{")
        read_document(p)


def test_parser_labels_generated_forms(tmp_path):
    parser = DocumentParser(n_estimators=60).fit(make_forms(60, seed=1))
    res = evaluate_parser(parser, make_forms(30, seed=2))
    assert res["box_f1_macro"] >= 0.9 and res["pair_f1"] >= 0.85
    parser.save(tmp_path / "doc")
    again = DocumentParser.load(tmp_path / "doc")
    form = make_forms(1, seed=3)[0]
    assert again.predict(form) == parser.predict(form)


@pytest.mark.parametrize("box,change,problem", [
    (0, {"page": "two"}, "box 0 has page 'two'; a page is an integer"),
    (0, {"id": ["q"]}, r"box 0 has id \['q'\]; an id is a string or an integer"),
    (3, {"id": "a"}, "box 3 repeats the id 'a'"),
    (3, {"label": None}, "box 3 has no label while other boxes have one; label every box or none"),
])
def test_bad_box_fields_are_one_line_errors_naming_the_file(tmp_path, box, change, problem):
    doc = json.loads(json.dumps(FORM))
    doc["boxes"][box].update(change)
    p = tmp_path / "form.json"
    p.write_text(json.dumps(doc))
    with pytest.raises(DataError, match=f"^{p}: {problem}$"):
        read_document(p)


@pytest.mark.parametrize("pairs,problem", [
    ([["a"]], r"pair \['a'\] is not \[question_id, answer_id\]"),
    (5, r"pairs must be a list of \[question_id, answer_id\]"),
    ([["q", ["a"]]], r"pair names unknown box id \['a'\]"),
])
def test_malformed_pairs_are_one_line_errors(tmp_path, pairs, problem):
    p = tmp_path / "form.json"
    p.write_text(json.dumps({**FORM, "pairs": pairs}))
    with pytest.raises(DataError, match=f"^{p}: {problem}$"):
        read_document(p)


def test_writing_labelled_and_unlabelled_documents_together_is_refused(tmp_path):
    from graphguard.data.graphset import write_graphs

    plain = {"boxes": [{k: v for k, v in b.items() if k != "label"} for b in FORM["boxes"]]}
    graphs = [boxes_to_graph(FORM), boxes_to_graph(plain)]
    with pytest.raises(DataError, match="'y' is given for 1 of 2 graphs but not for graph 1"):
        write_graphs(graphs, tmp_path / "mix")


def _relabel(forms, old, new):
    return [{**f, "boxes": [{**b, "label": new if b["label"] == old else b["label"]} for b in f["boxes"]]}
            for f in forms]


def test_parser_trains_on_forms_without_one_label_and_predicts_only_the_labels_it_saw(tmp_path):
    forms = _relabel(make_forms(16, seed=1), "header", "other")  # xgboost refused classes [1 2 3]
    parser = DocumentParser(n_estimators=20).fit(forms)
    test = make_forms(4, seed=2)
    proba = parser.predict_proba(test[0])
    assert proba.shape[1] == 4 and (proba[:, 0] == 0).all() and proba[:, 1:].sum(1) == pytest.approx(1, abs=1e-5)
    labels = [lab for f in test for lab in parser.predict(f)[0]]
    assert "header" not in labels and {"question", "answer"} <= set(labels)
    parser.save(tmp_path / "p")
    again = DocumentParser.load(tmp_path / "p")
    assert again.predict(test[1]) == parser.predict(test[1])


def test_parser_refuses_forms_with_a_single_label_in_one_line():
    forms = [{**f, "boxes": [{**b, "label": "other"} for b in f["boxes"]], "pairs": []} for f in make_forms(4, seed=1)]
    with pytest.raises(DataError, match=r"^documents: every box is labelled 'other'; the parser needs at least two"):
        DocumentParser(n_estimators=5).fit(forms)


def test_parser_fits_a_single_document_by_cross_fitting_its_boxes(tmp_path):
    form = make_forms(1, seed=1)[0]  # two document folds left one with nothing to train on
    parser = DocumentParser(n_estimators=30).fit([form])
    labels, pairs = parser.predict(form)
    truth = [b["label"] for b in form["boxes"]]
    assert len(labels) == len(truth) and sum(a == b for a, b in zip(labels, truth)) >= 0.8 * len(truth)
    assert all(labels[q] == "question" and labels[a] == "answer" for q, a in pairs)
    parser.save(tmp_path / "one")
    assert DocumentParser.load(tmp_path / "one").predict(form) == (labels, pairs)


def test_parser_refuses_an_empty_document_list_in_one_line():
    with pytest.raises(DataError, match=r"^documents: none given; the parser needs at least one labelled document$"):
        DocumentParser(n_estimators=5).fit([])
