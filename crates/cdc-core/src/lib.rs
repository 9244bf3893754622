//! `cdc-core`: change events out of databases, in the envelopes of Debezium and Qlik
//! (Attunity) Replicate, with their codecs. Pure: no I/O, no async.
//!
//! ```
//! use cdc_core::{DebeziumJson, Operation, Value};
//!
//! let message = br#"{"before":{"id":7,"termed":null},"after":{"id":7,"termed":"2026-01-31"},
//!     "source":{"connector":"postgresql","name":"hospital","db":"care","schema":"dbo",
//!               "table":"patient","lsn":33227720,"txId":556},
//!     "op":"u","ts_ms":1700000000000}"#;
//! let event = DebeziumJson::decode(Some(message))?.expect("a change, not a tombstone").event;
//! assert_eq!(event.op, Operation::Update);
//! assert_eq!(event.after.as_ref().and_then(|r| r.get("termed")), Some(&Value::String("2026-01-31".into())));
//! # Ok::<(), cdc_core::Error>(())
//! ```

mod debezium;
mod error;
mod event;
mod json;
mod row;
mod value;

pub use debezium::{DebeziumJson, DebeziumRecord};
pub use error::{Error, Result, Rule};
pub use event::{ChangeEvent, Operation, Position, Source, Transaction};
pub use row::Row;
pub use value::{UNAVAILABLE_MARKER, Value, decimal_text};
