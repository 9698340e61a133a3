"""CLI commands of the no-code workflow: ``run``, ``report``, ``explain`` and ``serve``.

``cli.py`` registers each function as a top-level command.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

import typer

from graphguard import _console


def run(
    job: Path = typer.Argument(..., help="the job file (YAML)"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="run directory (default: runs/<job name>)"),
    resume: bool = typer.Option(False, "--resume", help="continue a killed run in the same directory"),
    force: bool = typer.Option(False, "--force", help="delete an existing run directory and start over "
                               "(with --resume: only when the run cannot be continued, e.g. the job file changed)"),
    threads: Optional[int] = typer.Option(None, "--threads", help="CPU threads (default: GRAPHGUARD_THREADS or all)"),
    as_json: bool = typer.Option(False, "--json", help='print {"run_dir", "report", "metrics"} (metrics: the run\'s '
                                 'metrics.json)'),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress output"),
) -> None:
    """Train, tune and evaluate the job; writes a run directory with the model, metrics and report."""
    from graphguard.utils.threads import set_threads
    from graphguard.workflow.run import run_job

    _console.set_quiet(quiet)
    set_threads(threads)
    path = run_job(job, out, resume=resume, force=force)
    from graphguard.workflow.job import METRICS

    metrics = json.loads((path / "metrics.json").read_text())
    if as_json:
        from graphguard.utils.serialization import strict_json

        typer.echo(strict_json({"run_dir": str(path), "report": str(path / "report.html"), "metrics": metrics}))
        return
    t = metrics.get("test", {})
    task = metrics.get("task", "node_classification")
    keys = ("auroc", "auprc", "rec_at_k") if task == "node_classification" else METRICS[task]
    summary = ", ".join(f"{k} {t[k]:.4f}" for k in keys if isinstance(t.get(k), float))
    typer.echo(f"{path}  ({metrics.get('detector')}; test {summary})")
    typer.echo(f"report: {path / 'report.html'}")


def report(
    run_dir: Path = typer.Argument(..., help="a finished run directory"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="HTML file (default: RUN_DIR/report.html)"),
    threads: Optional[int] = typer.Option(None, "--threads", help="CPU threads (default: GRAPHGUARD_THREADS or all)"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Write the self-contained HTML report of a run (opens offline, no external files)."""
    from graphguard.report import write_report
    from graphguard.utils.threads import set_threads

    _console.set_quiet(quiet)
    set_threads(threads)
    typer.echo(str(write_report(run_dir, out)))


def explain(
    run_dir: Path = typer.Argument(..., help="a finished run directory"),
    node: str = typer.Option(..., "--node", "-n", help="node id as the input data named it"),
    top: int = typer.Option(10, "--top", "-k", min=1, max=100, help="how many contributions to show"),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of text"),
    threads: Optional[int] = typer.Option(None, "--threads", help="CPU threads (default: GRAPHGUARD_THREADS or all)"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Say why a node scored as it did: feature contributions and important neighbours."""
    from graphguard.explain import explain_node, format_explanation
    from graphguard.utils.serialization import strict_json
    from graphguard.utils.threads import set_threads

    _console.set_quiet(quiet)
    set_threads(threads)
    e = explain_node(run_dir, node, top=top)
    typer.echo(strict_json(e, indent=2) if as_json else format_explanation(e))


def serve(
    run_dir: Path = typer.Argument(..., help="a finished run directory"),
    host: str = typer.Option("127.0.0.1", "--host", help="address to bind (0.0.0.0 exposes it to the network)"),
    port: int = typer.Option(8080, "--port", "-p"),
    api_key: Optional[str] = typer.Option(None, "--api-key", envvar="GRAPHGUARD_API_KEY", show_envvar=True,
                                          help="require this key in the X-API-Key header (prefer the environment variable: a command-line key shows in the process list)"),
    workers: int = typer.Option(1, "--workers", min=1, max=64,
                                help="worker processes (each loads the model; more throughput under concurrency)"),
    threads: Optional[int] = typer.Option(None, "--threads"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no access log"),
) -> None:
    """Serve the run's model over HTTP (FastAPI on uvicorn); OpenAPI docs at /docs."""
    import uvicorn

    from graphguard.serve.app import check_port, create_app
    from graphguard.utils.threads import set_threads

    check_port(host, port)
    set_threads(threads)
    auth = "required (X-API-Key header)" if api_key else "not required"
    log_level = "warning" if quiet else "info"
    if workers == 1:
        app = create_app(run_dir, api_key=api_key or None)
        os.environ.pop("GRAPHGUARD_API_KEY", None)  # nothing downstream needs it; keep it out of child processes
        typer.echo(f"serving {run_dir} on http://{host}:{port} (docs: /docs; API key {auth})", err=True)
        uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=not quiet)
        return
    from graphguard.serve.app import load_served

    load_served(run_dir)  # fail here, in one line, before any worker starts
    os.environ["GRAPHGUARD_SERVE_RUN_DIR"] = str(Path(run_dir).resolve())
    if api_key:
        os.environ["GRAPHGUARD_API_KEY"] = api_key  # the workers read it from their environment
    else:
        os.environ.pop("GRAPHGUARD_API_KEY", None)
    os.environ.setdefault("GRAPHGUARD_THREADS", str(threads or 1))
    typer.echo(f"serving {run_dir} on http://{host}:{port} with {workers} workers (docs: /docs; API key {auth})",
               err=True)
    uvicorn.run("graphguard.serve.app:app_from_env", factory=True, workers=workers, host=host, port=port,
                log_level=log_level, access_log=not quiet)
