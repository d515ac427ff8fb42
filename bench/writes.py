"""A steady write load beside the read scenarios, so caches are invalidated while they are read.

    python -m bench.writes --base-url URL --tokens FILE --posts 5 --favourites 20 --seconds 10

Posts public statuses with one of the scenarios' hashtags (they reach the public and hashtag
timelines and followers' homes) and favourites the statuses the status scenario reads (their
counters move under it), at fixed rates, from accounts the read scenarios do not use (the
token document's last half). Prints one JSON line: the rates reached and the errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from pathlib import Path
from typing import Any

import httpx

from bench.scenarios import tags_of


async def _steady(rate: float, seconds: float, send: Any) -> tuple[int, int]:
    """Call ``send(n)`` ``rate`` times a second for ``seconds``; (done, failed)."""
    if rate <= 0:
        return 0, 0
    done = failed = 0
    started = time.monotonic()
    pending: set[asyncio.Task[bool]] = set()
    n = 0
    while (elapsed := time.monotonic() - started) < seconds:
        due = int(elapsed * rate) + 1
        while n < due:
            pending.add(asyncio.create_task(send(n)))
            n += 1
        finished = {t for t in pending if t.done()}
        for task in finished:
            done += 1
            failed += not task.result()
        pending -= finished
        await asyncio.sleep(min(0.01, 1 / rate))
    for ok in await asyncio.gather(*pending):
        done += 1
        failed += not ok
    return done, failed


async def run(
    base_url: str, doc: dict[str, Any], posts: float, favourites: float, seconds: float
) -> dict[str, Any]:
    accounts = doc["accounts"]
    writers = [a["token"] for a in accounts[len(accounts) // 2 :]] or [a["token"] for a in accounts]
    statuses = doc.get("status_ids") or []
    tags = tags_of(doc)
    rng = random.Random(7)
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:

        async def post(n: int) -> bool:
            token = writers[n % len(writers)]
            text = f"Benchmark write {n} #{tags[n % len(tags)]}"
            answer = await client.post(
                "/api/v1/statuses",
                headers={"Authorization": f"Bearer {token}"},
                data={"status": text, "visibility": "public"},
            )
            return answer.status_code == 200

        async def favourite(n: int) -> bool:
            token = writers[rng.randrange(len(writers))]
            status = statuses[rng.randrange(len(statuses))]
            path = "unfavourite" if rng.random() < 0.3 else "favourite"
            answer = await client.post(
                f"/api/v1/statuses/{status}/{path}", headers={"Authorization": f"Bearer {token}"}
            )
            return answer.status_code == 200

        started = time.monotonic()
        (posted, post_errors), (faved, fave_errors) = await asyncio.gather(
            _steady(posts, seconds, post),
            _steady(favourites if statuses else 0, seconds, favourite),
        )
        took = time.monotonic() - started
    return {
        "posts_per_s": round(posted / took, 1),
        "favourites_per_s": round(faved / took, 1),
        "errors": post_errors + fave_errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.writes", description=__doc__)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--tokens", type=Path, required=True, help="the seed's token document")
    parser.add_argument("--posts", type=float, default=5.0, help="posts a second")
    parser.add_argument("--favourites", type=float, default=20.0, help="favourites a second")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    doc = json.loads(args.tokens.read_text())
    result = asyncio.run(run(args.base_url, doc, args.posts, args.favourites, args.seconds))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
