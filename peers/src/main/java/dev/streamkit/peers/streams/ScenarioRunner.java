package dev.streamkit.peers.streams;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.apache.kafka.streams.test.TestRecord;

/**
 * Runs one scenario through Kafka Streams' TopologyTestDriver and collects what it outputs (the
 * scenarios of {@code "runner": "driver"}, the default; {@link BrokerRunner} runs the others).
 */
final class ScenarioRunner {
  private ScenarioRunner() {}

  /** One record read from an output topic, and the step that caused it. */
  record Output(int step, String topic, Object key, Object value, long timestamp) {}

  /**
   * What a scenario produced: the topology's description (normalized, see {@link
   * TopologyLines}), the output records in order, then each store's entries.
   */
  record Outcome(
      List<String> describe,
      List<Output> records,
      Map<String, List<KeyValue<Object, Object>>> stores) {}

  /** The scenario's topology from the catalogue; an error naming both when it is not there. */
  static Supplier<Topology> topology(Scenario scenario, Map<String, Supplier<Topology>> catalogue) {
    Supplier<Topology> topology = catalogue.get(scenario.topology());
    if (topology == null) {
      throw new IllegalArgumentException(
          "scenario `" + scenario.name() + "`: no topology `" + scenario.topology()
              + "` in the catalogue (" + String.join(", ", catalogue.keySet()) + ")");
    }
    return topology;
  }

  static Outcome run(Scenario scenario, Map<String, Supplier<Topology>> catalogue, Path stateDir) {
    Supplier<Topology> topology = topology(scenario, catalogue);
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "differential-" + scenario.name());
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.putAll(scenario.config());

    Topology built = topology.get();
    List<String> describe = TopologyLines.of(built.describe());
    List<Output> records = new ArrayList<>();
    Map<String, List<KeyValue<Object, Object>>> stores = new LinkedHashMap<>();
    try (TopologyTestDriver driver = new TopologyTestDriver(built, props, Instant.ofEpochMilli(0))) {
      Map<String, TestInputTopic<String, String>> inputs = new HashMap<>();
      Map<String, TestOutputTopic<byte[], byte[]>> outputs = new LinkedHashMap<>();
      for (Scenario.Output o : scenario.outputs()) {
        outputs.put(
            o.topic(),
            driver.createOutputTopic(
                o.topic(), new ByteArrayDeserializer(), new ByteArrayDeserializer()));
      }
      for (int i = 0; i < scenario.steps().size(); i++) {
        Scenario.Step step = scenario.steps().get(i);
        if (step.isAdvance()) {
          driver.advanceWallClockTime(Duration.ofMillis(step.advanceMs()));
        } else {
          inputs
              .computeIfAbsent(
                  step.topic(),
                  t -> driver.createInputTopic(t, new StringSerializer(), new StringSerializer()))
              .pipeInput(step.key(), step.value(), step.timestamp());
        }
        for (Scenario.Output o : scenario.outputs()) {
          if (!driver.producedTopicNames().contains(o.topic())) {
            continue;
          }
          for (TestRecord<byte[], byte[]> r : outputs.get(o.topic()).readRecordsToList()) {
            records.add(
                new Output(
                    i,
                    o.topic(),
                    decode(o.key(), r.key(), o.topic()),
                    decode(o.value(), r.value(), o.topic()),
                    r.timestamp()));
          }
        }
      }
      for (Scenario.Store s : scenario.stores()) {
        stores.put(s.name(), dump(driver, s));
      }
    }
    return new Outcome(describe, records, stores);
  }

  /** Bytes as the scenario says to show them; null stays null. */
  static Object decode(Scenario.Kind kind, byte[] bytes, String topic) {
    if (bytes == null) {
      return null;
    }
    return switch (kind) {
      case STRING -> new String(bytes, StandardCharsets.UTF_8);
      case LONG -> {
        if (bytes.length != 8) {
          throw new IllegalStateException(
              "topic `" + topic + "`: " + bytes.length + " bytes where a long (8) was expected");
        }
        yield ByteBuffer.wrap(bytes).getLong();
      }
      case HEX -> HexFormat.of().formatHex(bytes);
    };
  }

  /**
   * A store's entries in its order: with each value's timestamp (a {@link ValueAndTimestamp})
   * when the store is timestamped, as the DSL's stores are.
   */
  private static List<KeyValue<Object, Object>> dump(
      TopologyTestDriver driver, Scenario.Store store) {
    KeyValueStore<Object, ValueAndTimestamp<Object>> timestamped =
        driver.getTimestampedKeyValueStore(store.name());
    KeyValueStore<Object, Object> kv =
        timestamped != null ? null : driver.getKeyValueStore(store.name());
    if (timestamped == null && kv == null) {
      throw new IllegalArgumentException("no key-value store `" + store.name() + "`");
    }
    List<KeyValue<Object, Object>> entries = new ArrayList<>();
    try (KeyValueIterator<Object, ?> it = timestamped != null ? timestamped.all() : kv.all()) {
      while (it.hasNext()) {
        KeyValue<Object, ?> e = it.next();
        Object value =
            e.value instanceof ValueAndTimestamp<?> vt ? vt.value() : e.value;
        Class<?> expected = store.value() == Scenario.Kind.LONG ? Long.class : String.class;
        if (value != null && !expected.isInstance(value)) {
          throw new IllegalStateException(
              "store `" + store.name() + "` holds " + value.getClass().getSimpleName()
                  + " values, the scenario says " + store.value());
        }
        entries.add(new KeyValue<>(e.key, e.value));
      }
    }
    return entries;
  }
}
