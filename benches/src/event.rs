//! The records of the kstream workloads (`kstream_bench`, `streams_compare`): events of
//! about 200 bytes of JSON keyed by user, and the payments the stream-stream joins pair
//! them with. Included by path into each harness binary.
//!
//! Where a workload needs event time (the windowed ones), event `i` is stamped `first + i`
//! milliseconds (one millisecond per record, so that windows close and window-store
//! segments expire during a run) and its payment [`PAYMENT_LAG_MS`] later.

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

/// How much later than its event a payment is stamped: well inside the joins' 10 s
/// window. With more than 11,000 keys every event meets exactly its own payment (the
/// same user's other events and payments are multiples of `keys` milliseconds away), so
/// a join emits one record per event.
pub const PAYMENT_LAG_MS: i64 = 1_000;

/// The payment of event `i`: the same user's key and a short JSON value (about 35 bytes).
pub fn payment(i: u64, keys: u64) -> (String, String) {
    let method = if i.is_multiple_of(3) { "card" } else { "wallet" };
    (
        format!("user-{}", i % keys),
        format!("{{\"event\":{i},\"method\":\"{method}\"}}"),
    )
}
