"""``graphguard node ...`` and ``graphguard demo``: node-level fraud detection from the shell."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import numpy as np
import typer

from graphguard._console import console, log, set_quiet

app = typer.Typer(no_args_is_help=True, help="Node-level fraud / anomaly detection.")

DataOpt = typer.Option(..., "--data", help="Graph file or folder (npz, Neptune CSV, tables, YelpChi metadata.gz).")
FormatOpt = typer.Option(None, "--format", help="Input format; detected from the path when omitted.")
LabelOpt = typer.Option(None, "--label", help="Label property (Neptune CSV / tables).")
QuietOpt = typer.Option(False, "--quiet", "-q", help="No progress output.")
ThreadsOpt = typer.Option(None, "--threads", help="Threads for torch/xgboost/lightgbm (default: all cores).")


def _setup(quiet: bool, threads: Optional[int]) -> None:
    from graphguard.utils.threads import set_threads

    set_quiet(quiet)
    set_threads(threads)


GRAPH_LEVEL_FORMATS = ("tu", "smiles", "graphs")


def _load(data: Path, fmt: Optional[str], label: Optional[str], split: int | None = 0, in_place: bool = False):
    """The graph and its format; ``in_place``: a graph store keeps its edges in the store (no ``edge_index``)."""
    from graphguard.data import detect_format, load_graph
    from graphguard.errors import DataError

    fmt = fmt or detect_format(data)
    if fmt in GRAPH_LEVEL_FORMATS:  # a list of graphs has no nodes to score: it crashed on g.clone()
        raise DataError(data, f"holds separate graphs (a graph-level '{fmt}' dataset); node detection needs a single "
                              "graph (use graphguard graph train for graph classification)")
    kw = {}
    if label is not None:
        kw["label"] = label
    if fmt == "npz":
        kw["split"] = split
    if fmt == "store" and in_place:
        kw["edge_index"] = False  # memory maps only: DDP ranks share the store's pages
    return load_graph(data, fmt, **kw), fmt


def _scores(det, g, data: Path):
    """``det``'s scores of ``g``; a mismatch with the fitted model names the data file, not 'predict'."""
    from graphguard.errors import naming

    with naming(data, "predict"):
        return det.decision_function(g)


def _params(params: Optional[str]) -> dict:
    from graphguard.errors import ConfigError

    if not params:
        return {}
    try:
        out = json.loads(params)
    except json.JSONDecodeError as e:
        raise ConfigError(f"--params is not valid JSON ({e.msg} at column {e.colno})") from None
    if not isinstance(out, dict):
        raise ConfigError("--params must be a JSON object, e.g. '{\"hidden\": 64}'")
    return out


def _apply_masks(g, masks: str, seed_trial: int, source):
    from graphguard.data import copy_graph, set_masks, target_store
    from graphguard.tasks.node.protocol import ProtocolConfig, trial_masks

    if masks == "dataset":
        if "train_mask" not in target_store(g):
            from graphguard.errors import DataError

            raise DataError(source, "--masks dataset, but the data carries no split masks")
        return g
    if masks not in ("full", "semi"):
        from graphguard.errors import ConfigError

        raise ConfigError(f"unknown --masks '{masks}' (use 'dataset', 'full' or 'semi')")
    # the split `node bench` draws in its first trial, so that train, evaluate and bench agree per dataset
    split, ratios = _bench_split(masks, "gadbench", None, Path(source), g)
    cfg = ProtocolConfig(protocol=masks, **_split_fields(split, ratios, "gadbench", source))
    import copy

    from graphguard.train.csc import store_backed

    # a store-backed graph (no edge_index) is copied shallowly: new masks, the store's maps shared
    new = copy.copy(g) if store_backed(g) else copy_graph(g)
    return set_masks(new, *trial_masks(g, cfg, seed_trial, source))


AugmentConfigOpt = typer.Option(None, "--augment-config",
                                help="JSON or YAML file of the augmenter's options (GODMConfig fields for godm).")


def _augment_options(path: Optional[Path], name: Optional[str]) -> dict:
    if path is None:
        return {}
    if not name:
        from graphguard.errors import ConfigError

        raise ConfigError("--augment-config needs --augment NAME (the augmenter whose options it holds)")
    from graphguard.cli_augment import _read_config

    return _read_config(path, f"options for augmentation '{name}'")


@app.command()
def train(
    data: Path = DataOpt,
    model: str = typer.Option("graphgbm-stack", "--model", help="Detector name (see `graphguard node models`; the default is the recommended one)."),
    out: Path = typer.Option(..., "--out", "-o", help="Directory for the fitted model (safetensors + JSON)."),
    fmt: Optional[str] = FormatOpt,
    label: Optional[str] = LabelOpt,
    masks: str = typer.Option("dataset", "--masks", help="'dataset' (the file's masks), 'full' or 'semi' (GADBench's split for the "
                                                                 "dataset, as `node bench` draws it in trial 0)."),
    seed: int = typer.Option(0, "--seed"),
    params: Optional[str] = typer.Option(None, "--params", help="Detector hyperparameters as JSON."),
    augment: Optional[str] = typer.Option(
        None, "--augment", help="Augment the training split first: godm, godm-inbound, godm-connected, "
                                "godm-disconnected, oversample or smote."),
    augment_config: Optional[Path] = AugmentConfigOpt,
    nproc: int = typer.Option(1, "--nproc", help="Data-parallel processes (torch.distributed, gloo) for GNN detectors."),
    json_out: bool = typer.Option(False, "--json", help="Print the metrics (also in OUT/metrics.json) as one JSON object."),
    quiet: bool = QuietOpt,
    threads: Optional[int] = ThreadsOpt,
):
    """Fit a detector on the labelled training nodes and save it."""
    from graphguard.utils.serialization import check_model_target

    check_model_target(out)  # a folder that is not a model is refused before the fit, not after
    if nproc > 1:
        from graphguard.errors import ConfigError
        from graphguard.tasks.node.registry import detector_class
        from graphguard.train.ddp import launch_cli

        if not detector_class(model).data_parallel:  # trees would fit the same model in every rank
            raise ConfigError(f"--nproc applies to GNN detectors; '{model}' trains in one process (use --threads)")
        raise typer.Exit(launch_cli(nproc, sys.argv[1:]))  # launch_cli drops --nproc itself
    _setup(quiet, threads)
    options = _augment_options(augment_config, augment)  # a bad config fails before the data loads
    from graphguard.metrics import node_metrics
    from graphguard.tasks.node import make_detector
    from graphguard.train.csc import with_edge_index

    det = make_detector(model, seed=seed, **_params(params))
    # a store is read in place by the detectors that can (GNNs: their sampler reads the store's
    # CSR memory maps, shared by DDP ranks); the others get edge_index materialised from it
    g, _ = _load(data, fmt, label, in_place=det.reads_store and not augment)
    if not det.reads_store or augment:
        g = with_edge_index(g)
    g = _apply_masks(g, masks, 0, data)
    real = g  # with --augment the detector trains on the augmented graph and is scored on the real one
    if augment:
        from graphguard.augment import augment_graph

        g = augment_graph(g, augment, seed=seed, **options)
    det.fit(g, source=data)
    det.save(out)
    from graphguard.train.ddp import is_main_process

    if not is_main_process():  # under DDP only rank 0 saves the model, so only it scores and writes metrics
        return
    from graphguard.data import target_store

    s = target_store(real)
    n_real = s.num_nodes
    report = {"model": model, "fit_seconds": det.fit_seconds_, "threshold": det.threshold_}
    if augment:
        report["augment"] = {"name": augment, "synthetic_nodes": int(target_store(g).num_nodes) - n_real}
    scores = det.decision_function(real)
    for split in ("val", "test"):
        m = s.get(f"{split}_mask")
        if m is not None and m.any() and np.unique(s.y[m].numpy()).size == 2:
            report[split] = node_metrics(s.y[m].numpy(), scores[: n_real][m.numpy()], model=f"{model} fitted for {out}")
    from graphguard.utils.serialization import strict_json

    (Path(out) / "metrics.json").write_text(strict_json(report, indent=2))  # undefined metrics as null
    if json_out:
        print(strict_json(report))
    else:  # the result goes to stdout, as every command's does; it was on stderr and gone with -q
        from rich.console import Console

        Console().print_json(strict_json(report))


@app.command()
def evaluate(
    data: Path = DataOpt,
    model_dir: Path = typer.Option(..., "--model-dir", help="A directory written by `node train`."),
    fmt: Optional[str] = FormatOpt,
    label: Optional[str] = LabelOpt,
    masks: str = typer.Option("dataset", "--masks", help="'dataset' (the file's masks), or 'full' / 'semi': the "
                                                         "GADBench split that `node train --masks` used."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
    quiet: bool = QuietOpt,
    threads: Optional[int] = ThreadsOpt,
):
    """Score the test nodes of a graph with a saved detector: AUROC, AUPRC, Recall@K."""
    _setup(quiet, threads)
    from graphguard.data import target_store
    from graphguard.errors import DataError
    from graphguard.metrics import node_metrics
    from graphguard.tasks.node import load_detector
    from graphguard.utils.serialization import strict_json

    det = load_detector(model_dir)
    g, _ = _load(data, fmt, label, in_place=det.reads_store)  # a GNN scores a store from its maps, as in train
    if masks != "dataset":
        g = _apply_masks(g, masks, 0, data)  # trial 0, as `node train --masks` uses: the same test nodes
    s = target_store(g)
    if "test_mask" not in s or "y" not in s:
        raise DataError(data, "evaluation needs labels and a test_mask (use --masks full|semi for data without a split)")
    scores = _scores(det, g, data)
    test = s.test_mask.numpy()
    res = node_metrics(s.y.numpy()[test], scores[test], model=str(model_dir))
    if json_out:
        print(strict_json(res))
    else:
        _table({"test": res})


@app.command()
def predict(
    data: Path = DataOpt,
    model_dir: Path = typer.Option(..., "--model-dir"),
    out: Path = typer.Option(..., "--out", "-o", help="Output CSV (id, score, label); Neptune CSV properties for Neptune input."),
    fmt: Optional[str] = FormatOpt,
    label: Optional[str] = LabelOpt,
    quiet: bool = QuietOpt,
    threads: Optional[int] = ThreadsOpt,
):
    """Score every target node and write the scores and predicted labels."""
    _setup(quiet, threads)
    from graphguard.data import target_store, target_type
    from graphguard.errors import DataError
    from graphguard.tasks.node import load_detector

    det = load_detector(model_dir)
    g, fmt = _load(data, fmt, label, in_place=det.reads_store)
    scores = _scores(det, g, data)
    labels = (scores >= det.threshold_).astype(int)
    s = target_store(g)
    ids = np.asarray(s.node_id) if "node_id" in s else np.arange(len(scores)).astype(str)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "neptune":
            from graphguard.data.neptune import write_neptune_predictions

            write_neptune_predictions(ids, scores, labels, out, vertex_label=target_type(g) or "node")
        else:
            import pandas as pd

            pd.DataFrame({"id": ids, "score": scores, "label": labels}).to_csv(out, index=False)
    except OSError as e:  # an unwritable place: one line, after the work, naming where
        raise DataError(out, f"cannot write the predictions ({e.strerror or type(e).__name__})") from None
    log(f"wrote {len(scores)} predictions to {out}")


@app.command()
def models(quiet: bool = typer.Option(False, "--quiet", "-q", help="Accepted like everywhere; the list is the output."),
           json_out: bool = typer.Option(False, "--json", help="Print a list of {name, default, family, class, "
                                                               "description, view, reads_relations, nproc, "
                                                               "reads_store, needs_features}.")):
    """List the detector names."""
    from graphguard.tasks.node.registry import DEFAULT_DETECTOR, DETECTORS, detector_summary

    if json_out:
        print(json.dumps([detector_summary(name) for name in DETECTORS], indent=2))
        return
    for name in DETECTORS:
        print(name + (" (default)" if name == DEFAULT_DETECTOR else ""))


@app.command()
def bench(
    data: Path = DataOpt,
    models_: Optional[str] = typer.Option(None, "--models", help="Comma-separated detectors (default: the recommended one)."),
    protocol: str = typer.Option("full", "--protocol", help="'full' (stratified) or 'semi' (20+80 labels)."),
    trials: int = typer.Option(10, "--trials"),
    masks: str = typer.Option("gadbench", "--masks", help="'gadbench' splits (the dataset's as GADBench runs it), "
                                                          "or the 'dataset' masks (split i per trial)."),
    ratios: Optional[str] = typer.Option(
        None, "--ratios", help="Stratified train/val/test ratios of the full protocol, drawn per trial. Default: "
                               "GADBench's split for the dataset, recognised by its file or folder name: the "
                               "official one (the same in every trial) for Amazon, YelpChi, Elliptic and "
                               "DGraph-Fin, else 0.5,0.25,0.25 for Tolokers and Questions and 0.4,0.2,0.4."),
    fmt: Optional[str] = FormatOpt,
    label: Optional[str] = LabelOpt,
    augment: Optional[str] = typer.Option(
        None, "--augment", help="Augment each trial's training split: godm, godm-inbound, godm-connected, "
                                "godm-disconnected, oversample or smote."),
    augment_config: Optional[Path] = AugmentConfigOpt,
    json_out: bool = typer.Option(False, "--json", help="Print the JSON contract on stdout."),
    quiet: bool = QuietOpt,
    threads: Optional[int] = ThreadsOpt,
):
    """Run the GADBench protocol: mean ± std of AUROC, AUPRC and Rec@K over trials."""
    _setup(quiet or json_out and not sys.stderr.isatty(), threads)
    import dataclasses

    from graphguard.data.splits import DEFAULT_RATIOS
    from graphguard.errors import ConfigError
    from graphguard.tasks.node.protocol import ProtocolConfig, contract, run_protocol
    from graphguard.tasks.node.registry import DEFAULT_DETECTOR, detector_class
    from graphguard.utils.serialization import strict_json

    names = [m.strip() for m in (models_ or DEFAULT_DETECTOR).split(",") if m.strip()]
    for n in names:
        detector_class(n)
    asked = _bench_ratios(ratios) if ratios else None
    cfg = ProtocolConfig(protocol=protocol, trials=trials, masks=masks, ratios=asked or DEFAULT_RATIOS, augment=augment,
                         augment_options=_augment_options(augment_config, augment))
    if masks not in ("gadbench", "dataset"):
        raise ConfigError(f"unknown --masks '{masks}' (use 'gadbench' or 'dataset')")
    base, fmt = _load(data, fmt, label)
    split, r = _bench_split(protocol, masks, asked, data, base)
    cfg = dataclasses.replace(cfg, **_split_fields(split, r, masks, data))
    log(_SPLIT_LOG[split].format(ratios="/".join(f"{100 * v:g}" for v in r or ()),
                                 whose="" if ratios else " (GADBench's for this dataset)"))
    cache = {0: base}

    def graph_for_trial(t):
        if masks == "dataset" and t not in cache:
            cache[t] = _load(data, fmt, label, split=t)[0]
        return cache.get(t, base) if masks == "dataset" else base

    res = contract(run_protocol(graph_for_trial, names, cfg, source=data))
    for row in res.values():
        row["split"] = split
        if r:
            row["ratios"] = list(r)
    if json_out:
        print(strict_json(res))
    else:
        _table(res)


_SPLIT_LOG = {
    "stratified": "train/val/test split {ratios}{whose}, stratified, drawn per trial",
    "official-file": "GADBench's official split: the data's own masks (split 0) in every trial",
    "official-dgl": "GADBench's official split: DGL's seed-717 {ratios} split in every trial",
    "dataset": "the data's own split i in trial i",
    "semi": "semi-supervised split: 20 + 80 labels each for training and validation, drawn per trial",
}


def _bench_split(protocol: str, masks: str, ratios: tuple | None, data: Path, g):
    """Which split ``node bench`` uses, as its JSON rows name it, and its ratios (``None`` when no ratios
    define it). By default the full protocol follows GADBench: the official split of Amazon, YelpChi,
    Elliptic and DGraph-Fin, a stratified split of the dataset's ratios for the others; ``--ratios``
    asks for a stratified split of those ratios on any dataset."""
    from graphguard.data import target_store
    from graphguard.data.splits import DGL_FRAUD_FIRST_NODE, DGL_FRAUD_RATIOS, gadbench_dataset, gadbench_full_split, \
        gadbench_ratios
    from graphguard.errors import DataError
    from graphguard.tasks.node.protocol import no_official_split

    has_masks = "train_mask" in target_store(g)
    if masks == "dataset":
        if not has_masks:
            raise DataError(data, "--masks dataset, but the data carries no split masks")
        return "dataset", None
    if protocol == "semi":
        return "semi", None
    if ratios is None and gadbench_full_split(data) == "official":
        if has_masks:
            return "official-file", None
        if gadbench_dataset(data) not in DGL_FRAUD_FIRST_NODE:
            raise no_official_split(gadbench_dataset(data), data)
        return "official-dgl", DGL_FRAUD_RATIOS
    return "stratified", ratios or gadbench_ratios(data)


def _split_fields(split: str, ratios: tuple | None, masks: str, data) -> dict:
    """The ``ProtocolConfig`` fields of a split :func:`_bench_split` chose: an official one is rebuilt per
    dataset, the others keep ``masks`` ('gadbench' or 'dataset')."""
    from graphguard.data.splits import DEFAULT_RATIOS, gadbench_dataset

    return {"masks": "official" if split.startswith("official") else masks,
            "ratios": ratios or DEFAULT_RATIOS, "dataset": gadbench_dataset(data)}


def _bench_ratios(ratios: str) -> tuple[float, float, float]:
    """``--ratios`` as three numbers."""
    from graphguard.errors import ConfigError

    try:
        r = tuple(float(v) for v in ratios.split(","))
        assert len(r) == 3
    except (ValueError, AssertionError):
        raise ConfigError(f"--ratios must be three numbers like 0.5,0.25,0.25, got '{ratios}'") from None
    return r


def _table(res: dict) -> None:
    from rich.table import Table

    t = Table(title="GADBench protocol" if len(res) else None)
    t.add_column("model")
    for c in ("AUROC", "AUPRC", "Rec@K", "fit s"):
        t.add_column(c, justify="right")
    for name, r in res.items():
        def cell(m):
            return f"{r[m]:.4f}" + (f" ± {r[m + '_std']:.4f}" if m + "_std" in r else "")
        t.add_row(name, cell("auroc"), cell("auprc"), cell("rec_at_k"),
                  f"{r['fit_seconds']:.1f}" if "fit_seconds" in r else "")
    from rich.console import Console

    Console().print(t)


def demo(
    data: Optional[Path] = typer.Option(None, "--data", help="Tolokers npz (default: found under $GRAPHGUARD_DATA or ../shared/data)."),
    out: Path = typer.Option(Path("graphguard-demo"), "--out", "-o", help="Where the model, predictions and report go."),
    trials: int = typer.Option(3, "--trials", help="GADBench trials per detector."),
    quiet: bool = QuietOpt,
    threads: Optional[int] = ThreadsOpt,
):
    """The README's main job: benchmark the default detector against references, then train, save and report."""
    _setup(quiet, threads)
    from graphguard.demo import run_demo

    run_demo(data, out, trials)
