"""scikit-learn's parameter protocol (``get_params`` / ``set_params``), shared by the estimators.

* ``Params``: parameters collected along the MRO, set as attributes (the node estimators, whose
  constructors only store them). A subclass often takes its own parameter and passes the rest on
  (``GATDetector(heads=4, **kw)``), so they are not read off the subclass's signature alone: a copy
  built from ``get_params()`` (``sklearn.base.clone``, ``config.json``) must train the same model.
* ``params_repr``: the ``repr`` of every estimator, its changed parameters only (scikit-learn's).
* ``set_params_via_constructor``: for estimators whose constructor checks and resolves its options.
  Setting attributes one by one would skip those checks (and a misspelt name would quietly add an
  attribute that nothing reads), so the new values go through the constructor: whatever it
  refuses, ``set_params`` refuses too, and fitted state stays as it is, as in scikit-learn.

``set_params`` after ``fit`` changes what the next ``fit`` does, not the fitted model (scikit-learn's
rule). So ``fit`` records the parameters it trained with (``fitted_params_``, see
``remember_fitted_params``), and a model directory stores those as ``params``, the ones the weights
agree with, plus the ones changed since under ``params_set_after_fit``: ``load`` rebuilds the model
from the former and sets the latter again, so a loaded estimator is the one saved, pending changes
included, like a pickled scikit-learn estimator. ``as_fitted`` scores with the fitted parameters
where an estimator's scoring reads them (the node detectors' feature recipes).
"""

from __future__ import annotations

import copy
import inspect

from graphguard.errors import ConfigError
from graphguard.utils.serialization import jsonable


def _init_parameters(cls):
    """The named ``__init__`` parameters of ``cls`` and, while an ``__init__`` passes ``**kwargs`` on, of its
    parents: the subclass's first, so that its own default wins (``GNNGraphRegressor``'s ``task``)."""
    for klass in cls.__mro__:
        if "__init__" not in vars(klass) or klass is object:
            continue
        params = inspect.signature(klass.__init__).parameters
        yield from (v for k, v in params.items() if k != "self" and v.kind not in (v.VAR_KEYWORD, v.VAR_POSITIONAL))
        if not any(v.kind is v.VAR_KEYWORD for v in params.values()):
            break


def constructor_parameters(cls) -> list[str]:
    """The keyword parameters ``cls`` takes, following ``**kwargs`` up to its parents."""
    return list(dict.fromkeys(v.name for v in _init_parameters(cls)))


def constructor_defaults(cls) -> dict:
    """The default of each keyword parameter ``cls`` takes, following ``**kwargs`` up to its parents
    (a subclass's own default wins: ``GNNGraphRegressor``'s ``task``)."""
    out: dict = {}
    for v in _init_parameters(cls):
        if v.default is not v.empty:
            out.setdefault(v.name, v.default)
    return out


def params_repr(estimator, defaults: dict | None = None) -> str:
    """``Name(k=v, ...)`` of the parameters that differ from ``defaults`` (the constructor's), as scikit-learn
    prints an estimator: GODM has fifty options, and the few changed are the ones worth reading."""
    defaults = constructor_defaults(type(estimator)) if defaults is None else defaults
    changed = {k: v for k, v in estimator.get_params().items()
               if k not in defaults or jsonable(v) != jsonable(defaults[k])}
    return f"{type(estimator).__name__}({', '.join(f'{k}={v!r}' for k, v in changed.items())})"


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
        return params_repr(self)


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


def remember_fitted_params(estimator) -> None:
    """Record the parameters ``fit`` is about to train with, as ``fitted_params_``."""
    estimator.fitted_params_ = copy.deepcopy(estimator.get_params())


def params_set_after_fit(estimator) -> dict:
    """The parameters ``set_params`` changed since ``fit`` (compared as JSON holds them), with their new values."""
    now = estimator.get_params()
    fitted = getattr(estimator, "fitted_params_", None)
    if fitted is None:
        return {}
    return {k: v for k, v in now.items() if k not in fitted or jsonable(v) != jsonable(fitted[k])}


def saved_params(estimator) -> dict:
    """The config entries for a model directory: ``params`` as fitted and, when some were changed since,
    ``params_set_after_fit``."""
    changed = params_set_after_fit(estimator)
    fitted = getattr(estimator, "fitted_params_", None) or estimator.get_params()
    tuples = [k for k, v in fitted.items() if isinstance(v, tuple)]
    return {"params": fitted, **({"params_set_after_fit": changed} if changed else {}),
            **({"tuple_params": tuples} if tuples else {})}


def loaded_params(config: dict) -> dict:
    """A model directory's ``params`` with the tuples JSON wrote as lists made tuples again (``tuple_params``),
    so that the loaded estimator's ``get_params()`` equals the saved one's (a grid, the ensemble's members)."""
    tuples = set(config.get("tuple_params", ()))
    return {k: tuple(v) if k in tuples and isinstance(v, list) else v for k, v in config["params"].items()}


def restore_params_set_after_fit(estimator, config: dict):
    """On an estimator just built from a directory's ``params`` (and its fitted state restored): record
    those as fitted, then set the ones changed after fit again (see ``saved_params``)."""
    remember_fitted_params(estimator)
    changed = config.get("params_set_after_fit")
    if changed:
        estimator.set_params(**changed)
    return estimator


def as_fitted(estimator):
    """``estimator``, or when ``set_params`` changed some parameters since ``fit``, a shallow copy holding
    the fitted ones: what scoring reads when the parameters describe the features the model was fitted on."""
    if not params_set_after_fit(estimator):
        return estimator
    twin = copy.copy(estimator)
    twin.set_params(**estimator.fitted_params_)
    return twin
