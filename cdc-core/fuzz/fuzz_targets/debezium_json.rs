//! Debezium JSON: any bytes, as a record's value or key, decode to a change, a tombstone
//! or an error, never a panic; a decoded event re-encodes and decodes to itself; the
//! fast path and the view agree with the reference decoder.
#![no_main]

use cdc_core::{DebeziumJson, Decode, Decoded};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let fast = DebeziumJson.decode(None, Some(data)).map(Decoded::into_change);
    let _ = DebeziumJson.decode(Some(data), None);
    if let Ok(Some(view)) = DebeziumJson::decode_view(Some(data)) {
        if let Ok(event) = view.to_event() {
            assert_eq!(fast.as_ref().ok().cloned().flatten().map(|r| r.event), Some(event));
        }
    }
    if let Ok(Some(record)) = fast {
        if record.schema.is_none() {
            let reference = DebeziumJson::decode_reference(data).expect("the reference decoder accepts it too");
            assert_eq!(Some(&record), reference.as_ref());
        }
        let encoded = DebeziumJson::encode(&record);
        let again = DebeziumJson
            .decode(None, Some(&encoded))
            .expect("re-decodes")
            .into_change()
            .expect("a change re-decodes to a change");
        // A float that is not a number (`"NaN"` under a float schema) is not equal to
        // itself: such events are compared as what they write.
        if again.event != record.event {
            assert_eq!(DebeziumJson::encode(&again), encoded);
        }
    }
});
