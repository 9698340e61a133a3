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


def stdlib_functions(n: int, seed: int = 0, min_statements: int = 6, max_statements: int = 80):
    """``n`` functions sampled from the installed standard library: list of (key, AST node)."""
    import sysconfig
    from pathlib import Path

    from graphguard.builders.code import iter_functions

    root = Path(sysconfig.get_paths()["stdlib"])
    found = []
    for f in sorted(root.glob("*.py")):
        try:
            tree = ast.parse(f.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for q, fn in iter_functions(tree):
            size = sum(isinstance(s, ast.stmt) for s in ast.walk(fn))
            if min_statements <= size <= max_statements:
                found.append((f"{f.name}::{q}", fn))
    rng = random.Random(seed)
    rng.shuffle(found)
    return found[:n]


def _average_precision(ranked: list[str], relevant: set[str]) -> float:
    hits, total = 0, 0.0
    for i, r in enumerate(ranked, 1):
        if r in relevant:
            hits += 1
            total += hits / i
    return total / max(len(relevant), 1)


def evaluate_clone_search(functions, n_distractors: int = 0, distractors=(), seed: int = 0, k: int = 10,
                          kinds=TRANSFORMS + ("all",)) -> dict:
    """MAP and Recall@k of PDG-WL search vs exact-token-shingle search on generated clones.

    Corpus: every original, one clone per transformation kind, and ``distractors`` (other
    functions). Query: each original. Relevant: its clones. Per-kind figures rank each clone kind
    alone (the other clones of the same original are removed from that ranking).
    """
    from graphguard.builders.code_search import CodeIndex, TokenShingleIndex

    rng = random.Random(seed)
    graph_idx, token_idx = CodeIndex(), TokenShingleIndex()
    clones: dict[str, list[str]] = {}
    for key, fn in list(functions) + list(distractors):
        graph_idx.add_function(key, fn)
        token_idx.add(key, ast.unparse(fn))
    for key, fn in functions:
        clones[key] = []
        for kind in kinds:
            c = make_clone(fn, kind, rng)
            ck = f"{key}#{kind}"
            graph_idx.add_function(ck, c)
            token_idx.add(ck, ast.unparse(c))
            clones[key].append(ck)
    depth = len(graph_idx.ids)
    res = {}
    for method, search in (("pdg_wl", lambda key, fn: graph_idx.similar(fn, k=depth, exclude=key)),
                           ("token_shingle", lambda key, fn: token_idx.similar(ast.unparse(fn), k=depth, exclude=key))):
        aps, recalls, per_kind = [], [], {kd: [] for kd in kinds}
        for key, fn in functions:
            ranked = [r for r, _ in search(key, fn)]
            rel = set(clones[key])
            aps.append(_average_precision(ranked, rel))
            recalls.append(len(rel & set(ranked[:k])) / len(rel))
            for kd in kinds:
                target = f"{key}#{kd}"
                sub = [r for r in ranked if r == target or r not in rel]
                per_kind[kd].append(_average_precision(sub, {target}))
        res[method] = {"map": float(sum(aps) / len(aps)), f"recall_at_{k}": float(sum(recalls) / len(recalls)),
                       "map_by_transform": {kd: float(sum(v) / len(v)) for kd, v in per_kind.items()}}
    res["n_queries"] = len(functions)
    res["corpus_size"] = depth
    return res
