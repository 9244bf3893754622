//! The assembler: change events and transaction metadata in, whole transactions out, in
//! source order.

use std::collections::{BTreeMap, VecDeque};

use super::checkpoint::Checkpoint;
use super::config::AssemblerConfig;
use super::info::EventInfo;
use super::memory::{EmittedTransaction, Memory};
use super::open::{End, HeldEvent, Open, Spilled, check_new};
use super::output::Ready;
use super::position::EventKey;
use super::problem::TransactionProblem;
use super::unit::Unit;
use crate::debezium::{TransactionBoundary, TransactionMetadata};
use crate::error::{Error, Result};
use crate::event::ChangeEvent;

/// What became of a pushed input.
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub enum Pushed<T> {
    /// Taken: the payload comes back in a [`Unit`] (or from
    /// [`take_released`](TransactionAssembler::take_released)).
    Held,
    /// A duplicate of an input taken before: dropped, the payload given back.
    Duplicate(T),
    /// Nothing the assembler needs (a `BEGIN` event): the payload given back.
    Ignored(T),
}

/// A place in the output order.
#[derive(Debug)]
pub(super) enum Slot<T> {
    /// A transaction, by key: emitted once complete.
    Transaction(String),
    /// An event outside any transaction.
    Single {
        payload: T,
        key: Option<EventKey>,
        bytes: usize,
    },
}

/// Assembles change events into the transactions of their source: see the
/// [module](super) docs for what it guarantees. `T` is the payload each input carries
/// (the decoded event, its Kafka record ...), given back in the [`Unit`]s.
///
/// ```
/// use cdc_core::transaction::{AssemblerConfig, Pushed, TransactionAssembler, TransactionSource};
/// use cdc_core::{DebeziumJson, Decode, TransactionMetadata};
///
/// let mut assembler = TransactionAssembler::new(AssemblerConfig::new(TransactionSource::DebeziumPostgres));
/// let event = |table: &str, lsn: u64, order: u64| {
///     let value = format!(
///         r#"{{"before":null,"after":{{"id":{order}}},"op":"c","ts_ms":1,
///             "source":{{"connector":"postgresql","name":"shop","db":"test","schema":"s","table":"{table}",
///                        "lsn":{lsn},"txId":571,"sequence":"[\"100\",\"{lsn}\"]"}},
///             "transaction":{{"id":"571:{lsn}","total_order":{order},"data_collection_order":1}}}}"#
///     );
///     DebeziumJson.decode(None, Some(value.as_bytes())).unwrap().into_change().unwrap().event
/// };
/// // The END arrives first (another topic), then the two events, in reverse order.
/// let end = TransactionMetadata::end("571:230", [("s.a", 1), ("s.b", 1)]);
/// assert_eq!(assembler.push_metadata(&end, event("s", 0, 0))?, Pushed::Held);
/// assert_eq!(assembler.push(event("b", 220, 2))?, Pushed::Held);
/// assert!(assembler.pop().is_none(), "one event is still missing");
/// assert_eq!(assembler.push(event("a", 210, 1))?, Pushed::Held);
/// let unit = assembler.pop().expect("the transaction is complete");
/// assert!(unit.is_whole());
/// let tables: Vec<_> = unit.events.iter().map(|e| e.source.table.clone().unwrap()).collect();
/// assert_eq!(tables, ["a", "b"]);
/// // A duplicate of an emitted event is dropped.
/// assert!(matches!(assembler.push(event("a", 210, 1))?, Pushed::Duplicate(_)));
/// # Ok::<(), cdc_core::Error>(())
/// ```
pub struct TransactionAssembler<T> {
    pub(super) config: AssemblerConfig,
    pub(super) open: BTreeMap<String, Open<T>>,
    pub(super) queue: VecDeque<Slot<T>>,
    pub(super) ready: VecDeque<Ready<T>>,
    pub(super) released: Vec<T>,
    /// What tells duplicates: everything made ready.
    pub(super) memory: Memory,
    /// What the checkpoint says: everything popped.
    pub(super) popped: Memory,
    /// The chunks popped of transactions still open, for the checkpoint.
    pub(super) popped_chunks: BTreeMap<String, Spilled>,
    pub(super) held_events: usize,
    pub(super) held_bytes: usize,
    pub(super) arrivals: u64,
}

impl<T> std::fmt::Debug for TransactionAssembler<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransactionAssembler")
            .field("config", &self.config)
            .field("open_transactions", &self.open.len())
            .field("queued", &self.queue.len())
            .field("ready", &self.ready.len())
            .field("held_events", &self.held_events)
            .field("held_bytes", &self.held_bytes)
            .field("watermark", &self.memory.watermark)
            .finish()
    }
}

impl TransactionAssembler<ChangeEvent> {
    /// Pushes a decoded change event as its own payload.
    pub fn push(&mut self, event: ChangeEvent) -> Result<Pushed<ChangeEvent>> {
        let info = EventInfo::of(&event);
        self.push_event(info, event)
    }
}

impl<T> TransactionAssembler<T> {
    /// An assembler holding nothing, remembering nothing.
    pub fn new(config: AssemblerConfig) -> Self {
        Self {
            memory: Memory::new(config.remembered),
            popped: Memory::new(config.remembered),
            popped_chunks: BTreeMap::new(),
            config,
            open: BTreeMap::new(),
            queue: VecDeque::new(),
            ready: VecDeque::new(),
            released: Vec::new(),
            held_events: 0,
            held_bytes: 0,
            arrivals: 0,
        }
    }

    /// An assembler started again from `checkpoint`: it remembers what was emitted
    /// before; the records it held then are to be pushed again.
    pub fn restore(config: AssemblerConfig, checkpoint: Checkpoint) -> Self {
        let mut assembler = Self::new(config);
        assembler.memory = Memory::restore(
            assembler.config.remembered,
            (checkpoint.watermark, checkpoint.end_watermark),
            checkpoint.emitted,
            checkpoint.singles,
        );
        assembler.popped = assembler.memory.clone();
        for spilled in checkpoint.spilled {
            let key = spilled.key.clone();
            assembler.popped_chunks.insert(key.clone(), spilled.clone());
            assembler.open.insert(key.clone(), Open::restore(spilled));
            if !assembler.config.source.ends_order() {
                assembler.reposition(&key);
            }
        }
        assembler
    }

    /// The state to persist with the units popped so far (and only those: units made
    /// ready and not yet popped are not in it): see [`Checkpoint`].
    pub fn checkpoint(&self) -> Checkpoint {
        let (emitted, singles) = self.popped.parts();
        Checkpoint {
            version: super::checkpoint::CHECKPOINT_VERSION,
            watermark: self.popped.watermark.clone(),
            end_watermark: self.popped.end_watermark,
            emitted,
            singles,
            spilled: self.popped_chunks.values().cloned().collect(),
        }
    }

    /// The settings.
    pub fn config(&self) -> &AssemblerConfig {
        &self.config
    }

    /// Change events held (in open transactions, and single events waiting their turn).
    pub fn held_events(&self) -> usize {
        self.held_events
    }

    /// Their bytes, as given by [`EventInfo::bytes`].
    pub fn held_bytes(&self) -> usize {
        self.held_bytes
    }

    /// Transactions seen and not yet emitted in full.
    pub fn open_transactions(&self) -> usize {
        self.open.len()
    }

    /// Pushes a change event with what it tells ([`EventInfo::of`] reads it from a
    /// [`ChangeEvent`]). An event without transaction is a unit of its own.
    ///
    /// Errors ([`Error::Transaction`]) for an event the transaction cannot take (see
    /// [`TransactionProblem`]); the assembler is then as it was.
    pub fn push_event(&mut self, info: EventInfo, payload: T) -> Result<Pushed<T>> {
        let Some(tx) = info.transaction.as_ref() else {
            return Ok(self.push_single(info, payload));
        };
        let refuse = |problem| Error::Transaction {
            id: tx.id.clone(),
            problem,
        };
        let source = self.config.source;
        let key = source.transaction_key(&tx.id).to_owned();
        let collection = info.data_collection.as_deref();
        let event_key = match (&info.position, tx.order) {
            (Some(position), _) => EventKey::at(position, collection),
            (None, Some(order)) => EventKey::by_order(order, collection),
            (None, None) => return Err(refuse(TransactionProblem::NoPosition)),
        };
        if source.ends_order() {
            let below = info
                .position
                .as_ref()
                .is_some_and(|p| self.memory.below_watermark(p));
            if below || self.memory.knows_transaction(source, &key, None) {
                self.emitted_again(&key);
                return Ok(Pushed::Duplicate(payload));
            }
        }
        let new_late = match self.open.get(&key) {
            Some(open) if open.has(&event_key) => return Ok(Pushed::Duplicate(payload)),
            Some(open) => {
                open.check_event(tx, collection).map_err(refuse)?;
                false
            }
            None => {
                if self
                    .memory
                    .knows_transaction(source, &key, info.position.as_ref())
                {
                    return Ok(Pushed::Duplicate(payload));
                }
                check_new(tx).map_err(refuse)?;
                !source.ends_order()
                    && info
                        .position
                        .as_ref()
                        .is_some_and(|p| self.memory.below_watermark(p))
            }
        };
        self.arrivals += 1;
        let held = HeldEvent {
            payload,
            key: event_key,
            bytes: info.bytes,
            last: tx.last,
        };
        let open = self
            .open
            .entry(key.clone())
            .or_insert_with(|| Open::new(tx.id.clone(), new_late));
        let first_before = open.first.clone();
        open.add(held, tx, info.position.as_ref(), collection, self.arrivals);
        let moved = open.first != first_before || !open.queued;
        self.held_events += 1;
        self.held_bytes += info.bytes;
        if !source.ends_order() && moved {
            self.reposition(&key);
        }
        self.relieve();
        Ok(Pushed::Held)
    }

    /// Pushes a Debezium transaction metadata event. `BEGIN` is [`Pushed::Ignored`]:
    /// the `END` tells all the assembler needs, and its arrival gives the transaction
    /// its place in the output order.
    ///
    /// Errors ([`Error::Transaction`]) for an `END` that contradicts what was taken
    /// (see [`TransactionProblem`]), and for any metadata given to an assembler of
    /// Replicate events; the assembler is then as it was.
    pub fn push_metadata(&mut self, metadata: &TransactionMetadata, payload: T) -> Result<Pushed<T>> {
        let refuse = |problem| Error::Transaction {
            id: metadata.id.clone(),
            problem,
        };
        let source = self.config.source;
        if !source.ends_order() {
            return Err(refuse(TransactionProblem::UnexpectedMetadata));
        }
        let TransactionBoundary::End {
            event_count,
            data_collections,
        } = &metadata.boundary
        else {
            return Ok(Pushed::Ignored(payload));
        };
        let event_count = *event_count;
        let mut collections = BTreeMap::new();
        for c in data_collections {
            *collections.entry(c.data_collection.clone()).or_insert(0) += c.event_count;
        }
        let sum: u64 = collections.values().sum();
        if !collections.is_empty() && sum != event_count {
            return Err(refuse(TransactionProblem::EndCountsDisagree { event_count, sum }));
        }
        if source
            .end_lsn(&metadata.id)
            .is_some_and(|lsn| self.memory.end_emitted(lsn))
        {
            return Ok(Pushed::Duplicate(payload));
        }
        let key = source.transaction_key(&metadata.id).to_owned();
        match self.open.get(&key) {
            Some(Open { end: Some(end), .. }) => {
                return if end.event_count == event_count && end.collections == collections {
                    Ok(Pushed::Duplicate(payload))
                } else {
                    Err(refuse(TransactionProblem::ConflictingEnd {
                        first: end.event_count,
                        second: event_count,
                    }))
                };
            }
            Some(open) => open.check_end(event_count, &collections).map_err(refuse)?,
            None if self.memory.knows_transaction(source, &key, None) => {
                return Ok(Pushed::Duplicate(payload));
            }
            None => {}
        }
        let open = self
            .open
            .entry(key.clone())
            .or_insert_with(|| Open::new(metadata.id.clone(), false));
        open.id = metadata.id.clone();
        open.end = Some(End {
            event_count,
            collections,
            payload,
        });
        open.queued = true;
        self.queue.push_back(Slot::Transaction(key));
        self.relieve();
        Ok(Pushed::Held)
    }

    /// The next unit ready: a chunk the bound forced out, else the next transaction or
    /// single event in source order once complete.
    pub fn pop(&mut self) -> Option<Unit<T>> {
        self.advance();
        let Ready { unit, effect } = self.ready.pop_front()?;
        self.apply(effect);
        Some(unit)
    }

    /// Payloads the assembler held and gives back outside any unit: the `END` of a
    /// transaction found, after its `END` arrived, to have been emitted before (its
    /// events came again below the watermark). A caller that keeps held payloads
    /// elsewhere (a state store, offsets to replay from) lets these go too.
    pub fn take_released(&mut self) -> Vec<T> {
        std::mem::take(&mut self.released)
    }

    fn push_single(&mut self, info: EventInfo, payload: T) -> Pushed<T> {
        let key = match (&info.position, info.snapshot) {
            (Some(position), false) => Some(EventKey::at(position, info.data_collection.as_deref())),
            _ => None,
        };
        if let Some(k) = &key {
            let queued = self
                .queue
                .iter()
                .any(|s| matches!(s, Slot::Single { key: Some(q), .. } if q == k));
            if queued || self.memory.knows_single(k) {
                return Pushed::Duplicate(payload);
            }
        }
        self.held_events += 1;
        self.held_bytes += info.bytes;
        self.queue.push_back(Slot::Single {
            payload,
            key,
            bytes: info.bytes,
        });
        self.relieve();
        Pushed::Held
    }

    /// A Debezium transaction found emitted before: remembered, and an entry its
    /// re-sent `END` made dropped (the `END` released).
    fn emitted_again(&mut self, key: &str) {
        if !self.memory.knows_transaction(self.config.source, key, None) {
            let emitted = EmittedTransaction {
                key: key.to_owned(),
                first: None,
                last: None,
            };
            self.memory.remember_transaction(emitted.clone());
            self.popped.remember_transaction(emitted);
        }
        if self.open.get(key).is_some_and(Open::untouched)
            && let Some(open) = self.open.remove(key)
        {
            self.queue
                .retain(|s| !matches!(s, Slot::Transaction(k) if k == key));
            self.released.extend(open.end.map(|e| e.payload));
        }
    }
}
