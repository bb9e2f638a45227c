package flamestream.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.source.legacy.RichParallelSourceFunction;
import org.apache.flink.streaming.api.watermark.Watermark;

/**
 * Offers the first {@code count} lines of the words file open-loop at {@code rate} lines/s in
 * total: line i is due at start + i/rate and carries that due time, so time spent waiting behind
 * back-pressure counts as latency. It runs at the job's parallelism P (FlameStream has a front on
 * every worker): instance k offers lines k, k+P, k+2P, ..., each at its own due time, on one clock
 * started once all P instances are running ({@link Results#awaitStart}).
 *
 * <p>An instance that falls more than maxLag behind its schedule gives up for all of them
 * ({@link Results#stop}): the instances agree on a cutoff, offer every line below it and none at or
 * above it, so what was offered is still a prefix of the input ({@link Results#truncated}).
 *
 * <p>In ordered mode every line gets its index as event time and is followed by a watermark of that
 * index (the FlameStream papers' Flink baseline): an instance's next line is P further on, so the
 * minimum over the instances, which is what the ordered count sees, is a correct watermark. Each
 * instance's position is checkpointed under the checkpoint lock, so on recovery every instance
 * resumes where the last completed checkpoint left it (exactly-once input).
 */
public class RateSource extends RichParallelSourceFunction<Rec> implements CheckpointedFunction {
  private final String wordsPath;
  private final long count;
  private final double rate;
  private final long maxLagNs;
  private final boolean ordered;

  private transient ListState<Long> positionState;
  private int subtask;
  private int parallelism;
  private long position = -1; // the next index this instance offers; -1 until initialised
  private volatile boolean running = true;

  public RateSource(String wordsPath, long count, double rate, double maxLagS, boolean ordered) {
    this.wordsPath = wordsPath;
    this.count = count;
    this.rate = rate;
    this.maxLagNs = (long) (maxLagS * 1e9);
    this.ordered = ordered;
  }

  static List<String> readLines(String path, long count) throws Exception {
    List<String> out = new ArrayList<>();
    HashMap<String, String> intern = new HashMap<>();
    try (var reader = Files.newBufferedReader(Path.of(path), StandardCharsets.UTF_8)) {
      String line;
      while ((count <= 0 || out.size() < count) && (line = reader.readLine()) != null) {
        out.add(intern.computeIfAbsent(line, s -> s));
      }
    }
    return out;
  }

  @Override
  public void run(SourceContext<Rec> ctx) throws Exception {
    // main read the lines once for every instance (the MiniCluster runs them all in its JVM).
    final List<String> lines = Results.lines(wordsPath, count);
    final double periodNs = 1e9 / rate;
    final long start = Results.awaitStart(parallelism);
    final Object lock = ctx.getCheckpointLock();
    final int n = lines.size();
    while (running && position < n) {
      final long i = position;
      final long due = start + Math.round(i * periodNs);
      long now = Clock.wallNs();
      // Sleep, never spin, until it is due (as fs_bench does: a spinning source would take one of
      // the machine's cores from the job); a sleep overshoots by tens of µs, and that lateness counts.
      while (now < due) {
        LockSupport.parkNanos(due - now);
        now = Clock.wallNs();
      }
      final long lag = now - due;
      Results.noteLag(lag);
      if (lag > maxLagNs && !Results.stopping) {
        Results.truncated = true;
        Results.stop();
      }
      // Claim the index before looking at the stop flag: whoever stops reads the claims after
      // setting it, so either this index is below the cutoff or this instance sees the flag.
      Results.claimed.set(subtask, i);
      if (Results.stopping && i >= Results.awaitCutoff()) break;
      Rec rec = new Rec(i, due, lines.get((int) i), 0);
      synchronized (lock) {
        if (ordered) {
          ctx.collectWithTimestamp(rec, i);
          ctx.emitWatermark(new Watermark(i));
        } else {
          ctx.collect(rec);
        }
        position = i + parallelism;
        Results.next.set(subtask, position);
      }
    }
  }

  @Override
  public void cancel() {
    running = false;
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    positionState.update(List.of(position));
  }

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
    parallelism = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
    // Union state: every instance gets every position back and keeps its own (index mod P).
    positionState = context.getOperatorStateStore()
        .getUnionListState(new ListStateDescriptor<>("position", Long.class));
    position = subtask;
    for (Long p : positionState.get()) {
      if (p % parallelism == subtask) position = p;
    }
    Results.next.set(subtask, position);
  }
}
