//! Source transactions applied atomically: the change events of three tables and the
//! transaction metadata of a (generated) Debezium PostgreSQL connector are assembled by
//! `cdc-core`'s `TransactionAssembler`, and each source transaction is written to
//! `shop.applied` in one Kafka transaction of `streamlog`'s transactional producer,
//! with the assembler's checkpoint and the input offsets to resume from. A consumer
//! reading `shop.applied` with `read_committed` sees whole transactions only, each
//! once, in commit order, even when the applier crashes in the middle of one.
//!
//! Shared by the `cdc_transactions` binary and its test (included by path).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::error::Error;
use std::time::Duration;

use cdc_core::transaction::{
    AssemblerConfig, Checkpoint, EventInfo, Pushed, ReplayOffsets, TransactionAssembler, TransactionSource,
};
use cdc_core::{
    ChangeEvent, DebeziumJson, DebeziumTransactionJson, Decode, Operation, Position, Row, Source,
    Transaction, TransactionMetadata, TransactionMetadataRecord, Value,
};
use streamlog::{ClientConfig, Cluster, ProducerRecord, Record, TopicConfig, TopicPartition};

/// The tables' topics (`<topic.prefix>.<schema>.<table>`).
pub const TABLES: [&str; 3] = ["shop.public.orders", "shop.public.lines", "shop.public.stock"];
/// Debezium's transaction metadata topic (one partition).
pub const METADATA_TOPIC: &str = "shop.transaction";
/// Where the applier writes each transaction's events.
pub const OUTPUT_TOPIC: &str = "shop.applied";
/// Where it writes its checkpoint, with each transaction.
pub const CHECKPOINT_TOPIC: &str = "shop.applied.checkpoint";
/// The applier's consumer group and transactional id.
pub const APPLIER: &str = "shop-applier";

const TIMEOUT: Duration = Duration::from_secs(10);

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// A source transaction as the connector wrote it: its `END`'s id and its events'
/// records (topic, key, value), in order.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceTransaction {
    pub id: String,
    pub events: Vec<(String, Vec<u8>, Vec<u8>)>,
}

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// `count` transactions of one to five changes over the three tables, as Debezium's
/// PostgreSQL connector writes them: each event with its `transaction` block, `BEGIN`
/// and `END` on the metadata topic. Returns the transactions and every record in the
/// order the connector sends them; the last `resent` transactions are sent twice, as a
/// connector does after a restart.
pub fn generate(
    seed: u64,
    count: usize,
    resent: usize,
) -> Result<(Vec<SourceTransaction>, Vec<ProducerRecord>)> {
    let mut rng = Rng(seed.max(1));
    let (mut lsn, mut last_commit) = (10_000_i64, 9_000_i64);
    let mut transactions = Vec::new();
    let mut per_transaction: Vec<Vec<ProducerRecord>> = Vec::new();
    for k in 0..count {
        let tx_id = 700 + k as i64;
        let ts = 1_780_000_000_000 + k as i64 * 1_000;
        let mut records = vec![metadata(
            TransactionMetadata::begin(format!("{tx_id}:{lsn}")).at(ts),
        )];
        let mut events = Vec::new();
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for order in 1..=1 + rng.below(5) as i64 {
            lsn += 56;
            let table = TABLES[rng.below(3) as usize];
            let name = table.rsplit('.').next().unwrap_or(table);
            let id = rng.below(50) as i64;
            let after = Row::new()
                .with("id", Value::Int(id))
                .with("qty", Value::Int(rng.below(100) as i64));
            let source = Source {
                connector: Some("postgresql".into()),
                name: Some("shop".into()),
                db: Some("shop".into()),
                schema: Some("public".into()),
                table: Some(name.into()),
                ts_ms: Some(ts),
                position: Position::Postgres {
                    lsn: Some(lsn),
                    tx_id: Some(tx_id),
                },
                ..Source::default()
            };
            let mut event = ChangeEvent::new(Operation::Create, None, Some(after), source)?;
            event
                .source
                .extra
                .insert("sequence".into(), format!(r#"["{last_commit}","{lsn}"]"#).into());
            let in_table = counts.entry(format!("public.{name}")).or_default();
            *in_table += 1;
            event.transaction = Some(Transaction {
                id: format!("{tx_id}:{lsn}"),
                total_order: Some(order),
                data_collection_order: Some(*in_table as i64),
            });
            event.ts_ms = Some(ts + 5);
            let key = format!(r#"{{"id":{id}}}"#).into_bytes();
            let value = DebeziumJson::encode_event(&event);
            records.push(ProducerRecord::new(table).key(key.clone()).value(value.clone()));
            events.push((table.to_owned(), key, value));
        }
        let commit = lsn + 32;
        let end = TransactionMetadata::end(format!("{tx_id}:{commit}"), counts).at(ts + 9);
        records.push(metadata(end.clone()));
        transactions.push(SourceTransaction { id: end.id, events });
        per_transaction.push(records);
        last_commit = commit;
        lsn = commit + 8;
    }
    let again: Vec<ProducerRecord> = per_transaction[count.saturating_sub(resent)..].concat();
    let mut records: Vec<ProducerRecord> = per_transaction.concat();
    records.extend(again);
    Ok((transactions, records))
}

fn metadata(m: TransactionMetadata) -> ProducerRecord {
    let record = TransactionMetadataRecord::plain(m);
    ProducerRecord::new(METADATA_TOPIC)
        .key(DebeziumTransactionJson::encode_key(&record))
        .value(DebeziumTransactionJson::encode(&record))
}

/// Creates the topics: the tables' with `partitions` partitions (keyed by primary
/// key), the others with one.
pub fn create_topics(cluster: &Cluster, partitions: i32) -> Result<()> {
    let admin = cluster.admin()?;
    let existing = admin.list_topics()?;
    let wanted = TABLES.iter().map(|t| (*t, partitions)).chain([
        (METADATA_TOPIC, 1),
        (OUTPUT_TOPIC, 1),
        (CHECKPOINT_TOPIC, 1),
    ]);
    for (topic, n) in wanted {
        if !existing.iter().any(|t| t == topic) {
            admin.create_topic(topic, &TopicConfig::new(n))?;
        }
    }
    Ok(())
}

/// Writes the connector's records.
pub fn write_source(cluster: &Cluster, records: Vec<ProducerRecord>) -> Result<()> {
    let producer = cluster.producer(&ClientConfig::new())?;
    for record in records {
        producer.enqueue(record)?;
    }
    producer.flush(TIMEOUT)?;
    Ok(())
}

/// How an applier run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It read everything; it wrote this many Kafka transactions.
    Finished(usize),
    /// It stopped, as told, in the middle of a Kafka transaction it never commits.
    Crashed,
}

/// What the applier keeps of each record it pushes: where it was read, and its key and
/// value.
struct Read {
    partition: TopicPartition,
    offset: i64,
    key: Option<Vec<u8>>,
    value: Option<Vec<u8>>,
}

/// Runs the applier until it has read every input record: assembles, and writes each
/// transaction (or chunk past `max_events`) with its checkpoint and input offsets in one
/// Kafka transaction. It starts from the group's committed offsets and the last
/// committed checkpoint. With `crash_after`, it stops after that many Kafka
/// transactions, halfway through writing the next.
pub fn apply(cluster: &Cluster, max_events: Option<usize>, crash_after: Option<usize>) -> Result<Outcome> {
    let admin = cluster.admin()?;
    let mut partitions = Vec::new();
    for topic in TABLES.iter().chain([&METADATA_TOPIC]) {
        let n = admin.end_offsets(topic)?.len() as i32;
        partitions.extend((0..n).map(|p| TopicPartition::new(*topic, p)));
    }
    let mut consumer = cluster.consumer(
        &ClientConfig::new()
            .group_id(APPLIER)
            .set("enable.auto.commit", "false")
            .set("auto.offset.reset", "earliest"),
    )?;
    consumer.assign(&partitions)?;
    let group = consumer
        .group_metadata()
        .ok_or("the applier's consumer has no group")?;
    let producer = cluster.producer(&ClientConfig::new().set("transactional.id", APPLIER))?;
    // Fences an applier that crashed, aborting its open transaction.
    producer.init_transactions(TIMEOUT)?;
    let config = AssemblerConfig::new(TransactionSource::DebeziumPostgres).max_events(max_events);
    let mut assembler = TransactionAssembler::restore(config, last_checkpoint(cluster)?);
    let mut offsets = ReplayOffsets::new();
    let mut written = 0;
    let mut idle = 0;
    while idle < 3 {
        let records = consumer.poll(Duration::from_millis(100))?;
        idle = if records.is_empty() { idle + 1 } else { 0 };
        for record in records {
            let (partition, offset) = (record.topic_partition(), record.offset);
            let pushed = push(&mut assembler, record)?;
            offsets.read(partition, offset, pushed);
            for read in assembler.take_released() {
                offsets.release(&read.partition, read.offset);
            }
            while let Some(unit) = assembler.pop() {
                for read in unit.events.iter().chain(&unit.end) {
                    offsets.release(&read.partition, read.offset);
                }
                if unit.events.is_empty() && unit.chunk.index == 0 {
                    continue; // nothing to write: its offsets go with the next transaction
                }
                let transaction = unit.transaction.as_ref().ok_or("events outside transactions")?;
                producer.begin_transaction()?;
                for (i, read) in unit.events.iter().enumerate() {
                    let mut out = ProducerRecord::new(OUTPUT_TOPIC)
                        .header("tx.id", transaction.id.clone())
                        .header("tx.key", transaction.key.clone())
                        .header("tx.event_count", transaction.event_count.unwrap_or(0).to_string())
                        .header("tx.chunk", format!("{}/{}", unit.chunk.index, unit.chunk.last));
                    if let Some(key) = &read.key {
                        out = out.key(key.clone());
                    }
                    if let Some(value) = &read.value {
                        out = out.value(value.clone());
                    }
                    producer.enqueue(out)?;
                    // The crash: half the transaction's events sent, no commit.
                    if crash_after == Some(written) && i + 1 == unit.events.len().div_ceil(2) {
                        producer.flush(TIMEOUT)?;
                        return Ok(Outcome::Crashed);
                    }
                }
                if unit.events.is_empty() {
                    // The last chunk of a transaction all of whose events went out in
                    // earlier chunks: a record without key and value marks its end.
                    producer.enqueue(
                        ProducerRecord::new(OUTPUT_TOPIC)
                            .header("tx.id", transaction.id.clone())
                            .header("tx.key", transaction.key.clone())
                            .header("tx.chunk", format!("{}/{}", unit.chunk.index, unit.chunk.last)),
                    )?;
                }
                let checkpoint = assembler.checkpoint().to_json()?;
                producer.enqueue(
                    ProducerRecord::new(CHECKPOINT_TOPIC)
                        .key(APPLIER)
                        .value(checkpoint),
                )?;
                producer.send_offsets_to_transaction(&offsets.commit_offsets(), &group, TIMEOUT)?;
                producer.commit_transaction(TIMEOUT)?;
                written += 1;
            }
        }
    }
    Ok(Outcome::Finished(written))
}

/// Pushes a record; whether the assembler holds it.
fn push(assembler: &mut TransactionAssembler<Read>, record: Record) -> Result<bool> {
    let key = record.key.as_deref().map(<[u8]>::to_vec);
    let value = record.value.as_deref().map(<[u8]>::to_vec);
    let Some(bytes) = value.clone() else {
        return Ok(false); // a tombstone: no event
    };
    let read = Read {
        partition: record.topic_partition(),
        offset: record.offset,
        key,
        value,
    };
    let pushed = if &*record.topic == METADATA_TOPIC {
        match DebeziumTransactionJson.decode(None, Some(&bytes))?.into_change() {
            Some(m) => assembler.push_metadata(&m.metadata, read)?,
            None => return Ok(false),
        }
    } else {
        match DebeziumJson.decode(None, Some(&bytes))?.into_change() {
            Some(r) => assembler.push_event(EventInfo::of(&r.event).with_bytes(bytes.len()), read)?,
            None => return Ok(false),
        }
    };
    Ok(matches!(pushed, Pushed::Held))
}

/// The applier's last committed checkpoint (none before its first transaction).
fn last_checkpoint(cluster: &Cluster) -> Result<Checkpoint> {
    let mut last = None;
    for record in read_all(cluster, CHECKPOINT_TOPIC, "read_committed")? {
        if record.key.as_deref() == Some(APPLIER.as_bytes()) {
            last = record.value.map(|v| v.to_vec());
        }
    }
    Ok(match last {
        Some(bytes) => Checkpoint::from_json(&bytes)?,
        None => Checkpoint::default(),
    })
}

/// Every record of `topic` (one partition) a reader with `isolation` sees.
pub fn read_all(cluster: &Cluster, topic: &str, isolation: &str) -> Result<Vec<Record>> {
    let mut reader = cluster.consumer(
        &ClientConfig::new()
            .set("auto.offset.reset", "earliest")
            .set("isolation.level", isolation),
    )?;
    reader.assign(&[TopicPartition::new(topic, 0)])?;
    let mut out = Vec::new();
    let mut idle = 0;
    while idle < 3 {
        let records = reader.poll(Duration::from_millis(100))?;
        idle = if records.is_empty() { idle + 1 } else { 0 };
        out.extend(records);
    }
    Ok(out)
}

/// A record's key and value.
type KeyValue = (Vec<u8>, Vec<u8>);

/// Checks what a reader of `shop.applied` saw against the source: each transaction
/// once, in commit order, its events in order; a transaction written in chunks (past
/// the assembler's bound) has them all once across its chunks (which carry its key,
/// the `txId`: a chunk written before the `END` arrived has its first event's id), and
/// its last chunk in commit order. Returns how many transactions were written whole.
pub fn check(source: &[SourceTransaction], applied: &[Record]) -> std::result::Result<usize, String> {
    let header = |r: &Record, name: &str| {
        r.headers
            .iter()
            .find(|h| h.key == name)
            .and_then(|h| h.value.as_deref())
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .ok_or_else(|| format!("a record without header {name}"))
    };
    // Chunks as written: transaction id, chunk header, events.
    let mut chunks: Vec<(String, String, Vec<KeyValue>)> = Vec::new();
    for r in applied {
        let (id, chunk) = (header(r, "tx.key")?, header(r, "tx.chunk")?);
        let event = r
            .value
            .as_deref()
            .map(|value| (r.key.as_deref().unwrap_or_default().to_vec(), value.to_vec()));
        match chunks.last_mut() {
            Some((i, c, events)) if *i == id && *c == chunk => events.extend(event),
            _ => chunks.push((id, chunk, event.into_iter().collect())),
        }
    }
    let mut events_of: BTreeMap<&str, Vec<KeyValue>> = BTreeMap::new();
    let mut completed = Vec::new();
    let mut whole = 0;
    for (id, chunk, events) in &chunks {
        if chunk == "0/true" {
            whole += 1;
        }
        if events_of.contains_key(id.as_str()) && completed.contains(id) {
            return Err(format!("transaction {id} written again after its last chunk"));
        }
        events_of.entry(id).or_default().extend(events.iter().cloned());
        if chunk.ends_with("/true") {
            completed.push(id.clone());
        }
    }
    let key = |t: &SourceTransaction| t.id.split(':').next().unwrap_or_default().to_owned();
    let ids: Vec<String> = source.iter().map(key).collect();
    if completed != ids {
        return Err(format!(
            "{} transactions completed, {} in the source, or not in commit order",
            completed.len(),
            ids.len()
        ));
    }
    for tx in source {
        let expected: Vec<KeyValue> = tx.events.iter().map(|(_, k, v)| (k.clone(), v.clone())).collect();
        let mut seen = events_of.remove(key(tx).as_str()).unwrap_or_default();
        let in_chunks = !chunks.iter().any(|(i, c, _)| *i == key(tx) && c == "0/true");
        let mut wanted = expected.clone();
        if in_chunks {
            seen.sort();
            wanted.sort();
        }
        if seen != wanted {
            return Err(format!(
                "transaction {}: {} events seen, not the source's {}",
                tx.id,
                seen.len(),
                expected.len()
            ));
        }
    }
    Ok(whole)
}
