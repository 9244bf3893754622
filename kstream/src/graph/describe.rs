//! `Topology::describe()`: the nodes, stores and topics, printed the way Kafka Streams'
//! `TopologyDescription` prints them.

use std::fmt;

use super::{Graph, NodeKind, TopicName};

/// A printable description of a topology's sub-topologies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopologyDescription {
    text: String,
}

impl fmt::Display for TopologyDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn topic_text(t: &TopicName) -> String {
    match t {
        TopicName::User(name) => name.clone(),
        TopicName::Internal(suffix) => suffix.clone(),
    }
}

impl TopologyDescription {
    pub(crate) fn of(graph: &Graph) -> Self {
        let mut text = String::from("Topologies:\n");
        for (i, group) in graph.subtopologies().iter().enumerate() {
            text.push_str(&format!("   Sub-topology: {i}\n"));
            for &id in group {
                let node = &graph.nodes[id];
                let line = match &node.kind {
                    NodeKind::Source(topics) => format!(
                        "    Source: {} (topics: [{}])\n",
                        node.name,
                        topics.iter().map(topic_text).collect::<Vec<_>>().join(", ")
                    ),
                    NodeKind::Processor => {
                        format!(
                            "    Processor: {} (stores: [{}])\n",
                            node.name,
                            node.stores.join(", ")
                        )
                    }
                    NodeKind::Sink(topic) => {
                        format!("    Sink: {} (topic: {})\n", node.name, topic_text(topic))
                    }
                };
                text.push_str(&line);
                let children: Vec<&str> = graph
                    .children(id)
                    .iter()
                    .map(|&c| graph.nodes[c].name.as_str())
                    .collect();
                if !children.is_empty() {
                    text.push_str(&format!("      --> {}\n", children.join(", ")));
                }
                let parents: Vec<&str> = node
                    .parents
                    .iter()
                    .map(|&p| graph.nodes[p].name.as_str())
                    .collect();
                if !parents.is_empty() {
                    text.push_str(&format!("      <-- {}\n", parents.join(", ")));
                }
            }
            text.push('\n');
        }
        Self { text }
    }
}
