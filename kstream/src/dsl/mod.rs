//! The DSL: [`StreamsBuilder`] -> [`KStream`] / [`KTable`] operations -> [`Topology`].

mod builder;
mod global;
mod grouped;
mod grouped_table;
mod kstream;
mod ktable;
mod nodes;
mod options;

pub use builder::{StreamsBuilder, Topology};
pub use global::GlobalKTable;
pub use grouped::KGroupedStream;
pub use grouped_table::KGroupedTable;
pub use kstream::{KStream, Predicate};
pub use ktable::KTable;
pub use nodes::Partitioner;
pub use options::{Consumed, Grouped, Produced};
