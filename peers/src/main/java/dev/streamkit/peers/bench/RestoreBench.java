package dev.streamkit.peers.bench;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The Kafka Streams side of benches/src/bin/restore_bench: a count per key whose RocksDB
 * store "counts" restores, with an empty state directory, the changelog the harness
 * filled ({@code <application id>-counts-changelog}). Prints one line: the records
 * restored, the time from the first store's restore start to the last one's end (as a
 * StateRestoreListener hears them), the time from start() to RUNNING, and the process's CPU
 * time over that span.
 *
 * <p>Arguments: bootstrap servers, application id, input topic, state dir, expected records.
 */
public final class RestoreBench {
  private RestoreBench() {}

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    String app = args[1];
    String input = args[2];
    String stateDir = args[3];
    long expected = Long.parseLong(args[4]);

    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
        .groupByKey(Grouped.with(Serdes.String(), Serdes.String()))
        .count(Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as("counts"));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, app);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
    KafkaStreams streams = new KafkaStreams(builder.build(), props);

    AtomicLong first = new AtomicLong();
    AtomicLong last = new AtomicLong();
    AtomicLong restored = new AtomicLong();
    streams.setGlobalStateRestoreListener(
        new StateRestoreListener() {
          @Override
          public void onRestoreStart(TopicPartition tp, String store, long start, long end) {
            first.compareAndSet(0, System.nanoTime());
          }

          @Override
          public void onBatchRestored(TopicPartition tp, String store, long end, long n) {}

          @Override
          public void onRestoreEnd(TopicPartition tp, String store, long total) {
            last.set(System.nanoTime());
            restored.addAndGet(total);
          }
        });
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long started = System.nanoTime();
    long cpuStarted = os.getProcessCpuTime();
    streams.start();
    while (streams.state() != KafkaStreams.State.RUNNING || restored.get() < expected) {
      if (System.nanoTime() - started > Duration.ofMinutes(10).toNanos()) {
        throw new IllegalStateException("not running after 10 minutes: " + streams.state());
      }
      if (streams.state() == KafkaStreams.State.ERROR) {
        throw new IllegalStateException("the application failed");
      }
      Thread.sleep(5);
    }
    long toRunning = System.nanoTime() - started;
    long cpu = os.getProcessCpuTime() - cpuStarted;
    streams.close(Duration.ofSeconds(60));
    System.out.printf(
        "restored=%d restore_ns=%d running_ns=%d cpu_ns=%d%n",
        restored.get(), last.get() - first.get(), toRunning, cpu);
  }
}
