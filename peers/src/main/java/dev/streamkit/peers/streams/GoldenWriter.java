package dev.streamkit.peers.streams;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/**
 * Writes an outcome as a golden file: the topology's description one node per line, one output
 * record per line, then the stores, so a diff between two runs (or between Kafka's golden and
 * kstream's recorded output) reads line by line.
 * The Rust test writes its recorded outputs in exactly this layout.
 */
final class GoldenWriter {
  private static final ObjectMapper JSON = new ObjectMapper();

  private GoldenWriter() {}

  static String write(Scenario scenario, ScenarioRunner.Outcome outcome) {
    StringBuilder out = new StringBuilder();
    out.append("{\n");
    out.append("  \"scenario\": ").append(json(scenario.name())).append(",\n");
    out.append("  \"topology\": ").append(json(scenario.topology())).append(",\n");
    List<String> describe = outcome.describe();
    out.append("  \"describe\": [\n");
    for (int i = 0; i < describe.size(); i++) {
      out.append("    ").append(json(describe.get(i))).append(i + 1 < describe.size() ? ",\n" : "\n");
    }
    out.append("  ],\n");
    List<ScenarioRunner.Output> records = outcome.records();
    if (records.isEmpty()) {
      out.append("  \"records\": [],\n");
    } else {
      out.append("  \"records\": [\n");
      for (int i = 0; i < records.size(); i++) {
        ScenarioRunner.Output r = records.get(i);
        out.append("    {\"step\": ").append(r.step())
            .append(", \"topic\": ").append(json(r.topic()))
            .append(", \"key\": ").append(json(r.key()))
            .append(", \"value\": ").append(json(r.value()))
            .append(", \"timestamp\": ").append(r.timestamp())
            .append('}')
            .append(i + 1 < records.size() ? ",\n" : "\n");
      }
      out.append("  ],\n");
    }
    Map<String, List<KeyValue<Object, Object>>> stores = outcome.stores();
    if (stores.isEmpty()) {
      out.append("  \"stores\": {}\n");
    } else {
      out.append("  \"stores\": {\n");
      int s = 0;
      for (Map.Entry<String, List<KeyValue<Object, Object>>> store : stores.entrySet()) {
        List<KeyValue<Object, Object>> entries = store.getValue();
        out.append("    ").append(json(store.getKey())).append(": [");
        if (!entries.isEmpty()) {
          out.append('\n');
          for (int i = 0; i < entries.size(); i++) {
            KeyValue<Object, Object> e = entries.get(i);
            out.append("      {\"key\": ").append(json(e.key));
            if (e.value instanceof ValueAndTimestamp<?> vt) {
              out.append(", \"value\": ").append(json(vt.value()))
                  .append(", \"timestamp\": ").append(vt.timestamp());
            } else {
              out.append(", \"value\": ").append(json(e.value));
            }
            out.append('}')
                .append(i + 1 < entries.size() ? ",\n" : "\n");
          }
          out.append("    ");
        }
        out.append(']').append(++s < stores.size() ? ",\n" : "\n");
      }
      out.append("  }\n");
    }
    out.append("}\n");
    return out.toString();
  }

  private static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
