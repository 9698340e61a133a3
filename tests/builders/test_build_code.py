import ast

import pytest

from graphguard.builders.code import EDGE_KINDS, file_to_graphs, function_graph
from graphguard.builders.code_clones import canonical_source, make_clone, reorder, reorderable
from graphguard.builders.code_search import CodeIndex, TokenShingleIndex, strip_noops
from graphguard.errors import DataError

SRC = '''
def f(a, n):
    b = a + 1
    c = b * 2
    for i in range(n):
        c = c + i
    if c > 3:
        return c
    return b
'''


def test_small_function_has_its_def_use_edges():
    pg = function_graph(SRC, "f")
    assert pg.def_use_lines() == {
        (2, "a", 3), (2, "n", 5), (3, "b", 4), (3, "b", 9), (4, "c", 6), (4, "c", 7), (4, "c", 8),
        (5, "i", 6), (6, "c", 6), (6, "c", 7), (6, "c", 8),
    }
    g = pg.to_data()
    kinds = g.edge_type[g.edge_type < len(EDGE_KINDS)]
    assert int((kinds == 2).sum()) == 11  # one dataflow edge per def-use fact (all on distinct pairs but c@6)
    assert int((kinds == 1).sum()) > 0 and int((kinds == 0).sum()) == g.num_nodes - 1  # tree edges


def test_redefinition_kills_the_old_definition():
    pg = function_graph("def g(x):\n    y = x\n    y = 2\n    return y\n", "g")
    assert (3, "y", 4) in pg.def_use_lines() and (2, "y", 4) not in pg.def_use_lines()


def test_syntax_error_is_one_line_naming_file_and_line(tmp_path):
    p = tmp_path / "broken.py"
    p.write_text("def f(:\n    return 1\n")
    with pytest.raises(DataError, match=r"broken.py: syntax error at line 1") as e:
        file_to_graphs(p)
    assert "\n" not in str(e.value)


def test_cli_build_code_syntax_error(tmp_path, cli):
    p = tmp_path / "broken.py"
    p.write_text("x = (\n")
    r = cli("build", "code", p, "--out", tmp_path / "c.graphs.npz", ok=False)
    assert r.returncode == 2 and "syntax error" in r.stderr and "Traceback" not in r.stderr


def test_reorder_only_swaps_independent_statements():
    fn = ast.parse("def h(a):\n    x = a + 1\n    y = a * 2\n    z = x + y\n    return z\n").body[0]
    import random

    out, swaps = reorder(fn, random.Random(0))
    assert swaps == 1
    assert [ast.unparse(s) for s in out.body[:2]] == ["y = a * 2", "x = a + 1"]
    assert ast.unparse(out.body[2]) == "z = x + y"


def test_reorder_permutes_whole_runs_but_keeps_dependences():
    import random

    fn = ast.parse("def h(a):\n    p = a + 1\n    q = a * 2\n    r = a - 3\n    s = a / 4\n    t = p + q\n"
                   "    print(t)\n    u = 1\n    return t + r + s + u\n").body[0]
    assert reorderable(fn)
    orders = set()
    for seed in range(20):
        out, swaps = reorder(fn, random.Random(seed))
        lines = [ast.unparse(st) for st in out.body]
        assert lines[5:] == ["print(t)", "u = 1", "return t + r + s + u"]  # a call ends the run
        assert lines.index("t = p + q") > max(lines.index("p = a + 1"), lines.index("q = a * 2"))
        assert swaps >= 1
        orders.add(tuple(lines[:5]))
    assert len(orders) > 5  # not just one swap of neighbours
    chain = ast.parse("def g(a):\n    b = a\n    c = b\n    return c\n").body[0]
    assert not reorderable(chain) and reorder(chain, random.Random(0))[1] == 0


def test_noops_are_dropped_and_reordering_leaves_the_index_vector_unchanged():
    import random

    fn = ast.parse(SRC).body[0]
    padded = ast.parse('def f(a, n):\n    """doc"""\n    pass\n    b = a + 1\n    b = b\n    junk = None\n'
                       "    c = b * 2\n    7\n    for i in range(n):\n        c = c + i\n        pass\n"
                       "    if c > 3:\n        return c\n    return b\n").body[0]
    stripped = [ast.unparse(st) for st in strip_noops(padded).body]
    assert stripped[0] == "'doc'" and "pass" not in stripped and "junk = None" not in stripped
    assert "b = b" not in stripped and "7" not in stripped
    idx = CodeIndex()
    idx.add_function("f", fn)
    idx.add_function("noise", ast.parse("def u(s):\n    t = s.strip()\n    return t.lower()\n").body[0])
    two = ast.parse("def k(a):\n    x = a + 1\n    y = a * 2\n    return x - y\n").body[0]
    swapped, swaps = reorder(two, random.Random(0))
    assert swaps == 1
    idx.add_function("k", two)
    assert idx.similar(swapped, k=1)[0] == ("k", pytest.approx(1.0))
    assert idx.similar(padded, k=1)[0][0] == "f"
    renamed = ast.parse(ast.unparse(make_clone(two, "rename", random.Random(3)))).body[0]
    assert canonical_source(two) == canonical_source(renamed)


def test_search_finds_a_renamed_reordered_clone_first_where_tokens_do_worse():
    import random

    fn = ast.parse(SRC).body[0]
    clone = make_clone(fn, "all", random.Random(1))
    others = ast.parse("def u(s):\n    t = s.strip()\n    return t.lower()\n"
                       "def v(a, n):\n    out = []\n    for k in range(n):\n        out.append(a)\n    return out\n").body
    idx, tok = CodeIndex(), TokenShingleIndex()
    for key, node in [("clone", clone), ("u", others[0]), ("v", others[1])]:
        idx.add_function(key, node)
        tok.add(key, ast.unparse(node))
    hits = idx.similar(fn, k=3)
    assert hits[0][0] == "clone" and hits[0][1] > hits[1][1] + 0.3
    assert tok.similar(ast.unparse(fn), k=1)[0][0] != "clone"  # renaming defeats exact token shingles


def test_cli_code_similar(tmp_path, cli):
    import random

    fn = ast.parse(SRC).body[0]
    (tmp_path / "a.py").write_text(SRC)
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "b.py").write_text(ast.unparse(make_clone(fn, "rename", random.Random(0))).replace("def f(", "def g(")
                              + "\n\ndef other(s):\n    return s.upper()\n")
    (lib / "bad.py").write_text("def broken(:\n")
    r = cli("code", "similar", f"{tmp_path / 'a.py'}::f", "--in", lib, "-k", "2", "--json", "-q")
    import json

    hits = json.loads(r.stdout)
    assert hits[0]["function"].endswith("b.py::g") and hits[0]["score"] > 0.99
    from graphguard.builders.code_search import find_function

    with pytest.raises(DataError, match="no function named 'nope'"):
        find_function(f"{tmp_path / 'a.py'}::nope")


@pytest.mark.parametrize("query_form, in_form", [("absolute", "relative"), ("relative", "absolute")])
def test_cli_code_similar_leaves_out_the_query_however_its_path_is_written(tmp_path, monkeypatch, cli,
                                                                          query_form, in_form):
    """The query's key and the index's keys are built from different path strings; only the file counts."""
    import json

    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "a.py").write_text(SRC)
    (lib / "b.py").write_text(SRC.replace("def f(", "def g("))
    monkeypatch.chdir(tmp_path)
    query = (lib / "a.py" if query_form == "absolute" else "lib/a.py")
    folder = lib if in_form == "absolute" else "./lib"
    r = cli("code", "similar", f"{query}::f", "--in", folder, "--json", "-q")
    found = [h["function"] for h in json.loads(r.stdout)]
    assert not any(h.endswith("a.py::f") for h in found), found
    assert found[0].endswith("b.py::g")


def test_rename_reorder_clone_applies_both_and_is_scored_per_kind():
    import random

    from graphguard.builders.code_clones import evaluate_clone_search, local_names

    fn = ast.parse("def g(a, b):\n    x = a + 1\n    y = b * 2\n    z = a - b\n    return x * y - z\n").body[0]
    clone = make_clone(fn, "rename+reorder", random.Random(1))
    assert not set(local_names(clone)) & set(local_names(fn))  # renamed
    assert canonical_source(clone) != canonical_source(fn)  # and reordered: not just an alpha-renaming
    with pytest.raises(ValueError, match="unknown clone kind"):
        make_clone(fn, "shuffle", random.Random(0))
    bodies = ["p = a + 1\n    q = b * 2\n    r = a - b\n    return p * q - r",
              "s = a * a\n    t = b + 3\n    if s > t:\n        return s\n    return t",
              "m = len(a)\n    k = b // 2\n    u = a[:k]\n    return u * m",
              "w = a or b\n    v = b and a\n    return (w, v)"]
    queries = [(f"q{i}", ast.parse(f"def q{i}(a, b):\n    {body}\n").body[0]) for i, body in enumerate(bodies)]
    res = evaluate_clone_search(queries, distractors=[("src", ast.parse(SRC).body[0])], seed=0)
    for method in ("pdg_wl", "token_shingle"):
        assert "rename+reorder" in res[method]["map_by_transform"]
        assert set(res[method]["recall_at_10_by_transform"]) == set(res[method]["map_by_transform"])
    assert res["pdg_wl"]["map_by_transform"]["rename+reorder"] == 1.0
    assert res["n_by_transform"]["rename+reorder"] == 4


def test_too_deep_expressions_and_null_bytes_are_one_line_errors_and_skippable(tmp_path):
    from typer.testing import CliRunner

    from graphguard.builders.code import source_to_graphs
    from graphguard.cli import app

    long_sum = "def f(x):\n    return " + " + ".join(["x"] * 5000) + "\n"  # too deep for ast.parse itself
    walk_deep = "def g(x):\n    return " + " + ".join(["x"] * 1500) + "\n"  # parses, too deep for the walk
    with pytest.raises(DataError, match=r"^big.py: an expression is nested too deeply"):
        source_to_graphs(long_sum, "big.py")
    with pytest.raises(DataError, match=r"^deep.py: function g: an expression is nested too deeply"):
        source_to_graphs(walk_deep, "deep.py")
    with pytest.raises(DataError, match=r"^nul.py: a null byte at line 2: not Python source text$"):
        source_to_graphs("def h():\n    return 1\0\n", "nul.py")
    src = tmp_path / "src"
    src.mkdir()
    (src / "big.py").write_text(long_sum)
    (src / "nul.py").write_text("def h():\n    return 1\0\n")
    (src / "ok.py").write_text("def k(a):\n    return a + 1\n")
    r = CliRunner().invoke(app, ["build", "code", str(src), "--out", str(tmp_path / "c"), "--skip-errors", "-q"])
    assert r.exit_code == 0, r.exception
    from graphguard.data.graphset import read_graphs

    assert [g.name for g in read_graphs(tmp_path / "c.graphs.npz")] == [f"{src / 'ok.py'}::k"]
