package flamestream.bench;

import java.util.HashMap;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the job's sinks observed, shared in-process: the MiniCluster runs every task in this JVM.
 * Each sink writer (plain mode) or committer (exactly-once mode) records into its own
 * {@link Observer}; main merges them after the job ends. {@code latency[i]} is the release time of
 * input i's count minus its due time, -1 until released. The parallel source's instances share
 * their input, their clock and their stop decision here too ({@link RateSource}).
 */
final class Results {
  static volatile long startNs;
  static volatile boolean truncated;
  static final AtomicLong maxScheduleLagNs = new AtomicLong();
  /** Per source instance k: the next index it offers (k, k+P, ...). */
  static AtomicLongArray next = new AtomicLongArray(0);
  /** Per source instance: the last index it claimed (about to offer or offered), -1 before any. */
  static AtomicLongArray claimed = new AtomicLongArray(0);
  /** Set once by the first instance that falls too far behind; then {@link #cutoff} follows. */
  static volatile boolean stopping;
  /** Once stopping: every index below it is offered, none at or above it; -1 until decided. */
  static volatile long cutoff = -1;
  private static final Object startLock = new Object();
  private static int started;
  private static List<String> lines;
  static long[] latency = new long[0];
  static final LongAdder released = new LongAdder();
  static final LongAdder commits = new LongAdder();
  static final ConcurrentLinkedQueue<Observer> observers = new ConcurrentLinkedQueue<>();
  /** Staged (prepared, not yet committed) transactions of the exactly-once sink, by id. */
  static final ConcurrentHashMap<String, java.util.List<Rec>> staged = new ConcurrentHashMap<>();

  private Results() {}

  static void reset(List<String> input, int sources) {
    lines = input;
    latency = new long[input.size()];
    java.util.Arrays.fill(latency, -1);
    next = new AtomicLongArray(sources);
    claimed = new AtomicLongArray(sources);
    for (int k = 0; k < sources; ++k) {
      next.set(k, k);
      claimed.set(k, -1);
    }
  }

  /** The input, read by main once for every source instance (or here, if main did not). */
  static synchronized List<String> lines(String path, long count) throws Exception {
    if (lines == null) lines = RateSource.readLines(path, count);
    return lines;
  }

  /** How many inputs the source instances offered: each offered k, k+P, ... below its next. */
  static long offered() {
    final int p = next.length();
    long total = 0;
    for (int k = 0; k < p; ++k) total += (next.get(k) - k + p - 1) / p;
    return total;
  }

  /**
   * The source's clock, started once all {@code sources} instances are running (or after 60 s
   * without them, rather than never); an instance restarted by a recovery gets the same start.
   */
  static long awaitStart(int sources) throws InterruptedException {
    synchronized (startLock) {
      if (startNs != 0) return startNs;
      ++started;
      final long deadline = System.nanoTime() + 60_000_000_000L;
      while (started < sources && startNs == 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) break;
        startLock.wait(Math.max(1, left / 1_000_000));
      }
      if (startNs == 0) {
        startNs = Clock.wallNs();
        startLock.notifyAll();
      }
      return startNs;
    }
  }

  static void noteLag(long lag) {
    if (lag > maxScheduleLagNs.get()) maxScheduleLagNs.accumulateAndGet(lag, Math::max);
  }

  /**
   * The sources give up: after the stop flag, reads every instance's claim, so the cutoff is above
   * every index an instance offered without seeing the flag.
   */
  static void stop() {
    synchronized (startLock) {
      if (stopping) return;
      stopping = true;
      long c = 0;
      for (int k = 0; k < claimed.length(); ++k) c = Math.max(c, claimed.get(k) + 1);
      cutoff = c;
    }
  }

  static long awaitCutoff() {
    long c;
    while ((c = cutoff) < 0) Thread.onSpinWait();
    return c;
  }

  static Observer newObserver() {
    Observer o = new Observer();
    observers.add(o);
    return o;
  }

  /** The outputs one sink subtask released, checked as they come. */
  static final class Observer {
    final HashMap<String, long[]> words = new HashMap<>(); // word -> {last count, outputs}
    long sequenceViolations; // a word's count that is not its previous count + 1
    long orderViolations; // an input index below one this subtask released before
    long duplicates;
    long badOutputs;
    long lastReleaseNs;
    private long lastIndex = -1;

    void record(Rec r, long now) {
      released.increment();
      lastReleaseNs = Math.max(lastReleaseNs, now);
      long[] w = words.computeIfAbsent(r.word, k -> new long[2]);
      if (r.count != w[0] + 1) ++sequenceViolations;
      w[0] = r.count;
      ++w[1];
      if (r.index < 0 || r.index >= latency.length || r.count < 1) {
        ++badOutputs;
        return;
      }
      int i = (int) r.index;
      if (latency[i] >= 0) {
        ++duplicates;
        return;
      }
      if (i < lastIndex) ++orderViolations;
      lastIndex = Math.max(lastIndex, i);
      latency[i] = now - r.due;
    }
  }
}
