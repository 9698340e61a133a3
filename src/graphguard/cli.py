"""The ``graphguard`` command line: subcommands mirror the Python API.

Each task area keeps its commands in its own module (``graphguard/cli_*.py``) so this file only
wires them together. Errors caused by input (``GraphGuardError``) are printed as one line on
stderr with exit status 2, never as a traceback.
"""

from __future__ import annotations

import importlib
import sys

import typer

from graphguard.errors import GraphGuardError

app = typer.Typer(
    name="graphguard",
    help="Machine learning on graphs: fraud detection, link prediction, graph classification.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# sub-applications: (name, module, help)
SUBAPPS = [
    ("node", "graphguard.cli_node", "Node-level fraud / anomaly detection."),
    ("link", "graphguard.cli_link", "Link prediction, knowledge-graph embeddings, drug repurposing."),
    ("graph", "graphguard.cli_graph", "Graph-level classification and similarity search."),
    ("build", "graphguard.cli_build", "Build graphs from molecules, code, proteins and documents."),
    ("code", "graphguard.cli_code", "Similar-snippet search over Python code."),
]
# single commands: (name, module, function)
COMMANDS = [
    ("demo", "graphguard.cli_node", "demo"),
    ("augment", "graphguard.cli_augment", "augment"),
    ("generate", "graphguard.cli_scale", "generate"),
    ("ingest", "graphguard.cli_scale", "ingest"),
    ("run", "graphguard.cli_workflow", "run"),
    ("report", "graphguard.cli_workflow", "report"),
    ("explain", "graphguard.cli_workflow", "explain"),
    ("serve", "graphguard.cli_workflow", "serve"),
]


def _optional(mod: str):
    """Import a CLI module of a task area; ``None`` only if that module does not exist yet."""
    try:
        return importlib.import_module(mod)
    except ModuleNotFoundError as e:
        if e.name == mod:
            return None
        raise


def _register() -> None:
    for name, mod, help_ in SUBAPPS:
        m = _optional(mod)
        if m is not None:
            app.add_typer(m.app, name=name, help=help_)
    for name, mod, fn in COMMANDS:
        m = _optional(mod)
        if m is not None and hasattr(m, fn):
            app.command(name=name)(getattr(m, fn))


_register()


def main() -> None:
    try:
        app()
    except GraphGuardError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
