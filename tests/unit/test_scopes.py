"""Scope rules: parents grant children, follow grants the graph, unknown scopes are refused."""

from __future__ import annotations

import pytest

from chirp.oauth import scopes


@pytest.mark.parametrize(
    "held,wanted,ok",
    [
        ({"read"}, "read:accounts", True),
        ({"read:accounts"}, "read:accounts", True),
        ({"read:statuses"}, "read:accounts", False),
        ({"write"}, "read:accounts", False),
        ({"follow"}, "write:follows", True),
        ({"follow"}, "read:blocks", True),
        ({"follow"}, "write:statuses", False),
        ({"admin:read"}, "admin:read:accounts", True),
        ({"read"}, "admin:read:accounts", False),
        ({"push"}, "push", True),
    ],
)
def test_grants(held: set[str], wanted: str, ok: bool) -> None:
    assert scopes.grants(frozenset(held), wanted) is ok


def test_parse_defaults_to_read_and_accepts_commas_and_plus() -> None:
    assert scopes.parse(None) == frozenset({"read"})
    assert scopes.parse("read+write,follow") == frozenset({"read", "write", "follow"})


def test_parse_refuses_unknown_scopes() -> None:
    with pytest.raises(scopes.InvalidScope):
        scopes.parse("read everything")


def test_render_puts_top_level_scopes_first_in_mastodons_order() -> None:
    assert scopes.render(frozenset({"push", "read:statuses", "read", "write"})) == (
        "read write push read:statuses"
    )
