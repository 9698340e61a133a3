"""Task-level estimators: ``node``, ``link`` and ``graph``."""
