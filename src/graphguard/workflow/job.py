"""Job files: one YAML file says what to learn from which data, and how long to try.

The file is validated with pydantic; every mistake (a syntax error, an unknown or duplicated key, a
missing one, a wrong value) is reported with its dotted key and its line in the file, all in one
message, so that a person who is not an ML engineer can fix the file in one go. Checks that need
the data (a column that does not exist) use ``LoadedJob.error(loc, problem)`` to point at the line too.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from graphguard.errors import ConfigError

TASKS = ("node_classification", "node_regression", "link_prediction", "graph_classification")
METRICS = {
    "node_classification": ("auprc", "auroc", "rec_at_k"),
    "node_regression": ("rmse", "mae", "r2"),
    "link_prediction": ("mrr", "hits_at_10", "auroc"),
    "graph_classification": ("auroc", "auprc", "accuracy"),
}
FORMATS = ("neptune", "npz", "tables", "triples", "tu", "smiles")
# which data formats each task reads (a job naming another gets a message at data.format or data.path)
TASK_FORMATS = {
    "node_classification": ("neptune", "npz", "tables"),
    "node_regression": ("neptune", "npz", "tables"),
    "link_prediction": ("triples", "neptune"),
    "graph_classification": ("tu", "smiles"),
}
# the models tried when the job names none
DEFAULT_CANDIDATES = {
    "node_classification": ["graphgbm"],
    "node_regression": ["graphgbm", "xgbgraph"],
    "link_prediction": ["complex", "distmult"],
    "graph_classification": ["wl", "gin"],
}
KINDS = ("numeric", "category", "multi-category", "text", "datetime", "none")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DataSpec(_Strict):
    """Where the graph is. ``path`` is relative to the job file; ``{data_root}`` expands to the shared data."""

    path: str
    format: Literal["neptune", "npz", "tables", "triples", "tu", "smiles"] | None = None
    nodes: str | None = Field(None, description="tables format: node file inside path")
    edges: str | None = Field(None, description="tables format: edge file inside path")
    id_column: str = "id"
    source_column: str = "src"
    target_column: str = "dst"
    split: int = Field(0, ge=0, description="npz: which of the file's splits to use")


class TargetSpec(_Strict):
    """What to predict: a node property (``positive`` lists the values that count as fraud)."""

    property: str | None = None
    node_type: str | None = None
    positive: list[str | int | float | bool] | None = None
    relation: str | None = Field(None, description="link tasks: the relation to predict")


class FeatureOverride(_Strict):
    kind: Literal["numeric", "category", "multi-category", "text", "datetime", "none"]
    norm: Literal["standard", "min-max", "none"] = "standard"
    fill: Literal["median", "mean", "zero"] = "median"
    encoding: Literal["one-hot", "embedding"] = "one-hot"
    max_categories: int = Field(50, ge=1, le=10_000)
    dim: int = Field(32, ge=2, le=4096)
    separator: str = ";"
    parts: list[Literal["year", "month", "day", "weekday", "hour", "epoch"]] = ["year", "month", "weekday", "hour"]


class FeaturesSpec(_Strict):
    overrides: dict[str, FeatureOverride] = {}
    exclude: list[str] = []
    tune: bool = Field(False, description="let the tuner also choose among encoder variants")

    @field_validator("overrides", mode="before")
    @classmethod
    def _kind_shorthand(cls, v: Any) -> Any:
        # `age: numeric` is short for `age: {kind: numeric}`
        if isinstance(v, dict):
            return {k: ({"kind": s} if isinstance(s, str) else s) for k, s in v.items()}
        return v


class SplitSpec(_Strict):
    train: float = Field(0.6, gt=0, lt=1)
    val: float = Field(0.2, gt=0, lt=1)
    test: float = Field(0.2, gt=0, lt=1)
    seed: int = 0
    use_file_masks: bool = True

    @model_validator(mode="after")
    def _sums_to_one(self) -> "SplitSpec":
        if abs(self.train + self.val + self.test - 1.0) > 1e-6:
            raise ValueError(f"train + val + test must be 1, got {self.train + self.val + self.test:g}")
        return self


class BudgetSpec(_Strict):
    trials: int | None = Field(10, ge=1, le=10_000)
    seconds: float | None = Field(None, gt=0, le=7 * 24 * 3600)

    @model_validator(mode="after")
    def _some_budget(self) -> "BudgetSpec":
        if self.trials is None and self.seconds is None:
            raise ValueError("give trials, seconds or both")
        return self


class ModelSpec(_Strict):
    candidates: list[str] | None = Field(None, min_length=1, description="default: the task's DEFAULT_CANDIDATES")
    params: dict[str, dict[str, Any]] = {}


class ReportSpec(_Strict):
    top_k: int = Field(20, ge=1, le=1000)
    ego_networks: int = Field(3, ge=0, le=12)


class Job(_Strict):
    """A whole job file."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    task: Literal["node_classification", "node_regression", "link_prediction", "graph_classification"]
    data: DataSpec
    target: TargetSpec | None = None
    metric: str | None = None
    features: FeaturesSpec = FeaturesSpec()
    split: SplitSpec = SplitSpec()
    budget: BudgetSpec = BudgetSpec()
    model: ModelSpec = ModelSpec()
    report: ReportSpec = ReportSpec()
    seed: int = 0

    @model_validator(mode="after")
    def _task_consistency(self) -> "Job":
        allowed = METRICS[self.task]
        if self.metric is None:
            self.metric = allowed[0]
        elif self.metric not in allowed:
            raise _LocError(("metric",), f"'{self.metric}' does not fit task {self.task} (use one of: {', '.join(allowed)})")
        if self.task.startswith("node") and (self.target is None or not self.target.property):
            raise _LocError(("target", "property"), f"a {self.task} job must name the property to predict")
        if self.model.candidates is None:
            self.model.candidates = list(DEFAULT_CANDIDATES[self.task])
        if self.data.format is not None and self.data.format not in TASK_FORMATS[self.task]:
            raise _LocError(("data", "format"), f"a {self.task} job cannot read '{self.data.format}' data "
                            f"(use one of: {', '.join(TASK_FORMATS[self.task])})")
        t = self.target
        misplaced = {
            "node_regression": ("positive", "a regression target is numeric; 'positive' is for node_classification"),
            "link_prediction": ("property", "a link_prediction job predicts edges; name the edge label with "
                                "target.relation (or leave it out to learn every relation)"),
            "graph_classification": ("relation", "a graph_classification job has no relation; target.property "
                                     "names the label column of a SMILES CSV"),
        }
        if t is not None and self.task in misplaced and getattr(t, misplaced[self.task][0]) is not None:
            key, why = misplaced[self.task]
            raise _LocError(("target", key), why)
        if t is not None and t.relation is not None and self.task.startswith("node"):
            raise _LocError(("target", "relation"), f"target.relation is for link_prediction jobs, not {self.task}")
        return self


class _LocError(ValueError):
    """A cross-field mistake that still knows which key it belongs to."""

    def __init__(self, loc: tuple, msg: str):
        self.loc, self.msg = loc, msg
        super().__init__(msg)


# --------------------------------------------------------------------------- YAML with line numbers
def _line_of(node: yaml.Node | None, loc: tuple) -> int | None:
    """The 1-based line of ``loc`` in the composed YAML tree (the closest existing parent if absent)."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if str(k.value) == str(part):
                    line, node = k.start_mark.line + 1, v
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _duplicates(node: yaml.Node, path: tuple = ()) -> list[tuple[tuple, int]]:
    """Keys given twice in one mapping (PyYAML silently keeps the last one)."""
    out = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for k, v in node.value:
            key = str(k.value)
            if key in seen:
                out.append((path + (key,), k.start_mark.line + 1))
            seen.add(key)
            out.extend(_duplicates(v, path + (key,)))
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            out.extend(_duplicates(v, path + (i,)))
    return out


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The pydantic model that owns the key at ``loc`` (for did-you-mean hints)."""
    model: Any = Job
    for part in loc:
        field = model.model_fields.get(str(part)) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if field is None:
            if model is FeaturesSpec or getattr(model, "__name__", "") == "dict":
                continue
            return None
        ann = field.annotation
        cands = [a for a in getattr(ann, "__args__", (ann,)) if isinstance(a, type) and issubclass(a, BaseModel)]
        if str(part) == "overrides":
            model = FeatureOverride
            continue
        if not cands:
            return None
        model = cands[0]
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _message(err: dict) -> str:
    t = err["type"]
    loc = err["loc"]
    if t == "extra_forbidden":
        owner = _model_at(loc[:-1])
        known = list(owner.model_fields) if owner else []
        hint = difflib.get_close_matches(str(loc[-1]), known, n=1)
        msg = f"unknown key '{loc[-1]}'"
        if hint:
            msg += f" (did you mean '{hint[0]}'?)"
        elif known:
            msg += f" (known: {', '.join(known)})"
        return msg
    if t == "missing":
        return "required key is missing"
    msg = err["msg"]
    if t.startswith("value_error") or t == "assertion_error":
        msg = re.sub(r"^(Value|Assertion) error, ", "", msg)
    if "input" in err and t not in ("model_type", "dict_type") and not isinstance(err["input"], (dict, list)):
        msg += f" (got {err['input']!r})"
    return msg


class LoadedJob:
    """A validated job plus where it came from, so later checks can point at a line of the file."""

    def __init__(self, spec: Job, path: Path, text: str, node: yaml.Node | None):
        self.spec = spec
        self.path = path
        self.text = text
        self._node = node

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def line_of(self, loc: tuple) -> int | None:
        return _line_of(self._node, loc)

    def error(self, loc: tuple, problem: str) -> ConfigError:
        return ConfigError(_format(self.path, [(self.line_of(loc), loc, problem)]))

    def digest(self) -> str:
        """A hash of the validated content (not of comments or layout), to refuse resuming a changed job."""
        blob = json.dumps(self.spec.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def resolve_path(self, p: str) -> Path:
        """A data path from the job: ``{data_root}`` expanded, relative paths taken from the job file's folder."""
        if "{data_root}" in p:
            from graphguard.data.io import data_root

            root = data_root()
            if root is None:
                raise self.error(("data", "path"), "uses {data_root} but no shared data was found (set GRAPHGUARD_DATA)")
            p = p.replace("{data_root}", str(root))
        q = Path(p).expanduser()
        return q if q.is_absolute() else (self.base_dir / q)


def _format(path: Path, problems: list[tuple[int | None, tuple, str]]) -> str:
    parts = []
    for line, loc, msg in problems:
        key = ".".join(str(p) for p in loc) or "<file>"
        where = f"line {line}: " if line else ""
        parts.append(f"{where}{key}: {msg}")
    head = f"{path}: " if len(problems) == 1 else f"{path}: {len(problems)} mistakes: "
    return head + "; ".join(parts)


def _clean_loc(loc: tuple) -> tuple:
    # pydantic adds the model name for model-level validators of nested models; drop non-keys
    return tuple(p for p in loc if not (isinstance(p, str) and (p.startswith("function-") or p[:1].isupper())))


def parse_job(text: str, path: str | Path = "<job>") -> LoadedJob:
    """Validate the YAML text of a job; raise one ``ConfigError`` that lists every mistake with its line."""
    path = Path(path)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = f"line {mark.line + 1}: " if mark else ""
        problem = (e.problem or e.context or "syntax error").strip()
        if e.context_mark is not None and mark is not None and e.context_mark.line != mark.line:
            problem += f" ({e.context.strip() if e.context else 'started'} at line {e.context_mark.line + 1})"
        raise ConfigError(f"{path}: {line}YAML syntax error: {problem}") from None
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: YAML syntax error: {e}") from None
    if data is None:
        raise ConfigError(f"{path}: the job file is empty")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: line 1: a job file must be a mapping of keys (name, task, data, ...), "
                          f"got a {type(data).__name__}")
    problems: list[tuple[int | None, tuple, str]] = [
        (line, loc, "key given twice (the later value would silently win)") for loc, line in _duplicates(node)
    ]
    spec = None
    try:
        spec = Job.model_validate(data)
    except ValidationError as e:
        for err in e.errors():
            ctx_err = (err.get("ctx") or {}).get("error")
            if isinstance(ctx_err, _LocError):
                loc, msg = ctx_err.loc, ctx_err.msg
            else:
                loc, msg = _clean_loc(err["loc"]), _message(err)
            problems.append((_line_of(node, loc), loc, msg))
    if spec is not None and not problems:
        problems.extend(_semantic_problems(spec, node))
    if problems:
        problems.sort(key=lambda p: p[0] or 0)
        raise ConfigError(_format(path, problems))
    return LoadedJob(spec, path, text, node)


def known_models(task: str) -> tuple[str, list[str]]:
    """What the task calls its models, and their names (for job checks and messages)."""
    if task == "node_classification":
        from graphguard.tasks.node.registry import DETECTORS

        return "detector", list(DETECTORS)
    if task == "node_regression":
        from graphguard.tasks.node.regressors import REGRESSORS

        return "node regressor", list(REGRESSORS)
    if task == "link_prediction":
        from graphguard.nn.kge import INTERACTIONS

        return "link model", list(INTERACTIONS)
    from graphguard.tasks.graph.registry import MODELS

    return "graph model", list(MODELS)


def _semantic_problems(spec: Job, node) -> list[tuple[int | None, tuple, str]]:
    out = []
    what, known = known_models(spec.task)
    for i, name in enumerate(spec.model.candidates):
        if name.lower() not in known:
            hint = difflib.get_close_matches(name.lower(), known, n=1)
            msg = f"unknown {what} '{name}'" + (f" (did you mean '{hint[0]}'?)" if hint else
                                                 f" (known: {', '.join(known)})")
            out.append((_line_of(node, ("model", "candidates", i)), ("model", "candidates", i), msg))
    for name in spec.model.params:
        if name.lower() not in [c.lower() for c in spec.model.candidates]:
            loc = ("model", "params", name)
            out.append((_line_of(node, loc), loc, f"parameters for '{name}', which is not among model.candidates"))
        elif spec.task == "node_classification" and name.lower() in known:
            from graphguard.tasks.node.registry import unknown_parameters

            for key in unknown_parameters(name.lower(), spec.model.params[name]):
                loc = ("model", "params", name, key)
                out.append((_line_of(node, loc), loc, f"unknown parameter of {what} '{name}'"))
    return out


def load_job(path: str | Path) -> LoadedJob:
    """Read and validate a job file (see ``parse_job``); its data path must exist."""
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"{path}: is a directory; give the job's YAML file (e.g. {path / 'job.yaml'})")
    if not path.is_file():
        raise ConfigError(f"{path}: job file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read the job file ({e})") from None
    job = parse_job(text, path)
    data_path = job.resolve_path(job.spec.data.path)
    if not data_path.exists():
        raise job.error(("data", "path"), f"'{job.spec.data.path}' not found (looked in {data_path})")
    return job
