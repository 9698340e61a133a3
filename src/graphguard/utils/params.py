"""scikit-learn's ``set_params`` for estimators whose constructor checks and resolves its options.

Setting attributes one by one would skip those checks (and a misspelt name would quietly add an
attribute that nothing reads), so the new values go through the constructor: whatever it refuses,
``set_params`` refuses too, and fitted state stays as it is, as in scikit-learn.
"""

from __future__ import annotations

from graphguard.errors import ConfigError


def check_param_names(estimator, names) -> None:
    """A ``ConfigError`` (a ``ValueError``, as scikit-learn raises) naming unknown parameters and the valid ones."""
    valid = estimator.get_params()
    unknown = [n for n in names if n not in valid]
    if unknown:
        raise ConfigError(f"invalid parameter{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} "
                          f"for {type(estimator).__name__} (valid: {', '.join(valid)})")


def set_params_via_constructor(estimator, params: dict):
    """Rebuild the hyperparameters of ``estimator`` from its ``get_params()`` updated with ``params``."""
    check_param_names(estimator, params)
    fresh = type(estimator)(**{**estimator.get_params(), **params})
    vars(estimator).update(vars(fresh))
    return estimator
