"""``graphguard augment``: add GODM-generated anomalies to a graph and write it back in its own format."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from graphguard._console import log, set_quiet
from graphguard.errors import DataError, naming


def _check_labelled(graph, data, fmt: str, label_property: str | None) -> None:
    """GODM generates one class: data read without labels is refused here, with the option that names
    them, rather than inside the fit (a Neptune export's label property is often not called ``label``)."""
    from graphguard.data import target_store

    if "y" in target_store(graph):
        return
    hint = "" if label_property or fmt == "npz" else " (name the label property with --label-property, e.g. is_fraud)"
    raise DataError(data, f"no node labels to condition GODM on{hint}")


def _writes_npz(graph, fmt: str) -> bool:
    """npz for homogeneous npz input; everything else is written as Neptune CSV."""
    from graphguard.data.graph import is_hetero

    return fmt == "npz" and not is_hetero(graph)


def _target_path(out: Path, as_npz: bool) -> Path:
    """Where the output really lands: numpy appends ``.npz`` to a name without it."""
    return out if not as_npz or out.suffix == ".npz" else out.with_name(out.name + ".npz")


def _report_path(out: Path) -> Path:
    return Path(str(out) + ".report.png")


def _check_out(out: Path, data: Path, force: bool) -> None:
    """Never write into the input, and never over an earlier output unless asked (``--force``)."""
    o, d = out.resolve(), data.resolve()
    if o == d or d in o.parents or o in d.parents:
        raise DataError(out, f"--out must not be the input {data}, lie inside it or contain it")
    taken = out.is_file() or (out.is_dir() and any(out.iterdir()))
    if taken and not force:
        raise DataError(out, "already exists; choose another --out or pass --force to replace it")
    if taken and out.is_dir() and not _is_neptune_output(out):
        raise DataError(out, "holds files other than an earlier Neptune CSV output (vertices_*/edges_*.csv), "
                             "so --force will not delete it; choose another --out")


def _check_apart(paths: dict[str, Optional[Path]]) -> None:
    """No two paths of this run may be the same or lie one inside the other.

    Checked before the fit: the model is saved after it, so a clash found then would waste the training.
    """
    given = [(name, p, p.resolve()) for name, p in paths.items() if p is not None]
    for i, (name, path, real) in enumerate(given):
        for other, other_path, other_real in given[:i]:
            if real == other_real or real in other_real.parents or other_real in real.parents:
                raise DataError(path, f"{name} must not be {other} {other_path}, lie inside it or contain it")


def _is_neptune_output(folder: Path) -> bool:
    """Whether ``folder`` holds only the files ``write_neptune`` writes, the only folder --force may replace."""
    return all(p.is_file() and p.name.startswith(("vertices_", "edges_")) and p.name.endswith((".csv", ".csv.gz"))
               for p in folder.iterdir())


def _write(graph, as_npz: bool, out: Path) -> Path:
    if as_npz:
        from graphguard.data.npz import write_npz

        return write_npz(graph, out)
    import shutil

    from graphguard.data.neptune import write_neptune

    if out.is_dir():  # --force: old files of other node types or relations must not linger
        shutil.rmtree(out)
    elif out.exists():
        out.unlink()
    write_neptune(graph, out)
    return out


def _read_config(path: Path, what: str = "GODM options") -> dict:
    """A mapping of options from a JSON or YAML file; ``what`` names them in the one-line error."""
    import yaml

    if not path.is_file():
        raise DataError(path, "config file not found")
    try:
        d = yaml.safe_load(path.read_text())  # YAML is a superset of JSON
    except yaml.YAMLError as e:
        raise DataError(path, f"not valid JSON/YAML ({str(e).splitlines()[0]})") from None
    if not isinstance(d, dict):
        raise DataError(path, f"must hold a mapping of {what}")
    return d


def augment(
    data: Path = typer.Option(..., "--data", help="Input graph (npz file or Neptune CSV folder, any readable format)."),
    out: Path = typer.Option(..., "--out", "-o", help="Where to write the augmented graph (same format as the input)."),
    ratio: float = typer.Option(1.0, "--ratio", help="Synthetic nodes per training node of the label."),
    label: int = typer.Option(1, "--class", help="Class to generate (1 = fraud)."),
    label_old: Optional[int] = typer.Option(
        None, "--label", hidden=True, help="The old name of --class (elsewhere --label names the label property)."),
    label_property: Optional[str] = typer.Option(
        None, "--label-property", help="Label property of a Neptune CSV / tables input (as `node train --label`)."),
    report: bool = typer.Option(False, "--report", help="Also draw real-vs-synthetic plots (<out>.report.png)."),
    fmt: Optional[str] = typer.Option(None, "--format", help="Input format (detected when omitted)."),
    epochs: Optional[int] = typer.Option(None, "--epochs", help="VAE epochs (default from GODMConfig)."),
    diff_steps: Optional[int] = typer.Option(None, "--diff-steps", help="Diffusion optimiser steps."),
    merge: Optional[str] = typer.Option(
        None, "--merge", help="'connected' (wired into the graph both ways), 'inbound' (no edge from a synthetic "
                              "node to a real target node, so those keep their neighbourhoods; the default, "
                              "except for Neptune CSV output, which gets 'connected') or 'disconnected'."),
    config: Optional[Path] = typer.Option(None, "--config", help="JSON or YAML file of GODMConfig options."),
    seed: int = typer.Option(0, "--seed", help="Random seed (a fixed seed reproduces the output)."),
    checkpoint: Optional[Path] = typer.Option(None, "--checkpoint", help="Folder for resumable training state."),
    model_dir: Optional[Path] = typer.Option(None, "--save-model", help="Save the fitted GODM model here."),
    force: bool = typer.Option(False, "--force", help="Replace an existing --out."),
    threads: Optional[int] = typer.Option(None, "--threads", help="CPU threads (default: $GRAPHGUARD_THREADS or all)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress output."),
) -> None:
    """Fit GODM on a labelled graph and write it with synthetic anomalies added (marked is_synthetic)."""
    from graphguard.utils.threads import set_threads

    set_quiet(quiet)
    set_threads(threads)
    label = label if label_old is None else label_old
    from graphguard.augment.godm import GODM
    from graphguard.augment.report import draw_report, synthetic_count
    from graphguard.data.io import detect_format, load_graph

    if label not in (0, 1):
        raise DataError("--class", f"must be 0 or 1, got {label}")
    if model_dir:
        from graphguard.utils.serialization import check_model_target

        check_model_target(model_dir)  # before reading the graph and the fit, which takes minutes
    fmt = fmt or detect_format(data)
    graph = load_graph(data, format=fmt, **({"label": label_property} if label_property else {}))
    _check_labelled(graph, data, fmt, label_property)
    opts = _read_config(config) if config else {}
    opts.update({"ratio": ratio, "seed": seed, **({"merge": merge} if merge else {})})
    if epochs is not None:
        opts["epochs"] = epochs
    if diff_steps is not None:
        opts["diff_steps"] = diff_steps
    as_npz = _writes_npz(graph, fmt)
    if not as_npz and "merge" not in opts:
        opts["merge"] = "connected"  # the default inbound merge is directed; Neptune CSV is read back undirected
        log("Neptune CSV output: merge=connected (an inbound merge cannot be stored there)")
    out = _target_path(out, as_npz)
    _check_out(out, data, force)
    _check_apart({"--data": data, "--out": out, "--save-model": model_dir, "--checkpoint": checkpoint,
                  "the --report image": _report_path(out) if report else None})
    model = GODM(checkpoint_dir=checkpoint, **opts)
    if model.config.merge == "inbound" and not as_npz:
        raise DataError(out, "--merge inbound cannot be written as Neptune CSV (reading it back mirrors every "
                             "edge); write npz, or train in memory with --augment godm-inbound")
    with naming(data, "graph", "augment", "<graph>"):
        model.fit(graph)
        augmented = model.augment(graph, label=label)
    written = _write(augmented, as_npz, out)
    if model_dir:
        model.save(model_dir)
    summary = {"out": str(written), "format": "npz" if as_npz else "neptune", "input_format": fmt,
               "synthetic_nodes": synthetic_count(augmented)}
    if report:
        summary["report"] = str(draw_report(augmented, _report_path(out), label=label))
    log(f"added {summary['synthetic_nodes']} synthetic nodes of class {label}")
    from graphguard.utils.serialization import strict_json

    typer.echo(strict_json(summary))
