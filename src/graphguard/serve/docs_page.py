"""The ``/docs`` page of ``graphguard serve``: the app's own OpenAPI schema as one self-contained HTML page.

FastAPI's default ``/docs`` loads Swagger UI's script and CSS from a CDN, so it is blank on the offline machines the
service runs on, and none of graphguard's dependencies ships those assets. This page has no script, no external
link and only inline CSS: endpoints, methods, request and response models with their fields, and an example
request for each.
"""

from __future__ import annotations

import json
from html import escape

METHODS = ("get", "post", "put", "patch", "delete")
REF = "#/components/schemas/"
LIMITS = {"minLength": "length ≥ {}", "maxLength": "length ≤ {}", "minimum": "≥ {}", "maximum": "≤ {}",
          "exclusiveMinimum": "> {}", "exclusiveMaximum": "< {}",
          "minItems": "≥ {} items", "maxItems": "≤ {} items"}
PLACEHOLDERS = {"string": "string", "boolean": False, "null": None}
STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.4}
code,pre{font-family:ui-monospace,monospace}pre{background:#f4f4f4;padding:.6rem;overflow-x:auto}
table{border-collapse:collapse;width:100%;margin:.4rem 0}th,td{border:1px solid #ccc;padding:.25rem .5rem;
text-align:left;vertical-align:top}th{background:#eee}section{border-top:1px solid #ccc;margin-top:1.5rem}
.method{font-weight:bold;padding:0 .4rem;border-radius:.2rem;background:#dde}.key{color:#a40}
"""


def render_docs(schema: dict) -> str:
    """The whole page for an OpenAPI schema (``app.openapi()``); every text from the schema is HTML-escaped."""
    info = schema.get("info", {})
    components = schema.get("components", {}).get("schemas", {})
    operations = [(path, method, op) for path, item in schema.get("paths", {}).items()
                  for method, op in item.items() if method in METHODS]
    title = escape(str(info.get("title", "API")))
    parts = [f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>',
             f"<style>{STYLE}</style></head><body>",
             f"<h1>{title} <small>{escape(str(info.get('version', '')))}</small></h1>",
             f"<p>{escape(str(info.get('description', '')))}</p>",
             '<p>The machine-readable schema is at <a href="openapi.json"><code>/openapi.json</code></a>. '
             'Endpoints marked <span class="key">API key</span> need the <code>X-API-Key</code> header when the '
             "server was started with a key.</p>", "<h2>Endpoints</h2><ul>"]
    parts += [f'<li><a href="#{_anchor(m, p)}"><span class="method">{m.upper()}</span> <code>{escape(p)}</code></a> '
              f"{escape(op.get('summary', ''))}</li>" for p, m, op in operations]
    parts.append("</ul>")
    parts += [_operation(p, m, op, components) for p, m, op in operations]
    parts.append("<h2>Models</h2>")
    parts += [_model(name, model) for name, model in sorted(components.items())]
    parts.append("</body></html>")
    return "\n".join(parts)


def request_example(schema: dict, path: str, method: str = "post") -> dict | None:
    """The example JSON body the page shows for ``method path`` (None when the endpoint takes no body)."""
    op = schema["paths"][path][method]
    body = _json_schema(op.get("requestBody", {}))
    return None if body is None else _example(body, schema.get("components", {}).get("schemas", {}))


def _anchor(method: str, path: str) -> str:
    return escape(f"{method}-{path.strip('/').replace('/', '-')}")


def _json_schema(holder: dict) -> dict | None:
    """The JSON schema of a request body or response (None when it has no JSON content)."""
    return holder.get("content", {}).get("application/json", {}).get("schema")


def _operation(path: str, method: str, op: dict, components: dict) -> str:
    key = ' <span class="key">API key</span>' if op.get("security") else ""
    out = [f'<section id="{_anchor(method, path)}"><h3><span class="method">{method.upper()}</span> '
           f"<code>{escape(path)}</code>{key}</h3>", f"<p>{escape(op.get('summary', ''))}</p>"]
    if op.get("description"):
        out.append(f"<p>{escape(op['description'])}</p>")
    body = _json_schema(op.get("requestBody", {}))
    if body is not None:
        out.append(f"<h4>Request body</h4><p>{_type(body)}</p>")
    out.append("<h4>Responses</h4><table><tr><th>status</th><th>meaning</th><th>body</th></tr>")
    for status, response in op.get("responses", {}).items():
        shape = _json_schema(response)
        out.append(f"<tr><td>{escape(str(status))}</td><td>{escape(response.get('description', ''))}</td>"
                   f"<td>{_type(shape) if shape is not None else ''}</td></tr>")
    out.append("</table>")
    out.append(f"<h4>Example request</h4><pre>{escape(_example_request(path, method, op, body, components))}</pre>")
    return "\n".join(out) + "</section>"


def _example_request(path: str, method: str, op: dict, body: dict | None, components: dict) -> str:
    lines = [f"{method.upper()} {path}"]
    if op.get("security"):
        lines.append("X-API-Key: YOUR-KEY")
    if body is None:
        return "\n".join(lines)
    lines.append("Content-Type: application/json")
    return "\n".join(lines) + "\n\n" + json.dumps(_example(body, components), indent=2)


def _model(name: str, model: dict) -> str:
    out = [f'<section id="model-{escape(name)}"><h3>{escape(name)}</h3>']
    if model.get("description"):
        out.append(f"<p>{escape(model['description'])}</p>")
    fields = model.get("properties", {})
    if not fields:
        return "\n".join(out) + f"<p>{_type(model)}</p></section>"
    required = set(model.get("required", ()))
    out.append("<table><tr><th>field</th><th>type</th><th>required</th><th>default</th><th>limits</th>"
               "<th>description</th></tr>")
    for field, node in fields.items():
        default = f"<code>{escape(json.dumps(node['default']))}</code>" if "default" in node else ""
        out.append(f"<tr><td><code>{escape(field)}</code></td><td>{_type(node)}</td>"
                   f"<td>{'yes' if field in required else 'no'}</td><td>{default}</td>"
                   f"<td>{escape(_limits(node))}</td><td>{escape(node.get('description', ''))}</td></tr>")
    if model.get("additionalProperties") is False:
        out.append('<tr><td colspan="6">other fields are refused (422)</td></tr>')
    return "\n".join(out) + "</table></section>"


def _type(node: dict) -> str:
    """A schema node's type in words (HTML), with in-page links to the models it refers to."""
    if "$ref" in node:
        name = escape(node["$ref"].removeprefix(REF))
        return f'<a href="#model-{name}">{name}</a>'
    for combiner, word in (("anyOf", " or "), ("oneOf", " or "), ("allOf", " and ")):
        if combiner in node:
            return word.join(_type(branch) for branch in node[combiner])
    if "enum" in node:
        return "one of " + ", ".join(f"<code>{escape(json.dumps(v))}</code>" for v in node["enum"])
    kind = node.get("type", "any value")
    if isinstance(kind, list):
        return " or ".join(escape(k) for k in kind)
    if kind == "array":
        return "array of " + _type(node.get("items", {}))
    if kind == "object" and isinstance(node.get("additionalProperties"), dict):
        return "object of " + _type(node["additionalProperties"])
    return escape(kind)


def _limits(node: dict) -> str:
    """The node's bounds in words, including those inside an ``anyOf`` (optional fields keep theirs there)."""
    nodes = [node, *node.get("anyOf", ())]
    return ", ".join(text.format(_number(n[k])) for n in nodes for k, text in LIMITS.items() if k in n)


def _number(value):
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _example(node: dict, components: dict, depth: int = 0):
    """A value that fits ``node``: its own example or default when it has one, else a placeholder of its type."""
    if node.get("examples"):
        return node["examples"][0]
    if "default" in node:
        return node["default"]
    if "$ref" in node:
        target = components.get(node["$ref"].removeprefix(REF), {})
        return _example(target, components, depth + 1) if depth < 8 else {}
    branches = node.get("anyOf") or node.get("oneOf") or node.get("allOf")
    if branches:
        typed = [b for b in branches if b.get("type") != "null"] or branches
        return _example(typed[0], components, depth + 1)
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "array":
        return [_example(node.get("items", {}), components, depth + 1)]
    if kind == "object" or "properties" in node:
        required = node.get("required", ())
        return {k: _example(v, components, depth + 1) for k, v in node.get("properties", {}).items() if k in required}
    if kind in ("integer", "number"):
        return _number(node.get("minimum", 0))
    return PLACEHOLDERS.get(kind, "value")
