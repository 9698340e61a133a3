"""Where the bench scripts find the shared data: ``--data DIR``, else ``$GRAPHGUARD_DATA`` (then ``../shared/data``),
through ``graphguard.data.io.data_root``. Nothing downloads.

A script checks its data right after parsing its arguments, so a missing file stops it before any work with one
line naming the file and the setting, instead of a traceback minutes later (or inside a subprocess arm). Scripts
that start subprocesses pass the folder this returns on to them.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import NamedTuple


class Dataset(NamedTuple):
    """A data set of the shared folder: its name for messages and the file a script reads, relative to the folder."""

    name: str
    path: str


TOLOKERS = Dataset("Tolokers", "tolokers/tolokers.npz")
YELPCHI = Dataset("YelpChi", "yelpchi/metadata.gz")
UMLS = Dataset("UMLS", "umls/umls.tar.gz")
MUTAG = Dataset("MUTAG", "mutag/MUTAG_A.txt")
BBBP = Dataset("BBBP", "bbbp/bbbp.csv")
FDATASET = Dataset("Fdataset", "drugrepo_fdataset/DiDrAMat")


def add_data_argument(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--data", metavar="DIR", default=None,
                    help="the shared data folder (default: $GRAPHGUARD_DATA, then ../shared/data)")


def require_data(explicit: str | Path | None, *datasets: Dataset) -> Path:
    """The data folder (absolute) that holds every one of ``datasets``; else exit with one line saying what is missing.

    An explicit ``--data`` is used as given: a mistyped folder must not quietly fall back to the environment's."""
    from graphguard.data.io import data_root

    root = Path(explicit).expanduser() if explicit is not None else data_root()
    for ds in datasets:
        if root is None or not (root / ds.path).is_file():
            where = f" under {root}" if root is not None else ""
            raise SystemExit(f"{ds.name} not found{where} ({ds.path}): pass --data or set GRAPHGUARD_DATA")
    return root.resolve()
