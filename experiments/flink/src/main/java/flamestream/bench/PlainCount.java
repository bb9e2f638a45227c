package flamestream.bench;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;

/** The running count per word, in arrival order (keyed by word). */
public class PlainCount extends RichMapFunction<Rec, Rec> {
  private transient ValueState<Long> count;

  @Override
  public void open(OpenContext context) {
    count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Long.class));
  }

  @Override
  public Rec map(Rec rec) throws Exception {
    Long c = count.value();
    long next = c == null ? 1 : c + 1;
    count.update(next);
    rec.count = next;
    return rec;
  }
}
