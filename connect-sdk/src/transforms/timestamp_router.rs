//! `org.apache.kafka.connect.transforms.TimestampRouter`: topics named after the
//! record's timestamp.

use super::Transform;
use super::java_time::DateFormat;
use crate::config::ConfigReader;
use crate::error::{Error, Result};
use crate::record::ConnectRecord;

/// Renames the topic by `topic.format` (default `${topic}-${timestamp}`), the timestamp
/// formatted by `timestamp.format` (a Java date pattern, default `yyyyMMdd`, in UTC).
#[derive(Debug, Clone)]
pub struct TimestampRouter {
    topic_format: String,
    /// The format, or why Java refuses its pattern: as in Kafka, which makes its
    /// `SimpleDateFormat` at the first record, a bad pattern fails each record with a
    /// timestamp, not the config.
    timestamp_format: std::result::Result<DateFormat, String>,
}

impl TimestampRouter {
    /// Configured by `topic.format` and `timestamp.format`.
    pub fn configure(config: &ConfigReader<'_>) -> Result<Self> {
        let topic_format = config
            .string("topic.format")
            .unwrap_or("${topic}-${timestamp}")
            .to_owned();
        let pattern = config.string("timestamp.format").unwrap_or("yyyyMMdd");
        Ok(TimestampRouter {
            topic_format,
            timestamp_format: DateFormat::of_pattern(pattern),
        })
    }
}

impl Transform for TimestampRouter {
    fn apply(&mut self, mut record: ConnectRecord) -> Result<Option<ConnectRecord>> {
        let Some(timestamp) = record.timestamp else {
            return Err(Error::data(format!(
                "Timestamp missing on record: {}",
                record_text(&record)
            )));
        };
        let formatted = match &self.timestamp_format {
            Ok(format) => format.format(timestamp),
            Err(reason) => return Err(Error::InvalidArgument(reason.clone())),
        };
        record.topic = self
            .topic_format
            .replace("${topic}", &record.topic)
            .replace("${timestamp}", &formatted);
        Ok(Some(record))
    }
}

/// How Kafka names a record in messages, briefly.
fn record_text(record: &ConnectRecord) -> String {
    format!("record for topic {}", record.topic)
}
