package flamestream.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.source.legacy.RichSourceFunction;
import org.apache.flink.streaming.api.watermark.Watermark;

/**
 * Offers the first {@code count} lines of the words file open-loop at {@code rate} lines/s: line i
 * is due at start + i/rate and carries that due time, so time spent waiting behind back-pressure
 * counts as latency. Gives up (ends early, {@link Results#truncated}) once it is more than maxLag
 * behind its schedule. Parallelism 1, like FlameStream's single front.
 *
 * <p>In ordered mode every line gets its index as event time and is followed by a watermark (the
 * FlameStream papers' Flink baseline). The position is checkpointed under the checkpoint lock, so
 * on recovery the source resumes where the last completed checkpoint left it (exactly-once input).
 */
public class RateSource extends RichSourceFunction<Rec> implements CheckpointedFunction {
  private final String wordsPath;
  private final long count;
  private final double rate;
  private final long maxLagNs;
  private final boolean ordered;

  private transient List<String> lines;
  private transient ListState<Long> positionState;
  private long position;
  private volatile boolean running = true;

  public RateSource(String wordsPath, long count, double rate, double maxLagS, boolean ordered) {
    this.wordsPath = wordsPath;
    this.count = count;
    this.rate = rate;
    this.maxLagNs = (long) (maxLagS * 1e9);
    this.ordered = ordered;
  }

  @Override
  public void open(OpenContext context) throws Exception {
    lines = readLines(wordsPath, count);
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
    final double periodNs = 1e9 / rate;
    final long start = Clock.wallNs();
    Results.startNs = start;
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
      if (lag > Results.maxScheduleLagNs) Results.maxScheduleLagNs = lag;
      if (lag > maxLagNs) {
        Results.truncated = true;
        break;
      }
      Rec rec = new Rec(i, due, lines.get((int) i), 0);
      synchronized (lock) {
        if (ordered) {
          ctx.collectWithTimestamp(rec, i);
          ctx.emitWatermark(new Watermark(i));
        } else {
          ctx.collect(rec);
        }
        position = i + 1;
        Results.offered = position;
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
    positionState =
        context.getOperatorStateStore().getListState(new ListStateDescriptor<>("position", Long.class));
    for (Long p : positionState.get()) position = p;
  }
}
