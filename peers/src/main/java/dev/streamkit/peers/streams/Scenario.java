package dev.streamkit.peers.streams;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One scenario file of the differential suite (format: kstream/tests/differential/README.md):
 * the topology to run, what runs it, extra Streams properties, the input steps, the topics to
 * read after each step and the stores to dump at the end.
 */
public record Scenario(
    String name,
    String topology,
    Runner runner,
    Map<String, String> config,
    List<Output> outputs,
    List<Store> stores,
    List<Step> steps) {

  /** A topic read after every step, with how its key and value bytes are printed. */
  public record Output(String topic, Kind key, Kind value) {}

  /** A store dumped after the last step, with the type its values are printed as. */
  public record Store(String name, Kind value) {}

  /** Either a record piped into a topic or an advance of the wall clock. */
  public record Step(String topic, String key, String value, long timestamp, Long advanceMs) {
    boolean isAdvance() {
      return advanceMs != null;
    }
  }

  /**
   * What runs the topology: Kafka Streams' TopologyTestDriver, which commits after every record,
   * or a real KafkaStreams application on a broker, which commits once, when it closes (so its
   * record caches show).
   */
  public enum Runner {
    DRIVER,
    BROKER;

    static Runner parse(JsonNode root, String where) {
      JsonNode v = root.get("runner");
      if (v == null) {
        return DRIVER;
      }
      return switch (v.asText()) {
        case "driver" -> DRIVER;
        case "broker" -> BROKER;
        default -> throw new IllegalArgumentException(
            where + ": `runner` must be \"driver\" or \"broker\", not " + v);
      };
    }
  }

  /**
   * How bytes are shown: UTF-8 text, Kafka's 8-byte big-endian long, or the raw bytes in
   * lower-case hex (an output's keys or values only, as a windowed serde writes them).
   */
  public enum Kind {
    STRING,
    LONG,
    HEX;

    static Kind parse(JsonNode node, String field, String where) {
      JsonNode v = node.get(field);
      if (v == null) {
        return STRING;
      }
      return switch (v.asText()) {
        case "string" -> STRING;
        case "long" -> LONG;
        case "hex" -> HEX;
        default -> throw new IllegalArgumentException(
            where + ": `" + field + "` must be \"string\", \"long\" or \"hex\", not " + v);
      };
    }
  }

  static Scenario read(Path file) throws IOException {
    String fileName = file.getFileName().toString();
    String name = fileName.substring(0, fileName.length() - ".json".length());
    JsonNode root = new ObjectMapper().readTree(file.toFile());
    String where = file.toString();
    String topology = root.hasNonNull("topology") ? root.get("topology").asText() : name;
    Runner runner = Runner.parse(root, where);

    Map<String, String> config = new LinkedHashMap<>();
    JsonNode cfg = root.get("config");
    if (cfg != null) {
      for (Iterator<Map.Entry<String, JsonNode>> it = cfg.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        config.put(e.getKey(), e.getValue().asText());
      }
    }

    List<Output> outputs = new ArrayList<>();
    for (JsonNode o : required(root, "outputs", where)) {
      outputs.add(
          new Output(
              required(o, "topic", where).asText(),
              Kind.parse(o, "key", where),
              Kind.parse(o, "value", where)));
    }

    List<Store> stores = new ArrayList<>();
    JsonNode storeList = root.get("stores");
    if (storeList != null) {
      for (JsonNode s : storeList) {
        Store store = new Store(required(s, "name", where).asText(), Kind.parse(s, "value", where));
        if (store.value() == Kind.HEX) {
          // A store is read through its serdes, not as bytes.
          throw new IllegalArgumentException(
              where + ": store `" + store.name() + "`: \"hex\" is for outputs only");
        }
        stores.add(store);
      }
    }

    List<Step> steps = new ArrayList<>();
    int i = 0;
    for (JsonNode s : required(root, "steps", where)) {
      String at = where + " step " + i++;
      if (s.has("advance_wall_clock_ms")) {
        steps.add(new Step(null, null, null, 0, s.get("advance_wall_clock_ms").asLong()));
      } else {
        steps.add(
            new Step(
                required(s, "topic", at).asText(),
                text(s, "key", at),
                text(s, "value", at),
                required(s, "timestamp", at).asLong(),
                null));
      }
    }
    if (runner == Runner.BROKER) {
      // A broker run ends with KafkaStreams closed: there are no stores left to read, and the
      // application runs on its own clock.
      if (!stores.isEmpty()) {
        throw new IllegalArgumentException(
            where + ": a scenario with \"runner\": \"broker\" cannot dump stores (the"
                + " application is closed when its outputs are read); remove `stores`");
      }
      for (int s = 0; s < steps.size(); s++) {
        if (steps.get(s).isAdvance()) {
          throw new IllegalArgumentException(
              where + " step " + s + ": a scenario with \"runner\": \"broker\" cannot advance"
                  + " the wall clock (KafkaStreams runs on the real one)");
        }
      }
    }
    return new Scenario(name, topology, runner, config, outputs, stores, steps);
  }

  private static JsonNode required(JsonNode node, String field, String where) {
    JsonNode v = node.get(field);
    if (v == null) {
      throw new IllegalArgumentException(where + ": missing `" + field + "`");
    }
    return v;
  }

  /** A key or value: a string, or null (which must be written out, not left away). */
  private static String text(JsonNode node, String field, String where) {
    JsonNode v = required(node, field, where);
    if (v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException(where + ": `" + field + "` must be a string or null");
    }
    return v.asText();
  }
}
