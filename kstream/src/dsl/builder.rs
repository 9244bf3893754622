//! [`StreamsBuilder`] and [`Topology`], and the helpers every DSL operation uses to add
//! its node.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use super::kstream::KStream;
use super::ktable::{self, KTable};
use super::nodes::{SinkNode, SourceNode, StepFn, StepNode};
use super::options::{Consumed, Produced};
use crate::config::TimestampExtractor;
use crate::error::{Error, Result};
use crate::graph::{Erased, Graph, NodeKind, RawSource, TopicName, TopologyDescription};
use crate::processor::NodeRef;
use crate::serdes::SerdeRef;
use crate::store::{Materialized, StoreHandle, StoreSpec};

/// The graph under construction, shared by the builder and every stream and table
/// made from it. Problems found while building are kept and reported by `build`.
#[derive(Clone, Default)]
pub(crate) struct Dsl {
    pub(crate) graph: Rc<RefCell<Graph>>,
    errors: Rc<RefCell<Vec<String>>>,
}

impl Dsl {
    pub(crate) fn fail(&self, problem: String) {
        self.errors.borrow_mut().push(problem);
    }

    pub(crate) fn name(&self, prefix: &str) -> String {
        self.graph.borrow_mut().name(prefix)
    }

    /// Adds a stateless step under `parents`.
    pub(crate) fn step<K, V, K2, V2>(
        &self,
        parents: Vec<usize>,
        prefix: &str,
        step: StepFn<K, V, K2, V2>,
    ) -> usize
    where
        K: 'static,
        V: 'static,
        K2: 'static,
        V2: 'static,
    {
        let name = self.name(prefix);
        self.node(name, parents, Vec::new(), move |inst, id| {
            let out = inst.children::<K2, V2>(id)?;
            let node: NodeRef<K, V> = Rc::new(RefCell::new(StepNode {
                step: step.clone(),
                out,
            }));
            Ok(Box::new(node) as Erased)
        })
    }

    /// Adds a processor node with its stores.
    pub(crate) fn node(
        &self,
        name: String,
        parents: Vec<usize>,
        stores: Vec<String>,
        factory: impl Fn(&mut crate::graph::Instantiation<'_>, usize) -> Result<Erased> + Send + Sync + 'static,
    ) -> usize {
        let mut g = self.graph.borrow_mut();
        let id = g.add(name, NodeKind::Processor, parents, Box::new(factory));
        g.nodes[id].stores = stores;
        id
    }

    /// Adds a source of `topics`.
    pub(crate) fn source<K: Clone + 'static, V: Clone + 'static>(
        &self,
        topics: Vec<TopicName>,
        keys: SerdeRef<K>,
        values: SerdeRef<V>,
        extractor: Option<TimestampExtractor>,
    ) -> usize {
        let name = self.name("KSTREAM-SOURCE");
        let registered = topics.clone();
        let factory = move |inst: &mut crate::graph::Instantiation<'_>, id: usize| -> Result<Erased> {
            let out = inst.children::<K, V>(id)?;
            let source: Rc<RefCell<dyn RawSource>> = Rc::new(RefCell::new(SourceNode {
                keys: keys.clone(),
                values: values.clone(),
                extractor: extractor.clone(),
                out,
            }));
            inst.register_source(&registered, source);
            Ok(Box::new(()))
        };
        self.graph
            .borrow_mut()
            .add(name, NodeKind::Source(topics), Vec::new(), Box::new(factory))
    }

    /// Adds a sink to `topic` under `parent`.
    pub(crate) fn sink<K: 'static, V: 'static>(
        &self,
        parent: usize,
        topic: TopicName,
        produced: Produced<K, V>,
    ) -> usize {
        let name = self.name("KSTREAM-SINK");
        let target = topic.clone();
        let factory = move |inst: &mut crate::graph::Instantiation<'_>, _id: usize| -> Result<Erased> {
            let node: NodeRef<K, V> = Rc::new(RefCell::new(SinkNode {
                topic: Arc::from(inst.topic(&target)),
                keys: produced.keys.clone(),
                values: produced.values.clone(),
                partitioner: produced.partitioner.clone(),
            }));
            Ok(Box::new(node))
        };
        self.graph
            .borrow_mut()
            .add(name, NodeKind::Sink(topic), vec![parent], Box::new(factory))
    }

    /// Declares a store; its name comes from `m` or from `prefix`.
    pub(crate) fn store<K: 'static, V: 'static>(&self, m: &Materialized<K, V>, prefix: &str) -> String {
        let name = m.name.clone().unwrap_or_else(|| self.name(prefix));
        let mut g = self.graph.borrow_mut();
        if g.stores.contains_key(&name) {
            drop(g);
            self.fail(format!("the store name `{name}` is used twice"));
            return name;
        }
        g.stores.insert(name.clone(), StoreSpec::of(&name, m));
        name
    }
}

/// Builds a topology with the DSL.
///
/// ```
/// use kstream::{Consumed, Produced, StreamsBuilder, StringSerde};
/// let builder = StreamsBuilder::new();
/// builder
///     .stream("words", Consumed::with(StringSerde, StringSerde))
///     .filter(|_, word| !word.is_empty())
///     .map_values(|word| word.to_uppercase())
///     .to("shouted", Produced::with(StringSerde, StringSerde));
/// let topology = builder.build().unwrap();
/// assert!(topology.describe().to_string().contains("Source: KSTREAM-SOURCE-0000000000 (topics: [words])"));
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
    pub fn stream<K, V>(&self, topic: &str, consumed: Consumed<K, V>) -> KStream<K, V>
    where
        K: Clone + 'static,
        V: Clone + 'static,
    {
        let node = self.dsl.source(
            vec![TopicName::User(topic.to_owned())],
            consumed.keys,
            consumed.values,
            consumed.extractor,
        );
        KStream::new(self.dsl.clone(), node, false)
    }

    /// A table of the latest value per key of `topic` (a null value deletes the key),
    /// materialized in a store.
    pub fn table<K, V>(
        &self,
        topic: &str,
        consumed: Consumed<K, V>,
        materialized: Materialized<K, V>,
    ) -> KTable<K, V>
    where
        K: Clone + 'static,
        V: Clone + 'static,
    {
        ktable::source(&self.dsl, topic, consumed, materialized)
    }

    /// A table of every partition of `topic`, replicated to every instance (a
    /// `GlobalKTable`): streams join it through a key mapper, with no co-partitioning.
    pub fn global_table<K: 'static, V: 'static>(
        &self,
        topic: &str,
        consumed: Consumed<K, V>,
        store: Option<&str>,
    ) -> super::GlobalKTable<K, V> {
        super::global::global_table(&self.dsl, topic, consumed, store)
    }

    /// Declares a store for the processor API, and gives its handle: connect it to
    /// processors with [`KStream::process`]'s store list, open it with
    /// [`ProcessorContext::store`](crate::ProcessorContext::store).
    pub fn add_state_store<K: 'static, V: 'static>(
        &self,
        materialized: Materialized<K, V>,
    ) -> StoreHandle<K, V> {
        self.dsl.store(&materialized, "KSTREAM-STATE-STORE");
        materialized.handle()
    }

    /// The topology, or the first problem found while building it.
    pub fn build(self) -> Result<Topology> {
        if let Some(problem) = self.dsl.errors.borrow().first() {
            return Err(Error::Topology(problem.clone()));
        }
        let graph = std::mem::take(&mut *self.dsl.graph.borrow_mut());
        for name in graph.stores.keys() {
            if !graph.nodes.iter().any(|n| n.stores.contains(name)) {
                return Err(Error::Topology(format!(
                    "store `{name}` is connected to no processor"
                )));
            }
        }
        if graph.nodes.is_empty() {
            return Err(Error::Topology("the topology has no source".into()));
        }
        Ok(Topology {
            graph: Arc::new(graph),
        })
    }
}

/// A built topology: run it with [`KafkaStreams`](crate::KafkaStreams) or test it with
/// [`TopologyTestDriver`](crate::TopologyTestDriver).
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

impl std::fmt::Debug for Topology {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.describe())
    }
}
