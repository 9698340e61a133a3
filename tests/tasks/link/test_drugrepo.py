"""Drug repurposing: the Fdataset reader and graph, the 10-fold protocol, evidence, and the CLI end to end."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from graphguard.data.drugrepo import load_fdataset, read_fdataset
from graphguard.errors import DataError
from graphguard.tasks.link.drugrepo import DrugRepurposer, cross_validate, fold_masks


def test_reader_builds_the_drug_disease_graph(fdataset):
    d = load_fdataset(fdataset)
    assert (d.num_drugs, d.num_diseases, int(d.assoc.sum())) == (593, 313, 1933)
    g = read_fdataset(fdataset, k=15)
    assert g["drug", "treats", "disease"].edge_index.shape[1] == 1933
    assert g["drug", "similar", "drug"].edge_index.shape[1] <= 593 * 15
    assert g["drug"].node_id[0] == "DB00007"


def test_folds_partition_known_and_unknown_pairs():
    a = np.zeros((30, 20), dtype=np.int8)
    a[np.arange(30), np.arange(30) % 20] = 1
    seen = np.zeros(a.shape, dtype=int)
    for train, test in fold_masks(a, 10, 0):
        assert not (train & test).any()
        assert a[test].sum() == 3  # one tenth of the 30 known links
        seen += test
    assert (seen == 1).all()  # every pair is tested exactly once


def test_ten_fold_protocol_on_fdataset(fdataset):
    r = cross_validate(fdataset, folds=10)
    # DRHGCN reports AUROC 0.948 and AUPR 0.490 on Fdataset; a random ranking gives 0.5 and 0.011
    assert r["auroc"] >= 0.93 and r["aupr"] >= 0.5, r
    assert len(r["fold_auroc"]) == 10


def test_held_out_links_rank_high(fdataset):
    d = load_fdataset(fdataset)
    i, j = np.argwhere(d.assoc)[0]
    mask = np.ones(d.assoc.shape, dtype=bool)
    mask[i, j] = False
    m = DrugRepurposer().fit(d, train_mask=mask)
    cands = [c["drug"] for c in m.repurpose(d.diseases[j], top=100)]
    assert d.drugs[i] in cands  # the hidden indication is among the top 100 of 593 drugs


def test_bad_matrix_line_is_reported(fdataset, tmp_path):
    bad = tmp_path / "f"
    shutil.copytree(fdataset, bad)
    lines = (bad / "DiseaseSimMat").read_text().splitlines()
    lines[4] = lines[4].replace("0", "x", 1)
    (bad / "DiseaseSimMat").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"DiseaseSimMat: line 5: 'x.*' is not a number"):
        load_fdataset(bad)
    (bad / "DrugsName").unlink()
    with pytest.raises(DataError, match="missing file DrugsName"):
        load_fdataset(bad)


def test_repurpose_cli_end_to_end(fdataset, tmp_path):
    cmd = [sys.executable, "-m", "graphguard", "link", "repurpose", "--data", str(fdataset), "--disease", "D102100",
           "--top", "5", "--json", "--quiet", "--save", str(tmp_path / "m")]
    p = subprocess.run(cmd, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["disease"] == "D102100" and len(out["candidates"]) == 5
    d = load_fdataset(fdataset)
    known = set(np.asarray(d.drugs)[d.assoc[:, d.diseases.index("D102100")] > 0])
    scores = [c["score"] for c in out["candidates"]]
    assert scores == sorted(scores, reverse=True)
    for c in out["candidates"]:
        assert c["drug"] not in known and not c["known"]
        ev = c["evidence"]
        assert ev["paths"] and all(p.startswith(c["drug"]) and p.endswith("D102100") for p in ev["paths"])
        assert all(x["drug"] in known for x in ev["similar_drugs_treating_disease"])
    # the saved model answers the same without the data, and an unknown disease is one clear line
    again = DrugRepurposer.load(tmp_path / "m").repurpose("D102100", top=5)
    assert [c["drug"] for c in again] == [c["drug"] for c in out["candidates"]]
    p = subprocess.run(cmd[:7] + ["--disease", "D000000", "--quiet"], capture_output=True, text=True)
    assert p.returncode == 2 and "unknown disease 'D000000'" in p.stderr and p.stderr.count("\n") == 1
