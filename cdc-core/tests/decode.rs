//! The `Decode` trait: the same tombstone for every codec, keys read where the codec
//! knows their layout, and errors that name the part, field and offset at fault and
//! keep the error they wrap.

use std::error::Error as _;

use cdc_core::avro::{ColumnType, RowSchema};
use cdc_core::{
    ChangeEvent, DebeziumAvro, DebeziumJson, Decode, Decoded, Error, Operation, ReplicateAvro, ReplicateJson,
    Row, Source, Value,
};

fn rows(name: &str) -> RowSchema {
    RowSchema {
        name: name.into(),
        columns: vec![
            ("id".into(), ColumnType::Long),
            ("name".into(), ColumnType::String),
        ],
    }
}

fn key_columns() -> RowSchema {
    RowSchema {
        name: "Key".into(),
        columns: vec![("id".into(), ColumnType::Long)],
    }
}

fn key_row() -> Row {
    Row::new().with("id", Value::Int(7))
}

fn create() -> ChangeEvent {
    let row = key_row().with("name", Value::String("Anne".into()));
    ChangeEvent::new(Operation::Create, None, Some(row), Source::default()).unwrap()
}

/// Whether `codec` decodes a record without value to a tombstone without a key.
fn tombstone_without_key<C: Decode>(codec: &C) -> bool
where
    C::Output: std::fmt::Debug,
{
    matches!(codec.decode(None, None), Ok(Decoded::Tombstone { key: None }))
}

#[test]
fn every_codec_decodes_a_missing_value_to_a_tombstone() {
    assert!(tombstone_without_key(&DebeziumJson));
    assert!(tombstone_without_key(&ReplicateJson));
    assert!(tombstone_without_key(
        &DebeziumAvro::new("db.s.t", rows("Value")).unwrap()
    ));
    assert!(tombstone_without_key(&ReplicateAvro::new(rows("Data")).unwrap()));
}

#[test]
fn debezium_json_reads_the_key_into_the_event_and_the_tombstone() {
    let value = br#"{"before":null,"after":{"id":7,"name":"Anne"},"op":"c"}"#;
    let plain_key = br#"{"id":7}"#;
    let enveloped_key =
        br#"{"schema":{"type":"struct","fields":[{"field":"id","type":"int64"}]},"payload":{"id":7}}"#;
    for key in [plain_key.as_slice(), enveloped_key] {
        let record = DebeziumJson
            .decode(Some(key), Some(value))
            .unwrap()
            .into_change()
            .unwrap();
        assert_eq!(record.event.key, Some(key_row()));
        assert_eq!(
            DebeziumJson.decode(Some(key), None).unwrap(),
            Decoded::Tombstone { key: Some(key_row()) }
        );
    }
    let without_key = DebeziumJson
        .decode(None, Some(value))
        .unwrap()
        .into_change()
        .unwrap();
    assert_eq!(without_key.event.key, None);
}

#[test]
fn replicate_json_leaves_the_key_out() {
    let value = br#"{"data":{"id":7},"headers":{"operation":"INSERT","changeSequence":"1"}}"#;
    let decoded = ReplicateJson.decode(Some(br#"{"id":7}"#), Some(value)).unwrap();
    assert_eq!(decoded.as_change().map(|r| &r.event.key), Some(&None));
    assert_eq!(
        ReplicateJson.decode(Some(b"7"), None).unwrap(),
        Decoded::Tombstone { key: None }
    );
}

#[test]
fn avro_codecs_read_keys_with_their_key_columns() {
    let debezium = DebeziumAvro::new("db.s.t", rows("Value"))
        .unwrap()
        .with_key(key_columns())
        .unwrap();
    let replicate = ReplicateAvro::new(rows("Data"))
        .unwrap()
        .with_key(key_columns())
        .unwrap();
    let event = create();
    let mut keyed = event.clone();
    keyed.key = Some(key_row());

    let key = debezium.encode_key(&key_row()).unwrap();
    let value = debezium.encode_binary(&event).unwrap();
    assert_eq!(
        debezium.decode(Some(&key), Some(&value)).unwrap(),
        Decoded::Change(keyed.clone())
    );
    assert_eq!(
        debezium.decode(Some(&key), None).unwrap(),
        Decoded::Tombstone { key: Some(key_row()) }
    );

    let key = replicate.encode_key(&key_row()).unwrap();
    let replicate_event = ReplicateJson
        .decode(None, Some(&ReplicateJson::encode_event(&event)))
        .unwrap()
        .into_change()
        .unwrap()
        .event;
    let mut replicate_keyed = replicate_event.clone();
    replicate_keyed.key = Some(key_row());
    for value in [
        replicate.encode_binary(&replicate_event).unwrap(),
        replicate.encode_envelope(&replicate_event).unwrap(),
    ] {
        assert_eq!(
            replicate.decode(Some(&key), Some(&value)).unwrap(),
            Decoded::Change(replicate_keyed.clone())
        );
    }
}

#[test]
fn an_avro_codec_without_key_columns_leaves_the_key_out_and_cannot_write_one() {
    let codec = DebeziumAvro::new("db.s.t", rows("Value")).unwrap();
    let value = codec.encode_binary(&create()).unwrap();
    let decoded = codec.decode(Some(b"\x0e"), Some(&value)).unwrap();
    assert_eq!(decoded, Decoded::Change(create()));
    let err = codec.encode_key(&key_row()).unwrap_err();
    assert!(err.to_string().contains("with_key"), "{err}");
    let err = ReplicateAvro::new(rows("Data"))
        .unwrap()
        .encode_key(&key_row())
        .unwrap_err();
    assert!(err.to_string().contains("(key)"), "{err}");
}

#[test]
fn a_bad_key_is_named_as_the_key() {
    let value = br#"{"op":"c","after":{"id":7}}"#;
    let err = DebeziumJson.decode(Some(b"{\"id\": 7"), Some(value)).unwrap_err();
    assert!(
        matches!(&err, Error::Json { field, .. } if field == "(key)"),
        "{err}"
    );
    let err = DebeziumJson.decode(Some(b"[7]"), Some(value)).unwrap_err();
    assert!(err.to_string().contains("`(key)` should be an object"), "{err}");
    let err = DebeziumJson
        .decode(Some(br#"{"schema":{},"payload":3}"#), Some(value))
        .unwrap_err();
    assert!(err.to_string().contains("key.payload"), "{err}");
}

#[test]
fn json_errors_give_the_byte_offset_and_keep_serdes_error() {
    // The parser stops at the `1` where a `:` belongs, the second line's fifth byte.
    let value = b"{\"op\":\"c\",\n\"a\" 1}";
    let err = DebeziumJson.decode(None, Some(value)).unwrap_err();
    match &err {
        Error::Json { field, offset, .. } => {
            assert_eq!(field, "(value)");
            assert_eq!(*offset, Some(15), "{err}");
            assert_eq!(value[15], b'1');
        }
        other => panic!("expected a JSON error, got {other:?}"),
    }
    assert!(err.to_string().contains("at byte 15"), "{err}");
    assert!(err.source().is_some_and(|s| s.is::<serde_json::Error>()));
}

#[test]
fn avro_errors_give_how_far_the_reader_got_and_keep_avros_error() {
    let codec = ReplicateAvro::new(rows("Data")).unwrap();
    // A union index of 9 in the first column: one byte read, then refused.
    let err = codec.decode(None, Some(b"\x12")).unwrap_err();
    match &err {
        Error::Avro {
            format,
            field,
            offset,
            ..
        } => {
            assert_eq!((*format, field.as_str()), ("replicate-avro", "(value)"));
            assert_eq!(*offset, Some(1), "{err}");
        }
        other => panic!("expected an Avro error, got {other:?}"),
    }
    assert!(err.source().is_some_and(|s| s.is::<apache_avro::Error>()));
    // The envelope's magic and nothing after it.
    let err = codec.decode(None, Some(b"atMSG")).unwrap_err();
    assert!(matches!(err, Error::Avro { offset: Some(5), .. }), "{err}");
}

#[test]
fn avro_row_errors_name_the_codecs_format_and_the_column() {
    let codec = DebeziumAvro::new("db.s.t", rows("Value")).unwrap();
    let row = Row::new().with("id", Value::String("seven".into()));
    let event = ChangeEvent::new(Operation::Create, None, Some(row), Source::default()).unwrap();
    let err = codec.encode_binary(&event).unwrap_err().to_string();
    assert!(err.starts_with("debezium-avro: field `after.id`"), "{err}");
}
