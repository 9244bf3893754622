package dev.streamkit.peers.streams;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The topologies of the differential suite by name. kstream/tests/differential/ holds the same
 * catalogue written with kstream's DSL; a scenario names the topology it runs. Every serde is
 * given explicitly (no default serdes), so both sides read and write the same bytes: strings are
 * UTF-8 and numbers are Kafka's 8-byte big-endian longs.
 */
public final class Catalogue {
  private Catalogue() {}

  static final Serde<String> STRING = Serdes.String();
  static final Serde<Long> LONG = Serdes.Long();

  /** Every topology, by name. */
  public static Map<String, Supplier<Topology>> all() {
    Map<String, Supplier<Topology>> all = new TreeMap<>();
    StatelessTopologies.register(all);
    AggregationTopologies.register(all);
    TableTopologies.register(all);
    OldValueTopologies.register(all);
    JoinTopologies.register(all);
    NullTopologies.register(all);
    VersionedTopologies.register(all);
    NamingTopologies.register(all);
    OperatorTopologies.register(all);
    WindowTopologies.register(all);
    return all;
  }

  static void add(Map<String, Supplier<Topology>> into, String name, Supplier<Topology> topology) {
    if (into.put(name, topology) != null) {
      throw new IllegalStateException("topology `" + name + "` is in the catalogue twice");
    }
  }

  static Consumed<String, String> strings() {
    return Consumed.with(STRING, STRING);
  }

  static Produced<String, String> toStrings() {
    return Produced.with(STRING, STRING);
  }

  static Produced<String, Long> toLongs() {
    return Produced.with(STRING, LONG);
  }

  /** A named key-value store of string keys. */
  static <V> Materialized<String, V, KeyValueStore<Bytes, byte[]>> store(
      String name, Serde<V> values) {
    return Materialized.<String, V, KeyValueStore<Bytes, byte[]>>as(name)
        .withKeySerde(STRING)
        .withValueSerde(values);
  }
}
