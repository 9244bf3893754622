//! The processor API: [`Processor`]s with a [`ProcessorContext`] that forwards records,
//! opens the stores the processor was connected to, shows the record's metadata and
//! headers, and schedules punctuations on stream time or wall-clock time; and
//! [`FixedKeyProcessor`]s, which cannot change a record's key.

mod context;
mod fixed_key;
mod node;
mod skipped;

pub(crate) use context::{CacheBudget, Failed, JoinTimes, RecordMeta, TaskCtx, TaskStore};
pub use context::{ProcessorContext, PunctuationType, RecordContext};
pub use fixed_key::{FixedKeyProcessor, FixedKeyProcessorContext, FixedKeyRecord};
pub(crate) use node::{Fanout, Node, NodeRef};
pub(crate) use skipped::{Null, count_null_skip};

use crate::error::Error;

/// The error a [`Processor`] returns: any error type, boxed. `?` converts the
/// processor's own errors (and strings, with `.into()`); kstream keeps the error as the
/// source of [`Error::Processor`], which names the processor.
/// kstream's own [`Error`]s (from [`ProcessorContext::forward`], a store ...) pass
/// through unchanged.
pub type ProcessorError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A record processor, as in Kafka Streams' processor API: it takes records with keys
/// `KIn` and values `VIn` and forwards records with `KOut` and `VOut` to its children.
///
/// ```
/// use kstream::processor::ProcessorError;
/// use kstream::store::StoreHandle;
/// use kstream::{Processor, ProcessorContext};
///
/// /// Forwards the first record of each value, remembering it in a store.
/// struct FirstSeen {
///     seen: StoreHandle<String, String>,
/// }
///
/// impl Processor<String, String, String, String> for FirstSeen {
///     fn process(
///         &mut self,
///         ctx: &mut ProcessorContext<'_, String, String>,
///         key: String,
///         value: String,
///     ) -> Result<(), ProcessorError> {
///         if value.is_empty() {
///             return Err(format!("record `{key}` has an empty value").into());
///         }
///         let seen = ctx.store(&self.seen)?;
///         if seen.get(&value)?.is_none() {
///             seen.put(&value, &key)?;
///             ctx.forward(key, value)?;
///         }
///         Ok(())
///     }
/// }
/// ```
pub trait Processor<KIn, VIn, KOut, VOut>: 'static {
    /// Called once before the first record of its task (open stores, schedule
    /// punctuations here).
    fn init(&mut self, ctx: &mut ProcessorContext<'_, KOut, VOut>) -> Result<(), ProcessorError> {
        let _ = ctx;
        Ok(())
    }

    /// Processes one record.
    fn process(
        &mut self,
        ctx: &mut ProcessorContext<'_, KOut, VOut>,
        key: KIn,
        value: VIn,
    ) -> Result<(), ProcessorError>;

    /// Called when a punctuation scheduled with [`ProcessorContext::schedule`] is due, at
    /// `timestamp_ms` (stream time or wall-clock time, in epoch milliseconds).
    fn punctuate(
        &mut self,
        ctx: &mut ProcessorContext<'_, KOut, VOut>,
        kind: PunctuationType,
        timestamp_ms: i64,
    ) -> Result<(), ProcessorError> {
        let _ = (ctx, kind, timestamp_ms);
        Ok(())
    }
}

/// The [`Error`] of processor `processor` returning `error`: kstream's own errors as
/// they are, any other as the source of [`Error::Processor`].
pub(crate) fn processor_failed(processor: &str, error: ProcessorError) -> Error {
    match error.downcast::<Error>() {
        Ok(own) => *own,
        Err(source) => Error::Processor {
            processor: processor.to_owned(),
            source,
        },
    }
}
