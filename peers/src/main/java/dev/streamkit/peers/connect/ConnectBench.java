package dev.streamkit.peers.connect;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.transforms.ExtractField;
import org.apache.kafka.connect.transforms.MaskField;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.ValueToKey;

/**
 * Kafka Connect's own JsonConverter and transforms in timed loops, the rival of
 * connect-sdk's in benches/src/bin/connect_compare.rs, which runs this class and reads
 * its output: one line per measure, "what records_per_second cpu_ns_per_record".
 *
 * <p>Arguments: the number of records, and how many rounds to run (the first half warm
 * the JIT up; the best of the others is reported). The records are those the Rust side
 * makes: {@link #record(int)} writes the same JSON text.
 */
public final class ConnectBench {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private ConnectBench() {
    }

    /** Record i as JsonConverter text with its schema: a 200-byte payload. */
    static String record(int i) {
        String schema = "{\"type\":\"struct\",\"fields\":["
                + "{\"type\":\"int64\",\"optional\":false,\"field\":\"id\"},"
                + "{\"type\":\"string\",\"optional\":false,\"field\":\"name\"},"
                + "{\"type\":\"string\",\"optional\":true,\"field\":\"email\"},"
                + "{\"type\":\"string\",\"optional\":true,\"field\":\"cc\"},"
                + "{\"type\":\"string\",\"optional\":true,\"field\":\"city\"},"
                + "{\"type\":\"double\",\"optional\":true,\"field\":\"amount\"},"
                + "{\"type\":\"int64\",\"optional\":false,\"field\":\"ts\"},"
                + "{\"type\":\"boolean\",\"optional\":true,\"field\":\"member\"}"
                + "],\"optional\":false,\"name\":\"shop.Customer\"}";
        String payload = "{\"id\":" + (1000000 + i)
                + ",\"name\":\"customer number " + i + "\""
                + ",\"email\":\"customer" + i + "@example.com\""
                + ",\"cc\":\"4111-1111-1111-" + String.format("%04d", i % 10000) + "\""
                + ",\"city\":\"Amsterdam Noord " + (i % 97) + "\""
                + ",\"amount\":" + (i % 1000) + ".25"
                + ",\"ts\":" + (1700000000000L + i)
                + ",\"member\":" + (i % 2 == 0 ? "true" : "false") + "}";
        return "{\"schema\":" + schema + ",\"payload\":" + payload + "}";
    }

    interface Loop {
        void run();
    }

    public static void main(String[] args) {
        int n = Integer.parseInt(args[0]);
        int rounds = Integer.parseInt(args[1]);
        JsonConverter json = new JsonConverter();
        json.configure(Map.of("schemas.enable", "true"), false);
        List<byte[]> bytes = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            bytes.add(record(i).getBytes(StandardCharsets.UTF_8));
        }
        List<SourceRecord> records = new ArrayList<>(n);
        for (byte[] b : bytes) {
            SchemaAndValue v = json.toConnectData("customers", b);
            records.add(new SourceRecord(null, null, "customers", null, null, null, v.schema(), v.value()));
        }
        List<Transformation<SourceRecord>> chain = chain();
        long[] sink = new long[1];
        measure("chain", n, rounds, () -> {
            for (SourceRecord r : records) {
                SourceRecord out = r;
                for (Transformation<SourceRecord> t : chain) {
                    out = t.apply(out);
                }
                sink[0] += out.key().hashCode();
            }
        });
        measure("json_decode", n, rounds, () -> {
            for (byte[] b : bytes) {
                sink[0] += json.toConnectData("customers", b).value().hashCode();
            }
        });
        measure("json_encode", n, rounds, () -> {
            for (SourceRecord r : records) {
                sink[0] += json.fromConnectData("customers", r.valueSchema(), r.value()).length;
            }
        });
        measure("decode_chain_encode", n, rounds, () -> {
            for (byte[] b : bytes) {
                SchemaAndValue v = json.toConnectData("customers", b);
                SourceRecord out = new SourceRecord(null, null, "customers", null, null, null, v.schema(), v.value());
                for (Transformation<SourceRecord> t : chain) {
                    out = t.apply(out);
                }
                sink[0] += json.fromConnectData("customers", out.keySchema(), out.key()).length;
                sink[0] += json.fromConnectData("customers", out.valueSchema(), out.value()).length;
            }
        });
        if (sink[0] == 42) {
            System.err.println("unlikely");
        }
    }

    private static List<Transformation<SourceRecord>> chain() {
        ValueToKey<SourceRecord> createKey = new ValueToKey<>();
        createKey.configure(Map.of("fields", "id"));
        ExtractField.Key<SourceRecord> extractInt = new ExtractField.Key<>();
        extractInt.configure(Map.of("field", "id"));
        MaskField.Value<SourceRecord> mask = new MaskField.Value<>();
        mask.configure(Map.of("fields", "cc"));
        return List.of(createKey, extractInt, mask);
    }

    /** Runs the loop `rounds` times; prints the best rate of the second half. */
    private static void measure(String what, int n, int rounds, Loop loop) {
        double best = 0;
        double bestCpu = Double.MAX_VALUE;
        for (int round = 0; round < rounds; round++) {
            long cpu0 = THREADS.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            loop.run();
            long wall = System.nanoTime() - t0;
            long cpu = THREADS.getCurrentThreadCpuTime() - cpu0;
            if (round >= rounds / 2) {
                best = Math.max(best, n / (wall / 1e9));
                bestCpu = Math.min(bestCpu, (double) cpu / n);
            }
        }
        System.out.printf("%s %.0f %.1f%n", what, best, bestCpu);
    }
}
