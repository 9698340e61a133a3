"""Shared console and progress helpers: rich progress bars that ``--quiet`` turns off."""

from __future__ import annotations

import sys
from contextlib import contextmanager

from rich.console import Console

console = Console(stderr=True)
_quiet = False


def set_quiet(q: bool) -> None:
    global _quiet
    _quiet = bool(q)


def is_quiet() -> bool:
    return _quiet


def log(msg: str) -> None:
    if not _quiet:
        console.print(msg, soft_wrap=True)  # a log line stays one line in a file or a pipe


def shows_progress() -> bool:
    """Whether a progress bar is drawn: not under ``--quiet``, and only on a terminal.

    A transient bar shows nothing in a file or a pipe, yet rich's ``Progress.stop`` ends it there with an
    empty line (a blank line in a log per bar); decided per call, as stderr may be redirected after import."""
    return not _quiet and bool(sys.stderr) and console.is_terminal and not console.is_dumb_terminal


@contextmanager
def progress(description: str, total: int | None = None):
    """A progress bar (rich) that yields an ``advance(n=1)`` callable; silent when quiet or off a terminal."""
    if not shows_progress():
        yield lambda n=1: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as p:
        task = p.add_task(description, total=total)
        yield lambda n=1: p.advance(task, n)
