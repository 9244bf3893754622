//! [`StreamsBuilder`] and [`Topology`].

use std::fmt;
use std::sync::Arc;

use super::building::Dsl;
use super::global::{self, GlobalKTable};
use super::kstream::KStream;
use super::ktable::{self, KTable};
use super::options::Consumed;
use crate::error::Result;
use crate::graph::{Graph, TopicName, TopologyDescription};
use crate::store::{Materialized, StoreHandle};

/// Builds a topology with the DSL.
///
/// Streams and tables borrow the builder (`KStream<'b, K, V>` lives as long as the
/// builder's borrow `'b`), and [`build`](StreamsBuilder::build) takes the builder by
/// value: a stream or table used after `build` does not compile, so nothing can be
/// added to a topology once it is built. The builder and its handles stay on the
/// thread that builds; the [`Topology`] it makes is `Send + Sync` and can be run
/// anywhere.
///
/// ```
/// use kstream::prelude::*;
/// let builder = StreamsBuilder::new();
/// builder
///     .stream("words", Consumed::with(StringSerde, StringSerde))
///     .filter(|_, word| !word.is_empty())
///     .map_values(|word| word.to_uppercase())
///     .to("shouted", Produced::with(StringSerde, StringSerde));
/// let topology = builder.build()?;
/// assert!(topology.describe().to_string().contains("Source: KSTREAM-SOURCE-0000000000 (topics: [words])"));
/// # Ok::<(), kstream::Error>(())
/// ```
///
/// ```compile_fail,E0505
/// use kstream::prelude::*;
/// let builder = StreamsBuilder::new();
/// let words = builder.stream("words", Consumed::with(StringSerde, StringSerde));
/// let topology = builder.build()?;
/// words.to("too-late", Produced::with(StringSerde, StringSerde)); // `builder` was moved
/// # Ok::<(), kstream::Error>(())
/// ```
#[derive(Default)]
pub struct StreamsBuilder {
    dsl: Dsl,
}

impl StreamsBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// A stream of the records of `topic`.
    pub fn stream<K, V>(&self, topic: &str, consumed: Consumed<K, V>) -> KStream<'_, K, V>
    where
        K: Clone + 'static,
        V: Clone + 'static,
    {
        let name = self.dsl.name(consumed.name, "KSTREAM-SOURCE");
        let node = self.dsl.source(
            name,
            vec![TopicName::User(topic.to_owned())],
            consumed.keys.serde,
            consumed.values.serde,
            consumed.extractor,
        );
        KStream::new(&self.dsl, node, false)
    }

    /// A table of the latest value per key of `topic` (a null value deletes the key),
    /// materialized in the store of `materialized` (named or not, its handle queries
    /// it). A record without a key is skipped and counted.
    pub fn table<K, V>(
        &self,
        topic: &str,
        consumed: Consumed<K, V>,
        materialized: Materialized<K, V>,
    ) -> KTable<'_, K, V>
    where
        K: Clone + 'static,
        V: Clone + 'static,
    {
        ktable::source(&self.dsl, topic, consumed, Some(materialized))
    }

    /// A table of the latest value per key of `topic`, as [`table`](Self::table), but
    /// with no store of its own unless an operation needs one (Kafka Streams'
    /// `table(topic, consumed)`): a join with it, or a [`KTable::group_by`] of it or
    /// of a table derived from it row by row (`filter`, `map_values`). Then the source
    /// is stored under a name the builder chooses (`<topic>-STATE-STORE-<n>`), with the
    /// serdes of `consumed`, and [`KTable::store_handle`] still gives `None`.
    ///
    /// Without a store the table cannot tell an update from an insert: every record
    /// is passed on as it comes, a tombstone for a key it never had too, and a
    /// `filter` over it forwards a deletion for every update it rejects.
    ///
    /// ```
    /// use kstream::prelude::*;
    /// let builder = StreamsBuilder::new();
    /// let prices = builder.table_unmaterialized("prices", Consumed::with(StringSerde, StringSerde));
    /// prices
    ///     .filter(|_, price| price.starts_with('1'))
    ///     .to_stream()
    ///     .to("cheap", Produced::with(StringSerde, OptionSerde(StringSerde)));
    /// assert!(prices.store_handle().is_none());
    /// let topology = builder.build()?;
    /// assert!(!topology.describe().to_string().contains("STATE-STORE"));
    /// # Ok::<(), kstream::Error>(())
    /// ```
    pub fn table_unmaterialized<K, V>(&self, topic: &str, consumed: Consumed<K, V>) -> KTable<'_, K, V>
    where
        K: Clone + 'static,
        V: Clone + 'static,
    {
        ktable::source(&self.dsl, topic, consumed, None)
    }

    /// A table of every partition of `topic`, replicated to every instance (a
    /// `GlobalKTable`): streams join it through a key mapper, with no co-partitioning.
    pub fn global_table<K: 'static, V: 'static>(
        &self,
        topic: &str,
        consumed: Consumed<K, V>,
        store: Option<&str>,
    ) -> GlobalKTable<'_, K, V> {
        global::global_table(&self.dsl, topic, consumed, store)
    }

    /// Declares a store for the processor API, and gives its handle: connect it to
    /// processors with [`KStream::process`]'s store list, open it with
    /// [`ProcessorContext::store`](crate::ProcessorContext::store).
    pub fn add_state_store<K: 'static, V: 'static>(
        &self,
        materialized: Materialized<K, V>,
    ) -> StoreHandle<K, V> {
        self.dsl.user_store(&materialized, "KSTREAM-STATE-STORE");
        materialized.handle()
    }

    /// The topology, or the first problem found while building it
    /// ([`Error::Topology`](crate::Error::Topology)).
    pub fn build(self) -> Result<Topology> {
        Ok(Topology {
            graph: Arc::new(self.dsl.finish()?),
        })
    }
}

impl fmt::Debug for StreamsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (processors, stores) = self.dsl.summary();
        f.debug_struct("StreamsBuilder")
            .field("processors", &processors)
            .field("stores", &stores)
            .finish()
    }
}

/// A built topology: run it with [`KafkaStreams`](crate::KafkaStreams) or test it with
/// [`TopologyTestDriver`](crate::TopologyTestDriver).
///
/// A topology is `Send + Sync`: build it on one thread and run it on another, or run
/// it several times. It holds the factories of its processors; each task makes its
/// own processors from them on the thread that runs it.
#[derive(Clone)]
pub struct Topology {
    pub(crate) graph: Arc<Graph>,
}

impl Topology {
    /// Sources, processors, stores and sinks, by sub-topology.
    pub fn describe(&self) -> TopologyDescription {
        TopologyDescription::of(&self.graph)
    }
}

impl fmt::Debug for Topology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.describe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send_and_sync<T: Send + Sync + 'static>() {}

    #[test]
    fn a_topology_can_be_built_on_one_thread_and_run_on_another() {
        send_and_sync::<Topology>();
        let builder = StreamsBuilder::new();
        builder
            .stream("in", Consumed::with(crate::StringSerde, crate::StringSerde))
            .to(
                "out",
                crate::Produced::with(crate::StringSerde, crate::StringSerde),
            );
        let topology = builder.build().unwrap();
        let described = std::thread::spawn(move || topology.describe().to_string())
            .join()
            .unwrap();
        assert!(
            described.contains("Sink: KSTREAM-SINK-0000000001 (topic: out)"),
            "{described}"
        );
    }
}
