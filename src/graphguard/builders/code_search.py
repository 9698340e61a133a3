"""Similar-snippet search over Python functions: find near-clones of a function in a code base.

Each function becomes a program-dependence graph (``builders.code``); its embedding is the
TF-IDF-weighted, L2-normalised Weisfeiler-Lehman subtree histogram of that graph, where node
labels are AST node types (plus the names of non-local references and short literal values) and
edge labels the edge kinds.

* Renaming changes nothing: local identifiers are not labels.
* Reordering independent statements changes nothing either: by default the histogram uses the
  dependence edges only (``edge_kinds=("ast", "dataflow")``: the AST parent edges are the control
  dependences, the def-use edges the data dependences), as in the program-dependence graph of
  Ferrante et al. (1987), and a valid reordering keeps both. The sequential control-flow edges,
  which record statement order, can be added back with ``edge_kinds=EDGE_KINDS``.
* No-ops are dropped before the graph is built (``drop_noops``): ``pass``, bare constants other
  than the docstring, ``x = x``, and assignments of a constant or a name to a local that is never
  read (a dead store with no side effect).

``TokenShingleIndex`` is the token baseline: Jaccard similarity of exact k-token shingles.
"""

from __future__ import annotations

import ast
import copy
import io
import tokenize
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import torch

from graphguard.builders.code import EDGE_KINDS, _blocks, build_program_graph, iter_functions, parse_source
from graphguard.errors import DataError

DEFAULT_ITERATIONS = 3
DEPENDENCE_EDGES = ("ast", "dataflow")


def _is_noop(stmt, loaded: set[str], docstring: bool) -> bool:
    if isinstance(stmt, ast.Pass):
        return True
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return not (docstring and isinstance(stmt.value.value, str))
    if isinstance(stmt, ast.Assign) and isinstance(stmt.value, (ast.Constant, ast.Name)):
        if all(isinstance(t, ast.Name) for t in stmt.targets):
            v = stmt.value.id if isinstance(stmt.value, ast.Name) else None
            return all(t.id == v or t.id not in loaded for t in stmt.targets)
    return False


def strip_noops(fn):
    """A copy of function ``fn`` without statements that do nothing (see the module docstring)."""
    fn = copy.deepcopy(fn)
    loaded, shared = set(), set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Store):
            loaded.add(node.id)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            shared.update(node.names)
    loaded |= shared  # a global or nonlocal store is seen outside
    stack = [fn.body]
    while stack:
        b = stack.pop()
        b[:] = [st for i, st in enumerate(b) if not _is_noop(st, loaded, b is fn.body and i == 0)]
        for st in b:
            if not isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                stack.extend(_blocks(st))
    return fn


def _wl_counts(pg, iterations: int, edge_kinds=DEPENDENCE_EDGES) -> dict[int, int]:
    """WL label histogram of a ``ProgramGraph`` over edges of ``edge_kinds`` (node labels from
    ``pg.node_labels()``)."""
    from graphguard.tasks.graph.wl import stable_hash, wl_labels

    g = pg.to_data()
    labels = [stable_hash(t) for t in pg.node_labels()]
    keep = [EDGE_KINDS.index(k) for k in edge_kinds]
    mask = torch.isin(g.edge_type % len(EDGE_KINDS), torch.tensor(keep))
    counts: dict[int, int] = {}
    for it, labs in enumerate(wl_labels(g.edge_index[:, mask], g.num_nodes, labels, g.edge_type[mask].tolist(),
                                        iterations)):
        for lab in labs:
            key = stable_hash(f"{it}:{lab}")
            counts[key] = counts.get(key, 0) + 1
    return counts


def resolved_key(key: str) -> str:
    """``FILE::name`` with FILE made absolute, so that ``a.py::f`` written relative to the working
    directory and the same function found under an absolute ``--in`` compare equal."""
    if "::" not in key:
        return key
    file, name = key.rsplit("::", 1)
    return f"{Path(file).resolve()}::{name}"


def is_query(key: str, query: str | None) -> bool:
    """Whether index key ``key`` names the same function as ``query`` (paths compared resolved; the
    cheap name check first, as clone benchmarks call this for every key of every query)."""
    if query is None:
        return False
    if key == query:
        return True
    name = query.rsplit("::", 1)[-1]
    return key.endswith(f"::{name}") and resolved_key(key) == resolved_key(query)


def top_k(ids: list[str], scores: np.ndarray, k: int, exclude: str | None) -> list[tuple[str, float]]:
    """The ``k`` best-scoring ids (ties keep index order), leaving out the query itself."""
    out = []
    for i in np.argsort(-scores, kind="stable"):
        if is_query(ids[i], exclude):
            continue
        out.append((ids[i], float(scores[i])))
        if len(out) == k:
            break
    return out


class CodeIndex:
    """Functions of a code base, indexed by their PDG's WL histogram."""

    def __init__(self, iterations: int = DEFAULT_ITERATIONS, skip_errors: bool = True,
                 edge_kinds=DEPENDENCE_EDGES, drop_noops: bool = True):
        self.iterations = iterations
        self.skip_errors = skip_errors
        self.edge_kinds, self.drop_noops = tuple(edge_kinds), drop_noops
        self.ids: list[str] = []
        self._counts: list[dict[int, int]] = []
        self.skipped: list[str] = []
        self._matrix = None

    # -- adding code ---------------------------------------------------------------------------
    def add_function(self, key: str, fn_node) -> None:
        self.ids.append(key)
        self._counts.append(self._fn_counts(fn_node, key))
        self._matrix = None

    def _fn_counts(self, fn_node, key: str = "") -> dict[int, int]:
        if self.drop_noops:
            fn_node = strip_noops(fn_node)
        return _wl_counts(build_program_graph(fn_node, key), self.iterations, self.edge_kinds)

    def add_source(self, source: str, filename: str) -> int:
        tree = parse_source(source, filename)
        n = 0
        for q, fn in iter_functions(tree):
            self.add_function(f"{filename}::{q}", fn)
            n += 1
        return n

    def add_directory(self, root: str | Path) -> "CodeIndex":
        root = Path(root)
        if not root.exists():
            raise DataError(root, "directory not found")
        files = [root] if root.is_file() else sorted(root.rglob("*.py"))
        for f in files:
            try:
                self.add_source(f.read_text(encoding="utf-8"), str(f))
            except (DataError, UnicodeDecodeError, RecursionError):
                if not self.skip_errors:
                    raise
                self.skipped.append(str(f))
        return self

    # -- search ---------------------------------------------------------------------------------
    def _build(self):
        vocab: dict[int, int] = {}
        rows, cols, vals = [], [], []
        for r, c in enumerate(self._counts):
            for k, v in c.items():
                rows.append(r)
                cols.append(vocab.setdefault(k, len(vocab)))
                vals.append(v)
        self._vocab = vocab
        m = sp.csr_matrix((np.asarray(vals, np.float64), (rows, cols)), shape=(len(self._counts), len(vocab)))
        df = np.asarray((m > 0).sum(0)).ravel()
        self._idf = np.log((1 + m.shape[0]) / (1 + df)) + 1.0
        self._matrix = self._weight(m)

    def _weight(self, m):
        m = m.multiply(self._idf[None, :]).tocsr()
        m.data = np.sqrt(m.data)
        norms = np.sqrt(np.asarray(m.multiply(m).sum(1)).ravel())
        return sp.diags(1.0 / np.maximum(norms, 1e-12)) @ m

    def vector(self, counts: dict[int, int]):
        cols = [(self._vocab[k], v) for k, v in counts.items() if k in self._vocab]
        m = sp.csr_matrix((np.asarray([v for _, v in cols], np.float64), ([0] * len(cols), [c for c, _ in cols])),
                          shape=(1, len(self._vocab)))
        return self._weight(m)

    def similar_to_counts(self, counts, k: int = 10, exclude: str | None = None) -> list[tuple[str, float]]:
        if not self.ids:
            raise DataError("<index>", "the code index is empty (no Python functions found)")
        if self._matrix is None:
            self._build()
        scores = (self._matrix @ self.vector(counts).T).toarray().ravel()
        return top_k(self.ids, scores, k, exclude)

    def similar(self, fn_node, k: int = 10, exclude: str | None = None) -> list[tuple[str, float]]:
        """The ``k`` indexed functions most similar to the function AST ``fn_node``."""
        return self.similar_to_counts(self._fn_counts(fn_node), k, exclude)


def find_function(spec: str):
    """``FILE::name`` (or ``FILE::Class.method``) -> (AST node, key); errors name what is missing."""
    if "::" not in spec:
        raise DataError(spec, "expected FILE::function")
    file, name = spec.rsplit("::", 1)
    path = Path(file)
    if not path.is_file():
        raise DataError(path, "file not found")
    tree = parse_source(path.read_text(encoding="utf-8"), str(path))
    for q, fn in iter_functions(tree):
        if q == name:
            return fn, f"{path}::{q}"
    for q, fn in iter_functions(tree):
        if fn.name == name:
            return fn, f"{path}::{q}"
    raise DataError(path, f"no function named '{name}'")


# -- token baseline ------------------------------------------------------------------------------
def code_tokens(source: str) -> list[str]:
    """Exact tokens (names, operators, literals); comments and layout tokens dropped."""
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
            tokenize.ENCODING, tokenize.ENDMARKER}
    try:
        return [t.string for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type not in skip]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return source.split()


def shingles(tokens: list[str], k: int = 4) -> set[tuple[str, ...]]:
    return {tuple(tokens[i:i + k]) for i in range(max(len(tokens) - k + 1, 1))}


class TokenShingleIndex:
    """Baseline: Jaccard similarity of exact ``k``-token shingles."""

    def __init__(self, k: int = 4):
        self.k = k
        self.ids: list[str] = []
        self.sets: list[set] = []

    def add(self, key: str, source: str) -> None:
        self.ids.append(key)
        self.sets.append(shingles(code_tokens(source), self.k))

    def similar(self, source: str, k: int = 10, exclude: str | None = None) -> list[tuple[str, float]]:
        q = shingles(code_tokens(source), self.k)
        scores = np.asarray([len(q & s) / max(len(q | s), 1) for s in self.sets])
        return top_k(self.ids, scores, k, exclude)
