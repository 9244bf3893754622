package dev.streamkit.peers.unwrap;

import java.io.File;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.source.SourceRecord;

import io.debezium.transforms.ExtractNewRecordState;

/**
 * Applies Debezium's real {@code ExtractNewRecordState} to every input record under every
 * configuration, and writes what it outputs as JSON: the goldens of cdc-core's
 * {@code Unwrap}.
 *
 * <p>Arguments: the records file, the configurations file, the output file (see
 * cdc-core/tests/golden/unwrap/README.md for their shapes). Records are read and written
 * with Kafka's JsonConverter, schemas enabled and {@code replace.null.with.default=false},
 * so the output shows what the transform did to null values, not what the converter does.
 */
public final class UnwrapGoldens {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private UnwrapGoldens() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: UnwrapGoldens <records.json> <configs.json> <output.json>");
            System.exit(2);
        }
        JsonNode records = JSON.readTree(new File(args[0])).get("records");
        JsonNode configs = JSON.readTree(new File(args[1])).get("configs");
        JsonConverter withSchemas = converter(true);
        JsonConverter withoutSchemas = converter(false);

        ObjectNode out = NODES.objectNode();
        out.put("generated_by", "io.debezium:debezium-connect-plugins:3.6.1.Final "
                + "io.debezium.transforms.ExtractNewRecordState, through "
                + "peers/debezium-unwrap (UnwrapGoldens)");
        // Value schemas are written once, and referred to by their index.
        ArrayNode schemas = out.putArray("value_schemas");
        ArrayNode cases = out.putArray("cases");
        for (JsonNode config : configs) {
            ObjectNode c = cases.addObject();
            c.put("config", config.get("name").asText());
            Map<String, String> props = new HashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = config.get("properties").fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                props.put(e.getKey(), e.getValue().asText());
            }
            ArrayNode results = c.putArray("results");
            for (JsonNode record : records) {
                ObjectNode r = results.addObject();
                r.put("record", record.get("name").asText());
                SourceRecord input = read(record, withSchemas);
                ExtractNewRecordState<SourceRecord> smt = new ExtractNewRecordState<>();
                try {
                    smt.configure(props);
                }
                catch (RuntimeException e) {
                    r.put("error", describe(e));
                    continue;
                }
                try {
                    SourceRecord output = smt.apply(input);
                    r.set("result", describe(input, output, withSchemas, withoutSchemas, schemas));
                }
                catch (RuntimeException e) {
                    r.put("error", describe(e));
                }
                finally {
                    smt.close();
                }
            }
        }
        JSON.writeValue(new File(args[2]), out);
    }

    private static JsonConverter converter(boolean schemas) {
        JsonConverter converter = new JsonConverter();
        Map<String, String> config = new HashMap<>();
        config.put("schemas.enable", Boolean.toString(schemas));
        config.put("replace.null.with.default", "false");
        converter.configure(config, false);
        return converter;
    }

    /** A Connect record of an input: its key and value through the converter. */
    private static SourceRecord read(JsonNode record, JsonConverter converter) throws Exception {
        String topic = record.get("topic").asText();
        SchemaAndValue key = toConnect(converter, topic, record.get("key"));
        SchemaAndValue value = toConnect(converter, topic, record.get("value"));
        return new SourceRecord(null, null, topic, null, key.schema(), key.value(), value.schema(),
                value.value(), null, new ConnectHeaders());
    }

    private static SchemaAndValue toConnect(JsonConverter converter, String topic, JsonNode json) throws Exception {
        if (json == null || json.isNull()) {
            return SchemaAndValue.NULL;
        }
        return converter.toConnectData(topic, JSON.writeValueAsBytes(json));
    }

    /**
     * What the transform returned: dropped, or the record it passes on. The value of a
     * record it passes on as it was given ({@code same_record}, headers may have been
     * added) is the input's, and not written again.
     */
    private static JsonNode describe(SourceRecord input, SourceRecord output, JsonConverter withSchemas,
                                     JsonConverter withoutSchemas, ArrayNode schemas)
            throws Exception {
        if (output == null) {
            return NODES.textNode("dropped");
        }
        ObjectNode o = NODES.objectNode();
        o.put("same_record", output == input);
        o.put("topic", output.topic());
        if (output != input) {
            if (output.valueSchema() == null) {
                o.putNull("value_schema");
            }
            else {
                JsonNode schema = withSchemas.asJsonSchema(output.valueSchema());
                int index = indexOf(schemas, schema);
                if (index < 0) {
                    schemas.add(schema);
                    index = schemas.size() - 1;
                }
                o.put("value_schema", index);
            }
            o.set("value", fromConnect(withoutSchemas, output.topic(), output.valueSchema(), output.value()));
        }
        ArrayNode headers = o.putArray("headers");
        for (Header h : output.headers()) {
            ObjectNode header = headers.addObject();
            header.put("key", h.key());
            header.set("schema", h.schema() == null ? NODES.nullNode() : withSchemas.asJsonSchema(h.schema()));
            header.set("value", fromConnect(withoutSchemas, output.topic(), h.schema(), h.value()));
        }
        return o;
    }

    private static int indexOf(ArrayNode nodes, JsonNode node) {
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).equals(node)) {
                return i;
            }
        }
        return -1;
    }

    private static JsonNode fromConnect(JsonConverter converter, String topic,
                                        org.apache.kafka.connect.data.Schema schema, Object value)
            throws Exception {
        byte[] bytes = converter.fromConnectData(topic, schema, value);
        return bytes == null ? NODES.nullNode() : JSON.readTree(bytes);
    }

    private static String describe(RuntimeException e) {
        List<String> causes = new ArrayList<>();
        for (Throwable t = e; t != null; t = t.getCause()) {
            causes.add(t.getClass().getSimpleName() + ": " + t.getMessage());
        }
        return String.join(" <- ", causes);
    }
}
