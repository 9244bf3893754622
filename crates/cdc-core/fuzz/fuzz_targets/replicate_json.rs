//! Replicate JSON: never a panic; a decoded event re-encodes and decodes to itself.
#![no_main]

use cdc_core::ReplicateJson;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(record) = ReplicateJson::decode(data) {
        let again = ReplicateJson::decode(&ReplicateJson::encode(&record)).expect("re-decodes");
        assert_eq!(again.event, record.event);
    }
});
