"""What the OpenAPI document says of each operation, beyond what FastAPI infers.

Routes read their parameters as Mastodon takes them (``chirp.core.params``: a query string,
a form or a JSON body, merged) and answer dicts or pre-encoded bytes, so FastAPI sees
neither the bodies nor the entities. A route says both with ``doc(answers=..., takes=...)``:

- ``answers``: the entity of its 200 (``chirp.core.shapes``), documented only: answers are
  not validated or re-encoded on the way out (``response_model=None``);
- ``takes``: the pydantic model its body is parsed into, documented as a JSON body and as
  a form (arrays as ``name[]``, nested fields as ``parent[name]``, as Mastodon's forms).

Every operation also documents the errors any request may meet (``ERRORS``), and ``finish``
marks the operations a request without a token may use (FastAPI would call every one that
reads a bearer "secured").
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

from fastapi.responses import Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter

from chirp.core.shapes import Error

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Error, "description": "Bad request"},
    401: {"model": Error, "description": "No valid access token"},
    403: {
        "model": Error,
        "description": "The token's scopes or the account's role do not allow it",
    },
    404: {"model": Error, "description": "No such record, or not one the caller may see"},
    408: {"model": Error, "description": "The body did not arrive in time"},
    413: {"model": Error, "description": "The body is too large"},
    422: {"model": Error, "description": "Invalid parameters, with per-field details"},
    429: {"model": Error, "description": "Rate limited (see the X-RateLimit-* headers)"},
    503: {"model": Error, "description": "A database or Redis cannot be reached"},
}


def doc(
    answers: Any = None,
    *,
    takes: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    files: tuple[str, ...] = (),
    also: dict[int, Any] | None = None,
    errors: dict[int | str, dict[str, Any]] | None = None,
    text: str | None = None,
) -> dict[str, Any]:
    """Keyword arguments for a route decorator: ``@router.post(path, **doc(Status))``.

    ``query``: a model read from the query string; ``files``: multipart file fields (the
    body is then multipart only); ``also``: other success codes and their entities;
    ``text``: the media type of a text answer."""
    kwargs: dict[str, Any] = {"response_model": None}
    responses: dict[int | str, dict[str, Any]] = dict(errors or {})
    if answers is not None:
        responses[200] = {"model": answers, "description": "Success"}
    if text is not None:
        kwargs["response_class"] = _Text
        responses[200] = {
            "description": "Success",
            "content": {text: {"schema": {"type": "string"}}},
        }
    for code, entity in (also or {}).items():
        responses[code] = {"model": entity, "description": "Success"}
    if responses:
        kwargs["responses"] = responses
    extra: dict[str, Any] = {}
    if takes is not None or files:
        extra["requestBody"] = body(takes, files)
    if query is not None:
        extra["parameters"] = parameters(query)
    if extra:
        kwargs["openapi_extra"] = extra
    return kwargs


class _Text(Response):
    """Only so that FastAPI documents no JSON schema for a text answer."""

    media_type = "text/plain"


def body(model: type[BaseModel] | None, files: tuple[str, ...] = ()) -> dict[str, Any]:
    """The request body of a route that parses ``model`` from a JSON body or a form, or a
    multipart form with ``files``."""
    schema = inline(TypeAdapter(model).json_schema()) if model is not None else {}
    form = _form(schema)
    if files:
        for name in files:
            form["properties"][name] = {"type": "string", "format": "binary"}
        required = bool(form.get("required"))
        return {"required": required, "content": {"multipart/form-data": {"schema": form}}}
    return {
        "required": bool(schema.get("required")),
        "content": {
            "application/json": {"schema": schema},
            "application/x-www-form-urlencoded": {"schema": form},
            "multipart/form-data": {"schema": form},
        },
    }


def parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """Query parameters from ``model``'s fields (arrays as ``name[]``)."""
    schema = inline(TypeAdapter(model).json_schema())
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in _form(schema)["properties"].items()
    ]


def inline(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its ``$defs`` references replaced by what they name (a request body
    sits in the document, where ``#/$defs/...`` would not resolve)."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(copy.deepcopy(defs[ref.removeprefix("#/$defs/")]))
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    inlined: dict[str, Any] = walk(schema)
    return inlined


def _form(schema: dict[str, Any]) -> dict[str, Any]:
    """The JSON body's schema as a form: ``a[]`` for arrays, ``a[b]`` for an object's
    fields; no nulls (a form leaves a field out instead); free-form maps
    (``fields_attributes``) stay JSON-only."""
    properties: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        plain = _as_text(_without_null(prop))
        if plain.get("type") == "array":
            properties[f"{name}[]"] = plain
        elif plain.get("type") == "object" and "properties" in plain:
            for sub, sub_prop in plain["properties"].items():
                sub_plain = _as_text(_without_null(sub_prop))
                if sub_plain.get("type") not in ("object", "array"):
                    properties[f"{name}[{sub}]"] = sub_plain
        elif plain.get("type") != "object" and "anyOf" not in plain:
            properties[name] = plain
    form: dict[str, Any] = {"type": "object", "properties": properties}
    required = [n for n in schema.get("required", []) if n in properties]
    if required:
        form["required"] = required
    return form


def _as_text(prop: dict[str, Any]) -> dict[str, Any]:
    """A choice between a JSON value and its words (``Flag``) is its words in a form."""
    options = prop.get("anyOf")
    if options and any(o.get("type") == "string" for o in options):
        return next(o for o in options if o.get("type") == "string")
    return prop


def _without_null(prop: dict[str, Any]) -> dict[str, Any]:
    options = prop.get("anyOf")
    if not options:
        return prop
    rest = [o for o in options if o.get("type") != "null"]
    if len(rest) != 1:
        return prop
    # Keep what was said beside the anyOf (a pattern, a default, a title).
    return {**{k: v for k, v in prop.items() if k != "anyOf"}, **rest[0]}


# The dependencies that read a request's token, and those that refuse a request without
# one (chirp.deps registers them): an operation with the first and none of the second may
# be called without a token.
READS_TOKEN: set[Callable[..., Any]] = set()
NEEDS_TOKEN: set[Callable[..., Any]] = set()


def finish(spec: dict[str, Any], routes: list[Any]) -> dict[str, Any]:
    """Mark the operations a request without a token may use: their security requirement
    is optional (``{}``)."""
    for route in _api_routes(routes):
        calls = set(_calls(route.dependant))
        if not calls & READS_TOKEN or calls & NEEDS_TOKEN:
            continue
        operations = spec["paths"].get(route.path_format, {})
        for method in route.methods or ():
            operation = operations.get(method.lower())
            if operation and operation.get("security"):
                operation["security"] = [{}, *operation["security"]]
    return spec


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every route, also inside included routers (FastAPI keeps those as one route each;
    none is included under a prefix, so each route's path is its whole path)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from _api_routes(route.original_router.routes)


def _calls(dependant: Any) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)


def constrain(
    required: tuple[str, ...] = (), **properties: dict[str, Any]
) -> Callable[[dict[str, Any]], None]:
    """A model's ``json_schema_extra`` that documents rules its route checks by hand (a
    field that must not be blank, a pattern): the model parses as before; the document says
    what will be accepted."""

    def extra(schema: dict[str, Any]) -> None:
        if required:
            schema["required"] = sorted({*schema.get("required", []), *required})
            for name in required:  # a default a required field never takes
                schema["properties"][name].pop("default", None)
        for name, rules in properties.items():
            prop = schema["properties"][name]
            target = _without_null(prop) if "anyOf" in prop else prop
            if target is not prop:  # a nullable field: the rules go on its non-null option
                for option in prop["anyOf"]:
                    if option.get("type") != "null":
                        option.update(rules)
            else:
                prop.update(rules)

    return extra


ID = {"pattern": "^[0-9]{1,19}$"}
MAYBE_ID = {"pattern": "^[0-9]{0,19}$"}  # an optional id a form may leave empty
# Not blank: some character that Python's str.strip() keeps (the routes strip), named
# outright because a JSON Schema's \s is ECMAScript's, which differs (U+001C-U+001F,
# U+0085, U+FEFF).
_SPACE = "\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
NOT_BLANK = {"minLength": 1, "pattern": f"[^{_SPACE}]"}
