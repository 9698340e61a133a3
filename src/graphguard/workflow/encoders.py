"""Feature encodings picked per property type, as Neptune ML does, and written down with the run.

Each column of a node-property table gets one encoding:

* ``numeric``: missing values filled (median by default) with a missing-indicator column, then
  standardised or min-max scaled;
* ``category``: one-hot over the most frequent values plus an "other" column, or a fixed hashed
  random ``embedding`` (no training, stable across runs) for many distinct values;
* ``multi-category``: multi-hot over the most frequent items of ``a;b;c`` lists (Neptune's array
  properties use ``;``);
* ``text``: hashed TF-IDF (a ``HashingVectorizer`` of words and word pairs, idf fitted on the table,
  sublinear tf, L2 rows): nothing is downloaded and the size is fixed;
* ``datetime``: year, month, day, weekday, hour and epoch components, scaled;
* ``none``: dropped (constants and identifier-like columns are dropped automatically).

The kind comes from the column's declared type (Neptune's ``name:Int`` headers) when there is one,
otherwise from its values; ``overrides`` win over both. ``FeatureEncoder.to_json`` records the
choice, the reason for it and every fitted statistic, so new nodes at serving time are encoded
exactly as the training nodes were.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from graphguard.errors import ConfigError, DataError

NUMERIC_TYPES = {"int", "long", "short", "byte", "float", "double", "integer", "number"}
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
DEFAULTS: dict[str, Any] = {
    "norm": "standard", "fill": "median", "encoding": "one-hot", "max_categories": 50, "dim": 32,
    "separator": ";", "parts": ["year", "month", "weekday", "hour"],
}


@dataclass
class ColumnEncoding:
    """How one column becomes feature columns: the kind, why it was chosen, and the fitted state."""

    column: str
    kind: str
    reason: str
    params: dict = field(default_factory=dict)
    state: dict = field(default_factory=dict)
    names: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"column": self.column, "kind": self.kind, "reason": self.reason, "params": self.params,
                "state": self.state, "features": self.names}

    @classmethod
    def from_json(cls, d: dict) -> "ColumnEncoding":
        return cls(d["column"], d["kind"], d["reason"], d.get("params", {}), d.get("state", {}), d.get("features", []))


# --------------------------------------------------------------------------- choosing a kind
def kind_from_declared(declared: str) -> str | None:
    """Neptune CSV types (``Int``, ``String[]``, ``Date`` ...) to an encoding kind; ``None`` = decide from values."""
    t = declared.strip().lower()
    if t.endswith("[]"):
        return "multi-category"
    if t in NUMERIC_TYPES or t in ("bool", "boolean"):
        return "numeric"
    if t in ("date", "datetime"):
        return "datetime"
    return None


def infer_kind(values: pd.Series, separator: str = ";") -> tuple[str, str]:
    """The kind for a column from its values, with the reason (written to ``encodings.json``)."""
    s = values.dropna()
    if s.empty:
        return "none", "all values missing"
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
        return ("none", "constant") if s.nunique() <= 1 else ("numeric", "numeric values")
    if pd.api.types.is_datetime64_any_dtype(s):
        return "datetime", "datetime values"
    text = s.astype(str).str.strip()
    text = text[text != ""]
    if text.empty:
        return "none", "all values empty"
    if text.nunique() <= 1:
        return "none", "constant"
    as_num = pd.to_numeric(text, errors="coerce")
    if as_num.notna().mean() >= 0.95:
        return "numeric", "strings that parse as numbers"
    if text.str.lower().isin(["true", "false"]).mean() >= 0.95:
        return "numeric", "true/false values"
    if text.str.match(DATE_RE).mean() >= 0.95:
        return "datetime", "ISO dates"
    words = text.str.split().str.len()
    if text.str.contains(re.escape(separator), regex=True).mean() >= 0.2 and words.mean() < 3:
        return "multi-category", f"'{separator}'-separated lists"
    if words.mean() >= 3:
        return "text", f"free text ({words.mean():.1f} words on average)"
    if text.nunique() == len(text) and len(text) > 20:
        return "none", "a distinct value per row (looks like an identifier)"
    return "category", f"{text.nunique()} distinct values"


# --------------------------------------------------------------------------- per-kind fit/transform
def _numeric_values(s: pd.Series) -> np.ndarray:
    if pd.api.types.is_bool_dtype(s):
        return s.astype(float).to_numpy()
    if not pd.api.types.is_numeric_dtype(s):
        low = s.astype("string").str.strip().str.lower()
        mapped = low.map({"true": 1.0, "false": 0.0})
        num = pd.to_numeric(low, errors="coerce")
        return num.where(num.notna(), mapped).astype(float).to_numpy()
    return s.astype(float).to_numpy()


def _fit_numeric(s: pd.Series, p: dict) -> dict:
    v = _numeric_values(s)
    ok = v[np.isfinite(v)]
    fill = 0.0 if ok.size == 0 else {"median": float(np.median(ok)), "mean": float(ok.mean()), "zero": 0.0}[p["fill"]]
    ok = ok if ok.size else np.zeros(1)
    if p["norm"] == "standard":
        shift, scale = float(ok.mean()), float(ok.std()) or 1.0
    elif p["norm"] == "min-max":
        shift, scale = float(ok.min()), float(ok.max() - ok.min()) or 1.0
    else:
        shift, scale = 0.0, 1.0
    return {"fill": fill, "shift": shift, "scale": scale, "indicator": bool((~np.isfinite(v)).any())}


def _tf_numeric(s: pd.Series, st: dict) -> np.ndarray:
    v = _numeric_values(s)
    miss = ~np.isfinite(v)
    v = np.where(miss, st["fill"], v)
    out = [(v - st["shift"]) / st["scale"]]
    if st["indicator"]:
        out.append(miss.astype(float))
    return np.stack(out, 1)


def _top_values(items: pd.Series, k: int) -> list[str]:
    counts = items.value_counts()
    # most frequent first; ties by value so that the order never depends on row order
    df = pd.DataFrame({"v": counts.index.astype(str), "n": counts.to_numpy()}).sort_values(["n", "v"], ascending=[False, True])
    return df["v"].head(k).tolist()


def _as_str(s: pd.Series) -> pd.Series:
    return s.astype("string").str.strip().replace("", pd.NA)


def _fit_category(s: pd.Series, p: dict) -> dict:
    vals = _as_str(s).dropna()
    if p["encoding"] == "embedding":
        return {"dim": int(p["dim"])}
    cats = _top_values(vals, int(p["max_categories"]))
    return {"categories": cats, "other": bool(vals.nunique() > len(cats))}


def _hash_vector(value: str, dim: int) -> np.ndarray:
    seed = int.from_bytes(hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest(), "little")
    return np.random.default_rng(seed).standard_normal(dim) / np.sqrt(dim)


def _tf_category(s: pd.Series, st: dict) -> np.ndarray:
    vals = _as_str(s)
    if "dim" in st:
        out = np.zeros((len(vals), st["dim"]))
        cache: dict[str, np.ndarray] = {}
        for i, v in enumerate(vals.tolist()):
            if v is not pd.NA and v is not None:
                out[i] = cache.setdefault(v, _hash_vector(v, st["dim"]))
        return out
    cats = st["categories"]
    index = {c: j for j, c in enumerate(cats)}
    width = len(cats) + 1  # last column: a value outside the known categories
    out = np.zeros((len(vals), width))
    codes = np.array([index.get(v, len(cats)) if isinstance(v, str) else -1 for v in vals.tolist()])
    rows = np.flatnonzero(codes >= 0)
    out[rows, codes[rows]] = 1.0
    return out


def _split_lists(s: pd.Series, sep: str) -> list[list[str]]:
    out = []
    for v in _as_str(s).tolist():
        out.append([t.strip() for t in v.split(sep) if t.strip()] if isinstance(v, str) else [])
    return out


def _fit_multi(s: pd.Series, p: dict) -> dict:
    items = pd.Series([t for row in _split_lists(s, p["separator"]) for t in row], dtype="string")
    return {"items": _top_values(items, int(p["max_categories"])) if len(items) else [], "separator": p["separator"]}


def _tf_multi(s: pd.Series, st: dict) -> np.ndarray:
    index = {c: j for j, c in enumerate(st["items"])}
    rows = _split_lists(s, st["separator"])
    out = np.zeros((len(rows), len(index) + 1))
    for i, row in enumerate(rows):
        for t in row:
            j = index.get(t)
            if j is None:
                out[i, -1] += 1.0  # items outside the vocabulary are counted
            else:
                out[i, j] = 1.0
    return out


def _hashing(dim: int):
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(n_features=dim, alternate_sign=False, norm=None, ngram_range=(1, 2), lowercase=True)


def _tf_counts(s: pd.Series, dim: int):
    x = _hashing(dim).transform(s.fillna("").astype(str).tolist()).tocsr()
    x.data = 1.0 + np.log(x.data)  # sublinear term frequency
    return x


def _fit_text(s: pd.Series, p: dict) -> dict:
    dim = int(p["dim"])
    x = _tf_counts(s, dim)
    df = np.bincount(x.indices, minlength=dim)
    n = x.shape[0]
    idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
    return {"dim": dim, "idf": [round(float(v), 6) for v in idf]}


def _tf_text(s: pd.Series, st: dict) -> np.ndarray:
    from sklearn.preprocessing import normalize

    x = _tf_counts(s, st["dim"]).multiply(np.asarray(st["idf"])[None, :]).tocsr()
    return normalize(x).toarray()


def _to_datetime(s: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s):
        return pd.to_datetime(s, utc=True)
    return pd.to_datetime(s.astype("string"), errors="coerce", utc=True, format="ISO8601")


DT_PARTS = {
    "year": lambda d: d.dt.year, "month": lambda d: d.dt.month, "day": lambda d: d.dt.day,
    "weekday": lambda d: d.dt.day_of_week, "hour": lambda d: d.dt.hour,
    "epoch": lambda d: (d - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1),
}


def _dt_raw(s: pd.Series, parts: list[str]) -> np.ndarray:
    d = _to_datetime(s)
    return np.stack([DT_PARTS[p](d).astype("Float64").to_numpy(dtype=float, na_value=np.nan) for p in parts], 1)


def _fit_datetime(s: pd.Series, p: dict) -> dict:
    raw = _dt_raw(s, p["parts"])
    stats = []
    for j in range(raw.shape[1]):
        ok = raw[np.isfinite(raw[:, j]), j]
        mean, std = (float(ok.mean()), float(ok.std()) or 1.0) if ok.size else (0.0, 1.0)
        stats.append([mean, std])
    return {"parts": list(p["parts"]), "stats": stats, "indicator": bool((~np.isfinite(raw)).any())}


def _tf_datetime(s: pd.Series, st: dict) -> np.ndarray:
    raw = _dt_raw(s, st["parts"])
    miss = ~np.isfinite(raw).all(1)
    st_ = np.asarray(st["stats"])
    out = np.where(np.isfinite(raw), (raw - st_[:, 0]) / st_[:, 1], 0.0)
    return np.concatenate([out, miss[:, None].astype(float)], 1) if st["indicator"] else out


def _names(enc: ColumnEncoding) -> list[str]:
    c, st = enc.column, enc.state
    if enc.kind == "numeric":
        return [c] + ([f"{c}__missing"] if st["indicator"] else [])
    if enc.kind == "category":
        if "dim" in st:
            return [f"{c}__emb{j}" for j in range(st["dim"])]
        return [f"{c}={v}" for v in st["categories"]] + [f"{c}=<other>"]
    if enc.kind == "multi-category":
        return [f"{c}∋{v}" for v in st["items"]] + [f"{c}∋<other>"]
    if enc.kind == "text":
        return [f"{c}__tfidf{j}" for j in range(st["dim"])]
    if enc.kind == "datetime":
        return [f"{c}__{p}" for p in st["parts"]] + ([f"{c}__missing"] if st["indicator"] else [])
    return []


FIT = {"numeric": _fit_numeric, "category": _fit_category, "multi-category": _fit_multi, "text": _fit_text,
       "datetime": _fit_datetime}
TRANSFORM = {"numeric": _tf_numeric, "category": _tf_category, "multi-category": _tf_multi, "text": _tf_text,
             "datetime": _tf_datetime}
PARAM_KEYS = {"numeric": ("norm", "fill"), "category": ("encoding", "max_categories", "dim"),
              "multi-category": ("max_categories", "separator"), "text": ("dim",), "datetime": ("parts",)}


class FeatureEncoder:
    """Turns a table of node properties into a float32 feature matrix (scikit-learn style)."""

    def __init__(self, overrides: dict[str, dict] | None = None, exclude: list[str] | None = None,
                 declared: dict[str, str] | None = None):
        self.overrides = {k: dict(v) for k, v in (overrides or {}).items()}
        self.exclude = list(exclude or [])
        self.declared = dict(declared or {})

    def _choose(self, col: str, s: pd.Series) -> ColumnEncoding:
        params = dict(DEFAULTS)
        if col in self.overrides:
            params.update({k: v for k, v in self.overrides[col].items() if v is not None})
            kind, reason = params.pop("kind"), "set in the job file"
        elif col in self.exclude:
            kind, reason = "none", "excluded in the job file"
        else:
            kind = kind_from_declared(self.declared[col]) if col in self.declared else None
            if kind is not None:
                reason = f"declared type {self.declared[col]}"
                if s.dropna().astype(str).nunique() <= 1:
                    kind, reason = "none", "constant"
            else:
                kind, reason = infer_kind(s, params["separator"])
        params = {k: params[k] for k in PARAM_KEYS.get(kind, ())}
        return ColumnEncoding(col, kind, reason, params)

    def fit(self, table: pd.DataFrame) -> "FeatureEncoder":
        unknown = [c for c in list(self.overrides) + self.exclude if c not in table.columns]
        if unknown:
            raise ConfigError(f"features: unknown column(s) {', '.join(map(repr, unknown))} "
                              f"(the table has: {', '.join(map(str, table.columns))})")
        self.columns_: list[ColumnEncoding] = []
        for col in table.columns:
            enc = self._choose(str(col), table[col])
            if enc.kind != "none":
                try:
                    enc.state = FIT[enc.kind](table[col], enc.params)
                except (ValueError, TypeError) as e:
                    raise DataError(f"column '{col}'", f"cannot encode as {enc.kind} ({e})") from None
            enc.names = _names(enc)
            self.columns_.append(enc)
        self.feature_names_ = [n for e in self.columns_ for n in e.names]
        if not self.feature_names_:
            raise DataError("features", "no usable node properties: every column was dropped "
                            "(constant, identifier-like or excluded); the model would see no features")
        return self

    def transform(self, table: pd.DataFrame) -> np.ndarray:
        """Encode rows with the fitted encodings; columns absent from ``table`` count as missing."""
        if not hasattr(self, "columns_"):
            raise ConfigError("FeatureEncoder is not fitted")
        n = len(table)
        blocks = []
        for enc in self.columns_:
            if enc.kind == "none":
                continue
            col = table[enc.column] if enc.column in table.columns else pd.Series([None] * n, dtype="object")
            blocks.append(TRANSFORM[enc.kind](col.reset_index(drop=True), enc.state))
        x = np.concatenate(blocks, 1) if blocks else np.zeros((n, 0))
        return np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)

    def fit_transform(self, table: pd.DataFrame) -> np.ndarray:
        return self.fit(table).transform(table)

    # ------------------------------------------------------------------ persistence
    def to_json(self) -> dict:
        return {"columns": [e.to_json() for e in self.columns_], "num_features": len(self.feature_names_)}

    @classmethod
    def from_json(cls, d: dict) -> "FeatureEncoder":
        enc = cls()
        enc.columns_ = [ColumnEncoding.from_json(c) for c in d["columns"]]
        enc.feature_names_ = [n for e in enc.columns_ for n in e.names]
        return enc

    def summary(self) -> list[dict]:
        """One row per column: kind, reason and how many features it became (for logs and the report)."""
        return [{"column": e.column, "kind": e.kind, "reason": e.reason, "features": len(e.names)} for e in self.columns_]
