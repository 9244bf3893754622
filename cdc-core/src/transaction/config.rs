//! How an assembler is set up: the source's kind, the memory bound, the dedup memory.

/// The kind of source whose events an assembler takes: it decides what groups events
/// into transactions and what orders transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransactionSource {
    /// Debezium's PostgreSQL connector: transaction ids are `<txId>:<LSN>` with the LSN
    /// of each event, so events group by the `<txId>` part; transactions come in the
    /// order of their `END` events.
    DebeziumPostgres,
    /// Any other Debezium connector (MySQL, MariaDB, SQL Server ...): events group by
    /// their transaction id; transactions come in the order of their `END` events.
    Debezium,
    /// Qlik Replicate: events group by `transactionId`; a transaction is complete with
    /// its last event (`transactionLastEvent`) and as many events as its counter says;
    /// transactions come in `changeSequence` order.
    Replicate,
}

impl TransactionSource {
    /// What events of transaction `id` are grouped by.
    pub fn transaction_key(self, id: &str) -> &str {
        match self {
            TransactionSource::DebeziumPostgres => id.split_once(':').map_or(id, |(tx, _)| tx),
            TransactionSource::Debezium | TransactionSource::Replicate => id,
        }
    }

    /// The commit LSN in a PostgreSQL transaction id (`<txId>:<LSN>`): for an `END`,
    /// the LSN of the commit, which orders `END`s as they were written.
    pub(crate) fn end_lsn(self, id: &str) -> Option<i64> {
        match self {
            TransactionSource::DebeziumPostgres => id.split_once(':')?.1.parse().ok(),
            TransactionSource::Debezium | TransactionSource::Replicate => None,
        }
    }

    /// Whether transactions are ordered by Debezium's `END` events.
    pub(crate) fn ends_order(self) -> bool {
        !matches!(self, TransactionSource::Replicate)
    }
}

/// An assembler's settings: the source, the bound on what it holds, and how many
/// emitted transactions it remembers to recognise duplicates by.
///
/// ```
/// use cdc_core::transaction::{AssemblerConfig, TransactionSource};
/// let config = AssemblerConfig::new(TransactionSource::DebeziumPostgres)
///     .max_events(Some(10_000))
///     .max_bytes(Some(64 << 20));
/// assert_eq!(config.remembered(), 1024);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssemblerConfig {
    pub(crate) source: TransactionSource,
    pub(crate) max_events: Option<usize>,
    pub(crate) max_bytes: Option<usize>,
    pub(crate) remembered: usize,
}

impl AssemblerConfig {
    /// The default bound on held change events.
    pub const DEFAULT_MAX_EVENTS: usize = 100_000;
    /// How many emitted transactions are remembered by default.
    pub const DEFAULT_REMEMBERED: usize = 1024;

    /// Settings for `source`: at most [`DEFAULT_MAX_EVENTS`](Self::DEFAULT_MAX_EVENTS)
    /// held events, no bound in bytes, [`DEFAULT_REMEMBERED`](Self::DEFAULT_REMEMBERED)
    /// emitted transactions remembered.
    pub fn new(source: TransactionSource) -> Self {
        Self {
            source,
            max_events: Some(Self::DEFAULT_MAX_EVENTS),
            max_bytes: None,
            remembered: Self::DEFAULT_REMEMBERED,
        }
    }

    /// The most change events held at once (`None`: no bound). Past it, the
    /// transaction holding the most events is emitted as a chunk.
    pub fn max_events(mut self, max: Option<usize>) -> Self {
        self.max_events = max;
        self
    }

    /// The most bytes of change events held at once, as given by
    /// [`EventInfo::bytes`](super::EventInfo::bytes) (`None`: no bound).
    pub fn max_bytes(mut self, max: Option<usize>) -> Self {
        self.max_bytes = max;
        self
    }

    /// How many emitted transactions (and single events) are remembered, so that their
    /// duplicates are recognised.
    pub fn remember(mut self, transactions: usize) -> Self {
        self.remembered = transactions;
        self
    }

    /// The source kind.
    pub fn source(&self) -> TransactionSource {
        self.source
    }

    /// The bound on held events.
    pub fn held_events_bound(&self) -> Option<usize> {
        self.max_events
    }

    /// The bound on held bytes.
    pub fn held_bytes_bound(&self) -> Option<usize> {
        self.max_bytes
    }

    /// How many emitted transactions are remembered.
    pub fn remembered(&self) -> usize {
        self.remembered
    }
}
