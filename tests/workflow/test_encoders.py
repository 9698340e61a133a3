"""Feature encodings on a table of mixed types: the kind picked per column, the values, the record."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from graphguard.errors import ConfigError, DataError
from graphguard.workflow.encoders import FeatureEncoder


@pytest.fixture
def table() -> pd.DataFrame:
    n = 40
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "age": pd.array([int(v) if i % 7 else None for i, v in enumerate(rng.integers(18, 80, n))], dtype="Int64"),
        "balance": [f"{v:.2f}" for v in rng.normal(100, 30, n)],  # numbers stored as strings
        "country": rng.choice(["DE", "FR", "US"], n).tolist(),
        "tags": [";".join(rng.choice(["vpn", "new", "web"], rng.integers(1, 3), replace=False)) for _ in range(n)],
        "bio": [" ".join(rng.choice(["cheap", "crypto", "coffee", "books", "travel", "now"], 5)) for _ in range(n)],
        "signup": pd.date_range("2021-01-01", periods=n, freq="7D").strftime("%Y-%m-%d").tolist(),
        "account_ref": [f"ref-{i}" for i in range(n)],
        "constant": ["x"] * n,
        "vip": ["true", "false"] * (n // 2),
    })


def test_kinds_picked_per_column(table):
    enc = FeatureEncoder().fit(table)
    kinds = {r["column"]: r["kind"] for r in enc.summary()}
    assert kinds == {"age": "numeric", "balance": "numeric", "country": "category", "tags": "multi-category",
                     "bio": "text", "signup": "datetime", "account_ref": "none", "constant": "none", "vip": "numeric"}
    reasons = {r["column"]: r["reason"] for r in enc.summary()}
    assert "identifier" in reasons["account_ref"] and reasons["constant"] == "constant"


def test_values_of_each_encoding(table):
    enc = FeatureEncoder().fit(table)
    x = enc.transform(table)
    names = enc.feature_names_
    col = {n: x[:, j] for j, n in enumerate(names)}
    assert x.dtype == np.float32 and x.shape == (len(table), len(names)) and np.isfinite(x).all()
    # numeric: standardised over the present values; missing filled and flagged
    assert abs(col["balance"].mean()) < 1e-5 and abs(col["balance"].std() - 1) < 1e-3
    assert (col["age__missing"] == table["age"].isna().to_numpy()).all()
    # category: one-hot rows sum to one, the right column is hot
    onehot = np.stack([col[f"country={c}"] for c in ("DE", "FR", "US")], 1)
    assert (onehot.sum(1) == 1).all() and (onehot.argmax(1) == table["country"].map({"DE": 0, "FR": 1, "US": 2})).all()
    # multi-category: multi-hot of the items
    assert (col["tags∋vpn"] == table["tags"].str.contains("vpn").to_numpy()).all()
    # text: L2-normalised hashed TF-IDF rows
    tfidf = np.stack([col[f"bio__tfidf{j}"] for j in range(32)], 1)
    assert np.allclose(np.linalg.norm(tfidf, axis=1), 1.0, atol=1e-5)
    # datetime: components scaled with stats fitted on the table; month recovers exactly
    st = next(c for c in enc.columns_ if c.column == "signup").state
    mean, std = st["stats"][st["parts"].index("month")]
    months = pd.to_datetime(table["signup"]).dt.month.to_numpy()
    assert np.allclose(col["signup__month"] * std + mean, months, atol=1e-4)
    assert set(np.unique(col["vip"])) <= {(0 - 0.5) / 0.5, (1 - 0.5) / 0.5}


def test_new_rows_unseen_values_and_missing_columns(table):
    enc = FeatureEncoder().fit(table)
    new = pd.DataFrame({"country": ["BR"], "tags": ["vpn;mobile"], "age": [None]})
    x = enc.transform(new)[0]
    idx = {n: j for j, n in enumerate(enc.feature_names_)}
    assert x[idx["country=<other>"]] == 1 and x[idx["country=DE"]] == 0
    assert x[idx["tags∋vpn"]] == 1 and x[idx["tags∋<other>"]] == 1
    assert x[idx["age__missing"]] == 1
    assert np.all(x[[idx[f"bio__tfidf{j}"] for j in range(32)]] == 0)  # absent text column -> zeros


def test_record_round_trips_through_json(table):
    enc = FeatureEncoder(overrides={"country": {"kind": "category", "encoding": "embedding", "dim": 8}}).fit(table)
    again = FeatureEncoder.from_json(json.loads(json.dumps(enc.to_json())))
    assert np.array_equal(again.transform(table), enc.transform(table))
    assert again.feature_names_ == enc.feature_names_


def test_overrides_declared_types_and_exclusions(table):
    enc = FeatureEncoder(overrides={"bio": {"kind": "text", "dim": 16}, "country": {"kind": "none"},
                                    "age": {"kind": "numeric", "norm": "min-max"}},
                         exclude=["tags"], declared={"balance": "String", "vip": "Bool", "signup": "Date"}).fit(table)
    by = {c.column: c for c in enc.columns_}
    assert by["bio"].kind == "text" and by["bio"].state["dim"] == 16 and by["bio"].reason == "set in the job file"
    assert by["country"].kind == "none" and by["tags"].kind == "none"
    assert by["signup"].reason == "declared type Date" and by["vip"].reason == "declared type Bool"
    x = enc.transform(table)
    age = x[:, enc.feature_names_.index("age")]
    assert age.min() >= 0 and age.max() <= 1 + 1e-6


def test_embedding_is_stable_per_value(table):
    enc = FeatureEncoder(overrides={"country": {"kind": "category", "encoding": "embedding", "dim": 8}}).fit(table)
    cols = [j for j, n in enumerate(enc.feature_names_) if n.startswith("country__emb")]
    x = enc.transform(table)[:, cols]
    de = x[(table["country"] == "DE").to_numpy()]
    assert len(cols) == 8 and np.allclose(de, de[0]) and not np.allclose(de[0], x[(table["country"] == "FR").to_numpy()][0])


def test_mistakes_are_named(table):
    with pytest.raises(ConfigError, match="unknown column"):
        FeatureEncoder(overrides={"nope": {"kind": "numeric"}}).fit(table)
    with pytest.raises(DataError, match="no usable node properties"):
        FeatureEncoder().fit(table[["account_ref", "constant"]])
