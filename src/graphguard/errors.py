"""Errors that reach the user as one clear line.

Every public entry point validates its input and raises one of these with a message of the
form ``<source>: <problem>``; the CLI prints that line and exits with status 2 instead of a
traceback.
"""

from __future__ import annotations

from contextlib import contextmanager
from os import PathLike


class GraphGuardError(Exception):
    """Base class for errors caused by the user's input or configuration."""


class DataError(GraphGuardError, ValueError):
    """Bad input data: names the file (or object) and what is wrong with it."""

    def __init__(self, source: str | PathLike | None, problem: str):
        self.source = str(source) if source is not None else "<graph>"
        self.problem = problem
        super().__init__(f"{self.source}: {problem}")


class ConfigError(GraphGuardError, ValueError):
    """A bad option, model name or job-file entry."""


class NotFittedError(GraphGuardError, RuntimeError):
    """An estimator was used before ``fit``."""


def reason(e: BaseException) -> str:
    """``Type: message`` of a library's exception on one line: pandas and tarfile put newlines in theirs."""
    return f"{type(e).__name__}: {' '.join(str(e).split())}"


@contextmanager
def naming(source: str | PathLike, *placeholders: str):
    """Re-raise a ``DataError`` whose source is an estimator's placeholder (``graph``, ``predict``) with
    ``source``, the file the user gave: the estimator knows a graph, the user knows the file."""
    try:
        yield
    except DataError as e:
        if e.source not in placeholders:
            raise
        raise DataError(source, e.problem) from None
