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
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;

/**
 * Old values: a table operation forwards a row's previous value only where an operation
 * downstream asks for it (groupBy and the outer sides of left and outer joins insist, filter
 * asks whether they come without a store), and a filter without them forwards a deletion for
 * every update it rejects. A join reads a table without a store through the tables it comes
 * from, giving the sources it reaches a store. The table source `in` is stored (store `source`)
 * or not (builder.table(topic, consumed)); rows to keep start with "keep".
 */
final class OldValueTopologies {
  private OldValueTopologies() {}

  static void register(Map<String, Supplier<Topology>> into) {
    add(into, "table_filter_not", () -> filterNot(true));
    add(into, "table_filter_not_unmaterialized", () -> filterNot(false));
    add(into, "table_filter_materialized_unmaterialized_source", OldValueTopologies::filterStored);
    add(into, "table_filter_group_by", OldValueTopologies::filterGroupBy);
    add(into, "table_filter_join_order", OldValueTopologies::filterJoinOrder);
    add(into, "table_unmaterialized_stream_join", OldValueTopologies::streamJoin);
    add(into, "table_map_values_unmaterialized", OldValueTopologies::mapValues);
    add(into, "table_map_values_filter", () -> mapValuesFilter(true));
    add(into, "table_map_values_filter_unmaterialized", () -> mapValuesFilter(false));
    add(into, "stream_join_filtered_unmaterialized", OldValueTopologies::streamJoinFiltered);
    add(into, "table_join_filtered_unmaterialized", () -> tableJoinFiltered(false));
    add(into, "table_join_filtered_unmaterialized_then_filtered", () -> tableJoinFiltered(true));
    add(into, "table_outer_join_filtered_unmaterialized", OldValueTopologies::outerJoinFiltered);
  }

  private static KTable<String, String> in(StreamsBuilder b, boolean stored) {
    return stored ? b.table("in", strings(), store("source", STRING)) : b.table("in", strings());
  }

  private static boolean keep(String v) {
    return v.startsWith("keep");
  }

  /** Rows whose value does not start with "drop". */
  static Topology filterNot(boolean stored) {
    StreamsBuilder b = new StreamsBuilder();
    in(b, stored).filterNot((k, v) -> v.startsWith("drop")).toStream().to("out", toStrings());
    return b.build();
  }

  /** A filter kept in store `filtered`, over a source without a store. */
  static Topology filterStored() {
    StreamsBuilder b = new StreamsBuilder();
    in(b, false)
        .filter((k, v) -> keep(v), store("filtered", STRING))
        .toStream()
        .to("out", toStrings());
    return b.build();
  }

  /**
   * A filter over a source without a store, to `out` and counted per value to `counts`: the
   * groupBy asks the filter for old values, and the source gets a store (its changes to
   * `source`).
   */
  static Topology filterGroupBy() {
    StreamsBuilder b = new StreamsBuilder();
    KTable<String, String> in = in(b, false);
    in.toStream().to("source", toStrings());
    KTable<String, String> kept = in.filter((k, v) -> keep(v));
    kept.toStream().to("out", toStrings());
    kept.groupBy((k, v) -> KeyValue.pair(v, k), Grouped.with("by-value", STRING, STRING))
        .count(store("counts", LONG))
        .toStream()
        .to("counts", toLongs());
    return b.build();
  }

  /**
   * The same filter twice over a source without a store: `before` made before the source is
   * joined with `right` (which gives it a store), `after` made after.
   */
  static Topology filterJoinOrder() {
    StreamsBuilder b = new StreamsBuilder();
    KTable<String, String> in = in(b, false);
    KTable<String, String> before = in.filter((k, v) -> keep(v));
    KTable<String, String> right = b.table("right", strings(), store("right-store", STRING));
    in.join(right, (l, r) -> l + "+" + r).toStream().to("joined", toStrings());
    KTable<String, String> after = in.filter((k, v) -> keep(v));
    in.toStream().to("source", toStrings());
    before.toStream().to("before", toStrings());
    after.toStream().to("after", toStrings());
    return b.build();
  }

  /** Events joined with a drivers table without a store of its own, then the table filtered. */
  static Topology streamJoin() {
    StreamsBuilder b = new StreamsBuilder();
    KTable<String, String> drivers = b.table("drivers", strings());
    KStream<String, String> events = b.stream("events", strings());
    events.join(drivers, (e, d) -> e + "/" + d).to("joined", toStrings());
    drivers.filter((k, v) -> keep(v)).toStream().to("out", toStrings());
    return b.build();
  }

  /** Rows upper-cased, over a source without a store. */
  static Topology mapValues() {
    StreamsBuilder b = new StreamsBuilder();
    in(b, false).mapValues(v -> v.toUpperCase()).toStream().to("out", toStrings());
    return b.build();
  }

  /** Rows upper-cased, then those starting with "KEEP": the filter asks through mapValues. */
  static Topology mapValuesFilter(boolean stored) {
    StreamsBuilder b = new StreamsBuilder();
    in(b, stored)
        .mapValues(v -> v.toUpperCase())
        .filter((k, v) -> v.startsWith("KEEP"))
        .toStream()
        .to("out", toStrings());
    return b.build();
  }

  /** The drivers to keep: a filter of a table source without a store of its own. */
  private static KTable<String, String> keptDrivers(StreamsBuilder b) {
    return b.table("drivers", strings()).filter((k, v) -> keep(v));
  }

  /** The shifts labelled: mapValues of a table source without a store of its own. */
  private static KTable<String, String> labelledShifts(StreamsBuilder b) {
    return b.table("shifts", strings()).mapValues(v -> "shift " + v);
  }

  /**
   * Events joined (inner and left) with the drivers to keep: the joins read through the filter
   * to the store they give the source; the filter, made while the source had no store, has no
   * old values and deletes every key whose update it rejects.
   */
  static Topology streamJoinFiltered() {
    StreamsBuilder b = new StreamsBuilder();
    KTable<String, String> kept = keptDrivers(b);
    KStream<String, String> events = b.stream("events", strings());
    events.join(kept, (e, d) -> e + "/" + d).to("joined", toStrings());
    events.leftJoin(kept, (e, d) -> e + "/" + (d == null ? "-" : d)).to("left-joined", toStrings());
    kept.toStream().to("kept", toStrings());
    return b.build();
  }

  /**
   * The drivers to keep joined with the labelled shifts, both derived from sources without a
   * store: the join gives both sources a store and reads through the derivations. An inner join
   * asks no old values of its sides, so the filter's deletions of keys it never passed go
   * through the join; with `filtered`, the join's result is filtered (`on-duty`), which asks the
   * join, and so both sides, for old values.
   */
  static Topology tableJoinFiltered(boolean filtered) {
    StreamsBuilder b = new StreamsBuilder();
    KTable<String, String> kept = keptDrivers(b);
    KTable<String, String> rota = kept.join(labelledShifts(b), (d, s) -> d + " on " + s);
    rota.toStream().to("rota", toStrings());
    if (filtered) {
      rota.filter((k, v) -> !v.endsWith("night")).toStream().to("on-duty", toStrings());
    }
    kept.toStream().to("kept", toStrings());
    return b.build();
  }

  /**
   * The drivers to keep outer-joined with the labelled shifts, both derived from sources without
   * a store: an outer join asks both sides for old values, so both sources get a store.
   */
  static Topology outerJoinFiltered() {
    StreamsBuilder b = new StreamsBuilder();
    KTable<String, String> kept = keptDrivers(b);
    kept.outerJoin(labelledShifts(b), (d, s) -> (d == null ? "-" : d) + " on " + (s == null ? "-" : s))
        .toStream()
        .to("rota", toStrings());
    kept.toStream().to("kept", toStrings());
    return b.build();
  }
}
