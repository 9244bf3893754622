//! Joins of a stream with a global table through a key mapper: `join_global`,
//! `left_join_global`, each with its `…_with_key` and `…_with` forms. The key mapper
//! returns `Option<KG>`: `None` is no match.

use std::sync::Arc;

use super::KStream;
use super::joins::{inner, left};
use crate::dsl::global::GlobalKTable;
use crate::dsl::nulls::RecordNulls;
use crate::dsl::ops::{GlobalJoin, GlobalJoiner, StoreSlot, StreamTableJoiner};
use crate::dsl::options::Named;

impl<'b, K: Clone + 'static, V: Clone + 'static> KStream<'b, K, V> {
    /// Inner join with a global table: `key_mapper` picks the table key of each record
    /// (`None`: no key); records without a match emit nothing. A record with a null
    /// value, or whose table key is `None` or null, is skipped and counted (see the
    /// [DSL reference](crate::dsl_reference#nulls)).
    pub fn join_global<KG, VG, VR>(
        &self,
        table: &GlobalKTable<'b, KG, VG>,
        key_mapper: impl Fn(&K, &V) -> Option<KG> + Send + Sync + 'static,
        joiner: impl Fn(V, &VG) -> VR + Send + Sync + 'static,
    ) -> KStream<'b, K, VR>
    where
        KG: 'static,
        VG: 'static,
        VR: Clone + 'static,
    {
        self.global_join(
            table,
            None,
            "KSTREAM-LEFTJOIN",
            key_mapper,
            inner(move |_: &K, v, g| joiner(v, g)),
        )
    }

    /// [`join_global`](Self::join_global) with a joiner that also gets the key.
    pub fn join_global_with_key<KG, VG, VR>(
        &self,
        table: &GlobalKTable<'b, KG, VG>,
        key_mapper: impl Fn(&K, &V) -> Option<KG> + Send + Sync + 'static,
        joiner: impl Fn(&K, V, &VG) -> VR + Send + Sync + 'static,
    ) -> KStream<'b, K, VR>
    where
        KG: 'static,
        VG: 'static,
        VR: Clone + 'static,
    {
        self.global_join(table, None, "KSTREAM-LEFTJOIN", key_mapper, inner(joiner))
    }

    /// [`join_global`](Self::join_global), naming the processor.
    pub fn join_global_with<KG, VG, VR>(
        &self,
        table: &GlobalKTable<'b, KG, VG>,
        key_mapper: impl Fn(&K, &V) -> Option<KG> + Send + Sync + 'static,
        joiner: impl Fn(V, &VG) -> VR + Send + Sync + 'static,
        named: Named,
    ) -> KStream<'b, K, VR>
    where
        KG: 'static,
        VG: 'static,
        VR: Clone + 'static,
    {
        let joiner = inner(move |_: &K, v, g| joiner(v, g));
        self.global_join(table, Some(named), "KSTREAM-LEFTJOIN", key_mapper, joiner)
    }

    /// [`join_global_with_key`](Self::join_global_with_key), naming the processor.
    pub fn join_global_with_key_with<KG, VG, VR>(
        &self,
        table: &GlobalKTable<'b, KG, VG>,
        key_mapper: impl Fn(&K, &V) -> Option<KG> + Send + Sync + 'static,
        joiner: impl Fn(&K, V, &VG) -> VR + Send + Sync + 'static,
        named: Named,
    ) -> KStream<'b, K, VR>
    where
        KG: 'static,
        VG: 'static,
        VR: Clone + 'static,
    {
        self.global_join(table, Some(named), "KSTREAM-LEFTJOIN", key_mapper, inner(joiner))
    }

    /// Left join with a global table: every record emits, with `None` when the mapped
    /// key is `None`, null or not in the table; a record with a null value is skipped
    /// and counted.
    pub fn left_join_global<KG, VG, VR>(
        &self,
        table: &GlobalKTable<'b, KG, VG>,
        key_mapper: impl Fn(&K, &V) -> Option<KG> + Send + Sync + 'static,
        joiner: impl Fn(V, Option<&VG>) -> VR + Send + Sync + 'static,
    ) -> KStream<'b, K, VR>
    where
        KG: 'static,
        VG: 'static,
        VR: Clone + 'static,
    {
        let joiner = left(move |_: &K, v, g| joiner(v, g));
        self.global_join(table, None, "KSTREAM-LEFTJOIN", key_mapper, joiner)
    }

    /// [`left_join_global`](Self::left_join_global) with a joiner that also gets the
    /// key.
    pub fn left_join_global_with_key<KG, VG, VR>(
        &self,
        table: &GlobalKTable<'b, KG, VG>,
        key_mapper: impl Fn(&K, &V) -> Option<KG> + Send + Sync + 'static,
        joiner: impl Fn(&K, V, Option<&VG>) -> VR + Send + Sync + 'static,
    ) -> KStream<'b, K, VR>
    where
        KG: 'static,
        VG: 'static,
        VR: Clone + 'static,
    {
        self.global_join(table, None, "KSTREAM-LEFTJOIN", key_mapper, left(joiner))
    }

    /// [`left_join_global`](Self::left_join_global), naming the processor.
    pub fn left_join_global_with<KG, VG, VR>(
        &self,
        table: &GlobalKTable<'b, KG, VG>,
        key_mapper: impl Fn(&K, &V) -> Option<KG> + Send + Sync + 'static,
        joiner: impl Fn(V, Option<&VG>) -> VR + Send + Sync + 'static,
        named: Named,
    ) -> KStream<'b, K, VR>
    where
        KG: 'static,
        VG: 'static,
        VR: Clone + 'static,
    {
        let joiner = left(move |_: &K, v, g| joiner(v, g));
        self.global_join(table, Some(named), "KSTREAM-LEFTJOIN", key_mapper, joiner)
    }

    /// [`left_join_global_with_key`](Self::left_join_global_with_key), naming the
    /// processor.
    pub fn left_join_global_with_key_with<KG, VG, VR>(
        &self,
        table: &GlobalKTable<'b, KG, VG>,
        key_mapper: impl Fn(&K, &V) -> Option<KG> + Send + Sync + 'static,
        joiner: impl Fn(&K, V, Option<&VG>) -> VR + Send + Sync + 'static,
        named: Named,
    ) -> KStream<'b, K, VR>
    where
        KG: 'static,
        VG: 'static,
        VR: Clone + 'static,
    {
        self.global_join(table, Some(named), "KSTREAM-LEFTJOIN", key_mapper, left(joiner))
    }

    fn global_join<KG, VG, VR>(
        &self,
        table: &GlobalKTable<'b, KG, VG>,
        named: Option<Named>,
        prefix: &str,
        key_mapper: impl Fn(&K, &V) -> Option<KG> + Send + Sync + 'static,
        joiner: StreamTableJoiner<K, V, VG, VR>,
    ) -> KStream<'b, K, VR>
    where
        KG: 'static,
        VG: 'static,
        VR: Clone + 'static,
    {
        let name = self.name_of(named, prefix);
        self.dsl.same(table.dsl, &name);
        let join = GlobalJoiner {
            key_mapper: Arc::new(key_mapper),
            joiner,
        };
        let slot = (table.store.clone(), name.clone());
        let stores = vec![table.store.clone()];
        let is_left = join.joiner.left;
        let (table_keys, values) = (self.dsl.nulls::<KG>(), self.dsl.nulls::<V>());
        let node = self
            .dsl
            .operator::<K, V, K, VR, _>(name, vec![self.node], stores, move |out| GlobalJoin {
                table: StoreSlot::new(&slot.0, &slot.1),
                join: join.clone(),
                nulls: RecordNulls::new(&slot.1, table_keys.resolve(), values.resolve()),
                out,
            });
        if is_left {
            self.dsl.takes_null_keys(node);
        }
        KStream::new(self.dsl, node, self.repartition)
    }
}
