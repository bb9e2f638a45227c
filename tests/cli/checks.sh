# What the CLI test scripts share: a scratch directory removed on exit ($tmp), and counted checks.
# Sourced; the script ends with `finish`, whose status says whether every check passed.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
passes=0

pass() { passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect_same() {  # name file-a file-b
  if cmp -s "$2" "$3"; then pass; else fail "$1: $2 and $3 differ"; diff "$2" "$3" | head -5; fi
}
finish() {
  echo "$passes passed, $failures failed"
  [ "$failures" -eq 0 ]
}
