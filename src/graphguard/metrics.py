"""Node-level anomaly metrics as GADBench reports them: AUROC, AUPRC and Recall@K; and the regression
metrics (RMSE, MAE, R²) that node and graph regression share.

AUPRC is scikit-learn's average precision (the GADBench code uses it); Recall@K uses K equal to
the number of true anomalies among the scored nodes, so that a perfect ranking scores 1.0.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from graphguard.errors import DataError


def _as_numpy(a) -> np.ndarray:
    if hasattr(a, "detach"):
        a = a.detach().cpu().numpy()
    return np.asarray(a)


def _binary_labels(y_true) -> np.ndarray:
    """``y_true`` as int64; a fractional or NaN label is an error, not truncated to a class."""
    y = _as_numpy(y_true).ravel()
    if y.dtype.kind == "f":
        fractional = y != np.round(y)  # NaN too: it never equals itself
        if fractional.any():
            raise DataError("metrics", f"labels must be 0/1, got {y[fractional][0]:g} "
                                       f"({int(fractional.sum())} of {y.size} labels are not whole numbers)")
    return y.astype(np.int64)


def check_finite_scores(scores, model: str = "metrics") -> np.ndarray:
    """``scores`` as an array, refused in one line naming ``model`` when any is NaN or inf.

    Weights that went NaN, or a regressor predicting inf, otherwise reach scikit-learn, whose
    multi-line "Input contains NaN" says neither which model nor how many scores. A row of class
    probabilities counts once.
    """
    s = _as_numpy(scores)
    if s.dtype.kind in "fc":
        rows = (~np.isfinite(s)).reshape(s.shape[0] if s.ndim else 1, -1).any(1)
        if rows.any():
            raise DataError(model, f"the model's scores are not finite: {int(rows.sum())} of {rows.size} are NaN "
                                   "or inf (diverged weights?); no metric can be computed from them")
    return s


# why a metric has no number, for the log lines that show it (a bare "nan" explains nothing)
UNDEFINED_BECAUSE = {"r2": "constant target"}


def metric_text(name: str, value) -> str:
    """``value`` with 4 decimals, or "undefined (why)" when the split cannot define the metric ``name``."""
    if isinstance(value, (int, float)) and math.isfinite(value):
        return f"{value:.4f}"
    why = UNDEFINED_BECAUSE.get(name)
    return f"undefined ({why})" if why else "undefined"


def _check(y_true, scores, model: str = "metrics") -> tuple[np.ndarray, np.ndarray]:
    y = _binary_labels(y_true)
    s = check_finite_scores(scores, model).ravel()
    if s.dtype.kind != "f":  # float32 stays float32: recall_at_k sorts the scores as GADBench gets them
        s = s.astype(np.float64)
    if y.shape != s.shape:
        raise DataError("metrics", f"{y.shape[0]} labels but {s.shape[0]} scores")
    if y.size == 0:
        raise DataError("metrics", "no nodes to evaluate")
    classes = np.unique(y)
    if not set(classes.tolist()) <= {0, 1}:
        raise DataError("metrics", f"labels must be 0/1, got {sorted(classes.tolist())[:5]}")
    if classes.size < 2:
        raise DataError("metrics", "the evaluated nodes hold a single class; AUROC/AUPRC are undefined")
    return y, s


def auroc(y_true, scores) -> float:
    y, s = _check(y_true, scores)
    return float(roc_auc_score(y, s))


def auprc(y_true, scores) -> float:
    y, s = _check(y_true, scores)
    return float(average_precision_score(y, s))


def highest_first(scores: np.ndarray) -> np.ndarray:
    """Node order by descending score, ties placed as GADBench's ``scores.argsort()[-k:]`` places them."""
    return np.asarray(scores).argsort()[::-1]


def recall_at_k(y_true, scores, k: int | None = None) -> float:
    """Share of the true anomalies found among the ``k`` highest scores (K = #anomalies by default).

    Computed as GADBench computes it, ``y[scores.argsort()[-k:]]``: the last ``k`` of numpy's default
    ascending sort, so that numbers compare with GADBench's even when scores tie at the cut-off.
    Which of the tied nodes count is then up to that (unstable) sort, as it is in GADBench: with
    numpy 2.4, ten tied scores with anomalies at nodes 3, 4 and 9 give 1/3 (the last three nodes).
    """
    y, s = _check(y_true, scores)
    k = int(y.sum()) if k is None else int(k)
    return float(y[highest_first(s)[:k]].sum() / y.sum())


def node_metrics(y_true, scores, model: str = "metrics") -> dict[str, float]:
    """The GADBench triple for one set of scores; ``model`` names the scorer in an error about its scores."""
    y, s = _check(y_true, scores, model)
    return {"auroc": auroc(y, s), "auprc": auprc(y, s), "rec_at_k": recall_at_k(y, s)}


def regression_metrics(y, pred, model: str = "metrics") -> dict[str, float]:
    """RMSE, MAE and R²; R² is NaN (JSON null) when the targets are all equal (one target too), where it
    divides by a zero spread: scikit-learn would report 0.0 or 1.0 there as if measured. Predictions
    that are NaN or inf are one line naming ``model``, not an RMSE of inf."""
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    y = np.asarray(y, dtype=np.float64)
    pred = check_finite_scores(np.asarray(pred, dtype=np.float64), model)
    return {"rmse": float(np.sqrt(mean_squared_error(y, pred))), "mae": float(mean_absolute_error(y, pred)),
            "r2": float(r2_score(y, pred)) if np.ptp(y) > 0 else float("nan")}
