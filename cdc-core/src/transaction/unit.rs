//! What the assembler gives out: a transaction (whole, or one chunk of it) or a single
//! event outside any transaction.

/// A unit of output: the change events of one source transaction (whole, or a chunk of
/// one too large for the assembler's bound), or one event outside any transaction.
/// Payloads are the caller's, as pushed.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit<T> {
    /// The transaction; `None` for an event outside any transaction.
    pub transaction: Option<UnitTransaction>,
    /// The change events, in their order in the transaction (`total_order`,
    /// `transactionEventCounter`; arrival order for events without one).
    pub events: Vec<T>,
    /// The payload of the transaction's `END` event (Debezium), given with the
    /// transaction's last chunk.
    pub end: Option<T>,
    /// Which part of the transaction this is: `{index: 0, last: true}` for a whole
    /// transaction and for a single event.
    pub chunk: Chunk,
}

/// The transaction of a [`Unit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitTransaction {
    /// The transaction's id: its `END`'s for Debezium, else its first event's (a chunk
    /// given out before the `END` arrived has its first event's id, which for
    /// PostgreSQL differs from the `END`'s in the LSN part: chunks of one transaction
    /// share its [`key`](Self::key)).
    pub id: String,
    /// What the assembler groups events by: the id, or for PostgreSQL its `txId` part.
    pub key: String,
    /// How many events the transaction has, when known (Debezium's `END`, Replicate's
    /// last event's counter).
    pub event_count: Option<u64>,
    /// A Replicate transaction whose events arrived after a transaction later in
    /// change-sequence order had been emitted: it comes out of source order.
    pub late: bool,
}

/// The place of a [`Unit`] in its transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    /// From 0.
    pub index: u32,
    /// Whether this is the transaction's last chunk: the transaction is complete.
    pub last: bool,
}

impl Chunk {
    /// The one chunk of a whole transaction, or of a single event.
    pub const WHOLE: Chunk = Chunk { index: 0, last: true };
}

impl<T> Unit<T> {
    /// A single event outside any transaction.
    pub(crate) fn single(payload: T) -> Self {
        Unit {
            transaction: None,
            events: vec![payload],
            end: None,
            chunk: Chunk::WHOLE,
        }
    }

    /// Whether this is a whole transaction or a single event (not a chunk).
    pub fn is_whole(&self) -> bool {
        self.chunk == Chunk::WHOLE
    }

    /// Whether this is an event outside any transaction.
    pub fn is_single(&self) -> bool {
        self.transaction.is_none()
    }

    /// The unit with each payload turned by `f`.
    pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> Unit<U> {
        Unit {
            transaction: self.transaction,
            events: self.events.into_iter().map(&mut f).collect(),
            end: self.end.map(f),
            chunk: self.chunk,
        }
    }

    /// Every payload the unit gives back: its events, then the `END`'s.
    pub fn into_payloads(self) -> impl Iterator<Item = T> {
        self.events.into_iter().chain(self.end)
    }
}
