//! Replicate JSON: never a panic; a decoded event re-encodes and decodes to itself; the
//! fast path and the view agree with the reference decoder.
#![no_main]

use cdc_core::{Decode, Decoded, ReplicateJson};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let decoded = ReplicateJson.decode(None, Some(data)).map(Decoded::into_change);
    let reference = ReplicateJson::decode_reference(data);
    assert_eq!(
        decoded.as_ref().ok().cloned().flatten().as_ref(),
        reference.as_ref().ok(),
        "fast path == reference"
    );
    if let Ok(Some(view)) = ReplicateJson::decode_view(Some(data)) {
        assert_eq!(
            Some(view.to_event()),
            decoded.as_ref().ok().cloned().flatten().map(|r| r.event)
        );
    }
    if let Ok(Some(record)) = decoded {
        let again = ReplicateJson
            .decode(None, Some(&ReplicateJson::encode(&record)))
            .expect("re-decodes");
        assert_eq!(again.into_change().map(|r| r.event), Some(record.event));
    }
});
