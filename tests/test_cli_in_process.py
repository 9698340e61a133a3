"""The ``cli`` fixture runs commands in the test process: it must answer as ``python -m graphguard`` does, and leave
the process as it found it (one thread, not quiet, the same environment)."""

from __future__ import annotations

import os

import torch


def _missing_data(tmp_path, *extra):
    return ("graph", "train", "--data", tmp_path / "missing.csv", "-o", tmp_path / "m", "--threads", "2", *extra)


def test_an_input_error_reads_the_same_in_process_as_from_the_real_entry_point(cli, tmp_path):
    real = cli.process(*_missing_data(tmp_path), ok=False)
    assert real.returncode == 2 and real.stdout == "", real.stderr
    assert real.stderr.startswith("error: ") and real.stderr.count("\n") == 1 and "Traceback" not in real.stderr
    here = cli(*_missing_data(tmp_path), ok=False)
    assert (here.returncode, here.stdout, here.stderr) == (real.returncode, real.stdout, real.stderr)


def test_a_crash_is_a_traceback_and_exit_1_as_in_a_real_process(cli, tmp_path, monkeypatch):
    import graphguard.cli_graph

    def crash(*_):
        raise RuntimeError("a bug, not an input error")

    monkeypatch.setattr(graphguard.cli_graph, "_setup", crash)
    r = cli(*_missing_data(tmp_path), ok=False)
    assert r.returncode == 1 and "Traceback" in r.stderr
    assert r.stderr.rstrip().endswith("RuntimeError: a bug, not an input error")


def test_a_command_leaves_threads_quiet_and_environment_as_it_found_them(cli, tmp_path, monkeypatch):
    """``--threads 2 -q`` set process-wide state before the error; the next test must still run on one thread."""
    import graphguard.cli_graph
    from graphguard import _console
    from graphguard.utils import get_threads

    seen = {}
    setup = graphguard.cli_graph._setup

    def watched(quiet, threads):
        setup(quiet, threads)
        os.environ["GRAPHGUARD_LEAK"] = "1"
        seen.update(threads=torch.get_num_threads(), quiet=_console.is_quiet())

    monkeypatch.setattr(graphguard.cli_graph, "_setup", watched)
    monkeypatch.setattr(_console, "_quiet", False)  # a direct CliRunner call in an earlier test may have left it on
    before = dict(os.environ)
    assert cli(*_missing_data(tmp_path, "-q"), ok=False).returncode == 2
    assert seen == {"threads": 2, "quiet": True}  # the command did change them
    assert torch.get_num_threads() == 1 and get_threads() == 1 and not _console.is_quiet()
    assert dict(os.environ) == before
