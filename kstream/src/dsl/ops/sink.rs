//! The sink of a topic: writes typed records with its serdes.

use std::sync::Arc;

use streamlog::ProducerRecord;

use super::Partitioner;
use crate::error::{Error, Result};
use crate::processor::{Failed, Node, TaskCtx};
use crate::serdes::SerdeRef;

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
