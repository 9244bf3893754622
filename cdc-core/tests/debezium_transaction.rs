//! Debezium's transaction metadata events and the `transaction` block of change events:
//! the examples of Debezium's documentation and events captured from Debezium 3.6.1's
//! PostgreSQL and MariaDB connectors (tests/golden/debezium/transaction/README.md) decode
//! to the expected model and encode back to the same JSON; bad input is refused naming
//! the field.

use cdc_core::{
    DataCollectionCount, DebeziumJson, DebeziumTransactionJson, Decode, Decoded, Error, Row,
    TransactionBoundary, TransactionMetadata, TransactionMetadataRecord, Value,
};
use serde_json::{Value as Json, json};

/// One record of a captured file: its topic, and the key and value as the JSON
/// converter wrote them with and without schemas.
struct Captured {
    topic: String,
    key_schema: Json,
    key_plain: Json,
    value_schema: Json,
    value_plain: Json,
}

fn captured(name: &str) -> Vec<Captured> {
    let path = format!(
        "{}/tests/golden/debezium/transaction/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .map(|line| {
            let mut r: Json = serde_json::from_str(line).unwrap();
            let mut take = |field: &str| r[field].take();
            Captured {
                topic: take("topic").as_str().unwrap().to_owned(),
                key_schema: take("key_schema"),
                key_plain: take("key_plain"),
                value_schema: take("value_schema"),
                value_plain: take("value_plain"),
            }
        })
        .collect()
}

fn bytes(json: &Json) -> Vec<u8> {
    serde_json::to_vec(json).unwrap()
}

fn decode(key: Option<&Json>, value: &Json) -> cdc_core::Result<TransactionMetadataRecord> {
    let key = key.map(bytes);
    let record = DebeziumTransactionJson.decode(key.as_deref(), Some(&bytes(value)))?;
    Ok(record.into_change().expect("not a tombstone"))
}

/// Decodes `value` (and `key`), checks that both encode back to equal JSON.
fn round_trips(key: Option<&Json>, value: &Json) -> TransactionMetadataRecord {
    let record = decode(key, value).unwrap_or_else(|e| panic!("{value}: {e}"));
    let again: Json = serde_json::from_slice(&DebeziumTransactionJson::encode(&record)).unwrap();
    assert_eq!(&again, value, "the value re-encodes to the same JSON");
    if let Some(key) = key {
        let again: Json = serde_json::from_slice(&DebeziumTransactionJson::encode_key(&record)).unwrap();
        assert_eq!(&again, key, "the key re-encodes to the same JSON");
    }
    record
}

/// The examples of "Transaction metadata" in Debezium's PostgreSQL connector
/// documentation (debezium.io/documentation/reference/stable/connectors/postgresql.html#postgresql-transaction-metadata,
/// documentation/modules/ROOT/pages/connectors/postgresql.adoc in the Debezium
/// repository).
#[test]
fn the_postgres_documentation_examples_round_trip() {
    let begin = json!({"status": "BEGIN", "id": "571:53195829", "ts_ms": 1486500577125_i64,
                       "event_count": null, "data_collections": null});
    let end = json!({"status": "END", "id": "571:53195832", "ts_ms": 1486500577691_i64, "event_count": 2,
                     "data_collections": [{"data_collection": "s1.a", "event_count": 1},
                                          {"data_collection": "s2.a", "event_count": 1}]});
    let record = round_trips(Some(&json!({"id": "571:53195829"})), &begin);
    assert_eq!(
        record.metadata,
        TransactionMetadata::begin("571:53195829").at(1486500577125)
    );
    let record = round_trips(None, &end);
    assert_eq!(
        record.metadata,
        TransactionMetadata::end("571:53195832", [("s1.a", 1), ("s2.a", 1)]).at(1486500577691)
    );
}

/// The SQL Server connector's example (Debezium's SQL Server documentation, "Transaction
/// metadata", before `ts_ms` was added): a commit LSN for id, no `ts_ms`.
#[test]
fn the_sqlserver_documentation_example_without_ts_ms_round_trips() {
    let end = json!({"status": "END", "id": "00000025:00000d08:0025", "event_count": 2,
                     "data_collections": [{"data_collection": "testDB.dbo.tablea", "event_count": 1},
                                          {"data_collection": "testDB.dbo.tableb", "event_count": 1}]});
    let record = round_trips(None, &end);
    assert_eq!(record.metadata.ts_ms, None);
    let TransactionBoundary::End { data_collections, .. } = &record.metadata.boundary else {
        panic!("an END");
    };
    assert_eq!(
        data_collections[1],
        DataCollectionCount {
            data_collection: "testDB.dbo.tableb".into(),
            event_count: 1
        }
    );
}

/// Every metadata record Debezium 3.6.1 wrote: with and without schemas, key and value
/// re-encode to the same JSON, both forms decode to the same event, and the schemas
/// are the ones this crate writes.
#[test]
fn captured_metadata_events_round_trip_with_and_without_schemas() {
    for file in ["postgres.jsonl", "mariadb.jsonl"] {
        let mut ends = 0;
        for r in captured(file)
            .into_iter()
            .filter(|r| r.topic == "txncap.transaction")
        {
            let with = round_trips(Some(&r.key_schema), &r.value_schema);
            let plain = round_trips(Some(&r.key_plain), &r.value_plain);
            assert_eq!(with.metadata, plain.metadata, "{file}: both forms decode alike");
            assert_eq!(
                with.schema,
                Some(DebeziumTransactionJson::value_schema()),
                "{file}"
            );
            assert_eq!(
                with.key_schema,
                Some(DebeziumTransactionJson::key_schema()),
                "{file}"
            );
            assert_eq!(
                TransactionMetadataRecord::with_schemas(plain.metadata.clone()),
                with
            );
            ends += usize::from(plain.metadata.is_end());
        }
        assert!(ends >= 3, "{file}: the captured transactions' ENDs");
    }
}

/// The `transaction` block of captured change events: id (PostgreSQL's `<txId>:<LSN>`
/// with the event's LSN), `total_order`, `data_collection_order`.
#[test]
fn captured_change_events_carry_their_transaction_block() {
    let events: Vec<_> = captured("postgres.jsonl")
        .into_iter()
        .filter(|r| r.topic != "txncap.transaction" && !r.value_plain.is_null())
        .map(|r| {
            let plain = DebeziumJson.decode(None, Some(&bytes(&r.value_plain))).unwrap();
            let with = DebeziumJson.decode(None, Some(&bytes(&r.value_schema))).unwrap();
            let plain = plain.into_change().unwrap().event;
            assert_eq!(Some(&plain), with.into_change().map(|r| r.event).as_ref());
            plain.transaction.unwrap()
        })
        .collect();
    let blocks: Vec<_> = events
        .iter()
        .map(|t| {
            (
                t.id.split(':').next().unwrap(),
                t.total_order,
                t.data_collection_order,
            )
        })
        .collect();
    assert_eq!(
        blocks,
        [
            ("1027", Some(1), Some(1)),
            ("1027", Some(2), Some(1)),
            ("1027", Some(3), Some(2)),
            ("1027", Some(4), Some(2)),
            ("1028", Some(1), Some(1)),
            ("1029", Some(1), Some(1)),
            ("1029", Some(2), Some(1)),
        ]
    );
    assert_eq!(
        events[1].id, "1027:31376928",
        "the id carries the event's own LSN"
    );
}

/// The change event of the same documentation section, with its `transaction` block.
/// The documentation prints the numbers in quotes; Kafka's JSON converter writes
/// int64 fields as numbers (as the captured events show), so they are numbers here.
#[test]
fn the_documented_change_event_block_decodes_and_round_trips() {
    let value = json!({"before": null, "after": {"pk": "2", "aa": "1"},
        "source": {"connector": "postgresql", "name": "s", "db": "postgres", "schema": "s1", "table": "a",
                   "ts_ms": 1580390884335_i64, "snapshot": "false", "txId": 571, "lsn": 53195832},
        "op": "c", "ts_ms": 1580390884335_i64,
        "transaction": {"id": "571:53195832", "total_order": 1, "data_collection_order": 1}});
    let record = DebeziumJson
        .decode(None, Some(&bytes(&value)))
        .unwrap()
        .into_change()
        .unwrap();
    let block = record.event.transaction.as_ref().unwrap();
    assert_eq!(
        (block.id.as_str(), block.total_order, block.data_collection_order),
        ("571:53195832", Some(1), Some(1))
    );
    let again: Json = serde_json::from_slice(&DebeziumJson::encode(&record)).unwrap();
    assert_eq!(again["transaction"], value["transaction"]);
}

#[test]
fn a_record_without_value_is_a_tombstone_of_its_id() {
    let decoded = DebeziumTransactionJson
        .decode(Some(br#"{"id":"0-1-174"}"#), None)
        .unwrap();
    assert_eq!(
        decoded,
        Decoded::Tombstone {
            key: Some(Row::new().with("id", Value::String("0-1-174".into())))
        }
    );
}

/// The field an error names, by decoding `value` (and `key`).
fn refused(key: Option<&str>, value: &str) -> (String, Error) {
    let e = DebeziumTransactionJson
        .decode(key.map(str::as_bytes), Some(value.as_bytes()))
        .unwrap_err();
    let field = match &e {
        Error::MissingField { field, .. }
        | Error::WrongType { field, .. }
        | Error::InvalidValue { field, .. }
        | Error::Json { field, .. } => field.clone(),
        other => panic!("unexpected error {other:?}"),
    };
    assert!(e.to_string().contains("debezium-transaction-json"), "{e}");
    (field, e)
}

#[test]
fn bad_metadata_is_refused_naming_the_field() {
    let cases = [
        (None, r#"{"status":"COMMIT","id":"1"}"#, "status"),
        (None, r#"{"id":"1","event_count":null}"#, "status"),
        (None, r#"{"status":"BEGIN"}"#, "id"),
        (None, r#"{"status":"BEGIN","id":7}"#, "id"),
        (
            None,
            r#"{"status":"BEGIN","id":"1","event_count":2}"#,
            "event_count",
        ),
        (
            None,
            r#"{"status":"END","id":"1","data_collections":[]}"#,
            "event_count",
        ),
        (
            None,
            r#"{"status":"END","id":"1","event_count":-1,"data_collections":[]}"#,
            "event_count",
        ),
        (
            None,
            r#"{"status":"END","id":"1","event_count":1}"#,
            "data_collections",
        ),
        (
            None,
            r#"{"status":"END","id":"1","event_count":1,"data_collections":[{"data_collection":"a","event_count":"1"}]}"#,
            "data_collections[0].event_count",
        ),
        (
            None,
            r#"{"schema":{},"payload":{"status":"END","id":"1","event_count":1,"data_collections":[7]}}"#,
            "payload.data_collections[0]",
        ),
        (
            None,
            r#"{"status":"END","id":"1","ts_ms":"now","event_count":0,"data_collections":[]}"#,
            "ts_ms",
        ),
        (None, r#"{"schema":{},"payload":[1]}"#, "value.payload"),
        (Some(r#"{"id":"2"}"#), r#"{"status":"BEGIN","id":"1"}"#, "key.id"),
        (
            Some(r#"{"nope":"1"}"#),
            r#"{"status":"BEGIN","id":"1"}"#,
            "key.id",
        ),
        (None, r#"{"status":"BEGIN""#, "(value)"),
        (None, r#"[1]"#, "(value)"),
    ];
    for (key, value, field) in cases {
        assert_eq!(refused(key, value).0, field, "{value}");
    }
}
