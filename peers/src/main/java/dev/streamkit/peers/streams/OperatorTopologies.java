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
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The DSL's further operators: toTable, processValues, to(TopicNameExtractor), joins with
 * derived (unmaterialized) tables, and cogroup.
 */
final class OperatorTopologies {
  private OperatorTopologies() {}

  static void register(Map<String, Supplier<Topology>> into) {
    add(into, "stream_to_table", OperatorTopologies::toTable);
    add(into, "stream_process_values", OperatorTopologies::processValues);
    add(into, "stream_to_dynamic", OperatorTopologies::toDynamic);
    add(into, "table_join_derived", OperatorTopologies::joinDerived);
    add(into, "stream_cogroup", OperatorTopologies::cogroup);
    add(into, "stream_cogroup_named", OperatorTopologies::cogroupNamed);
  }

  /**
   * The latest value per key as a table (joined by a stream of lookups), and the stream re-keyed
   * by value as a table, through a repartition topic named after the operator.
   */
  static Topology toTable() {
    StreamsBuilder b = new StreamsBuilder();
    KStream<String, String> in = b.stream("in", strings());
    KTable<String, String> latest = in.toTable(Named.as("latest"), store("latest", STRING));
    latest.toStream().to("latest-out", toStrings());
    in.selectKey((k, v) -> v)
        .toTable(store("by-value", STRING))
        .toStream()
        .to("by-value-out", toStrings());
    b.stream("lookups", strings())
        .join(latest, (l, t) -> l + "=" + t)
        .to("lookups-out", toStrings());
    return b.build();
  }

  /** Numbers each key's values ("n:value") with a store, then counts per (unchanged) key. */
  static final class Numbered implements FixedKeyProcessor<String, String, String> {
    private FixedKeyProcessorContext<String, String> context;
    private KeyValueStore<String, Long> seen;

    @Override
    public void init(FixedKeyProcessorContext<String, String> context) {
      this.context = context;
      this.seen = context.getStateStore("seen");
    }

    @Override
    public void process(FixedKeyRecord<String, String> record) {
      Long before = seen.get(record.key());
      long n = (before == null ? 0 : before) + 1;
      seen.put(record.key(), n);
      context.forward(record.withValue(n + ":" + record.value()));
    }
  }

  /** Tags each value with its record's timestamp. */
  static final class Stamped implements FixedKeyProcessor<String, String, String> {
    private FixedKeyProcessorContext<String, String> context;

    @Override
    public void init(FixedKeyProcessorContext<String, String> context) {
      this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<String, String> record) {
      context.forward(record.withValue(record.value() + "@" + record.timestamp()));
    }
  }

  /**
   * processValues keeps the key: the count after it reads the same partitions, with no
   * repartition topic.
   */
  static Topology processValues() {
    StreamsBuilder b = new StreamsBuilder();
    b.addStateStore(
        Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("seen"), STRING, LONG));
    KStream<String, String> numbered =
        b.stream("in", strings())
            .processValues(Numbered::new, "seen")
            .processValues(Stamped::new, Named.as("stamp"));
    numbered.to("numbered", toStrings());
    numbered
        .groupByKey(Grouped.with(STRING, STRING))
        .count(store("counts", LONG))
        .toStream()
        .to("counts", toLongs());
    return b.build();
  }

  /**
   * Each record to the topic its value names ("a:..." to topic-a), or else to a topic named after
   * the record's context: its topic, partition, and whether its offset is even.
   */
  static Topology toDynamic() {
    StreamsBuilder b = new StreamsBuilder();
    b.stream("in", strings())
        .mapValues(v -> v.toUpperCase())
        .to(
            (k, v, context) -> {
              int colon = v.indexOf(':');
              if (colon > 0) {
                return "topic-" + v.substring(0, colon).toLowerCase();
              }
              return context.topic() + "-" + context.partition() + "-"
                  + (context.offset() % 2 == 0 ? "even" : "odd");
            },
            Produced.with(STRING, STRING).withName("route"));
    return b.build();
  }

  /**
   * Joins reading through derived tables, none materialized: a stream joined with a filtered
   * table, two derived tables joined, and a stream left-joined with that join's result.
   */
  static Topology joinDerived() {
    StreamsBuilder b = new StreamsBuilder();
    KTable<String, String> drivers = b.table("drivers", strings(), store("drivers", STRING));
    KTable<String, String> shifts = b.table("shifts", strings(), store("shifts", STRING));
    KTable<String, String> active = drivers.filter((k, v) -> !v.startsWith("off"));
    KTable<String, String> labelled = shifts.mapValues(v -> "shift " + v);
    KTable<String, String> rota = active.join(labelled, (d, s) -> d + " on " + s);
    rota.toStream().to("rota", toStrings());
    KStream<String, String> events = b.stream("events", strings());
    events.join(active, (e, d) -> e + " by " + d).to("by-active", toStrings());
    events
        .leftJoin(rota, (e, r) -> e + " in " + (r == null ? "-" : r))
        .to("by-rota", toStrings());
    return b.build();
  }

  /**
   * Clicks and purchases ("user:amount", re-keyed by user) aggregated into one store per user;
   * the purchases repartition through a topic named after the store.
   */
  static Topology cogroup() {
    StreamsBuilder b = new StreamsBuilder();
    KGroupedStream<String, String> clicks =
        b.stream("clicks", strings()).groupByKey(Grouped.with(STRING, STRING));
    KGroupedStream<String, String> buys =
        b.stream("buys", strings())
            .selectKey((k, v) -> v.substring(0, v.indexOf(':')))
            .groupByKey(Grouped.with(STRING, STRING));
    clicks
        .cogroup((String k, String v, String agg) -> agg + " c:" + v)
        .cogroup(buys, (k, v, agg) -> agg + " b:" + v.substring(v.indexOf(':') + 1))
        .aggregate(() -> "", store("activity", STRING))
        .toStream()
        .to("activity", toStrings());
    return b.build();
  }

  /**
   * Three inputs cogrouped by name into an unnamed store: the purchases repartitioned through
   * `by-user`, the refunds through the store's topic.
   */
  static Topology cogroupNamed() {
    StreamsBuilder b = new StreamsBuilder();
    KGroupedStream<String, String> clicks =
        b.stream("clicks", strings()).groupByKey(Grouped.with(STRING, STRING));
    KGroupedStream<String, String> buys =
        b.stream("buys", strings())
            .selectKey((k, v) -> v.substring(0, v.indexOf(':')))
            .groupByKey(Grouped.with("by-user", STRING, STRING));
    KGroupedStream<String, String> refunds =
        b.stream("refunds", strings())
            .selectKey((k, v) -> v.substring(0, v.indexOf(':')))
            .groupByKey(Grouped.with(STRING, STRING));
    clicks
        .cogroup((String k, String v, String agg) -> agg + " c:" + v)
        .cogroup(buys, (k, v, agg) -> agg + " b:" + v.substring(v.indexOf(':') + 1))
        .cogroup(refunds, (k, v, agg) -> agg + " r:" + v.substring(v.indexOf(':') + 1))
        .aggregate(() -> "", Named.as("summary"), Materialized.with(STRING, STRING))
        .toStream()
        .to("summary", toStrings());
    return b.build();
  }
}
