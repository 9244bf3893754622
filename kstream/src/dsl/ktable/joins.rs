//! Joins of two tables on their keys: `join`, `left_join`, `outer_join` and their
//! `…_with` forms. Each side's changes look the key up in the other side: in its store,
//! or, for a table without one, through the tables it was derived from (a table source
//! without a store is given one).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::{KTable, OldValues};
use crate::dsl::ops::{Change, PassThrough, TableJoinSide, TableJoiner};
use crate::dsl::options::Named;

/// Which sides of a table-table join keep their rows without a row on the other side.
#[derive(Clone, Copy)]
enum JoinKind {
    Inner,
    Left,
    Outer,
}

impl JoinKind {
    /// The operation's name, for errors.
    fn prefix(self) -> &'static str {
        match self {
            JoinKind::Inner => "KTABLE-JOIN",
            JoinKind::Left => "KTABLE-LEFTJOIN",
            JoinKind::Outer => "KTABLE-OUTERJOIN",
        }
    }

    /// Whether this (the left) table's rows are kept without the other's.
    fn left_outer(self) -> bool {
        !matches!(self, JoinKind::Inner)
    }

    /// Whether the other (the right) table's rows are kept without this one's.
    fn right_outer(self) -> bool {
        matches!(self, JoinKind::Outer)
    }
}

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
            JoinKind::Inner,
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
            JoinKind::Inner,
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
            JoinKind::Left,
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
            JoinKind::Left,
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
        self.table_join(other, None, JoinKind::Outer, outer(joiner))
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
        self.table_join(other, Some(named), JoinKind::Outer, outer(joiner))
    }

    fn table_join<V2, VR>(
        &self,
        other: &KTable<'b, K, V2>,
        named: Option<Named>,
        kind: JoinKind,
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
        let old = OldValues::join(&self.old, &other.old);
        if !self.dsl.same(other.dsl, kind.prefix()) {
            let getter = self.getter.join(&other.getter, joiner);
            return KTable::derived(self.dsl, self.node, old, getter);
        }
        // As Kafka Streams: an outer side's changes retract what its old row joined, so
        // that side sends old values; every side reads the other through its getter.
        if kind.left_outer() {
            self.need_old_values();
        }
        if kind.right_outer() {
            other.need_old_values();
        }
        let (mine, theirs) = (self.value_getter(), other.value_getter());
        let getter = mine.join(&theirs, joiner.clone());
        let this = self
            .dsl
            .suffixed(base.as_deref(), "-join-this", "KTABLE-JOINTHIS");
        let that = self
            .dsl
            .suffixed(base.as_deref(), "-join-other", "KTABLE-JOINOTHER");
        // One node per side: each looks the key up in the other side.
        let send_old = old.sends();
        let (j, reader, other_getter, sends) = (joiner.clone(), this.clone(), theirs, send_old.clone());
        let outer = kind.left_outer();
        let left = self.dsl.operator::<K, Change<V>, K, Change<VR>, _>(
            this,
            vec![self.node],
            other_getter.stores.clone(),
            move |out| TableJoinSide {
                other: other_getter.make(&reader),
                join: j.clone(),
                outer,
                send_old: sends.load(Ordering::Relaxed),
                out,
            },
        );
        let reader = that.clone();
        let swapped: TableJoiner<V2, V, VR> = Arc::new(move |mine, theirs| joiner(theirs, mine));
        let outer = kind.right_outer();
        let right = self.dsl.operator::<K, Change<V2>, K, Change<VR>, _>(
            that,
            vec![other.node],
            mine.stores.clone(),
            move |out| TableJoinSide {
                other: mine.make(&reader),
                join: swapped.clone(),
                outer,
                send_old: send_old.load(Ordering::Relaxed),
                out,
            },
        );
        let merged =
            self.dsl
                .table_operator::<K, Change<VR>, K, VR, _>(merge, vec![left, right], Vec::new(), |out| {
                    PassThrough { out }
                });
        KTable::derived(self.dsl, merged, old, getter)
    }
}

/// An outer joiner: a row while either side has one.
fn outer<V, V2, VR>(
    joiner: impl Fn(Option<&V>, Option<&V2>) -> VR + Send + Sync + 'static,
) -> TableJoiner<V, V2, VR> {
    Arc::new(move |l, r| (l.is_some() || r.is_some()).then(|| joiner(l, r)))
}
