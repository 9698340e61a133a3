"""Generated forms for training and evaluating the document parser (box labels + Q/A pairs).

Each form has a header (title, sometimes a subtitle), question/answer fields in one of several
layouts (answer right of the question, below it, or in two side-by-side columns; colon or not),
unanswered questions, distractor boxes (page numbers, notes, codes) and positional jitter.
Everything is drawn from ``numpy.random.default_rng(seed)``, so a seed fixes a form.
"""

from __future__ import annotations

import numpy as np

QUESTIONS = ("Name", "Full name", "Date of birth", "Address", "City", "Postal code", "Country", "Phone",
             "Email", "Employer", "Occupation", "Account number", "Policy number", "Amount", "Date",
             "Signature", "Gender", "Nationality", "Passport no", "Reference", "Invoice number",
             "Total due", "Tax ID", "Claim number", "Department", "Start date", "Salary", "Contact person")
TITLES = ("APPLICATION FORM", "Insurance Claim", "Customer Registration", "INVOICE", "Employee Record",
          "Account Opening Form", "Change of Address", "Membership Application", "Expense Report")
SUBTITLES = ("Please complete all fields", "Section A - Personal details", "For new customers",
             "Confidential", "Part 1")
DISTRACTORS = ("Page 1 of 2", "For office use only", "Form 27-B/6", "v2.3", "www.example.org",
               "See instructions overleaf", "Rev. 04/2021", "Continued on next page", "(optional)",
               "Thank you", "Approved", "Internal")
FIRST = ("Anna", "John", "Maria", "Wei", "Ahmed", "Olga", "Carlos", "Yuki", "Peter", "Fatima")
LAST = ("Smith", "Garcia", "Chen", "Novak", "Khan", "Muller", "Rossi", "Tanaka", "Brown", "Silva")
STREETS = ("Main St", "Oak Avenue", "High Street", "Park Road", "Elm Lane")


def _answer(q: str, rng) -> str:
    r = rng.integers
    ql = q.lower()
    if "name" in ql or "person" in ql or "signature" in ql:
        return f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    if "date" in ql:
        return f"{r(1, 29):02d}/{r(1, 13):02d}/{r(1950, 2024)}"
    if "email" in ql:
        return f"{rng.choice(FIRST).lower()}.{rng.choice(LAST).lower()}@mail.com"
    if "phone" in ql:
        return f"+{r(1, 99)} {r(100, 999)} {r(1000, 9999)}"
    if "address" in ql:
        return f"{r(1, 300)} {rng.choice(STREETS)}"
    if "amount" in ql or "total" in ql or "salary" in ql:
        return f"${r(10, 99999)}.{r(0, 100):02d}"
    if "city" in ql or "country" in ql or "nationality" in ql:
        return str(rng.choice(("Berlin", "Lima", "Osaka", "Cairo", "Oslo", "Toronto", "Lyon")))
    if "gender" in ql:
        return str(rng.choice(("F", "M", "X")))
    if "occupation" in ql or "employer" in ql or "department" in ql:
        return str(rng.choice(("Engineer", "Acme Corp", "Sales", "Nurse", "Teacher", "Finance")))
    return f"{rng.choice(('A', 'B', 'X', 'K'))}{r(10000, 999999)}"


def _box(text, x, y, h, label, bid, char_w=7.0):
    return {"id": bid, "text": text, "x0": float(x), "y0": float(y), "x1": float(x + max(len(text), 1) * char_w),
            "y1": float(y + h), "page": 0, "label": label}


def make_form(seed: int) -> dict:
    """One generated form: ``{"boxes": [...], "pairs": [[q_id, a_id], ...]}`` with labels."""
    rng = np.random.default_rng(seed)
    layout = rng.choice(("right", "below", "two_column"))
    colon = rng.random() < 0.6
    boxes, pairs = [], []

    def add(text, x, y, h, label):
        jx, jy = rng.normal(0, 2.0), rng.normal(0, 1.0)
        b = _box(text, x + jx, y + jy, h, label, len(boxes))
        boxes.append(b)
        return b["id"]

    y = 40 + rng.uniform(0, 20)
    add(str(rng.choice(TITLES)), rng.uniform(150, 250), y, 22, "header")
    y += 35
    if rng.random() < 0.5:
        add(str(rng.choice(SUBTITLES)), rng.uniform(40, 200), y, 12, "header")
        y += 25
    n_fields = int(rng.integers(5, 13))
    qs = list(rng.choice(QUESTIONS, size=n_fields, replace=False))
    columns = [60.0] if layout != "two_column" else [50.0, 320.0]
    gap = rng.uniform(10, 40)
    row_y = y
    for k, q in enumerate(qs):
        col_x = columns[k % len(columns)] + rng.uniform(-5, 5)
        if len(columns) == 2 and k % 2 == 1:
            cy = row_y
        else:
            row_y = y
            cy = y
        qtext = f"{q}:" if colon else str(q)
        qid = add(qtext, col_x, cy, 12, "question")
        answered = rng.random() < 0.85
        if layout == "below":
            if answered:
                aid = add(_answer(q, rng), col_x + rng.uniform(0, 15), cy + 16, 12, "answer")
                pairs.append([qid, aid])
            step = 40
        else:
            if answered:
                ax = col_x + len(qtext) * 7.0 + gap
                aid = add(_answer(q, rng), ax, cy, 12, "answer")
                pairs.append([qid, aid])
            step = 24
        if len(columns) == 1 or k % 2 == 1:
            y += step + rng.uniform(0, 8)
        if rng.random() < 0.12:
            add(str(rng.choice(DISTRACTORS)), rng.uniform(40, 400), y, 10, "other")
            y += 18
    for _ in range(int(rng.integers(1, 4))):
        add(str(rng.choice(DISTRACTORS)), rng.uniform(30, 450), rng.choice([rng.uniform(5, 30), y + rng.uniform(20, 60)]),
            10, "other")
    order = rng.permutation(len(boxes))
    remap = {int(old): new for new, old in enumerate(order)}
    shuffled = [{**boxes[int(old)], "id": new} for new, old in enumerate(order)]
    return {"boxes": shuffled, "pairs": [[remap[q], remap[a]] for q, a in pairs]}


def make_forms(n: int, seed: int = 0) -> list[dict]:
    return [make_form(seed * 100003 + i) for i in range(n)]
