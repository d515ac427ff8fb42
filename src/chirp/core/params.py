"""Request parameters the way Mastodon takes them: from the query string, a form (urlencoded
or multipart) or a JSON body, merged, with ``name[]`` keys collected into lists."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from chirp.core.errors import FieldErrors, PayloadTooLarge, Unprocessable

M = TypeVar("M", bound=BaseModel)
MAX_BODY = 1_000_000  # JSON and urlencoded bodies; uploads have their own limits


async def read_params(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = {}
    merge_items(params, request.query_params.multi_items())
    if request.method in ("GET", "HEAD", "DELETE") and not request.headers.get("content-length"):
        return params
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    declared = request.headers.get("content-length", "")
    if content_type != "multipart/form-data" and declared.isdigit() and int(declared) > MAX_BODY:
        raise PayloadTooLarge()
    if content_type == "application/json":
        body = await request.body()
        if len(body) > MAX_BODY:
            raise PayloadTooLarge()
        if body.strip():
            try:
                data = json.loads(body)
            except (ValueError, RecursionError):
                raise Unprocessable("Request body is not valid JSON") from None
            if not isinstance(data, dict):
                raise Unprocessable("Request body must be a JSON object")
            _refuse_unstorable(data)
            params.update(data)
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        merge_items(params, form.multi_items())
    return params


def merge_items(params: dict[str, Any], items: list[tuple[str, Any]]) -> None:
    """Add ``items`` (key, value) to ``params``, collecting ``a[]`` and nesting ``a[b]``."""
    for key, value in items:
        _refuse_unstorable(value)
        if key.endswith("[]"):
            existing = params.get(key[:-2])
            if existing is None:
                params[key[:-2]] = [value]
            elif isinstance(existing, list):
                existing.append(value)
            else:
                raise Unprocessable(f"Validation failed: {key[:-2]} is given twice")
            continue
        # source[privacy]=x → {"source": {"privacy": "x"}}; a[0][name]=y → {"a": {"0": {...}}}
        path = key.replace("]", "").split("[")
        target = params
        for part in path[:-1]:
            nested = target.setdefault(part, {})
            if not isinstance(nested, dict):
                break
            target = nested
        else:
            target[path[-1]] = value


def _refuse_unstorable(value: object) -> None:
    """Text no database can store, refused up front with a 422 rather than at commit with a
    500: NUL (PostgreSQL text cannot hold it, and no client means to send one) and a lone
    UTF-16 surrogate (JSON's ``"\\ud800"`` decodes to one; it has no UTF-8 form, so SQLite's
    and asyncpg's encoders fail on it). Walks nested JSON without recursion, so depth cannot
    exhaust the stack."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise Unprocessable("Validation failed: text may not contain NUL characters")
            try:
                item.encode()
            except UnicodeEncodeError:
                raise Unprocessable(
                    "Validation failed: text may not contain lone surrogates (invalid Unicode)"
                ) from None
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


def parse(model: type[M], data: dict[str, Any]) -> M:
    """Validate ``data`` into ``model``; invalid input is a 422 with per-field details."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = FieldErrors()
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "request"
            errors.add(field, _code_for(err["type"]), err["msg"])
        errors.raise_if_any()
        raise  # unreachable: a ValidationError always has errors


def _code_for(kind: str) -> str:
    if kind == "missing":
        return "ERR_BLANK"
    if kind.endswith("too_long"):
        return "ERR_TOO_LONG"
    if kind.endswith("too_short"):
        return "ERR_TOO_SHORT"
    return "ERR_INVALID"
