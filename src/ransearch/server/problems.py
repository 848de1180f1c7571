"""Validation errors as plain sentences: one per problem, naming the field the client sent.

pydantic reports where a value failed inside its own types ("country.function-after[
_valid_unicode(), constrained-str]: String should have at most 200 characters") and reports
every branch of a union that failed. :func:`plain_errors` keeps the client's field path
(``country``, ``country[1]``), one problem per field, in words: "country is longer than 200
characters". The HTTP API (``ransearch.server.app``) and the MCP tools
(``ransearch.mcp_server``) both answer with these sentences. Needs nothing but the standard library.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["plain_errors", "field_path"]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WHERE = {"body", "query", "path", "header", "cookie"}
_TYPE_WORDS = {
    "string_type": "a text string", "list_type": "a list of text strings", "int_type": "a whole number",
    "int_parsing": "a whole number", "int_from_float": "a whole number", "bool_type": "true or false",
    "bool_parsing": "true or false", "dict_type": "a JSON object", "model_type": "a JSON object",
    "model_attributes_type": "a JSON object", "float_type": "a number", "none_required": "null",
}


def field_path(loc: Sequence[Any]) -> str:
    """The client's name of a location: ``country``, ``country[1]``, ``filters.language``;
    pydantic's type tags and the request part (``body``, ``query``) are left out."""
    parts = [p for p in loc if isinstance(p, int) or (isinstance(p, str) and _NAME.fullmatch(p) and p not in _TYPE_WORDS)]
    if len(parts) > 1 and parts[0] in _WHERE:  # FastAPI's ("body", "query"), ("query", "country")
        parts = parts[1:]
    elif parts == ["body"]:
        parts = []
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _sentence(kind: str, field: str, error: Mapping[str, Any]) -> str:
    ctx = error.get("ctx") or {}
    what = field or "the request body"
    if kind == "missing":
        return f"{what} is required"
    if kind == "extra_forbidden":
        return f"{field!r} is not a known field of this request (check its spelling)"
    if kind == "string_too_short":
        return f"{what} must not be empty" if ctx.get("min_length") == 1 else \
            f"{what} must have at least {ctx.get('min_length')} characters"
    if kind == "string_too_long":
        return f"{what} is longer than {ctx.get('max_length')} characters"
    if kind == "too_long":
        return f"{what} lists more than {ctx.get('max_length')} values"
    if kind == "too_short":
        return f"{what} needs at least {ctx.get('min_length')} value(s)"
    bounds = {"greater_than_equal": "at least", "less_than_equal": "at most", "greater_than": "more than",
              "less_than": "less than"}
    if kind in bounds:
        limit = next(iter(ctx.values()), "?")
        return f"{what} must be {bounds[kind]} {limit}"
    if kind == "literal_error":
        return f"{what} must be one of {ctx.get('expected')}"
    if kind == "string_pattern_mismatch":
        return f"{what} does not have the expected form"
    if kind == "string_unicode":
        return f"{what} is not valid Unicode text"
    if kind == "json_invalid":
        return f"the request body is not valid JSON ({ctx.get('error', 'syntax error')})"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"{what} must be a whole number (a JSON number, not text or true/false)"
    if kind in _TYPE_WORDS:
        return f"{what} must be {_TYPE_WORDS[kind]}"
    if kind == "value_error":
        return f"{what}: {ctx.get('error', error.get('msg', 'invalid value'))}"
    msg = str(error.get("msg", "invalid value"))
    return f"{what}: {msg[:1].lower()}{msg[1:]}"


def plain_errors(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """``[{"loc", "msg", "type"}]``: one plain sentence per field that failed.

    A union reports each branch that failed: when some branch failed on its content (too
    long, unknown word), the type mismatches of the other branches are dropped; when every
    branch failed on the type, one sentence lists the types accepted.
    """
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for error in errors:
        groups.setdefault(field_path(error.get("loc", ())), []).append(error)

    def type_only(items: list[Mapping[str, Any]]) -> bool:
        return all(str(e.get("type")) in _TYPE_WORDS for e in items)

    out = []
    for field, items in groups.items():
        deeper = any(other.startswith((field + "[", field + ".")) for other in groups
                     if other != field and field)
        if type_only(items) and deeper:
            continue  # the list branch went further: its element's problem says it better
        content = [e for e in items if str(e.get("type")) not in _TYPE_WORDS]
        if content:
            chosen = content[0]
            kind = str(chosen.get("type", ""))
            out.append({"loc": field, "msg": _sentence(kind, field, chosen), "type": kind})
        elif len(items) > 1:
            kinds = list(dict.fromkeys(_TYPE_WORDS[str(e["type"])] for e in items))
            out.append({"loc": field, "msg": f"{field or 'the request body'} must be " + " or ".join(kinds),
                        "type": str(items[0]["type"])})
        else:
            kind = str(items[0].get("type", ""))
            out.append({"loc": field, "msg": _sentence(kind, field, items[0]), "type": kind})
    return out
