//! Making a task's typed node instances from the graph's factories.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use streamlog::Record;

use super::{Erased, Graph, NodeKind, TopicName};
use crate::error::{Error, Result};
use crate::processor::{Fanout, NodeRef, PunctuationType, TaskCtx};

/// A source as the task sees it: it takes a record's bytes.
pub(crate) trait RawSource {
    /// The record's event time by the source's own extractor, if it has one.
    fn timestamp(&self, record: &Record, stream_time: i64) -> Option<i64>;
    fn process_raw(&mut self, ctx: &mut TaskCtx, record: &Record) -> Result<()>;
}

/// A node as the task sees it for init and punctuation.
pub(crate) trait Lifecycle {
    fn init(&self, ctx: &mut TaskCtx) -> Result<()>;
    fn punctuate(&self, ctx: &mut TaskCtx, kind: PunctuationType, now: i64) -> Result<()>;
    fn flush_cache(&self, ctx: &mut TaskCtx) -> Result<()>;
}

struct Handle<K, V>(NodeRef<K, V>);

impl<K, V> Lifecycle for Handle<K, V> {
    fn init(&self, ctx: &mut TaskCtx) -> Result<()> {
        self.0.borrow_mut().init(ctx)
    }
    fn punctuate(&self, ctx: &mut TaskCtx, kind: PunctuationType, now: i64) -> Result<()> {
        self.0.borrow_mut().punctuate(ctx, kind, now)
    }
    fn flush_cache(&self, ctx: &mut TaskCtx) -> Result<()> {
        self.0.borrow_mut().flush_cache(ctx)
    }
}

/// One task's instances, made from a group of the graph's nodes.
pub(crate) struct Instantiation<'g> {
    pub(crate) graph: &'g Graph,
    pub(crate) application_id: &'g str,
    memo: HashMap<usize, Erased>,
    /// Every processor instance, for init, punctuation and cache flushes; a node comes
    /// after the nodes it forwards to.
    pub(crate) nodes: Vec<Box<dyn Lifecycle>>,
    /// Sources by (resolved) topic.
    pub(crate) sources: HashMap<String, Rc<RefCell<dyn RawSource>>>,
}

impl<'g> Instantiation<'g> {
    pub(crate) fn new(graph: &'g Graph, application_id: &'g str) -> Self {
        Self {
            graph,
            application_id,
            memo: HashMap::new(),
            nodes: Vec::new(),
            sources: HashMap::new(),
        }
    }

    /// Instantiates every node reachable from the group's sources.
    pub(crate) fn build(&mut self, group: &[usize]) -> Result<()> {
        for &id in group {
            if matches!(self.graph.nodes[id].kind, NodeKind::Source(_)) {
                (self.graph.nodes[id].factory)(self, id)?;
            }
        }
        Ok(())
    }

    /// The resolved name of a topic.
    pub(crate) fn topic(&self, t: &TopicName) -> String {
        t.resolve(self.application_id)
    }

    /// The children of node `id`, instantiated.
    pub(crate) fn children<K: 'static, V: 'static>(&mut self, id: usize) -> Result<Fanout<K, V>> {
        let mut out = Vec::new();
        for child in self.graph.children(id) {
            out.push(self.node::<K, V>(child)?);
        }
        Ok(Fanout(out))
    }

    /// The instance of node `id` (one per task, however many parents it has).
    pub(crate) fn node<K: 'static, V: 'static>(&mut self, id: usize) -> Result<NodeRef<K, V>> {
        if let Some(existing) = self.memo.get(&id) {
            return existing
                .downcast_ref::<NodeRef<K, V>>()
                .cloned()
                .ok_or_else(|| self.mismatch(id));
        }
        let erased = (self.graph.nodes[id].factory)(self, id)?;
        let node = erased
            .downcast::<NodeRef<K, V>>()
            .map_err(|_| self.mismatch(id))?;
        let node: NodeRef<K, V> = *node;
        self.memo.insert(id, Box::new(node.clone()));
        self.nodes.push(Box::new(Handle(node.clone())));
        Ok(node)
    }

    /// Registers a node made inside another node's factory (not a node of the graph),
    /// for init and punctuation.
    pub(crate) fn register<K: 'static, V: 'static>(&mut self, node: NodeRef<K, V>) {
        self.nodes.push(Box::new(Handle(node)));
    }

    /// Registers a source's instance for its topics.
    pub(crate) fn register_source(&mut self, topics: &[TopicName], source: Rc<RefCell<dyn RawSource>>) {
        for t in topics {
            self.sources.insert(self.topic(t), source.clone());
        }
    }

    fn mismatch(&self, id: usize) -> Error {
        Error::Topology(format!(
            "node `{}` is fed records of another type than it takes",
            self.graph.nodes[id].name
        ))
    }
}
