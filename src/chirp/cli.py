"""The ``chirp`` command: serve, migrate, and manage accounts."""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer
from rich.console import Console

from chirp.config import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from chirp.runtime import Runtime

T = TypeVar("T")

app = typer.Typer(
    help="Chirp: a Twitter-like server that speaks the Mastodon client API.", no_args_is_help=True
)
accounts_app = typer.Typer(help="Manage accounts.", no_args_is_help=True)
app.add_typer(accounts_app, name="accounts")
jobs_app = typer.Typer(
    help="Inspect and replay jobs (the outbox and dead letters).", no_args_is_help=True
)
app.add_typer(jobs_app, name="jobs")
media_app = typer.Typer(help="Manage media files.", no_args_is_help=True)
app.add_typer(media_app, name="media")
admin_app = typer.Typer(
    help="Moderate: suspend, silence, disable or mark sensitive, give roles, read the audit log.",
    no_args_is_help=True,
)
app.add_typer(admin_app, name="admin")
console = Console(stderr=True)


def _refuse(message: object) -> NoReturn:
    """Stop with ``message`` and exit status 2 (a usage or configuration error)."""
    console.print(f"[red]{message}[/red]")
    raise typer.Exit(2)


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        _refuse(exc)


def _with_runtime(settings: Settings, use: Callable[[Runtime], Awaitable[T]]) -> T:
    """Run ``use`` over a runtime of the command's own, closed afterwards."""
    from chirp.runtime import Runtime

    async def run() -> T:
        rt = Runtime.build(settings)
        try:
            return await use(rt)
        finally:
            await rt.close()

    return asyncio.run(run())


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    server: Annotated[
        str, typer.Option(help="HTTP server: uvicorn, or granian if installed.")
    ] = "uvicorn",
    migrate: Annotated[
        bool, typer.Option(help="Apply migrations first (default on SQLite).")
    ] = False,
) -> None:
    """Run the API server."""
    from chirp.core import server as http_server
    from chirp.core.logging import configure_logging

    if server not in http_server.SERVERS:
        _refuse(f"unknown server {server!r}: use {' or '.join(http_server.SERVERS)}")
    # Without a configured domain, links and OAuth endpoints point at where we listen.
    # (Set in the environment so that every worker process sees the same value.)
    if not os.environ.get("CHIRP_DOMAIN"):
        listen = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::", "::1") else host  # noqa: S104
        os.environ["CHIRP_DOMAIN"] = f"{listen}:{port}"
    settings = _settings()
    configure_logging(settings)
    if workers > 1 and not settings.redis_url:
        # Every worker reads this from the environment (see Settings.process_local_state).
        os.environ["CHIRP_PROCESS_LOCAL_STATE"] = "false"
        console.print(
            "[yellow]warning: without CHIRP_REDIS_URL the worker processes share only the "
            "database: home timelines are pulled, nothing is cached across requests, and each "
            "worker streams only the events of its own requests. Set CHIRP_REDIS_URL to share "
            "feeds, caches and streams.[/yellow]"
        )
    if migrate or settings.embedded:
        from chirp.migrations import upgrade_all

        upgrade_all(settings)
    http_server.run(
        "chirp.app:create_app",
        host=host,
        port=port,
        workers=workers,
        server=server,
        header_seconds=settings.header_seconds,
        trusted_proxies=settings.trusted_proxies,
    )


@app.command()
def migrate() -> None:
    """Apply database migrations to every shard database."""
    from chirp.core.logging import configure_logging
    from chirp.migrations import upgrade_all

    settings = _settings()
    configure_logging(settings)
    upgrade_all(settings)
    console.print(f"[green]migrated {len(settings.physical_urls)} database(s)[/green]")


@app.command()
def worker(
    processes: Annotated[int, typer.Option(help="Worker processes to run.", min=1)] = 1,
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve /metrics here (worker n on port + n).")
    ] = None,
) -> None:
    """Run job workers: consume the broker (CHIRP_BROKER_URL) and relay the outbox."""
    from chirp import worker as jobs_worker

    settings = _settings()
    if not settings.broker_url:
        _refuse("CHIRP_BROKER_URL is not set: without a broker, `chirp serve` runs jobs itself")
    jobs_worker.run_many(processes, metrics_port)


@jobs_app.command("dead")
def jobs_dead(limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50) -> None:
    """List dead-lettered jobs."""
    from rich.table import Table

    from chirp.jobs import admin

    rows = _with_runtime(_settings(), lambda rt: admin.dead(rt, limit))
    table = Table("id", "kind", "attempts", "failed at", "error", "payload")
    for row in rows:
        table.add_row(*row)
    Console().print(table)


@jobs_app.command("replay")
def jobs_replay(
    job_ids: Annotated[list[str] | None, typer.Argument(help="Dead job ids.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Replay every dead job.")] = False,
) -> None:
    """Put dead-lettered jobs back in the outbox, with their tries reset."""
    from chirp.jobs import admin

    replayed, missing = _with_runtime(
        _settings(),
        # Without Redis the job runs in the server's relay, where its feeds live.
        lambda rt: admin.replay(rt, job_ids or [], every=all_, hand_on=rt.redis is not None),
    )
    print(f"replayed {replayed} job(s)")
    if missing:
        console.print(f"[red]no dead job with id {', '.join(missing)}[/red]")
        raise typer.Exit(1)


@jobs_app.command("status")
def jobs_status() -> None:
    """How many jobs wait in the outbox (and the broker) and how many are dead."""
    for name, value in _with_runtime(_settings(), lambda rt: rt.jobs.depths()).items():
        print(f"{name}: {value}")


@jobs_app.command("drain")
def jobs_drain() -> None:
    """Run (or publish) every job the outbox holds now, in this process."""
    settings = _settings()
    if not settings.redis_url:
        # The embedded server keeps home feeds and streams in its own memory: jobs run here
        # would fill feeds nobody reads. Its relay drains the outbox within a second.
        _refuse(
            "without CHIRP_REDIS_URL the server runs its own jobs (its feeds live in its "
            "memory): start `chirp serve`, whose relay drains the outbox"
        )
    print(f"handed on {_with_runtime(settings, lambda rt: rt.jobs.drain())} job(s)")


@app.command()
def seed(
    scale: Annotated[
        str, typer.Option(help="small (1k accounts), medium (10k) or large (100k).")
    ] = "small",
    seed_number: Annotated[int, typer.Option("--seed", help="Same number, same data.")] = 1,
    accounts: Annotated[int | None, typer.Option(help="Override the scale's accounts.")] = None,
    follows: Annotated[int | None, typer.Option(help="Override the scale's follows.")] = None,
    statuses: Annotated[int | None, typer.Option(help="Override the scale's statuses.")] = None,
    favourites: Annotated[int | None, typer.Option(help="Override the scale's favourites.")] = None,
    tokens: Annotated[
        Path | None,
        typer.Option(
            help="Where to write the measured accounts' tokens (JSON).", show_default=False
        ),
    ] = None,
    measured: Annotated[int, typer.Option(help="Accounts to mint tokens for.")] = 128,
    reset: Annotated[bool, typer.Option(help="Empty every table first.")] = False,
) -> None:
    """Fill the databases with generated accounts, follows, statuses and favourites."""
    from dataclasses import replace

    from chirp.core.logging import configure_logging
    from chirp.migrations import upgrade_all
    from chirp.seed.run import NotEmpty
    from chirp.seed.run import seed as run_seed
    from chirp.seed.scales import SCALES

    settings = _settings()
    configure_logging(settings)
    if scale not in SCALES:
        _refuse(f"unknown scale {scale!r}: use one of {', '.join(SCALES)}")
    overrides = {
        k: v
        for k, v in {
            "accounts": accounts,
            "follows": follows,
            "statuses": statuses,
            "favourites": favourites,
        }.items()
        if v is not None
    }
    chosen = replace(SCALES[scale], **overrides)
    try:
        chosen.check()
    except ValueError as exc:
        _refuse(exc)
    upgrade_all(settings)
    path = tokens or settings.data_dir / "seed-tokens.json"
    started = time.perf_counter()
    try:
        outcome = asyncio.run(
            run_seed(
                settings,
                chosen,
                seed_number=seed_number,
                tokens_path=path,
                measured=measured,
                reset=reset,
            )
        )
    except NotEmpty as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    elapsed = time.perf_counter() - started
    console.print(
        f"[green]seeded {chosen.accounts:,} accounts, {chosen.follows:,} follows, "
        f"{chosen.statuses:,} statuses, {chosen.favourites:,} favourites in {elapsed:.0f} s; "
        f"{outcome.measured} tokens in {path}[/green]"
    )


@accounts_app.command("create")
def create_account(
    username: Annotated[str, typer.Option(help="The account's username.")],
    email: Annotated[str, typer.Option(help="The login email.")],
    admin: Annotated[bool, typer.Option(help="Give the account the admin role.")] = False,
    password: Annotated[
        str | None,
        typer.Option(
            help="Password; prompted for when omitted (or generated with --generate-password).",
        ),
    ] = None,
    generate_password: Annotated[bool, typer.Option(help="Generate and print a password.")] = False,
) -> None:
    """Create an account directly (for a first admin)."""
    from chirp.accounts import admin as admin_service
    from chirp.core.errors import APIError
    from chirp.core.logging import configure_logging

    settings = _settings()
    configure_logging(settings)
    if settings.embedded:
        from chirp.migrations import upgrade_all

        upgrade_all(settings)
    if generate_password:
        password = secrets.token_urlsafe(18)
    elif password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        account_id = _with_runtime(
            settings,
            lambda rt: admin_service.create_account(rt, username, email, password, admin=admin),
        )
    except APIError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
    print(f"created @{username} (id {account_id})")
    if generate_password:
        print(f"password: {password}")


@accounts_app.command("delete")
def delete_account(
    username: Annotated[str, typer.Argument(help="The account's username.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete an account and everything of it (posts, media, follows, marks), on every
    database and in Redis. It is suspended at once; this cannot be undone."""
    from chirp.moderation import operator

    if not yes:
        typer.confirm(f"Delete @{username.lstrip('@')} and everything of it for good?", abort=True)
    _operate(lambda rt: operator.delete(rt, username))
    print(f"deleted @{username.lstrip('@')}")


@media_app.command("cleanup")
def media_cleanup() -> None:
    """Remove uploads never attached to a status in CHIRP_MEDIA_UNATTACHED_HOURS, and stored
    files nothing uses any more (every server process also does this hourly)."""
    from chirp.core.logging import configure_logging
    from chirp.media.cleanup import remove_unattached

    settings = _settings()
    configure_logging(settings)
    if settings.embedded:
        from chirp.migrations import upgrade_all

        upgrade_all(settings)

    removed = _with_runtime(settings, remove_unattached)
    print(f"removed {removed} unattached upload(s)")


def _operate(work: Callable[[Runtime], Awaitable[T]]) -> T:
    """Run a moderation use case as the operator, with the server's settings."""
    from chirp.core.errors import APIError
    from chirp.core.logging import configure_logging

    settings = _settings()
    configure_logging(settings)
    if settings.embedded:
        from chirp.migrations import upgrade_all

        upgrade_all(settings)
    try:
        return _with_runtime(settings, work)
    except APIError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None


def _moderation_command(what: str, summary: str) -> None:
    def command(
        username: Annotated[str, typer.Argument(help="The account's username.")],
        text: Annotated[str, typer.Option(help="A note for the audit log.")] = "",
    ) -> None:
        from chirp.moderation import operator

        _operate(lambda rt: operator.act(rt, username, what, text))
        print(f"{what}: @{username.lstrip('@')}")

    command.__doc__ = summary
    admin_app.command(what)(command)


for _what, _summary in (
    ("suspend", "Suspend: no login, tokens refused, posts gone for everyone until unsuspended."),
    ("unsuspend", "Lift a suspension: the account and its posts come back as they were."),
    ("silence", "Silence: posts reach only the account's followers."),
    ("unsilence", "Lift a silence."),
    ("disable", "Disable the login: no sign-in, tokens refused; posts stay."),
    ("enable", "Enable a disabled login."),
    ("sensitive", "Mark the account's media sensitive from now on."),
    ("unsensitive", "Stop marking the account's media sensitive."),
):
    _moderation_command(_what, _summary)


@admin_app.command("role")
def admin_role(
    username: Annotated[str, typer.Argument(help="The account's username.")],
    role: Annotated[str, typer.Argument(help="admin, moderator or user.")],
) -> None:
    """Give an account a role: admins and moderators use the admin API."""
    from chirp.moderation import operator

    _operate(lambda rt: operator.set_role(rt, username, role))
    print(f"@{username.lstrip('@')} is now {role}")


@admin_app.command("log")
def admin_log(limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50) -> None:
    """The moderation audit log: who did what to which account, report or domain."""
    from chirp.moderation import operator

    for line in _operate(lambda rt: operator.audit_lines(rt, limit)):
        print(line)


def main() -> None:
    sys.exit(app())
