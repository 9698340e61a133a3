"""``graphguard generate``: large generated fraud graphs for benchmarks and scale tests."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from graphguard import _console


def generate(
    nodes: int = typer.Option(..., "--nodes", help="Number of nodes (80% accounts, 10% merchants, 10% devices)."),
    edges: int = typer.Option(..., "--edges", help="Number of edge records (transfers 60%, payments 30%, device use 10%)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder."),
    seed: int = typer.Option(0, "--seed", help="Random seed; the same seed gives the same files."),
    format: str = typer.Option("store", "--format", help="store (memory-mapped CSR), neptune (bulk-load CSV) or tables (Parquet)."),
    features: int = typer.Option(16, "--features", help="Feature columns of accounts (at least 2)."),
    fraud_ratio: float = typer.Option(0.02, "--fraud-ratio", help="Share of accounts that are fraudulent."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress output."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary on stdout: {out, format, num_nodes (per "
                                                        "type), num_edges, num_fraud, seed, seconds}."),
) -> None:
    """Generate a heterogeneous fraud graph (power-law degrees, communities, fraud rings, camouflage)."""
    from graphguard.data.generate import generate as run

    _console.set_quiet(quiet)
    s = run(out, nodes, edges, seed=seed, format=format, num_features=features, fraud_ratio=fraud_ratio)
    if json_out:  # the summary is the result: stdout, as other commands' --json (it was only a stderr line)
        print(json.dumps(s))
        return
    _console.log(f"wrote {s['num_edges']:,} edges and {sum(s['num_nodes'].values()):,} nodes "
                 f"({s['num_fraud']:,} fraudulent accounts) to {s['out']} as {s['format']} in {s['seconds']:.1f}s")


def ingest(
    path: Path = typer.Argument(..., help="Neptune CSV folder, or a folder with nodes/ and edges/ tables."),
    out: Path = typer.Option(..., "--out", "-o", help="Graph store folder to write."),
    format: str = typer.Option(None, "--format", help="neptune or tables (detected when left out)."),
    on_missing: str = typer.Option("drop", "--on-missing", help="drop: skip edges naming unknown nodes; error: stop."),
    directed: bool = typer.Option(False, "--directed", help="Store edges one way only (default: both directions)."),
    label: str = typer.Option(None, "--label", help="Label property (default: one called label or y); never a feature."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress output."),
    json_out: bool = typer.Option(False, "--json", help="Print the report on stdout: {out, source, node_rows, "
                                                        "edge_rows, edges_kept, edges_merged, edges_stored, missing, "
                                                        "missing_examples, seconds, edges_per_second, relations}."),
) -> None:
    """Ingest a big graph into a memory-mapped graph store (vectorised, rows/s progress)."""
    from graphguard.data.ingest import ingest as run

    _console.set_quiet(quiet)
    rep = run(path, out, format=format, on_missing=on_missing, undirected=not directed, label=label)
    if json_out:
        print(json.dumps({"out": str(out), "source": str(path), **rep.as_dict()}))
        return
    msg = (f"ingested {rep.edge_rows:,} edge rows ({rep.edges_per_second:,.0f}/s), kept {rep.edges_kept:,} edges "
           f"({rep.edges_stored:,} stored in {len(rep.relations)} relations)")
    if rep.edges_merged:
        msg += f", merged {rep.edges_merged:,} repeated rows into existing edges"
    if rep.missing:
        msg += f", dropped {rep.missing:,} naming missing nodes"
    _console.log(msg + f" -> {out}")
