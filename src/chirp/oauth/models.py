"""OAuth tables. Each row lives on its owner's shard: an app on its own, a user's token or code
on the user's account shard. No foreign keys point across shards."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chirp.db.base import Base, Snowflake, UTCDateTime


class OAuthApp(Base):
    __tablename__ = "oauth_app"

    id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(2000))
    redirect_uris: Mapped[str] = mapped_column(Text)  # newline-separated, as clients send them
    scopes: Mapped[str] = mapped_column(Text)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    client_secret_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def redirect_uri_list(self) -> list[str]:
        return [uri for uri in self.redirect_uris.split("\n") if uri]


class AccessToken(Base):
    __tablename__ = "access_token"

    id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    app_id: Mapped[int] = mapped_column(Snowflake, index=True)
    account_id: Mapped[int | None] = mapped_column(Snowflake, index=True)
    code_id: Mapped[int | None] = mapped_column(Snowflake, index=True)
    scopes: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuthorizationCode(Base):
    __tablename__ = "authorization_code"

    id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    app_id: Mapped[int] = mapped_column(Snowflake)
    account_id: Mapped[int] = mapped_column(Snowflake)
    redirect_uri: Mapped[str] = mapped_column(Text)
    scopes: Mapped[str] = mapped_column(Text)
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
