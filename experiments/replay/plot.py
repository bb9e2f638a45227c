#!/usr/bin/python3
"""Plots of a replay sweep: python3 plot.py DIR  (reads DIR/sweep.csv, writes DIR/*.png).

For every grid of the sweep:
  * workers and rate both vary (and jitter takes fewer than 3 values) -> heatmap-GRID.png: the barrier ratio (mean over seeds) over
    workers x rate, next to the median latency, one row of panels per setting of the other keys;
  * jitter_us takes 3+ values   -> jitter-GRID.png: overhead (barrier ratio - 1), replays per
    input and median latency against jitter, one curve per setting of the other keys.
Needs matplotlib (Debian: python3-matplotlib); run it with /usr/bin/python3.
"""
import csv
import math
import os
import sys
from collections import OrderedDict, defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PARAMS = ["graph", "engine", "workers", "rate", "arrival", "jitter_us", "latency_us", "window",
          "docs", "doc_words", "length_sigma", "vocabulary", "zipf_s", "scatter", "depth_first",
          "ack_flush_us", "ack_flush_deltas", "batch_us", "heartbeat_us"]


def num(v):
    try:
        return float(v)
    except ValueError:
        return float("nan")


def mean(values):
    values = [v for v in values if not math.isnan(v)]
    return sum(values) / len(values) if values else float("nan")


def key_sort(v):
    f = num(v)
    return (0, f, "") if not math.isnan(f) else (1, 0, v)


def varying(rows, exclude):
    out = []
    for p in PARAMS:
        if p in exclude:
            continue
        if len({r[p] for r in rows}) > 1:
            out.append(p)
    return out


def fixed_text(rows, exclude):
    parts = []
    threaded = all(r["engine"] == "threaded" for r in rows)
    for p in ["graph", "engine", "arrival", "jitter_us", "scatter", "depth_first", "docs"]:
        if p in exclude or (threaded and p in ("jitter_us", "depth_first")):
            continue
        vals = {r[p] for r in rows}
        if len(vals) == 1:
            v = vals.pop()
            parts.append(f"jitter {num(v) / 1000:g} ms" if p == "jitter_us" else f"{p} {v}")
    return ", ".join(parts)


def facets(rows, keys):
    groups = OrderedDict()
    for r in rows:
        groups.setdefault(tuple(r[k] for k in keys), []).append(r)
    return sorted(groups.items(), key=lambda kv: [key_sort(v) for v in kv[0]])


def heatmap(grid, rows, out_dir):
    other = varying(rows, {"workers", "rate"})
    panels = facets(rows, other)
    has_latency = any(r["latency_p50_ms"] for r in rows)
    ncols = 2 if has_latency else 1
    fig, axes = plt.subplots(len(panels), ncols, figsize=(6.2 * ncols, 4.2 * len(panels)), squeeze=False)
    for i, (values, prows) in enumerate(panels):
        workers = sorted({r["workers"] for r in prows}, key=key_sort)
        rates = sorted({r["rate"] for r in prows}, key=key_sort)
        cells = defaultdict(list)
        for r in prows:
            cells[(r["workers"], r["rate"])].append(r)
        label = ", ".join(f"{k} {v}" for k, v in zip(other, values))
        metrics = [("barrier_ratio", "barrier ratio", "{:.3f}", "viridis")]
        if has_latency:
            metrics.append(("latency_p50_ms", "latency p50 (ms)", "{:.0f}", "magma"))
        for j, (col, title, fmt, cmap) in enumerate(metrics):
            ax = axes[i][j]
            z = [[mean([num(r[col]) for r in cells[(w, rt)]]) for rt in rates] for w in workers]
            finite = [v for row in z for v in row if not math.isnan(v)]
            if col == "latency_p50_ms" and finite and max(finite) / max(min(finite), 1e-9) > 30:
                from matplotlib.colors import LogNorm
                im = ax.imshow(z, origin="lower", aspect="auto", cmap=cmap,
                               norm=LogNorm(vmin=max(min(finite), 1e-3), vmax=max(finite)))
            else:
                im = ax.imshow(z, origin="lower", aspect="auto", cmap=cmap)
            fig.colorbar(im, ax=ax)
            ax.set_xticks(range(len(rates)), [f"{num(x):g}" if num(x) > 0 else "unpaced" for x in rates])
            ax.set_yticks(range(len(workers)), workers)
            ax.set_xlabel("offered rate (docs/s" + (", virtual)" if prows[0]["engine"] == "sim" else ")"))
            ax.set_ylabel("workers")
            ax.set_title(title + (f" — {label}" if label else ""), fontsize=10)
            for yi, row in enumerate(z):
                for xi, v in enumerate(row):
                    if not math.isnan(v):
                        ax.text(xi, yi, fmt.format(v), ha="center", va="center", fontsize=7,
                                color="white" if finite and v < (min(finite) + max(finite)) / 2 else "black")
    fig.suptitle(f"{grid}: {fixed_text(rows, {'workers', 'rate'})} (mean over seeds)", fontsize=11)
    fig.tight_layout()
    path = os.path.join(out_dir, f"heatmap-{grid}.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def jitter_curves(grid, rows, out_dir):
    other = varying(rows, {"jitter_us"})
    series = facets(rows, other)
    has_latency = any(r["latency_p50_ms"] for r in rows)
    ncols = 3 if has_latency else 2
    fig, axes = plt.subplots(1, ncols, figsize=(5.4 * ncols, 4.4))
    for values, srows in series:
        by_j = defaultdict(list)
        for r in srows:
            by_j[num(r["jitter_us"])].append(r)
        js = sorted(by_j)
        x = [j / 1000 for j in js]
        label = ", ".join(f"{k} {v}" for k, v in zip(other, values)) or grid
        over = [[(num(r["barrier_ratio"]) - 1) * 100 for r in by_j[j]] for j in js]
        m = [mean(o) for o in over]
        lo = [m_ - min(o) for m_, o in zip(m, over)]
        hi = [max(o) - m_ for m_, o in zip(m, over)]
        axes[0].errorbar(x, m, yerr=[lo, hi], marker="o", ms=3, capsize=2, label=label)
        rep = [mean([num(r["replays"]) / max(num(r["docs_in"]), 1) for r in by_j[j]]) for j in js]
        axes[1].plot(x, rep, marker="o", ms=3, label=label)
        if has_latency:
            lat = [mean([num(r["latency_p50_ms"]) for r in by_j[j]]) for j in js]
            axes[2].plot(x, lat, marker="o", ms=3, label=label)
    axes[0].set_ylabel("overhead: (barrier ratio - 1) x 100 %")
    axes[0].set_title("items reached the sink / valid (min-max over seeds)", fontsize=10)
    axes[1].set_ylabel("replays per input")
    axes[1].set_title("windows re-emitted by the grouping", fontsize=10)
    if has_latency:
        axes[2].set_ylabel("latency p50 (ms, virtual)")
        axes[2].set_yscale("log")
        axes[2].set_title("release time - ingestion time", fontsize=10)
    for ax in axes:
        ax.set_xlabel("jitter (ms): every message waits latency + uniform[0, jitter]")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.suptitle(f"{grid}: {fixed_text(rows, {'jitter_us'})} (mean over seeds)", fontsize=11)
    fig.tight_layout()
    path = os.path.join(out_dir, f"jitter-{grid}.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: plot.py DIR  (reads DIR/sweep.csv)")
    out_dir = sys.argv[1]
    with open(os.path.join(out_dir, "sweep.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    grids = OrderedDict()
    for r in rows:
        grids.setdefault(r["grid"], []).append(r)
    for grid, grows in grids.items():
        jitters = len({r["jitter_us"] for r in grows})
        if len({r["workers"] for r in grows}) > 1 and len({r["rate"] for r in grows}) > 1 and jitters < 3:
            print(heatmap(grid, grows, out_dir))
        if jitters >= 3:
            print(jitter_curves(grid, grows, out_dir))


if __name__ == "__main__":
    main()
