//! The topology as the DSL builds it: named nodes (sources, processors, sinks) with
//! their parents and stores, each with a factory that makes a typed instance per task.

mod describe;
mod instantiate;

use std::any::Any;
use std::collections::BTreeMap;

pub use describe::{GlobalStore, Node, NodeDescription, Subtopology, TopologyDescription};
pub(crate) use instantiate::{Instantiation, Lifecycle, RawSource};

use crate::error::Result;
use crate::store::StoreSpec;

/// An instance of a node, type-erased between the DSL and the task (a `NodeRef<K, V>`).
pub(crate) type Erased = Box<dyn Any>;

/// Makes a node's instance for a task; the argument is the node's own index.
pub(crate) type Factory = Box<dyn Fn(&mut Instantiation<'_>, usize) -> Result<Erased> + Send + Sync>;

/// A topic name, which for internal topics (repartition, changelog) is completed with
/// the application id when the topology runs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum TopicName {
    /// A user topic, as named.
    User(String),
    /// An internal topic: `<application.id>-<suffix>`.
    Internal(String),
}

impl TopicName {
    pub(crate) fn resolve(&self, application_id: &str) -> String {
        match self {
            TopicName::User(t) => t.clone(),
            TopicName::Internal(suffix) => format!("{application_id}-{suffix}"),
        }
    }
}

/// What a node is.
pub(crate) enum NodeKind {
    /// Reads records from topics.
    Source(Vec<TopicName>),
    /// Transforms records.
    Processor,
    /// Writes records to a topic (`None`: a topic chosen per record).
    Sink(Option<TopicName>),
}

/// Whether a node keeps the table it emits in a store of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Materialization {
    /// Not a table processor that can take a store.
    NotApplicable,
    /// A table processor (a table filter, value mapper, join) without a store.
    Unmaterialized,
    /// A table processor keeping its table in this store.
    Store(String),
}

/// A node of the topology.
pub(crate) struct GraphNode {
    pub(crate) name: String,
    pub(crate) kind: NodeKind,
    pub(crate) parents: Vec<usize>,
    pub(crate) stores: Vec<String>,
    pub(crate) materialized: Materialization,
    pub(crate) factory: Factory,
}

/// The nodes of a global table as `describe()` shows them: a source reading the topic
/// and a processor writing the store, in a sub-topology of their own.
pub(crate) struct GlobalTableNodes {
    pub(crate) source: String,
    pub(crate) processor: String,
    pub(crate) topic: String,
    pub(crate) store: String,
    /// How many nodes the graph had when the table was added: the table's place in the
    /// numbering of sub-topologies.
    pub(crate) position: usize,
}

/// The whole topology: nodes in the order they were added, and the stores.
#[derive(Default)]
pub(crate) struct Graph {
    pub(crate) nodes: Vec<GraphNode>,
    pub(crate) stores: BTreeMap<String, StoreSpec>,
    /// Global tables: (topic, store). Every instance reads all of the topic's
    /// partitions into the store; tasks only read it.
    pub(crate) globals: Vec<(String, String)>,
    /// The names Kafka Streams gives the nodes of each global table, for `describe()`.
    pub(crate) global_tables: Vec<GlobalTableNodes>,
    /// Partition counts asked for internal topics (`Repartitioned::partitions`); the
    /// others get as many partitions as the input topics read with them, or else as
    /// the largest input topic.
    pub(crate) internal_partitions: BTreeMap<TopicName, i32>,
    counter: usize,
}

impl Graph {
    /// A fresh name in Kafka Streams' style: `KSTREAM-FILTER-0000000003`.
    pub(crate) fn name(&mut self, prefix: &str) -> String {
        let name = format!("{prefix}-{:010}", self.counter);
        self.counter += 1;
        name
    }

    /// Adds a node and returns its index.
    pub(crate) fn add(
        &mut self,
        name: String,
        kind: NodeKind,
        parents: Vec<usize>,
        factory: Factory,
    ) -> usize {
        self.nodes.push(GraphNode {
            name,
            kind,
            parents,
            stores: Vec::new(),
            materialized: Materialization::NotApplicable,
            factory,
        });
        self.nodes.len() - 1
    }

    pub(crate) fn children(&self, id: usize) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&c| self.nodes[c].parents.contains(&id))
            .collect()
    }

    /// The sub-topologies: groups of nodes connected by edges or shared stores, each
    /// run as one task per partition of its (co-partitioned) source topics.
    pub(crate) fn subtopologies(&self) -> Vec<Vec<usize>> {
        let n = self.nodes.len();
        let mut root: Vec<usize> = (0..n).collect();
        fn find(root: &mut [usize], mut x: usize) -> usize {
            while root[x] != x {
                root[x] = root[root[x]];
                x = root[x];
            }
            x
        }
        let union = |root: &mut Vec<usize>, a: usize, b: usize| {
            let (ra, rb) = (find(root, a), find(root, b));
            if ra != rb {
                root[ra.max(rb)] = ra.min(rb);
            }
        };
        for (id, node) in self.nodes.iter().enumerate() {
            for &p in &node.parents {
                union(&mut root, id, p);
            }
        }
        for (store, spec) in &self.stores {
            if spec.global {
                continue;
            }
            let users: Vec<usize> = (0..n).filter(|&i| self.nodes[i].stores.contains(store)).collect();
            for pair in users.windows(2) {
                union(&mut root, pair[0], pair[1]);
            }
        }
        let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for id in 0..n {
            let r = find(&mut root, id);
            groups.entry(r).or_default().push(id);
        }
        groups.into_values().collect()
    }

    /// The source topics of a group of nodes.
    pub(crate) fn source_topics(&self, group: &[usize]) -> Vec<TopicName> {
        let mut topics = Vec::new();
        for &id in group {
            if let NodeKind::Source(ts) = &self.nodes[id].kind {
                topics.extend(ts.iter().cloned());
            }
        }
        topics
    }

    /// The stores used by a group of nodes.
    pub(crate) fn group_stores(&self, group: &[usize]) -> Vec<String> {
        let mut stores: Vec<String> = group
            .iter()
            .flat_map(|&id| self.nodes[id].stores.iter().cloned())
            .collect();
        stores.sort();
        stores.dedup();
        stores
    }

    /// The partition count asked for internal topic `topic`, if one was.
    pub(crate) fn internal_partition_count(&self, topic: &TopicName) -> Option<i32> {
        self.internal_partitions.get(topic).copied()
    }

    /// Internal topics written by sinks (repartition topics).
    pub(crate) fn internal_topics(&self) -> Vec<TopicName> {
        let mut topics: Vec<TopicName> = self
            .nodes
            .iter()
            .filter_map(|n| match &n.kind {
                NodeKind::Sink(Some(t @ TopicName::Internal(_))) => Some(t.clone()),
                _ => None,
            })
            .collect();
        topics.sort();
        topics.dedup();
        topics
    }
}
