package dev.streamkit.peers.streams;

import static dev.streamkit.peers.streams.Catalogue.LONG;
import static dev.streamkit.peers.streams.Catalogue.STRING;
import static dev.streamkit.peers.streams.Catalogue.add;
import static dev.streamkit.peers.streams.Catalogue.store;
import static dev.streamkit.peers.streams.Catalogue.strings;
import static dev.streamkit.peers.streams.Catalogue.toLongs;
import static dev.streamkit.peers.streams.Catalogue.toStrings;

import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.GlobalKTable;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Joined;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;

/**
 * Null keys and values where Kafka Streams skips them: a global join whose key mapper gives
 * null, a re-keyed stream left-joined with a table (the repartition passes null keys on to the
 * left join and drops them before the inner one), and a table re-grouped to a null key or value.
 */
final class NullTopologies {
  private NullTopologies() {}

  static void register(Map<String, Supplier<Topology>> into) {
    add(into, "stream_global_join_no_key", NullTopologies::globalJoinNoKey);
    add(into, "stream_rekey_table_join", NullTopologies::rekeyTableJoin);
    add(into, "table_group_by_nulls", NullTopologies::tableGroupByNulls);
  }

  /** The part of "part:rest" before the colon, or null for a value without one (or null). */
  static String prefix(String value) {
    if (value == null) {
      return null;
    }
    int colon = value.indexOf(':');
    return colon < 0 ? null : value.substring(0, colon);
  }

  private static String orDash(String s) {
    return s == null ? "-" : s;
  }

  /** Orders "product:qty" joined with the products; an order without a colon names none. */
  static Topology globalJoinNoKey() {
    StreamsBuilder b = new StreamsBuilder();
    GlobalKTable<String, String> products =
        b.globalTable("products", strings(), store("products", STRING));
    KStream<String, String> orders = b.stream("orders", strings());
    orders
        .join(products, (id, order) -> prefix(order), (order, p) -> order + "/" + p)
        .to("inner", toStrings());
    orders
        .leftJoin(products, (id, order) -> prefix(order), (order, p) -> order + "/" + orDash(p))
        .to("left", toStrings());
    return b.build();
  }

  /** Events "driver:what" re-keyed by driver, then joined with the drivers table. */
  static Topology rekeyTableJoin() {
    StreamsBuilder b = new StreamsBuilder();
    KTable<String, String> drivers = b.table("drivers", strings(), store("drivers", STRING));
    KStream<String, String> byDriver =
        b.stream("events", strings()).selectKey((k, v) -> prefix(v));
    byDriver
        .join(drivers, (e, d) -> e + "/" + d, Joined.with(STRING, STRING, STRING).withName("inner"))
        .to("inner", toStrings());
    byDriver
        .leftJoin(
            drivers,
            (e, d) -> e + "/" + orDash(d),
            Joined.with(STRING, STRING, STRING).withName("left"))
        .to("left", toStrings());
    return b.build();
  }

  /**
   * Accounts "region:amount" counted per region: an account without a region belongs to none,
   * and a frozen one (its value ends with "!") is counted nowhere (its grouped value is null).
   */
  static Topology tableGroupByNulls() {
    StreamsBuilder b = new StreamsBuilder();
    b.table("accounts", strings(), store("accounts", STRING))
        .groupBy(
            (id, v) -> KeyValue.pair(prefix(v), v.endsWith("!") ? null : id),
            Grouped.with("by-region", STRING, STRING))
        .count(store("region-counts", LONG))
        .toStream()
        .to("out", toLongs());
    return b.build();
  }
}
