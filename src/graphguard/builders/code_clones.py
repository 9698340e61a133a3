"""Clone generation for evaluating snippet search: rename, reorder independent statements, add no-ops.

Each transformation keeps the function's behaviour: local names (arguments and assigned
variables, never globals, attributes or builtins) are renamed consistently; in every run of
consecutive simple assignments without calls, the statements are put in a random order that keeps
each dependent pair (one defines a name the other defines or uses) in its original order, as a
programmer reordering independent statements would; no-ops are ``pass`` statements and
assignments to fresh unused names.

The evaluation set drops functions that are copies of another one up to local names (they would
be correct answers nobody labelled), and ``reorderable`` picks functions where reordering applies.
"""

from __future__ import annotations

import ast
import copy
import random

from graphguard.builders.code import _FUNCS, _blocks, _defs_uses

TRANSFORMS = ("rename", "reorder", "noop")
# combined kinds: several transformations applied to the same function, in TRANSFORMS order
COMBINED = {"rename+reorder": ("rename", "reorder"), "all": TRANSFORMS}


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


def _movable(stmt) -> bool:
    simple = (ast.Assign, ast.AugAssign, ast.AnnAssign)
    if not isinstance(stmt, simple) or _has_call(stmt):
        return False
    return all(isinstance(t, ast.Name) for t in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]))


def _runs(block) -> list[tuple[int, int]]:
    """(start, end) of each maximal run of two or more consecutive movable statements."""
    out, start = [], None
    for i, s in enumerate(block + [None]):
        if s is not None and _movable(s):
            start = i if start is None else start
        else:
            if start is not None and i - start >= 2:
                out.append((start, i))
            start = None
    return out


def _random_order(stmts, rng: random.Random) -> list[int]:
    """A random order of ``stmts`` that keeps every dependent pair in its original order."""
    preds = [{j for j in range(i) if not _independent(stmts[j], stmts[i])} for i in range(len(stmts))]
    order, left = [], list(range(len(stmts)))
    while left:
        ready = [i for i in left if preds[i] <= set(order)]
        pick = rng.choice(ready)
        order.append(pick)
        left.remove(pick)
    return order


def _inversions(order: list[int]) -> int:
    return sum(1 for a in range(len(order)) for b in range(a + 1, len(order)) if order[a] > order[b])


def reorderable(fn) -> bool:
    """True when some run has another valid order: two neighbours in it are independent."""
    return any(_independent(b[i], b[i + 1]) for b in _all_blocks(fn) for lo, hi in _runs(b) for i in range(lo, hi - 1))


def reorder(fn, rng: random.Random, tries: int = 10):
    """Randomly reorder every run of independent simple statements; returns (fn, swaps).

    ``swaps`` counts the adjacent transpositions the new order needs (0: nothing could move). A
    run that can change is re-drawn up to ``tries`` times until its order differs.
    """
    fn = copy.deepcopy(fn)
    swaps = 0
    for b in list(_all_blocks(fn)):
        for lo, hi in _runs(b):
            run = b[lo:hi]
            order = list(range(len(run)))
            for _ in range(tries):
                order = _random_order(run, rng)
                if order != sorted(order):
                    break
            b[lo:hi] = [run[i] for i in order]
            swaps += _inversions(order)
    return fn, swaps


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


NEAR_MISSES = ("swap_dependent", "operator", "delete")
_OPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Add, ast.Div: ast.Mult, ast.FloorDiv: ast.Mod,
        ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult, ast.BitAnd: ast.BitOr, ast.BitOr: ast.BitAnd, ast.LShift: ast.RShift,
        ast.RShift: ast.LShift, ast.BitXor: ast.BitOr, ast.MatMult: ast.Mult, ast.Lt: ast.GtE, ast.GtE: ast.Lt,
        ast.Gt: ast.LtE, ast.LtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Is: ast.IsNot,
        ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.And: ast.Or, ast.Or: ast.And}


def near_miss(fn, kind: str, rng: random.Random):
    """A copy of ``fn`` that looks alike but behaves differently (a hard negative), or None.

    ``swap_dependent`` swaps two neighbouring statements where the first defines a name the second
    uses; ``operator`` flips one arithmetic, comparison or boolean operator; ``delete`` drops one
    simple statement (not the docstring, not a lone statement).
    """
    fn = copy.deepcopy(fn)
    blocks = list(_all_blocks(fn))
    if kind == "swap_dependent":
        sites = [(b, i) for b in blocks for i in range(len(b) - 1) if _movable(b[i]) and _movable(b[i + 1])
                 and _defs_uses(b[i])[0] & _defs_uses(b[i + 1])[1]]
        if not sites:
            return None
        b, i = rng.choice(sites)
        b[i], b[i + 1] = b[i + 1], b[i]
    elif kind == "operator":
        sites = [(n, j) for n in ast.walk(fn) if isinstance(n, (ast.BinOp, ast.BoolOp, ast.AugAssign, ast.Compare))
                 for j in range(len(n.ops) if isinstance(n, ast.Compare) else 1)]
        if not sites:
            return None
        n, j = rng.choice(sites)
        if isinstance(n, ast.Compare):
            n.ops[j] = _OPS[type(n.ops[j])]()
        else:
            n.op = _OPS.get(type(n.op), ast.Add)()
    elif kind == "delete":
        simple = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr)
        sites = [(b, i) for b in blocks for i in range(len(b)) if len(b) > 1 and isinstance(b[i], simple)
                 and not (b is fn.body and i == 0 and isinstance(b[i], ast.Expr))]
        if not sites:
            return None
        b, i = rng.choice(sites)
        del b[i]
    else:
        raise ValueError(f"unknown near-miss kind '{kind}'")
    return ast.fix_missing_locations(fn)


def make_clone(fn, kind: str, rng: random.Random):
    """A transformed copy of function ``fn``; ``kind`` is one of TRANSFORMS or COMBINED."""
    if kind not in TRANSFORMS and kind not in COMBINED:
        raise ValueError(f"unknown clone kind '{kind}'")
    kinds = COMBINED.get(kind, (kind,))
    out = fn
    for k in kinds:
        if k == "rename":
            out = rename(out, rng)
        elif k == "reorder":
            out, _ = reorder(out, rng)
        elif k == "noop":
            out = insert_noops(out, rng)
    return ast.fix_missing_locations(out)


def canonical_source(fn) -> str:
    """Source with local names replaced by ``v0, v1, ...`` in order of appearance (alpha-renaming)."""
    names = set(local_names(fn))
    order: dict[str, str] = {}
    for node in ast.walk(fn):
        n = node.arg if isinstance(node, ast.arg) else node.id if isinstance(node, ast.Name) else None
        if n in names and n not in order:
            order[n] = f"v{len(order)}"
    out = _Renamer(order).visit(copy.deepcopy(fn))
    out.name = "f"
    return ast.unparse(out)


def stdlib_functions(n: int, seed: int = 0, min_statements: int = 6, max_statements: int = 80,
                     dedupe: bool = True):
    """``n`` functions sampled from the installed standard library: list of (key, AST node).

    ``dedupe`` keeps one function of each group that is identical up to local names and the
    function's own name (e.g. ``date.__format__`` and ``time.__format__``)."""
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
    if dedupe:
        seen, unique = set(), []
        for key, fn in found:
            c = canonical_source(fn)
            if c not in seen:
                seen.add(c)
                unique.append((key, fn))
        found = unique
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
                          kinds=TRANSFORMS + tuple(COMBINED), variants: dict | None = None,
                          near_misses: tuple = ()) -> dict:
    """MAP and Recall@k of PDG-WL search vs exact-token-shingle search on generated clones.

    Corpus: every original, one clone per transformation kind, and ``distractors`` (other
    functions). Query: each original. Relevant: its clones. Per-kind figures rank each clone kind
    alone (the other clones of the same original are removed from that ranking), over the queries
    whose clone of that kind differs from the original (``n_by_transform``). ``variants`` maps a
    result name to ``CodeIndex`` options (default: ``{"pdg_wl": {}}``, the default index).
    ``near_misses`` (kinds from ``NEAR_MISSES``) adds, per query, look-alike copies that behave
    differently: they are in the corpus but never relevant.
    """
    from graphguard.builders.code_search import CodeIndex, TokenShingleIndex

    rng = random.Random(seed)
    graph_idxs = {name: CodeIndex(**opts) for name, opts in (variants or {"pdg_wl": {}}).items()}
    token_idx = TokenShingleIndex()
    clones: dict[str, list[str]] = {}
    changed: dict[str, set[str]] = {}
    for key, fn in list(functions) + list(distractors):
        for graph_idx in graph_idxs.values():
            graph_idx.add_function(key, fn)
        token_idx.add(key, ast.unparse(fn))
    for key, fn in functions:
        clones[key] = []
        for kind in kinds:
            c = make_clone(fn, kind, rng)
            ck = f"{key}#{kind}"
            if ast.unparse(c) != ast.unparse(fn):
                changed.setdefault(kind, set()).add(key)
            for graph_idx in graph_idxs.values():
                graph_idx.add_function(ck, c)
            token_idx.add(ck, ast.unparse(c))
            clones[key].append(ck)
        for kind in near_misses:
            m = near_miss(fn, kind, rng)
            if m is not None:
                for graph_idx in graph_idxs.values():
                    graph_idx.add_function(f"{key}~{kind}", m)
                token_idx.add(f"{key}~{kind}", ast.unparse(m))
    depth = len(token_idx.ids)
    res = {}
    searches = [(name, lambda key, fn, g=g: g.similar(fn, k=depth, exclude=key)) for name, g in graph_idxs.items()]
    searches.append(("token_shingle", lambda key, fn: token_idx.similar(ast.unparse(fn), k=depth, exclude=key)))
    for method, search in searches:
        aps, recalls = [], []
        per_kind, per_kind_recall = {kd: [] for kd in kinds}, {kd: [] for kd in kinds}
        for key, fn in functions:
            ranked = [r for r, _ in search(key, fn)]
            rel = set(clones[key])
            aps.append(_average_precision(ranked, rel))
            recalls.append(len(rel & set(ranked[:k])) / len(rel))
            for kd in kinds:
                if key not in changed.get(kd, ()):
                    continue
                target = f"{key}#{kd}"
                sub = [r for r in ranked if r == target or r not in rel]
                per_kind[kd].append(_average_precision(sub, {target}))
                per_kind_recall[kd].append(float(target in sub[:k]))
        res[method] = {"map": float(sum(aps) / len(aps)), f"recall_at_{k}": float(sum(recalls) / len(recalls)),
                       "map_by_transform": {kd: float(sum(v) / len(v)) for kd, v in per_kind.items() if v},
                       f"recall_at_{k}_by_transform": {kd: float(sum(v) / len(v))
                                                       for kd, v in per_kind_recall.items() if v}}
    res["n_queries"] = len(functions)
    res["n_near_misses"] = sum(1 for i in token_idx.ids if "~" in i)
    res["n_by_transform"] = {kd: len(changed.get(kd, ())) for kd in kinds}
    res["corpus_size"] = depth
    return res
