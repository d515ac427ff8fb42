"""Request parameters the way Mastodon takes them: from the query string, a form (urlencoded
or multipart) or a JSON body, merged, with ``name[]`` keys collected into lists."""

from __future__ import annotations

import functools
import json
from typing import Annotated, Any, TypeVar, get_args, get_origin

from fastapi import Request
from pydantic import (
    BaseModel,
    BeforeValidator,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
)

from chirp.core.errors import FieldErrors, PayloadTooLarge, Unprocessable

M = TypeVar("M", bound=BaseModel)
# A boolean as Mastodon's clients send it: JSON's true and false (or 1 and 0), or these
# words in any case (a form has only text; Mastodon.py sends "1" and "0" even in JSON, a
# browser's checkbox "on"). Nothing else: the OpenAPI document says exactly this.
FLAG_WORDS = {
    **dict.fromkeys(("true", "t", "1", "on", "yes"), True),
    **dict.fromkeys(("false", "f", "0", "off", "no"), False),
}


def _either_case(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)


FLAG_PATTERN = "^(" + "|".join(_either_case(w) for w in FLAG_WORDS) + ")$"


def _flag(value: object) -> object:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in FLAG_WORDS:
        return FLAG_WORDS[value.lower()]
    raise ValueError("must be true or false")


Flag = Annotated[
    bool,
    BeforeValidator(_flag),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "boolean"},
                {"type": "integer", "enum": [0, 1]},
                {"type": "string", "pattern": FLAG_PATTERN},
            ]
        }
    ),
]


def _not_flag(value: object) -> object:
    if isinstance(value, bool):  # JSON's true is no number (pydantic would take it as 1)
        raise ValueError("must be a number")
    return value


Count = Annotated[int, BeforeValidator(_not_flag)]

# An id inside a body (``media_ids[]``, ``status_ids[]``): digits, as every id is.
IdText = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,19}$")]


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
            params.update(data)
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        merge_items(params, form.multi_items())
    return params


def merge_items(params: dict[str, Any], items: list[tuple[str, Any]]) -> None:
    """Add ``items`` (key, value) to ``params``, collecting ``a[]`` and nesting ``a[b]``."""
    for key, value in items:
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


def refuse_unstorable(value: object) -> None:
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
    # A list sent as one value (``media_ids=1``, without the ``[]``) is a list of one, as
    # Rails' Array() makes it for Mastodon.
    data = {k: [v] if isinstance(v, str) and k in _lists(model) else v for k, v in data.items()}
    # Only what the model takes: a field it ignores is never stored, whatever it holds.
    refuse_unstorable([v for k, v in data.items() if k in model.model_fields])
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        errors = FieldErrors()
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "request"
            errors.add(field, _code_for(err["type"]), err["msg"])
        errors.raise_if_any()
        raise  # unreachable: a ValidationError always has errors
    return parsed


@functools.cache
def _lists(model: type[BaseModel]) -> frozenset[str]:
    """The fields of ``model`` that take a list (or a list or None)."""

    def is_list(annotation: Any) -> bool:
        if get_origin(annotation) is list:
            return True
        return any(get_origin(a) is list for a in get_args(annotation))

    return frozenset(n for n, f in model.model_fields.items() if is_list(f.annotation))


def _code_for(kind: str) -> str:
    if kind == "missing":
        return "ERR_BLANK"
    if kind.endswith("too_long"):
        return "ERR_TOO_LONG"
    if kind.endswith("too_short"):
        return "ERR_TOO_SHORT"
    return "ERR_INVALID"
