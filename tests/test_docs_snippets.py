"""The README's and docs' snippets must not drift from the code: every name a Python block imports from
graphguard exists, and every ``graphguard ...`` command line (in a shell block or inline) names a real
command and only options that command has. Cheap and offline: no snippet is run, no data is read."""

from __future__ import annotations

import ast
import importlib
import re
import shlex
from pathlib import Path

import pytest
import typer

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
INLINE = re.compile(r"`(graphguard [^`]+)`")


def _blocks(lang: str):
    for doc in DOCS:
        text = doc.read_text()
        for m in FENCE.finditer(text):
            if m.group(1) == lang:
                yield f"{doc.name}:{text[:m.start()].count(chr(10)) + 1}", m.group(2)


def _imports(source: str):
    """(module, name) for every ``from graphguard... import name`` and (module, None) for ``import graphguard...``."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("graphguard"):
            yield from ((node.module, a.name) for a in node.names)
        elif isinstance(node, ast.Import):
            yield from ((a.name, None) for a in node.names if a.name.startswith("graphguard"))


def _command_lines():
    """Every documented ``graphguard`` invocation: lines of shell blocks (continuations joined) and inline spans."""
    for where, block in _blocks("bash"):
        for line in block.replace("\\\n", " ").splitlines():
            words = line.split("#")[0].split()
            if "graphguard" in words:
                yield where, " ".join(words[words.index("graphguard"):])
    for doc in DOCS:
        for i, line in enumerate(doc.read_text().splitlines(), 1):
            for span in INLINE.findall(line):
                yield f"{doc.name}:{i}", span


def _option_words(words: list[str]):
    """The ``--long`` options of a command line; ``a|b`` alternatives and ``[--opt]`` brackets are the docs' notation."""
    for w in words:
        w = w.strip("[]")
        if w.startswith("--"):
            yield w.split("=")[0]


def _resolve(words: list[str]):
    """Walk the click tree along the leading words; returns (command, path) or raises with the unknown word."""
    from graphguard.cli import app

    cmd, path = typer.main.get_command(app), ["graphguard"]
    for w in words[1:]:
        if not _is_group(cmd) or w.startswith("-") or w == "|":
            break  # options begin, or a '|' list of alternatives
        name = w.split("|")[0]
        if name not in cmd.commands:
            if any(c.isupper() for c in name) or "." in name or "/" in name:
                break  # an argument (FILE, DIR, job.yaml), not a subcommand
            raise AssertionError(f"unknown command {' '.join(path)} {name}")
        cmd, path = cmd.commands[name], path + [name]
    return cmd, path


def _is_group(cmd) -> bool:
    """Typer ships its own copy of click, so a group is recognised by its subcommands, not its class."""
    return hasattr(cmd, "commands")


def _options(cmd) -> set[str]:
    return {o for p in cmd.params for o in (*p.opts, *p.secondary_opts)}


@pytest.mark.parametrize("where,source", list(_blocks("python")), ids=lambda v: v if ":" in str(v) else "")
def test_every_graphguard_name_a_python_block_imports_exists(where, source):
    for module, name in _imports(source):
        mod = importlib.import_module(module)
        assert name is None or hasattr(mod, name), f"{where}: {module} has no {name}"


def test_every_documented_command_and_option_exists():
    wrong = []
    for where, line in _command_lines():
        words = shlex.split(line.replace("'", '"'), posix=False)
        try:
            cmd, path = _resolve(words)
        except AssertionError as e:
            wrong.append(f"{where}: {e}")
            continue
        if _is_group(cmd):
            continue  # a list of subcommands ('node train | evaluate'), checked where each is spelled out
        known = _options(cmd)
        wrong += [f"{where}: {' '.join(path)} has no {o}" for o in _option_words(words) if o not in known]
    assert not wrong, "\n".join(wrong)


def test_the_check_sees_the_documented_commands():
    """Guard against an extractor that silently finds nothing."""
    lines = [line for _, line in _command_lines()]
    assert len(lines) > 40 and any(line.startswith("graphguard run ") for line in lines)
    assert len(list(_blocks("python"))) >= 10


def test_every_command_takes_quiet_as_the_readme_says():
    from graphguard.cli import app

    def leaves(cmd, path):
        if _is_group(cmd):
            for name, sub in cmd.commands.items():
                yield from leaves(sub, f"{path} {name}")
        else:
            yield path, _options(cmd)

    loud = [path for path, opts in leaves(typer.main.get_command(app), "graphguard") if "--quiet" not in opts]
    assert not loud, f"without --quiet: {loud}"
