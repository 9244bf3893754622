//! The node types the DSL is made of: sources, sinks, stateless steps, user processors.

use std::sync::Arc;

use streamlog::{ProducerRecord, Record};

use crate::config::TimestampExtractor;
use crate::error::{Error, Result};
use crate::graph::RawSource;
use crate::processor::{
    Failed, Fanout, Node, Processor, ProcessorContext, ProcessorError, PunctuationType, RecordMeta, TaskCtx,
    processor_failed,
};
use crate::serdes::SerdeRef;

/// Reads a record's bytes with its serdes and forwards the typed record.
pub(crate) struct SourceNode<K, V> {
    pub(crate) keys: SerdeRef<K>,
    pub(crate) values: SerdeRef<V>,
    /// The topic's own timestamp extractor, if it has one.
    pub(crate) extractor: Option<TimestampExtractor>,
    pub(crate) out: Fanout<K, V>,
}

fn deserialize_error(record: &Record, part: &'static str, reason: String) -> Error {
    Error::Deserialize {
        topic: record.topic.to_string(),
        partition: record.partition,
        offset: record.offset,
        part,
        reason,
    }
}

impl<K: Clone + 'static, V: Clone + 'static> RawSource for SourceNode<K, V> {
    fn timestamp(&self, record: &Record, stream_time: i64) -> Option<i64> {
        self.extractor.as_ref().map(|e| e.extract(record, stream_time))
    }

    fn process_raw(&mut self, ctx: &mut TaskCtx, record: &Record) -> Result<()> {
        let key = self
            .keys
            .deserialize(&record.topic, record.key.as_deref())
            .map_err(|e| deserialize_error(record, "key", e))?;
        let value = self
            .values
            .deserialize(&record.topic, record.value.as_deref())
            .map_err(|e| deserialize_error(record, "value", e))?;
        self.out.forward(ctx, key, value)
    }
}

/// Which partition a record goes to, given the topic's partition count.
pub type Partitioner<K, V> = Arc<dyn Fn(&K, &V, i32) -> i32 + Send + Sync>;

/// Writes typed records to a topic.
pub(crate) struct SinkNode<K, V> {
    pub(crate) topic: Arc<str>,
    pub(crate) keys: SerdeRef<K>,
    pub(crate) values: SerdeRef<V>,
    pub(crate) partitioner: Option<Partitioner<K, V>>,
}

impl<K: 'static, V: 'static> Node<K, V> for SinkNode<K, V> {
    fn process(&mut self, ctx: &mut TaskCtx, key: K, value: V) -> Result<()> {
        let partition = match &self.partitioner {
            Some(p) => {
                let count = ctx.partition_counts.get(&*self.topic).copied().unwrap_or(1);
                Some(p(&key, &value, count).rem_euclid(count.max(1)))
            }
            None => None,
        };
        let serialized = self
            .keys
            .serialize_owned(&self.topic, key)
            .and_then(|k| Ok((k, self.values.serialize_owned(&self.topic, value)?)));
        let (key, value) = match serialized {
            Ok(both) => both,
            Err(reason) => {
                let error = Error::Serialize {
                    topic: self.topic.to_string(),
                    reason,
                };
                return ctx.handle_failure(Failed::Producing, error, None, None);
            }
        };
        let record = ProducerRecord {
            topic: self.topic.clone(),
            partition,
            key,
            value,
            timestamp: Some(ctx.meta.timestamp),
            headers: ctx.meta.headers.clone(),
        };
        ctx.out.push(record);
        Ok(())
    }
}

/// A step without state: a function of the record and the children.
pub(crate) type StepFn<K, V, K2, V2> =
    Arc<dyn Fn(&mut TaskCtx, K, V, &Fanout<K2, V2>) -> Result<()> + Send + Sync>;

pub(crate) struct StepNode<K, V, K2, V2> {
    pub(crate) step: StepFn<K, V, K2, V2>,
    pub(crate) out: Fanout<K2, V2>,
}

impl<K, V, K2, V2> Node<K, V> for StepNode<K, V, K2, V2> {
    fn process(&mut self, ctx: &mut TaskCtx, key: K, value: V) -> Result<()> {
        (self.step)(ctx, key, value, &self.out)
    }
}

/// A user's [`Processor`] in the topology.
pub(crate) struct ProcessorNode<P, KOut, VOut> {
    pub(crate) name: String,
    pub(crate) stores: Vec<String>,
    pub(crate) processor: P,
    pub(crate) out: Fanout<KOut, VOut>,
}

impl<P, KOut, VOut> ProcessorNode<P, KOut, VOut> {
    fn with_context(
        &mut self,
        ctx: &mut TaskCtx,
        f: impl FnOnce(&mut P, &mut ProcessorContext<'_, KOut, VOut>) -> Result<(), ProcessorError>,
    ) -> Result<()> {
        let mut pc = ProcessorContext {
            task: ctx,
            children: &self.out,
            name: &self.name,
            stores: &self.stores,
        };
        f(&mut self.processor, &mut pc).map_err(|e| processor_failed(&self.name, e))
    }
}

impl<K, V, KOut, VOut, P> Node<K, V> for ProcessorNode<P, KOut, VOut>
where
    P: Processor<K, V, KOut, VOut>,
{
    fn process(&mut self, ctx: &mut TaskCtx, key: K, value: V) -> Result<()> {
        self.with_context(ctx, |p, pc| p.process(pc, key, value))
    }
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.with_context(ctx, |p, pc| p.init(pc))
    }
    fn punctuate(&mut self, ctx: &mut TaskCtx, kind: PunctuationType, now: i64) -> Result<()> {
        let saved = std::mem::take(&mut ctx.meta);
        ctx.meta = RecordMeta {
            timestamp: now,
            ..RecordMeta::default()
        };
        let result = self.with_context(ctx, |p, pc| p.punctuate(pc, kind, now));
        ctx.meta = saved;
        result
    }
}
