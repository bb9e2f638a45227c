package flamestream.bench;

import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The Flink side of the word-count benchmark through Kafka (experiments/wordcount/bench --kafka):
 *
 * <pre>
 *   KafkaSource(--in) -> tokenize -> keyBy(word) -> count -> "word\tcount" -> KafkaSink(--out)
 * </pre>
 *
 * with Flink's own Kafka connector, exactly-once: checkpoints every --checkpoint-ms (aligned,
 * EXACTLY_ONCE), the source's offsets in the checkpoint, and the sink's records in a Kafka
 * transaction per checkpoint that commits when the checkpoint completes, so a read_committed
 * consumer sees each count once. Every operator runs at parallelism --workers on a local
 * MiniCluster. The job never ends by itself: the harness measures from outside (kafka_load reads
 * the output topic) and stops the JVM when it has seen every count. Nothing is printed on stdout
 * but "running" once the job was submitted.
 */
public final class KafkaWordCount {
  private KafkaWordCount() {}

  public static void main(String[] argv) throws Exception {
    Map<String, String> a = Args.parse(argv, KafkaWordCount::usage);
    final String brokers = required(a, "brokers");
    final String in = required(a, "in");
    final String out = required(a, "out");
    final int workers = Integer.parseInt(a.getOrDefault("workers", "2"));
    final long bufferTimeoutMs = Long.parseLong(a.getOrDefault("buffer-timeout-ms", "0"));
    final long checkpointMs = Long.parseLong(a.getOrDefault("checkpoint-ms", "100"));
    final String prefix = a.getOrDefault("transactional-id-prefix", "flink-wordcount-" + out);

    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(new Configuration());
    env.setParallelism(workers);
    env.setBufferTimeout(bufferTimeoutMs);
    env.enableCheckpointing(checkpointMs, CheckpointingMode.EXACTLY_ONCE);

    KafkaSource<String> source = KafkaSource.<String>builder()
        .setBootstrapServers(brokers)
        .setTopics(in)
        .setGroupId("flink-wordcount-" + in)
        .setStartingOffsets(OffsetsInitializer.earliest())
        .setValueOnlyDeserializer(new SimpleStringSchema())
        .setProperty("isolation.level", "read_committed")
        .build();
    KafkaSink<String> sink = KafkaSink.<String>builder()
        .setBootstrapServers(brokers)
        .setRecordSerializer(KafkaRecordSerializationSchema.builder()
            .setTopic(out)
            .setValueSerializationSchema(new SimpleStringSchema())
            .build())
        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
        .setTransactionalIdPrefix(prefix)
        // The connector's default (1 h) is above the broker's transaction.max.timeout.ms (15 min).
        .setProperty("transaction.timeout.ms", "60000")
        .build();

    DataStream<Rec> lines = env.fromSource(source, WatermarkStrategy.noWatermarks(), "kafka-in")
        .map(v -> new Rec(0, 0, v, 0)).returns(Rec.class).name("to-rec");
    lines.flatMap(new Tokenize()).returns(Rec.class).name("tokenize")
        .keyBy((KeySelector<Rec, String>) r -> r.word)
        .map(new PlainCount()).returns(Rec.class).name("count")
        .map(r -> r.word + "\t" + r.count).returns(String.class).name("format")
        .sinkTo(sink).name("kafka-out");

    env.executeAsync("wordcount-kafka");
    System.out.println("running");
    System.out.flush();
    Thread.currentThread().join();  // until the harness stops the JVM
  }

  private static String required(Map<String, String> a, String key) {
    String v = a.get(key);
    if (v == null) usage("--" + key + " is required");
    return v;
  }

  private static void usage(String why) {
    System.err.println("KafkaWordCount: " + why + "\nusage: KafkaWordCount --brokers B --in TOPIC --out TOPIC"
        + " [--workers N] [--checkpoint-ms MS] [--buffer-timeout-ms MS] [--transactional-id-prefix P]");
    System.exit(2);
  }
}
