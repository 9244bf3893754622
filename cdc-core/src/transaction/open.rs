//! A transaction the assembler has seen but not yet emitted in full: its held events,
//! what it emitted in chunks, its `END` (Debezium) or last event (Replicate).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::{Deserialize, Serialize};

use super::config::TransactionSource;
use super::info::EventTransaction;
use super::memory::EmittedTransaction;
use super::position::{EventKey, SourcePosition};
use super::problem::TransactionProblem;

/// A held change event.
#[derive(Debug)]
pub(crate) struct HeldEvent<T> {
    pub(crate) payload: T,
    pub(crate) key: EventKey,
    pub(crate) bytes: usize,
    /// Whether it is the transaction's last (Replicate).
    pub(crate) last: bool,
}

/// A Debezium `END`: the counts, and the payload held until the last chunk.
#[derive(Debug)]
pub(crate) struct End<T> {
    pub(crate) event_count: u64,
    pub(crate) collections: BTreeMap<String, u64>,
    pub(crate) payload: T,
}

/// Replicate's last event of a transaction: its counter, the transaction's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Last {
    pub(crate) counter: Option<i64>,
}

/// What an open transaction keeps across a checkpoint once it emitted chunks: what its
/// emitted events told. Its held events and its `END` come back with the caller's
/// replay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Spilled {
    pub(crate) key: String,
    pub(crate) id: String,
    pub(crate) chunks: u32,
    pub(crate) count: u64,
    pub(crate) per_collection: BTreeMap<String, u64>,
    pub(crate) emitted: BTreeSet<EventKey>,
    pub(crate) last: Option<Last>,
    pub(crate) first: Option<SourcePosition>,
    pub(crate) highest: Option<SourcePosition>,
    pub(crate) late: bool,
}

impl Spilled {
    /// Adds what a later chunk of the transaction gave out.
    pub(crate) fn merge(&mut self, later: Spilled) {
        self.id = later.id;
        self.chunks += later.chunks;
        self.count += later.count;
        for (c, n) in later.per_collection {
            *self.per_collection.entry(c).or_default() += n;
        }
        self.emitted.extend(later.emitted);
        self.last = later.last.or(self.last);
        self.first = later.first.or(self.first.take());
        self.highest = later.highest.or(self.highest.take());
        self.late = later.late;
    }
}

/// An open transaction.
#[derive(Debug)]
pub(crate) struct Open<T> {
    pub(crate) id: String,
    /// Held events by (place in the transaction, arrival).
    events: BTreeMap<(i64, u64), HeldEvent<T>>,
    keys: HashSet<EventKey>,
    /// Keys of the events emitted in chunks.
    spilled: BTreeSet<EventKey>,
    pub(crate) chunks: u32,
    /// Distinct events taken: held and emitted in chunks.
    count: u64,
    per_collection: BTreeMap<String, u64>,
    pub(crate) end: Option<End<T>>,
    last: Option<Last>,
    /// The lowest and highest positions of its events, in stream order.
    pub(crate) first: Option<SourcePosition>,
    highest: Option<SourcePosition>,
    pub(crate) late: bool,
    pub(crate) held_bytes: usize,
    /// Whether it has its place in the assembler's queue.
    pub(crate) queued: bool,
}

impl<T> Open<T> {
    pub(crate) fn new(id: String, late: bool) -> Self {
        Self {
            id,
            events: BTreeMap::new(),
            keys: HashSet::new(),
            spilled: BTreeSet::new(),
            chunks: 0,
            count: 0,
            per_collection: BTreeMap::new(),
            end: None,
            last: None,
            first: None,
            highest: None,
            late,
            held_bytes: 0,
            queued: false,
        }
    }

    /// An open transaction from its checkpointed part.
    pub(crate) fn restore(spilled: Spilled) -> Self {
        let mut open = Self::new(spilled.id, spilled.late);
        open.chunks = spilled.chunks;
        open.count = spilled.count;
        open.per_collection = spilled.per_collection;
        open.spilled = spilled.emitted;
        open.last = spilled.last;
        open.first = spilled.first;
        open.highest = spilled.highest;
        open
    }

    pub(crate) fn held(&self) -> usize {
        self.events.len()
    }

    /// Whether it took no event at all (held or emitted).
    pub(crate) fn untouched(&self) -> bool {
        self.count == 0 && self.chunks == 0
    }

    /// Whether it already took the event `key`.
    pub(crate) fn has(&self, key: &EventKey) -> bool {
        self.keys.contains(key) || self.spilled.contains(key)
    }

    /// Whether every event has arrived.
    pub(crate) fn complete(&self, source: TransactionSource) -> bool {
        if source.ends_order() {
            self.end.as_ref().is_some_and(|e| self.count == e.event_count)
        } else {
            self.last
                .is_some_and(|l| l.counter.is_none_or(|n| u64::try_from(n) == Ok(self.count)))
        }
    }

    /// The size it is known to have.
    pub(crate) fn event_count(&self) -> Option<u64> {
        match (&self.end, self.last) {
            (Some(end), _) => Some(end.event_count),
            (None, Some(Last { counter: Some(n) })) => u64::try_from(n).ok(),
            _ => None,
        }
    }

    /// Whether a new event (not a duplicate) may join.
    pub(crate) fn check_event(
        &self,
        tx: &EventTransaction,
        data_collection: Option<&str>,
    ) -> Result<(), TransactionProblem> {
        if let Some(end) = &self.end {
            if self.count >= end.event_count {
                return Err(TransactionProblem::EventAfterEnd {
                    event_count: end.event_count,
                });
            }
            if let Some(order) = tx
                .order
                .filter(|o| u64::try_from(*o).is_ok_and(|o| o > end.event_count))
            {
                return Err(TransactionProblem::OrderBeyondCount {
                    order,
                    event_count: end.event_count,
                });
            }
            if let Some(c) = data_collection {
                check_collection(
                    &end.collections,
                    c,
                    self.per_collection.get(c).copied().unwrap_or(0) + 1,
                )?;
            }
        }
        match self.last {
            Some(_) if tx.last => return Err(TransactionProblem::ConflictingLast),
            Some(Last { counter: Some(n) }) => {
                let past =
                    tx.order.is_some_and(|o| o > n) || i64::try_from(self.count + 1).is_ok_and(|c| c > n);
                if past {
                    return Err(TransactionProblem::EventAfterLast { last: Some(n) });
                }
            }
            Some(Last { counter: None }) => return Err(TransactionProblem::EventAfterLast { last: None }),
            None => {}
        }
        if tx.last {
            check_first_last(tx, self.count, self.events.keys().map(|(o, _)| *o))?;
        }
        if let Some(order) = tx.order
            && self.events.range((order, 0)..=(order, u64::MAX)).next().is_some()
        {
            return Err(TransactionProblem::ConflictingOrder { order });
        }
        Ok(())
    }

    /// Whether its `END` may have these counts.
    pub(crate) fn check_end(
        &self,
        event_count: u64,
        collections: &BTreeMap<String, u64>,
    ) -> Result<(), TransactionProblem> {
        if self.count > event_count {
            return Err(TransactionProblem::EndBelowSeen {
                event_count,
                seen: self.count,
            });
        }
        for (c, n) in &self.per_collection {
            check_collection(collections, c, *n)?;
        }
        let highest = self.events.keys().rev().map(|(o, _)| *o).find(|o| *o != i64::MAX);
        match highest {
            Some(order) if u64::try_from(order).is_ok_and(|o| o > event_count) => {
                Err(TransactionProblem::OrderBeyondCount { order, event_count })
            }
            _ => Ok(()),
        }
    }

    /// Takes an event (checked by [`check_event`](Self::check_event)).
    pub(crate) fn add(
        &mut self,
        event: HeldEvent<T>,
        tx: &EventTransaction,
        position: Option<&SourcePosition>,
        data_collection: Option<&str>,
        arrival: u64,
    ) {
        if let Some(c) = data_collection {
            *self.per_collection.entry(c.to_owned()).or_default() += 1;
        }
        if tx.last {
            self.last = Some(Last { counter: tx.order });
        }
        if let Some(p) = position {
            if self
                .first
                .as_ref()
                .is_none_or(|f| p.stream_cmp(f) == Some(Ordering::Less))
            {
                self.first = Some(p.clone());
            }
            if self
                .highest
                .as_ref()
                .is_none_or(|h| p.stream_cmp(h) == Some(Ordering::Greater))
            {
                self.highest = Some(p.clone());
            }
        }
        self.count += 1;
        self.held_bytes += event.bytes;
        self.keys.insert(event.key.clone());
        self.events.insert((tx.order.unwrap_or(i64::MAX), arrival), event);
    }

    /// Gives out the held events, in order, as the next chunk; they are remembered as
    /// emitted. Returns the events, their bytes, and what the chunk adds to the
    /// transaction's checkpointed part once given out.
    pub(crate) fn take_chunk(&mut self, key: &str) -> (Vec<T>, usize, Spilled) {
        let held = std::mem::take(&mut self.events);
        self.keys.clear();
        let bytes = std::mem::take(&mut self.held_bytes);
        let mut part = Spilled {
            key: key.to_owned(),
            id: self.id.clone(),
            chunks: 1,
            count: 0,
            per_collection: BTreeMap::new(),
            emitted: BTreeSet::new(),
            last: None,
            first: self.first.clone(),
            highest: self.highest.clone(),
            late: self.late,
        };
        let payloads = held
            .into_values()
            .map(|e| {
                part.count += 1;
                if let Some(c) = e.key.data_collection() {
                    *part.per_collection.entry(c.to_owned()).or_default() += 1;
                }
                if e.last {
                    part.last = self.last;
                }
                self.spilled.insert(e.key.clone());
                part.emitted.insert(e.key);
                e.payload
            })
            .collect();
        self.chunks += 1;
        (payloads, bytes, part)
    }

    /// What the transaction is remembered by once emitted.
    pub(crate) fn emitted(&self, key: &str) -> EmittedTransaction {
        EmittedTransaction {
            key: key.to_owned(),
            first: self.first.clone(),
            last: self.highest.clone(),
        }
    }

    /// Its highest position.
    pub(crate) fn highest(&self) -> Option<&SourcePosition> {
        self.highest.as_ref()
    }
}

/// Whether a transaction that holds `count` events and events at places `orders` may
/// take an event that says it is the last, at place `tx.order`.
fn check_first_last(
    tx: &EventTransaction,
    count: u64,
    mut orders: impl Iterator<Item = i64>,
) -> Result<(), TransactionProblem> {
    let Some(n) = tx.order else { return Ok(()) };
    let too_many = i64::try_from(count + 1).is_ok_and(|c| c > n);
    if too_many || orders.any(|o| o != i64::MAX && o > n) {
        return Err(TransactionProblem::EventAfterLast { last: Some(n) });
    }
    Ok(())
}

/// Whether table `c` may have `n` events under the `END`'s counts (no check when the
/// `END` lists no tables).
fn check_collection(collections: &BTreeMap<String, u64>, c: &str, n: u64) -> Result<(), TransactionProblem> {
    if collections.is_empty() {
        return Ok(());
    }
    match collections.get(c) {
        None => Err(TransactionProblem::CollectionNotInEnd {
            data_collection: c.to_owned(),
        }),
        Some(&limit) if n > limit => Err(TransactionProblem::CollectionBeyondCount {
            data_collection: c.to_owned(),
            event_count: limit,
        }),
        Some(_) => Ok(()),
    }
}

/// Checks the first event of a new transaction: a last event must not be numbered
/// below 1.
pub(crate) fn check_new(tx: &EventTransaction) -> Result<(), TransactionProblem> {
    if tx.last {
        check_first_last(tx, 0, std::iter::empty())?;
    }
    Ok(())
}
