"""The seeding run: build everything for a scale, write it shard by shard, mint tokens."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from chirp.accounts.models import Account, Credential, EmailClaim
from chirp.accounts.passwords import Passwords
from chirp.config import Settings
from chirp.core import keys
from chirp.core.ids import time_of
from chirp.db.shards import ShardMap, shard_for_key
from chirp.graph.models import Follow
from chirp.oauth.models import AccessToken, OAuthApp
from chirp.posts.models import Favourite, Status, StatusMention, StatusTag
from chirp.seed import graph, ids, statuses
from chirp.seed.graph import DAY_MS, Population
from chirp.seed.rows import account_row
from chirp.seed.scales import Scale
from chirp.seed.sink import ShardWriter

# Fixed, so a seed number always gives the same rows; live posts come after it.
UNTIL = datetime(2026, 11, 1, tzinfo=UTC)
STATUS_DAYS = 90
ACCOUNT_DAYS = 730
PASSWORD = "chirp-seed-password"  # noqa: S105 - every seeded account's, for manual logins
SCOPES = "read write follow push"
BATCH = 20_000


class NotEmpty(RuntimeError):
    """The databases already hold accounts (seed into an empty deployment, or reset)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    scale: Scale
    seed: int
    tokens_path: Path
    measured: int


async def seed(
    settings: Settings,
    scale: Scale,
    *,
    seed_number: int = 1,
    tokens_path: Path,
    measured: int = 128,
    reset: bool = False,
    progress: bool = True,
) -> Outcome:
    scale.check()
    rng = random.Random(seed_number)  # noqa: S311 - reproducible data, not secrets
    until_ms = ids.ms_of(UNTIL)
    posts_from = until_ms - STATUS_DAYS * DAY_MS
    shards = ShardMap.from_settings(settings)
    bar = _progress(progress)
    try:
        async with ShardWriter(shards) as writer:
            if reset:
                await writer.empty_everything()
            elif await writer.count(Account.__table__):  # type: ignore[arg-type]
                raise NotEmpty("the databases already hold accounts: use --reset to replace them")
            with bar:
                people = graph.accounts(
                    rng, scale.accounts, posts_from - ACCOUNT_DAYS * DAY_MS, posts_from
                )
                task = bar.add_task("follows", total=scale.follows)
                for rows in _batched(
                    graph.follows(rng, people, scale.follows, posts_from, until_ms)
                ):
                    await writer.write(Follow.__table__, rows, _by("account_id"))  # type: ignore[arg-type]
                    bar.advance(task, len(rows))
                task = bar.add_task("statuses", total=scale.statuses)
                plan = statuses.plan(
                    rng, people, scale.statuses, scale.favourites, posts_from, until_ms
                )
                made = statuses.rows(rng, people, plan, settings.public_url, settings.domain, BATCH)
                for status_rows, mention_rows, tag_rows in made:
                    await writer.write(Status.__table__, status_rows, _by("id"))  # type: ignore[arg-type]
                    await writer.write(StatusMention.__table__, mention_rows, _by("status_id"))  # type: ignore[arg-type]
                    await writer.write(StatusTag.__table__, tag_rows, _by("status_id"))  # type: ignore[arg-type]
                    bar.advance(task, len(status_rows))
                task = bar.add_task("favourites", total=len(plan.favourite_rows))
                for rows in statuses.favourite_rows(people, plan, BATCH):
                    await writer.write(Favourite.__table__, rows, _by("account_id"))  # type: ignore[arg-type]
                    bar.advance(task, len(rows))
                task = bar.add_task("accounts", total=scale.accounts)
                password_hash = await Passwords(settings.password_profile).hash(PASSWORD)
                await _write_accounts(writer, people, plan, password_hash, bar, task)
                chosen = await _write_tokens(writer, rng, people, plan, measured, until_ms)
                task = bar.add_task("analyze", total=1)
                await writer.analyze()
                bar.advance(task)
    finally:
        await shards.dispose()
    _write_token_file(tokens_path, settings, scale, seed_number, people, plan, chosen, rng)
    return Outcome(scale, seed_number, tokens_path, len(chosen))


def _by(column: str) -> Callable[[dict[str, Any]], int]:
    return lambda row: int(row[column])


def _batched(chunks: Any) -> Any:
    """Per-follower lists of rows, regrouped into batches of about ``BATCH`` rows."""
    pending: list[dict[str, Any]] = []
    for chunk in chunks:
        pending.extend(chunk)
        if len(pending) >= BATCH:
            yield pending
            pending = []
    if pending:
        yield pending


def _progress(enabled: bool) -> Progress:
    return Progress(
        TextColumn("{task.description:>10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        disable=not enabled,
    )


async def _write_accounts(
    writer: ShardWriter,
    people: Population,
    plan: statuses.Plan,
    password_hash: str,
    bar: Progress,
    task: Any,
) -> None:
    for start in range(0, len(people), BATCH):
        accounts, credentials, claims = [], [], []
        for index in range(start, min(start + BATCH, len(people))):
            account_id = people.ids[index]
            name = people.usernames[index]
            created = time_of(account_id)
            last = plan.last_status_ms.get(index)
            adjective, noun = name.split("_", 1)
            display = f"{adjective.capitalize()} {noun.rstrip('0123456789').capitalize()}"
            accounts.append(
                account_row(
                    account_id,
                    name,
                    created,
                    display_name=display,
                    note=f"Seeded account number {index}.",
                    followers_count=people.followers[index],
                    following_count=people.following[index],
                    statuses_count=plan.statuses_count[index],
                    last_status_at=ids.moment(last) if last is not None else None,
                )
            )
            email = f"{name.lower()}@seed.example.com"
            credentials.append(
                {
                    "account_id": account_id,
                    "email": email,
                    "password_hash": password_hash,
                    "locale": "en",
                    "role": "user",
                    "privacy": "public",
                    "sensitive": False,
                    "language": None,
                    "created_at": created,
                }
            )
            claims.append({"email_key": email, "account_id": account_id, "created_at": created})
        await writer.write(Account.__table__, accounts, _by("id"))  # type: ignore[arg-type]
        await writer.write(Credential.__table__, credentials, _by("account_id"))  # type: ignore[arg-type]
        await writer.write(
            EmailClaim.__table__,  # type: ignore[arg-type]
            claims,
            lambda row: shard_for_key(row["email_key"]),
        )
        bar.advance(task, len(accounts))


async def _write_tokens(
    writer: ShardWriter,
    rng: random.Random,
    people: Population,
    plan: statuses.Plan,
    measured: int,
    until_ms: int,
) -> list[tuple[int, str]]:
    """An app and a token for each measured account: (account index, secret) pairs."""
    app_shard = rng.randrange(1024)
    app_id = ids.IdStream(ids.APP).mint(until_ms, app_shard)
    client_id = keys.mint(app_shard)
    created = time_of(app_id)
    app = {
        "id": app_id,
        "name": "chirp seed",
        "website": None,
        "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
        "scopes": SCOPES,
        "client_id": client_id,
        "client_secret_digest": keys.digest(keys.mint(app_shard)),
        "created_at": created,
    }
    await writer.write(OAuthApp.__table__, [app], lambda _: app_id)  # type: ignore[arg-type]
    # Accounts that follow someone, so their home timelines have something to read.
    eligible = [i for i in range(len(people)) if people.following[i] > 0]
    chosen_indexes = sorted(rng.sample(eligible, min(measured, len(eligible))))
    stream = ids.IdStream(ids.TOKEN)
    chosen, rows = [], []
    for index in chosen_indexes:
        secret = keys.mint(people.shard(index))
        token_id = stream.mint(until_ms, people.shard(index))
        chosen.append((index, secret))
        rows.append(
            {
                "id": token_id,
                "digest": keys.digest(secret),
                "app_id": app_id,
                "account_id": people.ids[index],
                "code_id": None,
                "scopes": SCOPES,
                "created_at": time_of(token_id),
                "revoked_at": None,
            }
        )
    await writer.write(AccessToken.__table__, rows, _by("account_id"))  # type: ignore[arg-type]
    return chosen


def _write_token_file(
    path: Path,
    settings: Settings,
    scale: Scale,
    seed_number: int,
    people: Population,
    plan: statuses.Plan,
    chosen: list[tuple[int, str]],
    rng: random.Random,
) -> None:
    """What the load runner needs: tokens of measured accounts, and ids worth reading."""
    public = [
        i
        for i, v in enumerate(plan.visibility)
        if v == "public" and plan.reblog_of[i] < 0 and plan.parent[i] < 0
    ]
    sample_statuses = sorted(rng.sample(public, min(2_000, len(public))))
    posters = [i for i in range(len(people)) if plan.statuses_count[i] >= 20] or list(
        range(len(people))
    )
    sample_authors = sorted(rng.sample(posters, min(200, len(posters))))
    document = {
        "base_url": settings.public_url,
        "seed": seed_number,
        "scale": asdict(scale),
        "password": PASSWORD,
        "accounts": [
            {"id": str(people.ids[i]), "username": people.usernames[i], "token": secret}
            for i, secret in chosen
        ],
        "status_ids": [str(plan.ids[i]) for i in sample_statuses],
        "account_ids": [str(people.ids[i]) for i in sample_authors],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1))
    path.chmod(0o600)  # bearer tokens


def window() -> tuple[datetime, datetime]:
    """The seeded statuses' time window, for documentation and tests."""
    return UNTIL - timedelta(days=STATUS_DAYS), UNTIL
