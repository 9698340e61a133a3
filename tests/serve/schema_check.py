"""Check a JSON answer against the schema a served ``/openapi.json`` declares for it (no jsonschema dependency).

Covers what FastAPI and pydantic emit: ``$ref``, ``anyOf``/``oneOf``, ``type``, ``properties``, ``required``,
``additionalProperties``, ``items``, ``enum`` and ``const``. An object schema that lists its properties refuses
keys it does not list unless it allows more, so an answer cannot carry fields the schema does not document.
"""

from __future__ import annotations

REF = "#/components/schemas/"
TYPES = {"string": lambda v: isinstance(v, str), "boolean": lambda v: isinstance(v, bool),
         "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
         "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
         "null": lambda v: v is None, "array": lambda v: isinstance(v, list), "object": lambda v: isinstance(v, dict)}


def answer_schema(schema: dict, path: str, method: str, status: int = 200) -> dict:
    """The JSON schema of ``method path``'s ``status`` answer in an OpenAPI document."""
    response = schema["paths"][path][method]["responses"][str(status)]
    return response["content"]["application/json"]["schema"]


def schema_errors(value, node: dict, components: dict, where: str = "$") -> list[str]:
    """Where ``value`` does not fit ``node``, one line each (empty when it fits)."""
    if "$ref" in node:
        return schema_errors(value, components[node["$ref"].removeprefix(REF)], components, where)
    branches = node.get("anyOf") or node.get("oneOf")
    if branches:
        tries = [schema_errors(value, b, components, where) for b in branches]
        return [] if any(not t for t in tries) else [f"{where}: fits no branch ({'; '.join(t[0] for t in tries)})"]
    if "const" in node and value != node["const"]:
        return [f"{where}: {value!r} is not {node['const']!r}"]
    if "enum" in node and value not in node["enum"]:
        return [f"{where}: {value!r} is not one of {node['enum']}"]
    kind = node.get("type")
    if kind is not None and not TYPES[kind](value):
        return [f"{where}: {type(value).__name__} {value!r:.60} is not {kind}"]
    if isinstance(value, list):
        return [e for k, item in enumerate(value) for e in schema_errors(item, node.get("items", {}), components,
                                                                         f"{where}[{k}]")]
    if isinstance(value, dict):
        return _object_errors(value, node, components, where)
    return []


def _object_errors(value: dict, node: dict, components: dict, where: str) -> list[str]:
    props = node.get("properties", {})
    extra = node.get("additionalProperties", not props)
    errors = [f"{where}: missing required {k!r}" for k in node.get("required", ()) if k not in value]
    for key, item in value.items():
        if key in props:
            errors += schema_errors(item, props[key], components, f"{where}.{key}")
        elif extra is False:
            errors.append(f"{where}: {key!r} is not in the schema")
        elif isinstance(extra, dict):
            errors += schema_errors(item, extra, components, f"{where}.{key}")
    return errors
