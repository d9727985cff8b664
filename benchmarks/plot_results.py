#!/usr/bin/env python3
"""Turns the JSON reports of the benchmark scripts into PNG charts (matplotlib).

Usage: plot_results.py REPORT.json [...] [--out-dir docs/img]

Each report is recognized by its keys: ``compare_reference.py`` (``results`` with
``case``/``omearrow``/``reference``), ``compare_files.py`` (``results`` with ``view`` and
``*_s`` timings) and ``list_pages.py`` (``cold_plane``, ``full_volume``). One chart per
report is written to ``<out-dir>/<report name>.png``; time axes are logarithmic, since
the compared tools differ by orders of magnitude.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLORS = {
    "omearrow": "#1f77b4",
    "omearrow list": "#6baed6",
    "reference": "#d62728",
    "reference list": "#ff9896",
    "tifffile": "#7f7f7f",
    "limit": "#2ca02c",
    "pyarrow": "#9467bd",
}


def _seconds_label(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} µs"


def _finish(fig, axis, path: pathlib.Path, title: str, subtitle: str) -> None:
    axis.set_title(f"{title}\n{subtitle}", fontsize=10)
    axis.grid(axis="x" if axis.get_xscale() == "log" else "y", which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _machine(report: dict) -> str:
    meta = report.get("meta") or report.get("machine") or {}
    parts = [f"{meta['cpus']} cores" if "cpus" in meta else None]
    if "load_average_at_start" in meta:
        parts.append(f"load average {meta['load_average_at_start']:.1f}")
    if "metric" in meta:
        parts.append(f"{meta['metric']} time")
    return ", ".join(p for p in parts if p) or "medians"


def plot_compare_reference(report: dict, path: pathlib.Path) -> None:
    """Horizontal bars per case: omearrow and the reference, log time, speed-up noted."""
    results = report["results"]
    fig, axis = plt.subplots(figsize=(9, 0.6 * len(results) + 1.6))
    for i, row in enumerate(results):
        y = len(results) - 1 - i
        axis.barh(y + 0.2, row["reference"], height=0.38, color=COLORS["reference"],
                  label="reference ome-arrow" if i == 0 else None)
        axis.barh(y - 0.2, row["omearrow"], height=0.38, color=COLORS["omearrow"],
                  label="omearrow" if i == 0 else None)
        speedup = row["reference"] / row["omearrow"]
        axis.text(row["reference"] * 1.15, y, f"{speedup:.0f}×", va="center", fontsize=9)
    axis.set_yticks(range(len(results)),
                    [row["case"] for row in reversed(results)], fontsize=8)
    axis.set_xscale("log")
    axis.set_xlabel("seconds (log scale; lower is better)")
    axis.set_xlim(right=max(r["reference"] for r in results) * 6)
    axis.legend(loc="lower right", fontsize=8)
    _finish(fig, axis, path, "omearrow vs the reference on in-memory records",
            _machine(report))


FILE_SERIES = [
    ("omearrow_bytes_s", "omearrow, zstd-1 byte chunks", "omearrow"),
    ("omearrow_list_s", "omearrow, list file", "omearrow list"),
    ("ref_bytes_s", "reference, byte-chunk file", "reference"),
    ("ref_list_s", "reference, list file", "reference list"),
    ("tifffile_s", "tifffile (same pixels as TIFF)", "tifffile"),
    ("decode_limit_s", "zstd decode limit", "limit"),
]


def plot_compare_files(report: dict, path: pathlib.Path) -> None:
    """Grouped bars per (image, view) over the readers and the decode limit."""
    results = report["results"]
    series = [s for s in FILE_SERIES if any(s[0] in row for row in results)]
    width = 0.8 / len(series)
    fig, axis = plt.subplots(figsize=(max(7, 1.6 * len(results) + 2), 4.6))
    for k, (key, label, color) in enumerate(series):
        xs = [i - 0.4 + width * (k + 0.5) for i, row in enumerate(results) if key in row]
        ys = [row[key] for row in results if key in row]
        axis.bar(xs, ys, width=width, color=COLORS[color], label=label)
    names = [
        f"{'×'.join(str(s) for s in row['shape'][1:3])}×{row['shape'][3]}²\n{row['view']}"
        for row in results
    ]
    axis.set_xticks(range(len(results)), names, fontsize=8)
    axis.set_yscale("log")
    axis.set_ylabel("seconds per read (log; lower is better)")
    axis.set_ylim(top=max(row[key] for row in results for key, _, _ in series if key in row)
                  * 8)
    axis.legend(fontsize=7, ncol=3, loc="upper center")
    _finish(fig, axis, path, "Reading views from files (C×Z×Y² images)", _machine(report))


def plot_list_pages(report: dict, path: pathlib.Path) -> None:
    """Cold one-plane reads (omearrow vs the reference per file) and full-volume reads
    against pyarrow and memcpy."""
    fig, (cold, full) = plt.subplots(1, 2, figsize=(12, 4.6),
                                     gridspec_kw={"width_ratios": [3, 2]})
    rows = report["cold_plane"]
    labels = []
    for i, row in enumerate(rows):
        labels.append(f"{row['plane']} plane\n{row['file']}")
        cold.bar(i - 0.2, row["omearrow"]["seconds"], width=0.38, color=COLORS["omearrow"],
                 label="omearrow" if i == 0 else None)
        if "reference" in row:
            cold.bar(i + 0.2, row["reference"]["seconds"], width=0.38,
                     color=COLORS["reference"],
                     label="reference OMEArrow.scan" if "reference" in row else None)
            ratio = row["reference"]["seconds"] / row["omearrow"]["seconds"]
            cold.text(i + 0.2, row["reference"]["seconds"] * 1.1, f"{ratio:.0f}×",
                      ha="center", fontsize=8)
    handles, names = cold.get_legend_handles_labels()
    unique = dict(zip(names, handles))
    cold.legend(unique.values(), unique.keys(), fontsize=8)
    cold.set_xticks(range(len(rows)), labels, fontsize=7)
    cold.set_yscale("log")
    cold.set_ylim(top=max(max(r["omearrow"]["seconds"], r.get("reference", {}).get("seconds", 0))
                          for r in rows) * 4)
    cold.set_ylabel("seconds, fresh process (log)")
    cold.set_title("Cold one-plane read", fontsize=10)
    cold.grid(axis="y", which="both", alpha=0.3)

    volume = report["full_volume"]
    names = list(volume)
    colors = [COLORS["limit"] if n == "memcpy" else
              COLORS["pyarrow"] if n.startswith("pyarrow") else COLORS["omearrow"]
              for n in names]
    full.barh(range(len(names)), [volume[n] for n in names], color=colors)
    for i, n in enumerate(names):
        full.text(volume[n] * 1.1, i, _seconds_label(volume[n]), va="center", fontsize=8)
    full.set_yticks(range(len(names)), [n.replace(" (", "\n(") for n in names], fontsize=7)
    full.set_xscale("log")
    full.set_xlim(right=max(volume.values()) * 8)
    full.set_xlabel("seconds (log)")
    image = report.get("image", {})
    shape = "×".join(str(s) for s in image.get("shape_tczyx", []))
    _finish(fig, full, path, "Full volume", f"{shape} {image.get('dtype', '')}")


def plot(path: pathlib.Path, out_dir: pathlib.Path) -> pathlib.Path:
    report = json.loads(path.read_text())
    out = out_dir / f"{path.stem}.png"
    if "cold_plane" in report and "full_volume" in report:
        plot_list_pages(report, out)
    elif report.get("results") and "view" in report["results"][0]:
        plot_compare_files(report, out)
    elif report.get("results") and "case" in report["results"][0]:
        plot_compare_reference(report, out)
    else:
        raise ValueError(f"{path}: not a report of a known benchmark script")
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="+", type=pathlib.Path)
    parser.add_argument("--out-dir", type=pathlib.Path, default=pathlib.Path("docs/img"))
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for report in args.reports:
        print(f"wrote {plot(report, args.out_dir)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
