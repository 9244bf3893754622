package dev.streamkit.peers.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The Java client (kafka-clients) as a command-line peer for streamlog's interop tests.
 * Reads JSON on stdin, writes one JSON document on stdout (shapes in {@link Wire});
 * failures go to stderr with exit status 1. The broker is {@code KAFKA_BOOTSTRAP_SERVERS}.
 *
 * <pre>
 * Interop produce &lt;spec.json | -&gt;
 *     spec: {"topic": t, "config": {producer properties}, "steps": [
 *            {"transaction": "none"|"commit"|"abort", "records": [record to send, ...],
 *             "whileOpen": [record to send, ...]}, ...]}
 *     A producer with transactional.id runs each step as one transaction, flushed before
 *     it ends (so aborted records have offsets too); without one every step is "none".
 *     "whileOpen" records are sent by a second producer, the same config without
 *     transactional.id, after the transaction's records and before it ends.
 *     out:  {"sent": [send outcome, ...]}  (every record of every step, "records" then
 *            "whileOpen", in order)
 * Interop consume &lt;topic&gt; &lt;read_committed|read_uncommitted&gt; &lt;expected count&gt; [timeout ms]
 *     Reads every partition from the beginning, without a group, until it has the expected
 *     count and every position reached the end offset the isolation level sees, or the
 *     timeout (default 30000) passes.
 *     out:  {"records": [record read, ...], "complete": true|false}
 * Interop partition &lt;topic&gt;
 *     in:   {"keys": [hex, ...]}; sends each key (value: its index) with the default partitioner
 *     out:  {"partitions": n, "sent": [send outcome, ...], "computed": [partitionForKey, ...]}
 * Interop batches &lt;topic&gt;
 *     The record batches as the broker stored them, read from its log segments (the log
 *     directories describeLogDirs names, which must be on this machine).
 *     out:  {"batches": [{"partition", "baseOffset", "lastOffset", "count", "compression",
 *            "transactional", "control", "timestampType"}, ...]}
 * </pre>
 */
public final class Interop {
    private Interop() {}

    public static void main(String[] args) {
        try {
            JsonNode out = run(args);
            System.out.println(Wire.JSON.writeValueAsString(out));
            System.out.flush();
            System.exit(0);
        } catch (Usage e) {
            System.err.println(e.getMessage());
            System.exit(2);
        } catch (Exception e) {
            System.err.println("interop " + String.join(" ", args) + " failed:");
            e.printStackTrace(System.err);
            System.exit(1);
        }
    }

    private static JsonNode run(String[] args) throws Exception {
        if (args.length == 0) {
            throw new Usage("usage: Interop produce|consume|partition|batches ...");
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "produce":
                need(rest, 1, "produce <spec.json | ->");
                return produce(readJson(rest[0]));
            case "consume":
                need(rest, 3, "consume <topic> <isolation level> <expected count> [timeout ms]");
                return consume(rest[0], rest[1], Integer.parseInt(rest[2]),
                        rest.length > 3 ? Long.parseLong(rest[3]) : 30_000L);
            case "partition":
                need(rest, 1, "partition <topic>  (keys on stdin)");
                return partition(rest[0], readJson("-"));
            case "batches":
                need(rest, 1, "batches <topic>");
                return batches(rest[0]);
            default:
                throw new Usage("unknown command " + args[0] + "; expected produce, consume, partition or batches");
        }
    }

    private static final class Usage extends Exception {
        private static final long serialVersionUID = 1L;

        Usage(String message) {
            super(message);
        }
    }

    private static void need(String[] rest, int n, String usage) throws Usage {
        if (rest.length < n) {
            throw new Usage("usage: Interop " + usage);
        }
    }

    private static JsonNode readJson(String path) throws IOException {
        if (path.equals("-")) {
            try (InputStream in = System.in) {
                return Wire.JSON.readTree(in);
            }
        }
        return Wire.JSON.readTree(new File(path));
    }

    private static Properties base() {
        String servers = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
        if (servers == null || servers.isEmpty()) {
            throw new IllegalStateException("KAFKA_BOOTSTRAP_SERVERS is not set");
        }
        Properties props = new Properties();
        props.put("bootstrap.servers", servers);
        return props;
    }

    private static KafkaProducer<byte[], byte[]> producer(JsonNode config) {
        Properties props = base();
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        if (config != null) {
            for (Map.Entry<String, JsonNode> e : config.properties()) {
                props.put(e.getKey(), e.getValue().asText());
            }
        }
        return new KafkaProducer<>(props);
    }

    private static ObjectNode produce(JsonNode spec) throws Exception {
        String topic = spec.get("topic").textValue();
        JsonNode config = spec.get("config");
        boolean transactional = config != null && config.hasNonNull(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        ObjectNode out = Wire.JSON.createObjectNode();
        ArrayNode sent = out.putArray("sent");
        KafkaProducer<byte[], byte[]> plain = null;
        try (KafkaProducer<byte[], byte[]> producer = producer(config)) {
            if (transactional) {
                producer.initTransactions();
            }
            for (JsonNode step : spec.get("steps")) {
                String end = step.path("transaction").asText("none");
                if (transactional == end.equals("none")) {
                    throw new IllegalArgumentException(transactional
                            ? "a transactional producer's step must end with commit or abort"
                            : "step ends with " + end + " but the producer has no transactional.id");
                }
                if (transactional) {
                    producer.beginTransaction();
                }
                List<Future<RecordMetadata>> futures = new ArrayList<>();
                for (JsonNode r : step.get("records")) {
                    futures.add(producer.send(Wire.toProducerRecord(topic, r)));
                }
                producer.flush();
                for (Future<RecordMetadata> f : futures) {
                    sent.add(Wire.sent(f.get()));
                }
                JsonNode whileOpen = step.get("whileOpen");
                if (whileOpen != null && !whileOpen.isEmpty()) {
                    if (!transactional) {
                        throw new IllegalArgumentException("whileOpen needs a transactional producer");
                    }
                    if (plain == null) {
                        ObjectNode plainConfig = ((ObjectNode) config).deepCopy();
                        plainConfig.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
                        plain = producer(plainConfig);
                    }
                    futures.clear();
                    for (JsonNode r : whileOpen) {
                        futures.add(plain.send(Wire.toProducerRecord(topic, r)));
                    }
                    plain.flush();
                    for (Future<RecordMetadata> f : futures) {
                        sent.add(Wire.sent(f.get()));
                    }
                }
                switch (end) {
                    case "commit" -> producer.commitTransaction();
                    case "abort" -> producer.abortTransaction();
                    case "none" -> { }
                    default -> throw new IllegalArgumentException("unknown transaction end " + end);
                }
            }
        } finally {
            if (plain != null) {
                plain.close();
            }
        }
        return out;
    }

    private static ObjectNode consume(String topic, String isolation, int expected, long timeoutMs) {
        Properties props = base();
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        ObjectNode out = Wire.JSON.createObjectNode();
        ArrayNode records = out.putArray("records");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(topic)) {
                partitions.add(new TopicPartition(topic, p.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            // Under read_committed these are the last stable offsets.
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.currentTimeMillis() + timeoutMs;
            boolean complete = false;
            while (!complete && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    records.add(Wire.read(r));
                }
                complete = records.size() >= expected;
                for (TopicPartition tp : partitions) {
                    complete = complete && consumer.position(tp) >= end.get(tp);
                }
            }
            out.put("complete", complete);
        }
        return out;
    }

    private static ObjectNode partition(String topic, JsonNode input) throws Exception {
        ObjectNode out = Wire.JSON.createObjectNode();
        try (KafkaProducer<byte[], byte[]> producer = producer(input.get("config"))) {
            int n = producer.partitionsFor(topic).size();
            out.put("partitions", n);
            List<Future<RecordMetadata>> futures = new ArrayList<>();
            ArrayNode computed = out.putArray("computed");
            int i = 0;
            for (JsonNode k : input.get("keys")) {
                byte[] key = Wire.bytes(k);
                if (key == null) {
                    throw new IllegalArgumentException("keys must not be null (a null key has no partition of its own)");
                }
                computed.add(BuiltInPartitioner.partitionForKey(key, n));
                futures.add(producer.send(new ProducerRecord<>(topic, key, Integer.toString(i++).getBytes())));
            }
            producer.flush();
            ArrayNode sent = out.putArray("sent");
            for (Future<RecordMetadata> f : futures) {
                sent.add(Wire.sent(f.get()));
            }
        }
        return out;
    }

    private static ObjectNode batches(String topic) throws Exception {
        Properties props = base();
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "streamkit-interop");
        List<ObjectNode> found = new ArrayList<>();
        try (Admin admin = Admin.create(props)) {
            List<Integer> brokers = new ArrayList<>();
            for (Node node : admin.describeCluster().nodes().get()) {
                brokers.add(node.id());
            }
            Map<Integer, Map<String, LogDirDescription>> dirs =
                    admin.describeLogDirs(brokers).allDescriptions().get();
            Map<Integer, File> partitionDirs = new HashMap<>();
            for (Map<String, LogDirDescription> byPath : dirs.values()) {
                for (Map.Entry<String, LogDirDescription> e : byPath.entrySet()) {
                    for (TopicPartition tp : e.getValue().replicaInfos().keySet()) {
                        if (tp.topic().equals(topic)) {
                            partitionDirs.put(tp.partition(), new File(e.getKey(), tp.topic() + "-" + tp.partition()));
                        }
                    }
                }
            }
            if (partitionDirs.isEmpty()) {
                throw new IllegalStateException("no log directory holds topic " + topic);
            }
            for (Map.Entry<Integer, File> e : partitionDirs.entrySet()) {
                File dir = e.getValue();
                File[] segments = dir.listFiles((d, name) -> name.endsWith(".log"));
                if (segments == null) {
                    throw new IllegalStateException("log directory " + dir + " is not on this machine");
                }
                Arrays.sort(segments, Comparator.comparing(File::getName));
                for (File segment : segments) {
                    try (FileRecords records = FileRecords.open(segment, false)) {
                        for (FileChannelRecordBatch b : records.batches()) {
                            ObjectNode o = Wire.JSON.createObjectNode();
                            o.put("partition", e.getKey());
                            o.put("baseOffset", b.baseOffset());
                            o.put("lastOffset", b.lastOffset());
                            o.put("count", b.countOrNull());
                            o.put("compression", b.compressionType().name);
                            o.put("transactional", b.isTransactional());
                            o.put("control", b.isControlBatch());
                            o.put("timestampType", b.timestampType().name);
                            found.add(o);
                        }
                    }
                }
            }
        }
        found.sort(Comparator.<ObjectNode>comparingInt(o -> o.get("partition").intValue())
                .thenComparingLong(o -> o.get("baseOffset").longValue()));
        ObjectNode out = Wire.JSON.createObjectNode();
        out.putArray("batches").addAll(found);
        return out;
    }
}
