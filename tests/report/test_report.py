"""The HTML report: self-contained, complete, and rendered by a real headless browser without errors."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from graphguard.errors import DataError
from graphguard.report import render_graph_report, render_link_report, render_node_report


def _scores(n=400, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.1).astype(int)
    s = np.clip(0.25 + 0.4 * y + rng.normal(0, 0.15, n), 0, 1)
    return y, s


@pytest.fixture(scope="module")
def node_html() -> str:
    y, s = _scores()
    n = y.size
    rng = np.random.default_rng(1)
    ei = rng.integers(0, n, (2, 1200))
    ei = np.concatenate([ei, ei[::-1]], 1)
    ids = np.array([f"acct-{i}" for i in range(n)])
    props = pd.DataFrame({"id": ids, "country": rng.choice(["DE", "<b>FR</b>"], n), "age": rng.integers(18, 80, n)})
    return render_node_report(title="t", y=y, scores=s, threshold=0.5, metrics={"auroc": 0.9, "auprc": 0.6},
                              ids=ids, all_scores=s, all_labels=y, properties=props, edge_index=ei, top_k=15, ego=2)


def assert_self_contained(html: str) -> None:
    assert "<script" not in html.lower()
    refs = re.findall(r"""(?:src|href)\s*=\s*['"]([^'"]*)""", html)
    assert refs and all(r.startswith("data:") for r in refs), [r[:40] for r in refs if not r.startswith("data:")]
    assert "@import" not in html and "@font-face" not in html and not re.search(r"url\((?!data:)", html)


def test_node_report_has_every_part(node_html):
    assert_self_contained(node_html)
    for alt in ("ROC curve", "PR curve", "Recall at K", "score histograms", "calibration curve", "confusion matrix"):
        assert f"alt='{alt}'" in node_html
    assert node_html.count("alt='ego network of") == 2
    assert node_html.count("<tr") == 16  # header + top 15
    assert "&lt;b&gt;FR&lt;/b&gt;" in node_html and "<b>FR</b>" not in node_html  # properties are escaped


def test_top_table_is_sorted_by_score(node_html):
    scores = [float(v) for v in re.findall(r"<td class='num'>([01]\.\d+)</td>", node_html)]
    assert scores == sorted(scores, reverse=True) and len(scores) == 15


def test_link_and_graph_reports():
    ranks = np.array([1, 1, 2, 5, 11, 40, 3, 1])
    html = render_link_report(title="kg", ranks=ranks)
    assert_self_contained(html)
    assert "alt='rank distribution'" in html and f"{(1 / ranks).mean():.3f}" in html
    y, s = _scores(120)
    html = render_graph_report(title="mols", y=y, scores=s, threshold=0.5, metrics={"auroc": 0.8})
    assert_self_contained(html)
    assert "alt='ROC curve'" in html and "alt='confusion matrix'" in html


def test_bad_inputs_are_named():
    with pytest.raises(DataError, match="both classes"):
        render_node_report(title="t", y=np.zeros(5), scores=np.zeros(5), threshold=0.5)
    with pytest.raises(DataError, match="ranks must be >= 1"):
        render_link_report(title="t", ranks=np.array([0, 1]))


# --------------------------------------------------------------------------- in a real browser
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--enable-logging=stderr",
                  "--v=0", "--window-size=1280,2400", "--hide-scrollbars"]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("no chromium found (install it with: apt-get install -y chromium)")


def screenshot(page: Path, tmp: Path) -> tuple[Path, str]:
    shot = tmp / f"{page.stem}.png"
    r = subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp / 'profile'}", f"--screenshot={shot}",
                        page.as_uri()], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    return shot, r.stderr


def console_errors(log: str) -> list[str]:
    """Lines of chromium's log that report a page problem: console messages and failed loads."""
    return [ln for ln in log.splitlines() if "CONSOLE" in ln or "Failed to load" in ln or "net::ERR" in ln]


def test_browser_detects_console_errors_in_a_broken_page(tmp_path):
    """The check below can fail: a page that logs an error and misses an image is caught."""
    page = tmp_path / "broken.html"
    page.write_text("<html><body><img src='missing.png'><script>console.error('boom')</script></body></html>")
    _, log = screenshot(page, tmp_path)
    assert console_errors(log), log[-2000:]


def test_report_renders_in_headless_chromium(node_html, tmp_path):
    import matplotlib.image as mpimg

    page = tmp_path / "report.html"
    page.write_text(node_html, encoding="utf-8")
    shot, log = screenshot(page, tmp_path)
    assert console_errors(log) == [], console_errors(log)
    img = mpimg.imread(shot)
    assert img.shape[0] == 2400 and img.shape[1] == 1280
    # the header band is the dark report colour and the figures put many distinct colours on the page
    assert np.allclose(img[10, 640, :3], np.array([0x1F, 0x2A, 0x44]) / 255, atol=0.02)
    colours = np.unique((img[:, :, :3] * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    assert len(colours) > 500


@pytest.mark.parametrize("kind", ["link", "graph"])
def test_link_and_graph_reports_render_in_headless_chromium(kind, tmp_path):
    if kind == "link":
        html = render_link_report(title="kg", ranks=np.array([1, 1, 2, 5, 11, 40, 3, 1, 7, 2]))
    else:
        y, s = _scores(120)
        html = render_graph_report(title="mols", y=y, scores=s, threshold=0.5, metrics={"auroc": 0.8})
    page = tmp_path / f"{kind}.html"
    page.write_text(html, encoding="utf-8")
    shot, log = screenshot(page, tmp_path)
    assert console_errors(log) == [], console_errors(log)
    import matplotlib.image as mpimg

    img = mpimg.imread(shot)
    colours = np.unique((img[:, :, :3] * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    assert len(colours) > 100  # figures were drawn, not an empty page
