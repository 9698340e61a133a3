"""One place that decides how many threads torch, xgboost and lightgbm may use.

The machine this project targets has two cores; oversubscription (torch and a tree library each
starting their own pool) is the most common cause of slow runs, so every component asks here.
The default comes from ``GRAPHGUARD_THREADS`` or the number of cores.
"""

from __future__ import annotations

import os

_threads: int | None = None


def get_threads() -> int:
    """The thread count components should use."""
    if _threads is not None:
        return _threads
    env = os.environ.get("GRAPHGUARD_THREADS")
    if env:
        return max(1, int(env))
    return max(1, os.cpu_count() or 1)


def set_threads(n: int | None = None) -> int:
    """Fix the thread count for torch and for the tree libraries (which read ``get_threads``)."""
    global _threads
    import torch

    _threads = max(1, int(n)) if n else get_threads()
    torch.set_num_threads(_threads)
    return _threads
