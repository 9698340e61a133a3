"""Write a small Neptune bulk-load CSV export of accounts, devices and transfers with planted fraud.

The graph structure and the labels come from ``graphguard.data.synthetic.make_fraud_graph``; the
properties are of every type the workflow encodes (numbers with gaps, a country, tag lists, a
free-text bio, a signup date, a flag), with fraud leaving a weak trace in each, and fraud rings
sharing devices. Deterministic: ``python examples/make_fraud_export.py [OUT_DIR]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from graphguard.data.synthetic import make_fraud_graph

WORDS_NORMAL = "coffee hiking books family travel music photography garden football cooking".split()
WORDS_FRAUD = "crypto investment guaranteed returns cheap gift cards urgent bonus".split()


def make_export(out: Path, num_accounts: int = 2000, seed: int = 7) -> Path:
    rng = np.random.default_rng(seed)
    g = make_fraud_graph(num_nodes=num_accounts, num_features=4, signal=0.3, camouflage=1.0, seed=seed)
    y = g.y.numpy()
    n = y.size
    fraud = y == 1
    ids = np.array([f"acct-{i:05d}" for i in range(n)])
    age = np.round(rng.normal(41, 12, n) - 4 * fraud).clip(18, 90)
    age_s = pd.array(age.astype(int), dtype="Int64")
    age_s[rng.random(n) < 0.08] = pd.NA
    balance = np.round(np.exp(rng.normal(7, 1.5, n) - 0.4 * fraud + 0.3 * g.x[:, 0].numpy()), 2)
    countries = np.array(["DE", "FR", "US", "GB", "NL", "PL", "BR", "NG", "VN"])
    p_norm = np.array([.25, .2, .2, .12, .08, .07, .04, .02, .02])
    p_fraud = np.array([.18, .15, .18, .1, .06, .1, .08, .08, .07])
    country = np.where(fraud, rng.choice(countries, n, p=p_fraud), rng.choice(countries, n, p=p_norm))
    tag_pool = ["mobile", "web", "vpn", "premium", "new", "business"]
    tags = []
    for f in fraud:
        p = np.array([.5, .5, .2 if f else .07, .15 if f else .2, .35 if f else .2, .1])
        tags.append(";".join(t for t, q in zip(tag_pool, p) if rng.random() < q))
    bio = []
    for f in fraud:
        k = rng.integers(4, 9)
        words = rng.choice(WORDS_NORMAL, k).tolist()
        if f and rng.random() < 0.3:
            words[: rng.integers(1, 4)] = rng.choice(WORDS_FRAUD, 3).tolist()
        elif not f and rng.random() < 0.05:
            words[0] = rng.choice(WORDS_FRAUD)
        bio.append(" ".join(words) if rng.random() > 0.1 else "")
    days = np.where(fraud, rng.uniform(0, 1200, n), rng.uniform(0, 2000, n))
    signup = (pd.Timestamp("2025-06-01") - pd.to_timedelta(days, unit="D")).strftime("%Y-%m-%d")
    verified = np.where(rng.random(n) < np.where(fraud, 0.45, 0.65), "true", "false")
    label = np.where(fraud, "true", "false").astype(object)
    label[rng.random(n) < 0.1] = ""  # unlabelled accounts, scored but not used for training
    accounts = pd.DataFrame({
        "~id": ids, "~label": "account", "age:Int": age_s, "balance:Double": balance, "country:String": country,
        "tags:String[]": tags, "bio:String": bio, "signup:Date": signup, "verified:Bool": verified,
        "is_fraud:Bool": label,
    })
    # devices: each account uses 1-2 devices; fraud rings (graph communities of fraudsters) share a few
    n_dev = n
    dev_ids = np.array([f"dev-{i:05d}" for i in range(n_dev + 40)])
    devices = pd.DataFrame({"~id": dev_ids, "~label": "device",
                            "os:String": rng.choice(["android", "ios", "windows", "mac"], dev_ids.size)})
    uses_src, uses_dst = [], []
    for i in range(n):
        uses_src.append(ids[i])
        uses_dst.append(dev_ids[i])
        if fraud[i] and rng.random() < 0.4:
            uses_src.append(ids[i])
            uses_dst.append(dev_ids[n_dev + rng.integers(0, 40)])
    uses = pd.DataFrame({"~id": [f"u{i}" for i in range(len(uses_src))], "~from": uses_src, "~to": uses_dst,
                         "~label": "uses"})
    ei = g.edge_index.numpy()
    ei = ei[:, ei[0] < ei[1]]
    amount = np.round(np.exp(rng.normal(4, 1, ei.shape[1])), 2)
    transfers = pd.DataFrame({"~id": [f"t{i}" for i in range(ei.shape[1])], "~from": ids[ei[0]], "~to": ids[ei[1]],
                              "~label": "transfer", "amount:Double": amount})
    out.mkdir(parents=True, exist_ok=True)
    accounts.to_csv(out / "accounts.csv", index=False)
    devices.to_csv(out / "devices.csv", index=False)
    uses.to_csv(out / "uses.csv.gz", index=False)  # Neptune loads gzipped CSV too
    transfers.to_csv(out / "transfers.csv.gz", index=False)
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "fraud_export"
    print(make_export(target))
