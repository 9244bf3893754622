//! Transactions of the embedded cluster: producer epochs (fencing), open transactions,
//! markers, transactional offset commits, and the transaction timeout.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;

use super::log::TxnMarker;
use super::topics::TopicLog;
use crate::error::{Error, Result};
use crate::record::{OffsetAndMetadata, TopicPartition};

/// One open transaction.
#[derive(Debug)]
pub(super) struct OpenTxn {
    pub(super) marker: Arc<TxnMarker>,
    /// Partitions written, each once.
    pub(super) partitions: Vec<(Arc<TopicLog>, i32)>,
    /// Offsets to commit with the transaction, per group.
    pub(super) offsets: Vec<(String, TopicPartition, OffsetAndMetadata)>,
    started_at: i64,
}

#[derive(Debug, Default)]
struct Entry {
    epoch: u32,
    open: Option<OpenTxn>,
    timeout_ms: i64,
}

/// What to do with a transaction that ends.
#[derive(Debug)]
pub(super) struct Ending {
    pub(super) txn: OpenTxn,
    pub(super) commit: bool,
}

/// Transactional ids and their state.
#[derive(Debug, Default)]
pub(super) struct Transactions {
    entries: Mutex<HashMap<String, Entry>>,
}

impl Transactions {
    /// Registers `id` with a new epoch. An open transaction of an older producer with the
    /// same id is returned to be aborted.
    pub(super) fn init(&self, id: &str, timeout_ms: i64) -> (u32, Option<Ending>) {
        let mut entries = self.entries.lock();
        let entry = entries.entry(id.to_owned()).or_default();
        entry.epoch += 1;
        entry.timeout_ms = timeout_ms;
        let zombie = entry.open.take().map(|txn| Ending { txn, commit: false });
        (entry.epoch, zombie)
    }

    /// Runs `f` on the open transaction of `id` at `epoch`, checking fencing.
    pub(super) fn with_open<T>(
        &self,
        id: &str,
        epoch: u32,
        f: impl FnOnce(&mut OpenTxn) -> Result<T>,
    ) -> Result<T> {
        let mut entries = self.entries.lock();
        let entry = current(&mut entries, id, epoch)?;
        match entry.open.as_mut() {
            Some(txn) => f(txn),
            None => Err(Error::Transaction {
                reason: "no transaction in progress: call begin_transaction first".into(),
                source: None,
            }),
        }
    }

    pub(super) fn begin(&self, id: &str, epoch: u32, now: i64) -> Result<()> {
        let mut entries = self.entries.lock();
        let entry = current(&mut entries, id, epoch)?;
        if entry.open.is_some() {
            return Err(Error::Transaction {
                reason: "a transaction is already in progress".into(),
                source: None,
            });
        }
        entry.open = Some(OpenTxn {
            marker: Arc::new(TxnMarker::default()),
            partitions: Vec::new(),
            offsets: Vec::new(),
            started_at: now,
        });
        Ok(())
    }

    /// Takes the open transaction out, to be committed or aborted.
    pub(super) fn end(&self, id: &str, epoch: u32, commit: bool) -> Result<Ending> {
        let mut entries = self.entries.lock();
        let entry = current(&mut entries, id, epoch)?;
        let txn = entry.open.take().ok_or_else(|| Error::Transaction {
            reason: format!(
                "no transaction in progress to {}",
                if commit { "commit" } else { "abort" }
            ),
            source: None,
        })?;
        Ok(Ending { txn, commit })
    }

    /// Aborts transactions open longer than their `transaction.timeout.ms`, fencing
    /// their producers.
    pub(super) fn expire(&self, now: i64) -> Vec<Ending> {
        let mut entries = self.entries.lock();
        let mut ended = Vec::new();
        for (id, entry) in entries.iter_mut() {
            if entry
                .open
                .as_ref()
                .is_some_and(|t| now - t.started_at > entry.timeout_ms)
            {
                tracing::warn!(transactional_id = %id, "transaction aborted after transaction.timeout.ms");
                entry.epoch += 1;
                ended.extend(entry.open.take().map(|txn| Ending { txn, commit: false }));
            }
        }
        ended
    }
}

fn current<'a>(entries: &'a mut HashMap<String, Entry>, id: &str, epoch: u32) -> Result<&'a mut Entry> {
    match entries.get_mut(id) {
        Some(entry) if entry.epoch == epoch => Ok(entry),
        _ => Err(Error::ProducerFenced {
            transactional_id: id.into(),
        }),
    }
}
