//! Running a topology over `streamlog`: the application handle, stream threads, their
//! tasks, restore, checkpoints and commit.

mod changelog_reader;
mod checkpoint;
mod fault;
mod global;
mod lifecycle;
mod metadata;
mod partition_group;
pub(crate) mod process_id;
mod restore_listener;
mod restore_poll;
mod shared;
mod standby;
mod stream_time;
mod streams;
mod task;
mod task_manager;
mod thread;

pub use fault::FaultPoint;
pub(crate) use fault::{FaultAction, FaultHook};
pub use lifecycle::{StreamThreadExceptionResponse, StreamsState};
pub use metadata::{HostInfo, KeyQueryMetadata, StreamsMetadata, ThreadMetadata};
pub use restore_listener::StateRestoreListener;
pub use streams::KafkaStreams;
pub(crate) use task::Task;
pub use task::{TaskId, changelog_topic};
pub(crate) use thread::SteppedThread;
