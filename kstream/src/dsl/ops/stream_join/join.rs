//! The join processor of one side of a windowed stream-stream join.

use std::sync::Arc;

use bytes::Bytes;

use super::outer::{LEFT, RIGHT, WaitingStore};
use super::{JoinFn, JoinTimes};
use crate::dsl::nulls::RecordNulls;
use crate::error::{Error, Result};
use crate::processor::{Fanout, Node, TaskCtx};
use crate::serdes::SerdeRef;
use crate::store::WindowStore;
use crate::window::JoinWindows;

/// Which side a join processor is, and what it needs to know of the join.
#[derive(Clone)]
pub(crate) struct JoinSide {
    /// The join's identity in the task (its left processor's name).
    pub(crate) join: String,
    pub(crate) processor: String,
    /// 0: the left (this) stream; 1: the right (other) stream.
    pub(crate) side: usize,
    pub(crate) windows: JoinWindows,
    /// Whether this side's records without a partner are emitted (left side of a left
    /// join, both sides of an outer join).
    pub(crate) outer: bool,
    /// The other side's window store.
    pub(crate) other_store: String,
    /// The shared store of records waiting for their window to close, when the join
    /// is a left or outer join.
    pub(crate) waiting_store: Option<String>,
}

impl JoinSide {
    /// How far back and ahead of a record of this side the other side's records join.
    fn before_after(&self) -> (i64, i64) {
        let w = &self.windows;
        if self.side == 0 {
            (w.before_ms, w.after_ms)
        } else {
            (w.after_ms, w.before_ms)
        }
    }

    fn side_byte(side: usize) -> u8 {
        if side == 0 { LEFT } else { RIGHT }
    }
}

/// Joins each record of its side (values `T`) with the other side's records (values
/// `O`) of its key within the join window; see the module documentation of
/// `stream_join` for the records without a partner.
pub(crate) struct StreamStreamJoin<K, T, O, VR> {
    pub(crate) side: JoinSide,
    pub(crate) nulls: RecordNulls<K, T>,
    pub(crate) keys: SerdeRef<K>,
    pub(crate) this_values: SerdeRef<T>,
    pub(crate) other_values: SerdeRef<O>,
    pub(crate) joiner: JoinFn<K, T, O, VR>,
    pub(crate) size_ms: i64,
    pub(crate) other: Option<WindowStore<K, O>>,
    pub(crate) waiting: Option<WaitingStore>,
    pub(crate) out: Fanout<K, VR>,
}

impl<K: Clone + 'static, T: Clone + 'static, O: Clone + 'static, VR: Clone + 'static>
    StreamStreamJoin<K, T, O, VR>
{
    fn times(&self, ctx: &mut TaskCtx) -> JoinTimes {
        *ctx.join_times.entry(self.side.join.clone()).or_default()
    }

    fn set_times(&self, ctx: &mut TaskCtx, times: JoinTimes) {
        ctx.join_times.insert(self.side.join.clone(), times);
    }

    fn serde_error(&self, part: &'static str, e: crate::serdes::SerdeError) -> Error {
        Error::Store {
            store: self.side.waiting_store.clone().unwrap_or_default(),
            source: crate::store::StoreError::Deserialize {
                part,
                source: e.into(),
            },
        }
    }

    /// Emits the waiting records whose window has closed, oldest first, and forgets
    /// them.
    fn emit_unjoined(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        let Some(waiting) = &self.waiting else {
            return Ok(());
        };
        let mut times = self.times(ctx);
        let (_, after) = self.side.before_after();
        let grace = self.side.windows.grace_ms;
        // Wrapping as Kafka's long arithmetic does: with nothing waiting the sum
        // overflows, and the throttle below is consulted (and its slot taken).
        if times.min_waiting.wrapping_add(after).wrapping_add(grace) >= times.stream_time {
            return Ok(());
        }
        if ctx.wall_time < times.next_emit {
            return Ok(());
        }
        let interval = i64::try_from(ctx.handling.join_emit_interval.as_millis()).unwrap_or(i64::MAX);
        times.next_emit = ctx.wall_time.saturating_add(interval);
        times.min_waiting = i64::MAX;
        let (mut left_open, mut right_open) = (false, false);
        let mut emitted: Vec<Bytes> = Vec::new();
        let mut results = Vec::new();
        for entry in waiting.all()? {
            times.min_waiting = entry.timestamp;
            if left_open && right_open {
                break;
            }
            let is_left = entry.side == LEFT;
            let lookback = if is_left {
                self.side.windows.after_ms
            } else {
                self.side.windows.before_ms
            };
            if entry.timestamp.saturating_add(lookback).saturating_add(grace) >= times.stream_time {
                if is_left {
                    left_open = true;
                } else {
                    right_open = true;
                }
                continue;
            }
            let key = self
                .keys
                .deserialize("", Some(&entry.record_key))
                .map_err(|e| self.serde_error("key", e))?;
            let this_side = entry.side == JoinSide::side_byte(self.side.side);
            for value in &entry.values {
                let result = if this_side {
                    let v = self
                        .this_values
                        .deserialize("", Some(value))
                        .map_err(|e| self.serde_error("value", e))?;
                    (self.joiner)(&key, Some(&v), None)
                } else {
                    let v = self
                        .other_values
                        .deserialize("", Some(value))
                        .map_err(|e| self.serde_error("value", e))?;
                    (self.joiner)(&key, None, Some(&v))
                };
                results.push((key.clone(), result, entry.timestamp));
            }
            emitted.push(entry.key);
        }
        for key in emitted {
            waiting.delete(key);
        }
        self.set_times(ctx, times);
        for (key, result, timestamp) in results {
            self.out.forward_at(ctx, timestamp, key, result)?;
        }
        Ok(())
    }
}

impl<K: Clone + 'static, T: Clone + 'static, O: Clone + 'static, VR: Clone + 'static> Node<K, T>
    for StreamStreamJoin<K, T, O, VR>
{
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.other = Some(ctx.window_store(&self.side.other_store, &self.side.processor, self.size_ms)?);
        if let Some(name) = &self.side.waiting_store {
            let store = ctx.stores.get(name).ok_or_else(|| Error::UnknownStore {
                store: name.clone(),
                processor: self.side.processor.clone(),
            })?;
            self.waiting = Some(WaitingStore(store.state.clone()));
        }
        Ok(())
    }

    fn process(&mut self, ctx: &mut TaskCtx, key: K, value: T) -> Result<()> {
        let t = ctx.meta.timestamp;
        let mut times = self.times(ctx);
        times.stream_time = times.stream_time.max(t);
        self.set_times(ctx, times);
        let (key_null, value_null) = (self.nulls.key_is_null(&key), self.nulls.value_is_null(&value));
        if self.side.outer && key_null && !value_null {
            let result = (self.joiner)(&key, Some(&value), None);
            return self.out.forward(ctx, key, result);
        }
        if self.nulls.skips(ctx, &key, &value) {
            return Ok(());
        }
        if t == times.stream_time && self.waiting.is_some() {
            self.emit_unjoined(ctx)?;
        }
        let (before, after) = self.side.before_after();
        let (from, to) = ((t - before).max(0), (t + after).max(0));
        let other = self.other.as_ref().ok_or_else(|| Error::UnknownStore {
            store: self.side.other_store.clone(),
            processor: self.side.processor.clone(),
        })?;
        let key_bytes = other.key_bytes(&key)?;
        // The other side's store keeps its records for the window and the grace after
        // its newest one.
        let retention = self.size_ms + self.side.windows.grace_ms;
        let oldest = self.times(ctx).stored[1 - self.side.side].saturating_sub(retention) + 1;
        let matches: Vec<_> = other
            .fetch_range_bytes(&key_bytes, from.max(oldest), to)?
            .into_iter()
            .collect();
        let other_side = JoinSide::side_byte(1 - self.side.side);
        let mut results = Vec::with_capacity(matches.len());
        for (other_time, other_value) in &matches {
            if let Some(waiting) = &self.waiting {
                waiting.remove(*other_time, other_side, &key_bytes)?;
            }
            results.push((
                (self.joiner)(&key, Some(&value), Some(&other_value.value)),
                t.max(*other_time),
            ));
        }
        for (result, timestamp) in results {
            self.out.forward_at(ctx, timestamp, key.clone(), result)?;
        }
        if self.side.outer && matches.is_empty() {
            let times = self.times(ctx);
            match &self.waiting {
                Some(waiting) if to >= times.stream_time => {
                    let mut times = times;
                    times.min_waiting = times.min_waiting.min(t);
                    self.set_times(ctx, times);
                    let bytes = self
                        .this_values
                        .serialize("", &value)
                        .map_err(|e| self.serde_error("value", e))?
                        .unwrap_or_default();
                    waiting.append(t, JoinSide::side_byte(self.side.side), &key_bytes, &bytes)?;
                }
                _ => {
                    let result = (self.joiner)(&key, Some(&value), None);
                    self.out.forward_at(ctx, t, key, result)?;
                }
            }
        }
        Ok(())
    }
}

/// The joiner of the right side: the user's, with the sides swapped back.
pub(crate) fn swapped<K: 'static, T: 'static, O: 'static, VR: 'static>(
    joiner: JoinFn<K, O, T, VR>,
) -> JoinFn<K, T, O, VR> {
    Arc::new(move |k, this, other| joiner(k, other, this))
}
