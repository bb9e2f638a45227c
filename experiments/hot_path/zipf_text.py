#!/usr/bin/env python3
"""Writes a seeded Zipf-distributed word text for the hot-path measurements (hot_path.md).

    zipf_text.py --words N --vocab V [--per-line K] [--zipf-s S] [--seed X] OUT

The vocabulary is V synthetic words (lowercase letters, so wordcount's tokenizer keeps each one
whole), ranked by a seeded shuffle and drawn with Zipf(S) frequencies; K words a line (1: the
one-word-a-line form fs_bench reads). Only the standard library.
"""

import argparse
import random
import string


def word_of(i):
    # Base-26 spelling with a two-letter prefix: distinct for every i, 4 to 8 letters for V <= 10^6.
    letters = []
    i += 26 * 26
    while i:
        i, r = divmod(i, 26)
        letters.append(string.ascii_lowercase[r])
    return "".join(reversed(letters))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--words", type=int, required=True)
    p.add_argument("--vocab", type=int, default=100_000)
    p.add_argument("--per-line", type=int, default=10)
    p.add_argument("--zipf-s", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=20240601)
    p.add_argument("out")
    a = p.parse_args()
    rng = random.Random(a.seed)
    vocab = [word_of(i) for i in range(a.vocab)]
    rng.shuffle(vocab)
    cum, total = [], 0.0
    for rank in range(a.vocab):
        total += 1.0 / (rank + 1) ** a.zipf_s
        cum.append(total)
    with open(a.out, "w") as f:
        left = a.words
        while left:
            n = min(left, 1_000_000)
            words = rng.choices(vocab, cum_weights=cum, k=n)
            lines = (" ".join(words[i:i + a.per_line]) for i in range(0, n, a.per_line))
            f.write("\n".join(lines) + "\n")
            left -= n


if __name__ == "__main__":
    main()
