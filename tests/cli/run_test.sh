#!/usr/bin/env bash
# `flamestream run` end to end: byte-identical output across worker counts, seeds and engines;
# bad input and bad usage exit 2 with a message naming the problem, and keep what was released.
set -uo pipefail
fs="$1"
src_root="$2"
source "$(dirname "$0")/checks.sh"

# A text with repeated words and punctuation: the README and design sources of this repository.
cat "$src_root"/README.md "$src_root"/model/*.h > "$tmp/text.txt"

"$fs" run wordcount --input "$tmp/text.txt" --engine reference > "$tmp/ref.txt" || fail "reference run"
[ -s "$tmp/ref.txt" ] && pass || fail "reference output is empty"
for workers in 1 4; do
  for seed in 1 2 3; do
    "$fs" run wordcount --engine sim --input "$tmp/text.txt" --workers "$workers" --seed "$seed" \
      --jitter-us 50 > "$tmp/out-$workers-$seed.txt" || fail "sim --workers $workers --seed $seed"
    expect_same "sim wordcount workers=$workers seed=$seed" "$tmp/ref.txt" "$tmp/out-$workers-$seed.txt"
  done
done
# The embedded engine (the default): real threads, real sockets, the same bytes.
for workers in 1 2 4; do
  "$fs" run wordcount --input "$tmp/text.txt" --workers "$workers" > "$tmp/emb-$workers.txt" \
    || fail "embedded --workers $workers"
  expect_same "embedded wordcount workers=$workers" "$tmp/ref.txt" "$tmp/emb-$workers.txt"
done
# 40 workers: 40·41 sockets, past ZeroMQ's default of 1,023 a context. With too few open files
# allowed for them, a message saying so (exit 1), not a bare "Too many open files".
"$fs" run wordcount --input "$tmp/text.txt" --workers 40 > "$tmp/emb-40.txt" || fail "embedded --workers 40"
expect_same "embedded wordcount workers=40" "$tmp/ref.txt" "$tmp/emb-40.txt"
(ulimit -n 256 && "$fs" run wordcount --input "$tmp/text.txt" --workers 40 > /dev/null 2> "$tmp/nofile.err")
code=$?
[ "$code" -eq 1 ] && pass || fail "40 workers under ulimit -n 256: exit $code, expected 1"
grep -q "ulimit -n" "$tmp/nofile.err" && pass || fail "40 workers under ulimit -n 256: $(cat "$tmp/nofile.err")"

# Word count semantics: lowercased runs of ASCII letters and digits, counts so far.
printf 'The cat, the CAT!\nx2 x2-y\n' | "$fs" run wordcount --workers 3 > "$tmp/wc.txt"
printf 'the\t1\ncat\t1\nthe\t2\ncat\t2\nx2\t1\nx2\t2\ny\t1\n' > "$tmp/wc-expected.txt"
expect_same "wordcount tokenization" "$tmp/wc-expected.txt" "$tmp/wc.txt"

# The paper's example, with --output and --stats.
seq 1 8 | "$fs" run paper-grouping --workers 4 --output "$tmp/pg.txt" --stats "$tmp/stats.json"
printf '(1)\n(2)\n(1|3)\n(2|4)\n(1|3|5)\n(2|4|6)\n(3|5|7)\n(4|6|8)\n' > "$tmp/pg-expected.txt"
expect_same "paper-grouping" "$tmp/pg-expected.txt" "$tmp/pg.txt"
grep -q '"flamestream_barrier_released_total": 8,' "$tmp/stats.json" && pass || fail "stats: flamestream_barrier_released_total is not 8"
grep -q '"flamestream_lines_in_total": 8,' "$tmp/stats.json" && pass || fail "stats: flamestream_lines_in_total is not 8"
seq 1 4 | "$fs" run paper-grouping --param window=2 > "$tmp/pg2.txt"
printf '(1)\n(2)\n(1|3)\n(2|4)\n' > "$tmp/pg2-expected.txt"
expect_same "paper-grouping window=2" "$tmp/pg2-expected.txt" "$tmp/pg2.txt"

# A malformed line: exit 2, the line number in the message, everything before it released.
printf '(1)\n(2)\n(1|3)\n' > "$tmp/bad-expected.txt"
# One embedded worker too: its single sink instance's lines skip the merge.
for run in "embedded 1" "embedded 2" "sim 2" "reference 2"; do
  read -r engine workers <<< "$run"
  printf '1\n2\n3\nfour\n5\n' | "$fs" run paper-grouping --engine $engine --workers $workers \
    > "$tmp/bad.txt" 2> "$tmp/bad.err"
  code=$?
  [ "$code" -eq 2 ] && pass || fail "$engine, malformed line: exit $code, expected 2"
  grep -q 'line 4' "$tmp/bad.err" && pass || fail "$engine, malformed line: message lacks 'line 4': $(cat "$tmp/bad.err")"
  expect_same "$engine --workers $workers, output before a malformed line" "$tmp/bad-expected.txt" "$tmp/bad.txt"
done

# A live input (a pipe that stays open): the counts of the lines read so far come out before the
# input ends, not once a batch of input or 64 KiB of output has gathered.
mkfifo "$tmp/live"
"$fs" run wordcount --workers 2 < "$tmp/live" > "$tmp/live.out" 2> "$tmp/live.err" &
run_pid=$!
exec 3> "$tmp/live"
printf 'live words live\n' >&3
for _ in $(seq 100); do
  grep -q "^live	2$" "$tmp/live.out" && break
  sleep 0.1
done
grep -q "^live	2$" "$tmp/live.out" && pass \
  || fail "run over a live input: no counts within 10 s of the first line (got: $(cat "$tmp/live.out"))"
kill -0 "$run_pid" 2> /dev/null && pass || fail "run over a live input ended before its input did"
printf 'live\n' >&3
exec 3>&-
wait "$run_pid" && pass || fail "run over a live input: exit $?: $(cat "$tmp/live.err")"
printf 'live\t1\nwords\t1\nlive\t2\nlive\t3\n' > "$tmp/live-expected.txt"
expect_same "run over a live input" "$tmp/live-expected.txt" "$tmp/live.out"

expect_exit2() {  # name expected-message-part command...
  local name="$1" needle="$2"
  shift 2
  "$@" < /dev/null > "$tmp/out" 2> "$tmp/err"
  local code=$?
  [ "$code" -eq 2 ] && pass || fail "$name: exit $code, expected 2"
  grep -q -- "$needle" "$tmp/err" && pass || fail "$name: stderr lacks '$needle': $(cat "$tmp/err")"
}
expect_exit2 "unknown graph" "valid: wordcount, paper-grouping" "$fs" run nosuchgraph
expect_exit2 "unknown param" "valid: window" "$fs" run paper-grouping --param colour=red
expect_exit2 "bad param value" "param 'window'" "$fs" run paper-grouping --param window=0
expect_exit2 "unknown option" "unknown option --frobnicate" "$fs" run wordcount --frobnicate
expect_exit2 "unknown engine" "valid: embedded, sim, reference" "$fs" run wordcount --engine warp
expect_exit2 "missing input" "cannot open input" "$fs" run wordcount --input "$tmp/none.txt"
expect_exit2 "unreadable input" "reading '$tmp' failed after line 0" "$fs" run wordcount --input "$tmp"
expect_exit2 "unknown command" "unknown command" "$fs" frobnicate

for cmd in "" run worker submit ingest tail status rescale keys; do
  "$fs" $cmd --help > "$tmp/help" 2>&1 && grep -q usage "$tmp/help" && pass || fail "'$cmd --help'"
done
# Every command that talks to a cluster says how it gets the cluster key, and how to go without.
for cmd in worker submit ingest tail status rescale; do
  "$fs" $cmd --help > "$tmp/help" 2>&1
  grep -q -- "--key-file FILE" "$tmp/help" && grep -q FLAMESTREAM_KEY_FILE "$tmp/help" && grep -q -- "--insecure" "$tmp/help" \
    && pass || fail "'$cmd --help' does not describe --key-file, FLAMESTREAM_KEY_FILE and --insecure"
done
grep -q "keys FILE" <("$fs" --help) && pass || fail "'flamestream --help' does not list keys"

finish
