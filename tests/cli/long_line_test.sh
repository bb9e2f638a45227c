#!/usr/bin/env bash
# `flamestream run` over long lines: a 10 MB line of 1.6 M words is counted exactly (against awk);
# a line over --max-line-mib ends the input with exit 2 naming it, every line before it counted and
# written, on every engine; a line of exactly the limit is taken.
set -uo pipefail
fs="$1"
source "$(dirname "$0")/checks.sh"
# A line of seeded words from a vocabulary of 500 until it holds BYTES bytes, or exactly BYTES
# with "exact" (the last word cut to fit).
words_line() {  # seed bytes [exact]
  awk -v seed="$1" -v bytes="$2" -v exact="${3:-}" 'BEGIN {
    srand(seed)
    for (i = 0; i < 500; i++) {
      w = ""; n = 2 + int(rand() * 8)
      for (j = 0; j < n; j++) w = w substr("abcdefghijklmnopqrstuvwxyz", 1 + int(rand() * 26), 1)
      vocab[i] = w
    }
    n = 0  # bytes written; words go out one at a time (joining them in one string is quadratic)
    while (n < bytes) {
      w = vocab[int(rand() * 500)]
      if (n > 0) { printf " "; n++ }
      if (exact != "" && n + length(w) > bytes) w = substr(w, 1, bytes - n)
      printf "%s", w; n += length(w)
    }
    print ""
  }'
}
# Word count of lowercase words split at spaces: every word with its count so far.
reference_counts() { awk '{ for (i = 1; i <= NF; i++) print $i "\t" ++count[$i] }' "$@"; }

# A 10 MB line between two short ones, counted exactly.
{ echo "the first line"; words_line 7 10000000; echo "and the last line"; } > "$tmp/ten.txt"
reference_counts "$tmp/ten.txt" > "$tmp/ten-expected.txt"
[ "$(wc -l < "$tmp/ten-expected.txt")" -gt 1500000 ] && pass || fail "the 10 MB line has too few words"
"$fs" run wordcount --workers 2 --input "$tmp/ten.txt" > "$tmp/ten.out" || fail "10 MB line: exit $?"
expect_same "a 10 MB line" "$tmp/ten-expected.txt" "$tmp/ten.out"

# Over the limit: exit 2, the line named, the lines before it counted and written. A line of
# exactly the limit (1 MiB) is taken.
{ echo "one two"; words_line 8 $((1 << 20)) exact; words_line 9 $((2 << 20)); echo "after it"; } > "$tmp/over.txt"
head -n 2 "$tmp/over.txt" | reference_counts > "$tmp/over-expected.txt"
for engine in embedded sim reference; do
  "$fs" run wordcount --engine "$engine" --max-line-mib 1 --input "$tmp/over.txt" \
    > "$tmp/over.out" 2> "$tmp/over.err"
  code=$?
  [ "$code" -eq 2 ] && pass || fail "$engine, a line over the limit: exit $code, expected 2"
  grep -q "input line 3 is longer than the limit of 1 MiB" "$tmp/over.err" && pass \
    || fail "$engine, a line over the limit: $(cat "$tmp/over.err")"
  expect_same "$engine, the lines before a line over the limit" "$tmp/over-expected.txt" "$tmp/over.out"
done

for bad in 0 1025 x; do
  "$fs" run wordcount --max-line-mib "$bad" < /dev/null > /dev/null 2> "$tmp/bad.err"
  code=$?
  [ "$code" -eq 2 ] && grep -q -- "--max-line-mib" "$tmp/bad.err" && pass \
    || fail "--max-line-mib $bad: exit $code: $(cat "$tmp/bad.err")"
done
for cmd in run ingest worker; do
  "$fs" $cmd --help | grep -q -- "--max-line-mib N" && pass || fail "$cmd --help lacks --max-line-mib"
done

finish
