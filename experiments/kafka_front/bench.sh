#!/usr/bin/env bash
# Word count of WORDS words from a topic of PARTS partitions (default 3) on 2 workers: the Kafka
# front inside the workers versus ingest --kafka into an ordinary front; output through tail --to-kafka either way.
# Its own ZooKeeper and broker on ports 42181 and 49092 (49093), state under $D. Usage:
#   WORDS=2000000 PARTS=3 experiments/kafka_front/bench.sh
set -euo pipefail
pids=
root="$(cd "$(dirname "$0")/../.." && pwd)"
FS=${FS:-$root/build/flamestream}; S=$root/scripts; D=${D:-/tmp/flamestream-kafka-front-bench}; WORDS=${WORDS:-2000000}; PARTS=${PARTS:-3}
rm -rf $D; mkdir -p $D
export FLAMESTREAM_ZK_DIR=$D/zk FLAMESTREAM_KAFKA_DIR=$D/kafka
ZK=$($S/zk start 42181 | head -1); B=$($S/kafka start 49092 | head -1)
trap '$S/kafka stop >/dev/null 2>&1; $S/zk stop >/dev/null 2>&1; kill $(jobs -p) 2>/dev/null || true' EXIT
python3 -c "
import random; r=random.Random(7); w=['w%d'%int(r.paretovariate(1.0)*10) for _ in range($WORDS)]
print('\n'.join(' '.join(w[i:i+20]) for i in range(0,len(w),20)))" > $D/input.txt
$S/kafka topic words $PARTS >/dev/null; $S/kafka topic out1 1 >/dev/null; $S/kafka topic out2 1 >/dev/null
# Balanced partitions: line i to partition i % PARTS (kcat's own partitioner put 78 % of 3 in one).
# Produced at once, so the partitions' record times interleave as a live topic's would.
for p in $(seq 0 $((PARTS - 1))); do awk -v p=$p -v n=$PARTS 'NR % n == p' $D/input.txt > $D/part-$p.txt; done
for p in $(seq 0 $((PARTS - 1))); do kcat -b $B -P -t words -p $p < $D/part-$p.txt & done; wait
for w in w1 w2; do $FS worker --zk $ZK --name $w --listen tcp://127.0.0.1:0 --data-dir $D/$w --insecure 2>$D/$w.err & pids="$pids $!"; done
sleep 2
# CPU seconds (user + system) the workers and the broker spent so far: where the time goes.
cpu() { for p in $pids $(cat $D/kafka/kafka.pid); do awk '{printf "%.2f ", ($14+$15)/100}' /proc/$p/stat; done; }
c0=$(cpu)
t0=$(date +%s.%N)
echo "{\"graph\":\"wordcount\",\"fronts\":{\"in\":\"*\"},\"kafka\":{\"in\":{\"brokers\":\"$B\",\"topic\":\"words\"}}}" | $FS submit --zk $ZK --insecure - >/dev/null
$FS tail --zk $ZK --insecure --sink out --to-kafka $B --topic out1 --transactional-id out1 2>$D/tail1.err
t1=$(date +%s.%N); c1=$(cpu)
t2=$(date +%s.%N)
echo "{\"graph\":\"wordcount\",\"fronts\":{\"in\":\"*\"}}" | $FS submit --zk $ZK --insecure - >/dev/null
$FS ingest --zk $ZK --insecure --front in --kafka $B --topic words 2>$D/ingest.err &
$FS tail --zk $ZK --insecure --sink out --to-kafka $B --topic out2 --transactional-id out2 2>$D/tail2.err
t3=$(date +%s.%N); c2=$(cpu)
python3 -c "
c=[[float(x) for x in s.split()] for s in ['$c0', '$c1', '$c2']]
d=lambda a, b: ' '.join(f'{y - x:.2f}' for x, y in zip(c[a], c[b]))
w=$WORDS; a=$t1-$t0; b=$t3-$t2
print(f'kafka front inside the workers: {w} words in {a:.2f} s = {w/a/1e6:.3f} M words/s')
print(f'ingest --kafka into a front:     {w} words in {b:.2f} s = {w/b/1e6:.3f} M words/s')
print(f'CPU s of w1 w2 broker: kafka front {d(0, 1)}; ingest --kafka {d(1, 2)}')"
cat $D/tail1.err $D/tail2.err
