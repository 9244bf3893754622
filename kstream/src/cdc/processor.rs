//! The processors: one tags each input record with where it came from, the other runs
//! the assembler over all of them, its held records and checkpoint in state stores.

use std::sync::Arc;

use bytes::Bytes;
use cdc_core::transaction::{Checkpoint, EventInfo, Pushed, TransactionAssembler, Unit};
use cdc_core::{DebeziumJson, DebeziumTransactionJson, Decode, ReplicateJson};

use super::codec::CdcInput;
use super::{CdcRecord, CdcTransaction, CdcTransactions, ChangeFormat};
use crate::processor::{Processor, ProcessorContext, ProcessorError};
use crate::store::StoreHandle;

/// The key the checkpoint is stored under.
const CHECKPOINT: &str = "checkpoint";

/// Forwards each record with a value, under one key for all, tagged with its topic,
/// partition, offset and timestamp (a record without value carries no event).
pub(crate) struct Tagger {
    pub(crate) metadata: bool,
}

impl Processor<Option<Bytes>, Option<Bytes>, i32, CdcInput> for Tagger {
    fn process(
        &mut self,
        ctx: &mut ProcessorContext<'_, i32, CdcInput>,
        key: Option<Bytes>,
        value: Option<Bytes>,
    ) -> Result<(), ProcessorError> {
        let Some(value) = value else { return Ok(()) };
        let record = CdcRecord {
            topic: ctx.topic().to_owned(),
            partition: ctx.partition(),
            offset: ctx.offset(),
            timestamp: ctx.timestamp(),
            key: key.map(|k| k.to_vec()),
            value: Some(value.to_vec()),
        };
        ctx.forward(
            0,
            CdcInput {
                metadata: self.metadata,
                record,
            },
        )?;
        Ok(())
    }
}

/// A held record: its place in the store, and the record.
type Held = (i64, CdcRecord);

/// Runs the [`TransactionAssembler`]: each record it holds is in the `held` store under
/// its arrival number, deleted when given out; the checkpoint is in the `checkpoint`
/// store. At start the assembler is restored from both.
pub(crate) struct Assembling {
    pub(crate) spec: Arc<CdcTransactions>,
    pub(crate) held: StoreHandle<i64, CdcInput>,
    pub(crate) checkpoint: StoreHandle<String, Bytes>,
    assembler: Option<TransactionAssembler<Held>>,
    next: i64,
    /// Units given out while restoring, forwarded with the next record.
    pending: Vec<Unit<Held>>,
}

impl Assembling {
    pub(crate) fn new(
        spec: Arc<CdcTransactions>,
        held: StoreHandle<i64, CdcInput>,
        checkpoint: StoreHandle<String, Bytes>,
    ) -> Self {
        Self {
            spec,
            held,
            checkpoint,
            assembler: None,
            next: 0,
            pending: Vec::new(),
        }
    }

    /// Pushes `input` as the record numbered `seq`.
    fn push(
        spec: &CdcTransactions,
        assembler: &mut TransactionAssembler<Held>,
        seq: i64,
        input: CdcInput,
    ) -> Result<Pushed<Held>, ProcessorError> {
        let value = input.record.value.as_deref();
        let bytes = value.map_or(0, <[u8]>::len) + input.record.key.as_ref().map_or(0, Vec::len);
        if input.metadata {
            let Some(record) = DebeziumTransactionJson.decode(None, value)?.into_change() else {
                return Ok(Pushed::Ignored((seq, input.record)));
            };
            return Ok(assembler.push_metadata(&record.metadata, (seq, input.record))?);
        }
        let event = match spec.format {
            ChangeFormat::DebeziumJson => DebeziumJson.decode(None, value)?.into_change().map(|r| r.event),
            ChangeFormat::ReplicateJson => ReplicateJson.decode(None, value)?.into_change().map(|r| r.event),
        };
        let Some(event) = event else {
            return Ok(Pushed::Ignored((seq, input.record)));
        };
        let info = EventInfo::of(&event).with_bytes(bytes);
        Ok(assembler.push_event(info, (seq, input.record))?)
    }
}

impl Processor<i32, CdcInput, Option<String>, CdcTransaction> for Assembling {
    fn init(
        &mut self,
        ctx: &mut ProcessorContext<'_, Option<String>, CdcTransaction>,
    ) -> Result<(), ProcessorError> {
        let checkpoint = match ctx.store(&self.checkpoint)?.get(&CHECKPOINT.to_owned())? {
            Some(bytes) => Checkpoint::from_json(&bytes)?,
            None => Checkpoint::default(),
        };
        let mut assembler = TransactionAssembler::restore(self.spec.config.clone(), checkpoint);
        let held = ctx.store(&self.held)?;
        for (seq, input) in held.all()? {
            self.next = self.next.max(seq + 1);
            if Self::push(&self.spec, &mut assembler, seq, input)? != Pushed::Held {
                held.delete(&seq)?;
            }
        }
        self.pending.extend(std::iter::from_fn(|| assembler.pop()));
        self.assembler = Some(assembler);
        Ok(())
    }

    fn process(
        &mut self,
        ctx: &mut ProcessorContext<'_, Option<String>, CdcTransaction>,
        _key: i32,
        input: CdcInput,
    ) -> Result<(), ProcessorError> {
        let held = ctx.store(&self.held)?;
        let Some(assembler) = self.assembler.as_mut() else {
            return Err("the CDC transaction processor was not initialised".into());
        };
        let seq = self.next;
        let pushed = Self::push(&self.spec, assembler, seq, input.clone())?;
        let mut changed = pushed != Pushed::Held;
        if pushed == Pushed::Held {
            held.put(&seq, &input)?;
            self.next += 1;
        }
        let mut units = std::mem::take(&mut self.pending);
        units.extend(std::iter::from_fn(|| assembler.pop()));
        for (seq, _) in assembler.take_released() {
            held.delete(&seq)?;
            changed = true;
        }
        for unit in units {
            changed = true;
            for (seq, _) in unit.events.iter().chain(&unit.end) {
                held.delete(seq)?;
            }
            if unit.transaction.is_some() && unit.events.is_empty() && !self.spec.keep_empty {
                continue;
            }
            let key = unit.transaction.as_ref().map(|t| t.id.clone());
            ctx.forward(key, CdcTransaction::of(unit))?;
        }
        if changed {
            let checkpoint = assembler.checkpoint().to_json()?;
            ctx.store(&self.checkpoint)?
                .put(&CHECKPOINT.to_owned(), &Bytes::from(checkpoint))?;
        }
        Ok(())
    }
}

impl CdcTransaction {
    fn of(unit: Unit<Held>) -> Self {
        let (id, event_count, late) = match &unit.transaction {
            Some(t) => (Some(t.id.clone()), t.event_count, t.late),
            None => (None, None, false),
        };
        CdcTransaction {
            id,
            chunk: unit.chunk.index,
            last_chunk: unit.chunk.last,
            late,
            event_count,
            events: unit.events.into_iter().map(|(_, r)| r).collect(),
            end: unit.end.map(|(_, r)| r),
        }
    }
}
