package dev.streamkit.peers.streams;

import static dev.streamkit.peers.streams.Catalogue.LONG;
import static dev.streamkit.peers.streams.Catalogue.STRING;
import static dev.streamkit.peers.streams.Catalogue.add;
import static dev.streamkit.peers.streams.Catalogue.store;
import static dev.streamkit.peers.streams.Catalogue.strings;
import static dev.streamkit.peers.streams.Catalogue.toLongs;
import static dev.streamkit.peers.streams.Catalogue.toStrings;

import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.EmitStrategy;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.SlidingWindows;
import org.apache.kafka.streams.kstream.StreamJoined;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.Suppressed.BufferConfig;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.kstream.WindowedSerdes;
import org.apache.kafka.streams.state.SessionStore;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Windows: tumbling, hopping, sliding and session windowed aggregations (count, reduce,
 * aggregate), emit-on-window-close, suppression (of windowed results until their window closes,
 * of a table's updates until a time limit), stream-stream joins over join windows, and windowed
 * keys written with Kafka's windowed serdes. Input `in` has string keys and values; a windowed
 * key is written as {@code key@start/end} (epoch milliseconds) unless the topology writes the
 * windowed serde's bytes.
 */
final class WindowTopologies {
  private WindowTopologies() {}

  static void register(Map<String, Supplier<Topology>> into) {
    add(into, "window_tumbling_count", WindowTopologies::tumblingCount);
    add(into, "window_hopping_count", WindowTopologies::hoppingCount);
    add(into, "window_tumbling_reduce", WindowTopologies::tumblingReduce);
    add(into, "window_tumbling_aggregate", WindowTopologies::tumblingAggregate);
    add(into, "window_sliding_count", WindowTopologies::slidingCount);
    add(into, "window_sliding_aggregate", WindowTopologies::slidingAggregate);
    add(into, "window_session_count", WindowTopologies::sessionCount);
    add(into, "window_session_aggregate", WindowTopologies::sessionAggregate);
    add(into, "window_tumbling_emit_final", WindowTopologies::tumblingEmitFinal);
    add(into, "window_suppress_final", WindowTopologies::suppressFinal);
    add(into, "window_suppress_alert", WindowTopologies::suppressAlert);
    add(into, "table_suppress_time_limit", WindowTopologies::tableSuppressTimeLimit);
    add(into, "table_suppress_emit_early", WindowTopologies::tableSuppressEmitEarly);
    add(into, "stream_join_windowed_inner", () -> streamJoin("inner", joinWindows()));
    add(into, "stream_join_windowed_left", () -> streamJoin("left", joinWindows()));
    add(into, "stream_join_windowed_outer", () -> streamJoin("outer", joinWindows()));
    add(
        into,
        "stream_join_windowed_asymmetric",
        () ->
            streamJoin(
                "inner",
                JoinWindows.ofTimeDifferenceWithNoGrace(secs(5))
                    .before(secs(1))
                    .after(secs(3))));
    add(into, "window_tumbling_serde", WindowTopologies::tumblingSerde);
    add(into, "window_session_serde", WindowTopologies::sessionSerde);
  }

  static Duration secs(long s) {
    return Duration.ofSeconds(s);
  }

  /** Tumbling windows of 10 s, records accepted up to 5 s after a window's end. */
  static TimeWindows tumbling() {
    return TimeWindows.ofSizeAndGrace(secs(10), secs(5));
  }

  /** Sliding windows: records at most 5 s apart, accepted up to 10 s late. */
  static SlidingWindows sliding() {
    return SlidingWindows.ofTimeDifferenceAndGrace(secs(5), secs(10));
  }

  /** Sessions closed by 5 s of inactivity, records accepted up to 10 s after a session's end. */
  static SessionWindows sessions() {
    return SessionWindows.ofInactivityGapAndGrace(secs(5), secs(10));
  }

  /** Records joined when at most 5 s apart, accepted up to 2 s late. */
  static JoinWindows joinWindows() {
    return JoinWindows.ofTimeDifferenceAndGrace(secs(5), secs(2));
  }

  /** A named window store of string keys. */
  static <V> Materialized<String, V, WindowStore<Bytes, byte[]>> windowStore(
      String name, Serde<V> values) {
    return Materialized.<String, V, WindowStore<Bytes, byte[]>>as(name)
        .withKeySerde(STRING)
        .withValueSerde(values);
  }

  /** A named session store of string keys. */
  static <V> Materialized<String, V, SessionStore<Bytes, byte[]>> sessionStore(
      String name, Serde<V> values) {
    return Materialized.<String, V, SessionStore<Bytes, byte[]>>as(name)
        .withKeySerde(STRING)
        .withValueSerde(values);
  }

  /** A windowed key as text, Kafka's style: {@code key@start/end}. */
  static String at(Windowed<String> k) {
    return k.key() + "@" + k.window().start() + "/" + k.window().end();
  }

  static KGroupedStream<String, String> grouped(StreamsBuilder b) {
    return b.stream("in", strings()).groupByKey(Grouped.with(STRING, STRING));
  }

  /** A windowed table's updates with their keys as text, to `out`. */
  static <V> void write(KTable<Windowed<String>, V> table, Produced<String, V> produced) {
    table.toStream().map((k, v) -> KeyValue.pair(at(k), v)).to("out", produced);
  }

  /** Records per key and tumbling window, in store `tumbling-counts`. */
  static Topology tumblingCount() {
    StreamsBuilder b = new StreamsBuilder();
    write(grouped(b).windowedBy(tumbling()).count(windowStore("tumbling-counts", LONG)), toLongs());
    return b.build();
  }

  /** Records per key in 10 s windows every 5 s (grace 2 s), in a store of a generated name. */
  static Topology hoppingCount() {
    StreamsBuilder b = new StreamsBuilder();
    write(
        grouped(b)
            .windowedBy(TimeWindows.ofSizeAndGrace(secs(10), secs(2)).advanceBy(secs(5)))
            .count(Materialized.with(STRING, LONG)),
        toLongs());
    return b.build();
  }

  /** The values of each key and tumbling window joined with "|", in store `tumbling-reduced`. */
  static Topology tumblingReduce() {
    StreamsBuilder b = new StreamsBuilder();
    write(
        grouped(b)
            .windowedBy(tumbling())
            .reduce((agg, v) -> agg + "|" + v, windowStore("tumbling-reduced", STRING)),
        toStrings());
    return b.build();
  }

  /** The values of each key and tumbling window appended to "" (a store of a generated name). */
  static Topology tumblingAggregate() {
    StreamsBuilder b = new StreamsBuilder();
    write(
        grouped(b)
            .windowedBy(tumbling())
            .aggregate(() -> "", (k, v, agg) -> agg + v, Materialized.with(STRING, STRING)),
        toStrings());
    return b.build();
  }

  /** Records per key and sliding window, in store `sliding-counts`. */
  static Topology slidingCount() {
    StreamsBuilder b = new StreamsBuilder();
    write(grouped(b).windowedBy(sliding()).count(windowStore("sliding-counts", LONG)), toLongs());
    return b.build();
  }

  /** The values of each key and sliding window appended to "" (a store of a generated name). */
  static Topology slidingAggregate() {
    StreamsBuilder b = new StreamsBuilder();
    write(
        grouped(b)
            .windowedBy(sliding())
            .aggregate(() -> "", (k, v, agg) -> agg + v, Materialized.with(STRING, STRING)),
        toStrings());
    return b.build();
  }

  /**
   * Records per key and session, in store `session-counts`; the rows of sessions a record merges
   * are deleted (null values).
   */
  static Topology sessionCount() {
    StreamsBuilder b = new StreamsBuilder();
    write(grouped(b).windowedBy(sessions()).count(sessionStore("session-counts", LONG)), toLongs());
    return b.build();
  }

  /**
   * The values of each session appended to "", sessions merged by joining their aggregates with
   * "+" (a store of a generated name).
   */
  static Topology sessionAggregate() {
    StreamsBuilder b = new StreamsBuilder();
    write(
        grouped(b)
            .windowedBy(sessions())
            .aggregate(
                () -> "",
                (k, v, agg) -> agg + v,
                (k, a1, a2) -> a1 + "+" + a2,
                Materialized.with(STRING, STRING)),
        toStrings());
    return b.build();
  }

  /** Tumbling counts emitted once, when their window closes, from store `final-counts`. */
  static Topology tumblingEmitFinal() {
    StreamsBuilder b = new StreamsBuilder();
    write(
        grouped(b)
            .windowedBy(tumbling())
            .emitStrategy(EmitStrategy.onWindowClose())
            .count(windowStore("final-counts", LONG)),
        toLongs());
    return b.build();
  }

  /** Counts in tumbling windows of 10 s (grace 2 s), suppressed until their window closes. */
  static Topology suppressFinal() {
    StreamsBuilder b = new StreamsBuilder();
    write(
        grouped(b)
            .windowedBy(TimeWindows.ofSizeAndGrace(secs(10), secs(2)))
            .count(Materialized.with(STRING, LONG))
            .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded())),
        toLongs());
    return b.build();
  }

  /**
   * Dangerous-driving alerts: events per driver in tumbling windows of 30 s (grace 10 s), in
   * store `driver-counts`, suppressed until the window closes; only the drivers with more than 3
   * events in a window are written, to `alerts`.
   */
  static Topology suppressAlert() {
    StreamsBuilder b = new StreamsBuilder();
    grouped(b)
        .windowedBy(TimeWindows.ofSizeAndGrace(secs(30), secs(10)))
        .count(windowStore("driver-counts", LONG))
        .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))
        .toStream()
        .filter((k, v) -> v > 3)
        .map((k, v) -> KeyValue.pair(at(k), v))
        .to("alerts", toLongs());
    return b.build();
  }

  /**
   * Records per key (store `counts`), each key's latest count held until 5 s of stream time have
   * passed since the update (at most 100 held).
   */
  static Topology tableSuppressTimeLimit() {
    StreamsBuilder b = new StreamsBuilder();
    grouped(b)
        .count(store("counts", LONG))
        .suppress(Suppressed.untilTimeLimit(secs(5), BufferConfig.maxRecords(100)))
        .toStream()
        .to("out", toLongs());
    return b.build();
  }

  /**
   * Records per key (a store of a generated name), held for 60 s of stream time in a buffer of 2
   * keys that emits its oldest key early when a third comes.
   */
  static Topology tableSuppressEmitEarly() {
    StreamsBuilder b = new StreamsBuilder();
    grouped(b)
        .count(Materialized.with(STRING, LONG))
        .suppress(
            Suppressed.untilTimeLimit(secs(60), BufferConfig.maxRecords(2).emitEarlyWhenFull()))
        .toStream()
        .to("out", toLongs());
    return b.build();
  }

  /**
   * Streams `left` and `right` joined within the join windows, values as "l+r" (Java's "null"
   * for the missing side of a left or outer join), to `out`.
   */
  static Topology streamJoin(String kind, JoinWindows windows) {
    StreamsBuilder b = new StreamsBuilder();
    KStream<String, String> left = b.stream("left", strings());
    KStream<String, String> right = b.stream("right", strings());
    StreamJoined<String, String, String> joined = StreamJoined.with(STRING, STRING, STRING);
    KStream<String, String> out =
        switch (kind) {
          case "inner" -> left.join(right, (l, r) -> l + "+" + r, windows, joined);
          case "left" -> left.leftJoin(right, (l, r) -> l + "+" + r, windows, joined);
          case "outer" -> left.outerJoin(right, (l, r) -> l + "+" + r, windows, joined);
          default -> throw new IllegalArgumentException(kind);
        };
    out.to("out", toStrings());
    return b.build();
  }

  /** Tumbling counts written with Kafka's time-windowed serde (key bytes, then the start). */
  static Topology tumblingSerde() {
    StreamsBuilder b = new StreamsBuilder();
    grouped(b)
        .windowedBy(tumbling())
        .count(Materialized.with(STRING, LONG))
        .toStream()
        .to("out", Produced.with(WindowedSerdes.timeWindowedSerdeFrom(String.class, 10000), LONG));
    return b.build();
  }

  /**
   * Session counts written with Kafka's session-windowed serde (key bytes, then the end and the
   * start), in store `session-serde-counts`.
   */
  static Topology sessionSerde() {
    StreamsBuilder b = new StreamsBuilder();
    grouped(b)
        .windowedBy(sessions())
        .count(sessionStore("session-serde-counts", LONG))
        .toStream()
        .to("out", Produced.with(WindowedSerdes.sessionWindowedSerdeFrom(String.class), LONG));
    return b.build();
  }
}
