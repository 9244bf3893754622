//! Records skipped for a null key or value, where Kafka Streams skips them without error
//! and counts them in its `dropped-records` metric.

use super::TaskCtx;

/// What was null in a skipped record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Null {
    /// The key (or the key a key mapper gave).
    Key,
    /// The value.
    Value,
}

impl Null {
    fn reason(self) -> &'static str {
        match self {
            Null::Key => "null_key",
            Null::Value => "null_value",
        }
    }
}

/// Counts a record skipped for `null` in
/// `kstream_skipped_records_total{reason="null_key"}` or `{reason="null_value"}`.
pub(crate) fn count_null_skip(null: Null) {
    metrics::counter!("kstream_skipped_records_total", "reason" => null.reason()).increment(1);
}

impl TaskCtx {
    /// Skips the current record because `processor` met a null where Kafka Streams skips
    /// the record: logs it at debug level and counts it.
    pub(crate) fn skip_null(&self, processor: &str, null: Null) {
        tracing::debug!(
            processor,
            topic = %self.meta.topic,
            partition = self.meta.partition,
            offset = self.meta.offset,
            reason = null.reason(),
            "skipping a record with a null key or value"
        );
        count_null_skip(null);
    }
}
