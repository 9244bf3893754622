//! The aggregation of a grouped stream in sliding windows.
//!
//! A record at `t` has a left window `[t - d, t]` (it is the window's last record) and
//! a right window `[t + 1, t + 1 + d]` (the records after it, within `d`): only these
//! windows exist, and only when they hold records. Each record updates the existing
//! windows it falls in and creates its own windows, and the right window of the record
//! before it, from what the store holds; each window's value is stamped with the
//! largest record timestamp in it, which tells where the records are. This is Kafka
//! Streams' algorithm (KIP-450), step for step, so that the windows and the order of
//! updates are Kafka's.

use std::collections::BTreeSet;

use bytes::Bytes;

use super::WindowedParts;
use super::time::{ClosingWindows, emit_closed, opened, stored_window};
use crate::dsl::ops::{Change, Emitter};
use crate::error::{Error, Result};
use crate::processor::{Node, TaskCtx};
use crate::store::window::window_key;
use crate::store::{ValueAndTimestamp, WindowStore};
use crate::window::{EmitStrategy, SlidingWindows, Window, Windowed};

/// Folds each record into the sliding windows of its key (see the module
/// documentation).
pub(crate) struct SlidingAggregate<K, V, A> {
    pub(crate) parts: WindowedParts<K, V, A>,
    pub(crate) windows: SlidingWindows,
    pub(crate) out: Emitter<Windowed<K>, A>,
    pub(crate) store: Option<WindowStore<K, A>>,
    pub(crate) observed: i64,
    pub(crate) closing: ClosingWindows,
}

/// One record being folded in: its key, value and timestamp, and the close time.
struct Current<'a, K, V> {
    key: &'a K,
    key_bytes: &'a Bytes,
    value: &'a V,
    timestamp: i64,
    close: i64,
}

/// What the scan of the store found around the record.
struct Found<A> {
    starts: BTreeSet<i64>,
    /// The window the record's right window copies (the latest one holding it).
    right: Option<ValueAndTimestamp<A>>,
    /// The window ending just before the record (its previous record's left window).
    left: Option<ValueAndTimestamp<A>>,
    left_exists: bool,
    right_exists: bool,
    /// The timestamp of the record before this one, when known.
    previous: Option<i64>,
}

impl<K, V, A> SlidingAggregate<K, V, A> {
    pub(crate) fn new(
        parts: WindowedParts<K, V, A>,
        windows: SlidingWindows,
        out: Emitter<Windowed<K>, A>,
    ) -> Self {
        SlidingAggregate {
            parts,
            windows,
            out,
            store: None,
            observed: i64::MIN,
            closing: ClosingWindows::default(),
        }
    }
}

impl<K: Clone + 'static, V: Clone + 'static, A: Clone + 'static> SlidingAggregate<K, V, A> {
    fn store(&self) -> Result<&WindowStore<K, A>> {
        opened(&self.store, &self.parts.store, &self.parts.processor)
    }

    fn initial(&self) -> Option<A> {
        self.parts.initial.as_ref().map(|init| init())
    }

    /// Folds the record into `window`, whose value so far is `existing`, if the window is
    /// still open; else counts the record as late for it.
    fn update(
        &mut self,
        ctx: &mut TaskCtx,
        rec: &Current<'_, K, V>,
        window: Window,
        existing: Option<ValueAndTimestamp<A>>,
    ) -> Result<()> {
        if window.end < rec.close {
            ctx.skip_late(&self.parts.processor, self.parts.late.as_ref());
            return Ok(());
        }
        let (old, timestamp) = match existing {
            Some(e) => (Some(e.value), rec.timestamp.max(e.timestamp)),
            None => (None, rec.timestamp),
        };
        let new = (self.parts.step)(rec.key, rec.value.clone(), old.clone());
        let len = self
            .store()?
            .put_bytes(rec.key_bytes, window.start, Some(&new), timestamp)?;
        self.forward(ctx, rec, window, old, new, timestamp, len)
    }

    #[allow(clippy::too_many_arguments)]
    fn forward(
        &mut self,
        ctx: &mut TaskCtx,
        rec: &Current<'_, K, V>,
        window: Window,
        old: Option<A>,
        new: A,
        timestamp: i64,
        len: usize,
    ) -> Result<()> {
        match self.parts.emit {
            EmitStrategy::OnWindowUpdate => {
                let cache_key = window_key(rec.key_bytes, window.start, 0);
                let windowed = Windowed::new(rec.key.clone(), window);
                let change = Change { new: Some(new), old };
                self.out.emit(ctx, &cache_key, windowed, change, timestamp, len)
            }
            EmitStrategy::OnWindowClose => {
                self.closing
                    .insert(window.end, rec.key_bytes.clone(), window.start);
                Ok(())
            }
        }
    }

    fn window(&self, start: i64) -> Window {
        Window::new(start, start.saturating_add(self.windows.difference_ms))
    }

    /// A record at or after `d`: scans the windows from the latest start back.
    fn process_in_time(&mut self, ctx: &mut TaskCtx, rec: &Current<'_, K, V>) -> Result<()> {
        let d = self.windows.difference_ms;
        let t = rec.timestamp;
        let mut found = Found {
            starts: BTreeSet::new(),
            right: None,
            left: None,
            left_exists: false,
            right_exists: false,
            previous: None,
        };
        let mut windows = self
            .store()?
            .fetch_range_bytes(rec.key_bytes, (t - 2 * d).max(0), t + 1)?;
        windows.reverse();
        for (start, value) in windows {
            found.starts.insert(start);
            let end = start + d;
            if start == t + 1 {
                found.right_exists = true;
            } else if end > t {
                if found.right.is_none() {
                    found.right = Some(value.clone());
                }
                self.update(ctx, rec, self.window(start), Some(value))?;
            } else if end == t {
                found.left_exists = true;
                let latest = value.timestamp;
                self.update(ctx, rec, self.window(start), Some(value))?;
                if latest < t {
                    found.previous = Some(latest);
                } else {
                    // Another record at `t` made these windows already.
                    return Ok(());
                }
            } else {
                found.previous = Some(value.timestamp);
                found.left = Some(value);
                break;
            }
        }
        self.create_windows(ctx, rec, found)
    }

    /// Creates the right window of the record before, the record's left window and its
    /// right window, where they do not exist.
    fn create_windows(&mut self, ctx: &mut TaskCtx, rec: &Current<'_, K, V>, found: Found<A>) -> Result<()> {
        let d = self.windows.difference_ms;
        let t = rec.timestamp;
        if let Some(previous) = found.previous {
            let start = previous + 1;
            if !found.starts.contains(&start) && start + d >= t {
                let base = self.initial().map(|v| ValueAndTimestamp::new(v, t));
                self.update(ctx, rec, self.window(start), base)?;
            }
        }
        if !found.left_exists {
            let base = match (found.previous, found.left) {
                (Some(previous), Some(left)) if t - d <= previous => {
                    Some(ValueAndTimestamp::new(left.value, t))
                }
                _ => self.initial().map(|v| ValueAndTimestamp::new(v, t)),
            };
            self.update(ctx, rec, self.window(t - d), base)?;
        }
        self.create_right_window(ctx, rec, found.right_exists, found.right)
    }

    /// Copies `right` (the windows holding records after this one) as the record's
    /// right window, which the record itself is not in.
    fn create_right_window(
        &mut self,
        ctx: &mut TaskCtx,
        rec: &Current<'_, K, V>,
        exists: bool,
        right: Option<ValueAndTimestamp<A>>,
    ) -> Result<()> {
        let t = rec.timestamp;
        match right {
            Some(right) if !exists && right.timestamp > t => {
                let window = self.window(t + 1);
                let len = self.store()?.put_bytes(
                    rec.key_bytes,
                    window.start,
                    Some(&right.value),
                    right.timestamp,
                )?;
                self.forward(ctx, rec, window, None, right.value, right.timestamp, len)
            }
            _ => Ok(()),
        }
    }

    /// A record before `d`: the windows that would start before the epoch are one
    /// window, `[0, d]`.
    fn process_early(&mut self, ctx: &mut TaskCtx, rec: &Current<'_, K, V>) -> Result<()> {
        let t = rec.timestamp;
        let mut combined: Option<ValueAndTimestamp<A>> = None;
        let mut right: Option<ValueAndTimestamp<A>> = None;
        let mut right_exists = false;
        let mut starts = BTreeSet::new();
        let mut previous = None;
        for (start, value) in self.store()?.fetch_range_bytes(rec.key_bytes, 0, t + 1)? {
            starts.insert(start);
            if start == 0 {
                if value.timestamp < t {
                    previous = Some(value.timestamp);
                }
                combined = Some(value);
            } else if start <= t {
                right = Some(value.clone());
                self.update(ctx, rec, self.window(start), Some(value))?;
            } else if start == t + 1 {
                right_exists = true;
            } else {
                return Err(Error::Store {
                    store: self.parts.store.clone(),
                    source: crate::store::StoreError::Engine {
                        operation: "scan the sliding windows",
                        source: format!("a window starting at {start} for a record at {t}").into(),
                    },
                });
            }
        }
        if right.is_none()
            && let Some(c) = &combined
            && c.timestamp > t
        {
            right = Some(c.clone());
        }
        self.create_right_window(ctx, rec, right_exists, right)?;
        if let Some(previous) = previous
            && !starts.contains(&(previous + 1))
        {
            let base = self.initial().map(|v| ValueAndTimestamp::new(v, t));
            self.update(ctx, rec, self.window(previous + 1), base)?;
        }
        let base = match combined {
            Some(c) => Some(c),
            None => self.initial().map(|v| ValueAndTimestamp::new(v, t)),
        };
        self.update(ctx, rec, self.window(0), base)
    }
}

impl<K: Clone + 'static, V: Clone + 'static, A: Clone + 'static> Node<K, V> for SlidingAggregate<K, V, A> {
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        let d = self.windows.difference_ms;
        let store = ctx.window_store::<K, A>(&self.parts.store, &self.parts.processor, d)?;
        self.out
            .caching(ctx.caches(&self.parts.store) && self.parts.emit == EmitStrategy::OnWindowUpdate);
        // A task that resumes (moved or restarted) judges lateness by the stream
        // time it had reached, kept with its committed offsets.
        self.observed = ctx.stream_time;
        if self.parts.emit == EmitStrategy::OnWindowClose {
            let close = self.observed.saturating_sub(self.windows.grace_ms);
            for (key, start, _) in store.all_bytes()? {
                if start + d >= close {
                    self.closing.insert(start + d, key, start);
                }
            }
        }
        self.store = Some(store);
        Ok(())
    }

    fn flush_cache(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.out.flush(ctx)
    }

    fn process(&mut self, ctx: &mut TaskCtx, key: K, value: V) -> Result<()> {
        if self.parts.nulls.skips(ctx, &key, &value) {
            return Ok(());
        }
        let t = ctx.meta.timestamp;
        self.observed = self.observed.max(t);
        let close = self.observed.saturating_sub(self.windows.grace_ms);
        let d = self.windows.difference_ms;
        if t.saturating_add(d) < close {
            ctx.skip_late(&self.parts.processor, self.parts.late.as_ref());
        } else {
            let key_bytes = self.store()?.key_bytes(&key)?;
            let rec = Current {
                key: &key,
                key_bytes: &key_bytes,
                value: &value,
                timestamp: t,
                close,
            };
            if t < d {
                // Kafka checks no closed windows after an early record.
                return self.process_early(ctx, &rec);
            }
            self.process_in_time(ctx, &rec)?;
        }
        if self.parts.emit_due(ctx) {
            let store = opened(&self.store, &self.parts.store, &self.parts.processor)?;
            emit_closed(
                ctx,
                &mut self.closing,
                &mut self.out,
                |end| end < close,
                |k, w| stored_window(store, k, w),
            )?;
        }
        Ok(())
    }
}
