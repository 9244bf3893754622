//! The nodes of a windowed stream-stream join: on each side a node that puts the
//! side's records into its window store (after passing them on), and a join processor
//! that looks each record up in the other side's store; with a left or outer join, the
//! records that found no partner wait in a shared store until their window closes, so
//! that no record is emitted without a partner when one was still to come (Kafka
//! Streams' fix for spurious left and outer results, KIP-633).

mod join;
mod outer;
mod window_node;

use std::sync::Arc;

pub(crate) use join::{JoinSide, StreamStreamJoin, swapped};
pub(crate) use window_node::JoinWindowNode;

pub(crate) use crate::processor::JoinTimes;

/// The joiner as every side calls it: `(key, left value, right value)`, either value
/// missing in a left or outer join's result without a partner.
pub(crate) type JoinFn<K, T, O, VR> = Arc<dyn Fn(&K, Option<&T>, Option<&O>) -> VR + Send + Sync>;
