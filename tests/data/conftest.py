"""Fixtures of the data-layer tests: the YelpChi rebuild (built once) and a small Neptune folder."""

from __future__ import annotations

import gzip
import textwrap
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def yelpchi_path(data_dir) -> Path:
    p = data_dir / "yelpchi" / "metadata.gz"
    if not p.is_file():
        pytest.skip("yelpchi/metadata.gz not in the shared data")
    return p


@pytest.fixture(scope="session")
def yelpchi(yelpchi_path):
    from graphguard.data.yelpchi import read_yelpchi

    return read_yelpchi(yelpchi_path)


def write(path: Path, text: str) -> Path:
    """Write a small test file (gzip'd when the name ends in .gz)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = textwrap.dedent(text).strip("\n") + "\n"
    if path.name.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8") as f:
            f.write(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


@pytest.fixture
def write_file():
    return write


@pytest.fixture
def neptune_dir(tmp_path) -> Path:
    """Accounts (labelled) and merchants, two vertex files for accounts (one gzip'd), two edge labels."""
    d = tmp_path / "neptune"
    write(d / "accounts_1.csv", """
~id,~label,age:Int,country,is_fraud:Bool,joined:Date,scores:Double[],tags:String[]
a1,account,30,US,true,2020-01-01,1;2;3,vip;new
a2,account,,FR,false,2020-02-01T10:00:00Z,,new
a3,account,45,US,,2021-03-04,4,
""")
    write(d / "accounts_2.csv.gz", """
~id,~label,age:Int,country,is_fraud:Bool,joined:Date
a4,account,22,DE,0,2022-05-06
""")
    write(d / "merchants.csv", """
~id,~label,risk:Double
m1,merchant,0.5
m2,merchant,1.5
""")
    write(d / "pays.csv", """
~id,~from,~to,~label,amount:Float,at:Date
p1,a1,m1,pays,10.5,2020-05-01
p2,a2,m2,pays,3,2020-05-02
p3,a4,m1,pays,7.25,2020-06-01
""")
    write(d / "knows.csv", """
~id,~from,~to,~label
k1,a1,a2,knows
k2,a3,a4,knows
""")
    return d
