#!/usr/bin/env bash
# `run --progress`: the progress line goes to stderr (a report a second, a last one for the whole
# input, with the share of the file read), stdout is byte-identical to a run without it, and
# --quiet silences it.
set -uo pipefail
fs="$1"
source "$(dirname "$0")/checks.sh"

# 120 000 lines of 10 words: long enough on two cores for a report before the last one.
awk 'BEGIN { srand(7); for (i = 0; i < 120000; i++) { l = ""; for (j = 0; j < 10; j++) l = l " w" int(rand() * 5000); print l } }' > "$tmp/text.txt"

"$fs" run wordcount --input "$tmp/text.txt" --workers 2 --progress > "$tmp/progress.out" 2> "$tmp/progress.err" \
  || fail "run --progress: $(cat "$tmp/progress.err")"
"$fs" run wordcount --input "$tmp/text.txt" --workers 2 --quiet > "$tmp/quiet.out" 2> "$tmp/quiet.err" \
  || fail "run --quiet"
"$fs" run wordcount --input "$tmp/text.txt" --workers 2 > "$tmp/plain.out" 2> "$tmp/plain.err" || fail "run"
expect_same "stdout with --progress" "$tmp/plain.out" "$tmp/progress.out"
expect_same "stdout with --quiet" "$tmp/plain.out" "$tmp/quiet.out"
[ -s "$tmp/progress.out" ] && pass || fail "run printed nothing"
last=$(tail -n 1 "$tmp/progress.err")
[[ "$last" == "flamestream run: read 120000 lines, 1200000 words, "*" lines/s, "*" words/s, "*" s elapsed, 100 % of "*" MiB, ETA 0 s" ]] \
  && pass || fail "last progress line: '$last'"
# stderr not a terminal and no --progress: nothing; --quiet: nothing.
[ ! -s "$tmp/plain.err" ] && pass || fail "progress without --progress on a file: $(cat "$tmp/plain.err")"
[ ! -s "$tmp/quiet.err" ] && pass || fail "--quiet printed: $(cat "$tmp/quiet.err")"
# Every report line has the same form; the ones before the last count up.
bad=$(grep -cv '^flamestream run: \(read \)\?[0-9]* lines, [0-9]* words, [0-9]* lines/s, [0-9]* words/s, [0-9.]* s elapsed, [0-9]* % of [0-9.]* MiB, ETA [0-9]* s$' "$tmp/progress.err")
[ "$bad" -eq 0 ] && pass || fail "$bad malformed progress lines: $(cat "$tmp/progress.err")"

# stdin: no size, so no share or ETA.
"$fs" run wordcount --workers 1 --progress < "$tmp/text.txt" > "$tmp/stdin.out" 2> "$tmp/stdin.err" || fail "run from stdin"
expect_same "stdout from stdin with --progress" "$tmp/plain.out" "$tmp/stdin.out"
grep -q '^flamestream run: read 120000 lines, 1200000 words, .* s elapsed$' "$tmp/stdin.err" && pass \
  || fail "progress from stdin: $(cat "$tmp/stdin.err")"

# Both at once is a usage error.
"$fs" run wordcount --progress --quiet < /dev/null > /dev/null 2> "$tmp/both.err"
[ $? -eq 2 ] && grep -q -- "--progress or --quiet" "$tmp/both.err" && pass || fail "--progress --quiet: $(cat "$tmp/both.err")"
finish
