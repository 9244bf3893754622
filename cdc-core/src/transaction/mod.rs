//! Source transactions put back together from change events that arrived over several
//! topics: the [`TransactionAssembler`].
//!
//! A connector writes each table's changes to its own topic, and Debezium the
//! boundaries of each transaction to `<prefix>.transaction`; a consumer reads them
//! interleaved in whatever way the partitions deliver. The assembler is fed that
//! interleaving (change events with [`push_event`](TransactionAssembler::push_event),
//! Debezium's metadata events with [`push_metadata`](TransactionAssembler::push_metadata))
//! and gives out [`Unit`]s: each source transaction whole, once all its events have
//! arrived, in source order, without duplicates, within a bound on what it holds. It
//! does no I/O: what each input carries (the decoded event, the Kafka record) is an
//! opaque payload it gives back.
//!
//! # Complete
//!
//! - **Debezium**: a transaction is complete when its `END` event has arrived and as
//!   many distinct events as its `event_count`; its per-table counts
//!   (`data_collections`) are checked against the events' tables. `BEGIN` events carry
//!   nothing needed and are [ignored](Pushed::Ignored) (Debezium writes `BEGIN`s that no
//!   `END` follows, for DDL on MySQL and MariaDB). A transaction whose `END` counts no
//!   events (one that changed no captured table) is a unit without events.
//! - **Replicate**: a transaction is complete when its last event
//!   (`transactionLastEvent`) has arrived and as many distinct events as that event's
//!   `transactionEventCounter` (without a counter: with its last event).
//!
//! # Source order
//!
//! The order in which the database committed the transactions, as far as the inputs
//! tell it:
//!
//! - **Debezium** orders transactions by their `END` events: a connector streams
//!   committed transactions one after the other (PostgreSQL's logical decoding and the
//!   MySQL binlog at commit, SQL Server's change tables by commit LSN), and writes each
//!   `END` after the transaction's events, to the one partition of its transaction
//!   topic. The metadata topic must therefore have one partition (as Debezium creates
//!   it) and be fed in its order. A transaction is emitted once complete and once every
//!   transaction whose `END` arrived before its own has been.
//! - **Replicate** orders transactions by `changeSequence`, which Replicate assigns in
//!   commit order across all tables of a task: a complete transaction is emitted once
//!   no transaction it holds has a lower change sequence. Replicate writes no boundary
//!   events, so a transaction none of whose events had arrived when a later one was
//!   emitted (one partition lagging far behind the others) comes out when complete,
//!   marked [`late`](UnitTransaction::late).
//! - An event **without transaction** (snapshot reads; every event of a connector
//!   without transaction metadata) is a unit of its own, in arrival order among single
//!   events, and placed after the transactions whose `END` (or, for Replicate, first
//!   event) arrived before it.
//!
//! Within a transaction, events come in their `total_order` (Replicate:
//! `transactionEventCounter`); events without one after those with one, in arrival
//! order.
//!
//! # Duplicates
//!
//! Connectors deliver at least once: after a restart they send again what they had sent
//! since their last committed offset. The assembler drops an event it already took by
//! its [`SourcePosition`] (PostgreSQL `lsn`; MySQL and MariaDB binlog file, position and
//! row; SQL Server commit LSN, change LSN and event serial number; Replicate
//! `changeSequence`), with its table; an event without position by its `total_order`.
//! Events of emitted transactions are dropped by the watermark (for Debezium, an event
//! at or before the highest position of an emitted transaction belongs to one: see
//! [`SourcePosition::stream_cmp`]) and by the last emitted transactions remembered
//! ([`AssemblerConfig::remember`]): by key for Debezium, by key and span of positions
//! for Replicate, whose transaction ids may be reused. A second `END` for a transaction
//! is dropped when its counts are the same. Single events are remembered by position;
//! snapshot reads, which share one position, are never taken for duplicates.
//!
//! # Memory
//!
//! [`AssemblerConfig::max_events`] and [`max_bytes`](AssemblerConfig::max_bytes) bound
//! the change events held. Past the bound, the transaction holding the most events is
//! given out as a chunk ([`Chunk`] `{index, last: false}`), at once, even ahead of
//! transactions before it in source order; its later events follow in further chunks,
//! and its last chunk (`last: true`, with the `END`) comes at the transaction's place in
//! source order once the transaction is complete. So with chunks: every event is given
//! out exactly once; the last chunks of transactions keep source order among
//! themselves and with whole transactions; a chunk holds events in transaction order,
//! but a later chunk may hold events ordered before some of an earlier chunk's (they
//! arrived later). When no transaction holds an event, the earliest waiting single
//! event is given out ahead of its turn. An assembler keeps the positions of the
//! events it gave out in chunks until their transaction completes.
//!
//! # After a crash
//!
//! The state is the [`Checkpoint`] (small) plus the held records. The checkpoint covers
//! exactly the units popped so far (units made ready but not yet popped are not in it),
//! so the caller may persist one after any unit: atomically with the units it wrote
//! since the last (one Kafka transaction per unit, say). It keeps the held records,
//! and those of units not yet popped, in one of two ways:
//!
//! - **In its inputs**: it commits, per input partition, the lowest offset of a record
//!   still held ([`ReplayOffsets`]). After a crash it restores the assembler from the
//!   last checkpoint and reads again from the committed offsets: the held records come
//!   back, records of units emitted since are dropped (watermark, remembered
//!   transactions and single events, positions of chunked events), so no transaction
//!   is emitted twice and none is lost.
//! - **In a store** (a changelogged state store): it stores each held record and
//!   deletes the records of each unit given out (and of
//!   [`take_released`](TransactionAssembler::take_released)). After a crash it restores
//!   the assembler from the checkpoint and pushes the stored records again in their
//!   arrival order.
//!
//! Limits: a duplicate older than the remembered transactions that lies above the
//! watermark (a PostgreSQL event of the first transaction after the connector
//! started, whose `sequence` has no commit LSN; any Replicate event) is taken as new;
//! single events are remembered as transactions are, and snapshot reads not at all.
//!
//! # Errors
//!
//! Input that contradicts what the assembler took is refused with
//! [`Error::Transaction`](crate::Error::Transaction) naming the transaction and the
//! [`TransactionProblem`]: an `END` counting fewer events than were seen, an event for a
//! transaction whose `END` count is reached, a table the `END` does not list or counts
//! fewer events of, an event after Replicate's last one, two events claiming one place.
//! A refused input leaves the assembler as it was.

mod assembler;
mod checkpoint;
mod config;
mod info;
mod memory;
mod open;
mod output;
mod position;
mod problem;
mod replay;
mod unit;

pub use assembler::{Pushed, TransactionAssembler};
pub use checkpoint::{CHECKPOINT_VERSION, Checkpoint};
pub use config::{AssemblerConfig, TransactionSource};
pub use info::{EventInfo, EventTransaction};
pub use position::{EventKey, SourcePosition};
pub use problem::TransactionProblem;
pub use replay::ReplayOffsets;
pub use unit::{Chunk, Unit, UnitTransaction};
