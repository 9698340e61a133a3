"""Model files: tensors in safetensors, everything else in JSON. Never pickle.

A model directory holds ``config.json`` (class name, hyperparameters, learned scalars) and
``weights.safetensors`` (tensors). ``load_model_dir`` refuses directories that lack either file
with an error that names the directory. ``save_model_dir`` writes into a new or empty folder, or
over an earlier model directory (saving a re-fitted model again is normal), and refuses any other
folder: ``--out .`` must not overwrite a project's own ``config.json``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from graphguard.errors import DataError

CONFIG = "config.json"
WEIGHTS = "weights.safetensors"
# the top-level key that names the estimator in every model config graphguard writes
MODEL_KEYS = ("detector", "regressor", "class")


def jsonable(obj: Any) -> Any:
    """``obj`` as JSON holds it (tuples as lists, numpy values as Python ones, paths as text)."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    return obj


def undefined_as_null(obj: Any) -> Any:
    """``obj`` with every NaN or infinite number as None, which JSON writes as ``null``.

    JSON has no NaN: Python's ``json`` writes the bare token anyway, and strict readers (the server's
    encoder, a browser's ``JSON.parse``) refuse it. A metric a split cannot define (R² of equal
    targets) is stored and served as ``null`` instead.
    """
    if isinstance(obj, dict):
        return {k: undefined_as_null(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [undefined_as_null(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return undefined_as_null(obj.tolist())
    if isinstance(obj, (float, np.floating)) and not math.isfinite(obj):
        return None
    return obj


def strict_json(obj: Any, **kwargs) -> str:
    """``json.dumps`` of ``obj`` with undefined numbers as ``null`` (:func:`undefined_as_null`); a NaN left
    anywhere else is an error, never the bare token. What every ``metrics.json`` writer uses."""
    return json.dumps(undefined_as_null(obj), allow_nan=False, **kwargs)


def describe_model(config: dict) -> str:
    """What a model directory's config says it holds, in words, for "holds X, not Y" errors."""
    if "detector" in config:
        return f"a '{config['detector']}' node detector"
    if "regressor" in config:
        return f"a '{config['regressor']}' node regressor"
    if "class" in config:
        return f"a {config['class']} model"
    return "no model graphguard names"


def is_model_dir(path: str | Path) -> bool:
    """Whether ``path`` is a model directory graphguard wrote: both files, and a config that names a model."""
    path = Path(path)
    if not (path / CONFIG).is_file() or not (path / WEIGHTS).is_file():
        return False
    try:
        config = json.loads((path / CONFIG).read_text())
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return False
    return isinstance(config, dict) and any(k in config for k in MODEL_KEYS)


def check_model_target(path: str | Path) -> Path:
    """Refuse a save that would overwrite files that are not an earlier graphguard model; nothing is written.

    The CLI calls this before fitting, so a bad ``--out`` fails in a second instead of after training.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise DataError(path, "is a file, not a folder; give a new or empty folder for the model directory")
    if path.is_dir() and any(path.iterdir()) and not is_model_dir(path):
        raise DataError(path, f"is a folder with other files and not a graphguard model directory ({CONFIG} + "
                              f"{WEIGHTS} of a model), so the model is not saved there; give a new or empty folder")
    return path


def save_model_dir(path: str | Path, config: dict, tensors: dict[str, torch.Tensor | np.ndarray]) -> Path:
    path = check_model_target(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:  # a file where a parent folder should be
        raise DataError(path, f"cannot create the model directory ({e.strerror or e})") from None
    flat = {}
    for k, v in tensors.items():
        t = torch.as_tensor(v) if not isinstance(v, torch.Tensor) else v
        flat[k] = t.detach().cpu().contiguous()
    save_file(flat, str(path / WEIGHTS))
    (path / CONFIG).write_text(json.dumps(jsonable(config), indent=2, sort_keys=True))
    return path


def read_json(path: str | Path) -> dict:
    """A JSON object from a file graphguard wrote; a damaged file is one line naming it."""
    path = Path(path)
    try:
        out = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise DataError(path, f"not valid JSON ({e}); the file is damaged") from None
    if not isinstance(out, dict):
        raise DataError(path, "must hold a JSON object; the file is damaged")
    return out


def load_model_dir(path: str | Path) -> tuple[dict, dict[str, torch.Tensor]]:
    path = Path(path)
    if not path.is_dir():
        raise DataError(path, "model directory not found")
    for name in (CONFIG, WEIGHTS):
        if not (path / name).is_file():
            raise DataError(path, f"not a graphguard model directory (missing {name})")
    config = read_json(path / CONFIG)
    try:
        tensors = load_file(str(path / WEIGHTS))
    except Exception as e:  # safetensors raises its own SafetensorError for a truncated or foreign file
        raise DataError(path / WEIGHTS, f"cannot be read ({type(e).__name__}: {str(e).splitlines()[0]}); "
                                        "the model directory is damaged") from None
    return config, tensors
