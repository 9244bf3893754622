//! Places inside a stream thread where a simulation may stop it as a crash would, or
//! make its commit fail (see [`crate::sim`]).

use std::sync::Arc;

/// A point inside a stream thread's work where a fault can be injected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FaultPoint {
    /// A commit begins: nothing of it is done yet.
    CommitStart,
    /// The stores' changelog records and the outputs are sent (under exactly-once,
    /// into the open transaction), the input offsets not yet committed.
    CommitBeforeOffsets,
    /// The input offsets are committed (under exactly-once: sent to the transaction,
    /// which is not committed yet); the checkpoints are not written.
    CommitAfterOffsets,
    /// A batch of changelog records was written to a store being restored.
    Restore,
}

impl FaultPoint {
    /// Every fault point, in the order a commit meets them, then the restore's.
    pub const ALL: [FaultPoint; 4] = [
        FaultPoint::CommitStart,
        FaultPoint::CommitBeforeOffsets,
        FaultPoint::CommitAfterOffsets,
        FaultPoint::Restore,
    ];
}

/// What happens at a fault point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FaultAction {
    /// Nothing: the thread goes on.
    Continue,
    /// The thread stops on the spot, as a killed process does
    /// ([`crate::Error::Abandoned`]).
    Crash,
    /// The commit fails as a refused offset commit does: under exactly-once the
    /// transaction is aborted and the tasks go back to the last commit.
    FailCommit,
}

/// Asked at each fault point.
pub(crate) type FaultHook = Arc<dyn Fn(FaultPoint) -> FaultAction + Send + Sync>;
