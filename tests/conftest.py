"""Shared fixtures: one thread everywhere, the shared benchmark data, small generated graphs, the CLI."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import traceback
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("GRAPHGUARD_THREADS", "1")

from graphguard.utils import set_threads  # noqa: E402

set_threads(1)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """``$GRAPHGUARD_DATA`` or ``../shared/data``; tests on real data are skipped without it."""
    from graphguard.data import data_root

    root = data_root()
    if root is None:
        pytest.skip("real benchmark data not found (set GRAPHGUARD_DATA)")
    return root


@pytest.fixture(scope="session")
def fraud_graph():
    from graphguard.data.synthetic import make_fraud_graph

    return make_fraud_graph(num_nodes=1500, seed=0)


@pytest.fixture(scope="session")
def hetero_fraud_graph():
    from graphguard.data.synthetic import make_hetero_fraud_graph

    return make_hetero_fraud_graph(num_nodes=1500, seed=0)


@pytest.fixture()
def poison_weights():
    """``poison_weights(model_dir)`` sets every float weight of a saved model to NaN, as a diverged fit leaves them."""
    def poison(model_dir: Path, value: float = float("nan")) -> None:
        import torch
        from safetensors.torch import load_file, save_file

        path = Path(model_dir) / "weights.safetensors"
        tensors = load_file(str(path))
        save_file({k: torch.full_like(v, value) if v.is_floating_point() else v for k, v in tensors.items()},
                  str(path))

    return poison


@dataclass
class CliResult:
    """What a ``graphguard`` command left behind, named as ``subprocess.CompletedProcess`` names it."""

    returncode: int
    stdout: str
    stderr: str


class Cli:
    """``cli(*args, ok=True)`` runs ``graphguard ARGS`` in this process, through ``graphguard.cli.main`` as the
    ``python -m graphguard`` entry point does (a ``GraphGuardError`` becomes one ``error:`` line and exit 2; any other
    exception a traceback on stderr and exit 1). Importing torch costs a fresh process about 6 s, so only the tests
    about a real process (torchrun, a live server, a killed run, the entry point itself) use ``cli.process``.
    ``ok`` asserts exit status 0."""

    def __call__(self, *args, ok: bool = True) -> CliResult:
        r = run_in_process([str(a) for a in args])
        if ok:
            assert r.returncode == 0, r.stderr
        return r

    def process(self, *args, ok: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
        r = subprocess.run([sys.executable, "-m", "graphguard", *map(str, args)], capture_output=True, text=True,
                           timeout=timeout)
        if ok:
            assert r.returncode == 0, r.stderr
        return r


def run_in_process(args: list[str]) -> CliResult:
    """Run ``graphguard.cli.main`` with ``args`` on click's captured stdin/stdout/stderr."""
    from click.testing import CliRunner

    from graphguard import cli

    with _process_state_restored(), CliRunner().isolation() as (out, err, _):
        sys.argv = ["graphguard", *args]
        code = _exit_status(cli.main)
        sys.stdout.flush()
        sys.stderr.flush()
        return CliResult(code, out.getvalue().decode(), err.getvalue().decode())


def _exit_status(main) -> int:
    """The status the interpreter would exit with after ``main()``."""
    try:
        main()
    except SystemExit as e:
        if e.code is None or isinstance(e.code, int):
            return e.code or 0
        print(e.code, file=sys.stderr)
        return 1
    except Exception:
        traceback.print_exc()
        return 1
    return 0


@contextmanager
def _process_state_restored():
    """Take back what a command changed in this process, as the end of a real process would.

    ``--threads`` calls ``set_threads``, ``--quiet`` sets a module flag, typer installs an excepthook, commands may
    seed or draw from the global generators, set environment variables, change directory or add log handlers; none
    of that may reach the next test, which must still run on one thread.
    """
    import random

    import numpy as np
    import torch

    from graphguard import _console
    from graphguard.utils import threads

    saved = dict(argv=sys.argv[:], environ=dict(os.environ), cwd=os.getcwd(), excepthook=sys.excepthook,
                 torch_threads=torch.get_num_threads(), threads=threads._threads, quiet=_console._quiet,
                 random=random.getstate(), numpy=np.random.get_state(), torch_rng=torch.get_rng_state(),
                 root=(logging.root.level, logging.root.handlers[:]))
    try:
        with warnings.catch_warnings():
            yield
    finally:
        sys.argv, sys.excepthook = saved["argv"], saved["excepthook"]
        if dict(os.environ) != saved["environ"]:
            os.environ.clear()
            os.environ.update(saved["environ"])
        os.chdir(saved["cwd"])
        torch.set_num_threads(saved["torch_threads"])
        threads._threads, _console._quiet = saved["threads"], saved["quiet"]
        random.setstate(saved["random"])
        np.random.set_state(saved["numpy"])
        torch.set_rng_state(saved["torch_rng"])
        logging.root.setLevel(saved["root"][0])
        logging.root.handlers[:] = saved["root"][1]


@pytest.fixture(scope="session")
def cli() -> Cli:
    """The ``graphguard`` command line; see ``Cli``."""
    return Cli()


@pytest.fixture(autouse=True)
def _quiet_and_threads_reset():
    """Tests that call ``CliRunner().invoke(app, [..., "-q", "--threads", ...])`` directly change module state
    that the ``cli`` fixture would restore; put it back so no later test depends on the order tests ran in."""
    yield
    import torch

    from graphguard import _console
    from graphguard.utils import threads

    _console._quiet = False
    threads._threads = 1  # set_threads(1) above, as every test expects
    if torch.get_num_threads() != 1:
        torch.set_num_threads(1)
