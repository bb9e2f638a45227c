#!/usr/bin/env python3
"""Word count's memory per live key: peak RSS of `flamestream run wordcount` over K distinct words,
minus the same run over 10 distinct words, divided by K (experiments/results/memory_per_key.md).

    bytes_per_key.py [--flamestream build/flamestream] [--words N] [--keys 100000,1000000]
                     [--workers W] [--runs R] [--rate WORDS_PER_S] [--dir DIR]

Every input has the same N words, ten a line, so the runs differ only in how many keys they hold:
the vocabulary of K words (lowercase, 4 to 8 letters) is dealt out in a seeded shuffled order, over
and over, so every key stays in use to the end and the state at the end holds all K. Peak RSS is
`/usr/bin/time -v`'s "Maximum resident set size"; each figure is the median of R runs. Only the
standard library.

Read at once, the input runs ahead of the minimal time by up to the fronts' admission window
(8 MiB of input, about a million words), and what those words hold in flight (~130 MiB) is the
baseline's peak: at 100 k keys the state (~20 MiB) hides under it. `--rate` feeds the words through
stdin at a steady pace instead, so little is in flight and the difference is the keys' state.
"""

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ left in the tree by the import below
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hot_path"))
from zipf_text import word_of  # noqa: E402  the same synthetic words as the hot-path inputs


def write_input(path, keys, words, seed=20261205):
    if os.path.exists(path):
        return
    vocab = [word_of(i) for i in range(keys)]
    random.Random(seed).shuffle(vocab)
    with open(path + ".tmp", "w") as f:
        line = []
        for n in range(words):
            line.append(vocab[n % keys])
            if len(line) == 10:
                f.write(" ".join(line) + "\n")
                line = []
        if line:
            f.write(" ".join(line) + "\n")
    os.rename(path + ".tmp", path)


def paced_writer(path, pipe, rate):
    # Lines of ten words, `rate` words a second, in rounds of 10 ms.
    with open(path, "rb") as f:
        lines = f.readlines()
    per_round = max(1, int(rate / 10 / 100))
    start = time.monotonic()
    try:
        for i in range(0, len(lines), per_round):
            pipe.write(b"".join(lines[i:i + per_round]))
            delay = start + (i + per_round) * 10 / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
    finally:
        pipe.close()


def peak_rss_kib(flamestream, path, workers, rate):
    cmd = ["/usr/bin/time", "-v", flamestream, "run", "wordcount", "--workers", str(workers),
           "--input", "-" if rate else path, "--output", "/dev/null"]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if rate else subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    writer = None
    if rate:
        writer = threading.Thread(target=paced_writer, args=(path, proc.stdin, rate))
        writer.start()
    stderr = proc.stderr.read().decode()
    proc.wait()
    if writer:
        writer.join()
    r = subprocess.CompletedProcess(cmd, proc.returncode, None, stderr)
    if r.returncode != 0:
        sys.exit("failed: " + " ".join(cmd) + "\n" + r.stderr)
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr)
    return int(m.group(1))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--flamestream", default="build/flamestream")
    p.add_argument("--words", type=int, default=2_000_000)
    p.add_argument("--keys", default="100000,1000000")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--rate", type=float, default=0,
                   help="words a second fed through stdin (0: the whole file at once)")
    p.add_argument("--dir", default="/tmp/fs_bytes_per_key")
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    key_counts = [int(k) for k in a.keys.split(",")]

    def median_rss(keys):
        path = os.path.join(a.dir, f"words{a.words}_keys{keys}.txt")
        write_input(path, keys, a.words)
        return statistics.median(peak_rss_kib(a.flamestream, path, a.workers, a.rate) for _ in range(a.runs))

    base = median_rss(10)
    pace = f"{a.rate:.0f} words/s through stdin" if a.rate else "the whole file at once"
    print(f"words {a.words}, workers {a.workers}, {pace}, median of {a.runs} runs")
    print(f"keys 10: peak RSS {base / 1024:.1f} MiB (baseline)")
    for keys in key_counts:
        rss = median_rss(keys)
        per_key = (rss - base) * 1024 / keys
        print(f"keys {keys}: peak RSS {rss / 1024:.1f} MiB, bytes per key {per_key:.0f}")


if __name__ == "__main__":
    main()
