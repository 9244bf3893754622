//! Partitioning by key: `repartition`, `group_by_key`, `group_by`.

use super::KStream;
use crate::dsl::building::RepartitionSpec;
use crate::dsl::grouped_stream::KGroupedStream;
use crate::dsl::options::{Grouped, Named, Repartitioned};
use crate::serdes::SerdeRef;

impl<'b, K: Clone + 'static, V: Clone + 'static> KStream<'b, K, V> {
    /// Writes the stream to an internal topic `<application.id>-<name>-repartition`
    /// and reads it back, so records are partitioned by their current key. A record
    /// whose key is null (by `repartitioned`'s key serde) is dropped and counted, unless
    /// a left join downstream takes it (see the [DSL reference](crate::dsl_reference#nulls)).
    pub fn repartition(&self, repartitioned: Repartitioned<K, V>) -> KStream<'b, K, V> {
        // A name given is used as it is; only a generated one moves the counter on.
        let prefix = (repartitioned.name).unwrap_or_else(|| self.dsl.fresh("KSTREAM-REPARTITION"));
        let (topic, names) = self.dsl.repartition_names(&prefix);
        let source = self.dsl.repartition(
            self.node,
            RepartitionSpec {
                topic,
                names,
                keys: repartitioned.keys.serde,
                values: repartitioned.values.serde,
                partitioner: repartitioned.partitioner,
                partitions: repartitioned.partitions,
            },
            false,
        );
        KStream::new(self.dsl, source, false)
    }

    /// This stream through the repartition topic `<prefix>-repartition`, written with
    /// these serdes; when `shared`, the one repartition of this stream through that
    /// topic, if there is one already.
    pub(crate) fn repartitioned_as(
        &self,
        prefix: &str,
        keys: SerdeRef<K>,
        values: SerdeRef<V>,
        shared: bool,
    ) -> KStream<'b, K, V> {
        let (topic, names) = self.dsl.repartition_names(prefix);
        let source = self.dsl.repartition(
            self.node,
            RepartitionSpec {
                topic,
                names,
                keys,
                values,
                partitioner: None,
                partitions: None,
            },
            shared,
        );
        KStream::new(self.dsl, source, false)
    }

    /// Groups by the current key. When the key was changed, the aggregation
    /// repartitions first, through `<application.id>-<name>-repartition`: the
    /// `Grouped` name, or the name of the aggregation's store. The aggregations skip
    /// records with a null key or value (as `grouped`'s serdes tell them,
    /// [`Serde::is_null`](crate::Serde::is_null)).
    pub fn group_by_key(&self, grouped: Grouped<K, V>) -> KGroupedStream<'b, K, V> {
        KGroupedStream::new(*self, grouped)
    }

    /// Groups by a new key (always through a repartition topic); a `None` key drops
    /// the record, as Kafka drops a null key here. The key-selecting processor takes the
    /// `Grouped` name, as in Kafka Streams.
    pub fn group_by<K2: Clone + 'static>(
        &self,
        key_mapper: impl Fn(&K, &V) -> Option<K2> + Send + Sync + 'static,
        grouped: Grouped<K2, V>,
    ) -> KGroupedStream<'b, K2, V> {
        let named = grouped.name.clone().map(Named::checked_already);
        self.select_key_step(named, key_mapper).group_by_key(grouped)
    }
}
