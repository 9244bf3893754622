package dev.streamkit.peers.debezium;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.storage.SimpleHeaderConverter;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;

/**
 * Runs Debezium's embedded engine against the test PostgreSQL and MariaDB, applies a
 * scripted set of changes (src/main/resources/*.sql) and writes every record the engine
 * emits, through Kafka's JsonConverter with and without schemas.
 *
 * <pre>java -cp ... dev.streamkit.peers.debezium.CorpusRunner OUT_DIR RAW_DIR [RUN ...]</pre>
 *
 * For each run NAME (all of {@link #RUNS} when none is given) it writes NAME.schema.jsonl
 * and NAME.plain.jsonl: one record a line, {"topic", "key", "value"} (plus "headers" when
 * the record has some), key and value being the converter's exact output (null when the
 * record has none). OUT_DIR gets the copy whose run-dependent fields (timestamps, log
 * positions, transaction ids, ...) are normalised by {@link Normaliser}; RAW_DIR the copy
 * as the engine sent it.
 */
public final class CorpusRunner {

    /** A database the runs capture. */
    enum Database { POSTGRES, MARIADB }

    /** One run: a database, the connector settings on top of the defaults. */
    record Run(String name, Database database, Map<String, String> settings) {}

    static final List<Run> RUNS = List.of(
            new Run("postgres", Database.POSTGRES, Map.of()),
            // Settings users commonly change from their defaults.
            new Run("postgres-string-modes", Database.POSTGRES, ordered(
                    "decimal.handling.mode", "string",
                    "interval.handling.mode", "string",
                    "hstore.handling.mode", "map",
                    "binary.handling.mode", "hex",
                    "time.precision.mode", "connect")),
            new Run("postgres-double-modes", Database.POSTGRES, ordered(
                    "decimal.handling.mode", "double",
                    "binary.handling.mode", "base64",
                    "time.precision.mode", "adaptive_time_microseconds",
                    "column.propagate.source.type", "corpus\\.numbers\\..*")),
            new Run("mariadb", Database.MARIADB, Map.of()));

    static final String PG_URL = "jdbc:postgresql://127.0.0.1:5432/test";
    static final String MARIADB_URL = "jdbc:mariadb://127.0.0.1:3306/";
    static final String USER = "streamkit";
    static final String PASSWORD = "streamkit";
    /** The table whose insert, the last change of every script, ends a run. */
    static final String SENTINEL_TABLE = "done";
    /** How long the engine must stay quiet after the sentinel before a run ends. */
    static final long QUIET_MS = 2_000;
    static final long TIMEOUT_MS = 180_000;
    /** The GTID domain of the MariaDB script's transactions (set by mariadb-changes.sql). */
    static final int MARIADB_DOMAIN = 7;

    public static void main(String[] args) {
        // Warnings and errors only, on stderr.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        root.setLevel(java.util.logging.Level.WARNING);
        for (var handler : root.getHandlers()) {
            handler.setLevel(java.util.logging.Level.WARNING);
        }
        try {
            runAll(args);
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1);
        }
        // Debezium leaves non-daemon threads behind (JDBC, the binlog client).
        System.exit(0);
    }

    static void runAll(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: CorpusRunner OUT_DIR RAW_DIR [RUN ...]");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        Path raw = Path.of(args[1]);
        Files.createDirectories(out);
        Files.createDirectories(raw);
        List<Run> runs = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            String name = args[i];
            runs.add(RUNS.stream().filter(r -> r.name().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no run named " + name)));
        }
        if (runs.isEmpty()) {
            runs.addAll(RUNS);
        }
        for (Run run : runs) {
            long start = System.nanoTime();
            List<SourceRecord> records = capture(run);
            write(raw, run.name(), records);
            Normaliser.normalise(records);
            write(out, run.name(), records);
            System.err.printf("%s: %d records in %.1fs%n", run.name(), records.size(),
                    (System.nanoTime() - start) / 1e9);
        }
    }

    /** The records one run's engine emits, in order. */
    static List<SourceRecord> capture(Run run) throws Exception {
        String slot = "corpus_" + run.name().replace('-', '_');
        try (Connection db = connect(run.database())) {
            if (run.database() == Database.POSTGRES) {
                Sql.execute(db, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                        + " WHERE slot_name = '" + slot + "' AND NOT active");
            }
            Sql.run(db, resource(run.database(), "setup"));
        }

        List<SourceRecord> records = Collections.synchronizedList(new ArrayList<>());
        Progress progress = new Progress();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        DebeziumEngine<RecordChangeEvent<SourceRecord>> engine = DebeziumEngine
                .create(ChangeEventFormat.of(Connect.class))
                .using(properties(run, slot))
                .notifying((batch, committer) -> {
                    for (RecordChangeEvent<SourceRecord> event : batch) {
                        SourceRecord record = event.record();
                        records.add(record);
                        progress.saw(record);
                        committer.markProcessed(event);
                    }
                    committer.markBatchFinished();
                })
                .using((success, message, error) -> {
                    if (!success) {
                        failure.set(error != null ? error : new IllegalStateException(message));
                    }
                    progress.stopped();
                })
                .build();
        ExecutorService executor = Executors.newSingleThreadExecutor();
        executor.execute(engine);
        try {
            progress.await(() -> progress.snapshotDone, failure, "the snapshot");
            try (Connection db = connect(run.database())) {
                Sql.run(db, resource(run.database(), "changes"));
            }
            progress.await(() -> progress.sentinelSeen && progress.quietFor() > QUIET_MS, failure,
                    "the sentinel insert into " + SENTINEL_TABLE);
        } finally {
            engine.close();
            executor.shutdown();
            executor.awaitTermination(60, TimeUnit.SECONDS);
        }
        if (failure.get() != null) {
            throw new IllegalStateException(run.name() + ": the engine failed", failure.get());
        }
        List<SourceRecord> ours = new ArrayList<>(records);
        if (run.database() == Database.MARIADB) {
            // The server is shared: other clients' transactions reach the connector too,
            // and it sends BEGIN and END (event_count 0) for each. The scripts' own
            // transactions are those of GTID domain MARIADB_DOMAIN.
            int before = ours.size();
            ours.removeIf(r -> r.topic().endsWith(".transaction") && r.value() instanceof Struct v
                    && !v.getString("id").startsWith(MARIADB_DOMAIN + "-"));
            if (ours.size() != before) {
                System.err.printf("%s: left out %d transaction events of other clients%n", run.name(),
                        before - ours.size());
            }
        }
        return ours;
    }

    static Properties properties(Run run, String slot) {
        Properties p = new Properties();
        p.setProperty("name", "corpus-" + run.name());
        p.setProperty("offset.storage", "org.apache.kafka.connect.storage.MemoryOffsetBackingStore");
        p.setProperty("offset.flush.interval.ms", "60000");
        p.setProperty("database.hostname", "127.0.0.1");
        p.setProperty("database.user", USER);
        p.setProperty("database.password", PASSWORD);
        p.setProperty("provide.transaction.metadata", "true");
        p.setProperty("snapshot.mode", "initial");
        // Truncates are skipped by default; the corpus wants them.
        p.setProperty("skipped.operations", "none");
        p.setProperty("include.unknown.datatypes", "true");
        if (run.database() == Database.POSTGRES) {
            p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
            p.setProperty("database.port", "5432");
            p.setProperty("database.dbname", "test");
            p.setProperty("topic.prefix", "corpus_pg");
            p.setProperty("plugin.name", "pgoutput");
            p.setProperty("slot.name", slot);
            p.setProperty("slot.drop.on.stop", "true");
            p.setProperty("publication.name", "corpus_pub");
            p.setProperty("publication.autocreate.mode", "disabled");
            p.setProperty("schema.include.list", "corpus");
        } else {
            p.setProperty("connector.class", "io.debezium.connector.mariadb.MariaDbConnector");
            p.setProperty("database.port", "3306");
            p.setProperty("database.server.id", "5401");
            p.setProperty("topic.prefix", "corpus_mariadb");
            p.setProperty("database.include.list", "corpus");
            p.setProperty("include.schema.changes", "true");
            p.setProperty("schema.history.internal", "io.debezium.relational.history.MemorySchemaHistory");
        }
        run.settings().forEach(p::setProperty);
        return p;
    }

    static Connection connect(Database database) throws SQLException {
        String url = database == Database.POSTGRES ? PG_URL : MARIADB_URL;
        return DriverManager.getConnection(url, USER, PASSWORD);
    }

    static String resource(Database database, String part) throws IOException {
        String name = (database == Database.POSTGRES ? "postgres" : "mariadb") + "-" + part + ".sql";
        try (var in = CorpusRunner.class.getResourceAsStream("/" + name)) {
            if (in == null) {
                throw new IOException("no resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Writes NAME.schema.jsonl and NAME.plain.jsonl into dir. */
    static void write(Path dir, String name, List<SourceRecord> records) throws IOException {
        for (boolean schemas : new boolean[] {true, false}) {
            JsonConverter keys = converter(schemas, true);
            JsonConverter values = converter(schemas, false);
            SimpleHeaderConverter headers = new SimpleHeaderConverter();
            StringBuilder text = new StringBuilder();
            for (SourceRecord r : records) {
                byte[] key = keys.fromConnectData(r.topic(), r.keySchema(), r.key());
                byte[] value = values.fromConnectData(r.topic(), r.valueSchema(), r.value());
                text.append("{\"topic\":").append(Json.quote(r.topic()));
                text.append(",\"key\":").append(key == null ? "null" : new String(key, StandardCharsets.UTF_8));
                text.append(",\"value\":").append(value == null ? "null" : new String(value, StandardCharsets.UTF_8));
                if (!r.headers().isEmpty()) {
                    text.append(",\"headers\":[");
                    boolean first = true;
                    for (Header h : r.headers()) {
                        byte[] v = headers.fromConnectHeader(r.topic(), h.key(), h.schema(), h.value());
                        text.append(first ? "" : ",").append("[").append(Json.quote(h.key())).append(",")
                                .append(v == null ? "null" : Json.quote(new String(v, StandardCharsets.UTF_8)))
                                .append("]");
                        first = false;
                    }
                    text.append("]");
                }
                text.append("}\n");
            }
            Files.writeString(dir.resolve(name + (schemas ? ".schema" : ".plain") + ".jsonl"), text);
        }
    }

    static JsonConverter converter(boolean schemas, boolean isKey) {
        JsonConverter c = new JsonConverter();
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("schemas.enable", schemas);
        c.configure(config, isKey);
        return c;
    }

    static Map<String, String> ordered(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    /** What the engine has sent so far, for the main thread to wait on. */
    static final class Progress {
        volatile boolean snapshotDone;
        volatile boolean sentinelSeen;
        volatile boolean stopped;
        volatile long lastRecordAt = System.currentTimeMillis();

        void saw(SourceRecord record) {
            lastRecordAt = System.currentTimeMillis();
            if (record.value() instanceof Struct value && value.schema().field("source") != null) {
                Struct source = value.getStruct("source");
                if (source != null && source.schema().field("snapshot") != null
                        && "last".equals(source.get("snapshot"))) {
                    snapshotDone = true;
                }
                if (source != null && source.schema().field("table") != null
                        && SENTINEL_TABLE.equals(source.get("table"))
                        && value.schema().field("op") != null && "c".equals(value.get("op"))) {
                    sentinelSeen = true;
                }
            }
        }

        void stopped() {
            stopped = true;
        }

        long quietFor() {
            return System.currentTimeMillis() - lastRecordAt;
        }

        void await(java.util.function.BooleanSupplier done, AtomicReference<Throwable> failure, String what)
                throws InterruptedException {
            long deadline = System.currentTimeMillis() + TIMEOUT_MS;
            while (!done.getAsBoolean()) {
                if (failure.get() != null) {
                    throw new IllegalStateException("the engine failed waiting for " + what, failure.get());
                }
                if (stopped) {
                    throw new IllegalStateException("the engine stopped before " + what);
                }
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("timed out waiting for " + what);
                }
                Thread.sleep(100);
            }
        }
    }
}
