"""Plots of experiments/wordcount/bench's results (run with /usr/bin/python3: Debian's
python3-matplotlib). Usage:
    plot.py results.csv OUTDIR              -> OUTDIR/latency.png, OUTDIR/throughput.png
    plot.py --scaling scaling.csv OUTDIR    -> OUTDIR/scaling.png"""
import csv
import sys

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def scaling(path, out):
    """Closed-loop words/s against workers (with the linear speedup from the fewest workers), and
    the p99 at the fixed offered rate against workers; failed runs and runs without latency
    samples are not points."""
    rows = list(csv.DictReader(open(path)))
    systems = []
    for r in rows:
        if r["system"] not in [s for s, _ in systems]:
            systems.append((r["system"], r["label"]))
    cores = int(rows[0]["cores"]) if rows else 0
    workers = sorted({int(r["workers"]) for r in rows})
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12.5, 4.8))
    for i, (key, label) in enumerate(systems):
        color = f"C{i}"
        closed = sorted((int(r["workers"]), float(r["achieved_rate"])) for r in rows
                        if r["system"] == key and r["loop"] == "closed" and r["status"] == "OK")
        if closed:
            ax.plot([w for w, _ in closed], [v for _, v in closed], marker="o", color=color,
                    label=label)
            w0, v0 = closed[0]
            ax.plot(workers, [v0 * w / w0 for w in workers], linestyle="--", color=color,
                    alpha=0.35, linewidth=1)
        opened = [r for r in rows if r["system"] == key and r["loop"] == "open"
                  and r["p99_ms"] not in ("", None) and r["latency_samples"] != "0"]
        if opened:
            opened.sort(key=lambda r: int(r["workers"]))
            ax2.plot([int(r["workers"]) for r in opened], [float(r["p99_ms"]) for r in opened],
                     marker="o", color=color, label=f"{key} at {float(opened[0]['rate']):,.0f} words/s")
            for r in opened:
                if r["status"] != "OK":
                    ax2.annotate(r["status"], (int(r["workers"]), float(r["p99_ms"])), fontsize=7,
                                 color="red", textcoords="offset points", xytext=(0, 6), ha="center")
    for a in (ax, ax2):
        if workers and cores and workers[-1] > cores:
            a.axvspan(cores + 0.5, workers[-1] + 0.5, color="grey", alpha=0.12, lw=0)
            a.annotate(f"oversubscribed\n(> {cores} cores)", (cores + 0.6, 0.97),
                       xycoords=("data", "axes fraction"), fontsize=7, va="top", color="grey")
        a.set_xticks(workers)
        if workers:
            a.set_xlim(workers[0] - 0.5, workers[-1] + 0.5)
        a.set_xlabel("workers (FlameStream threads; Flink parallelism)")
        a.grid(True, alpha=0.3)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_ylabel("closed-loop throughput (words/s)")
    ax.set_title("Throughput (dashed: linear from the fewest workers)", fontsize=9)
    ax.legend(fontsize=7.5)
    ax2.set_yscale("log")
    ax2.set_ylabel("p99 latency (ms)")
    ax2.set_title("p99 latency at a fixed offered rate", fontsize=9)
    if ax2.lines:
        ax2.legend(fontsize=7.5)
    fig.suptitle("Word count: scaling with the number of workers")
    fig.tight_layout()
    fig.savefig(f"{out}/scaling.png", dpi=110)


if sys.argv[1] == "--scaling":
    scaling(sys.argv[2], sys.argv[3])
    sys.exit(0)

rows = list(csv.DictReader(open(sys.argv[1])))
out = sys.argv[2]
systems = []
for r in rows:
    if r["system"] not in [s for s, _ in systems]:
        systems.append((r["system"], r["label"]))

def has_latency(r):
    """A run without latency samples (cut short before its warm-up ended) has blank percentiles;
    results.csv files written before that carried zeros there, which no real sample can be."""
    if r.get("latency_samples") == "0" or r["p50_ms"] in ("", None):
        return False
    return float(r["max_ms"]) > 0


PCT = [("p50_ms", "p50"), ("p90_ms", "p90"), ("p99_ms", "p99"), ("p999_ms", "p99.9"), ("max_ms", "max")]
cols = 2 if len(systems) > 1 else 1
nrows = (len(systems) + cols - 1) // cols
fig, axes = plt.subplots(nrows, cols, figsize=(6.2 * cols, 4.0 * nrows), sharey=True, squeeze=False)
flat = [ax for row in axes for ax in row]
for ax in flat[len(systems):]:
    ax.set_visible(False)
for ax, (key, label) in zip(flat, systems):
    mine = [r for r in rows if r["system"] == key and has_latency(r)]
    mine.sort(key=lambda r: int(r["rate"]))
    rates = [int(r["rate"]) for r in mine]
    for col, name in PCT:
        ax.plot(rates, [float(r[col]) for r in mine], marker="o", label=name)
    for r in mine:
        if r["status"] != "OK":
            ax.annotate(r["status"], (int(r["rate"]), float(r["p99_ms"])), fontsize=7, color="red",
                        textcoords="offset points", xytext=(0, 6), ha="center")
    # Runs without latency samples (cut short before the warm-up ended) are not points: a dotted
    # line marks the rate they were offered at.
    blank = sorted(int(r["rate"]) for r in rows
                   if r["system"] == key and not has_latency(r) and r["offered"] not in ("", "0"))
    for rate in blank:
        ax.axvline(rate, color="red", linestyle=":", alpha=0.5)
    if blank:
        ax.annotate("cut short: no latency samples", (blank[0], 0.03), xycoords=("data", "axes fraction"),
                    fontsize=6.5, color="red", rotation=90, ha="right", va="bottom")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_title(label, fontsize=8.5)
    ax.set_xlabel("offered rate (words/s)")
    ax.grid(True, which="both", alpha=0.3)
for row in axes:
    row[0].set_ylabel("latency (ms)")
flat[0].legend(fontsize=8)
fig.suptitle("Word count: per-word latency (release − due time) against offered rate")
fig.tight_layout()
fig.savefig(f"{out}/latency.png", dpi=110)

fig, ax = plt.subplots(figsize=(8.5, 4.4))
names, best = [], []
for key, label in systems:
    ok = [int(r["rate"]) for r in rows if r["system"] == key and r["status"] == "OK"]
    names.append(label.replace(" (", "\n("))
    best.append(max(ok) if ok else 0)
top = max(int(r["rate"]) for r in rows)
bars = ax.barh(range(len(names)), best, color=["#d62728" if "fs" in k else "#1f77b4" for k, _ in systems])
for b, v in zip(bars, best):
    ax.text(b.get_width(), b.get_y() + b.get_height() / 2, f" {'≥ ' if v == top else ''}{v:,}",
            va="center", fontsize=8)
ax.set_yticks(range(len(names)))
ax.set_yticklabels(names, fontsize=7.5)
ax.invert_yaxis()
ax.set_xlabel("highest offered rate sustained (words/s)")
top = max(int(r["rate"]) for r in rows)
fig.suptitle("Word count: highest offered rate sustained\n(correct, p99 within bound, no growing "
             f"backlog; the highest rate tried was {top:,})", fontsize=9)
ax.margins(x=0.15)
fig.tight_layout()
fig.savefig(f"{out}/throughput.png", dpi=110)
