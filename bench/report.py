"""Writing a run's results: JSON (everything), a Markdown summary and a PNG chart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# The hot read path's targets at the highest concurrency: throughput as a share of the
# ceiling (a plain FastAPI route serving the same bytes), and the tail.
TARGET_RATIOS = {"home": 0.25, "public": 0.35, "tag": 0.35, "account": 0.35, "status": 0.35}
P99_OVER_P50 = 3.0


def ratios(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Chirp's (or a peer's) throughput over the ceiling's, per scenario and concurrency."""
    ceiling = {(r["scenario"], r["concurrency"]): r for r in rows if r["target"] == "ceiling"}
    out = []
    for row in rows:
        top = ceiling.get((row["scenario"], row["concurrency"]))
        if row["target"] == "ceiling" or top is None or not top["rps"]:
            continue
        out.append(
            {
                "target": row["target"],
                "scenario": row["scenario"],
                "concurrency": row["concurrency"],
                "rps": row["rps"],
                "ceiling_rps": top["rps"],
                "ratio": round(row["rps"] / top["rps"], 3),
                "cpu_ratio": _cpu_ratio(top, row),
            }
        )
    return out


def _cpu_ratio(ceiling: dict[str, Any], row: dict[str, Any]) -> float | None:
    """The ceiling's server CPU per request over this row's: the same ratio as throughput
    on a machine where the server has the cores to itself, steadier where it does not."""
    mine, best = row.get("server_cpu_ms_per_request"), ceiling.get("server_cpu_ms_per_request")
    return round(best / mine, 3) if mine and best else None


def checks(rows: list[dict[str, Any]], found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's targets, at the highest concurrency measured, for reads."""
    measured = [r for r in rows if r["target"] != "ceiling"]
    if not measured:
        return []
    top = max(r["concurrency"] for r in measured)
    by_key = {(r["scenario"], r["concurrency"]): r for r in found}
    out = []
    for row in measured:
        if row["concurrency"] != top or not row["read"]:
            continue
        latency = row["latency_ms"]
        ratio = by_key.get((row["scenario"], top), {}).get("ratio")
        wanted = TARGET_RATIOS.get(row["scenario"])
        out.append(
            {
                "scenario": row["scenario"],
                "concurrency": top,
                "ratio": ratio,
                "ratio_target": wanted,
                "ratio_ok": None if wanted is None or ratio is None else ratio >= wanted,
                "p99_over_p50": round(latency["p99"] / latency["p50"], 2)
                if latency["p50"]
                else None,
                "tail_ok": latency["p99"] <= P99_OVER_P50 * latency["p50"],
                "errors_ok": row["errors"] == 0,
                "writes": row.get("writes"),
            }
        )
    return out


def markdown(result: dict[str, Any]) -> str:
    meta = result["meta"]
    lines = [
        f"# Chirp benchmark: {meta['backend']}, scale {meta['scale']}",
        "",
        f"- when: {meta['date']} (commit {meta['commit']})",
        f"- machine: {meta['machine']}",
        f"- command: `{meta['command']}`",
        f"- server: {meta['server']}, {meta['workers']} worker(s); {meta['duration_s']} s per "
        f"scenario after {meta['warmup_s']} s of warm-up; wrk with {meta['wrk_threads']} threads",
        "",
        "| target | scenario | conc. | req/s | p50 ms | p95 ms | p99 ms | errors | server CPU "
        "| CPU ms/req | peak RSS MB | db CPU | wrk CPU | machine busy |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in result["rows"]:
        lat = r["latency_ms"]
        lines.append(
            f"| {r['target']} | {r['scenario']} | {r['concurrency']} | {r['rps']:.0f} "
            f"| {lat['p50']:.1f} | {lat['p95']:.1f} | {lat['p99']:.1f} | {r['errors']} "
            f"| {r['server_cpu_cores']:.2f} | {_num(r.get('server_cpu_ms_per_request'))} "
            f"| {r['server_peak_rss_mb']:.0f} "
            f"| {r['db_cpu_cores']:.2f} | {r['wrk_cpu_cores']:.2f} | {r['machine_busy']:.0%} |"
        )
    lines += [
        "",
        "Server, db and wrk CPU: cores kept busy on average (1.00 = one core flat out). "
        "CPU ms/req: the server's CPU time per request.",
        "",
    ]
    if result["ratios"]:
        lines += [
            "## Throughput as a share of the ceiling",
            "",
            "| target | scenario | conc. | req/s | ceiling req/s | ratio | CPU/request ratio |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
        for r in result["ratios"]:
            lines.append(
                f"| {r['target']} | {r['scenario']} | {r['concurrency']} | {r['rps']:.0f} "
                f"| {r['ceiling_rps']:.0f} | {r['ratio']:.0%} | {_pct(r.get('cpu_ratio'))} |"
            )
        lines.append("")
    if result["checks"]:
        lines += [
            "## Targets (reads, highest concurrency)",
            "",
            f"| scenario | ratio | target | p99/p50 (≤ {P99_OVER_P50:g}) | zero errors "
            "| writes meanwhile (posts/s, favourites/s) |",
            "|---|---:|---:|---:|---|",
        ]
        for c in result["checks"]:
            ratio = "n/a" if c["ratio"] is None else f"{c['ratio']:.0%}"
            target = "—" if c["ratio_target"] is None else f"{c['ratio_target']:.0%}"
            mark = "" if c["ratio_ok"] is None else (" ✓" if c["ratio_ok"] else " ✗")
            tail = f"{c['p99_over_p50']}{' ✓' if c['tail_ok'] else ' ✗'}"
            lines.append(
                f"| {c['scenario']} | {ratio}{mark} | {target} | {tail} "
                f"| {'yes' if c['errors_ok'] else 'no'} | {_writes(c.get('writes'))} |"
            )
        lines.append("")
    for name, top in result.get("profiles", {}).items():
        lines += [
            f"## Profile: {name} (self time, top frames)",
            "",
            "| share | frame |",
            "|---:|---|",
        ]
        lines += [f"| {share:.1%} | `{frame}` |" for frame, share in top]
        lines.append("")
    return "\n".join(lines)


def _writes(writes: dict[str, Any] | None) -> str:
    if not writes:
        return "none"
    failed = f" ({writes['errors']} failed)" if writes["errors"] else ""
    return f"{writes['posts_per_s']}, {writes['favourites_per_s']}{failed}"


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def chart(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = result["rows"]
    keys = list(dict.fromkeys((r["scenario"], r["concurrency"]) for r in rows))
    targets = list(dict.fromkeys(r["target"] for r in rows))
    by = {(r["target"], r["scenario"], r["concurrency"]): r for r in rows}
    labels = [f"{s}\nc={c}" for s, c in keys]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(max(8, len(keys) * 0.9), 8))
    width = 0.8 / max(1, len(targets))
    for n, target in enumerate(targets):
        xs = [i + n * width for i in range(len(keys))]
        rps = [by.get((target, s, c), {}).get("rps", 0) for s, c in keys]
        p99 = [by.get((target, s, c), {}).get("latency_ms", {}).get("p99", 0) for s, c in keys]
        top.bar(xs, rps, width, label=target)
        bottom.bar(xs, p99, width, label=target)
    for axis, title in ((top, "requests per second"), (bottom, "p99 latency (ms)")):
        axis.set_xticks([i + width * (len(targets) - 1) / 2 for i in range(len(keys))], labels)
        axis.set_title(title)
        axis.legend()
        axis.tick_params(axis="x", labelsize=8)
    meta = result["meta"]
    fig.suptitle(f"Chirp {meta['backend']} {meta['scale']} — {meta['date']}")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write(result: dict[str, Any], folder: Path, stem: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    result["ratios"] = ratios(result["rows"])
    result["checks"] = checks(result["rows"], result["ratios"])
    json_path = folder / f"{stem}.json"
    json_path.write_text(json.dumps(result, indent=1))
    md_path = folder / f"{stem}.md"
    md_path.write_text(markdown(result))
    png_path = folder / f"{stem}.png"
    chart(result, png_path)
    return [json_path, md_path, png_path]


def top_frames(collapsed: str, limit: int = 25) -> list[tuple[str, float]]:
    """Self time per leaf frame from py-spy's raw (collapsed-stack) output."""
    totals: dict[str, int] = {}
    grand = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        leaf = stack.rsplit(";", 1)[-1]
        totals[leaf] = totals.get(leaf, 0) + int(count)
        grand += int(count)
    ranked = sorted(totals.items(), key=lambda kv: kv[1], reverse=True)[:limit]
    return [(frame, count / grand) for frame, count in ranked] if grand else []
