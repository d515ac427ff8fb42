"""Mastodon-style parameters: query, form and JSON, with bracketed keys."""

from __future__ import annotations

from chirp.core.params import merge_items


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
