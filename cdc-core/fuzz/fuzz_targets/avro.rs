//! The Avro forms: arbitrary bytes as a Debezium envelope, a Replicate `DataRecord` and
//! a Replicate `MessageEnvelope` decode or fail, never panic.
#![no_main]

use cdc_core::DebeziumAvro;
use cdc_core::ReplicateAvro;
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
    let debezium = DebeziumAvro::new("fuzz.db.t", rows("Value")).expect("schema");
    let replicate = ReplicateAvro::new(rows("Data")).expect("schema");
    let _ = debezium.decode_binary(data);
    let _ = replicate.decode_binary(data);
    let _ = replicate.decode_envelope(data);
});
