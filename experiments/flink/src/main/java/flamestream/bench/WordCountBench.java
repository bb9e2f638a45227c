package flamestream.bench;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The Flink baseline of the word-count benchmark (experiments/wordcount/bench runs it):
 *
 * <pre>
 *   source (open-loop, rate R in total) -> tokenize -> keyBy(word) -> count -> sink
 * </pre>
 *
 * on a local MiniCluster, every operator at parallelism = --workers (FlameStream runs a front and a
 * sink on every worker): source instance k offers inputs k, k+P, ... (see {@link RateSource}).
 * Modes:
 *
 * <ul>
 *   <li>{@code plain}: no ordering, no checkpoints; an output is released when the sink gets it.
 *   <li>{@code exactly-once}: a watermark after every item and an event-time buffer before the
 *       count (outputs in input order per word), checkpoints every --checkpoint-ms, and a
 *       two-phase-commit sink: an output is released when the checkpoint that covers it completes.
 * </ul>
 *
 * Prints one JSON object on stdout (the same fields as fs_bench) and writes the per-word output
 * table (word, last count, outputs) to --counts-out. Progress goes to stderr once a second.
 */
public final class WordCountBench {
  private WordCountBench() {}

  public static void main(String[] argv) throws Exception {
    Map<String, String> a = Args.parse(argv, WordCountBench::usage);
    final String mode = a.getOrDefault("mode", "plain");
    if (!mode.equals("plain") && !mode.equals("exactly-once")) usage("unknown mode " + mode);
    final boolean ordered = mode.equals("exactly-once");
    final String words = a.get("words");
    if (words == null) usage("--words is required");
    final long count = Long.parseLong(a.getOrDefault("count", "0"));
    final double rate = Double.parseDouble(a.getOrDefault("rate", "1000"));
    final int workers = Integer.parseInt(a.getOrDefault("workers", "2"));
    final long bufferTimeoutMs = Long.parseLong(a.getOrDefault("buffer-timeout-ms", "0"));
    final long checkpointMs = Long.parseLong(a.getOrDefault("checkpoint-ms", "100"));
    final double warmupS = Double.parseDouble(a.getOrDefault("warmup-s", "1"));
    final double maxLagS = Double.parseDouble(a.getOrDefault("max-lag-s", "3"));
    final String countsOut = a.get("counts-out");

    final List<String> input = RateSource.readLines(words, count);
    final int n = input.size();
    Results.reset(input, workers);

    Configuration conf = new Configuration();
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(workers);
    env.setBufferTimeout(bufferTimeoutMs);
    if (ordered) env.enableCheckpointing(checkpointMs, CheckpointingMode.EXACTLY_ONCE);

    DataStream<Rec> lines =
        env.addSource(new RateSource(words, count, rate, maxLagS, ordered), "rate-source",
                TypeInformation.of(Rec.class));
    DataStream<Rec> tokens = lines.flatMap(new Tokenize()).returns(Rec.class).name("tokenize");
    KeyedStream<Rec, String> byWord = tokens.keyBy((KeySelector<Rec, String>) r -> r.word);
    if (ordered) {
      byWord.process(new OrderedCount()).returns(Rec.class).name("ordered-count")
          .sinkTo(new TransactionalSink()).name("2pc-sink");
    } else {
      byWord.map(new PlainCount()).returns(Rec.class).name("count")
          .sinkTo(new PlainSink()).name("sink");
    }

    Thread progress = new Thread(() -> {
      try {
        while (true) {
          Thread.sleep(1000);
          long off = Results.offered();
          long behind = 0;
          if (off > 0 && off < n) {
            behind = (Clock.wallNs() - (Results.startNs + Math.round(off * 1e9 / rate))) / 1_000_000;
          }
          System.err.printf(Locale.ROOT, "    flink %s: offered %d/%d, released %d, schedule lag %d ms%n",
              mode, off, n, Results.released.sum(), Math.max(0, behind));
        }
      } catch (InterruptedException e) {
        // done
      }
    });
    progress.setDaemon(true);
    progress.start();
    String error = "";
    long t0 = System.nanoTime();
    try {
      env.execute("wordcount-" + mode);
    } catch (Exception e) {
      Throwable root = e;
      while (root.getCause() != null) root = root.getCause();
      error = root.toString();
    }
    progress.interrupt();
    report(mode, rate, workers, bufferTimeoutMs, ordered ? checkpointMs : 0, n, warmupS, countsOut,
        error, (System.nanoTime() - t0) / 1e9);
    System.exit(error.isEmpty() ? 0 : 1);
  }

  private static void report(String mode, double rate, int workers, long bufferTimeoutMs,
      long checkpointMs, int n, double warmupS, String countsOut, String error, double jobS)
      throws Exception {
    long offered = Results.offered();
    long warm = Math.min(offered, (long) (warmupS * rate));
    long lateFrom = offered - offered / 5;
    long missing = 0, bad = 0, dups = 0, seq = 0, order = 0, lastRelease = 0;
    long released = Results.released.sum();
    long[] lat = new long[(int) offered];
    long[] late = new long[(int) (offered - lateFrom)];
    int nl = 0, nlate = 0;
    for (int i = 0; i < offered; ++i) {
      long l = Results.latency[i];
      if (l < 0) {
        ++missing;
        continue;
      }
      if (i >= warm) lat[nl++] = l;
      if (i >= lateFrom) late[nlate++] = l;
    }
    for (long i = offered; i < n; ++i) if (Results.latency[(int) i] >= 0) ++bad;
    HashMap<String, long[]> table = new HashMap<>();
    for (Results.Observer o : Results.observers) {
      bad += o.badOutputs;
      dups += o.duplicates;
      seq += o.sequenceViolations;
      order += o.orderViolations;
      lastRelease = Math.max(lastRelease, o.lastReleaseNs);
      for (Map.Entry<String, long[]> e : o.words.entrySet()) {
        long[] t = table.computeIfAbsent(e.getKey(), k -> new long[2]);
        if (t[1] > 0) ++seq; // one word released by two subtasks: its counts are split
        t[0] = Math.max(t[0], e.getValue()[0]);
        t[1] += e.getValue()[1];
      }
    }
    if (countsOut != null) {
      try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(Path.of(countsOut), StandardCharsets.UTF_8))) {
        for (Map.Entry<String, long[]> e : table.entrySet()) {
          w.print(e.getKey() + "\t" + e.getValue()[0] + "\t" + e.getValue()[1] + "\n");
        }
      }
    }
    double spanS = offered > 0 && lastRelease > 0 ? (lastRelease - Results.startNs) / 1e9 : 0;
    double drainMs = offered > 0 && lastRelease > 0
        ? (lastRelease - (Results.startNs + Math.round((offered - 1) * 1e9 / rate))) / 1e6 : 0;
    StringBuilder j = new StringBuilder();
    j.append(String.format(Locale.ROOT,
        "{\"system\": \"flink\", \"mode\": \"%s\", \"rate\": %.1f, \"workers\": %d,%n", mode, rate, workers));
    j.append(String.format(Locale.ROOT,
        " \"buffer_timeout_ms\": %d, \"checkpoint_ms\": %d, \"job_s\": %.3f,%n", bufferTimeoutMs, checkpointMs, jobS));
    j.append(String.format(Locale.ROOT,
        " \"requested\": %d, \"offered\": %d, \"released\": %d, \"truncated\": %s,%n", n, offered, released,
        Results.truncated));
    j.append(String.format(Locale.ROOT,
        " \"max_schedule_lag_ms\": %.3f, \"span_s\": %.3f, \"drain_ms\": %.3f,%n",
        Results.maxScheduleLagNs.get() / 1e6, spanS, drainMs));
    j.append(String.format(Locale.ROOT, " \"achieved_rate\": %.1f, \"warmup_inputs\": %d,%n",
        spanS > 0 ? offered / spanS : 0.0, warm));
    j.append(" \"latency_ms\": ").append(percentiles(lat, nl)).append(",\n");
    j.append(" \"late_latency_ms\": ").append(percentiles(late, nlate)).append(",\n");
    j.append(String.format(Locale.ROOT,
        " \"bad_outputs\": %d, \"duplicates\": %d, \"missing\": %d,%n", bad, dups, missing));
    j.append(String.format(Locale.ROOT,
        " \"sequence_violations\": %d, \"order_violations\": %d, \"commits\": %d,%n", seq, order,
        Results.commits.sum()));
    j.append(" \"error\": \"").append(error.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " "))
        .append("\"}");
    System.out.println(j);
    System.out.flush();
  }

  private static String percentiles(long[] v, int n) {
    long[] s = Arrays.copyOf(v, n);
    Arrays.sort(s);
    if (n == 0) return "null"; // no samples (a run cut short before its warm-up ended), as fs_bench
    return String.format(Locale.ROOT,
        "{\"n\": %d, \"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f, \"p999\": %.3f, \"max\": %.3f}", n,
        at(s, 0.5), at(s, 0.9), at(s, 0.99), at(s, 0.999), s[n - 1] / 1e6);
  }

  private static double at(long[] s, double q) {
    int k = (int) Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
    return s[k] / 1e6;
  }

  private static void usage(String why) {
    System.err.println("flink-wordcount-bench: " + why);
    System.err.println("usage: java -cp ... flamestream.bench.WordCountBench --words FILE --count N"
        + " --rate R [--mode plain|exactly-once] [--workers N] [--buffer-timeout-ms MS]"
        + " [--checkpoint-ms MS] [--warmup-s S] [--max-lag-s S] [--counts-out FILE]");
    System.exit(2);
  }
}
