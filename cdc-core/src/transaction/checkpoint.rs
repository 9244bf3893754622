//! What a caller persists so that an assembler started again after a crash emits no
//! transaction twice and loses none.

use serde::{Deserialize, Serialize};

use super::memory::EmittedTransaction;
use super::open::Spilled;
use super::position::{EventKey, SourcePosition};
use crate::error::{Error, Result, not_json};

const FORMAT: &str = "transaction-checkpoint";

/// The assembler's state apart from what it holds: the watermark of emitted
/// transactions, the emitted transactions and single events it remembers, and the
/// progress of transactions it emitted chunks of. Small (it grows with
/// [`remember`](super::AssemblerConfig::remember) and with the events of chunked
/// transactions, not with what is held); serializable with serde, or as JSON with
/// [`to_json`](Self::to_json) and [`from_json`](Self::from_json).
///
/// Take it with [`TransactionAssembler::checkpoint`](super::TransactionAssembler::checkpoint)
/// after the units popped so far are written (it covers exactly those), and persist it
/// with them atomically;
/// start again with [`TransactionAssembler::restore`](super::TransactionAssembler::restore)
/// and feed the records the assembler held then (see the [module](super) docs).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Checkpoint {
    pub(crate) watermark: Option<SourcePosition>,
    #[serde(default)]
    pub(crate) end_watermark: Option<i64>,
    pub(crate) emitted: Vec<EmittedTransaction>,
    pub(crate) singles: Vec<EventKey>,
    pub(crate) spilled: Vec<Spilled>,
}

impl Checkpoint {
    /// The highest position of the emitted transactions' events.
    pub fn watermark(&self) -> Option<&SourcePosition> {
        self.watermark.as_ref()
    }

    /// How many emitted transactions it remembers.
    pub fn remembered_transactions(&self) -> usize {
        self.emitted.len()
    }

    /// The keys of the remembered emitted transactions, oldest first.
    pub fn remembered_keys(&self) -> impl Iterator<Item = &str> {
        self.emitted.iter().map(|t| t.key.as_str())
    }

    /// How many open transactions emitted chunks.
    pub fn chunked_transactions(&self) -> usize {
        self.spilled.len()
    }

    /// The checkpoint as JSON.
    pub fn to_json(&self) -> Result<Vec<u8>> {
        serde_json::to_vec(self).map_err(|source| Error::WriteJson {
            format: FORMAT,
            field: "(checkpoint)".into(),
            source,
        })
    }

    /// A checkpoint from its JSON.
    pub fn from_json(bytes: &[u8]) -> Result<Checkpoint> {
        serde_json::from_slice(bytes).map_err(|source| not_json(FORMAT, "(checkpoint)", bytes, source))
    }
}
