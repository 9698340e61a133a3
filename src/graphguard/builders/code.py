"""Python source -> program-dependence graph (PDG), with the standard ``ast`` module.

Nodes are AST nodes (expression contexts such as ``Load``/``Store`` are left out). Node features
are a one-hot of the AST node type; identifiers and literal values are deliberately *not*
features, so renamed variables give the same graph. Edges have three kinds, each stored in both
directions (``edge_type`` 0-2 forward, 3-5 reverse; ``edge_attr`` is its one-hot):

* ``ast``: parent -> child;
* ``cfg``: control flow between statements (next statement in a block, a compound statement to
  the first statement of each of its blocks, the end of a loop body back to the loop, a branch
  or loop to what follows it);
* ``dataflow``: def -> use, from the statement that defines a variable to each statement that
  uses that definition (reaching definitions, solved iteratively over the control-flow edges).

``ProgramGraph`` keeps the statement-level def-use triples for inspection and tests.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch_geometric.data import Data

from graphguard.errors import DataError

EDGE_KINDS = ("ast", "cfg", "dataflow")
_SKIP = (ast.expr_context,)
NODE_TYPES = sorted(n for n, c in vars(ast).items() if isinstance(c, type) and issubclass(c, ast.AST)
                    and not issubclass(c, _SKIP) and c is not ast.AST)
_TYPE_INDEX = {n: i for i, n in enumerate(NODE_TYPES)}
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_BLOCK_FIELDS = ("body", "orelse", "finalbody", "handlers")


@dataclass
class ProgramGraph:
    """A PDG: AST nodes plus typed edges, and statement-level def-use facts."""

    nodes: list[ast.AST]
    edges: list[tuple[int, int, int]]  # (src, dst, kind index)
    def_use: list[tuple[int, str, int]] = field(default_factory=list)  # (def stmt, variable, use stmt)
    name: str = ""
    slots: list[str] = field(default_factory=list)  # the parent's field each node sits in ("left", "body")

    def statement_line(self, i: int) -> int:
        return getattr(self.nodes[i], "lineno", 0)

    def def_use_lines(self) -> set[tuple[int, str, int]]:
        """Def-use facts as (def line, variable, use line)."""
        return {(self.statement_line(d), v, self.statement_line(u)) for d, v, u in self.def_use}

    def node_labels(self) -> list[str]:
        """Node labels for matching: the AST type and the parent field it fills (``BinOp@left``,
        so ``a - b`` and ``b - a`` differ while statements of one block stay unordered), plus the
        name for non-local references (globals, builtins, attributes, keyword names) and the value
        of short literals.

        Local variables and arguments stay anonymous, so consistent renaming keeps every label;
        the names a function calls or reads from outside still tell look-alike functions apart.
        """
        root = self.nodes[0]
        local = set()
        if isinstance(root, _FUNCS):
            a = root.args
            local |= {x.arg for x in a.posonlyargs + a.args + a.kwonlyargs + [a.vararg, a.kwarg] if x is not None}
        for nd in self.nodes:
            if isinstance(nd, ast.Name) and isinstance(nd.ctx, (ast.Store, ast.Del)):
                local.add(nd.id)
            elif isinstance(nd, ast.arg):
                local.add(nd.arg)
        out = []
        for nd in self.nodes:
            t = type(nd).__name__
            if isinstance(nd, ast.Name) and nd.id not in local:
                t += f":{nd.id}"
            elif isinstance(nd, ast.Attribute):
                t += f":{nd.attr}"
            elif isinstance(nd, ast.keyword) and nd.arg:
                t += f":{nd.arg}"
            elif isinstance(nd, ast.Constant) and len(repr(nd.value)) <= 20:
                t += f":{nd.value!r}"
            if self.slots:
                t += f"@{self.slots[len(out)]}"
            out.append(t)
        return out

    def to_data(self) -> Data:
        n = len(self.nodes)
        x = np.zeros((n, len(NODE_TYPES)), dtype=np.float32)
        x[np.arange(n), [_TYPE_INDEX.get(type(nd).__name__, 0) for nd in self.nodes]] = 1.0
        e = np.asarray(self.edges, dtype=np.int64).reshape(-1, 3)
        src = np.concatenate([e[:, 0], e[:, 1]])
        dst = np.concatenate([e[:, 1], e[:, 0]])
        et = np.concatenate([e[:, 2], e[:, 2] + len(EDGE_KINDS)])
        ea = np.zeros((len(et), 2 * len(EDGE_KINDS)), dtype=np.float32)
        ea[np.arange(len(et)), et] = 1.0
        g = Data(x=torch.from_numpy(x), edge_index=torch.from_numpy(np.stack([src, dst])),
                 edge_attr=torch.from_numpy(ea), edge_type=torch.from_numpy(et))
        g.num_nodes = n
        g.name = self.name
        return g


def parse_source(source: str, filename: str = "<source>") -> ast.Module:
    """``ast.parse`` with a one-line ``DataError`` for a syntax error (file, line, message)."""
    if "\0" in source:  # Python reports it as a SyntaxError without a line
        line = source.count("\n", 0, source.index("\0")) + 1
        raise DataError(filename, f"a null byte at line {line}: not Python source text")
    try:
        return ast.parse(source, filename=str(filename))
    except SyntaxError as e:
        raise DataError(filename, f"syntax error at line {e.lineno}: {e.msg}") from None
    except ValueError as e:
        raise DataError(filename, f"cannot parse Python source ({e})") from None
    except RecursionError:  # a very long or deeply nested expression
        raise DataError(filename, _TOO_DEEP) from None


_TOO_DEEP = "an expression is nested too deeply (Python's recursion limit); split it up"


def _graph(fn: ast.AST, name: str, filename) -> ProgramGraph:
    """``build_program_graph`` with a one-line error where the AST is too deep to walk."""
    try:
        return build_program_graph(fn, name)
    except RecursionError:
        raise DataError(filename, f"function {name}: {_TOO_DEEP}") from None


def _defs_uses(stmt: ast.AST) -> tuple[set[str], set[str]]:
    """Names a statement defines and uses, not descending into nested blocks of compound statements."""
    defs, uses = set(), set()
    if isinstance(stmt, _FUNCS):
        a = stmt.args
        for arg in a.posonlyargs + a.args + a.kwonlyargs + [a.vararg, a.kwarg]:
            if arg is not None:
                defs.add(arg.arg)
        return defs, uses
    if isinstance(stmt, ast.ClassDef):
        return {stmt.name}, uses
    heads: list[ast.AST]
    if isinstance(stmt, (ast.If, ast.While)):
        heads = [stmt.test]
    elif isinstance(stmt, (ast.For, ast.AsyncFor)):
        heads = [stmt.target, stmt.iter]
    elif isinstance(stmt, (ast.With, ast.AsyncWith)):
        heads = list(stmt.items)
    elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
        heads = []
    elif isinstance(stmt, ast.ExceptHandler):
        heads = [stmt.type] if stmt.type is not None else []
        if stmt.name:
            defs.add(stmt.name)
    elif isinstance(stmt, ast.Match):
        heads = [stmt.subject]
    else:
        heads = [stmt]
    for h in heads:
        for node in ast.walk(h):
            if isinstance(node, ast.Name):
                (defs if isinstance(node.ctx, (ast.Store, ast.Del)) else uses).add(node.id)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for al in node.names:
                    defs.add((al.asname or al.name).split(".")[0])
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                pass
    if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
        uses.add(stmt.target.id)
    return defs, uses


def _blocks(stmt: ast.AST) -> list[list[ast.stmt]]:
    out = []
    for f in _BLOCK_FIELDS:
        b = getattr(stmt, f, None)
        if isinstance(b, list) and b:
            out.append(b)
    if isinstance(stmt, ast.Match):
        out += [c.body for c in stmt.cases if c.body]
    return out


class _Builder:
    def __init__(self, root: ast.AST, name: str):
        self.nodes: list[ast.AST] = []
        self.slots: list[str] = []
        self.index: dict[int, int] = {}
        self.edges: list[tuple[int, int, int]] = []
        self.name = name
        self._ast(root, None, "")
        self.succ: dict[int, set[int]] = {}
        self.stmts: list[int] = []
        self._cfg_stmt(root, [])
        for s, ds in self.succ.items():
            for d in ds:
                self.edges.append((s, d, 1))
        self.def_use = self._reaching()
        for d, _, u in sorted(set(self.def_use)):
            self.edges.append((d, u, 2))

    def _ast(self, node: ast.AST, parent: int | None, slot: str) -> None:
        if isinstance(node, _SKIP):
            return
        i = len(self.nodes)
        self.nodes.append(node)
        self.slots.append(slot)
        self.index[id(node)] = i
        if parent is not None:
            self.edges.append((parent, i, 0))
        for name, value in ast.iter_fields(node):  # the order ast.iter_child_nodes uses
            for child in value if isinstance(value, list) else [value]:
                if isinstance(child, ast.AST):
                    self._ast(child, i, name)

    def _link(self, a: int, b: int) -> None:
        self.succ.setdefault(a, set()).add(b)

    def _cfg_stmt(self, stmt: ast.AST, follow: list[int]) -> None:
        """Control-flow edges of ``stmt`` and its blocks; ``follow`` are the statements after it."""
        i = self.index[id(stmt)]
        self.stmts.append(i)
        blocks = _blocks(stmt)
        loop = isinstance(stmt, _LOOPS)
        if isinstance(stmt, _FUNCS + (ast.Module, ast.ClassDef)) and stmt is not self.nodes[0]:
            blocks = []  # nested definitions are one opaque statement
        for b in blocks:
            self._link(i, self.index[id(b[0])])
            self._cfg_block(b, [i] if loop else follow)
        if loop or not blocks or isinstance(stmt, ast.If) and not stmt.orelse:
            for f in follow:
                self._link(i, f)

    def _cfg_block(self, block: list[ast.stmt], follow: list[int]) -> None:
        for k, s in enumerate(block):
            nxt = [self.index[id(block[k + 1])]] if k + 1 < len(block) else follow
            if isinstance(s, (ast.Return, ast.Raise, ast.Break, ast.Continue)):
                nxt = []
            self._cfg_stmt(s, nxt)

    def _reaching(self) -> list[tuple[int, str, int]]:
        facts = {s: _defs_uses(self.nodes[s]) for s in self.stmts}
        gen = {s: {(v, s) for v in facts[s][0]} for s in self.stmts}
        preds: dict[int, set[int]] = {s: set() for s in self.stmts}
        for a, bs in self.succ.items():
            for b in bs:
                preds.setdefault(b, set()).add(a)
        reach_in = {s: set() for s in self.stmts}
        reach_out = {s: set(gen[s]) for s in self.stmts}
        changed = True
        while changed:
            changed = False
            for s in self.stmts:
                rin = set().union(*(reach_out[p] for p in preds.get(s, ()))) if preds.get(s) else set()
                killed = facts[s][0]
                rout = gen[s] | {(v, d) for v, d in rin if v not in killed}
                if rin != reach_in[s] or rout != reach_out[s]:
                    reach_in[s], reach_out[s], changed = rin, rout, True
        out = []
        for s in self.stmts:
            for v, d in reach_in[s]:
                if v in facts[s][1]:
                    out.append((d, v, s))
        return out


def build_program_graph(root: ast.AST, name: str = "") -> ProgramGraph:
    b = _Builder(root, name)
    return ProgramGraph(b.nodes, b.edges, sorted(set(b.def_use)), name, b.slots)


def iter_functions(tree: ast.AST, prefix: str = ""):
    """(qualified name, node) for every function and method, nested ones included."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, _FUNCS):
            q = f"{prefix}{node.name}"
            yield q, node
            yield from iter_functions(node, q + ".")
        elif isinstance(node, ast.ClassDef):
            yield from iter_functions(node, f"{prefix}{node.name}.")


def source_to_graphs(source: str, filename: str = "<source>") -> dict[str, Data]:
    """One PDG (as PyG ``Data``) per function in ``source``, keyed by qualified name."""
    tree = parse_source(source, filename)
    return {q: _graph(fn, q, filename).to_data() for q, fn in iter_functions(tree)}


def function_graph(source: str, name: str, filename: str = "<source>") -> ProgramGraph:
    tree = parse_source(source, filename)
    for q, fn in iter_functions(tree):
        if q == name or fn.name == name:
            return _graph(fn, q, filename)
    raise DataError(filename, f"no function named '{name}'")


def file_to_graphs(path: str | Path) -> dict[str, Data]:
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DataError(path, "not UTF-8 text") from None
    return source_to_graphs(text, str(path))
