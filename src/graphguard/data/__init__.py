"""Graph containers, readers/writers, validation and splits."""

from graphguard.data.graph import (
    Graph,
    copy_graph,
    is_hetero,
    make_graph,
    relations,
    set_masks,
    target_store,
    target_type,
)
from graphguard.data.io import data_root, detect_format, load_graph
from graphguard.data.splits import gadbench_split, semi_supervised_split, stratified_split, trial_seed
from graphguard.data.validate import check_relation, require_binary_labels, validate_graph

__all__ = [
    "Graph", "copy_graph", "is_hetero", "make_graph", "relations", "set_masks", "target_store",
    "target_type", "data_root", "detect_format", "load_graph", "gadbench_split",
    "semi_supervised_split", "stratified_split", "trial_seed", "check_relation",
    "require_binary_labels", "validate_graph",
]
