//! `cdc::transactions` (feature `cdc`) on the events Debezium 3.6.1's PostgreSQL
//! connector wrote (cdc-core/tests/golden/debezium/transaction/postgres.jsonl): whatever
//! order the topics deliver them in, and sent twice, each transaction comes out once,
//! whole, in commit order; and an application stopped while it holds half of them goes
//! on after a restart, its (in-memory) stores restored from their changelogs.
#![cfg(feature = "cdc")]

use std::time::{Duration, Instant};

use cdc_core::transaction::{AssemblerConfig, TransactionSource};
use kstream::cdc::{CdcTransaction, CdcTransactions, transactions};
use kstream::prelude::*;
use serde_json::Value as Json;
use streamlog::{ClientConfig, ProducerRecord};

const TX_TOPIC: &str = "txncap.transaction";
const TABLES: [&str; 2] = ["txncap.txn_a.orders", "txncap.txn_b.lines"];

/// The captured records: topic, key and value as the JSON converter wrote them
/// without schemas (tombstones included).
fn captured() -> Vec<(String, String, Option<String>)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../cdc-core/tests/golden/debezium/transaction/postgres.jsonl"
    );
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| {
            let r: Json = serde_json::from_str(line).unwrap();
            let value = (!r["value_plain"].is_null()).then(|| r["value_plain"].to_string());
            (
                r["topic"].as_str().unwrap().to_owned(),
                r["key_plain"].to_string(),
                value,
            )
        })
        .collect()
}

fn topology() -> Topology {
    let builder = StreamsBuilder::new();
    let spec = CdcTransactions::debezium(
        "shop-tx",
        AssemblerConfig::new(TransactionSource::DebeziumPostgres),
    )
    .change_topics(TABLES)
    .metadata_topic(TX_TOPIC);
    transactions(&builder, spec).unwrap().to(
        "transactions",
        Produced::with(OptionSerde(StringSerde), JsonSerde::<CdcTransaction>::new()),
    );
    builder.build().unwrap()
}

/// Each transaction as its id and its events' topics and offsets.
fn summary(out: &[(Option<String>, CdcTransaction)]) -> Vec<(String, Vec<(String, i64)>)> {
    out.iter()
        .map(|(key, tx)| {
            assert_eq!(key, &tx.id);
            assert!(tx.last_chunk && tx.chunk == 0, "whole");
            assert!(tx.end.as_ref().is_some_and(|e| e.topic == TX_TOPIC));
            let events = tx.events.iter().map(|e| (e.topic.clone(), e.offset)).collect();
            (tx.id.clone().unwrap(), events)
        })
        .collect()
}

/// The three transactions, by the offsets of their records (written in stream order,
/// tombstones taking offsets too).
fn expected() -> Vec<(String, Vec<(String, i64)>)> {
    let (orders, lines) = (TABLES[0].to_owned(), TABLES[1].to_owned());
    vec![
        (
            "1027:31377408".into(),
            vec![
                (orders.clone(), 0),
                (lines.clone(), 0),
                (lines.clone(), 1),
                (orders.clone(), 1),
            ],
        ),
        ("1028:31377584".into(), vec![(lines.clone(), 2)]),
        ("1029:31377760".into(), vec![(lines, 3), (orders, 2)]),
    ]
}

#[test]
fn transactions_come_whole_and_in_order_from_shuffled_and_repeated_topics() {
    let driver = TopologyTestDriver::new(topology()).unwrap();
    let records = captured();
    // The transaction topic first, then each table, then everything again.
    let order = [TX_TOPIC, TABLES[1], TABLES[0]];
    for _ in 0..2 {
        for topic in order {
            let input = driver.input_topic(topic, StringSerde, OptionSerde(StringSerde));
            for (_, key, value) in records.iter().filter(|(t, _, _)| t == topic) {
                input.pipe_input(key.clone(), value.clone()).unwrap();
            }
        }
    }
    let out = driver
        .output_topic(
            "transactions",
            OptionSerde(StringSerde),
            JsonSerde::<CdcTransaction>::new(),
        )
        .read_key_values()
        .unwrap();
    assert_eq!(summary(&out), expected());
    let first: Json = serde_json::from_slice(out[0].1.events[3].value.as_ref().unwrap()).unwrap();
    assert_eq!(first["op"], "u", "the records as they were read");
}

fn produce(cluster: &Cluster, records: &[(String, String, Option<String>)]) {
    let producer = cluster.producer(&ClientConfig::new()).unwrap();
    for (topic, key, value) in records {
        let record = ProducerRecord::new(topic.as_str()).key(key.clone());
        let record = match value {
            Some(v) => record.value(v.clone()),
            None => record,
        };
        producer.send(record).unwrap();
    }
    producer.flush(Duration::from_secs(10)).unwrap();
}

fn run(cluster: &Cluster, state_dir: &std::path::Path) {
    let config = StreamsConfig::new("cdc-restart")
        .commit_interval(Duration::from_millis(50))
        .state_dir(state_dir);
    let mut app = KafkaStreams::new(topology(), cluster.clone(), config).unwrap();
    app.start().unwrap();
    app.wait_until_caught_up(Duration::from_secs(60)).unwrap();
    assert!(app.close(Duration::from_secs(30)));
}

fn read_transactions(cluster: &Cluster, want: usize) -> Vec<(Option<String>, CdcTransaction)> {
    let mut consumer = cluster
        .consumer(&ClientConfig::new().set("auto.offset.reset", "earliest"))
        .unwrap();
    consumer
        .assign(&[TopicPartition::new("transactions", 0)])
        .unwrap();
    let serde = JsonSerde::<CdcTransaction>::new();
    let mut out = Vec::new();
    // Until `want` arrived (or 30 s passed), then half a second more for any extra.
    let mut deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        for r in consumer.poll(Duration::from_millis(100)).unwrap() {
            let key = r.key.as_deref().map(|k| String::from_utf8(k.to_vec()).unwrap());
            out.push((
                key,
                serde.deserialize("transactions", r.value.as_deref()).unwrap(),
            ));
        }
        if out.len() >= want {
            deadline = deadline.min(Instant::now() + Duration::from_millis(500));
        }
    }
    out
}

#[test]
fn an_application_restarted_while_holding_transactions_goes_on_from_its_changelogs() {
    let cluster = Cluster::embedded();
    let admin = cluster.admin().unwrap();
    for topic in [TX_TOPIC, TABLES[0], TABLES[1], "transactions"] {
        admin.create_topic(topic, &TopicConfig::new(1)).unwrap();
    }
    let records = captured();
    // First run: every END, and the orders only: all three transactions are held.
    let (first, rest): (Vec<_>, Vec<_>) = records.into_iter().partition(|(t, _, _)| t != TABLES[1]);
    produce(&cluster, &first);
    let state = std::env::temp_dir().join(format!("cdc-restart-{}", std::process::id()));
    run(&cluster, &state);
    assert!(read_transactions(&cluster, 0).is_empty(), "nothing complete yet");
    // Second run, a new instance restoring its stores from the changelogs: the lines
    // complete the transactions.
    produce(&cluster, &rest);
    run(&cluster, &state);
    let out = read_transactions(&cluster, 3);
    assert_eq!(summary(&out), expected());
    let _ = std::fs::remove_dir_all(&state);
}
