package flamestream.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * Exactly-once mode's sink: two-phase commit through Sink V2 (FLIP-372). The writer appends each
 * output to an open transaction; at a checkpoint it prepares that transaction (stages it, like a
 * pre-committed file or Kafka transaction, in {@link Results#staged}) and hands its id to Flink as
 * the committable. The committer commits it once the checkpoint has completed: only then is the
 * output visible, so that is when it is released and its latency taken. A committable seen again
 * after a recovery is recognised as already committed.
 */
public class TransactionalSink implements Sink<Rec>, SupportsCommitter<String> {
  @Override
  public SinkWriter<Rec> createWriter(WriterInitContext context) {
    final int subtask = context.getTaskInfo().getIndexOfThisSubtask();
    return new CommittingSinkWriter<Rec, String>() {
      private List<Rec> open = new ArrayList<>();
      private long sequence;

      @Override
      public void write(Rec rec, Context ctx) {
        open.add(rec);
      }

      @Override
      public void flush(boolean endOfInput) {}

      @Override
      public Collection<String> prepareCommit() {
        if (open.isEmpty()) return List.of();
        String id = subtask + "-" + sequence++;
        Results.staged.put(id, open);
        open = new ArrayList<>();
        return List.of(id);
      }

      @Override
      public void close() {}
    };
  }

  @Override
  public Committer<String> createCommitter(CommitterInitContext context) {
    final Results.Observer observer = Results.newObserver();
    return new Committer<>() {
      @Override
      public void commit(Collection<CommitRequest<String>> requests) {
        final long now = Clock.wallNs();
        for (CommitRequest<String> request : requests) {
          List<Rec> txn = Results.staged.remove(request.getCommittable());
          if (txn == null) {
            request.signalAlreadyCommitted();
            continue;
          }
          Results.commits.increment();
          for (Rec rec : txn) observer.record(rec, now);
        }
      }

      @Override
      public void close() {}
    };
  }

  @Override
  public SimpleVersionedSerializer<String> getCommittableSerializer() {
    return new SimpleVersionedSerializer<>() {
      @Override
      public int getVersion() {
        return 1;
      }

      @Override
      public byte[] serialize(String id) {
        return id.getBytes(StandardCharsets.UTF_8);
      }

      @Override
      public String deserialize(int version, byte[] bytes) throws IOException {
        if (version != 1) throw new IOException("unknown committable version " + version);
        return new String(bytes, StandardCharsets.UTF_8);
      }
    };
  }
}
