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
import org.apache.kafka.streams.kstream.KGroupedTable;
import org.apache.kafka.streams.kstream.KTable;

/**
 * Tables: the source, filter, mapValues, and groupBy with adder and subtractor. The accounts
 * table of the groupBy topologies maps an account id to "region:amount".
 */
final class TableTopologies {
  private TableTopologies() {}

  static void register(Map<String, Supplier<Topology>> into) {
    add(into, "table_source", TableTopologies::source);
    add(into, "table_filter", TableTopologies::filter);
    add(into, "table_filter_materialized", TableTopologies::filterMaterialized);
    add(into, "table_filter_unmaterialized", TableTopologies::filterUnmaterialized);
    add(into, "table_map_values", TableTopologies::mapValues);
    add(into, "table_group_by_count", TableTopologies::groupByCount);
    add(into, "table_group_by_reduce", TableTopologies::groupByReduce);
    add(into, "table_group_by_aggregate", TableTopologies::groupByAggregate);
    add(into, "table_group_by_rows", TableTopologies::groupByRows);
  }

  /** The table's changes as a stream. */
  static Topology source() {
    StreamsBuilder b = new StreamsBuilder();
    b.table("in", strings(), store("table", STRING)).toStream().to("out", toStrings());
    return b.build();
  }

  /** Rows whose value starts with "keep". */
  static Topology filter() {
    StreamsBuilder b = new StreamsBuilder();
    b.table("in", strings(), store("source", STRING))
        .filter((k, v) -> v.startsWith("keep"))
        .toStream()
        .to("out", toStrings());
    return b.build();
  }

  /** The same filter, its result kept in store `filtered`. */
  static Topology filterMaterialized() {
    StreamsBuilder b = new StreamsBuilder();
    b.table("in", strings(), store("source", STRING))
        .filter((k, v) -> v.startsWith("keep"), store("filtered", STRING))
        .toStream()
        .to("out", toStrings());
    return b.build();
  }

  /** The same filter over a table source that has no store of its own. */
  static Topology filterUnmaterialized() {
    StreamsBuilder b = new StreamsBuilder();
    b.table("in", strings())
        .filter((k, v) -> v.startsWith("keep"))
        .toStream()
        .to("out", toStrings());
    return b.build();
  }

  /** Rows upper-cased. */
  static Topology mapValues() {
    StreamsBuilder b = new StreamsBuilder();
    b.table("in", strings(), store("source", STRING))
        .mapValues(v -> v.toUpperCase())
        .toStream()
        .to("out", toStrings());
    return b.build();
  }

  static String region(String account) {
    return account.substring(0, account.indexOf(':'));
  }

  static long amount(String account) {
    return Long.parseLong(account.substring(account.indexOf(':') + 1));
  }

  private static KTable<String, String> accounts(StreamsBuilder b) {
    return b.table("accounts", strings(), store("accounts", STRING));
  }

  /** Accounts per region. */
  static Topology groupByCount() {
    StreamsBuilder b = new StreamsBuilder();
    accounts(b)
        .groupBy(
            (id, v) -> KeyValue.pair(region(v), id), Grouped.with("by-region", STRING, STRING))
        .count(store("region-counts", LONG))
        .toStream()
        .to("out", toLongs());
    return b.build();
  }

  /** The sum of the amounts per region: adder and subtractor. */
  static Topology groupByReduce() {
    StreamsBuilder b = new StreamsBuilder();
    KGroupedTable<String, Long> byRegion =
        accounts(b)
            .groupBy(
                (id, v) -> KeyValue.pair(region(v), amount(v)),
                Grouped.with("by-region", STRING, LONG));
    byRegion
        .reduce((agg, v) -> agg + v, (agg, v) -> agg - v, store("region-totals", LONG))
        .toStream()
        .to("out", toLongs());
    return b.build();
  }

  /**
   * A log of every row added ("+id=amount") to and taken out ("-id=amount") of each region's
   * aggregate; region "none" is no group (a null key).
   */
  static Topology groupByRows() {
    StreamsBuilder b = new StreamsBuilder();
    accounts(b)
        .groupBy(
            (id, v) ->
                KeyValue.pair(
                    region(v).equals("none") ? null : region(v), id + "=" + amount(v)),
            Grouped.with("by-region", STRING, STRING))
        .aggregate(
            () -> "",
            (region, row, agg) -> agg + "+" + row,
            (region, row, agg) -> agg + "-" + row,
            store("region-log", STRING))
        .toStream()
        .to("out", toStrings());
    return b.build();
  }

  /** A log of every add ("+id") and subtract ("-id") each region's aggregate went through. */
  static Topology groupByAggregate() {
    StreamsBuilder b = new StreamsBuilder();
    accounts(b)
        .groupBy(
            (id, v) -> KeyValue.pair(region(v), id), Grouped.with("by-region", STRING, STRING))
        .aggregate(
            () -> "",
            (region, id, agg) -> agg + "+" + id,
            (region, id, agg) -> agg + "-" + id,
            store("region-log", STRING))
        .toStream()
        .to("out", toStrings());
    return b.build();
  }
}
