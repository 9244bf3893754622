//! The DSL: [`StreamsBuilder`] -> [`KStream`] / [`KTable`] operations -> [`Topology`].

mod builder;
mod grouped;
mod kstream;
mod ktable;
mod nodes;
mod options;

pub use builder::{StreamsBuilder, Topology};
pub use grouped::KGroupedStream;
pub use kstream::KStream;
pub use ktable::KTable;
pub use nodes::Partitioner;
pub use options::{Consumed, Grouped, Produced};
