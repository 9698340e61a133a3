"""Node detector estimators, one module per family."""
