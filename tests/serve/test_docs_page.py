"""``/docs`` works offline: a self-contained page rendered from the app's own schema (it was Swagger UI from a CDN)."""

from __future__ import annotations

import re

import httpx

from graphguard.serve.docs_page import render_docs, request_example


def test_docs_page_lists_every_endpoint_and_links_nothing_outside(server):
    base, _ = server
    schema = httpx.get(f"{base}/openapi.json").json()
    assert schema["openapi"].startswith("3.") and "/v1/predict/nodes" in schema["paths"]
    r = httpx.get(f"{base}/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    for path, item in schema["paths"].items():
        assert f"<code>{path}</code>" in page
        assert all(f'id="{method}-{path.strip("/").replace("/", "-")}"' in page for method in item)
    for name in schema["components"]["schemas"]:
        assert f'id="model-{name}"' in page
    assert "<td><code>nodes</code></td><td>array of" in page  # fields and their types
    assert not re.search(r"https?:|//[a-z]|cdn|<script|<link|src=", page, re.IGNORECASE), "page refers outside"
    assert httpx.get(f"{base}/redoc").status_code == 404  # FastAPI's ReDoc page loads from a CDN too


def test_the_example_requests_on_the_page_are_accepted(server, client):
    """Each example body passes validation; the node run answers its own endpoints and 404s the other tasks'."""
    base, _ = server
    schema = httpx.get(f"{base}/openapi.json").json()
    expected = {"/v1/predict/nodes": 200, "/v1/explain/node": 200, "/v1/predict/links": 404,
                "/v1/predict/graphs": 404}
    for path, status in expected.items():
        body = request_example(schema, path)
        r = client.post(path, json=body)
        assert r.status_code == status, (path, body, r.text)


def test_the_documented_error_body_is_the_one_sent(server, client):
    """The schema promised FastAPI's 422 body (``detail`` a list); the service sends one line and the field errors."""
    base, _ = server
    schema = httpx.get(f"{base}/openapi.json").json()
    ref = schema["paths"]["/v1/predict/nodes"]["post"]["responses"]["422"]["content"]["application/json"]["schema"]
    problem = schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[-1]]
    assert problem["properties"]["detail"]["type"] == "string"
    sent = client.post("/v1/predict/nodes", json={"ids": "acct-00001"}).json()
    assert isinstance(sent["detail"], str) and set(sent) <= set(problem["properties"])


def test_schema_text_is_escaped():
    schema = {"info": {"title": "<script>x</script>", "description": "a & b"},
              "paths": {"/a": {"get": {"summary": "<b>", "responses": {}}}}}
    page = render_docs(schema)
    assert "<script>" not in page and "&lt;script&gt;" in page and "a &amp; b" in page and "<b>" not in page
