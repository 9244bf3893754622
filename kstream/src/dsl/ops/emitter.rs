//! How a stored table operation (a table source, an aggregation, a materialized table)
//! passes its changes on: at once, or, with record caching on (Kafka Streams' caching
//! layer over its store), once per key per commit.
//!
//! With caching, a change is held under its key's bytes until the task commits (or the
//! thread's cache holds more than its share of `statestore.cache.max.bytes`): then each
//! key's last change since the previous flush is forwarded, in the order the keys were
//! last updated, with the record context (timestamp, headers, topic, partition, offset)
//! of that last update, and with the value the key had at the previous flush as its old
//! value. A key that had no value then and has none now forwards nothing.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;

use bytes::Bytes;

use super::Change;
use crate::error::Result;
use crate::processor::{Fanout, RecordMeta, TaskCtx};

/// What an entry costs in the cache besides its key's and value's bytes (its record
/// context), as Kafka Streams counts a cache entry's overhead.
const ENTRY_OVERHEAD: usize = 64;

/// One key's change waiting in the cache.
struct Pending<K, V> {
    key: K,
    new: Option<V>,
    /// The key's value at the previous flush.
    old: Option<V>,
    meta: RecordMeta,
    /// Its place in the order of last updates.
    seq: u64,
    size: usize,
}

/// The changes of one operation's store since the last flush.
struct Cache<K, V> {
    entries: HashMap<Bytes, Pending<K, V>, foldhash::fast::RandomState>,
    order: BTreeMap<u64, Bytes>,
    next: u64,
    bytes: usize,
}

/// Passes a stored table operation's changes on, at once or through its record cache.
/// Nothing is lost when a task closes without a commit: the cache's changes are in its
/// store already, and the input offsets that caused them are not committed.
pub(crate) struct Emitter<K, V> {
    out: Fanout<K, Change<V>>,
    /// Whether changes carry their old value downstream (the old value is known either
    /// way: a cache forwards nothing for a key that had no value and has none).
    send_old: bool,
    /// The cache, when the operation's store caches (`Materialized` allows it); it is
    /// used only while the thread's budget is above zero.
    cache: Option<Cache<K, V>>,
}

impl<K: Clone + 'static, V: Clone + 'static> Emitter<K, V> {
    /// An emitter to `out` that passes old values on when `send_old`; it forwards at
    /// once until [`caching`](Self::caching) turns its cache on.
    pub(crate) fn new(out: Fanout<K, Change<V>>, send_old: bool) -> Self {
        Self {
            out,
            send_old,
            cache: None,
        }
    }

    /// Turns the cache on (at the node's init, when its store caches in this task).
    pub(crate) fn caching(&mut self, on: bool) {
        self.cache = on.then(|| Cache {
            entries: HashMap::default(),
            order: BTreeMap::new(),
            next: 0,
            bytes: 0,
        });
    }

    /// Passes on `change` of `key` (whose bytes are `key_bytes`, its new value
    /// `value_len` bytes) stamped `timestamp`; `change.old` is the key's stored value
    /// before the change, whether or not old values are sent.
    pub(crate) fn emit(
        &mut self,
        ctx: &mut TaskCtx,
        key_bytes: &Bytes,
        key: K,
        change: Change<V>,
        timestamp: i64,
        value_len: usize,
    ) -> Result<()> {
        if self.out.0.is_empty() {
            // Nothing downstream (an aggregation kept for its store alone).
            return Ok(());
        }
        let Some(cache) = self.cache.as_mut() else {
            let change = Change {
                new: change.new,
                old: change.old.filter(|_| self.send_old),
            };
            return self.out.forward_at(ctx, timestamp, key, change);
        };
        let mut meta = ctx.meta.clone();
        meta.timestamp = timestamp;
        let size = key_bytes.len() + value_len + ENTRY_OVERHEAD;
        let seq = cache.next;
        cache.next += 1;
        match cache.entries.get_mut(key_bytes) {
            Some(pending) => {
                cache.order.remove(&pending.seq);
                pending.new = change.new;
                pending.meta = meta;
                pending.seq = seq;
                cache.bytes = cache.bytes - pending.size + size;
                ctx.cache.used.fetch_sub(pending.size, Ordering::Relaxed);
                pending.size = size;
            }
            None => {
                let pending = Pending {
                    key,
                    new: change.new,
                    old: change.old,
                    meta,
                    seq,
                    size,
                };
                cache.entries.insert(key_bytes.clone(), pending);
                cache.bytes += size;
            }
        }
        cache.order.insert(seq, key_bytes.clone());
        let used = ctx.cache.used.fetch_add(size, Ordering::Relaxed) + size;
        if used > ctx.cache.max_bytes {
            // Over the thread's share: this cache flushes, as Kafka Streams evicts
            // from the cache being written.
            self.flush(ctx)?;
        }
        Ok(())
    }

    /// Forwards `change` of `key` stamped `timestamp` now, past the cache (a window's
    /// final result, emitted once when it closes).
    pub(crate) fn forward_now(
        &mut self,
        ctx: &mut TaskCtx,
        timestamp: i64,
        key: K,
        change: Change<V>,
    ) -> Result<()> {
        let change = Change {
            new: change.new,
            old: change.old.filter(|_| self.send_old),
        };
        self.out.forward_at(ctx, timestamp, key, change)
    }

    /// Forwards every key's last change since the previous flush (at a commit, or
    /// when the thread's cache is full), with its record context.
    pub(crate) fn flush(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        let Some(cache) = self.cache.as_mut() else {
            return Ok(());
        };
        if cache.entries.is_empty() {
            return Ok(());
        }
        ctx.cache.used.fetch_sub(cache.bytes, Ordering::Relaxed);
        cache.bytes = 0;
        let order = std::mem::take(&mut cache.order);
        let mut entries = std::mem::take(&mut cache.entries);
        let saved = std::mem::take(&mut ctx.meta);
        let mut result = Ok(());
        for key_bytes in order.into_values() {
            let Some(p) = entries.remove(&key_bytes) else {
                continue;
            };
            if p.new.is_none() && p.old.is_none() {
                continue;
            }
            ctx.meta = p.meta;
            let change = Change {
                new: p.new,
                old: p.old.filter(|_| self.send_old),
            };
            result = self.out.forward(ctx, p.key, change);
            if result.is_err() {
                break;
            }
        }
        ctx.meta = saved;
        result
    }
}
