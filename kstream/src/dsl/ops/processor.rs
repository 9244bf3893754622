//! A user's [`Processor`] or [`FixedKeyProcessor`] in the topology.

use crate::error::Result;
use crate::processor::{
    Fanout, FixedKeyProcessor, FixedKeyProcessorContext, FixedKeyRecord, Node, Processor, ProcessorContext,
    ProcessorError, PunctuationType, RecordMeta, TaskCtx, processor_failed,
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
        f: impl FnOnce(&mut P, ProcessorContext<'_, KOut, VOut>) -> Result<(), ProcessorError>,
    ) -> Result<()> {
        let pc = ProcessorContext {
            task: ctx,
            children: &self.out,
            name: &self.name,
            stores: &self.stores,
        };
        f(&mut self.processor, pc).map_err(|e| processor_failed(&self.name, e))
    }
}

/// Runs `f` as a punctuation at `now`: the current record's metadata is the
/// punctuation's (no topic, timestamp `now`) meanwhile.
fn punctuation(ctx: &mut TaskCtx, now: i64, f: impl FnOnce(&mut TaskCtx) -> Result<()>) -> Result<()> {
    let saved = std::mem::take(&mut ctx.meta);
    ctx.meta = RecordMeta {
        timestamp: now,
        ..RecordMeta::default()
    };
    let result = f(ctx);
    ctx.meta = saved;
    result
}

impl<K, V, KOut, VOut, P> Node<K, V> for ProcessorNode<P, KOut, VOut>
where
    P: Processor<K, V, KOut, VOut>,
{
    fn process(&mut self, ctx: &mut TaskCtx, key: K, value: V) -> Result<()> {
        self.with_context(ctx, |p, mut pc| p.process(&mut pc, key, value))
    }
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.with_context(ctx, |p, mut pc| p.init(&mut pc))
    }
    fn punctuate(&mut self, ctx: &mut TaskCtx, kind: PunctuationType, now: i64) -> Result<()> {
        punctuation(ctx, now, |ctx| {
            self.with_context(ctx, |p, mut pc| p.punctuate(&mut pc, kind, now))
        })
    }
}

/// Runs a user's fixed-key processor: as [`ProcessorNode`], with a context whose
/// `forward` keeps the record's key.
pub(crate) struct FixedKeyProcessorNode<P, K, VOut>(pub(crate) ProcessorNode<P, K, VOut>);

impl<K, V, VOut, P> Node<K, V> for FixedKeyProcessorNode<P, K, VOut>
where
    P: FixedKeyProcessor<K, V, VOut>,
{
    fn process(&mut self, ctx: &mut TaskCtx, key: K, value: V) -> Result<()> {
        self.0.with_context(ctx, |p, inner| {
            p.process(
                &mut FixedKeyProcessorContext { inner },
                FixedKeyRecord::new(key, value),
            )
        })
    }
    fn init(&mut self, ctx: &mut TaskCtx) -> Result<()> {
        self.0
            .with_context(ctx, |p, inner| p.init(&mut FixedKeyProcessorContext { inner }))
    }
    fn punctuate(&mut self, ctx: &mut TaskCtx, kind: PunctuationType, now: i64) -> Result<()> {
        punctuation(ctx, now, |ctx| {
            self.0.with_context(ctx, |p, inner| {
                p.punctuate(&mut FixedKeyProcessorContext { inner }, kind, now)
            })
        })
    }
}
