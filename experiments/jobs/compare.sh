#!/usr/bin/env bash
# Word count from the catalog against the same graph loaded from a job library: RUNS runs of each,
# alternating, over one input; prints the user+system CPU seconds and wall seconds of each run and
# their median and spread (min..max). Usage: compare.sh WORDS_FILE [RUNS] [WORKERS]
set -euo pipefail
cd "$(dirname "$0")/../.."
input=$1; runs=${2:-7}; workers=${3:-2}
fs=build/flamestream; lib=build/experiments/jobs/libwordcount-job.so
cmp <($fs run wordcount --input "$input" --workers "$workers") \
    <($fs run --job "$lib" wordcount-lib --input "$input" --workers "$workers") ||
  { echo "outputs differ"; exit 1; }
measure() {  # LABEL ARGS...: one run; prints LABEL cpu wall
  local label=$1; shift
  /usr/bin/time -f "$label %U %S %e" "$fs" run "$@" --input "$input" --workers "$workers" \
    --output /dev/null 2>&1 | awk '{ printf "%s %.2f %.2f\n", $1, $2 + $3, $4 }'
}
for i in $(seq "$runs"); do
  measure catalog wordcount
  measure library --job "$lib" wordcount-lib
done | tee /dev/stderr | python3 -c '
import statistics, sys
runs = {}
for line in sys.stdin:
    label, cpu, wall = line.split()
    runs.setdefault(label, []).append((float(cpu), float(wall)))
for label, r in runs.items():
    cpu, wall = [x[0] for x in r], [x[1] for x in r]
    print(f"{label:8} {len(r)} runs  cpu median {statistics.median(cpu):.2f} s ({min(cpu):.2f}..{max(cpu):.2f})"
          f"  wall median {statistics.median(wall):.2f} s ({min(wall):.2f}..{max(wall):.2f})")
'
