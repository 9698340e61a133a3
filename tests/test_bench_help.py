"""Every bench/ script with a ``__main__`` block answers ``--help`` with a usage message and exit 0, and every
script that reads the shared data, pointed at an empty ``--data`` folder, stops at once with one line naming the
missing file and the setting (no traceback, no work).

Modules without a ``__main__`` block (helpers imported by other bench scripts, e.g. godm_detectors.py,
references.py, _data.py) are skipped. Importing torch / torch_geometric costs several CPU seconds per process,
which times ~30 scripts is too slow for the suite; so one helper process (this file run as a script) imports
the heavy libraries once and then runs each script in its own forked child, as ``python bench/X.py ARGS`` would
(``__name__ == "__main__"``, ``sys.argv``, the bench folder first on ``sys.path``). Where ``os.fork`` is missing
each script gets a plain ``sys.executable`` subprocess.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
SRC = ROOT / "src"
TIMEOUT_S = 120
NO_DATA_SECONDS = 10  # a script without its data must stop before any work (the heavy imports are preloaded)
PRELOAD = ("numpy", "scipy", "sklearn", "pandas", "torch", "torch_geometric",
           "graphguard.augment", "graphguard.data", "graphguard.metrics", "graphguard.tasks")

SCRIPTS = sorted(BENCH.glob("*.py"))
MAIN = [p for p in SCRIPTS if '__name__ == "__main__"' in p.read_text()]
NO_MAIN = [p for p in SCRIPTS if p not in MAIN]

TOLOKERS, YELPCHI, UMLS = "tolokers/tolokers.npz", "yelpchi/metadata.gz", "umls/umls.tar.gz"
MUTAG, BBBP, FDATASET = "mutag/MUTAG_A.txt", "bbbp/bbbp.csv", "drugrepo_fdataset/DiDrAMat"
# script -> (arguments that make it need the shared data, besides --data; the file it must say is missing)
NEEDS_DATA = {
    "data_io.py": ([], YELPCHI),
    "gnn_tolokers.py": (["--model", "graphsage"], TOLOKERS),
    "godm_bench.py": ([], TOLOKERS),
    "godm_degree_probe.py": ([], TOLOKERS),
    "godm_diagnose.py": ([], TOLOKERS),
    "godm_fidelity_probe.py": (["tolokers", "{}", "[]"], TOLOKERS),
    "godm_oracle.py": ([], TOLOKERS),
    "godm_published.py": (["export", "--trials", "0"], TOLOKERS),
    "godm_refidelity.py": (["--dataset", "yelpchi", "--file", "no_such_results.json"], YELPCHI),
    "godm_sdedit_probe.py": (["0"], TOLOKERS),
    "godm_semi_detectors.py": ([], TOLOKERS),
    "godm_unlabelled_probe.py": (["tolokers", "0"], TOLOKERS),
    "graph_bbbp.py": ([], BBBP),
    "graph_mutag.py": ([], MUTAG),
    "graph_speed.py": ([], MUTAG),
    "link_drugrepo.py": ([], FDATASET),
    "link_rgcn_layer.py": ([], UMLS),
    "link_sampled.py": ([], UMLS),
    "link_umls.py": ([], UMLS),
    "node_gadbench.py": ([], TOLOKERS),
    "node_semi.py": (["--dataset", "yelpchi"], YELPCHI),
    "serve_load.py": ([], TOLOKERS),
}


def _env(**extra: str) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", **extra)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return env


def _run_one_forked(script: str, args: list[str]) -> tuple[int, str, float]:
    with tempfile.TemporaryFile() as out:
        t0 = time.monotonic()
        pid = os.fork()
        if pid == 0:  # child: behave as `python script ARGS`
            code = 1
            try:
                os.dup2(out.fileno(), 1)
                os.dup2(out.fileno(), 2)
                import runpy

                sys.argv = [script, *args]
                sys.path.insert(0, str(Path(script).parent))
                try:
                    runpy.run_path(script, run_name="__main__")
                    code = 0
                except SystemExit as e:
                    code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
                    if not isinstance(e.code, int) and e.code is not None:  # as the interpreter prints it
                        print(e.code, file=sys.stderr)
                except BaseException:
                    import traceback

                    traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        deadline = t0 + TIMEOUT_S
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                rc = os.waitstatus_to_exitcode(status)
                break
            if time.monotonic() > deadline:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                rc = -9
                break
            time.sleep(0.02)
        seconds = time.monotonic() - t0
        out.seek(0)
        text = out.read().decode(errors="replace")
        return rc, text + (f"\n[killed after {TIMEOUT_S} s]" if rc == -9 else ""), seconds


def _serve(runs: list[list[str]]) -> None:
    """Helper process: import the heavy libraries once, then run each [script, *args] in a fork."""
    for mod in PRELOAD:
        try:
            __import__(mod)
        except Exception:  # noqa: BLE001 - a missing optional library shows up in the script's own run
            pass
    res = {" ".join(run): _run_one_forked(run[0], run[1:]) for run in runs}
    sys.stdout.write("\n" + json.dumps(res))


def _run_all(runs: list[list[str]], env: dict) -> dict:
    """``" ".join(run)`` -> (exit code, output, seconds) for each [script, *args]."""
    if not hasattr(os, "fork"):
        res = {}
        for run in runs:
            t0 = time.monotonic()
            try:
                r = subprocess.run([sys.executable, *run], capture_output=True, text=True,
                                   timeout=TIMEOUT_S, env=env, cwd=ROOT)
                res[" ".join(run)] = (r.returncode, r.stdout + r.stderr, time.monotonic() - t0)
            except subprocess.TimeoutExpired:
                res[" ".join(run)] = (-9, f"[killed after {TIMEOUT_S} s]", TIMEOUT_S)
        return res
    r = subprocess.run([sys.executable, str(Path(__file__).resolve()), json.dumps(runs)], capture_output=True,
                       text=True, timeout=TIMEOUT_S * 2 + 10 * len(runs), env=env, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    return json.loads(r.stdout.rsplit("\n", 1)[-1])


def _no_data_run(script: Path, empty: Path) -> list[str]:
    args, _ = NEEDS_DATA[script.name]
    return [str(script), *args, "--data", str(empty)]


def _mistyped_data_run(empty: Path) -> list[str]:
    return [str(BENCH / "node_semi.py"), "--data", str(empty / "no_such_folder")]


@pytest.fixture(scope="module")
def empty_data(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("empty_data")


@pytest.fixture(scope="module")
def script_runs(empty_data, tmp_path_factory) -> dict:
    """All runs in one helper process, so the heavy imports are paid once. $GRAPHGUARD_DATA names a folder
    with an empty file at every path a script looks for: --data must win over it (a script that fell back to
    the environment would get past the check and fail on the empty file, or name the wrong folder)."""
    env_data = tmp_path_factory.mktemp("env_data")
    for _, missing in NEEDS_DATA.values():
        (env_data / missing).parent.mkdir(parents=True, exist_ok=True)
        (env_data / missing).touch()
    runs = [[str(p), "--help"] for p in MAIN]
    runs += [_no_data_run(p, empty_data) for p in MAIN if p.name in NEEDS_DATA]
    runs.append(_mistyped_data_run(empty_data))
    return _run_all(runs, _env(GRAPHGUARD_DATA=str(env_data)))


@pytest.mark.parametrize("script", MAIN, ids=lambda p: p.name)
def test_bench_script_help(script_runs, script):
    rc, out, _ = script_runs[f"{script} --help"]
    assert rc == 0, f"{script.name} --help exited {rc}:\n{out[-3000:]}"
    assert "usage" in out.lower(), f"{script.name} --help printed no usage:\n{out[-3000:]}"
    assert "Traceback" not in out, out[-3000:]


@pytest.mark.parametrize("name", sorted(NEEDS_DATA))
def test_bench_script_without_data_stops_with_one_line(script_runs, empty_data, name):
    rc, out, seconds = script_runs[" ".join(_no_data_run(BENCH / name, empty_data))]
    missing = NEEDS_DATA[name][1]
    lines = [ln for ln in out.splitlines() if ln.strip()]
    assert rc != 0, f"{name} exited 0 without its data:\n{out[-3000:]}"
    assert "Traceback" not in out, out[-3000:]
    assert len(lines) == 1, f"{name} printed more than one line:\n{out[-3000:]}"
    assert missing in lines[0] and str(empty_data) in lines[0], lines[0]
    assert "--data" in lines[0] and "GRAPHGUARD_DATA" in lines[0], lines[0]
    if hasattr(os, "fork"):  # the forked child starts with the heavy libraries already imported
        assert seconds < NO_DATA_SECONDS, f"{name} took {seconds:.1f} s to notice its data is missing"


def test_bench_data_folder_that_does_not_exist_is_not_replaced_by_the_environment(script_runs, empty_data):
    rc, out, _ = script_runs[" ".join(_mistyped_data_run(empty_data))]
    assert rc != 0 and "Traceback" not in out, out[-3000:]
    assert out.strip() == (f"Tolokers not found under {empty_data / 'no_such_folder'} (tolokers/tolokers.npz): "
                           "pass --data or set GRAPHGUARD_DATA"), out[-3000:]


DATA_USE = re.compile(r"GRAPHGUARD_DATA\"\]|data_root\(|from godm_bench import [^\n]*\bload\b|from _data import")


def test_every_script_reading_shared_data_is_checked_without_it():
    """A script that reads the shared data goes through bench/_data.py and is listed in NEEDS_DATA above."""
    readers = {p.name for p in MAIN if DATA_USE.search(p.read_text())}
    assert readers <= set(NEEDS_DATA), sorted(readers - set(NEEDS_DATA))
    direct = [p.name for p in SCRIPTS if p.name != "_data.py" and re.search(r"data_root\(|environ\[\"GRAPHGUARD_DATA",
                                                                            p.read_text())]
    assert not direct, f"these scripts find the data themselves instead of through bench/_data.py: {direct}"


def test_bench_scripts_found():
    assert len(MAIN) >= 20 and all(p.suffix == ".py" for p in NO_MAIN)
    assert {p.name for p in MAIN} >= set(NEEDS_DATA), sorted(set(NEEDS_DATA) - {p.name for p in MAIN})


if __name__ == "__main__":
    _serve(json.loads(sys.argv[1]))
