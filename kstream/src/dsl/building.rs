//! [`Dsl`]: the graph under construction, and the helpers every DSL operation adds its
//! nodes with.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock};

use super::nulls::{NullKeyRoutes, SerdesByType, TypeNulls};
use super::ops::{
    Change, Materialize, Partitioner, PassThrough, SinkNode, SinkTopic, SourceNode, StepNode, StoreSlot,
    TopicNameExtractor,
};
use crate::config::TimestampExtractor;
use crate::error::{Error, Result};
use crate::graph::{
    Erased, Factory, GlobalTableNodes, Graph, Instantiation, Materialization, NodeKind, RawSource, TopicName,
};
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
    /// The source of each repartition made so far, by the node it repartitions and the
    /// topic: a stream repartitioned twice through one topic (two aggregations of a
    /// grouped stream named by `Grouped`) is written and read once, as in Kafka Streams.
    repartitions: RefCell<HashMap<(usize, String), usize>>,
    /// The source of the last repartition made for a join of each stream (by its node):
    /// a join without a `Joined` name reads it, as in Kafka Streams, whatever its topic.
    join_repartitions: RefCell<HashMap<usize, usize>>,
    /// How long after a window's end each windowed aggregation (by node) closes it:
    /// the grace, plus the gap for sessions (what `until_window_closes` waits).
    window_close: RefCell<HashMap<usize, i64>>,
    /// The serdes of the keys and values of tables that know them (aggregations,
    /// windowed ones included), by node: `(SerdeRef<K>, SerdeRef<V>)` in an `Any`.
    table_serdes: RefCell<HashMap<usize, Arc<dyn std::any::Any>>>,
}

/// Where a repartition topic's records go and how: its serdes, partitioner and
/// partition count, and the names of the nodes that write and read it.
pub(crate) struct RepartitionSpec<K, V> {
    /// The topic, without the application id: `<name>-repartition`.
    pub(crate) topic: String,
    pub(crate) names: RepartitionNames,
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

impl<K, V> SinkWriter<K, V> {
    /// A writer to a topic that writes every record as it comes (a user topic).
    fn plain(keys: SerdeRef<K>, values: SerdeRef<V>, partitioner: Option<Partitioner<K, V>>) -> Self {
        Self {
            keys,
            values,
            partitioner,
            null_keys: None,
        }
    }
}

/// The nodes of a repartition: the processor in front of the sink (Kafka Streams' filter
/// of a stream's repartition; a table's grouping has none), the sink and the source.
pub(crate) struct RepartitionNames {
    pub(crate) filter: Option<String>,
    pub(crate) sink: String,
    pub(crate) source: String,
}

/// Where a sink writes: one topic, or the topic an extractor picks per record.
pub(crate) enum SinkTarget<K, V> {
    Topic(TopicName),
    Extractor(TopicNameExtractor<K, V>),
}

/// The suffix of every repartition topic.
const REPARTITION_SUFFIX: &str = "-repartition";

/// Whether `name` is one Kafka Streams generated for an operator
/// (`KSTREAM.*-[0-9]{10}`): a repartition topic named after it gets generated node
/// names too, one named by the user gets `<topic>-sink`, `-filter`, `-source`.
fn is_generated(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("KSTREAM") else {
        return false;
    };
    let b = rest.as_bytes();
    b.len() >= 11 && b[b.len() - 11] == b'-' && b[b.len() - 10..].iter().all(u8::is_ascii_digit)
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

    /// A fresh name in Kafka Streams' style (`KSTREAM-FILTER-0000000003`): the
    /// topology's one counter moves on.
    pub(crate) fn fresh(&self, prefix: &str) -> String {
        self.graph.borrow_mut().name(prefix)
    }

    /// `named`, or a fresh name starting with `prefix`. The counter moves on either way,
    /// as in Kafka Streams, so that naming one operator leaves the generated names of
    /// the others as they were.
    pub(crate) fn name(&self, named: Option<String>, prefix: &str) -> String {
        let fresh = self.fresh(prefix);
        named.unwrap_or(fresh)
    }

    /// `<named><suffix>`, or a fresh name starting with `prefix`; the counter moves on
    /// either way.
    pub(crate) fn suffixed(&self, named: Option<&str>, suffix: &str, prefix: &str) -> String {
        let fresh = self.fresh(prefix);
        named.map_or(fresh, |n| format!("{n}{suffix}"))
    }

    /// A fresh store name in Kafka Streams' style: `<prefix>-STATE-STORE-0000000004`.
    pub(crate) fn store_name(&self, prefix: &str) -> String {
        self.fresh(&format!("{prefix}-STATE-STORE"))
    }

    /// The repartition topic Kafka Streams names after `prefix`
    /// (`<prefix>-repartition`) and the names of its filter, sink and source: three
    /// fresh names, or, when `prefix` was given by the user, names after the topic.
    pub(crate) fn repartition_names(&self, prefix: &str) -> (String, RepartitionNames) {
        let topic = if prefix.ends_with(REPARTITION_SUFFIX) {
            prefix.to_owned()
        } else {
            format!("{prefix}{REPARTITION_SUFFIX}")
        };
        let sink = self.fresh("KSTREAM-SINK");
        let filter = self.fresh("KSTREAM-FILTER");
        let source = self.fresh("KSTREAM-SOURCE");
        let names = if is_generated(prefix) {
            RepartitionNames {
                filter: Some(filter),
                sink,
                source,
            }
        } else {
            RepartitionNames {
                filter: Some(format!("{topic}-filter")),
                sink: format!("{topic}-sink"),
                source: format!("{topic}-source"),
            }
        };
        (topic, names)
    }

    /// The name of node `id`.
    /// Records the serdes of the keys and values of table `node`.
    pub(crate) fn set_table_serdes<K: 'static, V: 'static>(
        &self,
        node: usize,
        keys: SerdeRef<K>,
        values: SerdeRef<V>,
    ) {
        self.table_serdes
            .borrow_mut()
            .insert(node, Arc::new((keys, values)));
    }

    /// The serdes of table `node`, or of the nearest table upstream of it with the same
    /// key and value types.
    pub(crate) fn table_serdes<K: 'static, V: 'static>(
        &self,
        node: usize,
    ) -> Option<(SerdeRef<K>, SerdeRef<V>)> {
        let graph = self.graph.borrow();
        let known = self.table_serdes.borrow();
        let mut todo = vec![node];
        let mut seen = std::collections::HashSet::new();
        while let Some(id) = todo.pop() {
            if !seen.insert(id) {
                continue;
            }
            if let Some(serdes) = known
                .get(&id)
                .and_then(|s| s.downcast_ref::<(SerdeRef<K>, SerdeRef<V>)>())
            {
                return Some(serdes.clone());
            }
            if let Some(n) = graph.nodes.get(id) {
                todo.extend(n.parents.iter().copied());
            }
        }
        None
    }

    /// Records that windowed aggregation `node` closes a window `close_ms` after its
    /// end.
    pub(crate) fn set_window_close(&self, node: usize, close_ms: i64) {
        self.window_close.borrow_mut().insert(node, close_ms);
    }

    /// How long after a window's end the windowed aggregation upstream of `node`
    /// closes it (the largest, when several are): `Err` names the chain of nodes
    /// walked when none is windowed.
    pub(crate) fn window_close_of(&self, node: usize) -> std::result::Result<i64, String> {
        let graph = self.graph.borrow();
        let closes = self.window_close.borrow();
        let mut found: Option<i64> = None;
        let mut walked = Vec::new();
        let mut todo = vec![node];
        let mut seen = std::collections::HashSet::new();
        while let Some(id) = todo.pop() {
            if !seen.insert(id) {
                continue;
            }
            if let Some(close) = closes.get(&id) {
                found = Some(found.map_or(*close, |f| f.max(*close)));
                continue;
            }
            if let Some(n) = graph.nodes.get(id) {
                walked.push(n.name.clone());
                todo.extend(n.parents.iter().copied());
            }
        }
        found.ok_or_else(|| walked.join("->"))
    }

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
        if self.name_taken(&name) {
            self.fail(format!("the processor name `{name}` is used twice"));
        }
        let mut g = self.graph.borrow_mut();
        let id = g.add(name, kind, parents, factory);
        g.nodes[id].stores = stores;
        id
    }

    /// The source of the last repartition made for a join of the stream of `node`.
    pub(crate) fn join_repartition(&self, node: usize) -> Option<usize> {
        self.join_repartitions.borrow().get(&node).copied()
    }

    /// Records `source` as the last repartition made for a join of the stream of `node`.
    pub(crate) fn set_join_repartition(&self, node: usize, source: usize) {
        self.join_repartitions.borrow_mut().insert(node, source);
    }

    /// Whether a node (or a global table's node) is named `name` already.
    pub(crate) fn name_taken(&self, name: &str) -> bool {
        let g = self.graph.borrow();
        g.nodes.iter().any(|n| n.name == name)
            || g.global_tables
                .iter()
                .any(|t| t.source == name || t.processor == name)
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

    /// Adds a table processor (a table filter, value mapper, join) under `parents`: as
    /// [`operator`](Self::operator), and once [`materialize_in_place`] gave the node a
    /// store, each change it emits goes into that store before its children, as Kafka
    /// Streams' materialized `filter`, `mapValues` and joins keep their result.
    ///
    /// [`materialize_in_place`]: Self::materialize_in_place
    pub(crate) fn table_operator<K, V, K2, V2, N>(
        &self,
        name: String,
        parents: Vec<usize>,
        stores: Vec<String>,
        make: impl Fn(Fanout<K2, Change<V2>>) -> N + Send + Sync + 'static,
    ) -> usize
    where
        K: 'static,
        V: 'static,
        K2: Clone + 'static,
        V2: Clone + 'static,
        N: Node<K, V> + 'static,
    {
        let factory = move |inst: &mut Instantiation<'_>, id: usize| -> Result<Erased> {
            let mut out = inst.children::<K2, Change<V2>>(id)?;
            let node = &inst.graph.nodes[id];
            if let Materialization::Store(store) = &node.materialized {
                let keep: NodeRef<K2, Change<V2>> = Rc::new(RefCell::new(Materialize::new(
                    StoreSlot::new(store, &node.name),
                    out,
                )));
                inst.register(keep.clone());
                out = Fanout(vec![keep]);
            }
            let node: NodeRef<K, V> = Rc::new(RefCell::new(make(out)));
            Ok(Box::new(node))
        };
        let id = self.add(name, NodeKind::Processor, parents, stores, Box::new(factory));
        self.graph.borrow_mut().nodes[id].materialized = Materialization::Unmaterialized;
        id
    }

    /// Makes table processor `id` keep its table in `store` (declared already), if it
    /// is a table processor without a store: returns whether it did.
    pub(crate) fn materialize_in_place(&self, id: usize, store: &str) -> bool {
        let mut g = self.graph.borrow_mut();
        let node = &mut g.nodes[id];
        if node.materialized != Materialization::Unmaterialized {
            return false;
        }
        node.materialized = Materialization::Store(store.to_owned());
        node.stores.push(store.to_owned());
        true
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
        self.operator::<K, V, K, V, _>(name, parents, Vec::new(), |out| PassThrough { out })
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

    /// Adds a sink under `parent`, writing where `target` says.
    pub(crate) fn sink<K: 'static, V: 'static>(
        &self,
        name: String,
        parent: usize,
        target: SinkTarget<K, V>,
        keys: SerdeRef<K>,
        values: SerdeRef<V>,
        partitioner: Option<Partitioner<K, V>>,
    ) -> usize {
        self.sink_node(
            name,
            vec![parent],
            target,
            SinkWriter::plain(keys, values, partitioner),
        )
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
        let writer = SinkWriter::plain(keys, values, partitioner);
        self.sink_node(name, parents, SinkTarget::Topic(topic), writer)
    }

    /// Adds a sink writing where `target` says, as `writer` says.
    fn sink_node<K: 'static, V: 'static>(
        &self,
        name: String,
        parents: Vec<usize>,
        target: SinkTarget<K, V>,
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
        let kind = NodeKind::Sink(match &target {
            SinkTarget::Topic(t) => Some(t.clone()),
            SinkTarget::Extractor(_) => None,
        });
        let sink = Arc::<str>::from(name.as_str());
        let factory = move |inst: &mut Instantiation<'_>, _id: usize| -> Result<Erased> {
            let topic = match &target {
                SinkTarget::Topic(t) => SinkTopic::Fixed(Arc::from(inst.topic(t))),
                SinkTarget::Extractor(extractor) => SinkTopic::Dynamic {
                    sink: sink.clone(),
                    extractor: extractor.clone(),
                },
            };
            let node: NodeRef<K, V> = Rc::new(RefCell::new(SinkNode {
                name: sink.to_string(),
                topic,
                keys: keys.clone(),
                values: values.clone(),
                partitioner: partitioner.clone(),
                null_keys: null_keys.clone(),
            }));
            Ok(Box::new(node))
        };
        self.add(name, kind, parents, Vec::new(), Box::new(factory))
    }

    /// Writes what `parent` emits to the internal topic of `spec` (through its filter
    /// node, when it has one) and reads it back: returns the source reading it. A
    /// `shared` repartition of `parent` through a topic it was repartitioned through
    /// already is that one (as Kafka Streams reuses the repartition of a grouped stream
    /// for its next aggregation); an explicit `repartition` is never shared. The sink
    /// drops records with a null key unless a left join downstream takes them.
    pub(crate) fn repartition<K: Clone + 'static, V: Clone + 'static>(
        &self,
        parent: usize,
        spec: RepartitionSpec<K, V>,
        shared: bool,
    ) -> usize {
        let reuse = (parent, spec.topic.clone());
        if shared && let Some(&source) = self.repartitions.borrow().get(&reuse) {
            return source;
        }
        let topic = TopicName::Internal(spec.topic);
        if let Some(count) = spec.partitions {
            self.graph
                .borrow_mut()
                .internal_partitions
                .insert(topic.clone(), count);
        }
        let RepartitionNames { filter, sink, source } = spec.names;
        let into_sink = match filter {
            Some(filter) => self.pass_through::<K, V>(filter, vec![parent]),
            None => parent,
        };
        // The flag is settled by `finish`, once every node downstream is known.
        let passes_null_keys = Arc::new(AtomicBool::new(false));
        let writer = SinkWriter {
            keys: spec.keys.clone(),
            values: spec.values.clone(),
            partitioner: spec.partitioner,
            null_keys: Some(passes_null_keys.clone()),
        };
        let sink = self.sink_node(sink, vec![into_sink], SinkTarget::Topic(topic.clone()), writer);
        let source = self.source(source, vec![topic], spec.keys, spec.values, None);
        self.null_key_routes
            .borrow_mut()
            .add_route(sink, source, passes_null_keys);
        if shared {
            self.repartitions.borrow_mut().insert(reuse, source);
        }
        source
    }

    /// Declares the timestamped store of a DSL operation; its name comes from `m`, or
    /// is a fresh one after `prefix` (`<prefix>-STATE-STORE-0000000004`).
    pub(crate) fn store<K: 'static, V: 'static>(&self, m: &Materialized<K, V>, prefix: &str) -> String {
        let name = m.name.clone().unwrap_or_else(|| self.store_name(prefix));
        self.store_named(&name, m)
    }

    /// Declares the timestamped store of a DSL operation under `name`.
    pub(crate) fn store_named<K: 'static, V: 'static>(&self, name: &str, m: &Materialized<K, V>) -> String {
        if m.history.is_some() {
            self.fail(format!(
                "store `{name}` is declared versioned: only a table read from a topic \
                 (StreamsBuilder::table) and a processor API store can be versioned; derived tables \
                 and aggregations keep timestamped stores"
            ));
        }
        self.learn(&m.keys);
        self.learn(&m.values);
        self.declare_store(StoreSpec::of(name, m, ValueLayout::Timestamped))
    }

    /// Declares the window or session store of a windowed operation under `name`, cut
    /// into segments as `segments` says, with values laid out as `layout`.
    pub(crate) fn windowed_store<K: 'static, V: 'static>(
        &self,
        name: &str,
        m: &Materialized<K, V>,
        layout: ValueLayout,
        segments: crate::store::window::Segmentation,
    ) -> String {
        self.learn(&m.keys);
        self.learn(&m.values);
        let mut spec = StoreSpec::of(name, m, layout);
        spec.segments = Some(segments);
        self.declare_store(spec)
    }

    /// Declares the versioned store of a versioned table source; its name comes from
    /// `m`, or is a fresh one after `prefix`.
    pub(crate) fn versioned_store<K: 'static, V: 'static>(
        &self,
        m: &Materialized<K, V>,
        prefix: &str,
    ) -> String {
        self.learn(&m.keys);
        self.learn(&m.values);
        let name = m.name.clone().unwrap_or_else(|| self.store_name(prefix));
        self.declare_store(StoreSpec::of(&name, m, ValueLayout::Versioned))
    }

    /// Declares a processor API store, timestamped when `m` asks for it; its name comes
    /// from `m`, or is a fresh one after `prefix`.
    pub(crate) fn user_store<K: 'static, V: 'static>(&self, m: &Materialized<K, V>, prefix: &str) -> String {
        let name = m.name.clone().unwrap_or_else(|| self.fresh(prefix));
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

    /// Registers a global table: every instance reads all of `topic` into `store`;
    /// `describe()` shows it as the source `source` and the processor `processor`.
    pub(crate) fn add_global(&self, topic: &str, store: &str, source: String, processor: String) {
        for name in [&source, &processor] {
            if self.name_taken(name) {
                self.fail(format!("the processor name `{name}` is used twice"));
            }
        }
        let mut g = self.graph.borrow_mut();
        g.globals.push((topic.to_owned(), store.to_owned()));
        let position = g.nodes.len();
        g.global_tables.push(GlobalTableNodes {
            source,
            processor,
            topic: topic.to_owned(),
            store: store.to_owned(),
            position,
        });
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
