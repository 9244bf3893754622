//! Kafka's file connectors (`org.apache.kafka.connect.file`): the lines of a file into a
//! topic, and records out to a file, one line each.
//!
//! The source reads `file` from the byte position stored for it (source partition
//! `{"filename": <file>}`, source offset `{"position": <byte after the line>}`), waits
//! for the file when it does not exist yet, and holds back a last line until its line
//! end (`\n`, `\r\n` or `\r`) is written. Each line is a record of a `string` value
//! schema and no key. Without `file` it reads standard input, as Kafka's does: its
//! records then carry a null filename and position, and a restart does not resume.
//!
//! The sink appends each record's value as a line to `file` (standard output without
//! it), as Java's `toString` prints the value (see [`FileStreamSinkTask`]), and
//! `flush` makes what it wrote durable.

mod sink;
mod source;
mod source_task;
mod stdin;
mod text;

pub use sink::{FileStreamSinkConnector, FileStreamSinkTask};
pub use source::FileStreamSourceConnector;
pub use source_task::FileStreamSourceTask;

/// The key of the file to read or write (both connectors).
pub const FILE_CONFIG: &str = "file";
/// The key of the source's topic.
pub const TOPIC_CONFIG: &str = "topic";
/// The key of the most records a source poll returns.
pub const TASK_BATCH_SIZE_CONFIG: &str = "batch.size";
/// The default of [`TASK_BATCH_SIZE_CONFIG`].
pub const DEFAULT_TASK_BATCH_SIZE: i32 = 2000;
/// The key of the source partition that names the file.
pub const FILENAME_FIELD: &str = "filename";
/// The key of the source offset that holds the byte position after a record's line.
pub const POSITION_FIELD: &str = "position";
