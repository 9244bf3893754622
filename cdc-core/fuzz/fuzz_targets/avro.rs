//! The Avro forms: arbitrary bytes as a Debezium envelope, a Replicate `DataRecord` or
//! `MessageEnvelope` (the codec tells them by the magic), and as either codec's key,
//! decode or fail, never panic.
#![no_main]

use cdc_core::DebeziumAvro;
use cdc_core::ReplicateAvro;
use cdc_core::Decode;
use cdc_core::avro::{ColumnType, RowSchema};
use libfuzzer_sys::fuzz_target;

fn rows(name: &str) -> RowSchema {
    RowSchema {
        name: name.into(),
        columns: vec![
            ("id".into(), ColumnType::Long),
            ("name".into(), ColumnType::String),
            ("price".into(), ColumnType::Decimal { precision: 10, scale: 2 }),
            ("born".into(), ColumnType::Date),
            ("tags".into(), ColumnType::Array(Box::new(ColumnType::String))),
        ],
    }
}

fuzz_target!(|data: &[u8]| {
    let debezium = DebeziumAvro::new("fuzz.db.t", rows("Value"))
        .and_then(|codec| codec.with_key(rows("Key")))
        .expect("schema");
    let replicate = ReplicateAvro::new(rows("Data"))
        .and_then(|codec| codec.with_key(rows("Key")))
        .expect("schema");
    // As a value, and as the key of a tombstone.
    for (key, value) in [(None, Some(data)), (Some(data), None)] {
        let _ = debezium.decode(key, value);
        let _ = replicate.decode(key, value);
    }
    // The envelope path, whatever the bytes after the magic.
    let enveloped = [b"atMSG".as_slice(), data].concat();
    let _ = replicate.decode(None, Some(&enveloped));
});
