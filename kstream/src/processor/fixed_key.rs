//! The processor API's fixed-key processors (Kafka Streams' `FixedKeyProcessor`, for
//! `KStream::process_values`): a processor that may change a record's value but not its
//! key, so the stream needs no repartitioning after it.

use std::time::Duration;

use streamlog::Headers;

use super::{ProcessorContext, ProcessorError, PunctuationType};
use crate::error::Result;
use crate::store::{KeyValueStore, StoreHandle};

/// A record handed to a [`FixedKeyProcessor`]: its key cannot be changed, only its value
/// (Kafka Streams' `FixedKeyRecord`). The processor forwards it, or a record made from
/// it with [`with_value`](Self::with_value), through its
/// [`FixedKeyProcessorContext`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedKeyRecord<K, V> {
    key: K,
    value: V,
}

impl<K, V> FixedKeyRecord<K, V> {
    pub(crate) fn new(key: K, value: V) -> Self {
        Self { key, value }
    }

    /// The record's key.
    pub fn key(&self) -> &K {
        &self.key
    }

    /// The record's value.
    pub fn value(&self) -> &V {
        &self.value
    }

    /// The value, giving up the record.
    pub fn into_value(self) -> V {
        self.value
    }

    /// The same record with another value.
    pub fn with_value<V2>(self, value: V2) -> FixedKeyRecord<K, V2> {
        FixedKeyRecord { key: self.key, value }
    }

    /// The same record with its value mapped by `f`.
    pub fn map_value<V2>(self, f: impl FnOnce(V) -> V2) -> FixedKeyRecord<K, V2> {
        FixedKeyRecord {
            key: self.key,
            value: f(self.value),
        }
    }
}

/// A processor that keeps each record's key (Kafka Streams' `FixedKeyProcessor`): it
/// takes records with keys `K` and values `VIn` and forwards records with the same keys
/// and values `VOut`. Run it with [`KStream::process_values`](crate::KStream::process_values).
///
/// ```
/// use kstream::processor::{FixedKeyProcessor, FixedKeyProcessorContext, FixedKeyRecord, ProcessorError};
///
/// /// Numbers each key's values: `a`, `b` under one key become `1:a`, `2:b`.
/// #[derive(Default)]
/// struct Numbered {
///     seen: std::collections::HashMap<String, u64>,
/// }
///
/// impl FixedKeyProcessor<String, String, String> for Numbered {
///     fn process(
///         &mut self,
///         ctx: &mut FixedKeyProcessorContext<'_, String, String>,
///         record: FixedKeyRecord<String, String>,
///     ) -> Result<(), ProcessorError> {
///         let n = self.seen.entry(record.key().clone()).or_default();
///         *n += 1;
///         let numbered = format!("{n}:{}", record.value());
///         ctx.forward(record.with_value(numbered))?;
///         Ok(())
///     }
/// }
/// ```
pub trait FixedKeyProcessor<K, VIn, VOut>: 'static {
    /// Called once before the first record of its task (open stores, schedule
    /// punctuations here).
    fn init(&mut self, ctx: &mut FixedKeyProcessorContext<'_, K, VOut>) -> Result<(), ProcessorError> {
        let _ = ctx;
        Ok(())
    }

    /// Processes one record.
    fn process(
        &mut self,
        ctx: &mut FixedKeyProcessorContext<'_, K, VOut>,
        record: FixedKeyRecord<K, VIn>,
    ) -> Result<(), ProcessorError>;

    /// Called when a punctuation scheduled with [`FixedKeyProcessorContext::schedule`]
    /// is due, at `timestamp_ms` (stream time or wall-clock time, in epoch
    /// milliseconds).
    fn punctuate(
        &mut self,
        ctx: &mut FixedKeyProcessorContext<'_, K, VOut>,
        kind: PunctuationType,
        timestamp_ms: i64,
    ) -> Result<(), ProcessorError> {
        let _ = (ctx, kind, timestamp_ms);
        Ok(())
    }
}

/// The context of a [`FixedKeyProcessor`] call: a [`ProcessorContext`] whose `forward`
/// takes a [`FixedKeyRecord`], so the key stays the one the record came with.
pub struct FixedKeyProcessorContext<'a, K, VOut> {
    pub(crate) inner: ProcessorContext<'a, K, VOut>,
}

impl<K: Clone, VOut: Clone> FixedKeyProcessorContext<'_, K, VOut> {
    /// Sends a record to the processor's children, with the current record's timestamp.
    pub fn forward(&mut self, record: FixedKeyRecord<K, VOut>) -> Result<()> {
        self.inner.forward(record.key, record.value)
    }

    /// Sends a record with another timestamp (epoch milliseconds).
    pub fn forward_with_timestamp(
        &mut self,
        record: FixedKeyRecord<K, VOut>,
        timestamp_ms: i64,
    ) -> Result<()> {
        self.inner
            .forward_with_timestamp(record.key, record.value, timestamp_ms)
    }
}

impl<K, VOut> FixedKeyProcessorContext<'_, K, VOut> {
    /// The store of `handle`, as [`ProcessorContext::store`].
    pub fn store<SK: 'static, SV: 'static>(
        &self,
        handle: &StoreHandle<SK, SV>,
    ) -> Result<KeyValueStore<SK, SV>> {
        self.inner.store(handle)
    }

    /// Asks for a punctuation, as [`ProcessorContext::schedule`].
    pub fn schedule(&mut self, interval: Duration, kind: PunctuationType) {
        self.inner.schedule(interval, kind);
    }

    /// The processor's name.
    pub fn name(&self) -> &str {
        self.inner.name()
    }

    /// The topic of the current record.
    pub fn topic(&self) -> &str {
        self.inner.topic()
    }

    /// Its partition.
    pub fn partition(&self) -> i32 {
        self.inner.partition()
    }

    /// Its offset.
    pub fn offset(&self) -> i64 {
        self.inner.offset()
    }

    /// Its timestamp in epoch milliseconds.
    pub fn timestamp(&self) -> i64 {
        self.inner.timestamp()
    }

    /// Its headers.
    pub fn headers(&self) -> &Headers {
        self.inner.headers()
    }

    /// Its headers, to change what is forwarded and produced.
    pub fn headers_mut(&mut self) -> &mut Headers {
        self.inner.headers_mut()
    }

    /// The task's stream time, in epoch milliseconds.
    pub fn stream_time(&self) -> i64 {
        self.inner.stream_time()
    }

    /// The wall-clock time of the task's last step, in epoch milliseconds.
    pub fn wall_clock_time(&self) -> i64 {
        self.inner.wall_clock_time()
    }
}

impl<K, VOut> std::fmt::Debug for FixedKeyProcessorContext<'_, K, VOut> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}
