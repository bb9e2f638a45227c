#!/usr/bin/env bash
# What authentication (CURVE on every worker socket, ZooKeeper digest ACLs) costs a cluster job.
#
#   experiments/security/curve_cost.sh WORDS_FILE [RUNS] [WORKERS]
#
# Runs word count on a fresh local cluster (a real ZooKeeper on a free port, WORKERS worker
# processes) over WORDS_FILE, RUNS times with a cluster key and RUNS times with --insecure,
# alternating, and prints per run: the wall time from ingest's start to tail's end, and the CPU
# seconds (user + system) of the workers, ingest and tail together; then the medians. Each run gets
# its own ZooKeeper and data folders, so one mode never reads the other's nodes.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
fs="$root/build/flamestream"
input="$(realpath "${1:?usage: curve_cost.sh WORDS_FILE [RUNS] [WORKERS]}")"
runs="${2:-3}"
workers="${3:-2}"
tmp="$(mktemp -d /tmp/curve-cost-XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  FLAMESTREAM_ZK_DIR="$tmp/zk" "$root/scripts/zk" stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_seconds() {  # user + system seconds of a live process, from /proc/PID/stat
  awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"
}

one_run() {  # MODE (secure|insecure) -> "wall cpu"
  local mode="$1" dir="$tmp/$1-$RANDOM" zk auth=()
  mkdir -p "$dir"
  zk="$(FLAMESTREAM_ZK_DIR="$tmp/zk" "$root/scripts/zk" start "$(free_port)" 2>/dev/null)"
  if [ "$mode" = secure ]; then
    "$fs" keys "$dir/cluster.key" >/dev/null 2>&1
    auth=(--key-file "$dir/cluster.key")
  else
    auth=(--insecure)
  fi
  pids=()
  local names=()
  for i in $(seq 1 "$workers"); do
    names+=("\"w$i\"")
    "$fs" worker --zk "$zk" "${auth[@]}" --name "w$i" --listen "tcp://127.0.0.1:$(free_port)" \
      --data-dir "$dir/w$i" 2>"$dir/w$i.err" &
    pids+=($!)
  done
  sleep 1
  local list
  list="$(IFS=,; echo "${names[*]}")"
  echo "{\"graph\": \"wordcount\", \"workers\": [$list]}" > "$dir/tick.json"
  "$fs" submit --zk "$zk" "${auth[@]}" "$dir/tick.json" >/dev/null
  sleep 1
  local start end
  start="$(date +%s.%N)"
  /usr/bin/time -f '%U %S' -o "$dir/tail.time" "$fs" tail --zk "$zk" "${auth[@]}" --sink out >/dev/null 2>"$dir/tail.err" &
  local tail_pid=$!
  /usr/bin/time -f '%U %S' -o "$dir/ingest.time" "$fs" ingest --zk "$zk" "${auth[@]}" --front in "$input" 2>"$dir/ingest.err"
  wait "$tail_pid"
  end="$(date +%s.%N)"
  local cpu=0
  for p in "${pids[@]}"; do cpu="$(awk -v a="$cpu" -v b="$(cpu_seconds "$p")" 'BEGIN { print a + b }')"; done
  for f in ingest tail; do cpu="$(awk -v a="$cpu" '{ print a + $1 + $2 }' "$dir/$f.time")"; done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  pids=()
  FLAMESTREAM_ZK_DIR="$tmp/zk" "$root/scripts/zk" stop >/dev/null
  rm -rf "$tmp/zk"
  awk -v s="$start" -v e="$end" -v c="$cpu" 'BEGIN { printf "%.2f %.2f\n", e - s, c }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

words="$(wc -w < "$input")"
echo "input: $input ($words words), $workers workers, $runs runs a mode"
echo "mode      run  wall_s  cpu_s  words/s"
: > "$tmp/secure.txt"; : > "$tmp/insecure.txt"
for r in $(seq 1 "$runs"); do
  for mode in insecure secure; do
    read -r wall cpu < <(one_run "$mode")
    echo "$wall $cpu" >> "$tmp/$mode.txt"
    printf '%-9s %3d  %6.2f  %5.2f  %7.0f\n' "$mode" "$r" "$wall" "$cpu" "$(awk -v w="$words" -v t="$wall" 'BEGIN { print w / t }')"
  done
done
for mode in insecure secure; do
  printf 'median %-9s wall %.2f s, cpu %.2f s\n' "$mode" \
    "$(cut -d' ' -f1 "$tmp/$mode.txt" | median)" "$(cut -d' ' -f2 "$tmp/$mode.txt" | median)"
done
