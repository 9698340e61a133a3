"""Rebuild the CARE-GNN / GADBench YelpChi review graph from the raw ``metadata.gz``.

The raw file (Rayana & Akoglu, KDD 2015) has one review per line: ``user_id prod_id rating label date``
with label ``-1`` = filtered (spam) and ``1`` = recommended. The graph of Dou et al. (CIKM 2020) keeps
the reviews of products with at most 800 reviews (45,954 reviews, 6,677 spam) and links them by

* ``rur``: same user (49,315 undirected edges, matches the published figure);
* ``rsr``: same product and same star rating (3,402,743, matches);
* ``rtr``: same product and same calendar month (206,412; the published 573,616 is not reproducible
  from this file, see ``../shared/data/yelpchi/README.md``).

Nodes are ordered as in CARE-GNN's ``.mat``: grouped by user, users in order of first appearance,
reviews of one user in file order. The 32 original features are not public, so the review features
here are the behavioural metadata features of Rayana & Akoglu that need no review text (see
``yelpchi_features``). None of them reads the label.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch_geometric.data import Data, HeteroData

from graphguard.data.validate import validate_graph
from graphguard.errors import DataError

RELATIONS = ("rur", "rsr", "rtr")
MAX_PRODUCT_REVIEWS = 800
_COLUMNS = ["user", "prod", "rating", "label", "date"]


def read_metadata(path: str | Path) -> pd.DataFrame:
    """The raw reviews with a ``line`` column (1-based line in the file); checked field by field."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "file not found")
    try:
        raw = pd.read_csv(path, sep=" ", header=None, dtype=str, keep_default_na=False,
                          names=_COLUMNS + ["extra"], engine="c")
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, EOFError) as e:
        raise DataError(path, f"cannot read YelpChi metadata ({type(e).__name__}: {str(e).splitlines()[0]})") from None
    if raw.empty:
        raise DataError(path, "graph is empty (no reviews)")
    short = (raw["date"] == "") | (raw["extra"] != "")
    if short.any():
        k = int(np.flatnonzero(short.to_numpy())[0])
        raise DataError(path, f"line {k + 1}: expected 5 space-separated fields "
                              f"'user_id prod_id rating label date'")
    df = pd.DataFrame({"line": np.arange(1, len(raw) + 1)})
    for col, conv in (("user", "integer"), ("prod", "integer"), ("rating", "float"), ("label", "integer")):
        v = pd.to_numeric(raw[col], errors="coerce")
        if v.isna().any():
            k = int(np.flatnonzero(v.isna().to_numpy())[0])
            raise DataError(path, f"line {k + 1}: {col} '{raw[col].iat[k]}' is not a number")
        df[col] = v.to_numpy()
    bad = ~df["label"].isin([-1, 1])
    if bad.any():
        k = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(path, f"line {k + 1}: label must be -1 (spam) or 1 (benign), found {df['label'].iat[k]}")
    date = pd.to_datetime(raw["date"], format="%Y-%m-%d", errors="coerce")
    if date.isna().any():
        k = int(np.flatnonzero(date.isna().to_numpy())[0])
        raise DataError(path, f"line {k + 1}: date '{raw['date'].iat[k]}' is not YYYY-MM-DD")
    df["date"] = date.to_numpy()
    return df


def group_pairs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All unordered pairs ``(a, b)`` with ``a < b`` of positions sharing a key, without a Python loop.

    Sort by key, then for each position emit its later partners in the same group: ``sum k(k-1)/2``
    pairs for group sizes ``k``.
    """
    n = len(keys)
    if n < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    order = np.argsort(keys, kind="stable")
    ks = keys[order]
    start_flag = np.r_[True, ks[1:] != ks[:-1]]
    group = np.cumsum(start_flag) - 1
    starts = np.flatnonzero(start_flag)
    ends = np.r_[starts[1:], n]
    pos = np.arange(n)
    partners = ends[group] - pos - 1
    total = int(partners.sum())
    left = np.repeat(pos, partners)
    first = np.cumsum(partners) - partners
    right = left + 1 + (np.arange(total, dtype=np.int64) - np.repeat(first, partners))
    a, b = order[left], order[right]
    return np.minimum(a, b), np.maximum(a, b)


def _both_ways(a: np.ndarray, b: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.stack([np.concatenate([a, b]), np.concatenate([b, a])]).astype(np.int64))


def _entropy(counts: pd.DataFrame) -> np.ndarray:
    p = counts.to_numpy(dtype=np.float64)
    p = p / p.sum(1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.nansum(np.where(p > 0, p * np.log(p), 0.0), 1)


def _entity_features(df: pd.DataFrame, key: str, prefix: str) -> pd.DataFrame:
    """Behavioural features of a user or a product over all its reviews (Rayana & Akoglu, no text)."""
    g = df.groupby(key, sort=False)
    day = df["date"].dt.floor("D")
    per_day = df.assign(day=day).groupby([key, "day"], sort=False).size()
    out = pd.DataFrame({
        "n_reviews": g.size(),
        "mean_rating": g["rating"].mean(),
        "std_rating": g["rating"].std(ddof=0),
        "positive_ratio": df.assign(_p=df["rating"] >= 4).groupby(key, sort=False)["_p"].mean(),
        "negative_ratio": df.assign(_n=df["rating"] <= 2).groupby(key, sort=False)["_n"].mean(),
        "extreme_ratio": df.assign(_e=df["rating"].isin([1.0, 5.0])).groupby(key, sort=False)["_e"].mean(),
        "mean_abs_dev": g["_abs_dev"].mean(),
        "max_per_day": per_day.groupby(level=0, sort=False).max(),
        "active_days": per_day.groupby(level=0, sort=False).size(),
        "span_days": (g["date"].max() - g["date"].min()).dt.days,
    })
    out["max_per_day_ratio"] = out["max_per_day"] / out["n_reviews"]
    out["rating_entropy"] = _entropy(df.groupby([key, "rating"], sort=False).size().unstack(fill_value=0)
                                     .reindex(out.index))
    # entropy of the gaps between consecutive reviews (ETG), in log2-day buckets
    s = df[[key, "date"]].sort_values([key, "date"], kind="stable")
    gap = s.groupby(key, sort=False)["date"].diff().dt.days
    bucket = np.floor(np.log2(gap.to_numpy() + 1.0))
    gaps = pd.DataFrame({key: s[key].to_numpy(), "b": bucket}).dropna()
    if len(gaps):
        etg = _entropy(gaps.groupby([key, "b"]).size().unstack(fill_value=0))
        out["gap_entropy"] = pd.Series(etg, index=gaps[key].drop_duplicates().sort_values().to_numpy()
                                       ).reindex(out.index).fillna(0.0).to_numpy()
    else:
        out["gap_entropy"] = 0.0
    return out.add_prefix(prefix + "_")


def yelpchi_features(df: pd.DataFrame, context: pd.DataFrame | None = None) -> tuple[np.ndarray, list[str]]:
    """Label-free review features from the metadata: review, user and product behaviour.

    ``df`` holds the graph's reviews; ``context`` (default ``df``) holds all reviews whose behaviour
    describes the users, e.g. the unfiltered file, so a user's activity on the dropped big products
    still counts. Product features use ``df`` only.
    """
    context = df if context is None else context
    df = df.copy()
    context = context.copy()
    for frame in (df, context):
        prod_mean = frame.groupby("prod")["rating"].transform("mean")
        frame["_abs_dev"] = (frame["rating"] - prod_mean).abs()
    prod = _entity_features(df, "prod", "product")
    user = _entity_features(context, "user", "user")
    f = pd.DataFrame(index=df.index)
    f["rating"] = df["rating"]
    n_prod = df.groupby("prod")["rating"].transform("size")
    sum_prod = df.groupby("prod")["rating"].transform("sum")
    loo_mean = (sum_prod - df["rating"]) / (n_prod - 1).clip(lower=1)
    f["rating_dev"] = df["rating"] - loo_mean
    f["abs_rating_dev"] = f["rating_dev"].abs()
    f["extreme"] = df["rating"].isin([1.0, 5.0]).astype(float)
    user_mean = df["user"].map(user["user_mean_rating"])
    f["rating_minus_user_mean"] = df["rating"] - user_mean
    f["rating_share_in_product"] = (df.groupby(["prod", "rating"])["rating"].transform("size") / n_prod)
    # time: absolute, within the product's history (rank order, early time frame) and bursts
    day = df["date"].dt.floor("D")
    f["days"] = (df["date"] - pd.Timestamp("2004-01-01")).dt.days
    f["weekday"] = df["date"].dt.day_of_week
    f["month"] = df["date"].dt.month
    first = df.groupby("prod")["date"].transform("min")
    f["days_since_product_first"] = (df["date"] - first).dt.days
    f["rank_in_product"] = df.groupby("prod")["date"].rank(method="average", pct=True)
    f["early_review"] = (f["days_since_product_first"] <= 180).astype(float)
    f["product_same_day"] = df.groupby(["prod", day])["rating"].transform("size")
    ym = df["date"].dt.to_period("M")
    f["product_same_month"] = df.groupby(["prod", ym])["rating"].transform("size")
    f["product_same_month_rating"] = df.groupby(["prod", ym, "rating"])["rating"].transform("size")
    cday = context["date"].dt.floor("D")
    user_day = context.groupby(["user", cday]).size().rename("n").reset_index()
    user_day.columns = ["user", "day", "n"]
    f["user_same_day"] = (pd.DataFrame({"user": df["user"], "day": day})
                          .merge(user_day, on=["user", "day"], how="left")["n"].to_numpy())
    shared = user_day.assign(multi=np.where(user_day["n"] > 1, user_day["n"], 0)).groupby("user")
    f["user_same_day_share"] = df["user"].map(shared["multi"].sum() / shared["n"].sum())
    f["user_products"] = df["user"].map(context.groupby("user")["prod"].nunique())
    # where the review sits in its author's history: new accounts and one-off bursts look different
    cu = context.groupby("user")["date"]
    f["days_since_user_first"] = (df["date"] - df["user"].map(cu.min())).dt.days
    f["days_until_user_last"] = (df["user"].map(cu.max()) - df["date"]).dt.days
    f["user_first_days"] = (df["user"].map(cu.min()) - pd.Timestamp("2004-01-01")).dt.days
    ctx_rank = context.assign(_r=cu.rank(method="first")).set_index("line")["_r"]
    f["user_review_index"] = df["line"].map(ctx_rank).to_numpy() if "line" in df else 0.0
    f["user_same_product"] = df.groupby(["user", "prod"])["rating"].transform("size")
    f["user_reviews_in_graph"] = df.groupby("user")["rating"].transform("size")
    f["singleton_user"] = (df["user"].map(user["user_n_reviews"]) == 1).astype(float)
    for col in user.columns:
        f[col] = df["user"].map(user[col]).to_numpy()
    for col in prod.columns:
        f[col] = df["prod"].map(prod[col]).to_numpy()
    f["log_user_n_reviews"] = np.log1p(f["user_n_reviews"])
    f["log_product_n_reviews"] = np.log1p(f["product_n_reviews"])
    x = f.to_numpy(dtype=np.float32)
    x[~np.isfinite(x)] = 0.0
    return x, list(f.columns)


def read_yelpchi(
    path: str | Path,
    *,
    homo: bool = False,
    relations: tuple[str, ...] | list[str] = RELATIONS,
    max_product_reviews: int = MAX_PRODUCT_REVIEWS,
    user_context: str = "all",
) -> HeteroData | Data:
    """The YelpChi graph: ``HeteroData`` with node type ``review`` and relations ``rur``/``rsr``/``rtr``.

    ``homo=True`` returns the union of the chosen relations as one ``Data`` (CARE-GNN's ``homo``).
    ``y`` is 1 for spam; ``node_time`` is the review date in epoch seconds. ``user_context="all"``
    computes user behaviour over every review in the file (including those of the dropped big
    products), ``"graph"`` over the kept reviews only.
    """
    path = Path(path)
    relations = list(relations)
    for r in relations:
        if r not in RELATIONS:
            raise DataError(path, f"unknown relation '{r}' (known: {', '.join(RELATIONS)})")
    if user_context not in ("all", "graph"):
        raise DataError(path, f"user_context must be 'all' or 'graph', got '{user_context}'")
    raw = read_metadata(path)
    size = raw.groupby("prod")["prod"].transform("size")
    df = raw[size <= max_product_reviews]
    if df.empty:
        raise DataError(path, f"graph is empty (no product has at most {max_product_reviews} reviews)")
    # CARE-GNN order: grouped by user, users by first appearance, reviews in file order
    user_rank, _ = pd.factorize(df["user"], sort=False)
    df = df.iloc[np.argsort(user_rank, kind="stable")].reset_index(drop=True)
    x, names = yelpchi_features(df, raw if user_context == "all" else None)
    y = (df["label"].to_numpy() == -1).astype(np.int64)
    keys = {
        "rur": df["user"].to_numpy(np.int64),
        "rsr": df["prod"].to_numpy(np.int64) * 10 + df["rating"].round().to_numpy(np.int64),
        "rtr": df["prod"].to_numpy(np.int64) * 1_000_000
        + df["date"].dt.year.to_numpy(np.int64) * 100 + df["date"].dt.month.to_numpy(np.int64),
    }
    pairs = {r: group_pairs(keys[r]) for r in relations}
    node_time = torch.from_numpy(((df["date"] - pd.Timestamp("1970-01-01")) / pd.Timedelta(seconds=1)).to_numpy(np.float64).copy())
    node_id = np.asarray(["r" + s for s in df["line"].astype(str)])
    if homo:
        n = len(df)
        a = np.concatenate([p[0] for p in pairs.values()])
        b = np.concatenate([p[1] for p in pairs.values()])
        code = np.sort(a * n + b)  # sort + diff: numpy's hash-based unique is ~10x slower here
        code = code[np.r_[True, code[1:] != code[:-1]]]
        g = Data(x=torch.from_numpy(x), edge_index=_both_ways(code // n, code % n),
                 y=torch.from_numpy(y), node_time=node_time)
        g.num_nodes = n
        g.node_id = node_id
        g.feature_names = names
        return validate_graph(g, path)
    g = HeteroData()
    s = g["review"]
    s.x = torch.from_numpy(x)
    s.y = torch.from_numpy(y)
    s.node_time = node_time
    s.num_nodes = len(df)
    s.node_id = node_id
    s.feature_names = names
    for r, (a, b) in pairs.items():
        g["review", r, "review"].edge_index = _both_ways(a, b)
    g.target_node_type = "review"
    return validate_graph(g, path)
