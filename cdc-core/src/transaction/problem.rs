//! What makes input inconsistent for the assembler.

/// Why the [`TransactionAssembler`](super::TransactionAssembler) refused an input, in
/// [`Error::Transaction`](crate::Error::Transaction) with the transaction's id. A
/// refused input leaves the assembler as it was.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransactionProblem {
    /// An `END` counts fewer events than the assembler already took for the
    /// transaction.
    EndBelowSeen {
        /// The `END`'s `event_count`.
        event_count: u64,
        /// The distinct events taken.
        seen: u64,
    },
    /// A new event for a transaction whose `END` count is already reached: an event
    /// for an ended transaction.
    EventAfterEnd {
        /// The `END`'s `event_count`.
        event_count: u64,
    },
    /// An event whose place in the transaction (`total_order`) is past the `END` count.
    OrderBeyondCount {
        /// The event's `total_order`.
        order: i64,
        /// The `END`'s `event_count`.
        event_count: u64,
    },
    /// More events of one table than the `END` counts for it.
    CollectionBeyondCount {
        /// The table.
        data_collection: String,
        /// The `END`'s count for it.
        event_count: u64,
    },
    /// An event of a table the `END` does not list.
    CollectionNotInEnd {
        /// The table.
        data_collection: String,
    },
    /// An `END` whose per-table counts do not add up to its `event_count`.
    EndCountsDisagree {
        /// `event_count`.
        event_count: u64,
        /// The sum of `data_collections`' counts.
        sum: u64,
    },
    /// A second `END` for the transaction with other counts (in all, or per table).
    ConflictingEnd {
        /// The first `END`'s `event_count`.
        first: u64,
        /// This one's.
        second: u64,
    },
    /// Two different events (by position) claim one place in the transaction.
    ConflictingOrder {
        /// The place (`total_order`).
        order: i64,
    },
    /// A Replicate event after the transaction's last one (`transactionLastEvent`), or
    /// whose counter is past it.
    EventAfterLast {
        /// The last event's `transactionEventCounter`, when it had one.
        last: Option<i64>,
    },
    /// Two different Replicate events claim to be the transaction's last.
    ConflictingLast,
    /// A transaction event with neither a source position nor a place in its
    /// transaction: nothing tells it from a duplicate.
    NoPosition,
    /// A Debezium transaction metadata event given to an assembler of Replicate events.
    UnexpectedMetadata,
}

impl std::fmt::Display for TransactionProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransactionProblem::EndBelowSeen { event_count, seen } => {
                write!(f, "END counts {event_count} events, but {seen} were already seen")
            }
            TransactionProblem::EventAfterEnd { event_count } => {
                write!(f, "an event past the END's count of {event_count}")
            }
            TransactionProblem::OrderBeyondCount { order, event_count } => {
                write!(f, "total_order {order} is past the END's count of {event_count}")
            }
            TransactionProblem::CollectionBeyondCount {
                data_collection,
                event_count,
            } => write!(
                f,
                "more events of `{data_collection}` than the END's {event_count}"
            ),
            TransactionProblem::CollectionNotInEnd { data_collection } => {
                write!(f, "an event of `{data_collection}`, which the END does not list")
            }
            TransactionProblem::EndCountsDisagree { event_count, sum } => write!(
                f,
                "END counts {event_count} events, but its data_collections add up to {sum}"
            ),
            TransactionProblem::ConflictingEnd { first, second } => write!(
                f,
                "a second END with other counts ({second} events; the first counts {first})"
            ),
            TransactionProblem::ConflictingOrder { order } => {
                write!(f, "two different events have total_order {order}")
            }
            TransactionProblem::EventAfterLast { last: Some(last) } => {
                write!(f, "an event after the last one (transactionEventCounter {last})")
            }
            TransactionProblem::EventAfterLast { last: None } => write!(f, "an event after the last one"),
            TransactionProblem::ConflictingLast => write!(f, "two different events are marked last"),
            TransactionProblem::NoPosition => {
                write!(f, "an event with neither a source position nor a total_order")
            }
            TransactionProblem::UnexpectedMetadata => {
                write!(
                    f,
                    "transaction metadata given to an assembler of Replicate events"
                )
            }
        }
    }
}
