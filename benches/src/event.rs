//! The record of the kstream workloads (`kstream_bench`, `streams_compare`): about 200
//! bytes of JSON, keyed by user. Included by path into each harness binary.

use serde::{Deserialize, Serialize};

/// A purchase or refund by a user.
#[derive(Serialize, Deserialize, Clone)]
pub struct Event {
    pub id: u64,
    pub user: String,
    pub kind: String,
    pub amount: f64,
    pub note: String,
}

/// Event `i`, keyed by its user (one of `keys`); one in four is a refund.
pub fn event(i: u64, keys: u64) -> (String, Vec<u8>) {
    let e = Event {
        id: i,
        user: format!("user-{}", i % keys),
        kind: if i.is_multiple_of(4) { "refund" } else { "purchase" }.into(),
        amount: (i % 1000) as f64 / 10.0,
        note: "x".repeat(135),
    };
    let value = serde_json::to_vec(&e).expect("an event serializes");
    (e.user, value)
}
