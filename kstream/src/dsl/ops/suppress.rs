//! A table's suppression: its updates wait in a buffer, one per key, until due (the
//! window closed, or a time limit after the key's first waiting update), then go on
//! with the metadata of the key's last update. The buffer is kept in a store logged
//! to its changelog, so it survives a restart.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use bytes::{Buf, BufMut, Bytes, BytesMut};

use super::Change;
use crate::dsl::options::{BufferConfig, DueTime, WhenFull};
use crate::error::{Error, Result};
use crate::processor::{Fanout, Node, RecordMeta, TaskCtx};
use crate::serdes::SerdeRef;
use crate::store::StateStore;

/// One key's update waiting in the buffer.
struct Waiting<K, V> {
    key: K,
    change: Change<V>,
    meta: RecordMeta,
    size: u64,
}

/// The suppression of one table in one task.
pub(crate) struct Suppress<K, V> {
    processor: String,
    store: String,
    /// How long after its due time an update is emitted.
    wait_ms: i64,
    due: DueTime<K>,
    buffer: BufferConfig,
    drop_tombstones: bool,
    keys: SerdeRef<K>,
    values: SerdeRef<V>,
    out: Fanout<K, Change<V>>,
    state: Option<Arc<StateStore>>,
    /// The waiting updates by due time, then key bytes.
    waiting: BTreeMap<(i64, Bytes), Waiting<K, V>>,
    /// The due time of each waiting key.
    index: HashMap<Bytes, i64>,
    bytes: u64,
    observed: i64,
}

impl<K, V> Suppress<K, V> {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        processor: String,
        store: String,
        wait_ms: i64,
        due: DueTime<K>,
        buffer: BufferConfig,
        drop_tombstones: bool,
        keys: SerdeRef<K>,
        values: SerdeRef<V>,
        out: Fanout<K, Change<V>>,
    ) -> Self {
        Suppress {
            processor,
            store,
            wait_ms,
            due,
            buffer,
            drop_tombstones,
            keys,
            values,
            out,
            state: None,
            waiting: BTreeMap::new(),
            index: HashMap::new(),
            bytes: 0,
            observed: -1,
        }
    }
}

fn len_of(b: &Option<Bytes>) -> u64 {
    b.as_ref().map_or(0, |b| b.len() as u64)
}

fn put_part(out: &mut BytesMut, part: &Option<Bytes>) {
    match part {
        Some(b) => {
            out.put_i32(b.len() as i32);
            out.put_slice(b);
        }
        None => out.put_i32(-1),
    }
}

fn get_part(data: &mut &[u8]) -> Option<Option<Bytes>> {
    if data.remaining() < 4 {
        return None;
    }
    let len = data.get_i32();
    if len < 0 {
        return Some(None);
    }
    let len = len as usize;
    if data.remaining() < len {
        return None;
    }
    let part = Bytes::copy_from_slice(&data[..len]);
    data.advance(len);
    Some(Some(part))
}

impl<K: Clone + 'static, V: Clone + 'static> Suppress<K, V> {
    fn serde_error(&self, part: &'static str, e: crate::serdes::SerdeError) -> Error {
        Error::Store {
            store: self.store.clone(),
            source: crate::store::StoreError::Serialize {
                part,
                source: e.into(),
            },
        }
    }

    fn value_bytes(&self, v: &Option<V>) -> Result<Option<Bytes>> {
        match v {
            Some(v) => self
                .values
                .serialize(&self.store, v)
                .map_err(|e| self.serde_error("value", e)),
            None => Ok(None),
        }
    }

    /// The stored form of a waiting update: its due time, its record's timestamp,
    /// offset, partition and topic, then its new and old values.
    fn encode(&self, due: i64, w: &Waiting<K, V>, new: &Option<Bytes>, old: &Option<Bytes>) -> Bytes {
        let mut out = BytesMut::new();
        out.put_i64(due);
        out.put_i64(w.meta.timestamp);
        out.put_i64(w.meta.offset);
        out.put_i32(w.meta.partition);
        put_part(&mut out, &Some(Bytes::copy_from_slice(w.meta.topic.as_bytes())));
        put_part(&mut out, new);
        put_part(&mut out, old);
        out.freeze()
    }

    /// Rebuilds the buffer from the store (after a restore).
    fn restore(&mut self, state: &StateStore) -> Result<()> {
        for (key_bytes, stored) in state.range(std::ops::Bound::Unbounded, std::ops::Bound::Unbounded)? {
            let corrupt = || crate::store::corrupt(&self.store, &key_bytes);
            let mut data = &stored[..];
            if data.remaining() < 28 {
                return Err(corrupt());
            }
            let (due, timestamp, offset, partition) =
                (data.get_i64(), data.get_i64(), data.get_i64(), data.get_i32());
            let topic = get_part(&mut data).ok_or_else(corrupt)?.unwrap_or_default();
            let new = get_part(&mut data).ok_or_else(corrupt)?;
            let old = get_part(&mut data).ok_or_else(corrupt)?;
            let decode = |b: Option<Bytes>| -> Result<Option<V>> {
                match b {
                    Some(b) => self
                        .values
                        .deserialize(&self.store, Some(&b))
                        .map(Some)
                        .map_err(|e| self.serde_error("value", e)),
                    None => Ok(None),
                }
            };
            let size = 8 + key_bytes.len() as u64 + len_of(&new) + len_of(&old) + 20 + topic.len() as u64;
            let key = self
                .keys
                .deserialize(&self.store, Some(&key_bytes))
                .map_err(|e| self.serde_error("key", e))?;
            let waiting = Waiting {
                key,
                change: Change {
                    new: decode(new)?,
                    old: decode(old)?,
                },
                meta: RecordMeta {
                    topic: String::from_utf8_lossy(&topic).as_ref().into(),
                    partition,
                    offset,
                    timestamp,
                    headers: Default::default(),
                },
                size,
            };
            self.bytes += size;
            self.index.insert(key_bytes.clone(), due);
            self.waiting.insert((due, key_bytes), waiting);
        }
        Ok(())
    }

    /// Puts the current update of `key` in the buffer: at its due time, or, when the
    /// key is waiting already, in its place (the wait does not start over).
    fn buffer(&mut self, ctx: &TaskCtx, key: K, change: Change<V>) -> Result<()> {
        let key_bytes = self
            .keys
            .serialize(&self.store, &key)
            .map_err(|e| self.serde_error("key", e))?
            .unwrap_or_default();
        let due = match self.index.get(&key_bytes) {
            Some(due) => *due,
            None => (self.due)(&key, ctx.meta.timestamp),
        };
        let (new, old) = (self.value_bytes(&change.new)?, self.value_bytes(&change.old)?);
        let context = 8 + 8 + 4 + ctx.meta.topic.len() as u64;
        let size = 8 + key_bytes.len() as u64 + len_of(&new) + len_of(&old) + context;
        let w = Waiting {
            key,
            change,
            meta: ctx.meta.clone(),
            size,
        };
        let stored = self.encode(due, &w, &new, &old);
        if let Some(previous) = self.waiting.insert((due, key_bytes.clone()), w) {
            self.bytes -= previous.size;
        }
        self.bytes += size;
        self.index.insert(key_bytes.clone(), due);
        if let Some(state) = &self.state {
            state.put_stamped(key_bytes, Some(stored), ctx.meta.timestamp);
        }
        Ok(())
    }

    fn over_capacity(&self) -> bool {
        self.index.len() as u64 > self.buffer.max_records || self.bytes > self.buffer.max_bytes
    }

    /// Emits the first waiting update.
    fn evict_first(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        let Some(((_, key_bytes), w)) = self.waiting.pop_first() else {
            return Ok(());
        };
        self.index.remove(&key_bytes);
        self.bytes -= w.size;
        if let Some(state) = &self.state {
            state.put_stamped(key_bytes, None, w.meta.timestamp);
        }
        if w.change.new.is_none() && self.drop_tombstones {
            return Ok(());
        }
        let saved = std::mem::replace(&mut ctx.meta, w.meta);
        let result = self.out.forward(ctx, w.key, w.change);
        ctx.meta = saved;
        result
    }
}

impl<K: Clone + 'static, V: Clone + 'static> Node<K, Change<V>> for Suppress<K, V> {
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        if let Some(store) = ctx.stores.get(&self.store) {
            let state = store.state.clone();
            self.restore(&state)?;
            self.state = Some(state);
        }
        Ok(())
    }

    fn process(&mut self, ctx: &mut TaskCtx, key: K, change: Change<V>) -> Result<()> {
        self.observed = self.observed.max(ctx.meta.timestamp);
        self.buffer(ctx, key, change)?;
        let expiry = self.observed.saturating_sub(self.wait_ms);
        while self
            .waiting
            .first_key_value()
            .is_some_and(|((due, _), _)| *due <= expiry)
        {
            self.evict_first(ctx)?;
        }
        if self.over_capacity() {
            match self.buffer.when_full {
                WhenFull::EmitEarly => {
                    while self.over_capacity() {
                        self.evict_first(ctx)?;
                    }
                }
                WhenFull::ShutDown => {
                    return Err(Error::Processor {
                        processor: self.processor.clone(),
                        source: format!(
                            "{} buffer exceeded its max capacity. Currently [{}/{}] records and [{}/{}] bytes.",
                            self.processor,
                            self.index.len(),
                            self.buffer.max_records,
                            self.bytes,
                            self.buffer.max_bytes
                        )
                        .into(),
                    });
                }
            }
        }
        Ok(())
    }
}
