package dev.streamkit.peers.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * The JSON shapes exchanged with the Rust tests. Bytes (keys, values, header values)
 * travel as lowercase hex strings and JSON null stands for a null, so an empty array
 * and a null stay apart and binary survives unchanged. Header keys are strings.
 *
 * <pre>
 * record to send:  {"partition": 2|null, "key": "6b31"|null, "value": "..."|null,
 *                   "timestamp": 1700000000000|null, "headers": [{"key": "k", "value": "..."|null}]}
 * record read:     {"partition": 2, "offset": 5, "timestamp": 17..., "timestampType": "CreateTime",
 *                   "key": ..., "value": ..., "headers": [...]}
 * send outcome:    {"partition": 2, "offset": 5, "timestamp": 17...}
 * </pre>
 */
final class Wire {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HexFormat HEX = HexFormat.of();

    private Wire() {}

    static String hex(byte[] bytes) {
        return bytes == null ? null : HEX.formatHex(bytes);
    }

    static byte[] bytes(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new IllegalArgumentException("expected a hex string or null, got " + node);
        }
        return HEX.parseHex(node.textValue());
    }

    static ProducerRecord<byte[], byte[]> toProducerRecord(String topic, JsonNode r) {
        JsonNode partition = r.get("partition");
        JsonNode timestamp = r.get("timestamp");
        List<Header> headers = new ArrayList<>();
        JsonNode hs = r.get("headers");
        if (hs != null && !hs.isNull()) {
            for (JsonNode h : hs) {
                headers.add(new RecordHeader(h.get("key").textValue(), bytes(h.get("value"))));
            }
        }
        return new ProducerRecord<>(
                topic,
                partition == null || partition.isNull() ? null : partition.intValue(),
                timestamp == null || timestamp.isNull() ? null : timestamp.longValue(),
                bytes(r.get("key")),
                bytes(r.get("value")),
                headers);
    }

    static ObjectNode sent(RecordMetadata m) {
        ObjectNode o = JSON.createObjectNode();
        o.put("partition", m.partition());
        o.put("offset", m.offset());
        o.put("timestamp", m.timestamp());
        return o;
    }

    static ObjectNode read(ConsumerRecord<byte[], byte[]> r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("partition", r.partition());
        o.put("offset", r.offset());
        o.put("timestamp", r.timestamp());
        o.put("timestampType", r.timestampType().name);
        o.put("key", hex(r.key()));
        o.put("value", hex(r.value()));
        ArrayNode headers = o.putArray("headers");
        for (Header h : r.headers()) {
            ObjectNode header = headers.addObject();
            header.put("key", h.key());
            header.put("value", hex(h.value()));
        }
        return o;
    }
}
