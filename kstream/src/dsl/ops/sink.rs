//! The sink of a topic: writes typed records with its serdes, to one topic or to the
//! topic a [`TopicNameExtractor`] picks per record.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use streamlog::ProducerRecord;

use super::Partitioner;
use crate::dsl::options::topic_name_problem;
use crate::error::{Error, Result};
use crate::processor::{Failed, Node, Null, RecordContext, TaskCtx};
use crate::serdes::SerdeRef;
use crate::serdes::retry::{prepare_part, serialize_error};

/// Picks the topic of each record from its key, its value and the context of the
/// record being processed (Kafka Streams' `TopicNameExtractor`).
pub type TopicNameExtractor<K, V> = Arc<dyn Fn(&K, &V, &RecordContext<'_>) -> String + Send + Sync>;

/// Where a sink writes.
pub(crate) enum SinkTopic<K, V> {
    /// One topic (resolved with the application id).
    Fixed(Arc<str>),
    /// The topic the extractor picks per record; the sink's name is for errors.
    Dynamic {
        sink: Arc<str>,
        extractor: TopicNameExtractor<K, V>,
    },
}

/// Writes typed records to a topic.
pub(crate) struct SinkNode<K, V> {
    pub(crate) name: String,
    pub(crate) topic: SinkTopic<K, V>,
    pub(crate) keys: SerdeRef<K>,
    pub(crate) values: SerdeRef<V>,
    pub(crate) partitioner: Option<Partitioner<K, V>>,
    /// A repartition topic's sink: whether it passes records with a null key on (a left
    /// join downstream takes them); when not, it skips them. `None`: a user topic,
    /// written as it comes.
    pub(crate) null_keys: Option<Arc<AtomicBool>>,
}

impl<K, V> SinkNode<K, V> {
    /// The topic of this record.
    fn topic(&self, ctx: &TaskCtx, key: &K, value: &V) -> Result<Arc<str>> {
        match &self.topic {
            SinkTopic::Fixed(topic) => Ok(topic.clone()),
            SinkTopic::Dynamic { sink, extractor } => {
                let topic = extractor(key, value, &RecordContext::of(&ctx.meta));
                match topic_name_problem(&topic) {
                    None => Ok(Arc::from(topic)),
                    Some(reason) => Err(Error::ExtractedTopic {
                        sink: sink.to_string(),
                        topic,
                        reason,
                    }),
                }
            }
        }
    }
}

impl<K: 'static, V: 'static> Node<K, V> for SinkNode<K, V> {
    fn process(&mut self, ctx: &mut TaskCtx, key: K, value: V) -> Result<()> {
        if let Some(passes) = &self.null_keys
            && !passes.load(Ordering::Relaxed)
            && self.keys.is_null(&key)
        {
            ctx.skip_null(&self.name, Null::Key);
            return Ok(());
        }
        let topic = self.topic(ctx, &key, &value)?;
        let partition = match &self.partitioner {
            Some(p) => {
                let count = ctx.partition_count(&topic)?;
                Some(p(&key, &value, count).rem_euclid(count.max(1)))
            }
            None => None,
        };
        // Dependencies first (retried while unavailable), then the values are handed
        // over: an outage costs no value.
        let name = &*topic;
        let serialized = prepare_part(ctx, name, "key", || self.keys.prepare(name))
            .and_then(|()| prepare_part(ctx, name, "value", || self.values.prepare(name)))
            .and_then(|()| {
                let key = self
                    .keys
                    .serialize_owned(name, key)
                    .map_err(|e| serialize_error(ctx, name, "key", e))?;
                let value = self
                    .values
                    .serialize_owned(name, value)
                    .map_err(|e| serialize_error(ctx, name, "value", e))?;
                Ok((key, value))
            });
        let (key, value) = match serialized {
            Ok(both) => both,
            Err(error @ Error::Serialize { .. }) => {
                return ctx.handle_failure(Failed::Producing, error, None, None);
            }
            Err(error) => return Err(error),
        };
        let record = ProducerRecord {
            topic,
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
