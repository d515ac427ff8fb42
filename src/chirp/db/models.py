"""Every table, imported in one place so Alembic and the test suite see the whole schema."""

from chirp.accounts.models import Account, Credential, EmailClaim
from chirp.db.base import Base
from chirp.oauth.models import AccessToken, AuthorizationCode, OAuthApp

__all__ = [
    "AccessToken",
    "Account",
    "AuthorizationCode",
    "Base",
    "Credential",
    "EmailClaim",
    "OAuthApp",
]
