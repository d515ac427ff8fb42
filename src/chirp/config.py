"""One typed settings object, read from ``CHIRP_*`` environment variables.

Unset service URLs mean the embedded default: an SQLite file under the data directory, the
in-process queue and feed store, media on disk. Bad values fail at start-up, not on first use.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Self

import limits
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "secret", "dev", "development"})
DEV_SECRET = "dev-insecure-secret-key-change-me"  # noqa: S105 - refused outside development
LOGICAL_SHARDS = 1024  # fixed forever: the shard field of every id is 10 bits wide
_DOMAIN = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$")


LIMIT_OFF = frozenset(("", "0", "off", "none", "false"))  # a rate limit's "turned off"


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHIRP_", extra="ignore", frozen=True)

    env: Environment = Environment.development
    domain: str = "localhost:8000"
    # The URL clients use, when it is not https://DOMAIN (a test server on plain http, say).
    base_url: str | None = None
    data_dir: Path = Path("./var")
    secret_key: str = DEV_SECRET

    # One URL, or a shard map: a comma-separated list of URLs that split the 1,024 logical
    # shards into equal contiguous ranges, in order (see docs/sharding.md).
    database_url: str | None = None
    shard_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    db_pool_size: int = Field(default=10, ge=1, le=500)
    db_max_overflow: int = Field(default=5, ge=0, le=500)
    db_pool_timeout: float = Field(default=10.0, gt=0)
    db_echo: bool = False

    redis_url: str | None = None
    # Every Redis key and pub/sub channel starts with this, and it names the broker queue, so
    # several deployments (or test runs) can share one Redis and one RabbitMQ.
    redis_pool_size: int = Field(default=50, ge=1, le=10_000)
    redis_prefix: str = Field(default="chirp:", pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    # RabbitMQ (amqp://...): jobs go through it to `chirp worker` processes. Unset: the API
    # process runs them itself, fed by the same outbox.
    broker_url: str | None = None

    # Streaming: how often an open stream re-checks its token and the viewer's blocks and
    # mutes (at most 5 s: a revoked token or a new block must take effect within 5 s), the
    # SSE heartbeat period, and whether public streams need a token (Mastodon's newest
    # streaming server always wants one; older ones, like Chirp by default, do not).
    streaming_recheck_seconds: float = Field(default=3.0, gt=0, le=5)
    streaming_heartbeat_seconds: float = Field(default=15.0, gt=0, le=300)
    streaming_public_needs_token: bool = False
    # How often each process reloads which accounts moderators suspended, silenced or
    # disabled (chirp.accounts.standing): the longest a process that missed the change's
    # message (no Redis, or a `chirp admin` command beside an embedded server) holds the old.
    standing_poll_seconds: float = Field(default=5.0, gt=0, le=60)
    # A viewer's follows, blocks and mutes, kept between requests (chirp.graph.cache): in Redis
    # when configured, else in this process for at most relations_cache_size viewers. Edge
    # changes drop them at once; the TTL only bounds memory. 0 turns the cache off.
    relations_cache_seconds: float = Field(default=300, ge=0)
    relations_cache_size: int = Field(default=10_000, ge=1)
    # Whether this process may keep home feeds and caches in its own memory when there is no
    # Redis: true for the embedded default's single process. `chirp serve --workers N` without
    # Redis sets it false, since each worker would keep feeds and caches the others' writes
    # never reach; the runtime then pulls home timelines and caches nothing it must invalidate.
    process_local_state: bool = True

    # Which of 64 id-generator slots this process uses; unset means "lease one at start-up".
    node_id: int | None = Field(default=None, ge=0, le=63)

    log_level: str = "INFO"
    log_json: bool = True
    slow_ms: float = Field(default=100.0, gt=0)
    # One access-log line per request. Slow requests, failures and closed streams are logged
    # either way; off, a request that is none of those costs about a sixth less CPU
    # (bench.servers), worth it where a proxy in front already logs every request.
    access_log: bool = True
    # How long a request body may take to arrive (408 past it): a body that is not an upload
    # is read whole before the request takes a slot; an upload streams within its own time.
    body_seconds: float = Field(default=15.0, gt=0)
    # How long a request's headers may take from its first byte (408 and closed past it).
    header_seconds: float = Field(default=10.0, gt=0)
    upload_seconds: float = Field(default=120.0, gt=0)
    # Who may read /metrics: the bearer of this token; unset, only a scraper on this host.
    metrics_token: str | None = None
    registrations_open: bool = True
    # Rate limits (chirp.core.throttle), Mastodon's numbers, in the notation of the limits
    # library ("25/5 minutes"); "0" turns one off, rate_limits=false all of them.
    rate_limits: bool = True
    # The peers whose X-Forwarded-For / X-Forwarded-Proto are believed (uvicorn's
    # forwarded_allow_ips: comma-separated addresses or networks, "*" for any); a request
    # from anyone else is counted, logged and limited by its own address.
    trusted_proxies: str = "127.0.0.1,::1"
    limit_login_ip: str = "25/5 minutes"
    limit_login_email: str = "25/hour"
    limit_sign_up_ip: str = "5/30 minutes"
    # Every request to /api/ (chirp.core.ratelimits): per token, per account, per address
    # (an IPv6 /64) without an account; media uploads and deletions per account.
    limit_api_token: str = "300/5 minutes"  # noqa: S105 - a rule, not a secret
    limit_api_account: str = "1500/5 minutes"
    limit_api_ip: str = "300/5 minutes"
    limit_media: str = "30/30 minutes"
    limit_deletes: str = "30/30 minutes"
    # "fast-insecure" exists for the test suite and is refused outside env=test.
    password_profile: str = "standard"  # noqa: S105 - a hashing profile name, not a secret
    max_status_chars: int = Field(default=500, ge=1)
    # How home timelines are built (docs/timelines.md): "push" (fan-out on write), "pull"
    # (computed on read) or "hybrid" (push, but authors over the threshold are pulled).
    timeline_strategy: str = "hybrid"
    hybrid_threshold: int = Field(default=10_000, ge=0)
    feed_size: int = Field(default=800, ge=1, le=10_000)
    # A feed nobody has read for this long expires: no fan-out reaches it, and it is rebuilt
    # from the database when its owner comes back.
    feed_inactive_days: float = Field(default=7, gt=0)
    fanout_batch: int = Field(default=1000, ge=1, le=100_000)
    # Rendered entities kept between requests (chirp.core.entities), in Redis when it is
    # configured, else in this process (at most entity_cache_size of each kind). Writes drop
    # what they change at once; the TTL is a backstop. 0 turns a kind's cache off.
    status_cache_seconds: float = Field(default=3600, ge=0)
    account_cache_seconds: float = Field(default=60, ge=0)
    entity_cache_size: int = Field(default=20_000, ge=1)
    # The hot read path (chirp.hotpath): warm timeline pages and statuses answered from this
    # process's memory, kept exact by a change log. How much it holds: statuses (and as many
    # accounts and counters), viewers' relations and marks, timelines of accounts and
    # hashtags, and the newest candidates a timeline keeps; the TTL is a backstop.
    hot_path: bool = True
    hot_statuses: int = Field(default=50_000, ge=1)
    hot_viewers: int = Field(default=10_000, ge=1)
    hot_pages: int = Field(default=2_000, ge=1)
    hot_lists: int = Field(default=10_000, ge=1)
    hot_list_size: int = Field(default=400, ge=1, le=10_000)
    hot_seconds: float = Field(default=600, gt=0)
    # Jobs: tries before a job is dead-lettered, and the first retry delay (doubling after).
    job_max_attempts: int = Field(default=5, ge=1, le=50)
    job_retry_seconds: float = Field(default=1.0, gt=0)
    # How long a request waits for the jobs it caused before answering (they go on after).
    job_inline_wait: float = Field(default=0.5, ge=0, le=300)
    worker_prefetch: int = Field(default=16, ge=1, le=10_000)
    title: str = "Chirp"
    contact_email: str = ""

    # Media: uploads are refused past these (Mastodon's limits), then fitted into
    # media_resize_pixels with a preview of media_preview_pixels (see chirp.media).
    media_max_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    media_max_pixels: int = Field(default=33_177_600, ge=1)
    media_resize_pixels: int = Field(default=8_294_400, ge=1)  # 3840x2160, as Mastodon
    media_preview_pixels: int = Field(default=230_400, ge=1)  # 640x360, as Mastodon
    media_workers: int = Field(default=2, ge=1, le=64)  # image-processing processes
    media_sync_wait: float = Field(default=5.0, ge=0)  # seconds before /api/v2/media says 202
    media_unattached_hours: float = Field(default=24.0, gt=0)
    media_storage: str = "local"  # "local" (the data directory) or "s3"
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None  # for S3-compatible services (MinIO, Garage, R2 ...)
    s3_region: str | None = None
    s3_public_url: str | None = None  # where the bucket's objects are readable by anyone

    @field_validator("shard_urls", mode="before")
    @classmethod
    def _split_urls(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator(
        "limit_login_ip",
        "limit_login_email",
        "limit_sign_up_ip",
        "limit_api_token",
        "limit_api_account",
        "limit_api_ip",
        "limit_media",
        "limit_deletes",
    )
    @classmethod
    def _a_rule(cls, value: str) -> str:
        if value.strip().lower() not in LIMIT_OFF:
            try:
                limits.parse(value)
            except ValueError:
                raise ValueError(f"{value!r} is not a rate limit like '25/5 minutes'") from None
        return value

    @field_validator("domain")
    @classmethod
    def _check_domain(cls, value: str) -> str:
        if not _DOMAIN.match(value):
            raise ValueError("must be a host name, optionally with :port (no scheme, no path)")
        return value.lower()

    @field_validator("log_level")
    @classmethod
    def _check_level(cls, value: str) -> str:
        if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return value.upper()

    @field_validator(
        "database_url", "redis_url", "broker_url", "s3_bucket", "s3_endpoint_url", "s3_public_url"
    )
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        return value or None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.database_url and self.shard_urls:
            raise ValueError("set CHIRP_DATABASE_URL or CHIRP_SHARD_URLS, not both")
        if len(self.shard_urls) > LOGICAL_SHARDS:
            raise ValueError(f"at most {LOGICAL_SHARDS} shard databases")
        for url in self.physical_urls:
            if not url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
                raise ValueError(
                    f"unsupported database URL scheme in {url.split('://')[0]!r}: "
                    "use sqlite+aiosqlite:// or postgresql+asyncpg://"
                )
        if self.timeline_strategy not in {"push", "pull", "hybrid"}:
            raise ValueError("CHIRP_TIMELINE_STRATEGY must be push, pull or hybrid")
        if self.broker_url and not self.broker_url.startswith(("amqp://", "amqps://")):
            raise ValueError("CHIRP_BROKER_URL must be an amqp:// or amqps:// URL (RabbitMQ)")
        if self.media_storage not in {"local", "s3"}:
            raise ValueError("CHIRP_MEDIA_STORAGE must be local or s3")
        if self.media_storage == "s3" and not (self.s3_bucket and self.s3_public_url):
            raise ValueError("CHIRP_MEDIA_STORAGE=s3 needs CHIRP_S3_BUCKET and CHIRP_S3_PUBLIC_URL")
        if self.password_profile not in {"standard", "fast-insecure"}:
            raise ValueError("CHIRP_PASSWORD_PROFILE must be standard or fast-insecure")
        fast = self.password_profile != "standard"  # noqa: S105 - a profile name
        if fast and self.env is not Environment.test:
            raise ValueError(
                "CHIRP_PASSWORD_PROFILE=fast-insecure is only allowed with CHIRP_ENV=test"
            )
        if self.env is not Environment.development and (
            self.secret_key == DEV_SECRET
            or self.secret_key.lower() in PLACEHOLDER_SECRETS
            or len(self.secret_key) < 32
        ):
            raise ValueError(
                "CHIRP_SECRET_KEY must be a random value of at least 32 characters outside "
                "development (try: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        return self

    @property
    def physical_urls(self) -> list[str]:
        """The shard databases in order; the embedded default is one SQLite file."""
        if self.shard_urls:
            return list(self.shard_urls)
        if self.database_url:
            return [self.database_url]
        return [f"sqlite+aiosqlite:///{(self.data_dir / 'chirp.sqlite3').resolve()}"]

    @property
    def public_url(self) -> str:
        """Where clients reach us: https, except plain http while developing."""
        if self.base_url:
            return self.base_url.rstrip("/")
        scheme = "http" if self.env is Environment.development else "https"
        return f"{scheme}://{self.domain}"

    @property
    def embedded(self) -> bool:
        return all(url.startswith("sqlite") for url in self.physical_urls)


class SettingsError(RuntimeError):
    """A readable account of what is wrong with the environment."""


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "settings"
            name = f"CHIRP_{field.upper()}" if err["loc"] else "settings"
            lines.append(f"  {name}: {err['msg']}")
        raise SettingsError("invalid configuration:\n" + "\n".join(lines)) from None


@lru_cache
def get_settings() -> Settings:
    return load_settings()
