//! [`Branched`]: the options of one branch of [`KStream::split`](crate::KStream::split).

use super::checked;
use crate::error::Result;

/// The name of a branch of a split (Kafka Streams' `Branched`): the branch is the entry
/// `<split name><branch name>` of the map the split returns, and its processor has that
/// name. Without a name a branch is numbered from 1 in the order it was added (the
/// default branch is `0`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Branched {
    pub(crate) name: Option<String>,
}

impl Branched {
    /// A branch named `name` (Kafka Streams' `Branched.as`); a name Kafka refuses is
    /// [`Error::InvalidOption`](crate::Error::InvalidOption).
    pub fn as_(name: impl Into<String>) -> Result<Self> {
        Ok(Self {
            name: Some(checked("Branched", name.into())?),
        })
    }
}
