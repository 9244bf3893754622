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
//!
//! The filter of the patient-events pipeline (a KSQL `WHERE` in the original: the row is
//! new or its term date changed, the term date is set, and it is not a snapshot refresh)
//! is one expression over an event, whichever envelope it came in:
//!
//! ```
//! use cdc_core::{ChangeEvent, Operation, ReplicateJson, column_changed};
//!
//! let termed = |e: &ChangeEvent| {
//!     (e.before.is_none() || column_changed(e, "OUTCOMESTERMDATE"))
//!         && e.after_value("OUTCOMESTERMDATE").is_some_and(|v| !v.is_null())
//!         && e.op != Operation::Read
//! };
//! let update = ReplicateJson::decode(br#"{"data": {"PATIENTID": 7, "OUTCOMESTERMDATE": "2026-01-31"},
//!     "beforeData": {"PATIENTID": 7, "OUTCOMESTERMDATE": null},
//!     "headers": {"operation": "UPDATE", "changeSequence": "1", "streamPosition": "a"}}"#)?.event;
//! let refresh = ReplicateJson::decode(br#"{"data": {"PATIENTID": 8, "OUTCOMESTERMDATE": "2026-02-01"},
//!     "beforeData": null, "headers": {"operation": "REFRESH", "changeSequence": "2", "streamPosition": "b"}}"#)?.event;
//! assert!(termed(&update));
//! assert!(!termed(&refresh));
//! # Ok::<(), cdc_core::Error>(())
//! ```

pub mod avro;
pub mod debezium;
mod error;
mod event;
mod json;
mod ops;
pub mod replicate;
mod row;
mod unwrap;
mod value;
pub mod view;

pub use debezium::{DebeziumAvro, DebeziumJson, DebeziumRecord};
pub use error::{Error, Result, Rule};
pub use event::{ChangeEvent, Operation, Position, Source, Transaction};
pub use ops::{changed_columns, column_changed, topic_name, upsert};
pub use replicate::{ReplicateAvro, ReplicateJson, ReplicateRecord};
pub use row::Row;
pub use unwrap::{DeleteHandling, MetadataField, Unwrap, Unwrapped};
pub use value::{UNAVAILABLE_MARKER, Value, decimal_text};
