//! Replicate JSON: never a panic; a decoded event re-encodes and decodes to itself; the
//! fast path and the view agree with the reference decoder.
#![no_main]

use cdc_core::ReplicateJson;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let decoded = ReplicateJson::decode(data);
    let reference = ReplicateJson::decode_reference(data);
    assert_eq!(decoded.as_ref().ok(), reference.as_ref().ok(), "fast path == reference");
    if let Ok(view) = ReplicateJson::decode_view(data) {
        assert_eq!(Some(view.to_event()), decoded.as_ref().ok().map(|r| r.event.clone()));
    }
    if let Ok(record) = decoded {
        let again = ReplicateJson::decode(&ReplicateJson::encode(&record)).expect("re-decodes");
        assert_eq!(again.event, record.event);
    }
});
