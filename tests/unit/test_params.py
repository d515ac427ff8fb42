"""Mastodon-style parameters: query, form and JSON, with bracketed keys."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from chirp.core.errors import Unprocessable
from chirp.core.params import Flag, merge_items, parse


def test_bracketed_keys_nest_and_array_keys_collect() -> None:
    params: dict[str, object] = {}
    merge_items(
        params,
        [
            ("id[]", "1"),
            ("id[]", "2"),
            ("source[privacy]", "private"),
            ("fields_attributes[0][name]", "a"),
            ("fields_attributes[0][value]", "b"),
            ("plain", "x"),
        ],
    )
    assert params == {
        "id": ["1", "2"],
        "source": {"privacy": "private"},
        "fields_attributes": {"0": {"name": "a", "value": "b"}},
        "plain": "x",
    }


def test_a_bracketed_key_never_overwrites_a_plain_value() -> None:
    params: dict[str, object] = {}
    merge_items(params, [("source", "x"), ("source[privacy]", "public")])
    assert params == {"source": "x"}


class _Flagged(BaseModel):
    on: Flag = False


@pytest.mark.parametrize(
    ("given", "read"),
    [
        (True, True), (False, False), (1, True), (0, False), ("1", True), ("0", False),
        ("true", True), ("TRUE", True), ("False", False), ("t", True), ("F", False),
        ("on", True), ("Off", False), ("yes", True), ("NO", False),
    ],
)  # fmt: skip
def test_a_flag_takes_what_clients_send(given: object, read: bool) -> None:
    assert parse(_Flagged, {"on": given}).on is read


@pytest.mark.parametrize("given", ["2", "maybe", "", 2, 0.5, [], {}])
def test_a_flag_refuses_anything_else(given: object) -> None:
    with pytest.raises(Unprocessable):
        parse(_Flagged, {"on": given})
