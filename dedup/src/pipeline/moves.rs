//! Partitions moving in and out of this instance, told by the consumer group.

use parking_lot::Mutex;
use streamlog::{OffsetCommitter, RebalanceListener, TopicPartition};

/// The partitions assigned or revoked since the last [`Moves::take`]: their ids are
/// dropped, and rebuilt from the changelog when a record of theirs comes.
#[derive(Debug, Default)]
pub(crate) struct Moves(Mutex<Vec<i32>>);

impl Moves {
    pub(crate) fn take(&self) -> Vec<i32> {
        std::mem::take(&mut self.0.lock())
    }
}

/// Tells [`Moves`] of every partition the group moves.
pub(crate) struct MovesListener(pub(crate) std::sync::Arc<Moves>);

impl RebalanceListener for MovesListener {
    fn on_partitions_assigned(&mut self, _: &mut dyn OffsetCommitter, partitions: &[TopicPartition]) {
        self.0.0.lock().extend(partitions.iter().map(|tp| tp.partition));
    }

    fn on_partitions_revoked(&mut self, _: &mut dyn OffsetCommitter, partitions: &[TopicPartition]) {
        self.0.0.lock().extend(partitions.iter().map(|tp| tp.partition));
    }
}
