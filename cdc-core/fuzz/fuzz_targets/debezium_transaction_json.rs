//! Debezium transaction metadata: any bytes, as a record's value or key, decode to an
//! event, a tombstone or an error, never a panic; a decoded event's value and key
//! encode and decode back to the same record.
#![no_main]

use cdc_core::{DebeziumTransactionJson, Decode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = DebeziumTransactionJson.decode(Some(data), None);
    let _ = DebeziumTransactionJson.decode(Some(data), Some(data));
    if let Ok(Some(record)) = DebeziumTransactionJson.decode(None, Some(data)).map(|d| d.into_change()) {
        let value = DebeziumTransactionJson::encode(&record);
        let key = DebeziumTransactionJson::encode_key(&record);
        let again = DebeziumTransactionJson
            .decode(Some(&key), Some(&value))
            .expect("re-decodes")
            .into_change()
            .expect("not a tombstone");
        assert_eq!(again.metadata, record.metadata);
        assert_eq!(again.schema, record.schema);
    }
});
