package flamestream.bench;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The running count per word in event-time order: an item is buffered until the watermark passes
 * its timestamp (an event-time timer), and only then counted and emitted. This is how the
 * FlameStream papers' Flink baseline enforced order before the stateful step.
 */
public class OrderedCount extends KeyedProcessFunction<String, Rec, Rec> {
  private transient ValueState<Long> count;
  private transient MapState<Long, Long> pending; // event time (= input index) -> due time

  @Override
  public void open(OpenContext context) {
    count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Long.class));
    pending = getRuntimeContext().getMapState(new MapStateDescriptor<>("pending", Long.class, Long.class));
  }

  @Override
  public void processElement(Rec rec, Context ctx, Collector<Rec> out) throws Exception {
    pending.put(rec.index, rec.due);
    ctx.timerService().registerEventTimeTimer(rec.index);
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<Rec> out) throws Exception {
    Long due = pending.get(timestamp);
    if (due == null) return;
    pending.remove(timestamp);
    Long c = count.value();
    long next = c == null ? 1 : c + 1;
    count.update(next);
    out.collect(new Rec(timestamp, due, ctx.getCurrentKey(), next));
  }
}
