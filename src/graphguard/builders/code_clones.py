"""Clone generation for evaluating snippet search: rename, reorder independent statements, add no-ops.

Each transformation keeps the function's behaviour: local names (arguments and assigned
variables, never globals, attributes or builtins) are renamed consistently; two adjacent simple
statements are swapped only when neither defines a name the other defines or uses and neither
calls anything; no-ops are ``pass`` statements and assignments to fresh unused names.
"""

from __future__ import annotations

import ast
import copy
import random

from graphguard.builders.code import _FUNCS, _blocks, _defs_uses

TRANSFORMS = ("rename", "reorder", "noop")


class _Renamer(ast.NodeTransformer):
    def __init__(self, mapping):
        self.mapping = mapping

    def visit_Name(self, node):
        if node.id in self.mapping:
            node.id = self.mapping[node.id]
        return node

    def visit_arg(self, node):
        if node.arg in self.mapping:
            node.arg = self.mapping[node.arg]
        return node


def local_names(fn) -> list[str]:
    names = set()
    a = fn.args
    for arg in a.posonlyargs + a.args + a.kwonlyargs + [a.vararg, a.kwarg]:
        if arg is not None and arg.arg not in ("self", "cls"):
            names.add(arg.arg)
    declared_global = set()
    for node in ast.walk(fn):
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            declared_global.update(node.names)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return sorted(names - declared_global)


def rename(fn, rng: random.Random):
    fn = copy.deepcopy(fn)
    names = local_names(fn)
    fresh = [f"{rng.choice('abcdefghijkmnpqrstuvwxyz')}{i}_{rng.randrange(1000)}" for i in range(len(names))]
    return _Renamer(dict(zip(names, fresh))).visit(fn)


def _has_call(stmt) -> bool:
    return any(isinstance(n, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom)) for n in ast.walk(stmt))


def _independent(a, b) -> bool:
    simple = (ast.Assign, ast.AugAssign, ast.AnnAssign)
    if not (isinstance(a, simple) and isinstance(b, simple)) or _has_call(a) or _has_call(b):
        return False
    da, ua = _defs_uses(a)
    db, ub = _defs_uses(b)
    targets_ok = all(isinstance(t, ast.Name) for s in (a, b)
                     for t in (s.targets if isinstance(s, ast.Assign) else [s.target]))
    return targets_ok and not (da & (db | ub)) and not (db & ua)


def _all_blocks(fn):
    stack = [fn.body]
    while stack:
        b = stack.pop()
        yield b
        for s in b:
            if not isinstance(s, _FUNCS + (ast.ClassDef,)):
                stack.extend(_blocks(s))


def reorder(fn, rng: random.Random, max_swaps: int = 3):
    """Swap up to ``max_swaps`` adjacent independent statement pairs; returns (fn, swaps made)."""
    fn = copy.deepcopy(fn)
    pairs = [(b, i) for b in _all_blocks(fn) for i in range(len(b) - 1) if _independent(b[i], b[i + 1])]
    rng.shuffle(pairs)
    done, used = 0, set()
    for b, i in pairs:
        if done >= max_swaps or (id(b), i) in used or (id(b), i + 1) in used:
            continue
        b[i], b[i + 1] = b[i + 1], b[i]
        used.update({(id(b), i), (id(b), i + 1)})
        done += 1
    return fn, done


def insert_noops(fn, rng: random.Random, count: int = 2):
    fn = copy.deepcopy(fn)
    blocks = list(_all_blocks(fn))
    for j in range(count):
        b = rng.choice(blocks)
        pos = rng.randrange(len(b) + 1)
        if pos == 0 and b and isinstance(b[0], ast.Expr) and isinstance(getattr(b[0], "value", None), ast.Constant):
            pos = 1  # keep docstrings first
        stmt = ast.Pass() if rng.random() < 0.5 else ast.parse(f"_unused_{j}_{rng.randrange(100)} = None").body[0]
        b.insert(pos, stmt)
    return ast.fix_missing_locations(fn)


def make_clone(fn, kind: str, rng: random.Random):
    """A transformed copy of function ``fn``; ``kind`` is one of TRANSFORMS or ``all``."""
    kinds = TRANSFORMS if kind == "all" else (kind,)
    out = fn
    for k in kinds:
        if k == "rename":
            out = rename(out, rng)
        elif k == "reorder":
            out, _ = reorder(out, rng)
        elif k == "noop":
            out = insert_noops(out, rng)
    return ast.fix_missing_locations(out)
