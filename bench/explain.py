"""EXPLAIN ANALYZE for every statement the read scenarios issue, on PostgreSQL.

    python -m bench.explain --scale medium        # after a load run seeded that scale

Runs a few requests of each read scenario in-process (as ``bench.request_cost`` does),
records each distinct SQL statement with its first parameters, then explains it on the
database that ran it and prints the plan's top line, its time, and whether it read a table
sequentially or sorted (what a missing index looks like).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
from typing import Any

import asyncpg
from sqlalchemy import event

from bench import request_cost


async def explain(requests: int) -> list[dict[str, Any]]:
    from chirp.config import get_settings
    from chirp.runtime import Runtime

    seen: dict[str, tuple[str, str, Any]] = {}
    settings = get_settings()
    rt = Runtime.build(settings)

    def record(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        # One per shape: IN lists of different lengths are the same query.
        shape = re.sub(r"\(\$\d+::\w+(, \$\d+::\w+)*\)", "(...)", statement)
        seen.setdefault(shape, (str(conn.engine.url), statement, params))

    for physical in rt.shards.physical:
        event.listen(physical.engine.sync_engine, "before_cursor_execute", record)
    await request_cost.drive(rt, requests)
    await rt.close()
    out = []
    for url, statement, params in seen.values():
        if not statement.lstrip().upper().startswith("SELECT"):
            continue
        dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
        conn = await asyncpg.connect(dsn)
        try:
            rows = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + statement, *(params or ()))
        finally:
            await conn.close()
        plan = [r[0] for r in rows]
        text = "\n".join(plan)
        out.append(
            {
                "statement": " ".join(statement.split())[:200],
                "top": plan[0].strip()[:120],
                "time": next((p for p in plan if p.startswith("Execution Time")), ""),
                "seq_scan": "Seq Scan" in text,
                "sort": "Sort" in text,
                "plan": text,
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.explain", description=__doc__)
    parser.add_argument("--scale", default="medium")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=8)
    parser.add_argument("--plans", action="store_true", help="print whole plans")
    args = parser.parse_args()
    request_cost.environment("postgres", args.scale, args.seed)
    os.environ["CHIRP_LOG_LEVEL"] = "ERROR"
    for row in asyncio.run(explain(args.requests)):
        flags = [f for f, on in (("SEQ SCAN", row["seq_scan"]), ("SORT", row["sort"])) if on]
        print(f"- {row['statement']}\n  {row['top']} | {row['time']} {' '.join(flags)}")
        if args.plans:
            print("    " + row["plan"].replace("\n", "\n    "))


if __name__ == "__main__":
    main()
