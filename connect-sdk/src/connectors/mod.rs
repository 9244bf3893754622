//! The built-in connectors, each named by its Java class and by the short names a Kafka
//! worker also accepts:
//!
//! - [`FileStreamSourceConnector`] and [`FileStreamSinkConnector`]: Kafka's
//!   `org.apache.kafka.connect.file` connectors, lines of a file (or standard input)
//!   into a topic, and records out to a file (or standard output), one line each.
//! - [`DatagenConnector`]: generated records for demos and benchmarks, with Confluent
//!   datagen's config keys, deterministic for a `random.seed`, and quickstarts of the
//!   trucking and hotel examples ([`Quickstart`]).
//!
//! Each has a `CLASS` (its Java class name, as `connector.class` gives it) and the
//! `ALIASES` a worker also accepts for it.
//!
//! ```
//! use connect_sdk::connectors::{DatagenConnector, FileStreamSourceConnector};
//!
//! assert_eq!(FileStreamSourceConnector::CLASS, "org.apache.kafka.connect.file.FileStreamSourceConnector");
//! assert_eq!(FileStreamSourceConnector::ALIASES, ["FileStreamSourceConnector", "FileStreamSource"]);
//! assert!(DatagenConnector::ALIASES.contains(&"io.confluent.kafka.connect.datagen.DatagenConnector"));
//! ```

pub mod datagen;
pub mod file;
mod parsed;

pub use datagen::{DatagenConnector, DatagenTask, Quickstart};
pub use file::{
    FileStreamSinkConnector, FileStreamSinkTask, FileStreamSourceConnector, FileStreamSourceTask,
};

use std::time::Duration;

/// The longest a source task's poll waits when it has nothing to give (no new line in
/// its file, no generated record due yet), so that a stop is never far off.
pub const IDLE_WAIT: Duration = Duration::from_millis(100);

/// An integer of any width, as a stored offset may give it back.
fn integer(value: &crate::data::Value) -> Option<i64> {
    use crate::data::Value;
    match value {
        Value::Int8(v) => Some(i64::from(*v)),
        Value::Int16(v) => Some(i64::from(*v)),
        Value::Int32(v) => Some(i64::from(*v)),
        Value::Int64(v) => Some(*v),
        _ => None,
    }
}

/// A map of string keys, as source partitions and offsets are.
fn string_map(entries: Vec<(&str, crate::data::Value)>) -> crate::data::Value {
    crate::data::Value::Map(
        entries
            .into_iter()
            .map(|(k, v)| (crate::data::Value::String(k.to_owned()), v))
            .collect(),
    )
}
