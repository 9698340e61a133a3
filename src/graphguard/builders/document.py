"""Text boxes of a page -> spatial graph (the DocGCN idea), with box-level text/layout features.

Input JSON: ``{"boxes": [{"text", "x0", "y0", "x1", "y1", "page"?, "id"?, "label"?}, ...],
"pairs": [[question_id, answer_id], ...]?}`` or a bare list of boxes (coordinates in any unit, y
growing downwards). Edges (``edge_type``):

0. ``knn``: each box to its ``k`` nearest boxes by centre distance (same page);
1. ``same_line``: vertical extents overlap by at least half the smaller height;
2. ``same_column``: left edges (or centres) aligned within a tolerance, or horizontal extents
   overlapping by half the narrower width;
3. ``reading_order``: each box to the next in reading order (page, line, left to right).

All edges are stored in both directions. ``edge_attr`` = one-hot type + (dx, dy) between centres
(page-normalised). ``x`` = layout features (normalised position, size) + text features (length,
trailing colon, digits, capitals...). Labels, when given, go to ``y`` (``LABELS`` order) and the
question->answer pairs to ``pairs`` [P, 2].
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import torch
from torch_geometric.data import Data

from graphguard.errors import DataError

LABELS = ("header", "question", "answer", "other")
EDGE_TYPES = ("knn", "same_line", "same_column", "reading_order")
_NUM = re.compile(r"\d")


def validate_boxes(boxes, source="<boxes>") -> list[dict]:
    if isinstance(boxes, dict):
        boxes = boxes.get("boxes")
    if not isinstance(boxes, list) or not boxes:
        raise DataError(source, "expected a non-empty list of boxes (or {\"boxes\": [...]})")
    out, ids = [], set()
    for i, b in enumerate(boxes):
        if not isinstance(b, dict):
            raise DataError(source, f"box {i} is not an object")
        missing = [k for k in ("text", "x0", "y0", "x1", "y1") if k not in b]
        if missing:
            raise DataError(source, f"box {i} lacks {', '.join(missing)}")
        try:
            x0, y0, x1, y1 = (float(b[k]) for k in ("x0", "y0", "x1", "y1"))
        except (TypeError, ValueError):
            raise DataError(source, f"box {i} has a non-numeric coordinate") from None
        if not all(np.isfinite([x0, y0, x1, y1])):
            raise DataError(source, f"box {i} has a non-finite coordinate")
        if x1 < x0:
            raise DataError(source, f"box {i} has x1 < x0 ({x1} < {x0})")
        if y1 < y0:
            raise DataError(source, f"box {i} has y1 < y0 ({y1} < {y0})")
        label = b.get("label")
        if label is not None and label not in LABELS:
            raise DataError(source, f"box {i} has unknown label '{label}' (known: {', '.join(LABELS)})")
        try:
            page = int(b.get("page", 0))
        except (TypeError, ValueError):
            raise DataError(source, f"box {i} has page {b.get('page')!r}; a page is an integer") from None
        box_id = b.get("id", i)
        if isinstance(box_id, bool) or not isinstance(box_id, (str, int)):
            raise DataError(source, f"box {i} has id {box_id!r}; an id is a string or an integer")
        if box_id in ids:
            raise DataError(source, f"box {i} repeats the id {box_id!r}")
        ids.add(box_id)
        out.append({**b, "x0": x0, "y0": y0, "x1": x1, "y1": y1, "page": page,
                    "text": str(b["text"]), "id": box_id})
    return out


def _pairs(pairs, boxes: list[dict], source) -> torch.Tensor:
    """``[[question_id, answer_id], ...]`` as box indices [P, 2]."""
    pos = {b["id"]: i for i, b in enumerate(boxes)}
    if not isinstance(pairs, list):
        raise DataError(source, "pairs must be a list of [question_id, answer_id]")
    out = []
    for p in pairs:
        if not isinstance(p, list) or len(p) != 2:
            raise DataError(source, f"pair {p!r} is not [question_id, answer_id]")
        unknown = [v for v in p if isinstance(v, (list, dict)) or v not in pos]
        if unknown:
            raise DataError(source, f"pair names unknown box id {unknown[0]!r}")
        out.append([pos[p[0]], pos[p[1]]])
    return torch.tensor(out, dtype=torch.long).reshape(-1, 2)


def text_features(t: str) -> list[float]:
    s = t.strip()
    words = s.split()
    letters = [c for c in s if c.isalpha()]
    return [
        min(len(s), 60) / 60.0,
        min(len(words), 10) / 10.0,
        float(s.endswith(":")),
        float(":" in s),
        float(s.endswith("?")),
        sum(c.isdigit() for c in s) / max(len(s), 1),
        float(bool(_NUM.search(s))),
        sum(c.isupper() for c in letters) / max(len(letters), 1),
        float(s.istitle()),
        float(bool(letters) and s.isupper()),
        float("@" in s),
        float("/" in s or "-" in s),
        float("$" in s or "%" in s),
        float(s.startswith("[") or s.startswith("(") or s.startswith("_")),
        float(not s),
    ]


def _reading_order(boxes: list[dict]) -> list[int]:
    """Indices sorted by page, then line (boxes whose centres are within half a height), then x."""
    idx = sorted(range(len(boxes)), key=lambda i: (boxes[i]["page"], (boxes[i]["y0"] + boxes[i]["y1"]) / 2))
    lines, cur, cur_y, cur_p = [], [], None, None
    for i in idx:
        b = boxes[i]
        cy, h = (b["y0"] + b["y1"]) / 2, max(b["y1"] - b["y0"], 1e-6)
        if cur and b["page"] == cur_p and abs(cy - cur_y) < 0.5 * h:
            cur.append(i)
        else:
            if cur:
                lines.append(cur)
            cur, cur_y, cur_p = [i], cy, b["page"]
    if cur:
        lines.append(cur)
    return [i for line in lines for i in sorted(line, key=lambda j: boxes[j]["x0"])]


def boxes_to_graph(doc, k: int = 6, source="<boxes>") -> Data:
    """Spatial graph of a page's text boxes (see the module docstring)."""
    raw = doc
    boxes = validate_boxes(doc, source)
    n = len(boxes)
    B = np.asarray([[b["x0"], b["y0"], b["x1"], b["y1"]] for b in boxes], dtype=np.float64)
    page = np.asarray([b["page"] for b in boxes])
    W = max(B[:, 2].max() - B[:, 0].min(), 1e-6)
    H = max(B[:, 3].max() - B[:, 1].min(), 1e-6)
    Bn = (B - [B[:, 0].min(), B[:, 1].min(), B[:, 0].min(), B[:, 1].min()]) / [W, H, W, H]
    cx, cy = (Bn[:, 0] + Bn[:, 2]) / 2, (Bn[:, 1] + Bn[:, 3]) / 2
    w, h = Bn[:, 2] - Bn[:, 0], Bn[:, 3] - Bn[:, 1]
    same_page = page[:, None] == page[None, :]
    edges: set[tuple[int, int, int]] = set()
    d = np.hypot(cx[:, None] - cx[None, :], cy[:, None] - cy[None, :])
    d[~same_page] = np.inf
    np.fill_diagonal(d, np.inf)
    for i in range(n):
        for j in np.argsort(d[i])[:k]:
            if np.isfinite(d[i, j]):
                edges |= {(i, int(j), 0), (int(j), i, 0)}
    ov_y = np.minimum(Bn[:, None, 3], Bn[None, :, 3]) - np.maximum(Bn[:, None, 1], Bn[None, :, 1])
    ov_x = np.minimum(Bn[:, None, 2], Bn[None, :, 2]) - np.maximum(Bn[:, None, 0], Bn[None, :, 0])
    minh = np.minimum(h[:, None], h[None, :])
    minw = np.minimum(w[:, None], w[None, :])
    line = (ov_y >= 0.5 * np.maximum(minh, 1e-9)) & same_page
    col = ((np.abs(Bn[:, None, 0] - Bn[None, :, 0]) < 0.01) | (np.abs(cx[:, None] - cx[None, :]) < 0.01)
           | (ov_x >= 0.5 * np.maximum(minw, 1e-9))) & same_page
    for t, m in ((1, line), (2, col)):
        np.fill_diagonal(m, False)
        for i, j in zip(*np.nonzero(m)):
            edges.add((int(i), int(j), t))
    order = _reading_order(boxes)
    for a, b in zip(order, order[1:]):
        edges |= {(a, b, 3), (b, a, 3)}
    e = np.asarray(sorted(edges), dtype=np.int64).reshape(-1, 3)
    ea = np.zeros((len(e), len(EDGE_TYPES) + 2), np.float32)
    ea[np.arange(len(e)), e[:, 2]] = 1
    ea[:, -2] = cx[e[:, 1]] - cx[e[:, 0]]
    ea[:, -1] = cy[e[:, 1]] - cy[e[:, 0]]
    rank = np.empty(n)
    rank[order] = np.arange(n) / max(n - 1, 1)
    layout = np.stack([cx, cy, w, h, Bn[:, 0], Bn[:, 1], Bn[:, 2], Bn[:, 3], rank,
                       line.sum(1) / 10.0, col.sum(1) / 10.0], 1)
    x = np.concatenate([layout, np.asarray([text_features(b["text"]) for b in boxes])], 1).astype(np.float32)
    g = Data(x=torch.from_numpy(x), edge_index=torch.from_numpy(e[:, :2].T.copy()),
             edge_type=torch.from_numpy(e[:, 2].copy()), edge_attr=torch.from_numpy(ea))
    g.num_nodes = n
    g.text = [b["text"] for b in boxes]
    g.box_id = [b["id"] for b in boxes]
    g.reading_order = torch.tensor(order)
    labelled = [b.get("label") is not None for b in boxes]
    if any(labelled) and not all(labelled):
        raise DataError(source, f"box {labelled.index(False)} has no label while other boxes have one; "
                                "label every box or none")
    if all(labelled):
        g.y = torch.tensor([LABELS.index(b["label"]) for b in boxes])
    pairs = raw.get("pairs") if isinstance(raw, dict) else None
    if pairs is not None:
        g.pairs = _pairs(pairs, boxes, source)
    return g


def read_document(path: str | Path, k: int = 6) -> Data:
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "file not found")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise DataError(path, f"not valid JSON (line {e.lineno}: {e.msg})") from None
    return boxes_to_graph(doc, k=k, source=path)
