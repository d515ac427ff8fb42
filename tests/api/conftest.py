"""Fixtures for the API tests that need a real server (streams never end by themselves)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from chirp.runtime import Runtime
from tests.streaming import live_server, tuned


@pytest.fixture
async def live(rt: Runtime) -> AsyncIterator[str]:
    """The base URL of a server on ``rt`` that re-checks streams every 0.2 s."""
    async with live_server(tuned(rt, streaming_recheck_seconds=0.2)) as base:
        yield base
