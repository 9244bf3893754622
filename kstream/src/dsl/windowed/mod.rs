//! Windowed aggregations of a grouped stream: [`TimeWindowedKStream`] (tumbling,
//! hopping and sliding windows) and [`SessionWindowedKStream`], each folding the
//! records of a key and window into a table of [`Windowed`] keys.

mod session;

use std::sync::Arc;

pub use session::SessionWindowedKStream;

use super::grouped_stream::KGroupedStream;
use super::ktable::{KTable, OldValues};
use super::nulls::{NullCheck, RecordNulls};
use super::ops::windowed::{SlidingAggregate, TimeAggregate, WindowGetter, WindowedParts};
use super::ops::{AggregateStep, Change, Emitter, Getter};
use crate::store::window::{KeyLayout, Segmentation};
use crate::store::{Materialized, ValueLayout};
use crate::window::{
    EmitStrategy, LateRecord, LateRecords, SlidingWindows, TimeWindows, Windowed, retention, segment_interval,
};

/// Which windows a [`TimeWindowedKStream`] aggregates in.
#[derive(Debug, Clone, Copy)]
enum Windows {
    Time(TimeWindows),
    Sliding(SlidingWindows),
}

impl Windows {
    /// The windows' size and grace, in milliseconds.
    fn size_and_grace(self) -> (i64, i64) {
        match self {
            Windows::Time(w) => (w.size_ms, w.grace_ms),
            Windows::Sliding(w) => (w.difference_ms, w.grace_ms),
        }
    }

    /// The shortest retention the store may have: what the aggregation reads back.
    fn minimum_retention(self) -> i64 {
        match self {
            Windows::Time(w) => w.size_ms.saturating_add(w.grace_ms),
            Windows::Sliding(w) => w.difference_ms.saturating_mul(2).saturating_add(w.grace_ms),
        }
    }
}

/// How a windowed aggregation's store is kept and when its windows close.
struct StoreShape {
    layout: KeyLayout,
    values: ValueLayout,
    /// The windows' size (0 for sessions).
    window_ms: i64,
    /// The shortest retention the store may have.
    minimum_retention: i64,
    /// How long after a window's end it closes (what `until_window_closes` waits).
    close_ms: i64,
}

/// Adds a windowed aggregation of `grouped` into the store of `m` shaped as `shape`:
/// its store (named after `prefix` when `m` has no name), its processor, made per task
/// by `make` from the parts every windowed node has, and what suppression downstream
/// needs to know of it. Returns the store's name and the node.
#[allow(clippy::too_many_arguments)]
fn add_windowed<K, V, A, N>(
    grouped: &KGroupedStream<'_, K, V>,
    m: &Materialized<K, A>,
    prefix: &str,
    shape: StoreShape,
    options: &Options,
    step: AggregateStep<K, V, A>,
    initial: Option<Arc<dyn Fn() -> A + Send + Sync>>,
    make: impl Fn(WindowedParts<K, V, A>, Emitter<Windowed<K>, A>) -> N + Send + Sync + 'static,
) -> (String, usize)
where
    K: Clone + 'static,
    V: Clone + 'static,
    A: Clone + 'static,
    N: crate::processor::Node<K, V> + 'static,
{
    let dsl = grouped.stream.dsl;
    let store = m.name.clone().unwrap_or_else(|| dsl.store_name(prefix));
    let name = grouped.stream.name_of(None, prefix);
    let input = grouped.partitioned(&store);
    let minimum = shape.minimum_retention;
    let retention_ms = retention(&store, m.retention, minimum).unwrap_or_else(|e| {
        dsl.fail(e.to_string());
        minimum
    });
    let segments = Segmentation {
        layout: shape.layout,
        window_ms: shape.window_ms,
        retention_ms,
        segment_ms: segment_interval(retention_ms),
        duplicates: false,
    };
    let store = dsl.windowed_store(&store, m, shape.values, segments);
    let (keys, values) = (NullCheck::of(&grouped.keys), NullCheck::of(&grouped.values));
    let options = options.clone();
    let (store_name, processor) = (store.clone(), name.clone());
    let node = dsl.operator::<K, V, Windowed<K>, Change<A>, _>(
        name,
        vec![input.node],
        vec![store.clone()],
        move |out| {
            let parts = WindowedParts {
                processor: processor.clone(),
                store: store_name.clone(),
                nulls: RecordNulls::new(&processor, keys.clone(), values.clone()),
                step: step.clone(),
                initial: initial.clone(),
                emit: options.emit,
                late: options.late.clone(),
                next_emit: 0,
            };
            make(parts, Emitter::new(out, true))
        },
    );
    dsl.set_window_close(node, shape.close_ms);
    (store, node)
}

/// The options every windowed stream carries to its aggregation.
#[derive(Clone, Default)]
struct Options {
    emit: EmitStrategy,
    late: Option<LateRecords>,
}

/// A grouped stream cut into time windows (Kafka Streams' `TimeWindowedKStream`), made
/// by [`KGroupedStream::windowed_by`] (tumbling or hopping [`TimeWindows`]) or
/// [`KGroupedStream::windowed_by_sliding`] ([`SlidingWindows`]). Its aggregations give
/// a table keyed by [`Windowed`] key, kept in a window store (in memory or RocksDB,
/// logged to `<application.id>-<store>-changelog` in Kafka's windowed key layout).
///
/// ```
/// use std::time::Duration;
/// use kstream::prelude::*;
/// use kstream::{TimeWindows, Windowed};
///
/// let builder = StreamsBuilder::new();
/// builder
///     .stream("clicks", Consumed::with(StringSerde, StringSerde))
///     .group_by_key(Grouped::with(StringSerde, StringSerde))
///     .windowed_by(TimeWindows::of_size_and_grace(Duration::from_secs(60), Duration::from_secs(10))?)
///     .count(Materialized::with(StringSerde, I64Serde).named("clicks-per-minute"))
///     .to_stream()
///     .map(|k: Windowed<String>, n| (Some(format!("{}@{}", k.key, k.window.start)), n.unwrap_or(0)))
///     .to("clicks-per-minute", Produced::with(StringSerde, I64Serde));
/// let driver = TopologyTestDriver::new(builder.build()?)?;
/// let clicks = driver.input_topic("clicks", StringSerde, StringSerde);
/// clicks.pipe_input_at("alice".into(), "/".into(), 61_000)?;
/// clicks.pipe_input_at("alice".into(), "/docs".into(), 65_000)?;
/// let out = driver.output_topic("clicks-per-minute", StringSerde, I64Serde).read_key_values()?;
/// assert_eq!(out, vec![("alice@60000".to_string(), 1), ("alice@60000".to_string(), 2)]);
/// # Ok::<(), kstream::Error>(())
/// ```
pub struct TimeWindowedKStream<'b, K, V> {
    grouped: KGroupedStream<'b, K, V>,
    windows: Windows,
    options: Options,
}

impl<'b, K: Clone + 'static, V: Clone + 'static> KGroupedStream<'b, K, V> {
    /// Cuts the stream into tumbling or hopping time windows.
    pub fn windowed_by(&self, windows: TimeWindows) -> TimeWindowedKStream<'b, K, V> {
        TimeWindowedKStream {
            grouped: self.clone(),
            windows: Windows::Time(windows),
            options: Options::default(),
        }
    }

    /// Cuts the stream into sliding windows.
    pub fn windowed_by_sliding(&self, windows: SlidingWindows) -> TimeWindowedKStream<'b, K, V> {
        TimeWindowedKStream {
            grouped: self.clone(),
            windows: Windows::Sliding(windows),
            options: Options::default(),
        }
    }
}

impl<K, V> std::fmt::Debug for TimeWindowedKStream<'_, K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TimeWindowedKStream")
            .field("windows", &self.windows)
            .field("emit", &self.options.emit)
            .finish()
    }
}

impl<'b, K: Clone + 'static, V: Clone + 'static> TimeWindowedKStream<'b, K, V> {
    /// When the aggregation emits: each update (the default), or each window once, when
    /// it closes.
    pub fn emit_strategy(mut self, emit: EmitStrategy) -> Self {
        self.options.emit = emit;
        self
    }

    /// Hands every record dropped as late (after its windows' grace) to `callback`,
    /// besides counting it in `kstream_skipped_records_total{reason="late"}`.
    pub fn on_late_record(mut self, callback: impl Fn(&LateRecord) + Send + Sync + 'static) -> Self {
        self.options.late = Some(Arc::new(callback));
        self
    }

    /// The number of records per key and window.
    pub fn count(&self, m: Materialized<K, i64>) -> KTable<'b, Windowed<K>, i64> {
        // Kafka Streams burns one store name more for a time-windowed count with an
        // unnamed store (not for a sliding one).
        if m.name.is_none() && matches!(self.windows, Windows::Time(_)) {
            self.grouped.stream.dsl.store_name("KSTREAM-AGGREGATE");
        }
        self.aggregate_node(
            m,
            "KSTREAM-AGGREGATE",
            Arc::new(|_, _, n: Option<i64>| n.unwrap_or(0) + 1),
            Some(Arc::new(|| 0)),
        )
    }

    /// Combines the values per key and window with `reducer(aggregate, value)`.
    pub fn reduce(
        &self,
        reducer: impl Fn(V, V) -> V + Send + Sync + 'static,
        m: Materialized<K, V>,
    ) -> KTable<'b, Windowed<K>, V> {
        let step: AggregateStep<K, V, V> = Arc::new(move |_, v, old| match old {
            Some(agg) => reducer(agg, v),
            None => v,
        });
        self.aggregate_node(m, "KSTREAM-REDUCE", step, None)
    }

    /// Folds the values per key and window into an aggregate starting from `init()`.
    pub fn aggregate<A: Clone + 'static>(
        &self,
        init: impl Fn() -> A + Send + Sync + 'static,
        aggregator: impl Fn(&K, V, A) -> A + Send + Sync + 'static,
        m: Materialized<K, A>,
    ) -> KTable<'b, Windowed<K>, A> {
        let init = Arc::new(init);
        let first = init.clone();
        let step: AggregateStep<K, V, A> =
            Arc::new(move |k, v, old| aggregator(k, v, old.unwrap_or_else(|| first())));
        self.aggregate_node(m, "KSTREAM-AGGREGATE", step, Some(init))
    }

    fn aggregate_node<A: Clone + 'static>(
        &self,
        m: Materialized<K, A>,
        prefix: &str,
        step: AggregateStep<K, V, A>,
        initial: Option<Arc<dyn Fn() -> A + Send + Sync>>,
    ) -> KTable<'b, Windowed<K>, A> {
        let dsl = self.grouped.stream.dsl;
        let (size_ms, grace_ms) = self.windows.size_and_grace();
        let shape = StoreShape {
            layout: KeyLayout::Window,
            values: ValueLayout::Timestamped,
            window_ms: size_ms,
            minimum_retention: self.windows.minimum_retention(),
            close_ms: grace_ms,
        };
        let windows = self.windows;
        let (store, node) = add_windowed(
            &self.grouped,
            &m,
            prefix,
            shape,
            &self.options,
            step,
            initial,
            move |parts, out| match windows {
                Windows::Time(w) => {
                    Box::new(TimeAggregate::new(parts, w, out)) as Box<dyn crate::processor::Node<K, V>>
                }
                Windows::Sliding(w) => Box::new(SlidingAggregate::new(parts, w, out)),
            },
        );
        let windowed_keys: crate::serdes::SerdeRef<Windowed<K>> =
            Arc::new(crate::window::TimeWindowedSerde::new(
                crate::dsl::ops::ArcSerde(self.grouped.keys.clone()),
                std::time::Duration::from_millis(size_ms as u64),
            ));
        dsl.set_table_serdes(node, windowed_keys, m.values.clone());
        let getter = Getter::custom(&store.clone(), move |processor| {
            Box::new(WindowGetter {
                store: store.clone(),
                processor: processor.to_owned(),
                size_ms,
                opened: None,
            })
        });
        KTable::derived(dsl, node, OldValues::stored(), getter)
    }
}
