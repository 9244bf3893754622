//! `Topology::describe()`: the sub-topologies with their sources, processors, stores and
//! sinks, numbered and printed as Kafka Streams' `TopologyDescription` numbers and prints
//! them.

use std::collections::HashMap;
use std::fmt;

use super::{Graph, NodeKind, TopicName};

/// A topology's sub-topologies and global stores, as Kafka Streams'
/// `TopologyDescription` gives them: each sub-topology is a group of nodes connected by
/// their edges or by a store they share, and runs as one task per input partition; a
/// global store (of a global table) is a sub-topology of its own that makes no tasks.
///
/// Sub-topologies and global stores share one numbering, in the order their first node
/// was added, as Kafka numbers them. `Display` prints the description in Kafka's layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopologyDescription {
    subtopologies: Vec<Subtopology>,
    global_stores: Vec<GlobalStore>,
}

/// A sub-topology: nodes connected by edges or shared stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subtopology {
    id: usize,
    nodes: Vec<Node>,
}

/// The global store of a global table: the source reading its topic and the processor
/// writing the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalStore {
    id: usize,
    source: Node,
    processor: Node,
}

/// A node of a sub-topology.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    name: String,
    kind: NodeDescription,
    predecessors: Vec<String>,
    successors: Vec<String>,
}

/// What a [`Node`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NodeDescription {
    /// Reads these topics (internal topics by their name without the application id, as
    /// Kafka shows them).
    Source {
        /// The topics read.
        topics: Vec<String>,
    },
    /// Processes records, with these stores connected.
    Processor {
        /// The names of the stores connected to the processor, sorted.
        stores: Vec<String>,
    },
    /// Writes records to a topic: `None` when the topic is chosen per record
    /// ([`KStream::to_dynamic`](crate::KStream::to_dynamic)).
    Sink {
        /// The topic written, if it is one topic.
        topic: Option<String>,
    },
}

impl Subtopology {
    /// The sub-topology's id (its tasks are `<id>_<partition>`).
    pub fn id(&self) -> usize {
        self.id
    }

    /// Its nodes, in Kafka's print order: the larger the part of the sub-topology a node
    /// leads to, the earlier; then by name.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }
}

impl GlobalStore {
    /// Its id, in the numbering it shares with the sub-topologies.
    pub fn id(&self) -> usize {
        self.id
    }

    /// The source reading the global table's topic.
    pub fn source(&self) -> &Node {
        &self.source
    }

    /// The processor writing the store.
    pub fn processor(&self) -> &Node {
        &self.processor
    }
}

impl Node {
    /// The node's (processor) name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether it is a source, a processor or a sink, with its topics or stores.
    pub fn kind(&self) -> &NodeDescription {
        &self.kind
    }

    /// The names of the nodes it takes records from.
    pub fn predecessors(&self) -> &[String] {
        &self.predecessors
    }

    /// The names of the nodes it sends records to.
    pub fn successors(&self) -> &[String] {
        &self.successors
    }
}

impl TopologyDescription {
    /// The sub-topologies, by id.
    pub fn subtopologies(&self) -> &[Subtopology] {
        &self.subtopologies
    }

    /// The global stores, by id.
    pub fn global_stores(&self) -> &[GlobalStore] {
        &self.global_stores
    }

    pub(crate) fn of(graph: &Graph) -> Self {
        let mut description = Self {
            subtopologies: Vec::new(),
            global_stores: Vec::new(),
        };
        let mut globals = graph.global_tables.iter().peekable();
        let mut id = 0;
        for group in graph.subtopologies() {
            while let Some(global) = globals.next_if(|g| g.position <= group[0]) {
                description.global_stores.push(global_store(id, global));
                id += 1;
            }
            description.subtopologies.push(subtopology(graph, id, &group));
            id += 1;
        }
        for global in globals {
            description.global_stores.push(global_store(id, global));
            id += 1;
        }
        description
    }
}

fn topic_text(t: &TopicName) -> String {
    match t {
        TopicName::User(name) | TopicName::Internal(name) => name.clone(),
    }
}

fn global_store(id: usize, global: &super::GlobalTableNodes) -> GlobalStore {
    GlobalStore {
        id,
        source: Node {
            name: global.source.clone(),
            kind: NodeDescription::Source {
                topics: vec![global.topic.clone()],
            },
            predecessors: Vec::new(),
            successors: vec![global.processor.clone()],
        },
        processor: Node {
            name: global.processor.clone(),
            kind: NodeDescription::Processor {
                stores: vec![global.store.clone()],
            },
            predecessors: vec![global.source.clone()],
            successors: Vec::new(),
        },
    }
}

fn subtopology(graph: &Graph, id: usize, group: &[usize]) -> Subtopology {
    // The size of the part of the sub-topology under each node, which orders the nodes
    // as Kafka orders them (largest first, then by name).
    let mut size: HashMap<usize, usize> = HashMap::new();
    fn size_of(graph: &Graph, node: usize, size: &mut HashMap<usize, usize>) -> usize {
        if let Some(&s) = size.get(&node) {
            return s;
        }
        let s = 1 + graph
            .children(node)
            .into_iter()
            .map(|c| size_of(graph, c, size))
            .sum::<usize>();
        size.insert(node, s);
        s
    }
    let mut order: Vec<usize> = group.to_vec();
    for &n in &order {
        size_of(graph, n, &mut size);
    }
    let rank = |a: &usize, b: &usize| {
        size[b]
            .cmp(&size[a])
            .then_with(|| graph.nodes[*a].name.cmp(&graph.nodes[*b].name))
    };
    order.sort_by(rank);
    let names = |mut ids: Vec<usize>| -> Vec<String> {
        ids.sort_by(rank);
        ids.iter().map(|&i| graph.nodes[i].name.clone()).collect()
    };
    let nodes = order
        .iter()
        .map(|&n| {
            let node = &graph.nodes[n];
            let kind = match &node.kind {
                NodeKind::Source(topics) => NodeDescription::Source {
                    topics: topics.iter().map(topic_text).collect(),
                },
                NodeKind::Processor => {
                    // A global store is read by any processor without being connected to
                    // it, and Kafka lists it under its global sub-topology only.
                    let mut stores: Vec<String> = (node.stores.iter())
                        .filter(|s| !graph.stores.get(*s).is_some_and(|spec| spec.global))
                        .cloned()
                        .collect();
                    stores.sort();
                    stores.dedup();
                    NodeDescription::Processor { stores }
                }
                NodeKind::Sink(topic) => NodeDescription::Sink {
                    topic: topic.as_ref().map(topic_text),
                },
            };
            Node {
                name: node.name.clone(),
                kind,
                predecessors: names(node.parents.clone()),
                successors: names(graph.children(n)),
            }
        })
        .collect();
    Subtopology { id, nodes }
}

fn neighbours(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

impl fmt::Display for Node {
    /// The node as Kafka prints it: a source with the nodes it sends to, a processor
    /// with both directions, a sink with the nodes it takes from.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (to, from) = (neighbours(&self.successors), neighbours(&self.predecessors));
        match &self.kind {
            NodeDescription::Source { topics } => write!(
                f,
                "Source: {} (topics: [{}])\n      --> {to}",
                self.name,
                topics.join(", ")
            ),
            NodeDescription::Processor { stores } => write!(
                f,
                "Processor: {} (stores: [{}])\n      --> {to}\n      <-- {from}",
                self.name,
                stores.join(", ")
            ),
            NodeDescription::Sink { topic: Some(topic) } => {
                write!(f, "Sink: {} (topic: {topic})\n      <-- {from}", self.name)
            }
            NodeDescription::Sink { topic: None } => write!(
                f,
                "Sink: {} (extractor class: TopicNameExtractor)\n      <-- {from}",
                self.name
            ),
        }
    }
}

impl fmt::Display for TopologyDescription {
    /// Kafka Streams' layout: `Topologies:`, then each sub-topology (and global store) by
    /// id with its nodes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Topologies:\n ")?;
        let mut subtopologies = self.subtopologies.iter().peekable();
        let mut globals = self.global_stores.iter().peekable();
        loop {
            let next_sub = subtopologies.peek().map(|s| s.id);
            let next_global = globals.peek().map(|g| g.id);
            let sub_first = match (next_sub, next_global) {
                (None, None) => return Ok(()),
                (Some(s), Some(g)) => s < g,
                (sub, _) => sub.is_some(),
            };
            if sub_first {
                let s = subtopologies.next().expect("peeked");
                writeln!(f, "  Sub-topology: {}", s.id)?;
                for node in &s.nodes {
                    writeln!(f, "    {node}")?;
                }
                f.write_str("\n")?;
            } else {
                let g = globals.next().expect("peeked");
                writeln!(
                    f,
                    "  Sub-topology: {} for global store (will not generate tasks)",
                    g.id
                )?;
                writeln!(f, "    {}", g.source)?;
                writeln!(f, "    {}", g.processor)?;
            }
        }
    }
}
