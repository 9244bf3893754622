//! [`CogroupedKStream`]: several grouped streams aggregated into one table (Kafka
//! Streams' `cogroup`). Each input keeps its own aggregator; all of them fold into one
//! store, so one aggregate per key sees the records of every input.

use std::fmt;
use std::sync::Arc;

use super::building::Dsl;
use super::grouped_stream::KGroupedStream;
use super::ktable::KTable;
use super::nulls::{NullCheck, RecordNulls};
use super::ops::{Aggregate, AggregateStep, Change, Emitter, StoreSlot, TableAggregator};
use super::options::Named;
use crate::store::Materialized;

/// An input of a cogroup: a grouped stream with its aggregator, its value type erased.
trait CogroupInput<K, A> {
    /// The node the input's aggregator reads: the grouped stream, repartitioned first
    /// (through `<Grouped name or store>-repartition`) when its key was changed.
    fn partitioned(&self, store: &str) -> usize;
    /// Adds the input's aggregating processor `name` under `parent`, folding into
    /// `store`.
    fn aggregate(
        &self,
        name: String,
        parent: usize,
        store: &str,
        init: Arc<dyn Fn() -> A + Send + Sync>,
    ) -> usize;
}

/// A grouped stream of values `V` and the aggregator folding them into `A`.
struct Input<'b, K, V, A> {
    grouped: KGroupedStream<'b, K, V>,
    aggregator: TableAggregator<K, V, A>,
}

impl<K: Clone + 'static, V: Clone + 'static, A: Clone + 'static> CogroupInput<K, A> for Input<'_, K, V, A> {
    fn partitioned(&self, store: &str) -> usize {
        self.grouped.partitioned(store).node
    }

    fn aggregate(
        &self,
        name: String,
        parent: usize,
        store: &str,
        init: Arc<dyn Fn() -> A + Send + Sync>,
    ) -> usize {
        let aggregator = self.aggregator.clone();
        let step: AggregateStep<K, V, A> =
            Arc::new(move |k, v, old: Option<A>| aggregator(k, v, old.unwrap_or_else(|| init())));
        let slot = (store.to_owned(), name.clone());
        // A record with a null key or value is skipped, as by every stream aggregation.
        let (keys, values) = (
            NullCheck::of(&self.grouped.keys),
            NullCheck::of(&self.grouped.values),
        );
        self.grouped.stream.dsl.operator::<K, V, K, Change<A>, _>(
            name,
            vec![parent],
            vec![store.to_owned()],
            move |out| Aggregate {
                nulls: RecordNulls::new(&slot.1, keys.clone(), values.clone()),
                store: StoreSlot::new(&slot.0, &slot.1),
                step: step.clone(),
                out: Emitter::new(out, true),
            },
        )
    }
}

/// Grouped streams aggregated together (Kafka Streams' `CogroupedKStream`), made by
/// [`KGroupedStream::cogroup`]: add inputs with [`cogroup`](Self::cogroup), then
/// [`aggregate`](Self::aggregate) them into one table. Each record of an input updates
/// its key's aggregate through that input's aggregator; the aggregate starts from
/// `init()`.
///
/// ```
/// use kstream::prelude::*;
/// let builder = StreamsBuilder::new();
/// let clicks = builder
///     .stream("clicks", Consumed::with(StringSerde, StringSerde))
///     .group_by_key(Grouped::with(StringSerde, StringSerde));
/// let buys = builder
///     .stream("buys", Consumed::with(StringSerde, I64Serde))
///     .group_by_key(Grouped::with(StringSerde, I64Serde));
/// let summary = Materialized::with(StringSerde, StringSerde).named("summary");
/// let handle = summary.handle();
/// clicks
///     .cogroup(|_, page: String, agg: String| format!("{agg} click:{page}"))
///     .cogroup(&buys, |_, cents: i64, agg: String| format!("{agg} buy:{cents}"))
///     .aggregate(String::new, summary);
/// let driver = TopologyTestDriver::new(builder.build()?)?;
/// driver.input_topic("clicks", StringSerde, StringSerde).pipe_input("ann".into(), "home".into())?;
/// driver.input_topic("buys", StringSerde, I64Serde).pipe_input("ann".into(), 250)?;
/// let summaries = driver.store(&handle)?;
/// assert_eq!(summaries.get(&"ann".to_string())?, Some(" click:home buy:250".to_string()));
/// # Ok::<(), kstream::Error>(())
/// ```
pub struct CogroupedKStream<'b, K, A> {
    dsl: &'b Dsl,
    inputs: Vec<Box<dyn CogroupInput<K, A> + 'b>>,
}

impl<K, A> fmt::Debug for CogroupedKStream<'_, K, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CogroupedKStream")
            .field("inputs", &self.inputs.len())
            .finish()
    }
}

impl<'b, K: Clone + 'static, A: Clone + 'static> CogroupedKStream<'b, K, A> {
    /// Cogroups `grouped` with its aggregator.
    pub(crate) fn first<V: Clone + 'static>(
        grouped: &KGroupedStream<'b, K, V>,
        aggregator: impl Fn(&K, V, A) -> A + Send + Sync + 'static,
    ) -> Self {
        Self {
            dsl: grouped.stream.dsl,
            inputs: Vec::new(),
        }
        .cogroup(grouped, aggregator)
    }

    /// Adds another grouped stream (of any value type) with the aggregator that folds
    /// its values into the aggregate. The streams must be co-partitioned (one key, one
    /// task), as for a join.
    pub fn cogroup<V: Clone + 'static>(
        mut self,
        grouped: &KGroupedStream<'b, K, V>,
        aggregator: impl Fn(&K, V, A) -> A + Send + Sync + 'static,
    ) -> Self {
        self.dsl.same(grouped.stream.dsl, "cogroup");
        self.inputs.push(Box::new(Input {
            grouped: grouped.clone(),
            aggregator: Arc::new(aggregator),
        }));
        self
    }

    /// Aggregates every input into one store of `m`, starting each key from `init()`.
    pub fn aggregate(
        &self,
        init: impl Fn() -> A + Send + Sync + 'static,
        m: Materialized<K, A>,
    ) -> KTable<'b, K, A> {
        self.aggregate_step(init, m, None)
    }

    /// [`aggregate`](Self::aggregate), naming the processors: `<name>-cogroup-agg-<i>`
    /// for the `i`-th input's, `<name>-cogroup-merge` for the one merging them.
    pub fn aggregate_with(
        &self,
        init: impl Fn() -> A + Send + Sync + 'static,
        m: Materialized<K, A>,
        named: Named,
    ) -> KTable<'b, K, A> {
        self.aggregate_step(init, m, Some(named))
    }

    fn aggregate_step(
        &self,
        init: impl Fn() -> A + Send + Sync + 'static,
        m: Materialized<K, A>,
        named: Option<Named>,
    ) -> KTable<'b, K, A> {
        let dsl = self.dsl;
        let store = m
            .name
            .clone()
            .unwrap_or_else(|| dsl.store_name("COGROUPKSTREAM-AGGREGATE"));
        // As Kafka Streams: every input's repartition first, then the aggregating
        // processors, then the merge.
        let parents: Vec<usize> = self.inputs.iter().map(|i| i.partitioned(&store)).collect();
        let store = dsl.store_named(&store, &m);
        let named = named.map(Named::into_string);
        let init: Arc<dyn Fn() -> A + Send + Sync> = Arc::new(init);
        let aggregates: Vec<usize> = self
            .inputs
            .iter()
            .zip(parents)
            .enumerate()
            .map(|(i, (input, parent))| {
                let name = dsl.suffixed(
                    named.as_deref(),
                    &format!("-cogroup-agg-{i}"),
                    "COGROUPKSTREAM-AGGREGATE",
                );
                input.aggregate(name, parent, &store, init.clone())
            })
            .collect();
        let merge = dsl.suffixed(named.as_deref(), "-cogroup-merge", "COGROUPKSTREAM-MERGE");
        let node = dsl.pass_through::<K, Change<A>>(merge, aggregates);
        KTable::stored(dsl, node, store)
    }
}
