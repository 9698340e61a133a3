"""Link prediction and knowledge-graph embeddings (``LinkPredictor``), filtered ranking metrics,
and drug repurposing (``DrugRepurposer``, ``cross_validate``)."""

from graphguard.tasks.link.estimator import PRESETS, LinkPredictor
from graphguard.tasks.link.evaluation import KnownTriples, evaluate_ranking, rank_metrics, realistic_ranks

__all__ = ["LinkPredictor", "PRESETS", "KnownTriples", "evaluate_ranking", "rank_metrics", "realistic_ranks"]
