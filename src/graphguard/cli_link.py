"""``graphguard link``: train, evaluate, predict, repurpose and bench (mirrors ``graphguard.tasks.link``).

JSON contracts (stdout, with ``--json``):

* ``bench`` on a triples folder: ``{"mrr", "hits@1", "hits@3", "hits@10", "train_seconds"}``;
  on a drug-repositioning folder with ``--folds``: ``{"auroc", "aupr", "auroc_std", "aupr_std"}``.
* ``train``: ``{"model_dir", "train_seconds", "valid": {...}, "test": {...}}``.
* ``evaluate``: ``{"mrr", "hits@1", "hits@3", "hits@10", "mean_rank"}``.
* ``predict``: ``{"query": {...}, "predictions": [{"entity", "score", "known"}]}``.
* ``repurpose``: ``{"disease", "candidates": [{"drug", "score", "known", "evidence"}]}``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer

from graphguard import _console
from graphguard.errors import ConfigError, DataError

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)

METRIC_KEYS = ("mrr", "hits@1", "hits@3", "hits@10")


def _setup(quiet: bool, threads: Optional[int]) -> None:
    from graphguard.utils import set_threads

    _console.set_quiet(quiet)
    set_threads(threads)


def _emit(obj, as_json: bool, table=None) -> None:
    """``obj`` as JSON (undefined numbers as ``null``), or as ``table`` prints it."""
    from graphguard.utils.serialization import strict_json

    if as_json:
        typer.echo(strict_json(obj))
    elif table is not None:
        table()
    else:
        typer.echo(strict_json(obj, indent=2))


def _is_drugrepo(path: Path) -> bool:
    return path.is_dir() and (path / "DiDrAMat").is_file()


def _load_triples(data: Path, fmt: Optional[str]):
    from graphguard.data.io import detect_format, load_graph
    from graphguard.data.triples import TripleSet, archive_in, load_triples

    if not data.exists():
        raise DataError(data, "file or folder not found")
    if fmt is None and data.is_dir() and not (data / "train.txt").is_file() and archive_in(data) is not None:
        fmt = "triples"  # a folder holding one triples archive, e.g. umls/umls.tar.gz
    fmt = fmt or detect_format(data)
    if fmt == "triples":
        return load_triples(data)
    return TripleSet.from_graph(load_graph(data, format=fmt), source=str(data))


def _estimator(model, dim, epochs, training, loss, negatives, lr, batch_size, sampler, regularizer, reg_weight,
               encoder, seed, num_neighbors=None, full_batch_max_edges=None, sparse_entities=False):
    from graphguard.tasks.link import LinkPredictor
    from graphguard.tasks.link.estimator import FULL_BATCH_MAX_EDGES

    return LinkPredictor(model, dim=dim, epochs=epochs, training=training, loss=loss, num_negatives=negatives, lr=lr,
                         batch_size=batch_size, sampler=sampler, regularizer=regularizer, reg_weight=reg_weight,
                         encoder=encoder, num_neighbors=num_neighbors, seed=seed, sparse_entities=sparse_entities,
                         full_batch_max_edges=FULL_BATCH_MAX_EDGES if full_batch_max_edges is None
                         else full_batch_max_edges)


NEIGHBORS_HELP = "rgcn: fanout per encoder layer when sampling, e.g. 10,10 (-1 = all)."
SPARSE_HELP = "rgcn, sampled: update only the sampled entity rows (SparseAdam; pays off above ~1M entities)."
FULL_BATCH_HELP = "rgcn: sample neighbourhoods (slcwa) above this many message edges (2 x triples); 0 = always."


MODEL_HELP = "transe | distmult | complex | rotate | tucker"


@app.command()
def train(
    data: Path = typer.Option(..., "--data", help="Triples folder/archive (train/valid/test.txt) or any graph."),
    out: Path = typer.Option(..., "--out", "-o", help="Directory to save the model (config.json + weights.safetensors)."),
    model: str = typer.Option("complex", help=MODEL_HELP),
    dim: Optional[int] = typer.Option(None, help="Embedding size (default: the model's preset)."),
    epochs: Optional[int] = typer.Option(None),
    training: Optional[str] = typer.Option(None, help="slcwa | lcwa | 1vsall"),
    loss: Optional[str] = typer.Option(None, help="nssa | softplus | margin | bce (slcwa)"),
    negatives: Optional[int] = typer.Option(None, help="Negatives per positive (slcwa)."),
    lr: Optional[float] = typer.Option(None),
    batch_size: Optional[int] = typer.Option(None),
    sampler: Optional[str] = typer.Option(None, help="uniform | bernoulli"),
    regularizer: Optional[str] = typer.Option(None, help="n3 | l2 | none"),
    reg_weight: Optional[float] = typer.Option(None),
    encoder: Optional[str] = typer.Option(None, help="rgcn: a GNN encoder in front of the scorer."),
    num_neighbors: Optional[str] = typer.Option(None, "--num-neighbors", help=NEIGHBORS_HELP),
    full_batch_max_edges: Optional[int] = typer.Option(None, "--full-batch-max-edges", help=FULL_BATCH_HELP),
    sparse_entities: bool = typer.Option(False, "--sparse-entities", help=SPARSE_HELP),
    format: Optional[str] = typer.Option(None, "--format", help="Force the input format."),
    seed: int = typer.Option(0),
    threads: Optional[int] = typer.Option(None),
    as_json: bool = typer.Option(False, "--json"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
):
    """Train a knowledge-graph embedding model and save it with its vocabularies."""
    from graphguard.utils.serialization import check_model_target

    _setup(quiet, threads)
    check_model_target(out)  # a folder that is not a model is refused before the fit, not after
    ts = _load_triples(data, format)
    est = _estimator(model, dim, epochs, training, loss, negatives, lr, batch_size, sampler, regularizer, reg_weight,
                     encoder, seed, num_neighbors, full_batch_max_edges, sparse_entities).fit(ts)
    est.save(out)
    res = {"model_dir": str(out), "train_seconds": est.train_seconds_}
    for split in ("valid", "test"):
        if len(ts.split(split)):
            res[split] = est.evaluate(ts, split)
    _emit(res, as_json)


@app.command()
def evaluate(
    model_dir: Path = typer.Option(..., "--model-dir"),
    data: Path = typer.Option(..., "--data"),
    split: str = typer.Option("test", help="train | valid | test"),
    raw: bool = typer.Option(False, "--raw", help="Unfiltered ranks (known triples stay as competitors)."),
    format: Optional[str] = typer.Option(None, "--format"),
    threads: Optional[int] = typer.Option(None),
    as_json: bool = typer.Option(False, "--json"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
):
    """Filtered MRR and Hits@1/3/10 (both sides, realistic ranks) of a saved model on a split."""
    from graphguard.tasks.link import LinkPredictor

    _setup(quiet, threads)
    est = LinkPredictor.load(model_dir)
    _emit(est.evaluate(_load_triples(data, format), split, filtered=not raw), as_json)


@app.command()
def predict(
    model_dir: Path = typer.Option(..., "--model-dir"),
    relation: str = typer.Option(..., "--relation"),
    head: Optional[str] = typer.Option(None, "--head", help="Answer (head, relation, ?)."),
    tail: Optional[str] = typer.Option(None, "--tail", help="Answer (?, relation, tail)."),
    top: int = typer.Option(10, "--top", "-k"),
    include_known: bool = typer.Option(False, "--include-known", help="Keep answers that are already known triples."),
    threads: Optional[int] = typer.Option(None),
    as_json: bool = typer.Option(False, "--json"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
):
    """Top-k answers to (h, r, ?) or (?, r, t), known links excluded unless asked for."""
    from graphguard.tasks.link import LinkPredictor

    _setup(quiet, threads)
    est = LinkPredictor.load(model_dir)
    preds = est.predict(head=head, relation=relation, tail=tail, k=top, include_known=include_known)
    res = {"query": {"head": head, "relation": relation, "tail": tail}, "predictions": preds}

    def table():
        for p in preds:
            typer.echo(f"{p['score']:10.4f}  {p['entity']}{'  (known)' if p['known'] else ''}")

    _emit(res, as_json, table)


@app.command()
def repurpose(
    disease: str = typer.Option(..., "--disease", help="Disease id, e.g. D102100."),
    data: Optional[Path] = typer.Option(None, "--data", help="Drug-repositioning folder (Fdataset layout)."),
    model_dir: Optional[Path] = typer.Option(None, "--model-dir", help="A saved DrugRepurposer instead of --data."),
    top: int = typer.Option(20, "--top", "-k"),
    include_known: bool = typer.Option(False, "--include-known"),
    save: Optional[Path] = typer.Option(None, "--save-model", help="Save the fitted model here (as `augment --save-model`)."),
    save_old: Optional[Path] = typer.Option(None, "--save", hidden=True, help="The old name of --save-model."),
    threads: Optional[int] = typer.Option(None),
    as_json: bool = typer.Option(False, "--json"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
):
    """Candidate drugs for a disease, each with the nearest known indications and connecting paths."""
    from graphguard.tasks.link.drugrepo import DrugRepurposer

    _setup(quiet, threads)
    save = save or save_old
    if (data is None) == (model_dir is None):
        raise ConfigError("give exactly one of --data or --model-dir")
    if save:
        from graphguard.utils.serialization import check_model_target

        check_model_target(save)
    est = DrugRepurposer.load(model_dir) if model_dir else DrugRepurposer().fit(data)
    if save:
        est.save(save)
    cands = est.repurpose(disease, top=top, include_known=include_known)
    res = {"disease": disease, "candidates": cands}

    def table():
        for i, c in enumerate(cands, 1):
            ev = c["evidence"]
            typer.echo(f"{i:3d}. {c['drug']}  score {c['score']:.4f}{'  (known)' if c['known'] else ''}")
            for p in ev["paths"][:2]:
                typer.echo(f"       path: {p}")

    _emit(res, as_json, table)


@app.command()
def bench(
    data: Path = typer.Option(..., "--data", help="Triples folder/archive, or a drug-repositioning folder."),
    model: str = typer.Option("complex", help=MODEL_HELP),
    dim: Optional[int] = typer.Option(None),
    epochs: Optional[int] = typer.Option(None),
    training: Optional[str] = typer.Option(None),
    negatives: Optional[int] = typer.Option(None),
    encoder: Optional[str] = typer.Option(None),
    num_neighbors: Optional[str] = typer.Option(None, "--num-neighbors", help=NEIGHBORS_HELP),
    full_batch_max_edges: Optional[int] = typer.Option(None, "--full-batch-max-edges", help=FULL_BATCH_HELP),
    folds: int = typer.Option(10, help="Cross-validation folds (drug-repositioning folders)."),
    seed: int = typer.Option(0),
    threads: Optional[int] = typer.Option(None),
    as_json: bool = typer.Option(False, "--json"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
):
    """Train on train, select on valid, test on test; or the k-fold drug-repurposing protocol."""
    _setup(quiet, threads)
    if _is_drugrepo(data):
        from graphguard.tasks.link.drugrepo import cross_validate

        r = cross_validate(data, folds=folds, seed=seed)
        _emit({k: r[k] for k in ("auroc", "aupr", "auroc_std", "aupr_std")}, as_json)
        return
    ts = _load_triples(data, None)
    for split in ("valid", "test"):
        if not len(ts.split(split)):
            raise DataError(data, f"the {split} split is empty; bench needs train, valid and test")
    t0 = time.perf_counter()
    est = _estimator(model, dim, epochs, training, None, negatives, None, None, None, None, None, encoder, seed,
                     num_neighbors, full_batch_max_edges).fit(ts)
    res = {k: est.evaluate(ts, "test")[k] for k in METRIC_KEYS}
    res["train_seconds"] = est.train_seconds_
    _console.log(f"total {time.perf_counter() - t0:.1f}s")
    _emit(res, as_json)
