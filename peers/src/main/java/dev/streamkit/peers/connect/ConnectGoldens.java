package dev.streamkit.peers.connect;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.runtime.ConnectorConfig;
import org.apache.kafka.connect.runtime.isolation.Plugins;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.predicates.Predicate;
import org.apache.kafka.connect.transforms.util.NonEmptyListValidator;

/**
 * Applies Kafka Connect 4.4's own transforms and JsonConverter to the corpus of
 * connect-sdk/tests/golden/ and writes what they output: the goldens of connect-sdk's
 * differential test.
 *
 * <p>Arguments: the records file, the cases file, the output file (their shapes are in
 * connect-sdk/tests/golden/README.md). A record's key and value are JSON text, read with
 * a JsonConverter (schemas on or off, as the record says) and written back with the same
 * converter after the transforms, so the output is the exact bytes Kafka writes.
 */
public final class ConnectGoldens {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ConnectGoldens() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: ConnectGoldens <records.json> <cases.json> <output.json>");
            System.exit(2);
        }
        // The JVM's default locale names months and days, and numbers weeks, in
        // SimpleDateFormat patterns (TimestampConverter, TimestampRouter): connect-sdk
        // follows an English one.
        Locale.setDefault(Locale.US);
        JsonNode records = JSON.readTree(new File(args[0])).get("records");
        JsonNode cases = JSON.readTree(new File(args[1])).get("cases");

        ObjectNode out = NODES.objectNode();
        out.put("generated_by", "org.apache.kafka:connect-transforms:4.4.0 and connect-json:4.4.0, "
                + "through peers (dev.streamkit.peers.connect.ConnectGoldens)");
        out.set("converters", converterOutputs(records));
        ArrayNode results = out.putArray("cases");
        for (JsonNode c : cases) {
            results.add(runCase(c, records));
        }
        out.set("config_def", configDefOutputs(JSON.readTree(new File(args[1])).get("config_def_cases")));
        out.set("connector_configs",
                connectorConfigOutputs(JSON.readTree(new File(args[1])).get("connector_config_cases")));
        JSON.writeValue(new File(args[2]), out);
    }

    /**
     * The ConfigDef of connect-sdk's differential test (tests/kafka_goldens.rs builds the
     * same one), parsed by Kafka's AbstractConfig for each case's properties.
     */
    private static ConfigDef testConfigDef() {
        return new ConfigDef()
                .define("name", ConfigDef.Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                        ConfigDef.Importance.HIGH, "The name.")
                .define("tasks.max", ConfigDef.Type.INT, 1, ConfigDef.Range.atLeast(1), ConfigDef.Importance.HIGH,
                        "Tasks.")
                .define("batch.size", ConfigDef.Type.LONG, 100L, ConfigDef.Range.between(1, 10000),
                        ConfigDef.Importance.MEDIUM, "Batch.")
                .define("ratio", ConfigDef.Type.DOUBLE, 0.5, ConfigDef.Range.between(0, 1), ConfigDef.Importance.LOW,
                        "Ratio.")
                .define("enabled", ConfigDef.Type.BOOLEAN, true, ConfigDef.Importance.LOW, "Enabled.")
                .define("topics", ConfigDef.Type.LIST, ConfigDef.NO_DEFAULT_VALUE, new NonEmptyListValidator(),
                        ConfigDef.Importance.HIGH, "Topics.")
                .define("mode", ConfigDef.Type.STRING, "bulk", ConfigDef.ValidString.in("bulk", "incrementing",
                        "timestamp"), ConfigDef.Importance.HIGH, "Mode.")
                .define("format", ConfigDef.Type.STRING, "json",
                        ConfigDef.CaseInsensitiveValidString.in("json", "avro"), ConfigDef.Importance.LOW, "Format.")
                .define("password", ConfigDef.Type.PASSWORD, null, ConfigDef.Importance.HIGH, "Secret.")
                .define("optional.text", ConfigDef.Type.STRING, null, ConfigDef.Importance.LOW, "Text.");
    }

    private static ArrayNode configDefOutputs(JsonNode cases) {
        ArrayNode outputs = NODES.arrayNode();
        ConfigDef def = testConfigDef();
        for (JsonNode c : cases) {
            ObjectNode o = outputs.addObject();
            o.put("case", c.get("name").asText());
            try {
                AbstractConfig config = new AbstractConfig(def, props(c.get("properties")), false);
                ObjectNode values = o.putObject("values");
                for (String key : def.names()) {
                    Object v = config.values().get(key);
                    values.put(key, v == null ? null : v.toString());
                }
            }
            catch (RuntimeException e) {
                o.set("error", describe(e));
            }
        }
        return outputs;
    }

    /**
     * Whether Kafka Connect's worker takes each case's connector properties (`transforms`,
     * `predicates` and their keys), as it does when it starts a connector: the error of
     * its ConnectorConfig, or `valid`. A name and a connector class are added when the
     * case has none.
     */
    private static ArrayNode connectorConfigOutputs(JsonNode cases) {
        ArrayNode outputs = NODES.arrayNode();
        if (cases == null) {
            return outputs;
        }
        // The plugins the classpath declares (connect-transforms' own), without scanning it.
        Plugins plugins = new Plugins(Map.of("plugin.discovery", "service_load"));
        for (JsonNode c : cases) {
            ObjectNode o = outputs.addObject();
            o.put("case", c.get("name").asText());
            Map<String, String> props = props(c.get("properties"));
            props.putIfAbsent("name", "goldens");
            props.putIfAbsent("connector.class", "org.apache.kafka.connect.file.FileStreamSourceConnector");
            try {
                new ConnectorConfig(plugins, props);
                o.put("valid", true);
            }
            catch (RuntimeException e) {
                o.set("error", describe(e));
            }
        }
        return outputs;
    }

    /** Each record read and written again by JsonConverter, in each of its configurations. */
    private static ArrayNode converterOutputs(JsonNode records) {
        ArrayNode outputs = NODES.arrayNode();
        for (JsonNode record : records) {
            ObjectNode o = outputs.addObject();
            o.put("record", record.get("name").asText());
            boolean schemas = record.get("schemas").asBoolean();
            JsonConverter reader = converter(schemas, Map.of());
            try {
                SchemaAndValue value = toConnect(reader, record, "value");
                o.put("schemas", fromConnect(converter(true, Map.of()), record, value));
                o.put("plain", fromConnect(converter(false, Map.of()), record, value));
                o.put("numeric", fromConnect(converter(true, Map.of("decimal.format", "NUMERIC")), record, value));
                o.put("no_default_replacement",
                        fromConnect(converter(true, Map.of("replace.null.with.default", "false")), record, value));
                Map<String, String> keepNulls = Map.of("replace.null.with.default", "false");
                SchemaAndValue readKeepingNulls = toConnect(converter(schemas, keepNulls), record, "value");
                o.put("read_and_written_without_default_replacement",
                        fromConnect(converter(true, keepNulls), record, readKeepingNulls));
            }
            catch (RuntimeException e) {
                o.set("error", describe(e));
            }
        }
        return outputs;
    }

    private static ObjectNode runCase(JsonNode c, JsonNode records) {
        ObjectNode result = NODES.objectNode();
        result.put("case", c.get("name").asText());
        List<Transformation<SourceRecord>> chain = new ArrayList<>();
        try {
            Iterator<JsonNode> steps = c.get("transforms").elements();
            while (steps.hasNext()) {
                chain.add(transformation(steps.next()));
            }
        }
        catch (Exception e) {
            result.set("config_error", describe(e));
            return result;
        }
        ArrayNode outputs = result.putArray("results");
        for (JsonNode record : records) {
            ObjectNode o = outputs.addObject();
            o.put("record", record.get("name").asText());
            boolean schemas = record.get("schemas").asBoolean();
            JsonConverter converter = converter(schemas, Map.of());
            try {
                String topic = record.get("topic").asText();
                SchemaAndValue key = toConnect(converter, record, "key");
                SchemaAndValue value = toConnect(converter, record, "value");
                Long timestamp = record.hasNonNull("timestamp") ? record.get("timestamp").asLong() : null;
                ConnectHeaders headers = new ConnectHeaders();
                if (record.has("headers")) {
                    for (JsonNode h : record.get("headers")) {
                        SchemaAndValue hv = converter.toConnectData(topic,
                                h.get("value").asText().getBytes(StandardCharsets.UTF_8));
                        headers.add(h.get("key").asText(), hv.value(), hv.schema());
                    }
                }
                SourceRecord current = new SourceRecord(null, null, topic, null, key.schema(), key.value(),
                        value.schema(), value.value(), timestamp, headers);
                for (Transformation<SourceRecord> t : chain) {
                    current = current == null ? null : t.apply(current);
                }
                if (current == null) {
                    o.put("dropped", true);
                    continue;
                }
                o.put("topic", current.topic());
                o.put("key", text(converter.fromConnectData(current.topic(), current.keySchema(), current.key())));
                o.put("value",
                        text(converter.fromConnectData(current.topic(), current.valueSchema(), current.value())));
                if (current.timestamp() != null) {
                    o.put("timestamp", current.timestamp());
                }
                ArrayNode outHeaders = o.putArray("headers");
                for (Header h : current.headers()) {
                    ObjectNode header = outHeaders.addObject();
                    header.put("key", h.key());
                    header.put("value", text(converter.fromConnectData(current.topic(), h.schema(), h.value())));
                }
            }
            catch (RuntimeException e) {
                o.set("error", describe(e));
            }
        }
        for (Transformation<SourceRecord> t : chain) {
            t.close();
        }
        return result;
    }

    /** A transform, alone or behind a predicate (with `negate`), as a connector config sets them up. */
    @SuppressWarnings("unchecked")
    private static Transformation<SourceRecord> transformation(JsonNode step) throws Exception {
        Transformation<SourceRecord> t = (Transformation<SourceRecord>) instance(step.get("type").asText());
        t.configure(props(step.get("config")));
        if (!step.has("predicate")) {
            return t;
        }
        JsonNode p = step.get("predicate");
        Predicate<SourceRecord> predicate = (Predicate<SourceRecord>) instance(p.get("type").asText());
        predicate.configure(props(p.get("config")));
        boolean negate = step.has("negate") && step.get("negate").asBoolean();
        return new Transformation<>() {
            @Override
            public SourceRecord apply(SourceRecord record) {
                return predicate.test(record) != negate ? t.apply(record) : record;
            }

            @Override
            public org.apache.kafka.common.config.ConfigDef config() {
                return t.config();
            }

            @Override
            public void close() {
                t.close();
                predicate.close();
            }

            @Override
            public void configure(Map<String, ?> configs) {
            }
        };
    }

    private static Object instance(String type) throws Exception {
        return Class.forName(type).getDeclaredConstructor().newInstance();
    }

    private static Map<String, String> props(JsonNode config) {
        Map<String, String> props = new HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = config.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            props.put(e.getKey(), e.getValue().asText());
        }
        return props;
    }

    private static JsonConverter converter(boolean schemas, Map<String, String> extra) {
        JsonConverter converter = new JsonConverter();
        Map<String, String> config = new HashMap<>(extra);
        config.put("schemas.enable", Boolean.toString(schemas));
        converter.configure(config, false);
        return converter;
    }

    private static SchemaAndValue toConnect(JsonConverter converter, JsonNode record, String part) {
        JsonNode text = record.get(part);
        byte[] bytes = text == null || text.isNull() ? null : text.asText().getBytes(StandardCharsets.UTF_8);
        return converter.toConnectData(record.get("topic").asText(), bytes);
    }

    private static String fromConnect(JsonConverter converter, JsonNode record, SchemaAndValue value) {
        return text(converter.fromConnectData(record.get("topic").asText(), value.schema(), value.value()));
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    /** The exception's class (a ConfigException, a DataException ...) and message. */
    private static ObjectNode describe(Exception e) {
        ObjectNode o = NODES.objectNode();
        Throwable t = e;
        if (t instanceof java.lang.reflect.InvocationTargetException && t.getCause() != null) {
            t = t.getCause();
        }
        o.put("class", t instanceof ConfigException ? "ConfigException" : t.getClass().getSimpleName());
        // Java prints a byte array by identity hash, which differs from run to run.
        o.put("message", t.getMessage() == null ? null : t.getMessage().replaceAll("\\[B@[0-9a-f]+", "[B@<hash>"));
        return o;
    }
}
