//! Windowed joins of two streams (`join_windowed`, `left_join_windowed`,
//! `outer_join_windowed`): records of equal keys whose timestamps are within the
//! [`JoinWindows`] of each other.

use std::sync::Arc;

use super::KStream;
use crate::dsl::building::Dsl;
use crate::dsl::nulls::{NullCheck, RecordNulls};
use crate::dsl::ops::ArcSerde;
use crate::dsl::ops::stream_join::{JoinFn, JoinSide, JoinWindowNode, StreamStreamJoin, swapped};
use crate::dsl::options::StreamJoined;
use crate::serdes::{BytesSerde, SerdeRef};
use crate::store::window::{KeyLayout, Segmentation};
use crate::store::{Materialized, StoreKind, StoreSpec, ValueLayout};
use crate::window::{JoinWindows, segment_interval};

/// A join store's options: uncached, in `kind`, logged unless not `logged`.
fn store_options<K: 'static, V: 'static>(
    m: Materialized<K, V>,
    kind: Option<StoreKind>,
    logged: bool,
) -> Materialized<K, V> {
    let mut m = m.with_caching_disabled();
    if let Some(kind) = kind {
        m = m.kind(kind);
    }
    if logged { m } else { m.without_logging() }
}

/// Which records of a join are emitted without a partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outer {
    Inner,
    Left,
    Full,
}

impl<'b, K: Clone + 'static, V: Clone + 'static> KStream<'b, K, V> {
    /// Inner join with `other` (Kafka Streams' `join(otherStream, joiner, windows,
    /// streamJoined)`): each pair of records of one key within `windows` of each other
    /// emits `joiner(this value, other value)`, stamped with the later of their
    /// timestamps, whichever side came last.
    ///
    /// ```
    /// use std::time::Duration;
    /// use kstream::prelude::*;
    /// use kstream::{JoinWindows, StreamJoined};
    ///
    /// let builder = StreamsBuilder::new();
    /// let orders = builder.stream("orders", Consumed::with(StringSerde, StringSerde));
    /// let payments = builder.stream("payments", Consumed::with(StringSerde, StringSerde));
    /// orders
    ///     .join_windowed(
    ///         &payments,
    ///         |order: &String, payment: &String| format!("{order} paid by {payment}"),
    ///         JoinWindows::of_time_difference_with_no_grace(Duration::from_secs(60))?,
    ///         StreamJoined::with(StringSerde, StringSerde, StringSerde),
    ///     )
    ///     .to("paid", Produced::with(StringSerde, StringSerde));
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// driver.input_topic("orders", StringSerde, StringSerde).pipe_input_at("o1".into(), "2 books".into(), 1_000)?;
    /// driver.input_topic("payments", StringSerde, StringSerde).pipe_input_at("o1".into(), "card".into(), 30_000)?;
    /// let paid = driver.output_topic("paid", StringSerde, StringSerde).read_key_values()?;
    /// assert_eq!(paid, vec![("o1".to_string(), "2 books paid by card".to_string())]);
    /// # Ok::<(), kstream::Error>(())
    /// ```
    pub fn join_windowed<VO, VR>(
        &self,
        other: &KStream<'b, K, VO>,
        joiner: impl Fn(&V, &VO) -> VR + Send + Sync + 'static,
        windows: JoinWindows,
        joined: StreamJoined<K, V, VO>,
    ) -> KStream<'b, K, VR>
    where
        VO: Clone + 'static,
        VR: Clone + 'static,
    {
        let joiner: JoinFn<K, V, VO, VR> = Arc::new(move |_, v, o| match (v, o) {
            (Some(v), Some(o)) => joiner(v, o),
            _ => unreachable!("an inner join calls its joiner with both values"),
        });
        self.window_join(other, joiner, windows, joined, Outer::Inner)
    }

    /// Left join with `other`: as [`join_windowed`](Self::join_windowed), and each
    /// record of this stream that met no record of `other` emits `joiner(value, None)`
    /// once its window has closed (its time plus the window's `after` and the grace
    /// has passed), stamped with its own timestamp; never before, so that a partner
    /// still to come is not preceded by a result without it.
    pub fn left_join_windowed<VO, VR>(
        &self,
        other: &KStream<'b, K, VO>,
        joiner: impl Fn(&V, Option<&VO>) -> VR + Send + Sync + 'static,
        windows: JoinWindows,
        joined: StreamJoined<K, V, VO>,
    ) -> KStream<'b, K, VR>
    where
        VO: Clone + 'static,
        VR: Clone + 'static,
    {
        let joiner: JoinFn<K, V, VO, VR> = Arc::new(move |_, v, o| match v {
            Some(v) => joiner(v, o),
            None => unreachable!("a left join calls its joiner with a left value"),
        });
        self.window_join(other, joiner, windows, joined, Outer::Left)
    }

    /// Outer join with `other`: as [`left_join_windowed`](Self::left_join_windowed),
    /// for the records of both streams.
    pub fn outer_join_windowed<VO, VR>(
        &self,
        other: &KStream<'b, K, VO>,
        joiner: impl Fn(Option<&V>, Option<&VO>) -> VR + Send + Sync + 'static,
        windows: JoinWindows,
        joined: StreamJoined<K, V, VO>,
    ) -> KStream<'b, K, VR>
    where
        VO: Clone + 'static,
        VR: Clone + 'static,
    {
        let joiner: JoinFn<K, V, VO, VR> = Arc::new(move |_, v, o| joiner(v, o));
        self.window_join(other, joiner, windows, joined, Outer::Full)
    }

    /// This stream, or through a repartition topic named after `prefix` when its key
    /// was changed.
    fn join_input<T: Clone + 'static>(
        stream: &KStream<'b, K, T>,
        prefix: String,
        keys: &SerdeRef<K>,
        values: &SerdeRef<T>,
    ) -> KStream<'b, K, T> {
        if stream.repartition {
            stream.repartitioned_as(&prefix, keys.clone(), values.clone(), false)
        } else {
            *stream
        }
    }

    fn window_join<VO, VR>(
        &self,
        other: &KStream<'b, K, VO>,
        joiner: JoinFn<K, V, VO, VR>,
        windows: JoinWindows,
        joined: StreamJoined<K, V, VO>,
        outer: Outer,
    ) -> KStream<'b, K, VR>
    where
        VO: Clone + 'static,
        VR: Clone + 'static,
    {
        let dsl = self.dsl;
        dsl.same(other.dsl, "join");
        let (keys, values, others) = (
            joined.keys.serde.clone(),
            joined.values.serde.clone(),
            joined.other_values.serde.clone(),
        );
        dsl.learn(&keys);
        dsl.learn(&values);
        dsl.learn(&others);
        let name = joined.name.clone();
        let left_prefix = name
            .as_ref()
            .map_or_else(|| dsl.node_name(self.node), |n| format!("{n}-left"));
        let right_prefix = name
            .as_ref()
            .map_or_else(|| dsl.node_name(other.node), |n| format!("{n}-right"));
        let left = Self::join_input(self, left_prefix, &keys, &values);
        let right = KStream::<'b, K, VO>::join_input(other, right_prefix, &keys, &others);

        // Kafka Streams draws five names in this order, given names or not.
        let fresh: Vec<String> = ["KSTREAM-WINDOWED", "KSTREAM-WINDOWED"]
            .iter()
            .map(|p| dsl.fresh(p))
            .collect();
        let this_prefix = if outer == Outer::Full {
            "KSTREAM-OUTERTHIS"
        } else {
            "KSTREAM-JOINTHIS"
        };
        let other_prefix = if outer == Outer::Inner {
            "KSTREAM-JOINOTHER"
        } else {
            "KSTREAM-OUTEROTHER"
        };
        let (this_fresh, other_fresh, merge_fresh) = (
            dsl.fresh(this_prefix),
            dsl.fresh(other_prefix),
            dsl.fresh("KSTREAM-MERGE"),
        );
        let (this_windowed, other_windowed, this_join, other_join, merge) = match &name {
            Some(n) => (
                format!("{n}-this-windowed"),
                format!("{n}-other-windowed"),
                if outer == Outer::Full {
                    format!("{n}-outer-this-join")
                } else {
                    format!("{n}-this-join")
                },
                if outer == Outer::Inner {
                    format!("{n}-other-join")
                } else {
                    format!("{n}-outer-other-join")
                },
                format!("{n}-merge"),
            ),
            None => (
                fresh[0].clone(),
                fresh[1].clone(),
                this_fresh.clone(),
                other_fresh.clone(),
                merge_fresh,
            ),
        };
        let (this_store, other_store, waiting_store) = match &joined.store_name {
            Some(s) => (
                if outer == Outer::Full {
                    format!("{s}-outer-this-join-store")
                } else {
                    format!("{s}-this-join-store")
                },
                if outer == Outer::Inner {
                    format!("{s}-other-join-store")
                } else {
                    format!("{s}-outer-other-join-store")
                },
                match outer {
                    Outer::Full => format!("{s}-outer-shared-join-store"),
                    _ => format!("{s}-left-shared-join-store"),
                },
            ),
            None => (
                format!("{this_fresh}-store"),
                format!("{other_fresh}-store"),
                format!(
                    "KSTREAM-OUTERSHARED-{}-store",
                    this_fresh.rsplit('-').next().unwrap_or_default()
                ),
            ),
        };
        let waiting_store = (outer != Outer::Inner).then_some(waiting_store);

        let size_ms = windows.before_ms + windows.after_ms;
        let retention_ms = size_ms + windows.grace_ms;
        let segments = Segmentation {
            layout: KeyLayout::Window,
            window_ms: size_ms,
            retention_ms,
            segment_ms: segment_interval(retention_ms),
            duplicates: true,
        };
        let (kind, logged) = (joined.kind, joined.logged);
        let this_m = store_options(
            Materialized::with(ArcSerde(keys.clone()), ArcSerde(values.clone())),
            kind,
            logged,
        );
        dsl.windowed_store(&this_store, &this_m, ValueLayout::Plain, segments);
        let other_m = store_options(
            Materialized::with(ArcSerde(keys.clone()), ArcSerde(others.clone())),
            kind,
            logged,
        );
        dsl.windowed_store(&other_store, &other_m, ValueLayout::Plain, segments);
        if let Some(store) = &waiting_store {
            let m = store_options(Materialized::with(BytesSerde, BytesSerde), kind, logged);
            dsl.declare_store(StoreSpec::of(store, &m, ValueLayout::Plain));
        }

        let join_id = this_join.clone();
        let windowed_node = |name: String, parent: usize, store: &str, side: usize| Windowing {
            name,
            parent,
            store: store.to_owned(),
            join: join_id.clone(),
            side,
            size_ms,
        };
        // Each side's windowed node keeps its records, then its join processor.
        let this_windowed_node =
            windowed_node(this_windowed, left.node, &this_store, 0).add(dsl, &keys, &values);
        let other_windowed_node =
            windowed_node(other_windowed, right.node, &other_store, 1).add(dsl, &keys, &others);
        let side = |processor: &str, side: usize, outer: bool, other_store: &str| JoinSide {
            join: join_id.clone(),
            processor: processor.to_owned(),
            side,
            windows,
            outer,
            other_store: other_store.to_owned(),
            waiting_store: waiting_store.clone(),
        };
        let this_side = side(&this_join, 0, outer != Outer::Inner, &other_store);
        let other_side = side(&other_join, 1, outer == Outer::Full, &this_store);
        let this_join_node = join_node(
            dsl,
            this_side,
            this_windowed_node,
            size_ms,
            &keys,
            &values,
            &others,
            joiner.clone(),
        );
        let other_join_node = join_node(
            dsl,
            other_side,
            other_windowed_node,
            size_ms,
            &keys,
            &others,
            &values,
            swapped(joiner),
        );
        let node = dsl.pass_through::<K, VR>(merge, vec![this_join_node, other_join_node]);
        KStream::new(dsl, node, false)
    }
}

/// One side's windowed node, which keeps the side's records in its window store.
struct Windowing {
    name: String,
    parent: usize,
    store: String,
    join: String,
    side: usize,
    size_ms: i64,
}

impl Windowing {
    /// Adds the node, for records of keys `K` and values `T`.
    fn add<K: Clone + 'static, T: Clone + 'static>(
        self,
        dsl: &Dsl,
        keys: &SerdeRef<K>,
        values: &SerdeRef<T>,
    ) -> usize {
        let (k, v) = (NullCheck::of(keys), NullCheck::of(values));
        let Windowing {
            name,
            parent,
            store,
            join,
            side,
            size_ms,
        } = self;
        let processor = name.clone();
        dsl.operator::<K, T, K, T, _>(name, vec![parent], vec![store.clone()], move |out| {
            JoinWindowNode {
                processor: processor.clone(),
                store: store.clone(),
                size_ms,
                join: join.clone(),
                side,
                nulls: RecordNulls::new(&processor, k.clone(), v.clone()),
                opened: None,
                out,
            }
        })
    }
}

/// Adds the join processor of `side`, under its windowed node `parent`: records of
/// values `T` joined with the other side's `O` by `joiner`.
#[allow(clippy::too_many_arguments)]
fn join_node<K, T, O, VR>(
    dsl: &Dsl,
    side: JoinSide,
    parent: usize,
    size_ms: i64,
    keys: &SerdeRef<K>,
    values: &SerdeRef<T>,
    others: &SerdeRef<O>,
    joiner: JoinFn<K, T, O, VR>,
) -> usize
where
    K: Clone + 'static,
    T: Clone + 'static,
    O: Clone + 'static,
    VR: Clone + 'static,
{
    let mut stores = vec![side.other_store.clone()];
    stores.extend(side.waiting_store.clone());
    let (k, v, vs, os, keys) = (
        NullCheck::of(keys),
        NullCheck::of(values),
        values.clone(),
        others.clone(),
        keys.clone(),
    );
    dsl.operator::<K, T, K, VR, _>(side.processor.clone(), vec![parent], stores, move |out| {
        StreamStreamJoin {
            nulls: RecordNulls::new(&side.processor, k.clone(), v.clone()),
            side: side.clone(),
            keys: keys.clone(),
            this_values: vs.clone(),
            other_values: os.clone(),
            joiner: joiner.clone(),
            size_ms,
            other: None,
            waiting: None,
            out,
        }
    })
}
