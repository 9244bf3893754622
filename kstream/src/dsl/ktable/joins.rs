//! Joins of two tables on their keys: `join`, `left_join`, `outer_join` and their
//! `…_with` forms. Both tables must be materialized (a table source without a store is
//! given one); each side's changes look the key up in the other side's store.

use std::sync::Arc;

use super::KTable;
use crate::dsl::ops::{Change, StoreSlot, TableJoinSide, TableJoiner};
use crate::dsl::options::Named;

impl<'b, K: Clone + 'static, V: Clone + 'static> KTable<'b, K, V> {
    /// Inner join of two tables on their keys: a row while both have the key, updated
    /// from either side.
    pub fn join<V2, VR>(
        &self,
        other: &KTable<'b, K, V2>,
        joiner: impl Fn(&V, &V2) -> VR + Send + Sync + 'static,
    ) -> KTable<'b, K, VR>
    where
        V2: Clone + 'static,
        VR: Clone + 'static,
    {
        self.table_join(
            other,
            None,
            "KTABLE-JOIN",
            Arc::new(move |l, r| Some(joiner(l?, r?))),
        )
    }

    /// [`join`](Self::join), naming the processors: `<name>-join-this` and
    /// `<name>-join-other` look up each side's changes in the other side, `<name>`
    /// merges them.
    pub fn join_with<V2, VR>(
        &self,
        other: &KTable<'b, K, V2>,
        joiner: impl Fn(&V, &V2) -> VR + Send + Sync + 'static,
        named: Named,
    ) -> KTable<'b, K, VR>
    where
        V2: Clone + 'static,
        VR: Clone + 'static,
    {
        self.table_join(
            other,
            Some(named),
            "KTABLE-JOIN",
            Arc::new(move |l, r| Some(joiner(l?, r?))),
        )
    }

    /// Left join: a row while this table has the key.
    pub fn left_join<V2, VR>(
        &self,
        other: &KTable<'b, K, V2>,
        joiner: impl Fn(&V, Option<&V2>) -> VR + Send + Sync + 'static,
    ) -> KTable<'b, K, VR>
    where
        V2: Clone + 'static,
        VR: Clone + 'static,
    {
        self.table_join(
            other,
            None,
            "KTABLE-LEFTJOIN",
            Arc::new(move |l, r| Some(joiner(l?, r))),
        )
    }

    /// [`left_join`](Self::left_join), naming the processors.
    pub fn left_join_with<V2, VR>(
        &self,
        other: &KTable<'b, K, V2>,
        joiner: impl Fn(&V, Option<&V2>) -> VR + Send + Sync + 'static,
        named: Named,
    ) -> KTable<'b, K, VR>
    where
        V2: Clone + 'static,
        VR: Clone + 'static,
    {
        self.table_join(
            other,
            Some(named),
            "KTABLE-LEFTJOIN",
            Arc::new(move |l, r| Some(joiner(l?, r))),
        )
    }

    /// Outer join: a row while either table has the key.
    pub fn outer_join<V2, VR>(
        &self,
        other: &KTable<'b, K, V2>,
        joiner: impl Fn(Option<&V>, Option<&V2>) -> VR + Send + Sync + 'static,
    ) -> KTable<'b, K, VR>
    where
        V2: Clone + 'static,
        VR: Clone + 'static,
    {
        self.table_join(other, None, "KTABLE-OUTERJOIN", outer(joiner))
    }

    /// [`outer_join`](Self::outer_join), naming the processors.
    pub fn outer_join_with<V2, VR>(
        &self,
        other: &KTable<'b, K, V2>,
        joiner: impl Fn(Option<&V>, Option<&V2>) -> VR + Send + Sync + 'static,
        named: Named,
    ) -> KTable<'b, K, VR>
    where
        V2: Clone + 'static,
        VR: Clone + 'static,
    {
        self.table_join(other, Some(named), "KTABLE-OUTERJOIN", outer(joiner))
    }

    fn table_join<V2, VR>(
        &self,
        other: &KTable<'b, K, V2>,
        named: Option<Named>,
        prefix: &str,
        joiner: TableJoiner<V, V2, VR>,
    ) -> KTable<'b, K, VR>
    where
        V2: Clone + 'static,
        VR: Clone + 'static,
    {
        let base = named.map(Named::into_string);
        if !self.dsl.same(other.dsl, prefix) {
            return KTable::new(self.dsl, self.node, None);
        }
        // Each side's changes retract the join results of the old row.
        self.need_old_values();
        other.need_old_values();
        let (Some(left_store), Some(right_store)) = (self.lookup_store(), other.lookup_store()) else {
            self.dsl
                .fail(format!("{prefix}: both tables must be materialized"));
            return KTable::new(self.dsl, self.node, None);
        };
        let name_of = |suffix: &str| match &base {
            Some(base) if suffix == "MERGE" => base.clone(),
            Some(base) => format!("{base}-join-{}", suffix.to_lowercase()),
            None => self.dsl.name(None, &format!("{prefix}-{suffix}")),
        };
        // One node per side: each looks the key up in the other side's store.
        let this = name_of("THIS");
        let (j, slot) = (joiner.clone(), (right_store.clone(), this.clone()));
        let left = self.dsl.operator::<K, Change<V>, K, Change<VR>, _>(
            this,
            vec![self.node],
            vec![right_store],
            move |out| TableJoinSide {
                other: StoreSlot::<K, V2>::new(&slot.0, &slot.1),
                join: j.clone(),
                out,
            },
        );
        let that = name_of("OTHER");
        let slot = (left_store.clone(), that.clone());
        let swapped: TableJoiner<V2, V, VR> = Arc::new(move |mine, theirs| joiner(theirs, mine));
        let right = self.dsl.operator::<K, Change<V2>, K, Change<VR>, _>(
            that,
            vec![other.node],
            vec![left_store],
            move |out| TableJoinSide {
                other: StoreSlot::<K, V>::new(&slot.0, &slot.1),
                join: swapped.clone(),
                out,
            },
        );
        let merged = self
            .dsl
            .pass_through::<K, Change<VR>>(name_of("MERGE"), vec![left, right]);
        KTable::new(self.dsl, merged, None)
    }
}

/// An outer joiner: a row while either side has one.
fn outer<V, V2, VR>(
    joiner: impl Fn(Option<&V>, Option<&V2>) -> VR + Send + Sync + 'static,
) -> TableJoiner<V, V2, VR> {
    Arc::new(move |l, r| (l.is_some() || r.is_some()).then(|| joiner(l, r)))
}
