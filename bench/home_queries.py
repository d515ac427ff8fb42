"""How many SQL statements a home-timeline page costs, for pages of 1, 20 and 40 statuses.

Run: ``.venv/bin/python bench/home_queries.py`` (embedded SQLite, in a temporary directory),
or with ``CHIRP_SHARD_URLS=...`` set to count on PostgreSQL shards (their tables must be
migrated and empty). Prints one line per page size; the count should not grow with the page.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event

from chirp.app import create_app
from chirp.config import Environment, Settings
from chirp.migrations import upgrade_all
from chirp.runtime import Runtime

PASSWORD = "Bench-password-1234"


async def register(client: httpx.AsyncClient, name: str) -> tuple[str, dict[str, str]]:
    app = (
        await client.post(
            "/api/v1/apps", data={"client_name": "bench", "scopes": "read write follow"}
        )
    ).json()
    token = (
        await client.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": app["client_id"],
                "client_secret": app["client_secret"],
                "scope": "read write follow",
            },
        )
    ).json()
    signed = (
        await client.post(
            "/api/v1/accounts",
            headers={"Authorization": f"Bearer {token['access_token']}"},
            data={
                "username": name,
                "email": f"{name}@bench.example",
                "password": PASSWORD,
                "agreement": "true",
                "locale": "en",
            },
        )
    ).json()
    auth = {"Authorization": f"Bearer {signed['access_token']}"}
    me = (await client.get("/api/v1/accounts/verify_credentials", headers=auth)).json()
    return me["id"], auth


async def main() -> None:
    settings = Settings(
        env=Environment.test,
        data_dir=Path(tempfile.mkdtemp()),
        node_id=9,
        secret_key=secrets.token_urlsafe(48),
        password_profile="fast-insecure",
        domain="bench.test",
        base_url="http://bench.test",
        shard_urls=[u for u in os.environ.get("CHIRP_SHARD_URLS", "").split(",") if u],
    )
    await asyncio.to_thread(upgrade_all, settings)
    rt = Runtime.build(settings)
    logging.getLogger().setLevel(logging.ERROR)
    transport = httpx.ASGITransport(app=create_app(runtime=rt))
    async with httpx.AsyncClient(transport=transport, base_url=settings.public_url) as client:
        _, viewer = await register(client, "viewer")
        writer_id, writer = await register(client, "writer")
        booster_id, _booster = await register(client, "booster")
        for target in (writer_id, booster_id):
            await client.post(f"/api/v1/accounts/{target}/follow", headers=viewer)
        posted = []
        for n in range(45):
            body = {"status": f"post {n} @viewer #bench https://example.com/{n}"}
            if posted and n % 5 == 0:
                body["in_reply_to_id"] = posted[-1]
            posted.append(
                (await client.post("/api/v1/statuses", headers=writer, data=body)).json()["id"]
            )
        for status_id in posted[-12::3]:
            await client.post(f"/api/v1/statuses/{status_id}/favourite", headers=viewer)
            await client.post(f"/api/v1/statuses/{status_id}/bookmark", headers=viewer)
        statements: list[str] = []

        def count(*args: Any) -> None:
            statements.append(args[2])

        for physical in rt.shards.physical:
            event.listen(physical.engine.sync_engine, "before_cursor_execute", count)
        for limit in (1, 20, 40):
            statements.clear()
            page = await client.get(
                "/api/v1/timelines/home", params={"limit": limit}, headers=viewer
            )
            print(
                f"home limit={limit}: {len(page.json())} statuses, "
                f"{len(statements)} SQL statements on {len(rt.shards.physical)} database(s)"
            )
    await rt.close()


if __name__ == "__main__":
    asyncio.run(main())
