//! The aggregation of a grouped stream in time windows (tumbling or hopping).

use std::collections::BTreeSet;

use bytes::Bytes;

use super::WindowedParts;
use crate::dsl::ops::{Change, Emitter};
use crate::error::{Error, Result};
use crate::processor::{Node, TaskCtx};
use crate::store::WindowStore;
use crate::store::window::window_key;
use crate::window::{EmitStrategy, TimeWindows, Window, Windowed};

/// The windows of a store waiting to close, for an aggregation that emits on close:
/// `(end, key bytes, start)`, so that the first ones are the first to close.
#[derive(Default)]
pub(crate) struct ClosingWindows(BTreeSet<(i64, Bytes, i64)>);

impl ClosingWindows {
    pub(crate) fn insert(&mut self, end: i64, key: Bytes, start: i64) {
        self.0.insert((end, key, start));
    }

    /// Takes the windows that `closed` says have closed, first to close first.
    pub(crate) fn take_closed(&mut self, closed: impl Fn(i64) -> bool) -> Vec<(Bytes, i64, i64)> {
        let mut out = Vec::new();
        while let Some(first) = self.0.first() {
            if !closed(first.0) {
                break;
            }
            let (end, key, start) = self.0.pop_first().expect("a first window");
            out.push((key, start, end));
        }
        out
    }
}

/// Folds each record into the windows of its key it falls in that are still open, and
/// emits each update (or each window once closed); a record whose windows have all
/// closed is late.
pub(crate) struct TimeAggregate<K, V, A> {
    pub(crate) parts: WindowedParts<K, V, A>,
    pub(crate) windows: TimeWindows,
    pub(crate) out: Emitter<Windowed<K>, A>,
    pub(crate) store: Option<WindowStore<K, A>>,
    /// The largest timestamp this node has seen.
    pub(crate) observed: i64,
    pub(crate) closing: ClosingWindows,
}

impl<K, V, A> TimeAggregate<K, V, A> {
    pub(crate) fn new(
        parts: WindowedParts<K, V, A>,
        windows: TimeWindows,
        out: Emitter<Windowed<K>, A>,
    ) -> Self {
        TimeAggregate {
            parts,
            windows,
            out,
            store: None,
            observed: i64::MIN,
            closing: ClosingWindows::default(),
        }
    }
}

/// The store of a windowed node, once opened.
pub(crate) fn opened<'a, S>(store: &'a Option<S>, name: &str, processor: &str) -> Result<&'a S> {
    store.as_ref().ok_or_else(|| Error::UnknownStore {
        store: name.to_owned(),
        processor: processor.to_owned(),
    })
}

/// Emits, once each, the windows of `closing` that `closed` (given a window's end) says
/// have closed, with what `lookup` finds of them: their key, value and timestamp (a
/// window no longer stored, merged away, is skipped).
pub(crate) fn emit_closed<K: Clone + 'static, A: Clone + 'static>(
    ctx: &mut TaskCtx,
    closing: &mut ClosingWindows,
    out: &mut Emitter<Windowed<K>, A>,
    closed: impl Fn(i64) -> bool,
    mut lookup: impl FnMut(&[u8], Window) -> Result<Option<(K, A, i64)>>,
) -> Result<()> {
    for (key_bytes, start, end) in closing.take_closed(closed) {
        let window = Window::new(start, end);
        let Some((key, value, timestamp)) = lookup(&key_bytes, window)? else {
            continue;
        };
        let change = Change {
            new: Some(value),
            old: None,
        };
        out.forward_now(ctx, timestamp, Windowed::new(key, window), change)?;
    }
    Ok(())
}

/// What a window store holds of a closed window: its key, value and timestamp.
pub(crate) fn stored_window<K: 'static, A: 'static>(
    store: &WindowStore<K, A>,
    key_bytes: &[u8],
    window: Window,
) -> Result<Option<(K, A, i64)>> {
    match store.fetch_bytes(key_bytes, window.start)? {
        Some(v) => Ok(Some((store.key_of(key_bytes)?, v.value, v.timestamp))),
        None => Ok(None),
    }
}

impl<K: Clone + 'static, V: Clone + 'static, A: Clone + 'static> Node<K, V> for TimeAggregate<K, V, A> {
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        let store =
            ctx.window_store::<K, A>(&self.parts.store, &self.parts.processor, self.windows.size_ms)?;
        self.out.caching(ctx.caches(&self.parts.store));
        // A task that resumes (moved or restarted) judges lateness by the stream
        // time it had reached, kept with its committed offsets.
        self.observed = ctx.stream_time;
        if self.parts.emit == EmitStrategy::OnWindowClose {
            let close = self.observed.saturating_sub(self.windows.grace_ms);
            for (key, start, _) in store.all_bytes()? {
                let end = store.window(start).end;
                if end > close {
                    self.closing.insert(end, key, start);
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
        if self.parts.nulls.skips_key(ctx, &key) {
            return Ok(());
        }
        let timestamp = ctx.meta.timestamp;
        self.observed = self.observed.max(timestamp);
        let close = self.observed.saturating_sub(self.windows.grace_ms);
        let store = opened(&self.store, &self.parts.store, &self.parts.processor)?;
        let key_bytes = store.key_bytes(&key)?;
        let mut windows = self.windows.windows_of(timestamp).peekable();
        // The value is cloned for each window but the last, which takes it.
        let mut value = Some(value);
        while let Some(window) = windows.next() {
            let start = window.start;
            if window.end <= close {
                // Counted once per closed window, as Kafka counts it.
                ctx.skip_late(&self.parts.processor, self.parts.late.as_ref());
                continue;
            }
            let old = store.fetch_bytes(&key_bytes, start)?;
            let (old, new_timestamp) = match old {
                Some(o) => (Some(o.value), timestamp.max(o.timestamp)),
                None => (None, timestamp),
            };
            let this = if windows.peek().is_some() {
                value.clone()
            } else {
                value.take()
            };
            let Some(this) = this else { break };
            let new = (self.parts.step)(&key, this, old.clone());
            let len = store.put_bytes(&key_bytes, start, Some(&new), new_timestamp)?;
            match self.parts.emit {
                EmitStrategy::OnWindowUpdate => {
                    let old = old.or_else(|| self.parts.initial.as_ref().map(|init| init()));
                    let change = Change { new: Some(new), old };
                    let cache_key = window_key(&key_bytes, start, 0);
                    let windowed = Windowed::new(key.clone(), window);
                    self.out
                        .emit(ctx, &cache_key, windowed, change, new_timestamp, len)?;
                }
                EmitStrategy::OnWindowClose => self.closing.insert(window.end, key_bytes.clone(), start),
            }
        }
        if self.parts.emit_due(ctx) {
            let store = opened(&self.store, &self.parts.store, &self.parts.processor)?;
            emit_closed(
                ctx,
                &mut self.closing,
                &mut self.out,
                |end| end <= close,
                |k, w| stored_window(store, k, w),
            )?;
        }
        Ok(())
    }
}
