"""Checks of the structured-output fields of a request, as each provider validates them (HTTP 400).

Formats (docs/reference-facts.md §5):

- Responses API: ``text: {format: {type: "text"} | {type: "json_object"} | {type: "json_schema",
  name, schema, strict?, description?}}``;
- Chat Completions: ``response_format: {type: "text"} | {type: "json_object"} | {type: "json_schema",
  json_schema: {name, schema?, strict?, description?}}``;
- Anthropic Messages API: ``output_config: {format: {type: "json_schema", schema}}``.

``name`` must match ``^[A-Za-z0-9_-]{1,64}$`` and a schema must be a JSON object. Each function
returns why the request would be refused, or ``None``.
"""

from __future__ import annotations

import re
from typing import Any

from tandem.protocol import JsonDict

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _schema_problem(fields: Any, where: str, *, schema_required: bool) -> str | None:
    if not isinstance(fields, dict):
        return f"{where}: expected an object"
    name = fields.get("name")
    if not isinstance(name, str):
        return f"Missing required parameter: '{where}.name'."
    if not _NAME.match(name):
        return f"Invalid '{where}.name': must match ^[A-Za-z0-9_-]{{1,64}}$."
    schema = fields.get("schema")
    if schema is None and schema_required:
        return f"Missing required parameter: '{where}.schema'."
    if schema is not None and not isinstance(schema, dict):
        return f"Invalid type for '{where}.schema': expected an object."
    if "strict" in fields and not isinstance(fields["strict"], bool | None):
        return f"Invalid type for '{where}.strict': expected a boolean."
    return None


def responses_text_problem(body: JsonDict) -> str | None:
    """Why the Responses API would refuse ``body["text"]``, or ``None`` (absent is fine)."""
    if "text" not in body:
        return None
    text = body["text"]
    if not isinstance(text, dict):
        return "Invalid type for 'text': expected an object."
    fmt = text.get("format")
    if fmt is None:
        return None
    if not isinstance(fmt, dict):
        return "Invalid type for 'text.format': expected an object."
    kind = fmt.get("type")
    if kind in ("text", "json_object"):
        return None
    if kind != "json_schema":
        return "Invalid value for 'text.format.type': expected one of 'text', 'json_object', 'json_schema'."
    return _schema_problem(fmt, "text.format", schema_required=True)


def chat_response_format_problem(body: JsonDict) -> str | None:
    """Why Chat Completions would refuse ``body["response_format"]``, or ``None`` (absent is fine)."""
    if "response_format" not in body:
        return None
    fmt = body["response_format"]
    if not isinstance(fmt, dict):
        return "Invalid type for 'response_format': expected an object."
    kind = fmt.get("type")
    if kind in ("text", "json_object"):
        return None
    if kind != "json_schema":
        return "Invalid value for 'response_format.type': expected one of 'text', 'json_object', 'json_schema'."
    if "json_schema" not in fmt:
        return "Missing required parameter: 'response_format.json_schema'."
    return _schema_problem(fmt["json_schema"], "response_format.json_schema", schema_required=False)


def anthropic_output_config_problem(body: JsonDict) -> str | None:
    """Why the Messages API would refuse ``body["output_config"]``, or ``None`` (absent is fine)."""
    if "output_config" not in body:
        return None
    config = body["output_config"]
    if not isinstance(config, dict):
        return "output_config: Input should be a valid dictionary"
    if set(config) - {"format", "effort"}:
        extra = sorted(set(config) - {"format", "effort"})[0]
        return f"output_config.{extra}: Extra inputs are not permitted"
    fmt = config.get("format")
    if fmt is None:
        return None
    if not isinstance(fmt, dict) or fmt.get("type") != "json_schema":
        return "output_config.format.type: Input should be 'json_schema'"
    if set(fmt) - {"type", "schema"}:
        extra = sorted(set(fmt) - {"type", "schema"})[0]
        return f"output_config.format.{extra}: Extra inputs are not permitted"
    if not isinstance(fmt.get("schema"), dict):
        return "output_config.format.schema: Input should be a valid dictionary"
    return None
