//! [`DriverCommit`]: when a [`TopologyTestDriver`](super::TopologyTestDriver) commits.

/// When a [`TopologyTestDriver`](super::TopologyTestDriver) commits its tasks. A commit
/// flushes every store's write cache (the pending writes go to the store and to its
/// changelog) and processes whatever that writes to a topic the topology reads.
///
/// Kafka Streams' own driver commits after every record, so its caches never hold the
/// updates of more than one record; a stream thread commits every `commit.interval.ms`,
/// when a store's cache fills up, and when it closes. [`DriverCommit::Manual`] runs the
/// topology as such a thread between two commits: the test decides when they happen.
///
/// ```
/// use kstream::{
///     Consumed, DriverCommit, I64Serde, Materialized, OptionSerde, Produced, StreamsBuilder,
///     StreamsConfig, StringSerde, TopologyTestDriver,
/// };
/// let builder = StreamsBuilder::new();
/// builder
///     .stream("in", Consumed::with(StringSerde, StringSerde))
///     .group_by_key(kstream::Grouped::with(StringSerde, StringSerde))
///     .count(Materialized::with(StringSerde, I64Serde).named("counts"))
///     .to_stream()
///     .to("out", Produced::with(StringSerde, OptionSerde(I64Serde)));
/// let config = StreamsConfig::new("counting");
/// let driver =
///     TopologyTestDriver::with_commit(builder.build().unwrap(), &config, DriverCommit::Manual)
///         .unwrap();
/// let input = driver.input_topic("in", StringSerde, StringSerde);
/// input.pipe_input_at("a".to_string(), "x".to_string(), 1_000).unwrap();
/// input.pipe_input_at("a".to_string(), "y".to_string(), 2_000).unwrap();
/// let changelog = kstream::changelog_topic(kstream::TEST_APPLICATION_ID, "counts");
/// // Nothing committed yet: the changelog has no record of the count.
/// assert!(driver.read_raw(&changelog).is_empty());
/// driver.commit().unwrap();
/// // One record for the two updates of `a`.
/// assert_eq!(driver.read_raw(&changelog).len(), 1);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum DriverCommit {
    /// After every record piped in (once everything it causes is processed) and after
    /// every wall-clock advance, as Kafka Streams' `TopologyTestDriver` does. The
    /// default.
    #[default]
    AfterEachRecord,
    /// When the test calls [`TopologyTestDriver::commit`](super::TopologyTestDriver::commit),
    /// as a stream thread under a long `commit.interval.ms` commits when it closes; and,
    /// as a stream thread does, after a record that leaves more than
    /// `statestore.cache.max.records` keys in a store's cache.
    Manual,
}
