"""Load test of ``graphguard serve`` on Tolokers: throughput, p50/p99 latency, errors and memory.

Bounded by construction: loopback only (127.0.0.1), a fixed number of requests per phase, and a
hard 60 s cap on all load phases together (a phase stops early at the cap and says so). The
model is a finished run directory (``--run-dir``) or a quick one trained here first (not counted
in the 60 s).

Phases: 10,000 requests of 100 random Tolokers node ids, at 1, 8 and 32 concurrent keep-alive
clients (2,000 + 4,000 + 4,000), with the server's RSS sampled every 500 requests; then 40
inductive requests, each a new node with 10 edges to existing nodes. The reference beside it is
what a server without the start-up scoring would pay per request: the detector's offline
``decision_function`` on the whole graph, timed in this process.

    python bench/serve_load.py [--run-dir RUN | --data DIR] [--out bench/results/serve_load.json]

The quick model reads ``tolokers/tolokers.npz`` of ``--data`` (default ``$GRAPHGUARD_DATA``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from _data import TOLOKERS, add_data_argument, require_data

ROOT = Path(__file__).resolve().parents[1]
CAP_SECONDS = 60.0
PHASES = [(1, 2000), (8, 4000), (32, 4000)]
IDS_PER_REQUEST = 100
TOLOKERS_JOB = """\
name: tolokers
task: node_classification
data: {{path: "{path}", format: npz}}
target: {{property: label}}
model:
  candidates: [xgbgraph]
budget: {{trials: 1}}
"""


def make_run(workdir: Path, tolokers: Path) -> tuple[Path, float]:
    from graphguard.workflow.run import run_job

    job = workdir / "tolokers.yaml"
    job.write_text(TOLOKERS_JOB.format(path=tolokers))
    t0 = time.perf_counter()
    run = run_job(job, workdir / "run", report=False)
    return run, time.perf_counter() - t0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(run: Path, port: int, workers: int) -> subprocess.Popen:
    import httpx

    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "graphguard", "serve", str(run), "--host", "127.0.0.1",
                             "--port", str(port), "--quiet", "--threads", "1", "--workers", str(workers)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 180
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.25)
        if proc.poll() is not None:
            break
    proc.kill()
    sys.exit(f"server did not start: {proc.stderr.read().decode()[-2000:]}")


def request_bytes(path: str, body: bytes) -> bytes:
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    return head + body


async def _one(reader, writer, req: bytes) -> tuple[int, bytes]:
    writer.write(req)
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        k, _, v = line.decode().partition(":")
        if k.lower() == "content-length":
            length = int(v)
    return status, await reader.readexactly(length)


async def load_phase(port: int, bodies: list[bytes], concurrency: int, total: int, deadline: float,
                     on_progress, expect: int) -> dict:
    lat: list[float] = []
    errors = 0
    counter = {"sent": 0}

    async def client(cid: int):
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while counter["sent"] < total and time.perf_counter() < deadline:
                k = counter["sent"]
                counter["sent"] += 1
                t0 = time.perf_counter()
                try:
                    status, payload = await _one(reader, writer, bodies[k % len(bodies)])
                    ok = status == 200 and len(json.loads(payload)["predictions"]) == expect
                except (ConnectionError, asyncio.IncompleteReadError, ValueError, KeyError):
                    ok = False
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                lat.append(time.perf_counter() - t0)
                errors += 0 if ok else 1
                on_progress()
        finally:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(concurrency)))
    took = time.perf_counter() - t0
    ms = np.asarray(lat) * 1000
    return {"concurrency": concurrency, "requests": len(lat), "planned": total, "seconds": round(took, 3),
            "throughput_rps": round(len(lat) / took, 1), "p50_ms": round(float(np.percentile(ms, 50)), 2),
            "p99_ms": round(float(np.percentile(ms, 99)), 2), "max_ms": round(float(ms.max()), 2),
            "errors": errors, "stopped_at_cap": len(lat) < total}


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run-dir", type=Path, help="a finished Tolokers run (default: train a quick one first)")
    ap.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "serve_load.json")
    add_data_argument(ap)
    args = ap.parse_args()
    tolokers = None if args.run_dir else require_data(args.data, TOLOKERS) / TOLOKERS.path
    import psutil

    from graphguard.serve.model import NewNode, ServedModel
    from graphguard.utils.threads import set_threads

    set_threads(int(os.environ.get("GRAPHGUARD_THREADS", "1")))
    tmp = tempfile.TemporaryDirectory()
    train_s = None
    run = args.run_dir
    if run is None:
        print("training a quick Tolokers model (xgbgraph, 1 trial) ...", flush=True)
        run, train_s = make_run(Path(tmp.name), tolokers)
    model = ServedModel(run)
    ids = model.ids
    rng = np.random.default_rng(0)
    bodies = [request_bytes("/v1/predict/nodes", json.dumps(
        {"ids": rng.choice(ids, IDS_PER_REQUEST, replace=False).tolist()}).encode()) for _ in range(256)]
    new_bodies = [request_bytes("/v1/predict/nodes", json.dumps({"nodes": [{
        "id": f"new-{k}", "features": model.graph.x[int(rng.integers(ids.size))].tolist(),
        "edges": rng.choice(ids, 10, replace=False).tolist()}]}).encode()) for k in range(40)]
    # reference: offline whole-graph scoring per request (what a server without start-up scoring pays)
    ref = []
    for _ in range(3):
        t0 = time.perf_counter()
        model.detector.decision_function(model.graph)
        ref.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    g, _ = model.grown_graph([NewNode("ref-new", None, model.graph.x[0].tolist(), ids[:10].tolist())])
    model.detector.decision_function(g)
    ref_inductive = time.perf_counter() - t0
    del model, g

    port = free_port()
    server = start_server(run, port, args.workers)
    proc = psutil.Process(server.pid)

    def server_rss() -> float:
        """MB resident in the server and its worker processes."""
        procs = [proc] + proc.children(recursive=True)
        total = 0
        for p in procs:
            try:
                total += p.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return total / 2**20

    rss: list[tuple[int, float]] = [(0, server_rss())]
    done = {"n": 0}

    def progress():
        done["n"] += 1
        if done["n"] % 500 == 0:
            rss.append((done["n"], server_rss()))

    try:  # the client's own overhead counts in the latencies: use the faster loop when installed
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    results = []
    deadline = time.perf_counter() + CAP_SECONDS
    t_load = time.perf_counter()
    try:
        # warm-up (not measured): a few requests so imports and caches are settled
        asyncio.run(load_phase(port, bodies, 1, 20, deadline, lambda: None, IDS_PER_REQUEST))
        for conc, total in PHASES:
            r = asyncio.run(load_phase(port, bodies, conc, total, deadline, progress, IDS_PER_REQUEST))
            results.append(r)
            print(f"  {conc:>2} clients: {r['requests']:>5} requests, {r['throughput_rps']:>7.1f} req/s, "
                  f"p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, {r['errors']} errors", flush=True)
        rss_end_scoring = server_rss()
        inductive = asyncio.run(load_phase(port, new_bodies, 1, len(new_bodies), deadline, lambda: None, 1))
        rss_after_inductive = server_rss()
    finally:
        server.terminate()
        server.wait(timeout=30)
    load_s = time.perf_counter() - t_load
    after_warm = [m for n, m in rss if n >= 1000] or [rss[-1][1]]
    growth = rss_end_scoring - after_warm[0]
    total_req = sum(r["requests"] for r in results)
    p99_100 = max(r["p99_ms"] for r in results)
    out = {
        "benchmark": "serve_load", "dataset": "tolokers", "workers": args.workers, "nodes": int(ids.size), "ids_per_request": IDS_PER_REQUEST,
        "detector": json.loads((run / "metrics.json").read_text())["detector"],
        "phases": results,
        "inductive": {**inductive, "new_nodes_per_request": 1, "edges_per_new_node": 10},
        "reference": {"offline_whole_graph_scoring_ms": round(1000 * float(np.median(ref)), 1),
                      "offline_grown_graph_scoring_ms": round(1000 * ref_inductive, 1),
                      "what": "detector.decision_function on the whole graph, per request, in-process"},
        "rss_mb": {"samples": [[n, round(m, 1)] for n, m in rss], "after_1000_requests": round(after_warm[0], 1),
                   "end": round(rss_end_scoring, 1), "growth_after_warmup": round(growth, 1),
                   "after_inductive_phase": round(rss_after_inductive, 1)},
        "total_requests": total_req, "load_seconds": round(load_s, 1), "cap_seconds": CAP_SECONDS,
        "train_seconds": None if train_s is None else round(train_s, 1),
        "targets": {"p99_under_50ms": p99_100 < 50.0,
                    "zero_errors": sum(r["errors"] for r in results) + inductive["errors"] == 0,
                    "flat_memory": abs(growth) < 20.0},
        "server_stack": {m: _has(m) for m in ("httptools", "uvloop", "orjson")},
        "machine": {"cpus": os.cpu_count(), "load_average": [round(v, 2) for v in os.getloadavg()],
                    "python": platform.python_version(), "note": "shared 2-core machine; client and server share it"},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2))
    print()
    print(f"{'clients':>7} {'requests':>8} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}")
    for r in results:
        print(f"{r['concurrency']:>7} {r['requests']:>8} {r['throughput_rps']:>8.1f} {r['p50_ms']:>7.1f} "
              f"{r['p99_ms']:>7.1f} {r['errors']:>6}")
    print(f"inductive (1 new node, 10 edges): p50 {inductive['p50_ms']:.1f} ms, p99 {inductive['p99_ms']:.1f} ms, "
          f"{inductive['errors']} errors")
    print(f"reference, offline whole-graph scoring per request: {out['reference']['offline_whole_graph_scoring_ms']} ms")
    print(f"server RSS: {out['rss_mb']['after_1000_requests']} MB after 1,000 requests -> {out['rss_mb']['end']} MB "
          f"after {total_req:,} (growth {growth:+.1f} MB)")
    print(f"targets: {out['targets']}  ->  {args.out}")


if __name__ == "__main__":
    main()
