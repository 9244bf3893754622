//! Joins of two tables on their keys: `join`, `left_join`, `outer_join` and their
//! `…_with` forms. Each side's changes look the key up in the other side: in its store,
//! or, for a table without one, through the tables it was derived from.

use std::sync::Arc;

use super::KTable;
use crate::dsl::ops::{Change, PassThrough, TableJoinSide, TableJoiner};
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
        // Kafka Streams' names: the merge `<name>` (or a fresh `KTABLE-MERGE`), the two
        // sides `<name>-join-this` and `<name>-join-other` (or fresh ones).
        let base = named.map(Named::into_string);
        let merge = self.dsl.name(base.clone(), "KTABLE-MERGE");
        let this = self
            .dsl
            .suffixed(base.as_deref(), "-join-this", "KTABLE-JOINTHIS");
        let that = self
            .dsl
            .suffixed(base.as_deref(), "-join-other", "KTABLE-JOINOTHER");
        let getter = self.getter.join(&other.getter, joiner.clone());
        if !self.dsl.same(other.dsl, prefix) {
            return KTable::derived(self.dsl, self.node, getter);
        }
        // One node per side: each looks the key up in the other side.
        let (j, theirs, reader) = (joiner.clone(), other.getter.clone(), this.clone());
        let left = self.dsl.operator::<K, Change<V>, K, Change<VR>, _>(
            this,
            vec![self.node],
            other.getter.stores.clone(),
            move |out| TableJoinSide {
                other: theirs.make(&reader),
                join: j.clone(),
                out,
            },
        );
        let (mine, reader) = (self.getter.clone(), that.clone());
        let swapped: TableJoiner<V2, V, VR> = Arc::new(move |mine, theirs| joiner(theirs, mine));
        let right = self.dsl.operator::<K, Change<V2>, K, Change<VR>, _>(
            that,
            vec![other.node],
            self.getter.stores.clone(),
            move |out| TableJoinSide {
                other: mine.make(&reader),
                join: swapped.clone(),
                out,
            },
        );
        let merged =
            self.dsl
                .table_operator::<K, Change<VR>, K, VR, _>(merge, vec![left, right], Vec::new(), |out| {
                    PassThrough { out }
                });
        KTable::derived(self.dsl, merged, getter)
    }
}

/// An outer joiner: a row while either side has one.
fn outer<V, V2, VR>(
    joiner: impl Fn(Option<&V>, Option<&V2>) -> VR + Send + Sync + 'static,
) -> TableJoiner<V, V2, VR> {
    Arc::new(move |l, r| (l.is_some() || r.is_some()).then(|| joiner(l, r)))
}
