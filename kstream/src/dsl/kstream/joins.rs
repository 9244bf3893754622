//! Joins of a stream with a table (`join`, `left_join`), each with its `…_with_key` and
//! `…_with` forms; the global-table joins are in `global_joins`.
//!
//! The stream's value is moved into the joiner; the table's value is borrowed from its
//! store. The windowed stream-stream joins (`join_windowed`, `left_join_windowed`,
//! `outer_join_windowed`) are planned, under those names.

use std::sync::Arc;

use super::KStream;
use crate::dsl::ktable::KTable;
use crate::dsl::nulls::RecordNulls;
use crate::dsl::ops::{StreamTableJoin, StreamTableJoiner};
use crate::dsl::options::Joined;

impl<'b, K: Clone + 'static, V: Clone + 'static> KStream<'b, K, V> {
    /// Inner join with a table: each record whose key is in the table emits
    /// `joiner(value, table value)`; table updates emit nothing. A record with a null
    /// key or value is skipped and counted (see the
    /// [DSL reference](crate::dsl_reference#nulls)).
    pub fn join<VT, VR>(
        &self,
        table: &KTable<'b, K, VT>,
        joiner: impl Fn(V, &VT) -> VR + Send + Sync + 'static,
    ) -> KStream<'b, K, VR>
    where
        VT: Clone + 'static,
        VR: Clone + 'static,
    {
        self.table_join(
            table,
            None,
            "KSTREAM-JOIN",
            inner(move |_: &K, v, t| joiner(v, t)),
        )
    }

    /// [`join`](Self::join) with a joiner that also gets the key (Kafka's
    /// `ValueJoinerWithKey`).
    pub fn join_with_key<VT, VR>(
        &self,
        table: &KTable<'b, K, VT>,
        joiner: impl Fn(&K, V, &VT) -> VR + Send + Sync + 'static,
    ) -> KStream<'b, K, VR>
    where
        VT: Clone + 'static,
        VR: Clone + 'static,
    {
        self.table_join(table, None, "KSTREAM-JOIN", inner(joiner))
    }

    /// [`join`](Self::join) with options: the processor's name, and the serdes to
    /// repartition the stream through when its key was changed.
    pub fn join_with<VT, VR>(
        &self,
        table: &KTable<'b, K, VT>,
        joiner: impl Fn(V, &VT) -> VR + Send + Sync + 'static,
        joined: Joined<K, V>,
    ) -> KStream<'b, K, VR>
    where
        VT: Clone + 'static,
        VR: Clone + 'static,
    {
        self.table_join(
            table,
            Some(joined),
            "KSTREAM-JOIN",
            inner(move |_: &K, v, t| joiner(v, t)),
        )
    }

    /// [`join_with_key`](Self::join_with_key) with [`join_with`](Self::join_with)'s
    /// options.
    pub fn join_with_key_with<VT, VR>(
        &self,
        table: &KTable<'b, K, VT>,
        joiner: impl Fn(&K, V, &VT) -> VR + Send + Sync + 'static,
        joined: Joined<K, V>,
    ) -> KStream<'b, K, VR>
    where
        VT: Clone + 'static,
        VR: Clone + 'static,
    {
        self.table_join(table, Some(joined), "KSTREAM-JOIN", inner(joiner))
    }

    /// Left join with a table: every record emits `joiner(value, table value or None)`,
    /// a record with a null key with `None`; a record with a null value is skipped and
    /// counted.
    pub fn left_join<VT, VR>(
        &self,
        table: &KTable<'b, K, VT>,
        joiner: impl Fn(V, Option<&VT>) -> VR + Send + Sync + 'static,
    ) -> KStream<'b, K, VR>
    where
        VT: Clone + 'static,
        VR: Clone + 'static,
    {
        self.table_join(
            table,
            None,
            "KSTREAM-LEFTJOIN",
            left(move |_: &K, v, t| joiner(v, t)),
        )
    }

    /// [`left_join`](Self::left_join) with a joiner that also gets the key.
    pub fn left_join_with_key<VT, VR>(
        &self,
        table: &KTable<'b, K, VT>,
        joiner: impl Fn(&K, V, Option<&VT>) -> VR + Send + Sync + 'static,
    ) -> KStream<'b, K, VR>
    where
        VT: Clone + 'static,
        VR: Clone + 'static,
    {
        self.table_join(table, None, "KSTREAM-LEFTJOIN", left(joiner))
    }

    /// [`left_join`](Self::left_join) with [`join_with`](Self::join_with)'s options.
    pub fn left_join_with<VT, VR>(
        &self,
        table: &KTable<'b, K, VT>,
        joiner: impl Fn(V, Option<&VT>) -> VR + Send + Sync + 'static,
        joined: Joined<K, V>,
    ) -> KStream<'b, K, VR>
    where
        VT: Clone + 'static,
        VR: Clone + 'static,
    {
        self.table_join(
            table,
            Some(joined),
            "KSTREAM-LEFTJOIN",
            left(move |_: &K, v, t| joiner(v, t)),
        )
    }

    /// [`left_join_with_key`](Self::left_join_with_key) with
    /// [`join_with`](Self::join_with)'s options.
    pub fn left_join_with_key_with<VT, VR>(
        &self,
        table: &KTable<'b, K, VT>,
        joiner: impl Fn(&K, V, Option<&VT>) -> VR + Send + Sync + 'static,
        joined: Joined<K, V>,
    ) -> KStream<'b, K, VR>
    where
        VT: Clone + 'static,
        VR: Clone + 'static,
    {
        self.table_join(table, Some(joined), "KSTREAM-LEFTJOIN", left(joiner))
    }

    fn table_join<VT, VR>(
        &self,
        table: &KTable<'b, K, VT>,
        joined: Option<Joined<K, V>>,
        prefix: &str,
        joiner: StreamTableJoiner<K, V, VT, VR>,
    ) -> KStream<'b, K, VR>
    where
        VT: Clone + 'static,
        VR: Clone + 'static,
    {
        let Joined { keys, values, name } = joined.unwrap_or(Joined {
            keys: None,
            values: None,
            name: None,
        });
        if let (Some(keys), Some(values)) = (&keys, &values) {
            self.dsl.learn(&keys.serde);
            self.dsl.learn(&values.serde);
        }
        let stream = match (self.repartition, keys, values) {
            (false, ..) => *self,
            (true, Some(keys), Some(values)) => {
                // Through `<Joined name or this stream's processor>-repartition`. As in
                // Kafka Streams, a join without a name reads the repartition made for the
                // last join of this stream, if there is one (the names are taken anyway).
                let prefix = name.clone().unwrap_or_else(|| self.dsl.node_name(self.node));
                match self.dsl.join_repartition(self.node).filter(|_| name.is_none()) {
                    Some(source) => {
                        self.dsl.repartition_names(&prefix);
                        KStream::new(self.dsl, source, false)
                    }
                    None => {
                        let stream = self.repartitioned_as(&prefix, keys.serde, values.serde, false);
                        self.dsl.set_join_repartition(self.node, stream.node);
                        stream
                    }
                }
            }
            (true, ..) => {
                self.dsl.fail(format!(
                    "{prefix}: the stream's key was changed, so it must be repartitioned before the \
                     join: give its serdes with `Joined::with` (join_with, left_join_with) or call \
                     `repartition` first"
                ));
                *self
            }
        };
        let name = self.dsl.name(name, prefix);
        if !self.dsl.same(table.dsl, &name) {
            return KStream::new(self.dsl, self.node, self.repartition);
        }
        // The table is read from its store, or through the tables it was derived from
        // (a table source without a store is given one, as Kafka Streams gives it).
        let getter = table.value_getter();
        let reader = name.clone();
        let is_left = joiner.left;
        let (keys, values) = (self.dsl.nulls::<K>(), self.dsl.nulls::<V>());
        let node =
            self.dsl
                .operator::<K, V, K, VR, _>(name, vec![stream.node], getter.stores.clone(), move |out| {
                    StreamTableJoin {
                        table: getter.make(&reader),
                        joiner: joiner.clone(),
                        nulls: RecordNulls::new(&reader, keys.resolve(), values.resolve()),
                        out,
                    }
                });
        if is_left {
            self.dsl.takes_null_keys(node);
        }
        KStream::new(self.dsl, node, false)
    }
}

/// An inner joiner: no table value, no output.
pub(super) fn inner<K, V, VT, VR>(
    joiner: impl Fn(&K, V, &VT) -> VR + Send + Sync + 'static,
) -> StreamTableJoiner<K, V, VT, VR> {
    StreamTableJoiner {
        join: Arc::new(move |k, v, t| t.map(|t| joiner(k, v, t))),
        left: false,
    }
}

/// A left joiner: every record emits.
pub(super) fn left<K, V, VT, VR>(
    joiner: impl Fn(&K, V, Option<&VT>) -> VR + Send + Sync + 'static,
) -> StreamTableJoiner<K, V, VT, VR> {
    StreamTableJoiner {
        join: Arc::new(move |k, v, t| Some(joiner(k, v, t))),
        left: true,
    }
}
