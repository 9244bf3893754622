package dev.streamkit.peers.debezium;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Replaces, in place, the fields of Debezium's records that change from run to run with
 * values that depend only on the records of the run, keeping each field's type:
 * <ul>
 * <li>timestamps ({@code ts_ms}, {@code ts_us}, {@code ts_ns} of the envelope, the source
 * block and the transaction and schema-change events) become one fixed instant,
 * {@link #TS_MS} in the field's unit;</li>
 * <li>positions and ids become their rank (1, 2, ...) among the distinct values of their
 * kind in the run, so order and equality survive: transaction ids ({@code txId},
 * {@code xmin}), binlog file numbers (the name keeps its prefix), binlog positions
 * (ranked by file, then position), GTID sequence numbers, thread ids;</li>
 * <li>LSNs (the source's {@code lsn}, the numbers in {@code sequence} and in PostgreSQL
 * transaction ids) become {@code txRank * 1000 + rank} with their rank among the LSNs of
 * their own transaction (0 for none): order and equality survive within a transaction.
 * The LSNs of transaction ids and the last commit LSN of {@code sequence} are ranked
 * apart, from 500: the last commit LSN of {@code sequence} is the END's LSN of the
 * transaction it committed.</li>
 * </ul>
 * Debezium's own run id (header {@value #RUN_ID_HEADER}) becomes {@link #RUN_ID}; in a
 * transaction END event, an identity hash in a data-collection name becomes {@code @0} and
 * the data collections are sorted by name (Debezium lists them in hash-map order).
 * <p>
 * Transaction ids ({@code transaction.id}, the transaction topic's key and value) are
 * rewritten from the same ranks: PostgreSQL's {@code txId:lsn}, MariaDB's GTID
 * {@code domain-server-sequence}, a binlog {@code file:pos}.
 * Server ids (the source's {@code server_id}, a GTID's middle part) stay: they are the
 * test MariaDB's configured {@code server-id}, not a property of the run.
 * <p>
 * Use: {@link #normalise} the records of one run.
 */
final class Normaliser {
    /** The instant every timestamp becomes, in milliseconds since the epoch. */
    static final long TS_MS = 1_700_000_000_000L;

    /** The header Debezium gives each engine run's own UUID, and what it becomes. */
    static final String RUN_ID_HEADER = "__debezium.context.runId";
    static final String RUN_ID = "00000000-0000-0000-0000-000000000000";
    /** An object's identity hash in a name (Java's default toString: Class@hex). */
    private static final Pattern IDENTITY_HASH = Pattern.compile("@[0-9a-f]+$");

    private static final Pattern DIGITS = Pattern.compile("\\d+");
    private static final Pattern FILE = Pattern.compile("^(.*\\.)(\\d+)$");
    private static final Pattern PG_TX = Pattern.compile("^(\\d+):(\\d+)$");
    private static final Pattern GTID = Pattern.compile("^(\\d+)-(\\d+)-(\\d+)$");
    private static final Pattern BINLOG_TX = Pattern.compile("^(.*\\.\\d+):(\\d+)$");

    /** Per transaction id (NO_TX for none), the LSNs seen with it. */
    private final Map<Long, Ranks<Long>> lsns = new HashMap<>();
    /** Per transaction id, the LSNs of its transaction ids and commits. */
    private final Map<Long, Ranks<Long>> txLsns = new HashMap<>();
    /** The commit LSN of each transaction (from its END event), to its transaction id. */
    private final Map<Long, Long> commits = new HashMap<>();
    private static final long NO_TX = -1;
    private final Ranks<Long> txIds = new Ranks<>();
    private final Ranks<String> files = new Ranks<>();
    private final Ranks<String> positions = new Ranks<>();
    private final Ranks<Long> gtids = new Ranks<>();
    private final Ranks<Long> threads = new Ranks<>();
    private boolean applying;
    /** The structs already rewritten: Debezium shares some (a source block) between records. */
    private final Set<Struct> done = Collections.newSetFromMap(new IdentityHashMap<>());

    /** Normalises the records of one run, in place. */
    static void normalise(List<SourceRecord> records) {
        Normaliser n = new Normaliser();
        records.forEach(n::learnCommit);
        records.forEach(n::visit);
        n.applying = true;
        records.forEach(n::visit);
    }

    /** Notes the commit LSN of a PostgreSQL transaction's END event. */
    private void learnCommit(SourceRecord record) {
        if (record.value() instanceof Struct v && v.schema().field("status") != null
                && "END".equals(v.getString("status")) && v.get("id") instanceof String id) {
            Matcher pg = PG_TX.matcher(id);
            if (pg.matches()) {
                commits.put(Long.parseLong(pg.group(2)), Long.parseLong(pg.group(1)));
            }
        }
    }

    private void visit(SourceRecord record) {
        if (applying && record.headers().lastWithName(RUN_ID_HEADER) != null) {
            record.headers().remove(RUN_ID_HEADER).addString(RUN_ID_HEADER, RUN_ID);
        }
        if (record.key() instanceof Struct key) {
            envelope(key);
        }
        if (record.value() instanceof Struct value) {
            envelope(value);
        }
    }

    /** A key or value: an envelope, a transaction event, a schema-change event. */
    private void envelope(Struct s) {
        if (applying && !done.add(s)) {
            return;
        }
        String schemaName = s.schema().name() == null ? "" : s.schema().name();
        boolean transactionEvent = schemaName.endsWith("TransactionMetadataValue")
                || schemaName.endsWith("TransactionMetadataKey");
        for (Field f : s.schema().fields()) {
            Object v = s.get(f);
            if (v == null) {
                continue;
            }
            switch (f.name()) {
                case "ts_ms", "ts_us", "ts_ns" -> set(s, f, timestamp(f.name()));
                case "source" -> source((Struct) v);
                case "transaction" -> {
                    Struct t = (Struct) v;
                    if ((!applying || done.add(t)) && t.schema().field("id") != null && t.get("id") != null) {
                        set(t, t.schema().field("id"), transactionId(t.getString("id")));
                    }
                }
                case "id" -> {
                    if (transactionEvent) {
                        set(s, f, transactionId((String) v));
                    }
                }
                case "data_collections" -> {
                    // PostgreSQL's logical messages are counted under the default
                    // toString of an object, which names its identity hash; the list's
                    // order is that of a hash map keyed by such objects.
                    List<Struct> sorted = new ArrayList<>();
                    for (Object item : (List<?>) v) {
                        Struct c = (Struct) item;
                        String name = c.getString("data_collection");
                        set(c, c.schema().field("data_collection"), IDENTITY_HASH.matcher(name).replaceAll("@0"));
                        sorted.add(c);
                    }
                    sorted.sort(Comparator.comparing((Struct c) -> c.getString("data_collection")));
                    set(s, f, sorted);
                }
                default -> { }
            }
        }
    }

    private void source(Struct s) {
        if (applying && !done.add(s)) {
            return;
        }
        String file = s.schema().field("file") != null ? s.getString("file") : null;
        Long tx = s.schema().field("txId") != null ? s.getInt64("txId") : null;
        long context = tx == null ? NO_TX : tx;
        for (Field f : s.schema().fields()) {
            Object v = s.get(f);
            if (v == null) {
                continue;
            }
            switch (f.name()) {
                case "ts_ms", "ts_us", "ts_ns" -> set(s, f, timestamp(f.name()));
                case "lsn" -> set(s, f, lsn(context, (Long) v));
                case "txId", "xmin" -> set(s, f, txIds.map((Long) v, applying));
                case "sequence" -> set(s, f, sequence((String) v, context));
                case "file" -> set(s, f, binlogFile((String) v));
                case "pos" -> {
                    String key = String.format("%s/%020d", file, (Long) v);
                    set(s, f, positions.map(key, applying));
                }
                case "gtid" -> set(s, f, transactionId((String) v));
                case "thread" -> set(s, f, threads.map((Long) v, applying));
                default -> { }
            }
        }
    }

    private static Object timestamp(String field) {
        return switch (field) {
            case "ts_us" -> TS_MS * 1_000L;
            case "ts_ns" -> TS_MS * 1_000_000L;
            default -> TS_MS;
        };
    }

    private String binlogFile(String name) {
        Matcher m = FILE.matcher(name);
        if (!m.matches()) {
            return name;
        }
        long rank = files.map(name, applying);
        return m.group(1) + String.format("%0" + m.group(2).length() + "d", rank);
    }

    private String transactionId(String id) {
        Matcher pg = PG_TX.matcher(id);
        if (pg.matches()) {
            long tx = Long.parseLong(pg.group(1));
            return txIds.map(tx, applying) + ":" + txLsn(tx, Long.parseLong(pg.group(2)));
        }
        Matcher gtid = GTID.matcher(id);
        if (gtid.matches()) {
            return gtid.group(1) + "-" + gtid.group(2) + "-"
                    + gtids.map(Long.parseLong(gtid.group(3)), applying);
        }
        Matcher binlog = BINLOG_TX.matcher(id);
        if (binlog.matches()) {
            String file = binlog.group(1);
            String key = String.format("%s/%020d", file, Long.parseLong(binlog.group(2)));
            return binlogFile(file) + ":" + positions.map(key, applying);
        }
        throw new IllegalArgumentException("a transaction id of no known form: " + id);
    }

    /**
     * An LSN seen in transaction tx: txRank * 1000 + its rank among the LSNs of tx. LSNs
     * are ranked within their transaction because equalities across transactions (one's
     * commit LSN against the next one's first LSN) depend on what else the server wrote
     * to its WAL in between, which other clients change from run to run.
     */
    private long lsn(long tx, long lsn) {
        long txRank = tx == NO_TX ? 0 : txIds.map(tx, applying);
        return txRank * 1000 + lsns.computeIfAbsent(tx, t -> new Ranks<>()).map(lsn, applying);
    }

    /**
     * An LSN in a PostgreSQL transaction id (txId:lsn), or a commit LSN:
     * txRank * 1000 + 500 + its rank among such LSNs of tx. They are ranked apart from the
     * changes' LSNs: whether a commit LSN equals the last change's depends on what else
     * the server wrote to its WAL in between.
     */
    private long txLsn(long tx, long lsn) {
        long txRank = txIds.map(tx, applying);
        return txRank * 1000 + 500 + txLsns.computeIfAbsent(tx, t -> new Ranks<>()).map(lsn, applying);
    }

    /**
     * PostgreSQL's source sequence, ["lastCommitLsn","lsn"]: the last commit LSN is ranked
     * with the transaction ids' LSNs of the transaction it committed, when this run saw
     * that transaction's END.
     */
    private String sequence(String text, long context) {
        Matcher m = DIGITS.matcher(text);
        StringBuilder b = new StringBuilder();
        boolean first = !text.startsWith("[null");
        while (m.find()) {
            long lsn = Long.parseLong(m.group());
            Long committed = first ? commits.get(lsn) : null;
            long normalised = committed != null ? txLsn(committed, lsn) : lsn(context, lsn);
            m.appendReplacement(b, Long.toString(normalised));
            first = false;
        }
        m.appendTail(b);
        return b.toString();
    }

    /** Writes a field when applying; collecting only reads. */
    private void set(Struct s, Field f, Object value) {
        if (applying) {
            s.put(f, value);
        }
    }

    /** The distinct values of one kind, then their ranks in natural order from 1. */
    static final class Ranks<T extends Comparable<T>> {
        private final TreeSet<T> seen = new TreeSet<>();
        private Map<T, Long> ranks;

        /** Collecting: remembers the value (and returns 0). Applying: its rank. */
        long map(T value, boolean applying) {
            if (!applying) {
                if (ranks != null) {
                    throw new IllegalStateException("collect after apply");
                }
                seen.add(value);
                return 0;
            }
            if (ranks == null) {
                ranks = new HashMap<>();
                long next = 1;
                for (T t : seen) {
                    ranks.put(t, next++);
                }
            }
            Long rank = ranks.get(value);
            if (rank == null) {
                throw new IllegalStateException("a value not collected: " + value);
            }
            return rank;
        }
    }
}
