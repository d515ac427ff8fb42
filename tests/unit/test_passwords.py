"""The password policy and hashing."""

from __future__ import annotations

import pytest

from chirp.accounts.passwords import Passwords, common_passwords, problem_with


@pytest.mark.parametrize(
    "password,code",
    [
        ("", "ERR_BLANK"),
        ("seven77", "ERR_TOO_SHORT"),
        ("x" * 129, "ERR_TOO_LONG"),
        ("password", "ERR_INVALID"),
        ("PASSWORD", "ERR_INVALID"),
        ("iloveyou1", "ERR_INVALID"),
    ],
)
def test_policy_refuses(password: str, code: str) -> None:
    problem = problem_with(password)
    assert problem is not None and problem[0] == code


@pytest.mark.parametrize("password", ["eight888-x", "x" * 128, "pässwörd-ünïcode"])
def test_policy_accepts(password: str) -> None:
    assert problem_with(password) is None


def test_the_common_list_holds_thousands() -> None:
    assert len(common_passwords()) >= 5000


async def test_hashes_are_argon2id_and_verify_only_the_whole_password() -> None:
    hasher = Passwords("fast-insecure")
    long_password = "a" * 100 + "B"
    stored = await hasher.hash(long_password)
    assert stored.startswith("$argon2id$")
    assert await hasher.verify(stored, long_password)
    assert not await hasher.verify(stored, "a" * 100)
    assert not await hasher.verify(None, long_password)
    assert not await hasher.verify("not a hash", long_password)


def test_the_standard_profile_is_argon2id_with_rfc_9106_parameters() -> None:
    hasher = Passwords("standard")
    stored = hasher._hasher.hash("whatever-123")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
