"""``graphguard build molecule | code | protein | document``: domain objects -> ``.graphs.npz``.

Every command writes one graph collection (format in ``graphguard.data.graphset``) that
``graphguard graph train|evaluate|predict`` read directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from graphguard import _console
from graphguard.errors import DataError

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
OUT_OPT = typer.Option(..., "--out", "-o", help="output file (.graphs.npz)")


def _done(graphs, out: Path, what: str) -> None:
    from graphguard.data.graphset import write_graphs

    path = write_graphs(graphs, out)
    typer.echo(f"{path}  ({len(graphs)} {what})")


@app.command()
def molecule(
    csv: Optional[Path] = typer.Argument(None, help="CSV with a SMILES column"),
    out: Path = OUT_OPT,
    smiles: Optional[List[str]] = typer.Option(None, "--smiles", help="SMILES strings instead of a CSV"),
    target: Optional[str] = typer.Option(None, "--target", "--label", help="label column (default: the last column)"),
    smiles_col: Optional[str] = typer.Option(None, "--smiles-col"),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="leave out rows RDKit cannot parse"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Molecules -> graphs with OGB-style atom and bond features."""
    from graphguard.builders.molecule import smiles_to_graph
    from graphguard.data.smiles import read_smiles_csv

    _console.set_quiet(quiet)
    if (csv is None) == (not smiles):
        raise DataError("build molecule", "give either a CSV file or --smiles (not both)")
    if csv is not None:
        graphs = read_smiles_csv(csv, target=target, smiles_col=smiles_col, skip_invalid=skip_invalid)
        if graphs.skipped:
            _console.log(f"skipped {len(graphs.skipped)} invalid row(s): {graphs.skipped[:10]}")
    else:
        graphs = []
        for i, s in enumerate(smiles):
            try:
                graphs.append(smiles_to_graph(s, f"--smiles #{i + 1}"))
            except DataError:
                if not skip_invalid:
                    raise
    _done(graphs, out, "molecules")


@app.command()
def code(
    path: Path = typer.Argument(..., help="a Python file or a folder of them"),
    out: Path = OUT_OPT,
    skip_errors: bool = typer.Option(False, "--skip-errors", help="skip files with syntax errors instead of failing"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Python functions -> program-dependence graphs (AST + control flow + def-use), one per function."""
    from graphguard.builders.code import file_to_graphs

    _console.set_quiet(quiet)
    if not path.exists():
        raise DataError(path, "file or folder not found")
    files = [path] if path.is_file() else sorted(path.rglob("*.py"))
    graphs = []
    for f in files:
        try:
            for q, g in file_to_graphs(f).items():
                g.name = f"{f}::{q}"
                graphs.append(g)
        except DataError as e:
            if not skip_errors:
                raise
            _console.log(f"skipped {e}")
    if not graphs:
        raise DataError(path, "no Python functions found")
    _done(graphs, out, "functions")


@app.command()
def protein(
    structures: List[Path] = typer.Argument(..., help="PDB or mmCIF files"),
    out: Path = OUT_OPT,
    mode: str = typer.Option("ca", "--mode", help="ca (C-alpha distance), any (any-atom distance) or knn"),
    cutoff: float = typer.Option(8.0, "--cutoff", help="contact distance in angstroms (ca/any)"),
    k: int = typer.Option(10, "--k", help="neighbours per residue (knn)"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Protein structures -> residue contact graphs (residue type + C-alpha coordinates)."""
    from graphguard.builders.protein import structure_to_graph

    _console.set_quiet(quiet)
    _done([structure_to_graph(s, mode=mode, cutoff=cutoff, k=k) for s in structures], out, "structures")


@app.command()
def document(
    files: Optional[List[Path]] = typer.Argument(None, help="JSON files of text boxes"),
    out: Path = OUT_OPT,
    generate: int = typer.Option(0, "--generate", min=0, help="write this many generated forms instead"),
    seed: int = typer.Option(0, "--seed"),
    k: int = typer.Option(6, "--k", help="nearest neighbours per box"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Text boxes -> spatial graphs (kNN, same-line, same-column, reading-order edges)."""
    from graphguard.builders.document import boxes_to_graph, read_document
    from graphguard.builders.forms import make_forms

    _console.set_quiet(quiet)
    if generate:
        graphs = [boxes_to_graph(f, k=k, source=f"form {i}") for i, f in enumerate(make_forms(generate, seed))]
    elif files:
        graphs = [read_document(f, k=k) for f in files]
        for f, g in zip(files, graphs):
            g.name = str(f)
    else:
        raise DataError("build document", "give JSON files or --generate N")
    _done(graphs, out, "documents")

