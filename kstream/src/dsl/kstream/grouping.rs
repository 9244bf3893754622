//! Partitioning by key: `repartition`, `group_by_key`, `group_by`.

use super::KStream;
use crate::dsl::building::RepartitionSpec;
use crate::dsl::grouped_stream::KGroupedStream;
use crate::dsl::options::{Grouped, Repartitioned};

impl<'b, K: Clone + 'static, V: Clone + 'static> KStream<'b, K, V> {
    /// Writes the stream to an internal topic `<application.id>-<name>-repartition`
    /// and reads it back, so records are partitioned by their current key. A record
    /// whose key is null (by `repartitioned`'s key serde) is dropped and counted, unless
    /// a left join downstream takes it (see the [DSL reference](crate::dsl_reference#nulls)).
    pub fn repartition(&self, repartitioned: Repartitioned<K, V>) -> KStream<'b, K, V> {
        let base = self.dsl.name(repartitioned.name, "KSTREAM-REPARTITION");
        let source = self.dsl.repartition(
            self.node,
            RepartitionSpec {
                base,
                keys: repartitioned.keys.serde,
                values: repartitioned.values.serde,
                partitioner: repartitioned.partitioner,
                partitions: repartitioned.partitions,
            },
        );
        KStream::new(self.dsl, source, false)
    }

    /// This stream, or when its key was changed, this stream through the repartition
    /// topic named after `name` (or a fresh name), written with these serdes.
    pub(crate) fn partitioned(
        &self,
        name: Option<String>,
        serdes: impl FnOnce() -> (crate::serdes::SerdeRef<K>, crate::serdes::SerdeRef<V>),
    ) -> KStream<'b, K, V> {
        if !self.repartition {
            return *self;
        }
        let (keys, values) = serdes();
        let base = self.dsl.name(name, "KSTREAM-REPARTITION");
        let source = self.dsl.repartition(
            self.node,
            RepartitionSpec {
                base,
                keys,
                values,
                partitioner: None,
                partitions: None,
            },
        );
        KStream::new(self.dsl, source, false)
    }

    /// Groups by the current key, repartitioning first if the key was changed. The
    /// aggregations skip records with a null key or value (as `grouped`'s serdes tell
    /// them, [`Serde::is_null`](crate::Serde::is_null)).
    pub fn group_by_key(&self, grouped: Grouped<K, V>) -> KGroupedStream<'b, K, V> {
        let Grouped { keys, values, name } = grouped;
        let (key_serde, value_serde) = (keys.serde.clone(), values.serde.clone());
        self.dsl.learn(&key_serde);
        self.dsl.learn(&value_serde);
        let stream = self.partitioned(name, || (keys.serde, values.serde));
        KGroupedStream::new(stream, &key_serde, &value_serde)
    }

    /// Groups by a new key (always through a repartition topic); a `None` key drops
    /// the record, as Kafka drops a null key here.
    pub fn group_by<K2: Clone + 'static>(
        &self,
        key_mapper: impl Fn(&K, &V) -> Option<K2> + Send + Sync + 'static,
        grouped: Grouped<K2, V>,
    ) -> KGroupedStream<'b, K2, V> {
        self.select_key_step(None, key_mapper).group_by_key(grouped)
    }
}
