"""The check that a model directory holds the node estimator asked for (``SomeDetector.load``).

The scikit-learn parameter protocol the node estimators share is ``graphguard.utils.params.Params``.
"""

from __future__ import annotations

from pathlib import Path

from graphguard.errors import DataError
from graphguard.utils.serialization import describe_model


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
