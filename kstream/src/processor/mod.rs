//! The processor API: [`Processor`]s with a [`ProcessorContext`] that forwards records,
//! opens the stores the processor was connected to, shows the record's metadata and
//! headers, and schedules punctuations on stream time or wall-clock time.

mod context;
mod node;

pub(crate) use context::{Failed, RecordMeta, TaskCtx};
pub use context::{ProcessorContext, PunctuationType};
pub(crate) use node::{Fanout, Node, NodeRef};

use crate::error::Result;

/// A record processor, as in Kafka Streams' processor API: it takes records with keys
/// `KIn` and values `VIn` and forwards records with `KOut` and `VOut` to its children.
pub trait Processor<KIn, VIn, KOut, VOut>: 'static {
    /// Called once before the first record of its task (open stores, schedule
    /// punctuations here).
    fn init(&mut self, ctx: &mut ProcessorContext<'_, KOut, VOut>) -> Result<()> {
        let _ = ctx;
        Ok(())
    }

    /// Processes one record.
    fn process(&mut self, ctx: &mut ProcessorContext<'_, KOut, VOut>, key: KIn, value: VIn) -> Result<()>;

    /// Called when a punctuation scheduled with [`ProcessorContext::schedule`] is due.
    fn punctuate(
        &mut self,
        ctx: &mut ProcessorContext<'_, KOut, VOut>,
        kind: PunctuationType,
        timestamp: i64,
    ) -> Result<()> {
        let _ = (ctx, kind, timestamp);
        Ok(())
    }
}
