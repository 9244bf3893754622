//! The aggregation of a grouped stream in session windows.

use std::sync::Arc;

use super::WindowedParts;
use super::time::{ClosingWindows, emit_closed, opened};
use crate::dsl::ops::{Change, Emitter};
use crate::error::Result;
use crate::processor::{Node, TaskCtx};
use crate::store::SessionStore;
use crate::store::window::session_key;
use crate::window::{EmitStrategy, SessionWindows, Window, Windowed};

/// Merges the aggregates of two sessions that a record joins into one.
pub(crate) type SessionMerger<K, A> = Arc<dyn Fn(&K, A, A) -> A + Send + Sync>;

/// Folds each record into its key's session: the sessions it falls within a gap of are
/// merged into one (each removed with a tombstone downstream), and the new session is
/// emitted, stamped with its end. A record whose session would end before the window
/// close time is late.
pub(crate) struct SessionAggregate<K, V, A> {
    pub(crate) parts: WindowedParts<K, V, A>,
    pub(crate) windows: SessionWindows,
    pub(crate) merger: SessionMerger<K, A>,
    pub(crate) out: Emitter<Windowed<K>, A>,
    pub(crate) store: Option<SessionStore<K, A>>,
    pub(crate) observed: i64,
    pub(crate) closing: ClosingWindows,
}

impl<K, V, A> SessionAggregate<K, V, A> {
    pub(crate) fn new(
        parts: WindowedParts<K, V, A>,
        windows: SessionWindows,
        merger: SessionMerger<K, A>,
        out: Emitter<Windowed<K>, A>,
    ) -> Self {
        SessionAggregate {
            parts,
            windows,
            merger,
            out,
            store: None,
            observed: i64::MIN,
            closing: ClosingWindows::default(),
        }
    }
}

impl<K, V, A> SessionAggregate<K, V, A> {
    /// The session close time: a session ending before it is closed (the stream time
    /// less the grace and the gap, as Kafka Streams reckons it).
    fn close(&self) -> i64 {
        self.observed
            .saturating_sub(self.windows.grace_ms)
            .saturating_sub(self.windows.gap_ms)
    }
}

impl<K: Clone + 'static, V: Clone + 'static, A: Clone + 'static> SessionAggregate<K, V, A> {
    /// Emits, for an aggregation that emits on close, the sessions now closed (ending
    /// before the close time), stamped with their end.
    fn emit_closed(&mut self, ctx: &mut TaskCtx, close: i64) -> Result<()> {
        let store = opened(&self.store, &self.parts.store, &self.parts.processor)?;
        emit_closed(
            ctx,
            &mut self.closing,
            &mut self.out,
            |end| end < close,
            |k, w| {
                Ok(match store.fetch_bytes(k, w)? {
                    Some(value) => Some((store.key_of(k)?, value, w.end)),
                    None => None,
                })
            },
        )
    }
}

impl<K: Clone + 'static, V: Clone + 'static, A: Clone + 'static> Node<K, V> for SessionAggregate<K, V, A> {
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        let store = ctx.session_store::<K, A>(&self.parts.store, &self.parts.processor)?;
        self.out.caching(ctx.caches(&self.parts.store));
        // A task that resumes (moved or restarted) judges lateness by the stream
        // time it had reached, kept with its committed offsets.
        self.observed = ctx.stream_time;
        if self.parts.emit == EmitStrategy::OnWindowClose {
            let close = self.close();
            for (key, window) in store.all_bytes()? {
                if window.end >= close {
                    self.closing.insert(window.end, key, window.start);
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
        let close = self.close();
        let gap = self.windows.gap_ms;
        let store = opened(&self.store, &self.parts.store, &self.parts.processor)?;
        let key_bytes = store.key_bytes(&key)?;
        let overlapping = store.find_sessions_bytes(
            &key_bytes,
            timestamp.saturating_sub(gap),
            timestamp.saturating_add(gap),
        )?;
        let mut merged = Window::new(timestamp, timestamp);
        let mut aggregate = self.parts.initial.as_ref().map(|init| init());
        for (window, value) in &overlapping {
            aggregate = Some(match aggregate {
                Some(agg) => (self.merger)(&key, agg, value.clone()),
                None => value.clone(),
            });
            merged = Window::new(merged.start.min(window.start), merged.end.max(window.end));
        }
        if merged.end < close {
            ctx.skip_late(&self.parts.processor, self.parts.late.as_ref());
            if self.parts.emit_due(ctx) {
                self.emit_closed(ctx, close)?;
            }
            return Ok(());
        }
        if merged != Window::new(timestamp, timestamp) {
            for (window, value) in overlapping {
                store.put_bytes(&key_bytes, window, None, timestamp)?;
                if self.parts.emit == EmitStrategy::OnWindowUpdate {
                    let change = Change {
                        new: None,
                        old: Some(value),
                    };
                    let cache_key = session_key(&key_bytes, window.start, window.end);
                    self.out.emit(
                        ctx,
                        &cache_key,
                        Windowed::new(key.clone(), window),
                        change,
                        window.end,
                        0,
                    )?;
                }
            }
        }
        let new = (self.parts.step)(&key, value, aggregate);
        let len = store.put_bytes(&key_bytes, merged, Some(&new), timestamp)?;
        match self.parts.emit {
            EmitStrategy::OnWindowUpdate => {
                let change = Change {
                    new: Some(new),
                    old: None,
                };
                let cache_key = session_key(&key_bytes, merged.start, merged.end);
                self.out.emit(
                    ctx,
                    &cache_key,
                    Windowed::new(key, merged),
                    change,
                    merged.end,
                    len,
                )?;
            }
            EmitStrategy::OnWindowClose => {
                self.closing.insert(merged.end, key_bytes, merged.start);
                if self.parts.emit_due(ctx) {
                    self.emit_closed(ctx, close)?;
                }
            }
        }
        Ok(())
    }
}
