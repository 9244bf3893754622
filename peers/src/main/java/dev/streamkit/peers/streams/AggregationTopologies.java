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

/** Grouped streams: groupByKey and groupBy with count, reduce and aggregate. */
final class AggregationTopologies {
  private AggregationTopologies() {}

  static void register(Map<String, Supplier<Topology>> into) {
    add(into, "stream_count", AggregationTopologies::count);
    add(into, "stream_group_by_count", AggregationTopologies::groupByCount);
    add(into, "stream_reduce", AggregationTopologies::reduce);
    add(into, "stream_group_by_reduce", AggregationTopologies::groupByReduce);
    add(into, "stream_group_by_aggregate", AggregationTopologies::groupByAggregate);
    add(into, "stream_aggregate", AggregationTopologies::aggregate);
    add(into, "stream_count_words", AggregationTopologies::countWords);
  }

  /** Records per key, in store `counts`, its updates in `counts-out`. */
  static Topology count() {
    StreamsBuilder b = new StreamsBuilder();
    b.stream("in", strings())
        .groupByKey(Grouped.with(STRING, STRING))
        .count(store("counts", LONG))
        .toStream()
        .to("counts-out", toLongs());
    return b.build();
  }

  /** Records per value, re-keyed through the repartition topic `by-value`. */
  static Topology groupByCount() {
    StreamsBuilder b = new StreamsBuilder();
    b.stream("in", strings())
        .groupBy((k, v) -> v, Grouped.with("by-value", STRING, STRING))
        .count(store("counts", LONG))
        .toStream()
        .to("counts-out", toLongs());
    return b.build();
  }

  /** The values of each key joined with "|", in store `reduced`. */
  static Topology reduce() {
    StreamsBuilder b = new StreamsBuilder();
    b.stream("in", strings())
        .groupByKey(Grouped.with(STRING, STRING))
        .reduce((agg, v) -> agg + "|" + v, store("reduced", STRING))
        .toStream()
        .to("out", toStrings());
    return b.build();
  }

  /** The first letter of a value (null for a null or empty value). */
  static String firstLetter(String v) {
    return v == null || v.isEmpty() ? null : v.substring(0, 1);
  }

  /** The values joined with "|" per first letter, re-keyed through `by-letter`. */
  static Topology groupByReduce() {
    StreamsBuilder b = new StreamsBuilder();
    b.stream("in", strings())
        .groupBy((k, v) -> firstLetter(v), Grouped.with("by-letter", STRING, STRING))
        .reduce((agg, v) -> agg + "|" + v, store("reduced", STRING))
        .toStream()
        .to("out", toStrings());
    return b.build();
  }

  /** The total length of the values per first letter, re-keyed through `by-letter`. */
  static Topology groupByAggregate() {
    StreamsBuilder b = new StreamsBuilder();
    b.stream("in", strings())
        .groupBy((k, v) -> firstLetter(v), Grouped.with("by-letter", STRING, STRING))
        .aggregate(
            () -> 0L, (k, v, agg) -> v == null ? agg : agg + v.length(), store("lengths", LONG))
        .toStream()
        .to("out", toLongs());
    return b.build();
  }

  /** The total length of each key's values (a null value adds nothing), in store `lengths`. */
  static Topology aggregate() {
    StreamsBuilder b = new StreamsBuilder();
    b.stream("in", strings())
        .groupByKey(Grouped.with(STRING, STRING))
        .aggregate(
            () -> 0L, (k, v, agg) -> v == null ? agg : agg + v.length(), store("lengths", LONG))
        .toStream()
        .to("out", toLongs());
    return b.build();
  }

  /**
   * Words per key: each value is split into words under the same key and counted, so one input
   * record updates the count several times inside one task (what record caching folds).
   */
  static Topology countWords() {
    StreamsBuilder b = new StreamsBuilder();
    b.stream("lines", strings())
        .flatMapValues(StatelessTopologies::words)
        .groupByKey(Grouped.with(STRING, STRING))
        .count(store("word-counts", LONG))
        .toStream()
        .to("counts-out", toLongs());
    return b.build();
  }
}
