//! Golden files in the shape of Qlik Replicate's Kafka JSON messages (seed 000's
//! `data` / `beforeData` / `headers`): decoded to the expected model and re-encoded to
//! equal JSON.

use cdc_core::{Decode, Error, Operation, Position, ReplicateJson, Value, changed_columns, upsert};
use serde_json::Value as Json;

fn golden(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/golden/replicate/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A record's value through the codec.
fn decode(value: &[u8]) -> cdc_core::Result<cdc_core::ReplicateRecord> {
    let decoded = ReplicateJson.decode(None, Some(value))?;
    Ok(decoded.into_change().expect("a value is never a tombstone"))
}

fn round_trips(name: &str) -> cdc_core::ReplicateRecord {
    let bytes = golden(name);
    let record = decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(
        Some(&record),
        ReplicateJson::decode_reference(&bytes).ok().as_ref(),
        "{name}: the fast path and the reference decoder agree"
    );
    if record.envelope.is_none() {
        let view = ReplicateJson::decode_view(Some(&bytes))
            .unwrap()
            .expect("not a tombstone");
        assert_eq!(
            view.to_event(),
            record.event,
            "{name}: the view owns the same event"
        );
    } else {
        let err = ReplicateJson::decode_view(Some(&bytes)).unwrap_err();
        assert!(err.to_string().contains("magic"), "{name}: {err}");
    }
    let again: Json = serde_json::from_slice(&ReplicateJson::encode(&record)).unwrap();
    let original: Json = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(again, original, "{name} re-encodes to the same JSON");
    record
}

#[test]
fn enveloped_insert() {
    let record = round_trips("insert_enveloped.json");
    assert_eq!(record.envelope.as_ref().unwrap()["magic"], "atMSG");
    let event = record.event;
    assert_eq!(event.op, Operation::Create);
    assert_eq!(
        event.after_value("CountyName"),
        Some(&Value::String("Autauga".into()))
    );
    assert!(matches!(
        event.source.position,
        Position::Replicate { ref change_sequence, .. } if change_sequence == "20260131101500000000000000000000005"
    ));
    let tx = event.transaction.unwrap();
    assert_eq!(
        (tx.id.as_str(), tx.total_order),
        ("0000000000000000000000000000A1B2", Some(1))
    );
}

#[test]
fn update_changes_what_the_mask_says() {
    let event = round_trips("update_bare.json").event;
    assert_eq!(event.op, Operation::Update);
    assert_eq!(changed_columns(&event).unwrap(), vec!["OUTCOMESTERMDATE"]);
    assert_eq!(event.before_value("OUTCOMESTERMDATE"), Some(&Value::Null));
}

#[test]
fn delete_carries_the_row_in_data_and_upserts_a_tombstone() {
    let event = round_trips("delete_bare.json").event;
    assert_eq!(event.op, Operation::Delete);
    assert!(event.after.is_none());
    let (key, value) = upsert(&event, &["PATIENTID"]).unwrap();
    assert_eq!(key.get("PATIENTID"), Some(&Value::Int(7)));
    assert_eq!(value, None);
}

#[test]
fn refresh_is_a_snapshot_read() {
    let event = round_trips("refresh_bare.json").event;
    assert_eq!(event.op, Operation::Read);
    assert_eq!(event.source.snapshot.as_deref(), Some("true"));
}

#[test]
fn bad_input_names_the_field() {
    let cases: &[(&[u8], &str)] = &[
        (br#"{"data": {}}"#, "missing field `headers`"),
        (br#"{"data": {}, "headers": {"operation": "MERGE", "changeSequence": "1"}}"#, "unknown operation `MERGE` in field `headers.operation`"),
        (br#"{"data": {"a": 1}, "headers": {"operation": "INSERT"}}"#, "missing field `headers.changeSequence`"),
        (br#"{"data": {"a": 1}, "headers": {"operation": "INSERT", "changeSequence": "1", "changeMask": "04"}}"#, "`changeMask` marks column 2, but the row has 1 columns"),
        (br#"{"magic": "xyz", "message": {}}"#, "expected `atMSG`"),
        (br#"{"magic": "atMSG", "message": {"headers": {"operation": "UPDATE", "changeSequence": "1"}}}"#, "an update has an `after` row"),
        (br#"{"data": 3, "headers": {"operation": "INSERT", "changeSequence": "1"}}"#, "field `data` should be an object"),
    ];
    for (input, expected) in cases {
        let err = decode(input).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(expected),
            "{}: expected `{expected}`, got `{text}`",
            String::from_utf8_lossy(input)
        );
        let _: &Error = &err;
    }
}

#[test]
fn a_delete_without_its_row_is_read_and_written_back() {
    // No rule asks a delete for its old row (Debezium's PostgreSQL deletes may lack it):
    // the delete example without `data` decodes, both paths alike, and writes back.
    let mut json: Json = serde_json::from_slice(&golden("delete_bare.json")).unwrap();
    json["data"] = Json::Null;
    json["headers"]["columnMask"] = Json::Null;
    let bytes = serde_json::to_vec(&json).unwrap();
    let record = decode(&bytes).unwrap();
    assert_eq!(
        Some(&record),
        ReplicateJson::decode_reference(&bytes).ok().as_ref()
    );
    assert_eq!(
        (record.event.op, record.event.before.as_ref()),
        (Operation::Delete, None)
    );
    let again: Json = serde_json::from_slice(&ReplicateJson::encode(&record)).unwrap();
    assert_eq!(again, json);
}

#[test]
fn a_debezium_delete_with_only_a_key_writes_the_key_as_replicates_data() {
    let mut event = cdc_core::ChangeEvent::new(Operation::Delete, None, None, Default::default()).unwrap();
    event.key = Some(cdc_core::Row::new().with("PATIENTID", Value::Int(7)));
    let json: Json = serde_json::from_slice(&ReplicateJson::encode_event(&event)).unwrap();
    assert_eq!(json["data"], serde_json::json!({"PATIENTID": 7}));
    assert_eq!(json["headers"]["operation"], "DELETE");
}
