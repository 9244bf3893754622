//! The operators' nodes: what each DSL operation runs per record, one module per
//! operator, and the plumbing they share (a table's changes, a store a node opens at
//! init, dropping records whose new key is null).
//!
//! A node is made anew for every task from the factory the DSL registered in the graph
//! ([`Dsl::operator`](super::building::Dsl::operator)); what the factory captures
//! (the user's functions, serdes, store names) is shared between tasks and so `Send +
//! Sync`, while the nodes themselves live on the task's thread.

mod aggregate;
mod change_serde;
mod emitter;
pub(crate) mod foreign_key;
mod global_join;
mod materialize;
mod processor;
mod sink;
mod source;
mod split;
mod step;
pub(crate) mod stream_join;
mod stream_table_join;
mod suppress;
mod table_aggregate;
mod table_join;
mod table_source;
mod value_getter;
mod versioned_source;
pub(crate) mod windowed;

use std::sync::Arc;

pub(crate) use aggregate::{Aggregate, AggregateStep};
pub(crate) use change_serde::ChangeSerde;
pub(crate) use emitter::Emitter;
pub(crate) use global_join::{GlobalJoin, GlobalJoiner};
pub(crate) use materialize::Materialize;
pub(crate) use processor::{FixedKeyProcessorNode, ProcessorNode};
pub use sink::TopicNameExtractor;
pub(crate) use sink::{SinkNode, SinkTopic};
pub(crate) use source::SourceNode;
pub(crate) use split::{BranchPredicate, SplitNode};
pub(crate) use step::{PassThrough, StepFn, StepNode};
pub(crate) use stream_table_join::{StreamTableJoin, StreamTableJoiner};
pub(crate) use suppress::Suppress;
pub(crate) use table_aggregate::{TableAggregate, TableAggregator};
pub(crate) use table_join::{TableJoinSide, TableJoiner};
pub(crate) use table_source::{StreamToTable, TableSource};
pub(crate) use value_getter::{Getter, RowMapper, ValueGetter};
pub(crate) use versioned_source::{VersionedSlot, VersionedTableSource};

use crate::error::{Error, Result};
use crate::processor::{Null, TaskCtx};
use crate::serdes::SerdeRef;
use crate::store::{TimestampedKeyValueStore, ValueAndTimestamp};

/// Which partition a record goes to, given the topic's partition count.
pub type Partitioner<K, V> = Arc<dyn Fn(&K, &V, i32) -> i32 + Send + Sync>;

/// A change to one key of a table: the new value (`None`: deleted) and the old one
/// (`None` also when the node does not send old values: see `ktable::old_values`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Change<V> {
    pub(crate) new: Option<V>,
    pub(crate) old: Option<V>,
}

/// A store a node opens at init and reads or writes per record: a timestamped store,
/// as every store of the DSL is.
pub(crate) struct StoreSlot<K, V> {
    name: String,
    processor: String,
    store: Option<TimestampedKeyValueStore<K, V>>,
}

impl<K: 'static, V: 'static> StoreSlot<K, V> {
    pub(crate) fn new(name: &str, processor: &str) -> Self {
        Self {
            name: name.to_owned(),
            processor: processor.to_owned(),
            store: None,
        }
    }

    pub(crate) fn open(&mut self, ctx: &TaskCtx) -> Result<()> {
        self.store = Some(ctx.timestamped_store(&self.name, &self.processor)?);
        Ok(())
    }

    /// Whether the table kept in this store goes through the record cache.
    pub(crate) fn caches(&self, ctx: &TaskCtx) -> bool {
        ctx.caches(&self.name)
    }

    pub(crate) fn get(&self) -> Result<&TimestampedKeyValueStore<K, V>> {
        self.store.as_ref().ok_or_else(|| Error::UnknownStore {
            store: self.name.clone(),
            processor: self.processor.clone(),
        })
    }
}

/// The later of `timestamp` and the timestamp of `stored`: the timestamp of an
/// aggregate or a join result, which is as new as the newest record in it.
pub(crate) fn latest<V>(timestamp: i64, stored: Option<&ValueAndTimestamp<V>>) -> i64 {
    stored.map_or(timestamp, |s| s.timestamp.max(timestamp))
}

/// Lets a shared serde stand where a serde value is expected.
pub(crate) struct ArcSerde<T>(pub(crate) SerdeRef<T>);

impl<T: 'static> crate::serdes::Serde<T> for ArcSerde<T> {
    fn serialize(&self, topic: &str, value: &T) -> crate::serdes::SerdeResult<Option<bytes::Bytes>> {
        self.0.serialize(topic, value)
    }
    fn deserialize(&self, topic: &str, data: Option<&[u8]>) -> crate::serdes::SerdeResult<T> {
        self.0.deserialize(topic, data)
    }
    fn serialize_owned(&self, topic: &str, value: T) -> crate::serdes::SerdeResult<Option<bytes::Bytes>> {
        self.0.serialize_owned(topic, value)
    }
    fn prepare(&self, topic: &str) -> crate::serdes::SerdeResult<()> {
        self.0.prepare(topic)
    }
    fn is_null(&self, value: &T) -> bool {
        self.0.is_null(value)
    }
}

/// Drops the current record because `processor` gave it a null key, as Kafka Streams
/// drops a record with a null key at a key-based operation, and counts it in
/// `kstream_skipped_records_total{reason="null_key"}` (Kafka's `dropped-records`).
pub(crate) fn drop_null_key(ctx: &TaskCtx, processor: &str) {
    ctx.skip_null(processor, Null::Key);
}
