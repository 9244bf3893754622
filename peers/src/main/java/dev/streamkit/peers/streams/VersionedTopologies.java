package dev.streamkit.peers.streams;

import static dev.streamkit.peers.streams.Catalogue.add;
import static dev.streamkit.peers.streams.Catalogue.strings;
import static dev.streamkit.peers.streams.Catalogue.toStrings;

import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.state.Stores;

/** Versioned tables: a table kept in a versioned store, and stream-table joins read as of the
 * stream record's time. */
final class VersionedTopologies {
  private VersionedTopologies() {}

  static void register(Map<String, Supplier<Topology>> into) {
    add(into, "versioned_table_join", VersionedTopologies::versionedJoin);
  }

  private static String orDash(String s) {
    return s == null ? "-" : s;
  }

  /**
   * Rates in a versioned table (history 10 s) whose changes go to `rates-out`; orders joined
   * (inner and left) with the rate valid at the order's time.
   */
  static Topology versionedJoin() {
    StreamsBuilder b = new StreamsBuilder();
    KTable<String, String> rates =
        b.table(
            "rates",
            strings(),
            Materialized.<String, String>as(
                    Stores.persistentVersionedKeyValueStore("rates", Duration.ofSeconds(10)))
                .withKeySerde(Serdes.String())
                .withValueSerde(Serdes.String()));
    rates.toStream().to("rates-out", toStrings());
    KStream<String, String> orders = b.stream("orders", strings());
    orders.join(rates, (o, r) -> o + "@" + r).to("inner", toStrings());
    orders.leftJoin(rates, (o, r) -> orDash(o) + "@" + orDash(r)).to("left", toStrings());
    return b.build();
  }
}
