//! `cdc-core`: change events out of databases, in the envelopes of Debezium and Qlik
//! (Attunity) Replicate, with their codecs. Pure: no I/O, no async.
//!
//! Every codec decodes a Kafka record's key and value through the one [`Decode`] trait;
//! a record without a value is a [`Decoded::Tombstone`]:
//!
//! ```
//! use cdc_core::{DebeziumJson, Decode, Decoded, Operation, Row, Value};
//!
//! let key = br#"{"id":7}"#;
//! let value = br#"{"before":{"id":7,"termed":null},"after":{"id":7,"termed":"2026-01-31"},
//!     "source":{"connector":"postgresql","name":"hospital","db":"care","schema":"dbo",
//!               "table":"patient","lsn":33227720,"txId":556},
//!     "op":"u","ts_ms":1700000000000}"#;
//! let Decoded::Change(record) = DebeziumJson.decode(Some(key), Some(value))? else {
//!     panic!("a change, not a tombstone");
//! };
//! let event = record.event;
//! assert_eq!(event.op, Operation::Update);
//! assert_eq!(event.after_value("termed"), Some(&Value::String("2026-01-31".into())));
//! assert_eq!(event.key, Some(Row::new().with("id", Value::Int(7))));
//!
//! // The tombstone that follows a delete: a key and no value.
//! assert!(DebeziumJson.decode(Some(key), None)?.is_tombstone());
//! # Ok::<(), cdc_core::Error>(())
//! ```
//!
//! The filter of the patient-events pipeline (a KSQL `WHERE` in the original: the row is
//! new or its term date changed, the term date is set, and it is not a snapshot refresh)
//! is one expression over an event, whichever envelope it came in:
//!
//! ```
//! use cdc_core::{ChangeEvent, Decode, Operation, ReplicateJson, column_changed};
//!
//! let termed = |e: &ChangeEvent| {
//!     (e.before.is_none() || column_changed(e, "OUTCOMESTERMDATE"))
//!         && e.after_value("OUTCOMESTERMDATE").is_some_and(|v| !v.is_null())
//!         && e.op != Operation::Read
//! };
//! let event = |value: &[u8]| -> cdc_core::Result<Option<ChangeEvent>> {
//!     Ok(ReplicateJson.decode(None, Some(value))?.into_change().map(ChangeEvent::from))
//! };
//! let update = event(br#"{"data": {"PATIENTID": 7, "OUTCOMESTERMDATE": "2026-01-31"},
//!     "beforeData": {"PATIENTID": 7, "OUTCOMESTERMDATE": null},
//!     "headers": {"operation": "UPDATE", "changeSequence": "1", "streamPosition": "a"}}"#)?;
//! let refresh = event(br#"{"data": {"PATIENTID": 8, "OUTCOMESTERMDATE": "2026-02-01"},
//!     "beforeData": null, "headers": {"operation": "REFRESH", "changeSequence": "2", "streamPosition": "b"}}"#)?;
//! assert!(update.as_ref().is_some_and(termed));
//! assert!(!refresh.as_ref().is_some_and(termed));
//! # Ok::<(), cdc_core::Error>(())
//! ```

#![warn(unreachable_pub)]

pub mod avro;
pub mod debezium;
mod decode;
mod error;
mod event;
mod json;
mod ops;
pub mod replicate;
mod row;
pub mod transaction;
mod unwrap;
mod value;
pub mod view;

pub use debezium::{
    DataCollectionCount, DebeziumAvro, DebeziumJson, DebeziumRecord, DebeziumSchemaChangeJson,
    DebeziumTransactionJson, SchemaChangeRecord, TransactionBoundary, TransactionMetadata,
    TransactionMetadataRecord,
};
pub use decode::{Decode, DecodeChange, Decoded};
pub use error::{Error, Result, Rule};
pub use event::{ChangeEvent, LogicalMessage, MessageContent, Operation, Position, Source, Transaction};
pub use ops::{changed_columns, column_changed, topic_name, upsert};
pub use replicate::{ReplicateAvro, ReplicateJson, ReplicateRecord};
pub use row::Row;
pub use transaction::TransactionAssembler;
pub use unwrap::{DeleteHandling, Flattened, MetadataField, Unwrap, Unwrapped};
pub use value::{UNAVAILABLE_MARKER, Value, decimal_text};

pub use value::{JsonText, WideDecimal};

/// The README, whose example runs with the doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
