"""Data-parallel helpers: process groups on gloo (CPU), seed sharding, and launchers.

A run is distributed when ``WORLD_SIZE > 1`` is in the environment (torchrun sets it, with
``RANK``, ``MASTER_ADDR`` and ``MASTER_PORT``). Multi-machine runs use torchrun's standard
rendezvous, e.g. on each of two machines::

    torchrun --nnodes 2 --nproc_per_node 2 --rdzv_backend c10d --rdzv_endpoint HOST:29500 \
        -m graphguard node train --data graph.npz --model graphsage --out model/

:func:`launch_cli` re-executes a graphguard command under ``torch.distributed.run`` on this
machine (what ``graphguard node train --nproc N`` does).
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import torch
import torch.distributed as dist


def world() -> tuple[int, int]:
    """``(rank, world_size)`` from the environment; ``(0, 1)`` outside a distributed run."""
    return int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))


def is_distributed() -> bool:
    return world()[1] > 1


def is_main_process() -> bool:
    """True on rank 0 (and in any non-distributed run): the only process that writes outputs."""
    return (dist.get_rank() if dist.is_initialized() else world()[0]) == 0


def init_process_group() -> bool:
    """Join the gloo process group when launched by torchrun; returns True when distributed."""
    if not is_distributed():
        return False
    if not dist.is_initialized():
        dist.init_process_group("gloo")
    return True


def shard(idx: np.ndarray, rank: int, world_size: int) -> np.ndarray:
    """This rank's share of the seed nodes; every rank gets the same count (DDP needs equal steps).

    As torch's ``DistributedSampler``, the list is padded by wrapping around to a multiple of
    ``world_size`` instead of dropping the remainder, so every training node is seen.
    """
    idx = np.asarray(idx)
    if len(idx) == 0:
        return idx
    per = -(-len(idx) // world_size)
    padded = np.resize(idx, per * world_size)  # np.resize repeats from the start
    return padded[rank * per:(rank + 1) * per]


def broadcast_float(value: float) -> float:
    """Rank 0's value on every rank (keeps early stopping decisions in lock-step)."""
    if not dist.is_initialized():
        return value
    t = torch.tensor([value], dtype=torch.float64)
    dist.broadcast(t, 0)
    return float(t.item())


def torchrun_command(nproc: int, module_argv: list[str]) -> list[str]:
    """The command line that runs ``python -m <module_argv>`` in ``nproc`` processes on this host."""
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={int(nproc)}",
            "-m", *module_argv]


def strip_nproc(argv: list[str]) -> list[str]:
    """``argv`` without ``--nproc N`` / ``--nproc=N`` (the children must not launch again)."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
            continue
        if a == "--nproc":
            skip = True
            continue
        if a.startswith("--nproc="):
            continue
        out.append(a)
    return out


def launch_module(nproc: int, module: str, argv: list[str]) -> int:
    """Run ``python -m <module> <argv>`` in ``nproc`` torchrun processes; returns the exit code."""
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")
    return subprocess.run(torchrun_command(nproc, [module, *argv]), env=env).returncode


def launch_cli(nproc: int, argv: list[str]) -> int:
    """Run ``python -m graphguard <argv without --nproc>`` under torchrun; returns its exit code."""
    return launch_module(nproc, "graphguard", strip_nproc(list(argv)))
