//! The output order of the assembler: complete units leave the head of the queue;
//! past the bound, chunks leave at once. A unit made ready changes what the assembler
//! takes for a duplicate at once, and what its checkpoint says only once popped.

use std::collections::HashMap;

use super::assembler::{Slot, TransactionAssembler};
use super::memory::EmittedTransaction;
use super::open::{Open, Spilled};
use super::position::{EventKey, SourcePosition};
use super::unit::{Chunk, Unit, UnitTransaction};

/// A unit ready to be popped, and what popping it adds to the checkpoint.
#[derive(Debug)]
pub(super) struct Ready<T> {
    pub(super) unit: Unit<T>,
    pub(super) effect: Effect,
}

/// What a popped unit adds to the checkpoint.
#[derive(Debug)]
pub(super) enum Effect {
    /// A single event, remembered by its key.
    Single(Option<EventKey>),
    /// A chunk of an open transaction.
    Chunk(Spilled),
    /// A transaction's last chunk.
    Last {
        emitted: EmittedTransaction,
        highest: Option<SourcePosition>,
        end_lsn: Option<i64>,
    },
}

impl<T> TransactionAssembler<T> {
    /// Moves the complete units at the head of the order to the ready queue.
    pub(super) fn advance(&mut self) {
        loop {
            match self.queue.front() {
                None => return,
                Some(Slot::Transaction(key)) => {
                    if !self.open.get(key).is_some_and(|o| o.complete(self.config.source)) {
                        return;
                    }
                    if let Some(Slot::Transaction(key)) = self.queue.pop_front()
                        && let Some(open) = self.open.remove(&key)
                    {
                        self.emit_last(key, open);
                    }
                }
                Some(Slot::Single { .. }) => {
                    if let Some(single) = self.queue.pop_front() {
                        self.emit_single(single);
                    }
                }
            }
        }
    }

    pub(super) fn emit_single(&mut self, slot: Slot<T>) {
        if let Slot::Single { payload, key, bytes } = slot {
            self.held_events -= 1;
            self.held_bytes -= bytes;
            if let Some(k) = &key {
                self.memory.remember_single(k.clone());
            }
            self.ready.push_back(Ready {
                unit: Unit::single(payload),
                effect: Effect::Single(key),
            });
        }
    }

    /// Emits a complete transaction's last (or only) chunk.
    fn emit_last(&mut self, key: String, mut open: Open<T>) {
        let index = open.chunks;
        let event_count = open.event_count();
        let (events, bytes, _) = open.take_chunk(&key);
        self.held_events -= events.len();
        self.held_bytes -= bytes;
        let highest = open.highest().cloned();
        let end_lsn = self.config.source.end_lsn(&open.id);
        let emitted = open.emitted(&key);
        apply_last(&mut self.memory, &emitted, highest.as_ref(), end_lsn);
        let unit = Unit {
            transaction: Some(UnitTransaction {
                id: open.id,
                key,
                event_count,
                late: open.late,
            }),
            events,
            end: open.end.map(|e| e.payload),
            chunk: Chunk { index, last: true },
        };
        self.ready.push_back(Ready {
            unit,
            effect: Effect::Last {
                emitted,
                highest,
                end_lsn,
            },
        });
    }

    /// Emits what is complete, then chunks while over the bound: the transaction
    /// holding the most events (the earliest in the order among equals), or when no
    /// transaction holds any, the earliest single event.
    pub(super) fn relieve(&mut self) {
        self.advance();
        while self.over_bound() {
            let rank: HashMap<&str, usize> = self
                .queue
                .iter()
                .enumerate()
                .filter_map(|(i, s)| match s {
                    Slot::Transaction(k) => Some((k.as_str(), i)),
                    Slot::Single { .. } => None,
                })
                .collect();
            let victim = self
                .open
                .iter()
                .filter(|(_, o)| o.held() > 0)
                .min_by_key(|(k, o)| {
                    (
                        std::cmp::Reverse(o.held()),
                        rank.get(k.as_str()).copied().unwrap_or(usize::MAX),
                    )
                })
                .map(|(k, _)| k.clone());
            if let Some(key) = victim {
                self.spill(key);
            } else if let Some(i) = self.queue.iter().position(|s| matches!(s, Slot::Single { .. })) {
                if let Some(single) = self.queue.remove(i) {
                    self.emit_single(single);
                }
            } else {
                return;
            }
        }
    }

    fn over_bound(&self) -> bool {
        self.config.max_events.is_some_and(|m| self.held_events > m)
            || self.config.max_bytes.is_some_and(|m| self.held_bytes > m)
    }

    /// Emits the held events of transaction `key` as its next chunk.
    fn spill(&mut self, key: String) {
        let Some(open) = self.open.get_mut(&key) else {
            return;
        };
        let index = open.chunks;
        let (events, bytes, part) = open.take_chunk(&key);
        self.held_events -= events.len();
        self.held_bytes -= bytes;
        let unit = Unit {
            transaction: Some(UnitTransaction {
                id: open.id.clone(),
                key,
                event_count: open.event_count(),
                late: open.late,
            }),
            events,
            end: None,
            chunk: Chunk { index, last: false },
        };
        self.ready.push_back(Ready {
            unit,
            effect: Effect::Chunk(part),
        });
    }

    /// Puts Replicate transaction `key` at its place in the order: before the first
    /// transaction whose first change sequence is higher.
    pub(super) fn reposition(&mut self, key: &str) {
        if let Some(i) = self
            .queue
            .iter()
            .position(|s| matches!(s, Slot::Transaction(k) if k == key))
        {
            self.queue.remove(i);
        }
        let Some(open) = self.open.get_mut(key) else {
            return;
        };
        open.queued = true;
        let first = open.first.clone();
        let at = first.and_then(|first| {
            self.queue.iter().position(|s| match s {
                Slot::Transaction(k) => self
                    .open
                    .get(k)
                    .and_then(|o| o.first.as_ref())
                    .and_then(|f| f.stream_cmp(&first))
                    .is_some_and(|o| o == std::cmp::Ordering::Greater),
                Slot::Single { .. } => false,
            })
        });
        let slot = Slot::Transaction(key.to_owned());
        match at {
            Some(i) => self.queue.insert(i, slot),
            None => self.queue.push_back(slot),
        }
    }

    /// Adds a popped unit's effect to what the checkpoint says.
    pub(super) fn apply(&mut self, effect: Effect) {
        match effect {
            Effect::Single(key) => {
                if let Some(k) = key {
                    self.popped.remember_single(k);
                }
            }
            Effect::Chunk(part) => match self.popped_chunks.get_mut(&part.key) {
                Some(earlier) => earlier.merge(part),
                None => {
                    self.popped_chunks.insert(part.key.clone(), part);
                }
            },
            Effect::Last {
                emitted,
                highest,
                end_lsn,
            } => {
                self.popped_chunks.remove(&emitted.key);
                apply_last(&mut self.popped, &emitted, highest.as_ref(), end_lsn);
            }
        }
    }
}

/// Remembers an emitted transaction: its key and span, its highest position, its
/// `END`'s commit LSN.
fn apply_last(
    memory: &mut super::memory::Memory,
    emitted: &EmittedTransaction,
    highest: Option<&SourcePosition>,
    end_lsn: Option<i64>,
) {
    if let Some(h) = highest {
        memory.raise_watermark(h);
    }
    if let Some(lsn) = end_lsn {
        memory.raise_end_watermark(lsn);
    }
    memory.remember_transaction(emitted.clone());
}
