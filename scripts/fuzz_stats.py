#!/usr/bin/env python3
"""Sums fuzz/stats.tsv (one line per harness per `scripts/fuzz.sh` run) into the Markdown
table docs/reliability.md shows: runs, fuzzing time, executions, executions per second
(median over runs), the highest peak RSS of any run, the first and last run dates and the
corpus size after the last run.

    python3 scripts/fuzz_stats.py [fuzz/stats.tsv]
"""

from __future__ import annotations

import csv
import statistics
import sys
from collections import defaultdict
from pathlib import Path


def summarize(path: Path) -> list[dict[str, object]]:
    runs: dict[str, list[dict[str, str]]] = defaultdict(list)
    with path.open(newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            runs[row["harness"]].append(row)
    out = []
    for harness, rows in sorted(runs.items()):
        seconds = [int(r["seconds"]) for r in rows]
        executions = [int(r["executions"]) for r in rows]
        rates = [e / s for e, s in zip(executions, seconds) if s > 0]
        rss = [int(r["peak_rss_mb"]) for r in rows if r.get("peak_rss_mb", "0").isdigit()]
        last = rows[-1]
        out.append({
            "harness": harness,
            "runs": len(rows),
            "seconds": sum(seconds),
            "executions": sum(executions),
            "exec_per_s": statistics.median(rates) if rates else 0.0,
            "peak_rss_mb": max(rss) if rss else None,
            "first": rows[0]["date"][:10],
            "last": last["date"][:10],
            "corpus": f"{last['corpus_files']} / {int(last['corpus_bytes']) / 1e6:.1f} MB",
        })
    return out


def main() -> int:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "fuzz/stats.tsv")
    print("| harness | runs | fuzzing time | executions | exec/s (median) | peak RSS | "
          "dates | corpus after the last run |")
    print("|---|---|---|---|---|---|---|---|")
    for s in summarize(path):
        rss = f"{s['peak_rss_mb']} MB" if s["peak_rss_mb"] is not None else "-"
        print(f"| `{s['harness']}` | {s['runs']} | {s['seconds'] / 60:.0f} min | "
              f"{s['executions']:,} | {s['exec_per_s']:,.0f} | {rss} | "
              f"{s['first']} – {s['last']} | {s['corpus']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
