"""Node types and relations by name, so a fitted detector reads a HeteroData listed in another order.

PyG keys a ``HeteroData`` by name: the order of ``node_types`` and ``edge_types`` is only the order in
which they were added, and another export, reader or script adds them differently. A detector reads
one input per relation (an edge list per target-type relation and a degree column per relation with
one end on the target type; HGT one projection per type), so it records at fit what it read and reads
a graph's types in that order (as ``columns`` does for feature columns). A missing, renamed or extra
one is a one-line error naming it.
"""

from __future__ import annotations

from graphguard.data.graph import Graph, is_hetero, target_type
from graphguard.errors import DataError

Relation = tuple[str, str, str]


def target_relations(graph: Graph) -> tuple[str | None, list[Relation]]:
    """The target node type (``None`` for a ``Data``) and the relations among or onto it, in graph order:
    what ``relational_parts`` reads (edge lists among target nodes, degree columns for the others)."""
    if not is_hetero(graph):
        return None, [("node", "to", "node")]
    t = target_type(graph)
    return t, [tuple(et) for et in graph.edge_types if t in (et[0], et[2])]


def own_relations(target: str | None, relations: list[Relation]) -> list[Relation]:
    """The relations among target nodes (a ``Data``'s one relation): those given as edge lists."""
    return list(relations) if target is None else [r for r in relations if r[0] == r[2] == target]


def type_name(t) -> str:
    return "(" + ", ".join(t) + ")" if isinstance(t, (tuple, list)) else str(t)


def describe(target: str | None, relations: list) -> str:
    if target is None:
        return "a homogeneous Data"
    return f"a HeteroData with target type '{target}' and relations " + ", ".join(map(type_name, relations))


def check_names(kind: str, have: list, fitted: list, source: str = "predict") -> None:
    """Refuse ``have`` unless it holds exactly the ``fitted`` names (in any order), naming the first
    unknown one, else the first missing one."""
    known = ", ".join(map(type_name, fitted))
    for t in have:
        if t not in fitted:
            raise DataError(source, f"graph has {kind} {type_name(t)} the model was not fitted on (known: {known})")
    for t in fitted:
        if t not in have:
            raise DataError(source, f"graph lacks {kind} {type_name(t)} the model was fitted on (known: {known})")


def check_relations(graph: Graph, target: str | None, fitted: list[Relation]) -> None:
    """Refuse a graph whose target type or relations (see ``target_relations``) differ from the fitted ones."""
    t, rels = target_relations(graph)
    if t != target:
        raise DataError("predict", f"graph is {describe(t, rels)}; the model was fitted on {describe(target, fitted)}")
    check_names("relation", rels, fitted)


def check_types(graph: Graph, node_types: list[str], edge_types: list[Relation]) -> None:
    """Refuse a ``HeteroData`` whose node or edge types differ from the fitted ones (in any order)."""
    check_names("node type", list(graph.node_types), node_types)
    check_names("edge type", [tuple(et) for et in graph.edge_types], edge_types)
