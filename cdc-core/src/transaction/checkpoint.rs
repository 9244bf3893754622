//! What a caller persists so that an assembler started again after a crash emits no
//! transaction twice and loses none.

use serde::{Deserialize, Serialize};

use super::memory::EmittedTransaction;
use super::open::Spilled;
use super::position::{EventKey, SourcePosition};
use crate::error::{Error, Result, not_json};

const FORMAT: &str = "transaction-checkpoint";

/// The version of the checkpoint's format this crate writes and reads.
pub const CHECKPOINT_VERSION: u32 = 1;

/// The assembler's state apart from what it holds: the watermark of emitted
/// transactions, the emitted transactions and single events it remembers, and the
/// progress of transactions it emitted chunks of. Small (it grows with
/// [`remember`](super::AssemblerConfig::remember) and with the events of chunked
/// transactions, not with what is held); serializable with serde, or as JSON with
/// [`to_json`](Self::to_json) and [`from_json`](Self::from_json), which carry its
/// format's [version](CHECKPOINT_VERSION).
///
/// Take it with [`TransactionAssembler::checkpoint`](super::TransactionAssembler::checkpoint)
/// after the units popped so far are written (it covers exactly those), and persist it
/// with them atomically;
/// start again with [`TransactionAssembler::restore`](super::TransactionAssembler::restore)
/// and feed the records the assembler held then (see the [module](super) docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub(crate) version: u32,
    pub(crate) watermark: Option<SourcePosition>,
    pub(crate) end_watermark: Option<i64>,
    pub(crate) emitted: Vec<EmittedTransaction>,
    pub(crate) singles: Vec<EventKey>,
    pub(crate) spilled: Vec<Spilled>,
}

impl Default for Checkpoint {
    fn default() -> Self {
        Self {
            version: CHECKPOINT_VERSION,
            watermark: None,
            end_watermark: None,
            emitted: Vec::new(),
            singles: Vec::new(),
            spilled: Vec::new(),
        }
    }
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

    /// A checkpoint from its JSON; one of a version this crate does not know is
    /// refused.
    pub fn from_json(bytes: &[u8]) -> Result<Checkpoint> {
        let checkpoint: Checkpoint = serde_json::from_slice(bytes)
            .map_err(|source| not_json(FORMAT, "(checkpoint)", bytes, source))?;
        if checkpoint.version != CHECKPOINT_VERSION {
            return Err(Error::InvalidValue {
                format: FORMAT,
                field: "version".into(),
                reason: format!(
                    "version {} is not this crate's ({CHECKPOINT_VERSION})",
                    checkpoint.version
                ),
            });
        }
        Ok(checkpoint)
    }
}
