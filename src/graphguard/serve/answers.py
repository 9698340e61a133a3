"""The success answers of ``graphguard serve`` as pydantic models, for the OpenAPI schema and ``/docs``.

The handlers build plain dicts (the node scores pre-serialised) and the models only document them: FastAPI
re-validating an answer through its model would cost time per item and would write optional fields that are
absent now (``bias``, ``important_edges``) as null. ``tests/serve/test_serve_schema.py`` checks every answer of
every kind of run against the schema instead. So the models say exactly what the handlers send: a key the server
leaves out where it does not apply is optional and never null (:func:`absent_otherwise`), and null is allowed only
where the server writes it.

The app is built for one run, so the schema declares the shapes of that run's task: ``/v1/predict/nodes``
answers scores and labels on a node classification run, predicted values on a node regression run.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


def _no_default(schema: dict) -> None:
    schema.pop("default", None)


def absent_otherwise(description: str) -> Any:
    """An optional key that the server leaves out, never sends as null, where it does not apply.

    A pydantic default of None would put ``null`` into the schema (as a type or a default) though no answer
    carries it; the default exists only so that the key is not ``required``.
    """
    return Field(None, description=description, json_schema_extra=_no_default)


class Health(BaseModel):
    status: Literal["ok"]


# --------------------------------------------------------------------------- POST /v1/predict/nodes
class Prediction(BaseModel):
    id: str
    score: float = Field(description="higher = more suspicious")
    label: int = Field(description="1 if score >= threshold (flagged), else 0")
    new: bool = Field(description="true for a node scored inductively from this request")


class PredictNodesResponse(BaseModel):
    """Scores and labels (node classification runs)."""

    threshold: float = Field(description="the run's decision threshold on the score")
    predictions: list[Prediction] = Field(description="the asked ids in order, then the new nodes not among them")


class PredictedValue(BaseModel):
    id: str
    value: float = Field(description="the model's prediction of the target property")
    new: bool = Field(description="always false: regression runs predict known nodes only")


class PredictNodeValuesResponse(BaseModel):
    """Predicted values (node regression runs)."""

    target: str = Field(description="the property the run predicts")
    predictions: list[PredictedValue] = Field(description="one per asked id, in order")


# --------------------------------------------------------------------------- the other tasks
class Tail(BaseModel):
    tail: str = Field(description="the tail entity as the data named it")
    score: float = Field(description="the model's score of (head, relation, tail); higher = more likely")
    known: bool = Field(description="true when the triple is already in the run's data")


class PredictLinksResponse(BaseModel):
    head: str
    relation: str
    predictions: list[Tail] = Field(description="the top k tails, best first")


class GraphPrediction(BaseModel):
    smiles: str
    label: int = Field(description="the predicted class")
    score: float = Field(description="probability of the positive class (two classes), else of the predicted one")


class PredictGraphsResponse(BaseModel):
    predictions: list[GraphPrediction] = Field(description="one per molecule, in order")


# --------------------------------------------------------------------------- POST /v1/explain/node
class Contribution(BaseModel):
    feature: str = Field(description="an input property, split into the node's own value and its neighbourhood")
    contribution: float


class NeighbourEffect(BaseModel):
    id: str
    score: float = Field(description="the neighbour's own score")
    known_label: int | None = Field(description="its label in the training data; null when unlabelled")
    effect: float = Field(description="how much lower the node scores without the edge to this neighbour")


class ImportantEdge(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    source: str = Field(alias="from")
    to: str
    importance: float = Field(description="GNNExplainer's edge mask, in [0, 1]")


class Explanation(BaseModel):
    id: str
    score: float
    threshold: float
    label: int = Field(description="1 if score >= threshold (flagged), else 0")
    detector: str
    known_label: int | None = absent_otherwise("the node's label in the training data (null when unlabelled); "
                                               "absent when the graph has no labels")
    method: str = Field(description="how the contributions were computed, and their unit")
    bias: float = absent_otherwise("the trees' base value (tree models only; absent otherwise)")
    signed: Literal[False] = absent_otherwise("false when contributions are importances in [0, 1] (GNNExplainer); "
                                              "absent when they are signed (raise or lower the score)")
    important_edges: list[ImportantEdge] = absent_otherwise("GNN models only; absent otherwise")
    contributions: list[Contribution] = Field(description="the largest first, by absolute value")
    neighbours: list[NeighbourEffect] = Field(description="the largest effect first, by absolute value")


# --------------------------------------------------------------------------- GET /v1/model
class ModelInfo(BaseModel):
    """What every run reports."""

    name: str = Field(description="the job's name")
    task: str
    detector: str | None = Field(description="the model the run chose")
    params: dict[str, Any] | None = Field(description="its hyperparameters")
    metric: str | None = Field(description="the metric the run tuned for")
    metrics: dict[str, dict[str, float | None]] = Field(
        description="'val' and 'test': metric name -> value; null where the split cannot define it "
                    "(R² of targets that are all equal)")
    created: str | None
    graphguard_version: str | None


class InductiveScoring(BaseModel):
    hops: int = Field(description="the neighbourhood around a new node's edges that is scored")
    properties: list[str] = Field(description="the properties a new node may carry")


class NodeModelInfo(ModelInfo):
    task: Literal["node_classification"]
    threshold: float
    nodes: int
    features: int = Field(description="the length of an encoded feature vector ('features' of a new node)")
    inductive: InductiveScoring


class RegressionModelInfo(ModelInfo):
    task: Literal["node_regression"]
    target: str = Field(description="the property the run predicts")
    nodes: int


class LinkModelInfo(ModelInfo):
    task: Literal["link_prediction"]
    entities: int
    relations: list[str]


class GraphModelInfo(ModelInfo):
    task: Literal["graph_classification"]
    classes: list[int] = Field(min_length=2, description="the classes the model predicts, as the data labelled "
                                                          "them; 'label' of POST /v1/predict/graphs is one of them")
    accepts_smiles: bool = Field(description="whether POST /v1/predict/graphs classifies new SMILES")


MODEL_INFO = {"node_classification": NodeModelInfo, "node_regression": RegressionModelInfo,
              "link_prediction": LinkModelInfo, "graph_classification": GraphModelInfo}
NODE_ANSWERS = {"node_regression": PredictNodeValuesResponse}  # the other runs: PredictNodesResponse
