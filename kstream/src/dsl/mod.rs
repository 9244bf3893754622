//! The DSL: [`StreamsBuilder`] -> [`KStream`] / [`KTable`] operations -> [`Topology`].
//! The operations' nodes are in `ops`, their options in `options`.

mod builder;
mod building;
mod cogrouped;
mod global;
mod grouped_stream;
mod grouped_table;
mod kstream;
mod ktable;
mod nulls;
mod ops;
mod options;
mod windowed;

pub use builder::{StreamsBuilder, Topology};
pub use cogrouped::CogroupedKStream;
pub use global::GlobalKTable;
pub use grouped_stream::KGroupedStream;
pub use grouped_table::KGroupedTable;
pub use kstream::{BranchedKStream, Deduplication, KStream};
pub use ktable::KTable;
pub use ops::{Partitioner, TopicNameExtractor};
pub use options::{
    Branched, Consumed, Grouped, Joined, Named, Produced, Repartitioned, StreamJoined, TableJoined,
};
pub use options::{BufferConfig, Suppressed};
pub use windowed::{SessionWindowedKStream, TimeWindowedKStream};
