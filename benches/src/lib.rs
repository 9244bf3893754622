//! Shared helpers for the benches and comparison harnesses.

use bytes::Bytes;
use std::sync::Arc;
use streamlog::ProducerRecord;

/// `n` records of a `value_size`-byte value with 8-byte big-endian counter keys, for
/// `topic`. Keys are slices of one buffer, as a client decoding a fetch response gets
/// them.
pub fn records(topic: &Arc<str>, n: usize, value_size: usize) -> Vec<ProducerRecord> {
    let value = Bytes::from(vec![b'x'; value_size]);
    let keys = Bytes::from((0..n as u64).flat_map(u64::to_be_bytes).collect::<Vec<u8>>());
    (0..n)
        .map(|i| ProducerRecord {
            topic: topic.clone(),
            partition: None,
            key: Some(keys.slice(i * 8..i * 8 + 8)),
            value: Some(value.clone()),
            timestamp: None,
            headers: streamlog::Headers::new(),
        })
        .collect()
}

/// The workspace README, whose examples run with the doctests (this crate depends on
/// every crate they use).
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct WorkspaceReadmeDoctests;
