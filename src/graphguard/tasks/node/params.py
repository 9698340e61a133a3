"""scikit-learn's parameter protocol for node estimators, and the check that a model directory is theirs.

A subclass often takes its own parameter and passes the rest on (``GATDetector(heads=4, **kw)``), so
the parameters are collected along the MRO, not read off the subclass's signature alone: a copy built
from ``get_params()`` (``sklearn.base.clone``, ``config.json``) must train the same model.
"""

from __future__ import annotations

import inspect
from pathlib import Path

from graphguard.errors import ConfigError, DataError
from graphguard.utils.serialization import describe_model


def constructor_parameters(cls) -> list[str]:
    """The keyword parameters ``cls`` takes, following ``**kwargs`` up to its parents."""
    names: list[str] = []
    for klass in cls.__mro__:
        if "__init__" not in vars(klass) or klass is object:
            continue
        params = inspect.signature(klass.__init__).parameters
        names += [k for k, v in params.items() if k != "self" and v.kind not in (v.VAR_KEYWORD, v.VAR_POSITIONAL)
                  and k not in names]
        if not any(v.kind is v.VAR_KEYWORD for v in params.values()):
            break
    return names


class Params:
    """``get_params`` / ``set_params`` / ``repr`` over every constructor parameter, as scikit-learn expects."""

    def get_params(self, deep: bool = True) -> dict:
        """Every constructor parameter; ``deep`` is for scikit-learn (no parameter holds an estimator)."""
        return {k: getattr(self, k) for k in constructor_parameters(type(self))}

    def set_params(self, **params):
        """Set constructor parameters; a name the estimator does not take (a typo) is a ``ConfigError``."""
        valid = constructor_parameters(type(self))
        unknown = [k for k in params if k not in valid]
        if unknown:
            raise ConfigError(f"{type(self).__name__} has no parameter {', '.join(repr(k) for k in unknown)} "
                              f"(its parameters: {', '.join(valid)})")
        for k, v in params.items():
            setattr(self, k, v)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"


def saved_name(path: str | Path, config: dict, kind: str, loader: type | None = None) -> str:
    """The name under ``config[kind]`` ("detector" / "regressor"); another estimator's directory is one line.

    ``loader`` is the class whose ``load`` was called; ``None`` (the generic loader) takes any name of ``kind``.
    """
    generic = {"detector": "load_detector", "regressor": "NodeRegressor.load"}
    name = config.get(kind)
    if not isinstance(name, str):
        hint = f"; load it with {generic['regressor']}" if "regressor" in config else ""
        hint = f"; load it with {generic['detector']}" if "detector" in config else hint
        raise DataError(path, f"holds {describe_model(config)}, not a node {kind}{hint}")
    if loader is not None and name != loader.name:
        raise DataError(path, f"holds {describe_model(config)}, not the '{loader.name}' that {loader.__name__}.load reads "
                              f"(load it with {generic[kind]})")
    return name
