"""Password policy and argon2id hashing.

Passwords are 8 to 128 characters, hashed whole (argon2 has no 72-byte cut-off as bcrypt
does), and refused when they are among the 10,000 most common. Hashing is CPU-bound and
deliberately slow, so it runs in a worker thread (argon2-cffi releases the GIL) and never
blocks the event loop.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import TypeVar

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

T = TypeVar("T")
MIN_LENGTH = 8
MAX_LENGTH = 128

PROFILES = {
    # argon2-cffi's defaults: RFC 9106's low-memory recommendation (t=3, 64 MiB, p=4).
    "standard": lambda: PasswordHasher(type=Type.ID),
    # For the test suite only; the settings refuse it elsewhere.
    "fast-insecure": lambda: PasswordHasher(
        time_cost=1, memory_cost=8, parallelism=1, type=Type.ID
    ),
}


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("chirp.accounts").joinpath("data/common_passwords.txt").read_text()
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def problem_with(password: str) -> tuple[str, str] | None:
    """(Mastodon error code, description) for a password that may not be used, else None."""
    if not password:
        return "ERR_BLANK", "can't be blank"
    if len(password) < MIN_LENGTH:
        return "ERR_TOO_SHORT", f"is too short (minimum is {MIN_LENGTH} characters)"
    if len(password) > MAX_LENGTH:
        return "ERR_TOO_LONG", f"is too long (maximum is {MAX_LENGTH} characters)"
    if password.lower() in common_passwords():
        return "ERR_INVALID", "is too common; choose one that is harder to guess"
    return None


class Passwords:
    def __init__(self, profile: str = "standard") -> None:
        self._hasher = PROFILES[profile]()
        self._dummy: str | None = None
        # Each standard hash takes 64 MiB and a core for ~50 ms: a burst of logins must queue,
        # not take every thread and all the memory at once.
        self._slots = asyncio.Semaphore(max(2, os.cpu_count() or 2))

    async def _run(self, work: Callable[..., T], *args: str) -> T:
        async with self._slots:
            return await asyncio.to_thread(work, *args)

    async def hash(self, password: str) -> str:
        return await self._run(self._hasher.hash, password)

    async def verify(self, stored: str | None, password: str) -> bool:
        """Constant work whether or not there is a stored hash, so timing tells nothing."""
        if stored is None:
            if self._dummy is None:
                self._dummy = await self.hash(secrets.token_urlsafe(16))
            stored = self._dummy
            password = password + "\x00never"
        try:
            return await self._run(self._hasher.verify, stored, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        return self._hasher.check_needs_rehash(stored)
