"""Early stopping on a validation score, keeping a copy of the best weights to restore."""

from __future__ import annotations

import copy

import torch


class EarlyStopping:
    """Stop after ``patience`` epochs without a strictly better score; ``restore`` loads the best."""

    def __init__(self, patience: int = 50):
        self.patience = int(patience)
        self.best_score = -float("inf")
        self.best_epoch = -1
        self.best_state: dict | None = None
        self.bad_epochs = 0

    def step(self, score: float, epoch: int, model: torch.nn.Module) -> bool:
        """Record ``score``; returns True when training should stop."""
        if score > self.best_score:
            self.best_score, self.best_epoch, self.bad_epochs = float(score), epoch, 0
            self.best_state = copy.deepcopy(model.state_dict())
        else:
            self.bad_epochs += 1
        return self.patience > 0 and self.bad_epochs >= self.patience

    def restore(self, model: torch.nn.Module) -> None:
        if self.best_state is not None:
            model.load_state_dict(self.best_state)
