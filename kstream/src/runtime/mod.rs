//! Running a topology over `streamlog`: tasks, stream threads, restore and commit.

mod global;
mod partition_group;
mod streams;
mod task;
mod thread;

pub use streams::{KafkaStreams, StreamsState};
pub(crate) use task::Task;
pub use task::{TaskId, changelog_topic};
