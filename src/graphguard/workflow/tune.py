"""Model selection and hyperparameter tuning with optuna, within a trial and/or time budget.

Each trial picks a detector among the job's candidates and values for its hyperparameters, fits
on the training nodes and is scored on the validation nodes with the job's metric. Finished trials
are appended to ``trials.jsonl`` in the run directory as they end, so a killed run resumes where it
stopped: the finished trials are replayed into a fresh study and the sampler is re-seeded from the
trial number, which makes a resumed run pick exactly the trials an uninterrupted one would have
(with a trial budget; a time budget depends on the machine's speed by nature).
"""

from __future__ import annotations

import inspect
import json
import math
import os
import time
from pathlib import Path
from typing import Any, Callable

from graphguard._console import log

# Search spaces by parameter name; only the names a detector's __init__ accepts are tuned.
# (kind, low, high, log) for numbers, ("cat", choices) for choices.
SPACE: dict[str, tuple] = {
    "n_estimators": ("int", 50, 400, True),
    "learning_rate": ("float", 0.02, 0.3, True),
    "max_depth": ("int", 3, 10, False),
    "num_leaves": ("int", 8, 128, True),
    "min_child_samples": ("int", 5, 50, True),
    "subsample": ("float", 0.6, 1.0, False),
    "colsample_bytree": ("float", 0.5, 1.0, False),
    "num_hops": ("int", 1, 3, False),
    "hops": ("int", 1, 3, False),
    "hidden_channels": ("cat", [32, 64, 128]),
    "num_layers": ("int", 1, 3, False),
    "lr": ("float", 1e-3, 3e-2, True),
    "dropout": ("float", 0.0, 0.5, False),
    "weight_decay": ("float", 1e-6, 1e-3, True),
}
FIXED_KEYS = ("seed", "random_state", "n_jobs", "verbose", "device", "epochs")


def tunable_params(cls) -> list[str]:
    names = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    return [n for n in names if n in SPACE]


def suggest(trial, name: str, detector: str):
    spec = SPACE[name]
    key = f"{detector}.{name}"
    if spec[0] == "int":
        return trial.suggest_int(key, spec[1], spec[2], log=spec[3])
    if spec[0] == "float":
        return trial.suggest_float(key, spec[1], spec[2], log=spec[3])
    return trial.suggest_categorical(key, spec[1])


def params_of(trial_params: dict, detector: str) -> dict:
    """The detector's own parameters out of a trial's flat ``detector.param`` keys."""
    pre = f"{detector}."
    return {k[len(pre):]: v for k, v in trial_params.items() if k.startswith(pre)}


def read_trials(path: Path) -> list[dict]:
    """Finished trials from ``trials.jsonl``; a half-written last line (the run was killed) is ignored.

    A failed trial's value is written as ``null`` (JSON has no NaN) and read back as NaN."""
    if not path.is_file():
        return []
    out = []
    for line in path.read_text().splitlines():
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(rec, dict) and "number" in rec:
            if rec.get("value") is None:
                rec["value"] = float("nan")
            out.append(rec)
    return out


def _append(path: Path, rec: dict) -> None:
    from graphguard.utils.serialization import strict_json

    with open(path, "a") as f:
        f.write(strict_json(rec, sort_keys=True) + "\n")
        f.flush()
        os.fsync(f.fileno())


def tune(
    candidates: list[str],
    objective: Callable[[str, dict], float],
    *,
    trials: int | None,
    seconds: float | None,
    seed: int,
    log_path: Path,
    fixed: dict[str, dict] | None = None,
    resolve: Callable[[str], Any],
    direction: str = "maximize",
) -> dict:
    """Run the study; returns the best trial record ``{number, detector, params, value}``.

    ``objective(detector, params)`` fits and returns the validation score (higher is better, or
    lower with ``direction="minimize"`` for errors such as RMSE; NaN marks a failed trial).
    ``resolve(name)`` gives the detector class, to find tunable parameters.
    """
    import optuna
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    fixed = {k.lower(): v for k, v in (fixed or {}).items()}
    spaces = {c: [p for p in tunable_params(resolve(c)) if p not in fixed.get(c, {})] for c in candidates}

    def distributions(det: str) -> dict:
        out: dict[str, Any] = {}
        if len(candidates) > 1:
            out["detector"] = CategoricalDistribution(candidates)
        for p in spaces[det]:
            s = SPACE[p]
            key = f"{det}.{p}"
            if s[0] == "int":
                out[key] = IntDistribution(s[1], s[2], log=s[3])
            elif s[0] == "float":
                out[key] = FloatDistribution(s[1], s[2], log=s[3])
            else:
                out[key] = CategoricalDistribution(s[1])
        return out

    study = optuna.create_study(direction=direction)
    done = read_trials(log_path)
    for rec in done:  # replay the finished trials of an interrupted run
        flat = dict(rec["raw_params"])
        study.add_trial(optuna.trial.create_trial(
            params=flat, distributions={k: v for k, v in distributions(rec["detector"]).items() if k in flat},
            value=rec["value"] if math.isfinite(rec["value"]) else None,
            state=optuna.trial.TrialState.COMPLETE if math.isfinite(rec["value"]) else optuna.trial.TrialState.FAIL))
    if done:
        log(f"resuming: {len(done)} finished trial(s) found")
    spent = sum(r.get("seconds", 0.0) for r in done)
    t_start = time.perf_counter()
    number = len(done)
    while True:
        if trials is not None and number >= trials:
            break
        if seconds is not None and spent + (time.perf_counter() - t_start) >= seconds and number > 0:
            break
        # a fresh sampler per trial, seeded by the trial number: resumed and uninterrupted runs agree
        study.sampler = optuna.samplers.TPESampler(seed=seed * 10_007 + number, n_startup_trials=5)
        trial = study.ask()
        det = trial.suggest_categorical("detector", candidates) if len(candidates) > 1 else candidates[0]
        params = {p: suggest(trial, p, det) for p in spaces[det]}
        params.update(fixed.get(det, {}))
        t0 = time.perf_counter()
        try:
            value = float(objective(det, params))
        except (ValueError, RuntimeError, ArithmeticError) as e:
            log(f"trial {number} ({det}) failed: {type(e).__name__}: {e}")
            value = float("nan")
        took = time.perf_counter() - t0
        if math.isfinite(value):
            study.tell(trial, value)
        else:
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
        rec = {"number": number, "detector": det, "params": params, "raw_params": trial.params,
               "value": value, "seconds": round(took, 3)}
        _append(log_path, rec)
        outcome = f"{value:.4f}" if math.isfinite(value) else "failed"
        log(f"trial {number}: {det} {json.dumps(params, sort_keys=True)} -> {outcome} ({took:.1f}s)")
        done.append(rec)
        number += 1
    finished = [r for r in done if math.isfinite(r["value"])]
    if not finished:
        from graphguard.errors import GraphGuardError

        raise GraphGuardError("tuning: every trial failed; see the messages above")
    # best on validation; ties go to the earlier trial
    sign = -1.0 if direction == "minimize" else 1.0
    return max(finished, key=lambda r: (sign * r["value"], -r["number"]))


def trial_summary(records: list[dict]) -> list[dict]:
    return [{"number": r["number"], "detector": r["detector"], "value": r["value"],
             "seconds": r.get("seconds", float("nan")), "params": r["params"]} for r in records]


__all__ = ["tune", "read_trials", "SPACE", "tunable_params", "params_of", "trial_summary"]
