"""graphguard: machine learning on graphs for fraud detection, link prediction and graph-level tasks."""

from graphguard.errors import GraphGuardError, DataError

__version__ = "0.1.0"
__all__ = ["GraphGuardError", "DataError", "__version__"]
