"""The one form an email is stored and looked up in, for sign-up and login alike."""

from __future__ import annotations

from email_validator import validate_email


def normalize_email(raw: str) -> str:
    """Validated, normalized and lower-cased; raises ``EmailNotValidError``."""
    return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
