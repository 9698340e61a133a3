"""scikit-learn's parameter protocol (``get_params`` / ``set_params``), shared by the estimators.

* ``Params``: parameters collected along the MRO, set as attributes (the node estimators, whose
  constructors only store them). A subclass often takes its own parameter and passes the rest on
  (``GATDetector(heads=4, **kw)``), so they are not read off the subclass's signature alone: a copy
  built from ``get_params()`` (``sklearn.base.clone``, ``config.json``) must train the same model.
* ``set_params_via_constructor``: for estimators whose constructor checks and resolves its options.
  Setting attributes one by one would skip those checks (and a misspelt name would quietly add an
  attribute that nothing reads), so the new values go through the constructor: whatever it
  refuses, ``set_params`` refuses too, and fitted state stays as it is, as in scikit-learn.
"""

from __future__ import annotations

import inspect

from graphguard.errors import ConfigError


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
