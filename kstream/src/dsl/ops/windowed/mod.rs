//! The nodes of windowed aggregations: time windows (tumbling and hopping), sliding
//! windows and session windows, each into its window or session store, emitting each
//! update or each window once it closes; and the value getters that read a windowed
//! table back by windowed key.

mod getter;
mod session;
mod sliding;
mod time;

use std::sync::Arc;

pub(crate) use getter::{SessionGetter, WindowGetter};
pub(crate) use session::{SessionAggregate, SessionMerger};
pub(crate) use sliding::SlidingAggregate;
pub(crate) use time::TimeAggregate;

use super::AggregateStep;
use crate::dsl::nulls::RecordNulls;
use crate::processor::TaskCtx;
use crate::window::{EmitStrategy, LateRecords};

/// What every windowed aggregation node is made with.
pub(crate) struct WindowedParts<K, V, A> {
    pub(crate) processor: String,
    pub(crate) store: String,
    pub(crate) nulls: RecordNulls<K, V>,
    pub(crate) step: AggregateStep<K, V, A>,
    /// The aggregate a window starts from (the old value of a new window's first
    /// update, as Kafka passes it); `None` for a reduce.
    pub(crate) initial: Option<Arc<dyn Fn() -> A + Send + Sync>>,
    pub(crate) emit: EmitStrategy,
    pub(crate) late: Option<LateRecords>,
    /// The wall-clock time before which closed windows are not looked for again.
    pub(crate) next_emit: i64,
}

impl<K, V, A> WindowedParts<K, V, A> {
    /// Whether an aggregation that emits on close looks for closed windows now: at
    /// most once per `windowed_emit_interval` of wall-clock time, as Kafka Streams
    /// throttles it.
    pub(crate) fn emit_due(&mut self, ctx: &TaskCtx) -> bool {
        if self.emit != EmitStrategy::OnWindowClose || ctx.wall_time < self.next_emit {
            return false;
        }
        let interval = i64::try_from(ctx.handling.windowed_emit_interval.as_millis()).unwrap_or(i64::MAX);
        self.next_emit = ctx.wall_time.saturating_add(interval);
        true
    }
}
