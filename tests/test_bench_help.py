"""Every bench/ script with a ``__main__`` block answers ``--help`` with a usage message and exit 0.

Modules without a ``__main__`` block (helpers imported by other bench scripts, e.g. godm_detectors.py,
references.py) are skipped. Importing torch / torch_geometric costs several CPU seconds per process,
which times ~30 scripts is too slow for the suite; so one helper process (this file run as a script) imports
the heavy libraries once and then runs each script in its own forked child, as ``python bench/X.py ARGS`` would
(``__name__ == "__main__"``, ``sys.argv``, the bench folder first on ``sys.path``). Where ``os.fork`` is missing
each script gets a plain ``sys.executable`` subprocess.
"""

from __future__ import annotations

import json
import os
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
PRELOAD = ("numpy", "scipy", "sklearn", "pandas", "torch", "torch_geometric",
           "graphguard.augment", "graphguard.data", "graphguard.metrics", "graphguard.tasks")

SCRIPTS = sorted(BENCH.glob("*.py"))
MAIN = [p for p in SCRIPTS if '__name__ == "__main__"' in p.read_text()]
NO_MAIN = [p for p in SCRIPTS if p not in MAIN]


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


@pytest.fixture(scope="module")
def script_runs() -> dict:
    return _run_all([[str(p), "--help"] for p in MAIN], _env())


@pytest.mark.parametrize("script", MAIN, ids=lambda p: p.name)
def test_bench_script_help(script_runs, script):
    rc, out, _ = script_runs[f"{script} --help"]
    assert rc == 0, f"{script.name} --help exited {rc}:\n{out[-3000:]}"
    assert "usage" in out.lower(), f"{script.name} --help printed no usage:\n{out[-3000:]}"
    assert "Traceback" not in out, out[-3000:]


def test_bench_scripts_found():
    assert len(MAIN) >= 20 and all(p.suffix == ".py" for p in NO_MAIN)


if __name__ == "__main__":
    _serve(json.loads(sys.argv[1]))
