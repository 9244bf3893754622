//! Debezium schema change events: any bytes, as a record's value or key, decode to a
//! schema change, a tombstone or an error, never a panic; a decoded change re-encodes
//! and decodes to itself.
#![no_main]

use cdc_core::{DebeziumSchemaChangeJson, Decode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = DebeziumSchemaChangeJson.decode(Some(data), None);
    if let Ok(Some(record)) = DebeziumSchemaChangeJson.decode(None, Some(data)).map(|d| d.into_change()) {
        let again = DebeziumSchemaChangeJson
            .decode(None, Some(&DebeziumSchemaChangeJson::encode(&record)))
            .expect("re-decodes")
            .into_change();
        assert_eq!(again, Some(record));
    }
});
