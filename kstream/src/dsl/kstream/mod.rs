//! [`KStream`]: a stream of records, each an independent fact.
//!
//! The operations are split by concept: record-at-a-time steps and sinks here, new keys
//! and values in `mapping`, grouping and repartitioning in `grouping`, joins with tables
//! in `joins` and `global_joins`, `split` in `split`, the processor API in
//! `processing`, `to_table` in `to_table`, and `deduplicate` in `deduplicate`.

mod deduplicate;
mod global_joins;
mod grouping;
mod joins;
mod mapping;
mod processing;
mod split;
mod to_table;
mod window_joins;

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

pub use deduplicate::Deduplication;
pub use split::BranchedKStream;

use super::building::{Dsl, SinkTarget};
use super::options::{Named, Produced};
use crate::graph::TopicName;
use crate::processor::{Fanout, RecordContext, TaskCtx};

/// A record stream, typed by its key `K` and value `V`, borrowing the
/// [`StreamsBuilder`](crate::StreamsBuilder) it was made from for `'b`.
///
/// A `KStream` is a handle: it is `Copy`, and every operation adds to the builder's
/// graph and returns a new handle. See the [DSL reference](crate::dsl_reference) for
/// every operation next to its Kafka Streams name.
pub struct KStream<'b, K, V> {
    pub(crate) dsl: &'b Dsl,
    pub(crate) node: usize,
    /// The key was changed since the last repartition: a stateful operation must
    /// repartition first so that equal keys meet in one task.
    pub(crate) repartition: bool,
    _types: PhantomData<fn() -> (K, V)>,
}

impl<K, V> Clone for KStream<'_, K, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K, V> Copy for KStream<'_, K, V> {}

impl<K, V> fmt::Debug for KStream<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KStream")
            .field("processor", &self.dsl.node_name(self.node))
            .field("key_changed", &self.repartition)
            .finish()
    }
}

impl<'b, K: Clone + 'static, V: Clone + 'static> KStream<'b, K, V> {
    pub(crate) fn new(dsl: &'b Dsl, node: usize, repartition: bool) -> Self {
        Self {
            dsl,
            node,
            repartition,
            _types: PhantomData,
        }
    }

    /// `named`, or a fresh name starting with `prefix`.
    pub(crate) fn name_of(&self, named: Option<Named>, prefix: &str) -> String {
        self.dsl.name(named.map(Named::into_string), prefix)
    }

    /// A stateless step `name` on this stream.
    fn then<K2: Clone + 'static, V2: Clone + 'static>(
        &self,
        name: String,
        key_changed: bool,
        step: impl Fn(&mut TaskCtx, K, V, &Fanout<K2, V2>) -> crate::Result<()> + Send + Sync + 'static,
    ) -> KStream<'b, K2, V2> {
        let node = self.dsl.step(name, vec![self.node], step);
        KStream::new(self.dsl, node, self.repartition || key_changed)
    }

    /// Keeps the records for which `predicate` holds.
    pub fn filter(&self, predicate: impl Fn(&K, &V) -> bool + Send + Sync + 'static) -> KStream<'b, K, V> {
        self.filter_step(None, predicate)
    }

    /// [`filter`](Self::filter), naming the processor.
    pub fn filter_with(
        &self,
        predicate: impl Fn(&K, &V) -> bool + Send + Sync + 'static,
        named: Named,
    ) -> KStream<'b, K, V> {
        self.filter_step(Some(named), predicate)
    }

    /// Drops the records for which `predicate` holds.
    pub fn filter_not(
        &self,
        predicate: impl Fn(&K, &V) -> bool + Send + Sync + 'static,
    ) -> KStream<'b, K, V> {
        self.filter_step(None, move |k, v| !predicate(k, v))
    }

    /// [`filter_not`](Self::filter_not), naming the processor.
    pub fn filter_not_with(
        &self,
        predicate: impl Fn(&K, &V) -> bool + Send + Sync + 'static,
        named: Named,
    ) -> KStream<'b, K, V> {
        self.filter_step(Some(named), move |k, v| !predicate(k, v))
    }

    fn filter_step(
        &self,
        named: Option<Named>,
        predicate: impl Fn(&K, &V) -> bool + Send + Sync + 'static,
    ) -> KStream<'b, K, V> {
        self.then(
            self.name_of(named, "KSTREAM-FILTER"),
            false,
            move |ctx, k, v, out| {
                if predicate(&k, &v) {
                    out.forward(ctx, k, v)
                } else {
                    Ok(())
                }
            },
        )
    }

    /// Looks at each record and passes it on.
    pub fn peek(&self, action: impl Fn(&K, &V) + Send + Sync + 'static) -> KStream<'b, K, V> {
        self.peek_step(None, action)
    }

    /// [`peek`](Self::peek), naming the processor.
    pub fn peek_with(
        &self,
        action: impl Fn(&K, &V) + Send + Sync + 'static,
        named: Named,
    ) -> KStream<'b, K, V> {
        self.peek_step(Some(named), action)
    }

    fn peek_step(
        &self,
        named: Option<Named>,
        action: impl Fn(&K, &V) + Send + Sync + 'static,
    ) -> KStream<'b, K, V> {
        self.then(
            self.name_of(named, "KSTREAM-PEEK"),
            false,
            move |ctx, k, v, out| {
                action(&k, &v);
                out.forward(ctx, k, v)
            },
        )
    }

    /// Calls `action` for each record (a terminal operation).
    pub fn foreach(&self, action: impl Fn(&K, &V) + Send + Sync + 'static) {
        self.foreach_step(None, action);
    }

    /// [`foreach`](Self::foreach), naming the processor.
    pub fn foreach_with(&self, action: impl Fn(&K, &V) + Send + Sync + 'static, named: Named) {
        self.foreach_step(Some(named), action);
    }

    fn foreach_step(&self, named: Option<Named>, action: impl Fn(&K, &V) + Send + Sync + 'static) {
        let _: KStream<'b, K, V> = self.then(
            self.name_of(named, "KSTREAM-FOREACH"),
            false,
            move |_, k, v, _| {
                action(&k, &v);
                Ok(())
            },
        );
    }

    /// The records of both streams.
    pub fn merge(&self, other: &KStream<'b, K, V>) -> KStream<'b, K, V> {
        self.merge_step(other, None)
    }

    /// [`merge`](Self::merge), naming the processor.
    pub fn merge_with(&self, other: &KStream<'b, K, V>, named: Named) -> KStream<'b, K, V> {
        self.merge_step(other, Some(named))
    }

    fn merge_step(&self, other: &KStream<'b, K, V>, named: Option<Named>) -> KStream<'b, K, V> {
        self.dsl.same(other.dsl, "merge");
        let name = self.name_of(named, "KSTREAM-MERGE");
        let node = self.dsl.pass_through::<K, V>(name, vec![self.node, other.node]);
        KStream::new(self.dsl, node, self.repartition || other.repartition)
    }

    /// Writes the stream to `topic`.
    pub fn to(&self, topic: &str, produced: Produced<K, V>) {
        self.sink_to(SinkTarget::Topic(TopicName::User(topic.to_owned())), produced);
    }

    /// Writes each record to the topic `extractor` picks from its key, its value and
    /// the context of the record being processed (its topic, partition, offset,
    /// timestamp and headers): Kafka Streams' `to(TopicNameExtractor, Produced)`. A
    /// name that is not a legal topic name stops the task with
    /// [`Error::ExtractedTopic`](crate::Error::ExtractedTopic).
    ///
    /// ```
    /// use kstream::prelude::*;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream("events", Consumed::with(StringSerde, StringSerde))
    ///     .to_dynamic(
    ///         |_, event: &String, _| format!("events-{}", event.split(':').next().unwrap_or("other")),
    ///         Produced::with(StringSerde, StringSerde),
    ///     );
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// driver.input_topic("events", StringSerde, StringSerde).pipe_input("k".into(), "click:42".into())?;
    /// let clicks = driver.output_topic("events-click", StringSerde, StringSerde);
    /// assert_eq!(clicks.read_key_values()?, vec![("k".to_string(), "click:42".to_string())]);
    /// # Ok::<(), kstream::Error>(())
    /// ```
    pub fn to_dynamic(
        &self,
        extractor: impl Fn(&K, &V, &RecordContext<'_>) -> String + Send + Sync + 'static,
        produced: Produced<K, V>,
    ) {
        self.sink_to(SinkTarget::Extractor(Arc::new(extractor)), produced);
    }

    fn sink_to(&self, target: SinkTarget<K, V>, produced: Produced<K, V>) {
        let name = self.dsl.name(produced.name, "KSTREAM-SINK");
        self.dsl.sink(
            name,
            self.node,
            target,
            produced.keys.serde,
            produced.values.serde,
            produced.partitioner,
        );
    }
}
