//! Golden files in the shapes of Debezium's documented PostgreSQL, MySQL and SQL Server
//! events: each decodes to the expected model and re-encodes to equal JSON.

use cdc_core::{DebeziumJson, Decode, Decoded, Error, Operation, Position, Rule, Value};
use serde_json::Value as Json;

fn golden(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/golden/debezium/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A record's value through the codec: the record, or `None` for a tombstone.
fn decode(value: Option<&[u8]>) -> cdc_core::Result<Option<cdc_core::DebeziumRecord>> {
    DebeziumJson.decode(None, value).map(Decoded::into_change)
}

fn round_trips(name: &str) -> cdc_core::DebeziumRecord {
    let bytes = golden(name);
    let record = decode(Some(&bytes))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .expect("not a tombstone");
    assert_eq!(
        Some(&record),
        DebeziumJson::decode_reference(&bytes).unwrap().as_ref(),
        "{name}: the fast path and the reference decoder agree"
    );
    let again: Json = serde_json::from_slice(&DebeziumJson::encode(&record)).unwrap();
    let original: Json = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(again, original, "{name} re-encodes to the same JSON");
    record
}

#[test]
fn postgres_create_with_schema_types_its_columns() {
    let record = round_trips("pg_create_with_schema.json");
    let event = &record.event;
    assert_eq!(event.op, Operation::Create);
    assert!(event.before.is_none());
    let after = event.after.as_ref().unwrap();
    assert_eq!(after.get("id"), Some(&Value::Int(1)));
    assert_eq!(after.get("birth_date"), Some(&Value::Date(10957)));
    assert_eq!(
        after.get("balance"),
        Some(&Value::Decimal {
            unscaled: 12345,
            scale: 2
        })
    );
    assert_eq!(
        after.get("updated_at"),
        Some(&Value::Timestamp(1_559_033_904_863_123))
    );
    assert_eq!(event.source.connector.as_deref(), Some("postgresql"));
    assert_eq!(event.source.schema.as_deref(), Some("inventory"));
    assert_eq!(
        event.source.position,
        Position::Postgres {
            lsn: Some(24_023_128),
            tx_id: Some(555)
        }
    );
    let tx = event.transaction.as_ref().unwrap();
    assert_eq!((tx.id.as_str(), tx.total_order), ("555:24023128", Some(1)));
}

#[test]
fn postgres_update_and_delete_without_schema() {
    let update = round_trips("pg_update_plain.json").event;
    assert_eq!(update.op, Operation::Update);
    assert_eq!(
        update.after.as_ref().unwrap().get("first_name"),
        Some(&Value::String("Anne Marie".into()))
    );
    let delete = round_trips("pg_delete_plain.json").event;
    assert_eq!(delete.op, Operation::Delete);
    assert!(delete.after.is_none());
    assert_eq!(delete.before.as_ref().unwrap().get("id"), Some(&Value::Int(1)));
}

#[test]
fn mysql_and_sqlserver_positions() {
    let mysql = round_trips("mysql_create_plain.json").event;
    assert_eq!(
        mysql.source.position,
        Position::MySql {
            file: "mysql-bin.000003".into(),
            pos: 484,
            row: 0,
            gtid: None,
            server_id: Some(223_344)
        }
    );
    let sqlserver = round_trips("sqlserver_update_plain.json").event;
    assert!(matches!(
        sqlserver.source.position,
        Position::SqlServer {
            event_serial_no: Some(2),
            ..
        }
    ));
}

#[test]
fn the_tombstone_after_a_delete_is_none() {
    assert_eq!(decode(None).unwrap(), None);
    let enveloped = br#"{"schema": null, "payload": null}"#;
    assert_eq!(decode(Some(enveloped)).unwrap(), None);
}

#[test]
fn the_seeds_insert_marked_as_delete_breaks_a_rule() {
    // Seed 002 shows an insert (before null, after set) with "op": "d": a delete without
    // `before` is fine, but not one with `after`.
    let err = decode(Some(&golden("seed_002_insert_marked_delete.json"))).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Rule {
                op: Operation::Delete,
                rule: Rule::DeleteHasNoAfter
            }
        ),
        "{err}"
    );
}

#[test]
fn bad_input_names_the_field() {
    let cases: &[(&[u8], &str)] = &[
        (b"{\"after\": {}, \"source\": {}}", "missing field `op`"),
        (
            b"{\"op\": \"x\", \"after\": {}}",
            "unknown operation `x` in field `op`",
        ),
        (
            b"{\"op\": \"c\", \"after\": 5}",
            "field `after` should be an object",
        ),
        (
            b"{\"op\": \"c\", \"after\": {}, \"source\": {\"ts_ms\": \"soon\"}}",
            "field `source.ts_ms` should be an integer",
        ),
        (
            b"{\"schema\": {}, \"payload\": {\"op\": 1}}",
            "field `payload.op` should be a string",
        ),
        (b"[1, 2]", "should be an object"),
        (b"{\"op\": ", "not valid JSON"),
        (b"{\"op\": \"u\", \"before\": {}}", "an update has an `after` row"),
    ];
    for (input, expected) in cases {
        let err = decode(Some(input)).unwrap_err().to_string();
        assert!(
            err.contains(expected),
            "{}: expected `{expected}`, got `{err}`",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn a_repeated_column_keeps_its_place_and_the_last_value() {
    // Found by the `debezium_json` fuzz target: both decoders must read it alike.
    let bytes = golden("fuzz_duplicate_column.json");
    let fast = decode(Some(&bytes)).unwrap().unwrap();
    assert_eq!(
        Some(&fast),
        DebeziumJson::decode_reference(&bytes).unwrap().as_ref()
    );
    let before = fast.event.before.unwrap();
    assert_eq!(before.columns().filter(|c| *c == "last_name").count(), 1);
    assert_eq!(before.get("last_name"), Some(&Value::String("Kretchmar".into())));
}

#[test]
fn invalid_utf8_anywhere_is_refused() {
    // Found by the `debezium_json` fuzz target: invalid UTF-8 in a field nobody reads.
    let bytes = golden("fuzz_invalid_utf8_in_unknown_field.json");
    let err = decode(Some(&bytes)).unwrap_err();
    assert!(matches!(err, Error::Json { .. }), "{err}");
}
