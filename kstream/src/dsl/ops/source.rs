//! The source of a topic: reads a record's bytes with its serdes.

use streamlog::Record;

use crate::config::TimestampExtractor;
use crate::error::Result;
use crate::graph::RawSource;
use crate::processor::{Fanout, Null, TaskCtx};
use crate::serdes::SerdeRef;
use crate::serdes::retry::deserialize_part;

/// Reads a record's bytes with its serdes and forwards the typed record.
pub(crate) struct SourceNode<K, V> {
    pub(crate) name: String,
    pub(crate) keys: SerdeRef<K>,
    pub(crate) values: SerdeRef<V>,
    /// The topic's own timestamp extractor, if it has one.
    pub(crate) extractor: Option<TimestampExtractor>,
    /// A table's source: a record without a key is skipped before it is read.
    pub(crate) skip_null_keys: bool,
    pub(crate) out: Fanout<K, V>,
}

impl<K: Clone + 'static, V: Clone + 'static> RawSource for SourceNode<K, V> {
    fn timestamp(&self, record: &Record, stream_time: i64) -> Option<i64> {
        self.extractor.as_ref().map(|e| e.extract(record, stream_time))
    }

    fn process_raw(&mut self, ctx: &mut TaskCtx, record: &Record) -> Result<()> {
        if self.skip_null_keys && record.key.is_none() {
            ctx.skip_null(&self.name, Null::Key);
            return Ok(());
        }
        let key = deserialize_part(ctx, record, "key", || {
            self.keys.deserialize(&record.topic, record.key.as_deref())
        })?;
        let value = deserialize_part(ctx, record, "value", || {
            self.values.deserialize(&record.topic, record.value.as_deref())
        })?;
        self.out.forward(ctx, key, value)
    }
}
