//! Qlik Replicate's Kafka JSON messages (see tests/golden/replicate/README.md for where
//! each came from): decoded to the expected model, masks read as Qlik documents them,
//! and re-encoded to equal JSON; and the same events through the Avro form.

use cdc_core::avro::{ColumnType, RowSchema};
use cdc_core::replicate::mask;
use cdc_core::{
    Decode, Error, Operation, Position, ReplicateAvro, ReplicateJson, ReplicateRecord, Value,
    changed_columns, upsert,
};
use serde_json::Value as Json;
use std::collections::BTreeSet;

fn golden(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/golden/replicate/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A record's value through the codec.
fn decode(value: &[u8]) -> cdc_core::Result<ReplicateRecord> {
    let decoded = ReplicateJson.decode(None, Some(value))?;
    Ok(decoded.into_change().expect("a value is never a tombstone"))
}

fn round_trips(name: &str) -> ReplicateRecord {
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

/// The ordinals a header's mask marks in the event's row.
fn marked(record: &ReplicateRecord, header: &'static str) -> BTreeSet<usize> {
    let event = &record.event;
    let row = event.after.as_ref().or(event.before.as_ref()).unwrap();
    let hex = event.source.extra[header].as_str().unwrap();
    mask::decode(header, hex, row.len()).unwrap()
}

#[test]
fn qliks_update_marks_the_changed_column() {
    let record = round_trips("update_enveloped.json");
    assert_eq!(record.envelope.as_ref().unwrap()["type"], "DT");
    let event = &record.event;
    assert_eq!(event.op, Operation::Update);
    assert_eq!(event.before_value("NAME"), Some(&Value::String("ok".into())));
    assert_eq!(changed_columns(event).unwrap(), vec!["NAME"]);
    assert_eq!(marked(&record, "columnMask"), BTreeSet::from([0, 1, 2]));
    assert!(matches!(
        &event.source.position,
        Position::Replicate { change_sequence, .. } if change_sequence == "20230911032325000000000000000000005"
    ));
    let tx = event.transaction.as_ref().unwrap();
    assert_eq!(
        (tx.id.as_str(), tx.total_order),
        ("00000000000000000000000000060008", Some(1))
    );
}

#[test]
fn a_16_column_mask_is_one_number() {
    let record = round_trips("update_16_columns_enveloped.json");
    assert_eq!(marked(&record, "changeMask"), BTreeSet::from([7, 15]));
    assert_eq!(marked(&record, "columnMask"), (0..16).collect());
    assert_eq!(
        changed_columns(&record.event).unwrap(),
        vec!["item_desc", "load_date_time"]
    );
    // Written back as Qlik writes a 16-column table's masks.
    assert_eq!(mask::encode(&BTreeSet::from([7, 15]), 16), "008080");
}

#[test]
fn the_16_column_masks_are_the_same_number_in_avro() {
    let event = round_trips("update_16_columns_enveloped.json").event;
    let after = event.after.as_ref().unwrap();
    let rows = RowSchema {
        name: "Data".into(),
        columns: after
            .columns()
            .map(|c| (c.to_owned(), ColumnType::String))
            .collect(),
    };
    let codec = ReplicateAvro::new(rows).unwrap();
    let avro = codec.to_avro(&event).unwrap();
    let apache_avro::types::Value::Record(fields) = &avro else {
        panic!("a record")
    };
    let headers = &fields.iter().find(|(n, _)| n == "headers").unwrap().1;
    let apache_avro::types::Value::Record(headers) = headers else {
        panic!("a record")
    };
    let bytes = |name: &str| headers.iter().find(|(n, _)| n == name).unwrap().1.clone();
    let union =
        |b: Vec<u8>| apache_avro::types::Value::Union(1, Box::new(apache_avro::types::Value::Bytes(b)));
    assert_eq!(bytes("changeMask"), union(vec![0x00, 0x80, 0x80]));
    assert_eq!(bytes("columnMask"), union(vec![0x00, 0xff, 0xff]));
    for value in [
        codec.encode_binary(&event).unwrap(),
        codec.encode_envelope(&event).unwrap(),
    ] {
        let back = codec.decode(None, Some(&value)).unwrap().into_change().unwrap();
        assert_eq!(back.source.extra["changeMask"], "008080");
        assert_eq!(
            changed_columns(&back).unwrap(),
            vec!["item_desc", "load_date_time"]
        );
    }
}

#[test]
fn an_update_that_changed_nothing_leaves_null_columns_out_of_the_column_mask() {
    let record = round_trips("update_schema_id_enveloped.json");
    assert_eq!(
        record.envelope.as_ref().unwrap()["messageSchemaId"],
        "87A672B0AA76C4DB0A30F50F4A9F848C"
    );
    assert!(changed_columns(&record.event).unwrap().is_empty());
    assert_eq!(marked(&record, "columnMask"), BTreeSet::from([0, 2]));
    assert_eq!(record.event.after_value("FIRST_NAME"), Some(&Value::Null));
}

#[test]
fn an_insert_marks_every_column() {
    let record = round_trips("insert_enveloped.json");
    assert_eq!(record.event.op, Operation::Create);
    assert!(record.event.before.is_none());
    assert_eq!(
        changed_columns(&record.event).unwrap(),
        vec!["ID", "NAME", "tableName"]
    );
}

#[test]
fn a_delete_carries_its_row_in_data_and_marks_its_key() {
    let record = round_trips("delete_bare.json");
    assert!(record.envelope.is_none());
    let event = &record.event;
    assert_eq!(event.op, Operation::Delete);
    assert!(event.after.is_none());
    assert_eq!(marked(&record, "changeMask"), BTreeSet::from([0]));
    let (key, value) = upsert(event, &["ID"]).unwrap();
    assert_eq!(key.get("ID"), Some(&Value::String("2".into())));
    assert_eq!(value, None);
}

#[test]
fn a_refresh_is_a_snapshot_read() {
    let event = round_trips("refresh_enveloped.json").event;
    assert_eq!(event.op, Operation::Read);
    assert_eq!(event.source.snapshot.as_deref(), Some("true"));
}

#[test]
fn a_metadata_message_is_refused_naming_its_type() {
    let err = decode(&golden("metadata_enveloped.json")).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidValue { field, .. } if field == "type"),
        "{err:?}"
    );
    assert!(err.to_string().contains("metadata message"), "{err}");
    // The same in the Avro envelope.
    use apache_avro::types::Value as Avro;
    let envelope = Avro::Record(vec![
        ("magic".into(), Avro::Fixed(5, b"atMSG".to_vec())),
        ("type".into(), Avro::String("MD".into())),
        ("headers".into(), Avro::Union(0, Box::new(Avro::Null))),
        ("messageSchemaId".into(), Avro::Union(0, Box::new(Avro::Null))),
        ("messageSchema".into(), Avro::Union(0, Box::new(Avro::Null))),
        ("message".into(), Avro::Bytes(Vec::new())),
    ]);
    let bytes = cdc_core::avro::encode_datum(&ReplicateAvro::envelope_schema().unwrap(), envelope).unwrap();
    let rows = RowSchema {
        name: "Data".into(),
        columns: vec![("ID".into(), ColumnType::String)],
    };
    let err = ReplicateAvro::new(rows)
        .unwrap()
        .decode(None, Some(&bytes))
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidValue { field, .. } if field == "type"),
        "{err:?}"
    );
}

#[test]
fn bad_input_names_the_field() {
    let cases: &[(&[u8], &str)] = &[
        (br#"{"data": {}}"#, "missing field `headers`"),
        (br#"{"data": {}, "headers": {"operation": "MERGE", "changeSequence": "1"}}"#, "unknown operation `MERGE` in field `headers.operation`"),
        (br#"{"data": {"a": 1}, "headers": {"operation": "INSERT"}}"#, "missing field `headers.changeSequence`"),
        (br#"{"data": {"a": 1}, "headers": {"operation": "INSERT", "changeSequence": "1", "changeMask": "04"}}"#, "`changeMask` marks column 2, but the row has 1 columns"),
        (br#"{"data": {"a": 1, "b": 2}, "headers": {"operation": "INSERT", "changeSequence": "1", "columnMask": "0103"}}"#, "`columnMask` marks column 8, but the row has 2 columns"),
        (br#"{"data": {"a": 1}, "headers": {"operation": "INSERT", "changeSequence": "1", "changeMask": "0x1"}}"#, "field `headers.changeMask`: `0x1` is not hexadecimal"),
        (br#"{"magic": "xyz", "message": {}}"#, "expected `atMSG`"),
        (br#"{"magic": "atMSG", "type": "XX", "message": {}}"#, "`XX` is not a data message"),
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
    }
}

#[test]
fn a_delete_without_its_row_is_read_and_written_back() {
    // No rule asks a delete for its old row (Debezium's PostgreSQL deletes may lack it):
    // the delete example without `data` decodes, both paths alike, and writes back.
    let mut json: Json = serde_json::from_slice(&golden("delete_bare.json")).unwrap();
    json["data"] = Json::Null;
    json["headers"]["columnMask"] = Json::Null;
    json["headers"]["changeMask"] = Json::Null;
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
