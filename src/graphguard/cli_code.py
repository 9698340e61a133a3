"""``graphguard code similar FILE::function --in DIR``: near-clone search over Python code."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from graphguard import _console

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)


@app.command()
def similar(
    function: str = typer.Argument(..., help="FILE::function or FILE::Class.method"),
    in_: Path = typer.Option(..., "--in", help="folder (or file) of Python code to search"),
    k: int = typer.Option(10, "--top", "-k", min=1, help="how many matches to show"),
    k_old: Optional[int] = typer.Option(None, "--k", hidden=True, min=1, help="the old name of --top"),
    as_json: bool = typer.Option(False, "--json"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Functions in --in most similar to FUNCTION (renamed, reordered or padded copies included)."""
    from graphguard.builders.code_search import CodeIndex, find_function

    _console.set_quiet(quiet)
    k = k_old or k
    fn, key = find_function(function)
    index = CodeIndex().add_directory(in_)
    if index.skipped:
        _console.log(f"skipped {len(index.skipped)} file(s) that do not parse")
    hits = index.similar(fn, k=k, exclude=key)
    if as_json:
        from graphguard.utils.serialization import strict_json

        typer.echo(strict_json([{"function": h, "score": s} for h, s in hits]))
    else:
        for h, s in hits:
            typer.echo(f"{s:.3f}  {h}")
