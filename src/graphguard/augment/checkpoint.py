"""Training state on disk (safetensors + JSON) so that a killed GODM fit resumes where it stopped.

The state names the config and a fingerprint of the graph; a state written for anything else is
ignored rather than silently resumed. Files are written to a temporary name and renamed, so a
kill during the write leaves the previous state intact.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

STATE_JSON = "train_state.json"
STATE_TENSORS = "train_state.safetensors"


def optimizer_tensors(opt: torch.optim.Optimizer, prefix: str) -> tuple[dict, dict]:
    sd = opt.state_dict()
    tensors = {}
    for pid, st in sd["state"].items():
        for k, v in st.items():
            tensors[f"{prefix}.{pid}.{k}"] = v if isinstance(v, torch.Tensor) else torch.tensor(v)
    return tensors, {"param_groups": sd["param_groups"]}


def load_optimizer(opt: torch.optim.Optimizer, tensors: dict, meta: dict, prefix: str) -> None:
    state: dict[int, dict] = {}
    for key, v in tensors.items():
        if key.startswith(prefix + "."):
            _, pid, name = key.split(".", 2)
            state.setdefault(int(pid), {})[name] = v
    opt.load_state_dict({"state": state, "param_groups": meta["param_groups"]})


def save_state(directory: str | Path, meta: dict, tensors: dict[str, torch.Tensor]) -> None:
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    flat = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    tmp_t, tmp_j = d / (STATE_TENSORS + ".tmp"), d / (STATE_JSON + ".tmp")
    save_file(flat, str(tmp_t))
    tmp_j.write_text(json.dumps(meta, indent=1, sort_keys=True))
    os.replace(tmp_t, d / STATE_TENSORS)
    os.replace(tmp_j, d / STATE_JSON)


def load_state(directory: str | Path, expect: dict) -> tuple[dict, dict] | None:
    """The saved state if it exists and was written for the same ``expect`` (config + graph); else None."""
    d = Path(directory)
    if not (d / STATE_JSON).is_file() or not (d / STATE_TENSORS).is_file():
        return None
    meta = json.loads((d / STATE_JSON).read_text())
    if any(meta.get(k) != v for k, v in expect.items()):
        return None
    return meta, load_file(str(d / STATE_TENSORS))
