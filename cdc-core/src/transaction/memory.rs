//! What the assembler remembers of what it emitted, to recognise duplicates: the
//! highest position of emitted transactions, and the last emitted transactions and
//! single events.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet, VecDeque};

use serde::{Deserialize, Serialize};

use super::config::TransactionSource;
use super::position::{EventKey, SourcePosition};

/// An emitted transaction, remembered: its key and the span of its positions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct EmittedTransaction {
    pub(crate) key: String,
    pub(crate) first: Option<SourcePosition>,
    pub(crate) last: Option<SourcePosition>,
}

/// The dedup memory.
#[derive(Debug, Clone, Default)]
pub(crate) struct Memory {
    capacity: usize,
    /// The highest position (in stream order) of an emitted transaction's events.
    pub(crate) watermark: Option<SourcePosition>,
    /// The highest commit LSN of an emitted PostgreSQL transaction, from its `END` id.
    pub(crate) end_watermark: Option<i64>,
    transactions: VecDeque<EmittedTransaction>,
    keys: HashMap<String, usize>,
    singles: VecDeque<EventKey>,
    single_keys: HashSet<EventKey>,
}

impl Memory {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            ..Self::default()
        }
    }

    /// The memory of a checkpoint's parts.
    pub(crate) fn restore(
        capacity: usize,
        (watermark, end_watermark): (Option<SourcePosition>, Option<i64>),
        transactions: Vec<EmittedTransaction>,
        singles: Vec<EventKey>,
    ) -> Self {
        let mut memory = Self::new(capacity);
        memory.watermark = watermark;
        memory.end_watermark = end_watermark;
        for t in transactions {
            memory.remember_transaction(t);
        }
        for s in singles {
            memory.remember_single(s);
        }
        memory
    }

    /// The remembered transactions, oldest first, and single events.
    pub(crate) fn parts(&self) -> (Vec<EmittedTransaction>, Vec<EventKey>) {
        (
            self.transactions.iter().cloned().collect(),
            self.singles.iter().cloned().collect(),
        )
    }

    pub(crate) fn remember_transaction(&mut self, emitted: EmittedTransaction) {
        if self.capacity == 0 {
            return;
        }
        if self.transactions.len() >= self.capacity
            && let Some(old) = self.transactions.pop_front()
            && let Some(n) = self.keys.get_mut(&old.key)
        {
            *n -= 1;
            if *n == 0 {
                self.keys.remove(&old.key);
            }
        }
        *self.keys.entry(emitted.key.clone()).or_default() += 1;
        self.transactions.push_back(emitted);
    }

    pub(crate) fn remember_single(&mut self, key: EventKey) {
        if self.capacity == 0 || self.single_keys.contains(&key) {
            return;
        }
        if self.singles.len() >= self.capacity
            && let Some(old) = self.singles.pop_front()
        {
            self.single_keys.remove(&old);
        }
        self.single_keys.insert(key.clone());
        self.singles.push_back(key);
    }

    /// Whether transaction `key` was emitted. Debezium's ids name one transaction each;
    /// Replicate's may be reused, so there the event's position must also lie within
    /// the remembered transaction's span.
    pub(crate) fn knows_transaction(
        &self,
        source: TransactionSource,
        key: &str,
        position: Option<&SourcePosition>,
    ) -> bool {
        if !self.keys.contains_key(key) {
            return false;
        }
        let Some(position) = position.filter(|_| !source.ends_order()) else {
            return true;
        };
        self.transactions.iter().filter(|t| t.key == key).any(|t| {
            let after_first = t
                .first
                .as_ref()
                .is_none_or(|f| f.stream_cmp(position).is_none_or(|o| o != Ordering::Greater));
            let before_last = t
                .last
                .as_ref()
                .is_none_or(|l| l.stream_cmp(position).is_none_or(|o| o != Ordering::Less));
            after_first && before_last
        })
    }

    pub(crate) fn knows_single(&self, key: &EventKey) -> bool {
        self.single_keys.contains(key)
    }

    /// Whether `position` is at or before the watermark.
    pub(crate) fn below_watermark(&self, position: &SourcePosition) -> bool {
        self.watermark
            .as_ref()
            .and_then(|w| position.stream_cmp(w))
            .is_some_and(|o| o != Ordering::Greater)
    }

    /// Raises the watermark to `position` if it is higher (or there is none). Positions
    /// that do not order against others (PostgreSQL without the commit LSN before) leave
    /// it as it is.
    pub(crate) fn raise_watermark(&mut self, position: &SourcePosition) {
        if !position.is_ordered() {
            return;
        }
        let higher = match &self.watermark {
            None => true,
            Some(w) => position.stream_cmp(w).is_none_or(|o| o == Ordering::Greater),
        };
        if higher {
            self.watermark = Some(position.clone());
        }
    }

    /// Whether a PostgreSQL `END` with this commit LSN belongs to an emitted
    /// transaction.
    pub(crate) fn end_emitted(&self, commit_lsn: i64) -> bool {
        self.end_watermark.is_some_and(|w| commit_lsn <= w)
    }

    /// Raises the `END` watermark to `commit_lsn` if it is higher.
    pub(crate) fn raise_end_watermark(&mut self, commit_lsn: i64) {
        self.end_watermark = Some(self.end_watermark.map_or(commit_lsn, |w| w.max(commit_lsn)));
    }
}
