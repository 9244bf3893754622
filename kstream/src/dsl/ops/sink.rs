//! The sink of a topic: writes typed records with its serdes.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use streamlog::ProducerRecord;

use super::Partitioner;
use crate::error::{Error, Result};
use crate::processor::{Failed, Node, Null, TaskCtx};
use crate::serdes::SerdeRef;
use crate::serdes::retry::{prepare_part, serialize_error};

/// Writes typed records to a topic.
pub(crate) struct SinkNode<K, V> {
    pub(crate) name: String,
    pub(crate) topic: Arc<str>,
    pub(crate) keys: SerdeRef<K>,
    pub(crate) values: SerdeRef<V>,
    pub(crate) partitioner: Option<Partitioner<K, V>>,
    /// A repartition topic's sink: whether it passes records with a null key on (a left
    /// join downstream takes them); when not, it skips them. `None`: a user topic,
    /// written as it comes.
    pub(crate) null_keys: Option<Arc<AtomicBool>>,
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
        let partition = match &self.partitioner {
            Some(p) => {
                let count = ctx.partition_counts.get(&*self.topic).copied().unwrap_or(1);
                Some(p(&key, &value, count).rem_euclid(count.max(1)))
            }
            None => None,
        };
        // Dependencies first (retried while unavailable), then the values are handed
        // over: an outage costs no value.
        let topic = &*self.topic;
        let serialized = prepare_part(ctx, topic, "key", || self.keys.prepare(topic))
            .and_then(|()| prepare_part(ctx, topic, "value", || self.values.prepare(topic)))
            .and_then(|()| {
                let key = self
                    .keys
                    .serialize_owned(topic, key)
                    .map_err(|e| serialize_error(ctx, topic, "key", e))?;
                let value = self
                    .values
                    .serialize_owned(topic, value)
                    .map_err(|e| serialize_error(ctx, topic, "value", e))?;
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
