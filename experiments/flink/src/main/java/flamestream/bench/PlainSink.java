package flamestream.bench;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/** Plain mode's sink: an output is released when the writer gets it. */
public class PlainSink implements Sink<Rec> {
  @Override
  public SinkWriter<Rec> createWriter(WriterInitContext context) {
    final Results.Observer observer = Results.newObserver();
    return new SinkWriter<>() {
      @Override
      public void write(Rec rec, Context ctx) {
        observer.record(rec, Clock.wallNs());
      }

      @Override
      public void flush(boolean endOfInput) {}

      @Override
      public void close() {}
    };
  }
}
