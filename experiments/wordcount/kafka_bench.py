"""The word-count benchmark through Kafka (`experiments/wordcount/bench --kafka`): Kafka -> word
count -> Kafka, FlameStream against Flink with Flink's own Kafka connector, both exactly-once.

One broker for the whole invocation (scripts/kafka on a free port, its data in the run's temporary
folder, stopped at the end), two fresh topics a run: the input with one partition a worker, the
output with one. `kafka_load` (kafka_load.cpp) writes the words into the input topic, each record
keyed by its word and timestamped when it is produced, and reads the counts from the output topic
with a read_committed consumer: latency = the moment that consumer gets a count − the timestamp of
the input record it counts. The systems in between:

- fs-kafka: a fresh FlameStream cluster (ZooKeeper, --workers worker processes, exactly-once with
  a commit every --kafka-commit-ms), `flamestream ingest --kafka --follow` into its front and
  `flamestream tail --to-kafka` (a transaction every --kafka-commit-ms) from its sink;
- flink-kafka: experiments/flink's KafkaWordCount: KafkaSource -> tokenize -> keyBy -> count ->
  KafkaSink(EXACTLY_ONCE), checkpoints every --kafka-commit-ms, parallelism --workers.

Each open-loop rate and a closed loop (--kafka-closed-words offered at once) run --kafka-repeats
times per system, the systems alternating; every run's output is checked against the reference
counts like the other modes. Writes kafka.md and kafka.csv (--out, default experiments/results).
`bench` passes itself in as `b` for the helpers the modes share (Cluster, check, verdict, ...).
"""

import csv
import os
import re
import socket
import statistics
import subprocess
import time

KEYS = ("fs-kafka", "flink-kafka")
DEFAULT_RATES = "5000,20000,40000,80000,120000,160000"
FIELDS = ["system", "label", "loop", "rate", "repeat", "workers", "status", "problems", "notes",
          "offered", "released", "achieved_rate", "latency_samples", "p50_ms", "p90_ms", "p99_ms",
          "p999_ms", "max_ms", "late_p99_ms", "ready_s", "produce_s", "drain_ms",
          "max_schedule_lag_ms", "other_load", "wall_s"]


def port_pair(b):
    """A free port whose successor is free too: the broker listens on both (the controller's)."""
    for _ in range(50):
        port = b.free_port()
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
                return port
            except OSError:
                continue
    raise RuntimeError("no two free consecutive ports for the Kafka broker")


class Broker:
    """scripts/kafka on a free port, data under `work`, stopped (by its PID file) on exit."""

    def __init__(self, b, work):
        self.script = os.path.join(b.ROOT, "scripts", "kafka")
        self.env = dict(os.environ, FLAMESTREAM_KAFKA_DIR=os.path.join(work, "kafka"))
        self.port = port_pair(b)
        self.address = None

    def __enter__(self):
        r = subprocess.run([self.script, "start", str(self.port)], env=self.env,
                           capture_output=True, text=True, timeout=180)
        if r.returncode != 0:
            raise RuntimeError("the Kafka broker did not start: " + r.stderr.strip())
        self.address = r.stdout.strip().splitlines()[-1]
        return self.address

    def __exit__(self, *exc):
        subprocess.run([self.script, "stop"], env=self.env, capture_output=True, timeout=60)
        return False


def stop(procs):
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def log_tail(path, n=5):
    try:
        with open(path, errors="replace") as f:
            return " | ".join(l.strip() for l in f.readlines()[-n:] if l.strip())
    except OSError:
        return ""


def watch(load_cmd, procs, logs, timeout):
    """Runs kafka_load while the system's processes run; one that exits first ends the run with
    its log's last lines as the error (kafka_load would only wait for its readiness probe)."""
    load = subprocess.Popen(load_cmd, stdout=subprocess.PIPE, stderr=None, text=True)
    deadline = time.monotonic() + timeout
    while True:
        try:
            out, _ = load.communicate(timeout=0.5)
            return out, load.returncode, ""
        except subprocess.TimeoutExpired:
            pass
        dead = [(p, l) for p, l in zip(procs, logs) if p.poll() is not None]
        if dead or time.monotonic() > deadline:
            load.kill()
            out, _ = load.communicate()
            if dead:
                p, l = dead[0]
                return out, load.returncode, f"{os.path.basename(l)} exited ({p.returncode}): {log_tail(l)}"
            return out, None, "timed out"


def wait_running(fs, zk, timeout=60):
    """Until `flamestream status` shows the tick's minimal time: the load starts on a running tick."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = subprocess.run([fs, "status", "--zk", zk, "--insecure"], capture_output=True,
                           text=True, timeout=30)
        if re.search(r"minimal time: \d", r.stdout):
            return
        time.sleep(0.2)
    raise RuntimeError(f"the cluster's tick reported no minimal time within {timeout} s")


def run_kafka(b, system, rate, count, args, tools, work, broker, tag, max_lag):
    """One run; returns (result, exit code, wall s, counts file) like bench's run_one."""
    workers = args.workers
    run_dir = os.path.join(work, tag)
    os.makedirs(run_dir, exist_ok=True)
    topic_in, topic_out = f"in-{tag}", f"out-{tag}"
    subprocess.run([tools["kafka_load"], "--brokers", broker, "--create", f"{topic_in}:{workers}",
                    "--create", f"{topic_out}:1"], check=True, timeout=60)
    counts_out = os.path.join(work, f"counts-{tag}.tsv")
    load_cmd = [tools["kafka_load"], "--brokers", broker, "--in", topic_in, "--out", topic_out,
                "--words", tools["words_path"], "--count", str(count), "--rate", str(rate),
                "--warmup-s", str(args.warmup), "--max-lag-s", str(max_lag),
                "--counts-out", counts_out, "--workers", str(workers), "--system", system.key]
    timeout = count / min(rate, 50_000) + min(max_lag, 60) + 300  # a closed loop's lag is 1e9
    commit = str(args.kafka_commit_ms)
    t0 = time.monotonic()
    procs, logs, cluster, error = [], [], None, ""

    def spawn(name, cmd):
        path = os.path.join(run_dir, name + ".log")
        logs.append(path)
        with open(path, "w") as f:
            procs.append(subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT))

    try:
        if system.kind == "fs-kafka":
            fs = tools["flamestream"]
            # A front and a sink on every worker, the ticks' default. (The results of 2026-12-05
            # were taken with one front instance: a promise to idle instances went astray in
            # ingest then, which froze a sparse input; fixed, tests/cluster/cluster_test.cpp.)
            cluster = b.Cluster(fs, work, tag + "-cluster", exactly_once=True,
                                tick_ms=args.kafka_commit_ms, count=workers)
            zk = cluster.__enter__()
            wait_running(fs, zk)
            spawn("ingest", [fs, "ingest", "--zk", zk, "--insecure", "--front", "in", "--kafka",
                             broker, "--topic", topic_in, "--follow", "--quiet"])
            spawn("tail", [fs, "tail", "--zk", zk, "--insecure", "--sink", "out", "--to-kafka",
                           broker, "--topic", topic_out, "--commit-ms", commit,
                           "--transactional-id", "fs-" + tag])
        else:
            spawn("flink", ["java", "-Xmx2g", "-XX:+UseG1GC", "-cp", tools["flink_cp"],
                            "flamestream.bench.KafkaWordCount", "--brokers", broker,
                            "--in", topic_in, "--out", topic_out, "--workers", str(workers),
                            "--checkpoint-ms", commit, "--buffer-timeout-ms",
                            str(args.buffer_timeout_ms), "--transactional-id-prefix", "flink-" + tag])
        out, code, error = watch(load_cmd, procs, logs, timeout)
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        out, code, error = "", -1, str(e)
    finally:
        stop(procs)
        if cluster:
            cluster.__exit__(None, None, None)
    res = None
    start = out.find("{") if out else -1
    if start >= 0:
        try:
            res = b.json.loads(out[start:])
        except ValueError:
            res = None
    if res is not None and error:
        res["error"] = (res.get("error") + "; " if res.get("error") else "") + error
    elif res is None and error:
        b.log(f"    {system.key}: {error}")
    return res, code, time.monotonic() - t0, counts_out


def row(b, system, loop, rate, rep, args, res, problems, status, wall, other):
    lat = b.samples(res, "latency_ms") if loop == "open" else {}
    res_ = res or {}
    notes = b.notes_of(res, args) if loop == "open" else (
        f"{res_.get('offered', '?')} words at once" if res else "")
    return {
        "system": system.key, "label": system.label, "loop": loop,
        "rate": "" if loop == "closed" else rate, "repeat": rep, "workers": args.workers,
        "status": status, "problems": "; ".join(problems), "notes": notes,
        "offered": res_.get("offered", ""), "released": res_.get("released", ""),
        "achieved_rate": res_.get("achieved_rate", ""), "latency_samples": lat.get("n", ""),
        "p50_ms": lat.get("p50", ""), "p90_ms": lat.get("p90", ""), "p99_ms": lat.get("p99", ""),
        "p999_ms": lat.get("p999", ""), "max_ms": lat.get("max", ""),
        "late_p99_ms": b.samples(res, "late_latency_ms").get("p99", "") if loop == "open" else "",
        "ready_s": res_.get("ready_s", ""), "produce_s": res_.get("produce_s", ""),
        "drain_ms": res_.get("drain_ms", ""), "max_schedule_lag_ms": res_.get("max_schedule_lag_ms", ""),
        "other_load": other, "wall_s": f"{wall:.1f}",
    }


def main(b, args, chosen, tools, info, started, t_start, stream, work):
    rates = sorted(int(x) for x in (args.rates or DEFAULT_RATES).split(",") if x.strip())
    runnable = [s for s in chosen if s.available]
    count = max([int(r * args.duration) for r in rates] + [args.kafka_closed_words])
    stream.ensure(count)
    tools["words_path"] = stream.path
    out = os.path.normpath(args.out)
    plan = [("open", r) for r in rates] + ([("closed", b.CLOSED_RATE)] if args.kafka_closed_words else [])
    total = len(plan) * len(runnable) * args.kafka_repeats
    b.log(f"bench: through Kafka, {args.workers} workers, commit every {args.kafka_commit_ms} ms, "
          f"rates {rates} words/s for {args.duration:g} s, closed loop of {args.kafka_closed_words} "
          f"words, {args.kafka_repeats} repeats, systems {','.join(s.key for s in runnable)}")
    rows, failures, k = [], 0, 0
    with Broker(b, work) as broker:
        b.log(f"bench: Kafka broker at {broker}")
        for loop, rate in plan:
            n = int(rate * args.duration) if loop == "open" else args.kafka_closed_words
            max_lag = args.max_lag if loop == "open" else b.CLOSED_LAG
            for rep in range(1, args.kafka_repeats + 1):
                for s in runnable:  # alternating, so a busy minute on the machine hits both
                    k += 1
                    what = f"{rate} words/s" if loop == "open" else "closed loop"
                    b.log(f"[{k}/{total}] {s.label} @ {what}, {n} words, repeat {rep} ...")
                    tag = f"{s.key}-{loop}-{rate if loop == 'open' else 'max'}-{rep}"
                    load = b.OtherLoad()
                    res, code, wall, counts_out = run_kafka(b, s, rate, n, args, tools, work,
                                                            broker, tag, max_lag)
                    problems = b.check(s, res, code, counts_out, stream.words)
                    status = b.verdict(res, problems, args.bound_ms) if loop == "open" else (
                        "FAILED" if problems else "OK")
                    failures += status == "FAILED"
                    r = row(b, s, loop, rate, rep, args, res, problems, status, wall, load.cores())
                    rows.append(r)
                    b.log(f"    -> {status}: p50 {b.fmt(r['p50_ms'], 1)} p99 {b.fmt(r['p99_ms'], 1)} ms; "
                          f"achieved {b.fmt(r['achieved_rate'], 0)} words/s; ready after "
                          f"{b.fmt(r['ready_s'], 1)} s ({wall:.0f} s)"
                          + (f"; {r['problems']}" if problems else "")
                          + (f"; {r['notes']}" if r["notes"] and loop == "open" else ""))
    info["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = write_report(b, out, rows, runnable, rates, args, info, started,
                         time.monotonic() - t_start)
    b.log("")
    b.log("\n".join(l for l in lines if l.startswith("|")))
    b.log(f"bench: results in {out} (kafka.md, kafka.csv); {len(rows)} runs, {failures} FAILED")
    return 1 if failures else 0


def spread(values, digits):
    """median [min–max] of the values, or – when there are none."""
    v = [float(x) for x in values if x != ""]
    if not v:
        return "–"
    med = f"{statistics.median(v):,.{digits}f}"
    return med if len(v) == 1 else f"{med} [{min(v):,.{digits}f}–{max(v):,.{digits}f}]"


def write_report(b, out, rows, systems, rates, args, info, started, elapsed):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "kafka.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        w.writeheader()
        w.writerows(rows)
    C = args.kafka_commit_ms
    lines = [
        "# Word count through Kafka: FlameStream and Flink, both exactly-once",
        "",
        f"Run {started} UTC, {elapsed / 60:.1f} min, with `experiments/wordcount/bench "
        f"{' '.join(args.argv)}`.",
        "",
        "## Machine",
        "",
        f"`{info['host']}`: {info['nproc']} cores ({info['cpu']}), {info['memory']} memory, Linux "
        f"{info['kernel']}; load average at start {info['load_start']}, at end "
        f"{info.get('load_end', '?')} (the machine is shared: other work ran alongside; *other load* "
        f"below is what other processes used during each run). {info['java']}; Flink 2.3.0 "
        "(MiniCluster in-process) with flink-connector-kafka 5.0.0-2.2; Apache Kafka 4.1.0, one "
        f"KRaft broker on loopback (`scripts/kafka`); FlameStream at {info['commit']}.",
        "",
        "## Setup",
        "",
        f"- input: the same words as the other modes (Zipf(s={args.zipf_s}) over {args.vocab_size} "
        f"words, seed {args.seed}), one word a Kafka record (key and value the word) in a topic of "
        f"{args.workers} partitions: all occurrences of a word are in one partition, in order",
        f"- output: a topic of 1 partition, `word<TAB>count so far` for every input word",
        f"- **latency** = the wall time a `read_committed` consumer (`kafka_load`) receives the "
        "count − the CreateTime timestamp of the input record it counts (set when the record is "
        f"produced, ms). The first {args.warmup:g} s of a run are warm-up, left out of the "
        "percentiles, not out of the check. Start-up is not measured: a probe word is produced "
        "every 250 ms until its count shows in the output topic, then the input starts",
        f"- **open loop**: word i produced at start + i/rate for {args.duration:g} s; status OK = "
        f"correct, the producer never more than {args.max_lag:g} s behind, p99 ≤ {args.bound_ms:g} ms "
        "over the run and over its last fifth",
        f"- **closed loop**: {args.kafka_closed_words} words produced at once (the producer is held "
        "back only by its queue); throughput = words ÷ (time the last count was received − time "
        "the first word was produced)",
        f"- both sides commit every {C} ms (`--kafka-commit-ms`), parallelism {args.workers}",
        "- every run's per-word output (last count, number of outputs) is compared with reference "
        "counts of the words produced: a missing, duplicate or wrong count is FAILED",
        f"- {args.kafka_repeats} repeats of each run, the two systems alternating; tables show the "
        "median and [min–max]",
        "",
        "## What each side guarantees",
        "",
        f"- **FlameStream** (`fs-kafka`): a cluster of {args.workers} `flamestream worker` processes "
        f"and ZooKeeper, exactly-once ticks committing every {C} ms (ingestion logs synced before "
        "acknowledgment, grouping snapshots, the ZooKeeper commit record); `flamestream ingest "
        "--kafka --follow` reads every input partition (read_committed) into the front, on w1 (one "
        "instance: README.md beside the bench says why), the sink on w2; `flamestream tail --to-kafka --commit-ms "
        f"{C}` writes the sink's merged output in Kafka transactions that also commit the number of "
        "lines written. The output is released only once committed, in FlameStream's order "
        "(deterministic for the order ingest read the partitions in); a restarted tail resumes "
        "after the last committed line. Not yet: the front keeps its own ingestion log instead of "
        "Kafka offsets (issue 22 items 1, 2), so a killed `ingest` cannot resume exactly.",
        f"- **Flink** (`flink-kafka`): KafkaSource (offsets in the checkpoint) → tokenize → "
        "keyBy(word) → running count (keyed state) → KafkaSink with `DeliveryGuarantee.EXACTLY_ONCE` "
        f"(a transaction per checkpoint, committed when the checkpoint completes); aligned "
        f"checkpoints every {C} ms, state in memory (MiniCluster). Counts per word are in input "
        "order; across words no order is kept, and the output is not deterministic.",
        "",
        "## Summary",
        "",
        "| system | loop | offered rate (words/s) | status | p50 (ms) | p99 (ms) | achieved (words/s) |",
        "|---|---|---:|---|---:|---:|---:|",
    ]
    for s in systems:
        for loop, rate in [("open", r) for r in rates] + [("closed", "")]:
            rs = [r for r in rows if r["system"] == s.key and r["loop"] == loop
                  and (loop == "closed" or r["rate"] == rate)]
            if not rs:
                continue
            statuses = sorted({r["status"] for r in rs})
            status = "/".join(f"{x} ×{sum(r['status'] == x for r in rs)}" if len(rs) > 1 else x
                              for x in statuses)
            lines.append(f"| {s.key} | {loop} | {b.fmt(rate, 0) if rate != '' else 'all at once'} | "
                         f"{status} | {spread([r['p50_ms'] for r in rs], 1)} | "
                         f"{spread([r['p99_ms'] for r in rs], 1)} | "
                         f"{spread([r['achieved_rate'] for r in rs], 0)} |")
    lines += ["", "Highest open-loop rate sustained (OK in every repeat; in most repeats), and "
              "closed-loop throughput:", ""]

    def highest(key, enough):
        ok = [rate for rate in rates
              if (rs := [r for r in rows if r["system"] == key and r["loop"] == "open"
                         and r["rate"] == rate]) and enough(sum(r["status"] == "OK" for r in rs), len(rs))]
        best = max(ok) if ok else None
        return (("≥ " if best == max(rates) else "") + f"{best:,}") if best else "none"

    for s in systems:
        closed = [r["achieved_rate"] for r in rows if r["system"] == s.key and r["loop"] == "closed"
                  and r["status"] == "OK"]
        lines.append(f"- `{s.key}`: sustained {highest(s.key, lambda ok, n: ok == n)} words/s in every "
                     f"repeat, {highest(s.key, lambda ok, n: 2 * ok > n)} in most, of the rates tried; "
                     f"closed loop {spread(closed, 0)} words/s")
    lines += ["", "## Runs", "",
              "| system | loop | rate | repeat | status | p50 | p90 | p99 | max (ms) | achieved (words/s) "
              "| ready (s) | produce (s) | other load (cores) |",
              "|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        detail = "; ".join(x for x in (r["problems"], r["notes"]) if x)
        lines.append(f"| {r['system']} | {r['loop']} | {b.fmt(r['rate'], 0)} | {r['repeat']} | "
                     f"{r['status']}{f' ({detail})' if detail else ''} | {b.fmt(r['p50_ms'], 1)} | "
                     f"{b.fmt(r['p90_ms'], 1)} | {b.fmt(r['p99_ms'], 1)} | {b.fmt(r['max_ms'], 1)} | "
                     f"{b.fmt(r['achieved_rate'], 0)} | {b.fmt(r['ready_s'], 1)} | "
                     f"{b.fmt(r['produce_s'], 1)} | {r['other_load'] or '–'} |")
    lines += ["", "*ready*: seconds from the first probe record until its count was read "
              "(start-up, not measured); *produce*: seconds the producer took to offer the words. "
              "Raw numbers: `kafka.csv`.", ""]
    with open(os.path.join(out, "kafka.md"), "w") as f:
        f.write("\n".join(lines))
    return lines
