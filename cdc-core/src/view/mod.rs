//! Borrowed views of change events: rows whose column names and text values point into
//! the message bytes, decoded without a JSON tree and with few allocations. Use them on
//! hot paths that look at a few fields (filters, routing, keys) and turn the events
//! they keep into owned [`ChangeEvent`](crate::ChangeEvent)s.
//!
//! ```
//! use cdc_core::{DebeziumJson, Operation};
//! let bytes = br#"{"before":null,"after":{"id":7,"status":"Overspeed"},"op":"c","ts_ms":1}"#;
//! let view = DebeziumJson::decode_view(Some(bytes)).unwrap().expect("not a tombstone");
//! assert_eq!(view.op, Operation::Create);
//! let status = view.after.as_ref().and_then(|row| row.get("status")).and_then(|v| v.as_str());
//! assert_eq!(status, Some("Overspeed"));
//! let event = view.to_event().unwrap(); // the owned event, equal to the one `Decode` gives
//! assert_eq!(event.after_value("id"), Some(&cdc_core::Value::Int(7)));
//! ```

mod row;
mod scan;

pub(crate) use row::{OwnedRow, RowBuild};
pub use row::{RowRef, ValueRef};
pub(crate) use scan::{Scan, raw_json, whole};

pub use crate::debezium::view::{DebeziumMessageRef, DebeziumRef, DebeziumSourceRef, DebeziumTransactionRef};
pub use crate::replicate::view::{ReplicateHeadersRef, ReplicateRef};
