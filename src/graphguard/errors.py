"""Errors that reach the user as one clear line.

Every public entry point validates its input and raises one of these with a message of the
form ``<source>: <problem>``; the CLI prints that line and exits with status 2 instead of a
traceback.
"""

from __future__ import annotations

from contextlib import contextmanager
from os import PathLike
from typing import TYPE_CHECKING


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


if TYPE_CHECKING:
    from sklearn.exceptions import NotFittedError as _SklearnNotFittedError

    class NotFittedError(GraphGuardError, RuntimeError, _SklearnNotFittedError):
        """An estimator was used before ``fit``."""


def _not_fitted_class() -> type:
    """``NotFittedError``: a ``GraphGuardError`` that is also scikit-learn's ``NotFittedError``, so code written
    for any scikit-learn estimator catches it. Defined on first use: importing scikit-learn takes seconds, and
    the CLI and the estimators that do not need it must start without it."""
    cls = globals().get("NotFittedError")
    if cls is None:
        from sklearn.exceptions import NotFittedError as SklearnNotFittedError

        cls = type("NotFittedError", (GraphGuardError, RuntimeError, SklearnNotFittedError),
                   {"__module__": __name__, "__doc__": "An estimator was used before ``fit``."})
        globals()["NotFittedError"] = cls
    return cls


def __getattr__(name: str):
    if name == "NotFittedError":
        return _not_fitted_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def not_fitted(message: str) -> Exception:
    """The ``NotFittedError`` to raise with ``message`` (what the estimators raise; see ``_not_fitted_class``)."""
    return _not_fitted_class()(message)


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
