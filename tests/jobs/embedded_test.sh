#!/usr/bin/env bash
# Job libraries end to end, in one process: meson install to a temporary prefix, the sessions
# example built out of tree through pkg-config only, run embedded and compared with an awk
# reference; the example of flamestream.h built and run; then each library the loader must refuse
# exits 2 naming the library and the fault.
set -euo pipefail
build=$1; src=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
{ read -r pc; read -r fs; read -r lib; } < <(bash "$src/tests/jobs/build_example.sh" "$build" "$src" "$tmp" 2>/dev/null)
export PKG_CONFIG_PATH=$pc

fail() { echo "FAIL: $*"; exit 1; }

# Input: 3000 clicks of 40 users on 25 pages, times increasing with random steps.
awk 'BEGIN { srand(7); t = 0; for (i = 0; i < 3000; i++) { t += int(rand() * 5);
  printf "u%d %d p%d\n", int(rand() * 40), t, int(rand() * 25) } }' > "$tmp/clicks"
awk -v gap=12 -f "$src/tests/jobs/sessions_reference.awk" "$tmp/clicks" > "$tmp/expected"
for workers in 1 3; do
  "$fs" run --job "$lib" sessions --param gap=12 --workers "$workers" --input "$tmp/clicks" \
    --output "$tmp/out"
  cmp -s "$tmp/out" "$tmp/expected" || fail "sessions on $workers workers differs from the reference"
done
"$fs" run --job "$lib" --help | grep -q 'gap=V' || fail "run --job --help lists no params"

# The example at the top of flamestream.h builds against the installed headers and runs.
inc=$(pkg-config --variable=includedir flamestream)
awk '/#include <flamestream/ { on = 1 } on { print substr($0, 6) } on && /FLAMESTREAM_JOB\(/ { exit }' \
  "$inc/flamestream/flamestream/flamestream.h" > "$tmp/first_words.cpp"
c++ -std=c++20 -shared -fPIC "$tmp/first_words.cpp" -o "$tmp/first_words.so" \
  $(pkg-config --cflags --libs flamestream)
[ "$(printf 'a x\nb y\na z\na q\n' | "$fs" run --job "$tmp/first_words.so" first-words)" = \
  "$(printf 'a\t1\nb\t1\na\t2\na\t2')" ] || fail "the example of flamestream.h"

# Refused libraries: exit 2, the library's path and what is wrong in the message.
refused() {  # LIB EXPECTED-TEXT [GRAPH]
  local rc=0
  "$fs" run --job "$1" "${3:-sessions}" --input "$tmp/clicks" >/dev/null 2>"$tmp/err" || rc=$?
  [ "$rc" = 2 ] || fail "$1: exit $rc, not 2"
  grep -q -- "$1" "$tmp/err" || fail "$1: the message names no library: $(cat "$tmp/err")"
  grep -q -- "$2" "$tmp/err" || fail "$1: no '$2' in: $(cat "$tmp/err")"
}
echo "not a library" > "$tmp/text.so"
refused "$tmp/text.so" "not a shared library"
cxx() { c++ -std=c++20 -shared -fPIC "$@" $(pkg-config --cflags --libs flamestream); }
cxx "$src/tests/jobs/bad_job.cpp" -o "$tmp/no_entry.so"
refused "$tmp/no_entry.so" "no entry point"
cxx -DBAD_VERSION "$src/tests/jobs/bad_job.cpp" -o "$tmp/version.so"
refused "$tmp/version.so" "API version 2, this flamestream has version 1"
cxx -DCATALOG_NAME "$src/tests/jobs/bad_job.cpp" -o "$tmp/catalog.so"
refused "$tmp/catalog.so" "'wordcount' is already a catalog graph"
cxx -DREJECTED "$src/tests/jobs/bad_job.cpp" -o "$tmp/rejected.so"
refused "$tmp/rejected.so" "graph 'rejected' is rejected: .*nowhere"
# A job function that throws: exit 1 naming the graph and the operation, nothing after it printed.
cxx -DTHROWS "$src/tests/jobs/bad_job.cpp" -o "$tmp/throws.so"
rc=0
printf 'a\nb\nboom\nc\n' | "$fs" run --job "$tmp/throws.so" throws >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] && grep -q "graph 'throws': operation 'explode' (map) threw: boom line" "$tmp/err" ||
  fail "a throwing job: exit $rc, $(cat "$tmp/err")"
grep -q -e c -e boom "$tmp/out" && fail "a throwing job released its item or a later one"
cp "$lib" "$tmp/again.so"
rc=0
"$fs" run --job "$lib" --job "$tmp/again.so" sessions --input "$tmp/clicks" >/dev/null 2>"$tmp/err" || rc=$?
[ "$rc" = 2 ] && grep -q "$tmp/again.so: graph 'sessions' is already defined by $lib" "$tmp/err" ||
  fail "two libraries with one graph: exit $rc, $(cat "$tmp/err")"
echo "jobs embedded: ok"
