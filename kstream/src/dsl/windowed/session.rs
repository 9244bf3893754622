//! [`SessionWindowedKStream`]: a grouped stream cut into sessions.

use std::sync::Arc;

use super::{Options, StoreShape, add_windowed};
use crate::dsl::grouped_stream::KGroupedStream;
use crate::dsl::ktable::{KTable, OldValues};
use crate::dsl::ops::windowed::{SessionAggregate, SessionGetter, SessionMerger};
use crate::dsl::ops::{AggregateStep, Getter};
use crate::store::window::KeyLayout;
use crate::store::{Materialized, ValueLayout};
use crate::window::{EmitStrategy, LateRecord, SessionWindows, Windowed};

/// A grouped stream cut into sessions (Kafka Streams' `SessionWindowedKStream`), made
/// by [`KGroupedStream::windowed_by_session`]. Its aggregations give a table keyed by
/// [`Windowed`] key whose window is the session, kept in a session store (logged in
/// Kafka's session key layout). When a record merges sessions, each merged session is
/// deleted from the table (a tombstone downstream) and the merged one emitted.
///
/// ```
/// use std::time::Duration;
/// use kstream::prelude::*;
/// use kstream::{SessionWindows, Windowed};
///
/// let builder = StreamsBuilder::new();
/// builder
///     .stream("clicks", Consumed::with(StringSerde, StringSerde))
///     .group_by_key(Grouped::with(StringSerde, StringSerde))
///     .windowed_by_session(SessionWindows::of_inactivity_gap_with_no_grace(Duration::from_secs(30))?)
///     .count(Materialized::with(StringSerde, I64Serde).named("visits"))
///     .to_stream()
///     .map(|k: Windowed<String>, n| (Some(format!("{}@{}/{}", k.key, k.window.start, k.window.end)), n.unwrap_or(-1)))
///     .to("visits", Produced::with(StringSerde, I64Serde));
/// let driver = TopologyTestDriver::new(builder.build()?)?;
/// let clicks = driver.input_topic("clicks", StringSerde, StringSerde);
/// clicks.pipe_input_at("alice".into(), "/".into(), 1_000)?;
/// clicks.pipe_input_at("alice".into(), "/docs".into(), 20_000)?;
/// let out = driver.output_topic("visits", StringSerde, I64Serde).read_key_values()?;
/// // The first session, then its deletion as it merges into the longer one.
/// assert_eq!(out, vec![
///     ("alice@1000/1000".to_string(), 1),
///     ("alice@1000/1000".to_string(), -1),
///     ("alice@1000/20000".to_string(), 2),
/// ]);
/// # Ok::<(), kstream::Error>(())
/// ```
pub struct SessionWindowedKStream<'b, K, V> {
    grouped: KGroupedStream<'b, K, V>,
    windows: SessionWindows,
    options: Options,
}

impl<'b, K: Clone + 'static, V: Clone + 'static> KGroupedStream<'b, K, V> {
    /// Cuts the stream into sessions.
    pub fn windowed_by_session(&self, windows: SessionWindows) -> SessionWindowedKStream<'b, K, V> {
        SessionWindowedKStream {
            grouped: self.clone(),
            windows,
            options: Options::default(),
        }
    }
}

impl<K, V> std::fmt::Debug for SessionWindowedKStream<'_, K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionWindowedKStream")
            .field("windows", &self.windows)
            .field("emit", &self.options.emit)
            .finish()
    }
}

impl<'b, K: Clone + 'static, V: Clone + 'static> SessionWindowedKStream<'b, K, V> {
    /// When the aggregation emits: each update (the default), or each session once,
    /// when it closes.
    pub fn emit_strategy(mut self, emit: EmitStrategy) -> Self {
        self.options.emit = emit;
        self
    }

    /// Hands every record dropped as late to `callback`, besides counting it.
    pub fn on_late_record(mut self, callback: impl Fn(&LateRecord) + Send + Sync + 'static) -> Self {
        self.options.late = Some(Arc::new(callback));
        self
    }

    /// The number of records per key and session.
    pub fn count(&self, m: Materialized<K, i64>) -> KTable<'b, Windowed<K>, i64> {
        // Kafka Streams burns one store name more for a session count with an unnamed
        // store.
        if m.name.is_none() {
            self.grouped.stream.dsl.store_name("KSTREAM-AGGREGATE");
        }
        let step: AggregateStep<K, V, i64> = Arc::new(|_, _, n| n.unwrap_or(0) + 1);
        self.aggregate_node(
            m,
            "KSTREAM-AGGREGATE",
            step,
            Some(Arc::new(|| 0)),
            Arc::new(|_, a, b| a + b),
        )
    }

    /// Combines the values per key and session with `reducer(aggregate, value)`; merged
    /// sessions are combined with it too.
    pub fn reduce(
        &self,
        reducer: impl Fn(V, V) -> V + Send + Sync + 'static,
        m: Materialized<K, V>,
    ) -> KTable<'b, Windowed<K>, V> {
        let reducer = Arc::new(reducer);
        let merge = reducer.clone();
        let step: AggregateStep<K, V, V> = Arc::new(move |_, v, old| match old {
            Some(agg) => reducer(agg, v),
            None => v,
        });
        self.aggregate_node(
            m,
            "KSTREAM-REDUCE",
            step,
            None,
            Arc::new(move |_, a, b| merge(a, b)),
        )
    }

    /// Folds the values per key and session into an aggregate starting from `init()`;
    /// when a record merges sessions, `merger(key, aggregate, other)` combines their
    /// aggregates, oldest session first.
    pub fn aggregate<A: Clone + 'static>(
        &self,
        init: impl Fn() -> A + Send + Sync + 'static,
        aggregator: impl Fn(&K, V, A) -> A + Send + Sync + 'static,
        merger: impl Fn(&K, A, A) -> A + Send + Sync + 'static,
        m: Materialized<K, A>,
    ) -> KTable<'b, Windowed<K>, A> {
        let init = Arc::new(init);
        let first = init.clone();
        let step: AggregateStep<K, V, A> =
            Arc::new(move |k, v, old| aggregator(k, v, old.unwrap_or_else(|| first())));
        self.aggregate_node(m, "KSTREAM-AGGREGATE", step, Some(init), Arc::new(merger))
    }

    fn aggregate_node<A: Clone + 'static>(
        &self,
        m: Materialized<K, A>,
        prefix: &str,
        step: AggregateStep<K, V, A>,
        initial: Option<Arc<dyn Fn() -> A + Send + Sync>>,
        merger: SessionMerger<K, A>,
    ) -> KTable<'b, Windowed<K>, A> {
        let dsl = self.grouped.stream.dsl;
        let close_ms = self.windows.grace_ms.saturating_add(self.windows.gap_ms);
        let shape = StoreShape {
            layout: KeyLayout::Session,
            values: ValueLayout::Plain,
            window_ms: 0,
            minimum_retention: close_ms,
            close_ms,
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
            move |parts, out| SessionAggregate::new(parts, windows, merger.clone(), out),
        );
        let windowed_keys: crate::serdes::SerdeRef<Windowed<K>> = Arc::new(
            crate::window::SessionWindowedSerde::new(crate::dsl::ops::ArcSerde(self.grouped.keys.clone())),
        );
        dsl.set_table_serdes(node, windowed_keys, m.values.clone());
        let getter = Getter::custom(&store.clone(), move |processor| {
            Box::new(SessionGetter {
                store: store.clone(),
                processor: processor.to_owned(),
                opened: None,
            })
        });
        KTable::derived(dsl, node, OldValues::stored(), getter)
    }
}
