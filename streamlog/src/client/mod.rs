//! The client traits every backend implements: [`Admin`], [`Producer`], [`Consumer`].

mod admin;
mod consumer;
mod delivery;
mod producer;

pub use admin::{Admin, PartitionLag, Watermarks};
pub use consumer::{Consumer, GroupMetadata, NoopListener, OffsetCommitter, RebalanceListener};
pub use delivery::DeliveryHandle;
pub use producer::Producer;

pub(crate) use consumer::GroupMetadataInner;
#[cfg(feature = "kafka")]
pub(crate) use delivery::DeliverySlot;
