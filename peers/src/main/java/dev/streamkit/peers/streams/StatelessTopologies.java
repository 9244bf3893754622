package dev.streamkit.peers.streams;

import static dev.streamkit.peers.streams.Catalogue.STRING;
import static dev.streamkit.peers.streams.Catalogue.add;
import static dev.streamkit.peers.streams.Catalogue.strings;
import static dev.streamkit.peers.streams.Catalogue.toStrings;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;

/** Record-at-a-time operations: filter, map, flatMap, selectKey, split, merge, repartition. */
final class StatelessTopologies {
  private StatelessTopologies() {}

  static void register(Map<String, Supplier<Topology>> into) {
    add(into, "stream_filter", StatelessTopologies::filter);
    add(into, "stream_map", StatelessTopologies::map);
    add(into, "stream_map_values", StatelessTopologies::mapValues);
    add(into, "stream_flat_map", StatelessTopologies::flatMap);
    add(into, "stream_select_key", StatelessTopologies::selectKey);
    add(into, "stream_split", StatelessTopologies::split);
    add(into, "stream_merge", StatelessTopologies::merge);
    add(into, "stream_repartition", StatelessTopologies::repartition);
  }

  /** Keeps values not starting with "drop" in `kept`, the rest (and null values) in `dropped`. */
  static Topology filter() {
    StreamsBuilder b = new StreamsBuilder();
    KStream<String, String> in = b.stream("in", strings());
    in.filter((k, v) -> v != null && !v.startsWith("drop")).to("kept", toStrings());
    in.filterNot((k, v) -> v != null && !v.startsWith("drop")).to("dropped", toStrings());
    return b.build();
  }

  /** Swaps key and value, upper-casing the new key. */
  static Topology map() {
    StreamsBuilder b = new StreamsBuilder();
    b.stream("in", strings())
        .map((k, v) -> KeyValue.pair(v == null ? null : v.toUpperCase(), k))
        .to("out", toStrings());
    return b.build();
  }

  /** Prefixes each value with its length; null stays null. */
  static Topology mapValues() {
    StreamsBuilder b = new StreamsBuilder();
    b.stream("in", strings())
        .mapValues(v -> v == null ? null : v.length() + ":" + v)
        .to("out", toStrings());
    return b.build();
  }

  /** Each word of the value: keyed by the word in `by-word`, under the old key in `words`. */
  static Topology flatMap() {
    StreamsBuilder b = new StreamsBuilder();
    KStream<String, String> in = b.stream("in", strings());
    in.flatMap(
            (k, v) -> {
              List<KeyValue<String, String>> out = new ArrayList<>();
              for (String w : words(v)) {
                out.add(KeyValue.pair(w, k));
              }
              return out;
            })
        .to("by-word", toStrings());
    in.flatMapValues(StatelessTopologies::words).to("words", toStrings());
    return b.build();
  }

  /** The words of a value split on spaces (none for null or blank). */
  static List<String> words(String v) {
    if (v == null || v.isBlank()) {
      return List.of();
    }
    return Arrays.asList(v.trim().split(" +"));
  }

  /** The first letter of the value becomes the key (null for a null or empty value). */
  static Topology selectKey() {
    StreamsBuilder b = new StreamsBuilder();
    b.stream("in", strings())
        .selectKey((k, v) -> v == null || v.isEmpty() ? null : v.substring(0, 1))
        .to("out", toStrings());
    return b.build();
  }

  /**
   * Values starting with "a", else with "a" or "b", else the rest (nulls included): each branch
   * to the topic of its name, branches in the order of their names.
   */
  static Topology split() {
    StreamsBuilder b = new StreamsBuilder();
    Map<String, KStream<String, String>> branches =
        b.stream("in", strings())
            .split(Named.as("split-"))
            .branch((k, v) -> v != null && v.startsWith("a"), Branched.as("a"))
            .branch((k, v) -> v != null && (v.startsWith("a") || v.startsWith("b")), Branched.as("b"))
            .defaultBranch(Branched.as("other"));
    new TreeMap<>(branches)
        .forEach((name, branch) -> branch.to(name.substring("split-".length()), toStrings()));
    return b.build();
  }

  /** Two topics tagged by origin, merged into one. */
  static Topology merge() {
    StreamsBuilder b = new StreamsBuilder();
    KStream<String, String> left =
        b.stream("left", strings()).mapValues(v -> v == null ? null : "L:" + v);
    KStream<String, String> right =
        b.stream("right", strings()).mapValues(v -> v == null ? null : "R:" + v);
    left.merge(right).to("merged", toStrings());
    return b.build();
  }

  /** Re-keyed by value, through an explicit repartition topic, then tagged. */
  static Topology repartition() {
    StreamsBuilder b = new StreamsBuilder();
    b.stream("in", strings())
        .selectKey((k, v) -> v)
        .repartition(Repartitioned.with(STRING, STRING).withName("by-value"))
        .mapValues(v -> v == null ? null : "seen:" + v)
        .to("out", toStrings());
    return b.build();
  }
}
