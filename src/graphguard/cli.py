"""The ``graphguard`` command line: subcommands mirror the Python API.

Each task area keeps its commands in its own module (``graphguard/cli_*.py``) so this file only
wires them together. Errors caused by input (``GraphGuardError``) and usage errors (an unknown
option, a missing or malformed value) are printed as one ``error:`` line on stderr with exit status
2, never as a traceback or a box; Ctrl-C stops a command with one line and status 130, as shells
expect of an interrupted program.
"""

from __future__ import annotations

import importlib
import sys

import typer

from graphguard.errors import GraphGuardError

try:  # typer >= 0.2x carries its own copy of click
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
except ImportError:  # older typer runs on click itself
    from click.exceptions import ClickException, NoArgsIsHelpError, UsageError

INTERRUPTED = 130  # 128 + SIGINT: what a shell reports for a program stopped by Ctrl-C

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


def _print_version(value: bool) -> None:
    if value:
        from graphguard import __version__

        typer.echo(f"graphguard {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", is_eager=True, callback=_print_version,
                                       help="Print the package version and exit.")) -> None:
    pass


_register()


def _fail(message: str, status: int) -> None:
    """One line on stderr, whatever newlines the message carried, then exit with ``status``."""
    print("error: " + " ".join(message.split()), file=sys.stderr)
    sys.exit(status)


def _usage_message(e: UsageError) -> str:
    """The problem click found, naming the command and where its options are listed."""
    if e.ctx is None:
        return e.format_message()
    return f"{e.format_message()} (see '{e.ctx.command_path} --help')"


def main() -> None:
    try:
        status = app(standalone_mode=False)  # click's own handlers print usage boxes and 'Aborted!'
    except GraphGuardError as e:
        _fail(str(e), 2)
    except NoArgsIsHelpError:
        sys.exit(2)  # the help was printed already, as for a bare `graphguard node`
    except UsageError as e:
        _fail(_usage_message(e), 2)
    except ClickException as e:
        _fail(e.format_message(), e.exit_code)
    except typer.Abort:  # end of input at a prompt
        _fail("interrupted", INTERRUPTED)
    if status == INTERRUPTED:  # typer turns a KeyboardInterrupt into a silent exit 130
        _fail("interrupted", INTERRUPTED)
    if isinstance(status, int) and status:
        sys.exit(status)


if __name__ == "__main__":
    main()
