"""The ASGI application: middleware, error handlers and every context's routes."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

import structlog
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from chirp import __version__
from chirp.accounts.api import router as accounts_router
from chirp.config import Environment, Settings, get_settings
from chirp.core import openapi
from chirp.core.auth import Bearer, presented_token
from chirp.core.bodies import BodyLimitMiddleware
from chirp.core.errors import install_handlers
from chirp.core.logging import access_logger, configure_logging
from chirp.core.middleware import ConcurrencyLimitMiddleware, RequestMiddleware
from chirp.core.params import MAX_BODY
from chirp.core.ratelimits import Principal, RateLimits, Rules
from chirp.core.responses import JSON
from chirp.graph.api import router as graph_router
from chirp.hotpath.front import HotFront, bearer_of
from chirp.instance.api import router as instance_router
from chirp.media import cleanup as media_cleanup
from chirp.media.api import router as media_router
from chirp.media.uploads import FIELDS_SLACK
from chirp.moderation.api import router as moderation_router
from chirp.notifications.api import router as notifications_router
from chirp.oauth.api import router as oauth_router
from chirp.ops.api import router as ops_router
from chirp.posts.api import router as posts_router
from chirp.runtime import Runtime
from chirp.search.api import router as search_router
from chirp.streaming.api import router as streaming_router
from chirp.tags.api import router as tags_router
from chirp.timelines.api import router as timelines_router

log = structlog.get_logger(__name__)


def tune_collector() -> None:
    """Everything built so far (modules, the app, the routes, the schema) lives as long as
    the process: the collector's full passes need not walk it each time (``freeze``). And
    young collections run ten times less often than by default: a server holds dozens of
    requests in flight, whose objects otherwise live through two young collections and are
    promoted, each promotion bringing the next full pass nearer; full passes over the hot
    store paused a process for 50-170 ms under load (bench/BASELINE.md)."""
    gc.freeze()
    gc.set_threshold(10_000, 20, 10)


def _principal(rt: Runtime) -> Principal:
    """A request's token as the rate limits count it: resolved through the token cache (the
    database on a miss, within the hot path's slots) and left in the request's state, so
    the hot path does not resolve it again."""

    async def principal(scope: Scope) -> Bearer | None:
        presented = presented_token(scope)
        if presented is None:
            return None
        try:
            bearer = await bearer_of(rt, presented)
        except Exception:  # the database is away: counted by address; the route answers
            log.warning("rate_limit_token_unresolved", exc_info=True)
            return None
        if bearer is not None:
            scope.setdefault("state", {})["bearer"] = bearer
        return bearer

    return principal


class Chirp:
    """The ASGI application: the request middleware, then the hot routes, then the FastAPI
    application with every route. The first two sit outside FastAPI so a hot request pays
    neither its routing nor its own middleware stack (about 25 microseconds: a tenth of a
    hot page's budget)."""

    def __init__(self, api: FastAPI, outer: ASGIApp) -> None:
        self.api = api
        self._outer = outer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._outer(scope, receive, send)

    def openapi(self) -> dict[str, Any]:
        return self.api.openapi()


def create_app(
    settings: Settings | None = None, runtime: Runtime | None = None, *, hot: bool = True
) -> Chirp:
    """The API; ``hot=False`` leaves the hot read path out (every page from the database
    path: what the tests compare the hot pages with)."""
    settings = settings or (runtime.settings if runtime else get_settings())
    configure_logging(settings)
    rt = runtime or Runtime.build(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        log.info(
            "server_started",
            version=__version__,
            shards=len(rt.shards.physical),
            embedded=settings.embedded,
            node=rt.ids.node,
        )
        # Hands on what the outbox holds: events this process commits, and any left over by a
        # process that stopped before handing them on (see chirp.jobs.runner).
        await rt.jobs.start()
        cleanup = asyncio.create_task(media_cleanup.periodically(rt))
        # Revocations in other processes reach this one's token cache through Redis.
        listener = asyncio.create_task(rt.tokens.listen())
        # Moderators' suspensions and silences, known before the first request and kept
        # fresh in this process.
        with suppress(Exception):  # a database away: the watch below keeps trying
            await rt.standing.refresh(rt.uow)
        standing = asyncio.create_task(rt.standing.watch(rt.uow))
        await rt.hot.start()
        if settings.env is not Environment.test:
            tune_collector()
        yield
        cleanup.cancel()
        for task in (listener, standing):
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        await rt.jobs.stop()
        if runtime is None:  # a runtime handed in belongs to the caller
            await rt.close()

    app = FastAPI(
        title="Chirp",
        version=__version__,
        summary="A Twitter-like microblogging server that speaks the Mastodon client API.",
        lifespan=lifespan,
        default_response_class=JSON,
        # FastAPI's documentation pages load their scripts from a third-party CDN: not on a
        # production server. /openapi.json stays (clients and fuzzers read it).
        docs_url=None if settings.env is Environment.production else "/docs",
        redoc_url=None if settings.env is Environment.production else "/redoc",
        responses=openapi.ERRORS,
    )
    app.state.runtime = rt
    generated = app.openapi

    def documented() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = openapi.finish(generated(), app.routes)
        return app.openapi_schema

    app.openapi = documented  # type: ignore[method-assign]
    app.state.public_url = settings.public_url  # absolute links start here, not at Host
    install_handlers(app)
    # graph and search before accounts: /accounts/relationships and /accounts/search must
    # win over /accounts/{account_id}.
    routers = (
        ops_router,
        instance_router,
        oauth_router,
        graph_router,
        search_router,
        accounts_router,
        posts_router,
        timelines_router,
        notifications_router,
        tags_router,
        streaming_router,
        media_router,
        moderation_router,
    )
    for router in routers:
        app.include_router(router)
    # The hot routes answer ahead of the routes and their request slots, taking a slot only
    # to read the database; the request's log line times the wait for a slot too. Their
    # slots are their own, a quarter of the whole: a route holds its slot for the whole
    # request (a post also while its fan-out runs, up to CHIRP_JOB_INLINE_WAIT), and under a
    # steady write load readers that missed (a token seen again after its cache entry ran
    # out, a status just edited) queued behind those for seconds where their read takes
    # milliseconds. Together they still admit half the pool's connections' worth.
    pool = settings.db_pool_size + settings.db_max_overflow
    admitted = max(2, pool // 2)
    hot_slots = asyncio.Semaphore(max(1, admitted // 4))
    slots = asyncio.Semaphore(admitted - max(1, admitted // 4))
    app.add_middleware(ConcurrencyLimitMiddleware, slots=slots)
    outer: ASGIApp = app
    if hot:
        rt.hot.slots = hot_slots
        outer = HotFront(app, rt)
    # Bodies are read (or, for uploads, bounded) before anything takes a slot: a client that
    # trickles its body holds only its own connection. The largest upload is a profile's
    # avatar and header together.
    bounded = BodyLimitMiddleware(
        outer,
        limit=MAX_BODY,
        upload_limit=2 * settings.media_max_bytes + FIELDS_SLACK,
        seconds=settings.body_seconds,
        upload_seconds=settings.upload_seconds,
    )
    limited: ASGIApp = bounded
    if settings.rate_limits:
        # Ahead of the bodies: a refused upload is not read first.
        limited = RateLimits(bounded, Rules.of(settings), rt.tally, _principal(rt))
    access = access_logger(settings)
    logged = RequestMiddleware(
        limited, rt.metrics, settings.slow_ms, access, routine=settings.access_log
    )
    return Chirp(app, logged)
