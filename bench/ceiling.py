"""The ceiling: a plain FastAPI route serving the bytes Chirp answered, on Chirp's server setup.

Same ASGI server and worker count (``chirp.core.server.run``), and for each read scenario a
FastAPI route of the same shape that reads the Authorization header and returns the bytes
captured from Chirp in the same run (same size, same Link header). No middleware: Chirp's
middleware is Chirp's cost (../shared/limits/ceiling_fastapi.py is the model). Whatever Chirp
does per request beyond this is the gap the benchmark reports as a ratio.

Run by the load runner: ``python -m bench.ceiling --port P --workers N`` with
``CHIRP_BENCH_CANNED`` naming the JSON file of captured answers.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Header, Response

from chirp.core.server import SERVERS, run

CANNED = "CHIRP_BENCH_CANNED"
ROUTES = {
    "home": "/api/v1/timelines/home",
    "public": "/api/v1/timelines/public",
    "tag": "/api/v1/timelines/tag/{hashtag}",
    "account": "/api/v1/accounts/{account_id}/statuses",
    "status": "/api/v1/statuses/{status_id}",
}


def _answer(body: bytes, link: str | None) -> Callable[..., Awaitable[Response]]:
    headers = {"Link": link} if link else None

    async def answer(authorization: Annotated[str | None, Header()] = None) -> Response:
        return Response(body, media_type="application/json", headers=headers)

    return answer


def create_app() -> FastAPI:
    canned = json.loads(Path(os.environ[CANNED]).read_text())
    app = FastAPI(title="Chirp ceiling")
    for name, path in ROUTES.items():
        if name in canned:
            answer = _answer(canned[name]["body"].encode(), canned[name].get("link"))
            app.add_api_route(path, answer, methods=["GET"])
    app.add_api_route("/health", _answer(b'{"status":"ok"}', None), methods=["GET"])
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--server", default="uvicorn", choices=SERVERS)
    args = parser.parse_args()
    run(
        "bench.ceiling:create_app",
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        server=args.server,
    )


if __name__ == "__main__":
    main()
