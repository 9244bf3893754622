//! [`Dsl`]: the graph under construction, and the helpers every DSL operation adds its
//! nodes with.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock};

use super::nulls::{NullKeyRoutes, SerdesByType, TypeNulls};
use super::ops::{Partitioner, SinkNode, SourceNode, StepNode};
use crate::config::TimestampExtractor;
use crate::error::{Error, Result};
use crate::graph::{Erased, Factory, Graph, Instantiation, NodeKind, RawSource, TopicName};
use crate::processor::{Fanout, Node, NodeRef, TaskCtx};
use crate::serdes::SerdeRef;
use crate::store::{AnyStoreHandle, Materialized, StoreHandle, StoreSpec, ValueLayout};

/// The graph a [`StreamsBuilder`](super::StreamsBuilder) owns while streams and tables
/// are added to it. Handles borrow it; problems found while building are kept and
/// reported by `build`.
#[derive(Default)]
pub(crate) struct Dsl {
    graph: RefCell<Graph>,
    problems: RefCell<Vec<String>>,
    /// Every serde given so far, by type: how joins tell a null key or value.
    serdes: RefCell<SerdesByType>,
    /// The same, once the topology is built (node factories resolve their checks here).
    built_serdes: Arc<OnceLock<SerdesByType>>,
    /// Which repartitions pass null keys on to a left join.
    null_key_routes: RefCell<NullKeyRoutes>,
}

/// Where a repartition topic's records go and how: its serdes, partitioner and
/// partition count.
pub(crate) struct RepartitionSpec<K, V> {
    /// The topic is `<application.id>-<base>-repartition`.
    pub(crate) base: String,
    pub(crate) keys: SerdeRef<K>,
    pub(crate) values: SerdeRef<V>,
    pub(crate) partitioner: Option<Partitioner<K, V>>,
    pub(crate) partitions: Option<i32>,
}

/// How a sink writes: its serdes and partitioner, and for a repartition topic's sink
/// whether it passes records with a null key on (else it drops them).
struct SinkWriter<K, V> {
    keys: SerdeRef<K>,
    values: SerdeRef<V>,
    partitioner: Option<Partitioner<K, V>>,
    null_keys: Option<Arc<AtomicBool>>,
}

impl Dsl {
    /// Records a problem: `build` fails with the first one.
    pub(crate) fn fail(&self, problem: String) {
        self.problems.borrow_mut().push(problem);
    }

    /// Learns a serde of `T`: a join tells a null `T` by every serde of `T` the topology
    /// is given.
    pub(crate) fn learn<T: 'static>(&self, serde: &SerdeRef<T>) {
        self.serdes.borrow_mut().add(serde);
    }

    /// The null check of `T` by the topology's serdes, resolved once it is built.
    pub(crate) fn nulls<T: 'static>(&self) -> TypeNulls<T> {
        TypeNulls::new(self.built_serdes.clone())
    }

    /// Node `id` takes records with a null key (a left join): the repartitions upstream
    /// of it pass them on instead of dropping them.
    pub(crate) fn takes_null_keys(&self, id: usize) {
        self.null_key_routes.borrow_mut().add_taker(id);
    }

    /// `named`, or a fresh name in Kafka Streams' style (`KSTREAM-FILTER-0000000003`).
    pub(crate) fn name(&self, named: Option<String>, prefix: &str) -> String {
        named.unwrap_or_else(|| self.graph.borrow_mut().name(prefix))
    }

    /// The name of node `id`.
    pub(crate) fn node_name(&self, id: usize) -> String {
        match self.graph.try_borrow() {
            Ok(g) => g.nodes.get(id).map_or_else(String::new, |n| n.name.clone()),
            Err(_) => String::from("<graph in use>"),
        }
    }

    /// Whether `other` is this graph (handles of two builders cannot be combined).
    pub(crate) fn same(&self, other: &Dsl, operation: &str) -> bool {
        let same = std::ptr::eq(self, other);
        if !same {
            self.fail(format!(
                "{operation}: its two sides come from different StreamsBuilders"
            ));
        }
        same
    }

    fn add(
        &self,
        name: String,
        kind: NodeKind,
        parents: Vec<usize>,
        stores: Vec<String>,
        factory: Factory,
    ) -> usize {
        if self.graph.borrow().nodes.iter().any(|n| n.name == name) {
            self.fail(format!("the processor name `{name}` is used twice"));
        }
        let mut g = self.graph.borrow_mut();
        let id = g.add(name, kind, parents, factory);
        g.nodes[id].stores = stores;
        id
    }

    /// Adds a processor under `parents`, connected to `stores`: for each task, `make`
    /// gets the node's instantiated children and returns the node.
    pub(crate) fn operator<K, V, K2, V2, N>(
        &self,
        name: String,
        parents: Vec<usize>,
        stores: Vec<String>,
        make: impl Fn(Fanout<K2, V2>) -> N + Send + Sync + 'static,
    ) -> usize
    where
        K: 'static,
        V: 'static,
        K2: 'static,
        V2: 'static,
        N: Node<K, V> + 'static,
    {
        self.operator_in_app::<K, V, K2, V2, N>(name, parents, stores, move |_, out| make(out))
    }

    /// As [`Dsl::operator`], for a node that needs the application id when it is made
    /// (the names of internal topics are completed with it): `make` gets it first.
    pub(crate) fn operator_in_app<K, V, K2, V2, N>(
        &self,
        name: String,
        parents: Vec<usize>,
        stores: Vec<String>,
        make: impl Fn(&str, Fanout<K2, V2>) -> N + Send + Sync + 'static,
    ) -> usize
    where
        K: 'static,
        V: 'static,
        K2: 'static,
        V2: 'static,
        N: Node<K, V> + 'static,
    {
        let factory = move |inst: &mut Instantiation<'_>, id: usize| -> Result<Erased> {
            let application_id = inst.application_id;
            let node: NodeRef<K, V> =
                Rc::new(RefCell::new(make(application_id, inst.children::<K2, V2>(id)?)));
            Ok(Box::new(node))
        };
        self.add(name, NodeKind::Processor, parents, stores, Box::new(factory))
    }

    /// Adds a stateless step under `parents`.
    pub(crate) fn step<K, V, K2, V2>(
        &self,
        name: String,
        parents: Vec<usize>,
        step: impl Fn(&mut TaskCtx, K, V, &Fanout<K2, V2>) -> Result<()> + Send + Sync + 'static,
    ) -> usize
    where
        K: 'static,
        V: 'static,
        K2: 'static,
        V2: 'static,
    {
        let step = Arc::new(step);
        self.operator::<K, V, K2, V2, _>(name, parents, Vec::new(), move |out| StepNode {
            step: step.clone(),
            out,
        })
    }

    /// Adds a node that passes every record of its `parents` on.
    pub(crate) fn pass_through<K: Clone + 'static, V: Clone + 'static>(
        &self,
        name: String,
        parents: Vec<usize>,
    ) -> usize {
        self.step::<K, V, K, V>(name, parents, |ctx, k, v, out| out.forward(ctx, k, v))
    }

    /// Adds a source of `topics`.
    pub(crate) fn source<K: Clone + 'static, V: Clone + 'static>(
        &self,
        name: String,
        topics: Vec<TopicName>,
        keys: SerdeRef<K>,
        values: SerdeRef<V>,
        extractor: Option<TimestampExtractor>,
    ) -> usize {
        self.source_node(name, topics, keys, values, extractor, false)
    }

    /// Adds the source of a table's `topics`: it skips records without a key, before
    /// reading them, as Kafka Streams' table sources do.
    pub(crate) fn table_source<K: Clone + 'static, V: Clone + 'static>(
        &self,
        name: String,
        topics: Vec<TopicName>,
        keys: SerdeRef<K>,
        values: SerdeRef<V>,
        extractor: Option<TimestampExtractor>,
    ) -> usize {
        self.source_node(name, topics, keys, values, extractor, true)
    }

    fn source_node<K: Clone + 'static, V: Clone + 'static>(
        &self,
        name: String,
        topics: Vec<TopicName>,
        keys: SerdeRef<K>,
        values: SerdeRef<V>,
        extractor: Option<TimestampExtractor>,
        skip_null_keys: bool,
    ) -> usize {
        self.check_read_once(&topics);
        self.learn(&keys);
        self.learn(&values);
        let registered = topics.clone();
        let source_name = name.clone();
        let factory = move |inst: &mut Instantiation<'_>, id: usize| -> Result<Erased> {
            let out = inst.children::<K, V>(id)?;
            let source: Rc<RefCell<dyn RawSource>> = Rc::new(RefCell::new(SourceNode {
                name: source_name.clone(),
                keys: keys.clone(),
                values: values.clone(),
                extractor: extractor.clone(),
                skip_null_keys,
                out,
            }));
            inst.register_source(&registered, source);
            Ok(Box::new(()))
        };
        self.add(
            name,
            NodeKind::Source(topics),
            Vec::new(),
            Vec::new(),
            Box::new(factory),
        )
    }

    /// Records a problem for each of `topics` that another source reads already: a task
    /// hands a topic's records to one source (Kafka Streams refuses it too).
    fn check_read_once(&self, topics: &[TopicName]) {
        let read: Vec<String> = self
            .graph
            .borrow()
            .nodes
            .iter()
            .filter_map(|n| match &n.kind {
                NodeKind::Source(read) => Some(read),
                _ => None,
            })
            .flatten()
            .filter(|t| topics.contains(t))
            .map(|t| t.resolve("<application.id>"))
            .collect();
        for topic in read {
            self.fail(format!(
                "topic `{topic}` is read by two sources: read it once and use the stream or table twice"
            ));
        }
    }

    /// Adds a sink to `topic` under `parent`.
    pub(crate) fn sink<K: 'static, V: 'static>(
        &self,
        name: String,
        parent: usize,
        topic: TopicName,
        keys: SerdeRef<K>,
        values: SerdeRef<V>,
        partitioner: Option<Partitioner<K, V>>,
    ) -> usize {
        let writer = SinkWriter {
            keys,
            values,
            partitioner,
            null_keys: None,
        };
        self.sink_node(name, vec![parent], topic, writer)
    }

    /// Adds a sink to `topic` under every one of `parents`.
    pub(crate) fn sink_under<K: 'static, V: 'static>(
        &self,
        name: String,
        parents: Vec<usize>,
        topic: TopicName,
        keys: SerdeRef<K>,
        values: SerdeRef<V>,
        partitioner: Option<Partitioner<K, V>>,
    ) -> usize {
        let writer = SinkWriter {
            keys,
            values,
            partitioner,
            null_keys: None,
        };
        self.sink_node(name, parents, topic, writer)
    }

    /// Adds a sink writing as `writer` says.
    fn sink_node<K: 'static, V: 'static>(
        &self,
        name: String,
        parents: Vec<usize>,
        topic: TopicName,
        writer: SinkWriter<K, V>,
    ) -> usize {
        let SinkWriter {
            keys,
            values,
            partitioner,
            null_keys,
        } = writer;
        self.learn(&keys);
        self.learn(&values);
        let target = topic.clone();
        let sink_name = name.clone();
        let factory = move |inst: &mut Instantiation<'_>, _id: usize| -> Result<Erased> {
            let node: NodeRef<K, V> = Rc::new(RefCell::new(SinkNode {
                name: sink_name.clone(),
                topic: Arc::from(inst.topic(&target)),
                keys: keys.clone(),
                values: values.clone(),
                partitioner: partitioner.clone(),
                null_keys: null_keys.clone(),
            }));
            Ok(Box::new(node))
        };
        self.add(
            name,
            NodeKind::Sink(topic),
            parents,
            Vec::new(),
            Box::new(factory),
        )
    }

    /// Writes what `parent` emits to the internal topic of `spec` and reads it back:
    /// returns the source reading it.
    pub(crate) fn repartition<K: Clone + 'static, V: Clone + 'static>(
        &self,
        parent: usize,
        spec: RepartitionSpec<K, V>,
    ) -> usize {
        let topic = TopicName::Internal(format!("{}-repartition", spec.base));
        if let Some(count) = spec.partitions {
            self.graph
                .borrow_mut()
                .internal_partitions
                .insert(topic.clone(), count);
        }
        let sink = self.name(None, "KSTREAM-SINK");
        // The flag is settled by `finish`, once every node downstream is known.
        let passes_null_keys = Arc::new(AtomicBool::new(false));
        let writer = SinkWriter {
            keys: spec.keys.clone(),
            values: spec.values.clone(),
            partitioner: spec.partitioner,
            null_keys: Some(passes_null_keys.clone()),
        };
        let sink = self.sink_node(sink, vec![parent], topic.clone(), writer);
        let source = self.name(None, "KSTREAM-SOURCE");
        let source = self.source(source, vec![topic], spec.keys, spec.values, None);
        self.null_key_routes
            .borrow_mut()
            .add_route(sink, source, passes_null_keys);
        source
    }

    /// Declares the timestamped store of a DSL operation; its name comes from `m` or
    /// from `prefix`.
    pub(crate) fn store<K: 'static, V: 'static>(&self, m: &Materialized<K, V>, prefix: &str) -> String {
        self.learn(&m.keys);
        self.learn(&m.values);
        let name = m.name.clone().unwrap_or_else(|| self.name(None, prefix));
        if m.history.is_some() {
            self.fail(format!(
                "store `{name}` is declared versioned: a versioned store is a processor API store \
                 (StreamsBuilder::add_state_store); tables and aggregations keep timestamped stores"
            ));
        }
        self.declare_store(StoreSpec::of(&name, m, ValueLayout::Timestamped))
    }

    /// Declares a processor API store, timestamped when `m` asks for it.
    pub(crate) fn user_store<K: 'static, V: 'static>(&self, m: &Materialized<K, V>, prefix: &str) -> String {
        let name = m.name.clone().unwrap_or_else(|| self.name(None, prefix));
        let layout = if m.history.is_some() {
            ValueLayout::Versioned
        } else if m.timestamped {
            ValueLayout::Timestamped
        } else {
            ValueLayout::Plain
        };
        self.declare_store(StoreSpec::of(&name, m, layout))
    }

    /// Declares a store as `spec` says, and returns its name.
    pub(crate) fn declare_store(&self, spec: StoreSpec) -> String {
        let name = spec.name.clone();
        if self.has_store(&name) {
            self.fail(format!("the store name `{name}` is used twice"));
        } else {
            self.graph.borrow_mut().stores.insert(name.clone(), spec);
        }
        name
    }

    /// Declares a store as `spec` says and connects it to node `id`, added before
    /// without it (a table source stored once something needs its store).
    pub(crate) fn connect_store(&self, id: usize, spec: StoreSpec) {
        let name = self.declare_store(spec);
        if let Some(node) = self.graph.borrow_mut().nodes.get_mut(id) {
            node.stores.push(name);
        }
    }

    /// Whether a store `name` was declared.
    pub(crate) fn has_store(&self, name: &str) -> bool {
        self.graph.borrow().stores.contains_key(name)
    }

    /// The typed handle of the store declared as `name`, if it holds these types.
    pub(crate) fn store_handle<K: 'static, V: 'static>(&self, name: &str) -> Option<StoreHandle<K, V>> {
        self.graph.borrow().stores.get(name)?.handle()
    }

    /// The name of the store `handle` opens, if it was declared in this builder.
    pub(crate) fn declared_store(&self, handle: &dyn AnyStoreHandle) -> Option<String> {
        let name = handle.store_name()?;
        let graph = self.graph.borrow();
        graph
            .stores
            .get(name)
            .filter(|spec| spec.is(handle))
            .map(|spec| spec.name.clone())
    }

    /// Registers a global table: every instance reads all of `topic` into `store`.
    pub(crate) fn add_global(&self, topic: &str, store: &str) {
        self.graph
            .borrow_mut()
            .globals
            .push((topic.to_owned(), store.to_owned()));
    }

    /// The names of the nodes and the stores so far, for `Debug`.
    pub(crate) fn summary(&self) -> (Vec<String>, Vec<String>) {
        match self.graph.try_borrow() {
            Ok(g) => (
                g.nodes.iter().map(|n| n.name.clone()).collect(),
                g.stores.keys().cloned().collect(),
            ),
            Err(_) => (Vec::new(), Vec::new()),
        }
    }

    /// The finished graph, or the first problem found while building it.
    pub(crate) fn finish(self) -> Result<Graph> {
        if let Some(problem) = self.problems.into_inner().into_iter().next() {
            return Err(Error::Topology(problem));
        }
        let graph = self.graph.into_inner();
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
        self.null_key_routes.into_inner().settle(&graph);
        // Set once: this is the only place, and `finish` takes the builder.
        let _ = self.built_serdes.set(self.serdes.into_inner());
        Ok(graph)
    }
}
