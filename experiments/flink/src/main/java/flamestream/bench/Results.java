package flamestream.bench;

import java.util.HashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the job's sinks observed, shared in-process: the MiniCluster runs every task in this JVM.
 * Each sink writer (plain mode) or committer (exactly-once mode) records into its own
 * {@link Observer}; main merges them after the job ends. {@code latency[i]} is the release time of
 * input i's count minus its due time, -1 until released.
 */
final class Results {
  static volatile long startNs;
  static volatile long offered;
  static volatile boolean truncated;
  static volatile long maxScheduleLagNs;
  static long[] latency = new long[0];
  static final LongAdder released = new LongAdder();
  static final LongAdder commits = new LongAdder();
  static final ConcurrentLinkedQueue<Observer> observers = new ConcurrentLinkedQueue<>();
  /** Staged (prepared, not yet committed) transactions of the exactly-once sink, by id. */
  static final ConcurrentHashMap<String, java.util.List<Rec>> staged = new ConcurrentHashMap<>();

  private Results() {}

  static void reset(int n) {
    latency = new long[n];
    java.util.Arrays.fill(latency, -1);
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
