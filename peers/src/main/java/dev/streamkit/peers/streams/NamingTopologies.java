package dev.streamkit.peers.streams;

import static dev.streamkit.peers.streams.Catalogue.LONG;
import static dev.streamkit.peers.streams.Catalogue.STRING;
import static dev.streamkit.peers.streams.Catalogue.add;
import static dev.streamkit.peers.streams.Catalogue.store;
import static dev.streamkit.peers.streams.Catalogue.strings;
import static dev.streamkit.peers.streams.Catalogue.toLongs;
import static dev.streamkit.peers.streams.Catalogue.toStrings;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.GlobalKTable;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Joined;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.KGroupedTable;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;

/**
 * The names of processors, stores and internal topics: operators named with Named, Consumed,
 * Produced, Grouped, Joined, Repartitioned and Branched, next to unnamed ones whose generated
 * names show how the counter moved. The golden's topology description pins every name.
 */
final class NamingTopologies {
  private NamingTopologies() {}

  static void register(Map<String, Supplier<Topology>> into) {
    add(into, "named_stream_operations", NamingTopologies::streamOperations);
    add(into, "named_grouping", NamingTopologies::grouping);
    add(into, "unnamed_grouping", NamingTopologies::unnamedGrouping);
    add(into, "named_stream_table_join", NamingTopologies::streamTableJoin);
    add(into, "named_table_operations", NamingTopologies::tableOperations);
    add(into, "unnamed_split", NamingTopologies::unnamedSplit);
    add(into, "named_global_table", NamingTopologies::globalTable);
    add(into, "unnamed_repartition", NamingTopologies::unnamedRepartition);
    add(into, "unnamed_table_grouping", NamingTopologies::unnamedTableGrouping);
  }

  /** Named and unnamed stateless operators, a named source and a named sink. */
  static Topology streamOperations() {
    StreamsBuilder b = new StreamsBuilder();
    KStream<String, String> in = b.stream("in", Consumed.with(STRING, STRING).withName("read-in"));
    in.filter((k, v) -> !v.startsWith("drop"), Named.as("kept"))
        .mapValues(v -> v.toUpperCase(), Named.as("upper"))
        .peek((k, v) -> {})
        .to("out", Produced.with(STRING, STRING).withName("write-out"));
    KStream<String, String> words =
        in.flatMapValues(v -> List.of(v.split(" ")), Named.as("words"));
    words
        .merge(in.filterNot((k, v) -> v.startsWith("drop")), Named.as("merged"))
        .selectKey((k, v) -> v, Named.as("by-value"))
        .to("all", toStrings());
    return b.build();
  }

  /**
   * groupBy through `by-value`, its key selector named by Grouped; a count into an unnamed store
   * and a reduce, both reading the one repartition topic.
   */
  static Topology grouping() {
    StreamsBuilder b = new StreamsBuilder();
    KGroupedStream<String, String> byValue =
        b.stream("in", strings()).groupBy((k, v) -> v, Grouped.with("by-value", STRING, STRING));
    byValue.count(Materialized.with(STRING, LONG)).toStream().to("counts", toLongs());
    byValue
        .reduce((agg, v) -> agg + "|" + v, store("reduced", STRING))
        .toStream()
        .to("reduced", toStrings());
    return b.build();
  }

  /**
   * A re-keyed stream grouped without a name: each aggregation repartitions through a topic named
   * after its store, a named one and an unnamed one.
   */
  static Topology unnamedGrouping() {
    StreamsBuilder b = new StreamsBuilder();
    KGroupedStream<String, String> grouped =
        b.stream("in", strings()).selectKey((k, v) -> v).groupByKey(Grouped.with(STRING, STRING));
    grouped.count(store("counts", LONG)).toStream().to("counts", toLongs());
    grouped
        .aggregate(() -> "", (k, v, agg) -> agg + v.length(), Materialized.with(STRING, STRING))
        .toStream()
        .to("lengths", toStrings());
    return b.build();
  }

  /** A re-keyed stream joined with a table: through `enrich-repartition`, then unnamed. */
  static Topology streamTableJoin() {
    StreamsBuilder b = new StreamsBuilder();
    KTable<String, String> drivers = b.table("drivers", strings(), store("drivers", STRING));
    KStream<String, String> events =
        b.stream("events", strings()).selectKey((k, v) -> v.substring(0, v.indexOf(':')));
    events
        .join(drivers, (e, d) -> e + "/" + d, Joined.with(STRING, STRING, STRING).withName("enrich"))
        .to("inner", toStrings());
    events
        .leftJoin(
            drivers, (e, d) -> e + "/" + (d == null ? "-" : d), Joined.with(STRING, STRING, STRING))
        .to("left", toStrings());
    return b.build();
  }

  /** A table read under a name, filtered and joined by name, grouped and reduced by name. */
  static Topology tableOperations() {
    StreamsBuilder b = new StreamsBuilder();
    KTable<String, String> accounts =
        b.table(
            "accounts", Consumed.with(STRING, STRING).withName("accounts"), store("accounts", STRING));
    KTable<String, String> limits = b.table("limits", strings(), store("limits", STRING));
    accounts
        .filter((k, v) -> !v.endsWith(":0"), Named.as("open"))
        .join(limits, (a, l) -> a + "<=" + l, Named.as("with-limit"))
        .toStream(Named.as("changes"))
        .to("joined", toStrings());
    accounts
        .groupBy(
            (id, v) -> KeyValue.pair(TableTopologies.region(v), TableTopologies.amount(v)),
            Grouped.with("by-region", STRING, LONG))
        .reduce((agg, v) -> agg + v, (agg, v) -> agg - v, Named.as("total"), store("totals", LONG))
        .toStream()
        .to("totals", toLongs());
    return b.build();
  }

  /** split() without names: branches numbered, one named, and the default branch. */
  static Topology unnamedSplit() {
    StreamsBuilder b = new StreamsBuilder();
    Map<String, KStream<String, String>> branches =
        b.stream("in", strings())
            .split()
            .branch((k, v) -> v.startsWith("a"))
            .branch((k, v) -> v.startsWith("b"), Branched.as("-bees"))
            .defaultBranch();
    for (Map.Entry<String, KStream<String, String>> branch : new TreeMap<>(branches).entrySet()) {
      String name = branch.getKey();
      String topic = name.endsWith("-bees") ? "b" : name.endsWith("0") ? "other" : "a";
      branch.getValue().to(topic, toStrings());
    }
    return b.build();
  }

  /**
   * A global table read under a name, joined by name. (Kafka Streams 4.4 refuses a global table
   * whose Materialized has no name: "Global stores must pass in suppliers with exactly one
   * store".)
   */
  static Topology globalTable() {
    StreamsBuilder b = new StreamsBuilder();
    GlobalKTable<String, String> products =
        b.globalTable(
            "products",
            Consumed.with(STRING, STRING).withName("products-in"),
            store("products-store", STRING));
    b.stream("orders", strings())
        .join(products, (id, order) -> order, (order, p) -> order + "/" + p, Named.as("with-product"))
        .to("out", toStrings());
    return b.build();
  }

  /**
   * A table grouped without a name: a count into an unnamed store and an aggregate named
   * `log`, each repartitioned through a topic named after its store.
   */
  static Topology unnamedTableGrouping() {
    StreamsBuilder b = new StreamsBuilder();
    KGroupedTable<String, String> byRegion =
        b.table("accounts", strings(), store("accounts", STRING))
            .groupBy(
                (id, v) -> KeyValue.pair(TableTopologies.region(v), id),
                Grouped.with(STRING, STRING));
    byRegion.count(Materialized.with(STRING, LONG)).toStream().to("counts", toLongs());
    byRegion
        .aggregate(
            () -> "",
            (region, id, agg) -> agg + "+" + id,
            (region, id, agg) -> agg + "-" + id,
            Named.as("log"),
            Materialized.with(STRING, STRING))
        .toStream()
        .to("log", toStrings());
    return b.build();
  }

  /** repartition() without a name, into three partitions by a partitioner of its own. */
  static Topology unnamedRepartition() {
    StreamsBuilder b = new StreamsBuilder();
    b.stream("in", strings())
        .selectKey((k, v) -> v)
        .repartition(
            Repartitioned.<String, String>with(STRING, STRING)
                .withNumberOfPartitions(3)
                .withStreamPartitioner(
                    (topic, k, v, n) -> Optional.of(Set.of(Math.floorMod(k.hashCode(), n)))))
        .mapValues(v -> "seen:" + v)
        .to("out", toStrings());
    return b.build();
  }
}
