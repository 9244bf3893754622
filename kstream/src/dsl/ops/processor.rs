//! A user's [`Processor`] in the topology.

use crate::error::Result;
use crate::processor::{
    Fanout, Node, Processor, ProcessorContext, ProcessorError, PunctuationType, RecordMeta, TaskCtx,
    processor_failed,
};

/// Runs a user's processor with a context on its children and its stores.
pub(crate) struct ProcessorNode<P, KOut, VOut> {
    pub(crate) name: String,
    pub(crate) stores: Vec<String>,
    pub(crate) processor: P,
    pub(crate) out: Fanout<KOut, VOut>,
}

impl<P, KOut, VOut> ProcessorNode<P, KOut, VOut> {
    fn with_context(
        &mut self,
        ctx: &mut TaskCtx,
        f: impl FnOnce(&mut P, &mut ProcessorContext<'_, KOut, VOut>) -> Result<(), ProcessorError>,
    ) -> Result<()> {
        let mut pc = ProcessorContext {
            task: ctx,
            children: &self.out,
            name: &self.name,
            stores: &self.stores,
        };
        f(&mut self.processor, &mut pc).map_err(|e| processor_failed(&self.name, e))
    }
}

impl<K, V, KOut, VOut, P> Node<K, V> for ProcessorNode<P, KOut, VOut>
where
    P: Processor<K, V, KOut, VOut>,
{
    fn process(&mut self, ctx: &mut TaskCtx, key: K, value: V) -> Result<()> {
        self.with_context(ctx, |p, pc| p.process(pc, key, value))
    }
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.with_context(ctx, |p, pc| p.init(pc))
    }
    fn punctuate(&mut self, ctx: &mut TaskCtx, kind: PunctuationType, now: i64) -> Result<()> {
        let saved = std::mem::take(&mut ctx.meta);
        ctx.meta = RecordMeta {
            timestamp: now,
            ..RecordMeta::default()
        };
        let result = self.with_context(ctx, |p, pc| p.punctuate(pc, kind, now));
        ctx.meta = saved;
        result
    }
}
