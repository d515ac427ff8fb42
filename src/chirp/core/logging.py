"""Structured JSON logs through structlog, with the standard library routed into them.

Every line carries the request id bound by the middleware. Nothing here logs parameters,
passwords, tokens or emails: callers log ids and outcomes only.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import orjson
import structlog

from chirp.config import Settings


def configure_logging(settings: Settings) -> None:
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if settings.log_json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    handler.set_name("chirp")
    root = logging.getLogger()
    # Replace only our own handler, so configuring twice (tests, reloads) leaves others alone.
    root.handlers[:] = [h for h in root.handlers if h.get_name() != "chirp"] + [handler]
    root.setLevel(settings.log_level)
    # Our middleware writes the access log; uvicorn's would say the same thing twice.
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


def access_logger(settings: Settings) -> Any:
    """The logger of routine access lines: with JSON logs, structlog writing straight to the
    stream (orjson), not through the standard library's logging. The same fields, about a
    fifth of the cost (5 against 26 microseconds a line, measured with bench-like fields):
    every request writes one. Slow requests and failures still go through ``logging``."""
    if not settings.log_json:
        return structlog.get_logger("chirp.access")
    return structlog.wrap_logger(
        structlog.WriteLogger(sys.stderr),
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(serializer=_json),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[settings.log_level]
        ),
    ).bind(logger="chirp.access")


def _json(value: Any, **_: Any) -> str:
    return orjson.dumps(value).decode()
