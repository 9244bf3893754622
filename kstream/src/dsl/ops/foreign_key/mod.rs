//! The nodes of a foreign-key table-table join, in Kafka Streams' design.
//!
//! The left table's changes become subscriptions, keyed by foreign key, that travel
//! through the registration topic to the right table's partitions ([`SubscriptionSend`]).
//! There the subscription store keeps, per foreign key, every left key subscribed to it
//! ([`SubscriptionReceive`]); each subscription is answered with the right table's value
//! of its foreign key ([`SubscriptionJoin`]), and each change of the right table is sent
//! to every subscriber, found by one prefix scan of the store ([`ForeignTableJoin`]).
//! Responses travel back through the response topic to the left key's partition, where
//! the response is dropped unless it answers the left row's current value (the hash in
//! the response must be the hash of the value in the left store), then joined
//! ([`ResponseJoin`]) and stored as the result table ([`JoinOutput`]).

mod foreign;
mod murmur3;
mod receive;
mod resolve;
mod send;
mod wire;

use std::sync::Arc;

use bytes::Bytes;

pub(crate) use foreign::ForeignTableJoin;
pub(crate) use receive::{SubscriptionJoin, SubscriptionReceive};
pub(crate) use resolve::{JoinOutput, ResponseJoin};
pub(crate) use send::SubscriptionSend;
pub(crate) use wire::{Response, ResponseSerde, Subscription, SubscriptionSerde};

use super::StoreSlot;
use crate::error::{Error, Result};
use crate::processor::TaskCtx;
use crate::serdes::SerdeRef;
use crate::serdes::retry::{prepare_part, serialize_error};
use crate::store::StoreError;
use wire::{ValueHash, pseudo_topic};

/// Picks a left row's foreign key: `None` is no foreign key.
pub(crate) type ForeignKeyExtractor<K, V, KO> = Arc<dyn Fn(&K, &V) -> Option<KO> + Send + Sync>;

/// `(left value, right value)` to the joined value, or `None` for no row: an inner join
/// has no row without a right value.
pub(crate) type ForeignKeyJoiner<V, VO, VR> = Arc<dyn Fn(&V, Option<&VO>) -> Option<VR> + Send + Sync>;

/// The names a join's nodes give its serdes, derived from the resolved registration
/// topic as Kafka derives them.
#[derive(Debug, Clone)]
pub(crate) struct PseudoTopics {
    /// The registration topic itself: subscriptions are written for it.
    pub(crate) registration: String,
    /// Foreign keys, compared and in store keys.
    pub(crate) foreign_key: String,
    /// Primary keys, in store keys.
    pub(crate) primary_key: String,
    /// Left values, hashed.
    pub(crate) value_hash: String,
}

impl PseudoTopics {
    /// The names for a join whose registration topic is `registration`.
    pub(crate) fn of(registration: String) -> Self {
        Self {
            foreign_key: pseudo_topic(&registration, "fk"),
            primary_key: pseudo_topic(&registration, "pk"),
            value_hash: pseudo_topic(&registration, "vh"),
            registration,
        }
    }
}

/// Serializes `value` for `topic` as a sink would (readying the serde first, retrying
/// while its dependency is unavailable); bad data is [`Error::Serialize`].
fn serialize<T: 'static>(
    ctx: &TaskCtx,
    serde: &SerdeRef<T>,
    topic: &str,
    part: &'static str,
    value: &T,
) -> Result<Option<Bytes>> {
    prepare_part(ctx, topic, part, || serde.prepare(topic))?;
    serde
        .serialize(topic, value)
        .map_err(|e| serialize_error(ctx, topic, part, e))
}

/// The hash of a left value as both sides of the join compute it: murmur3 128 of its
/// bytes under the value-hash pseudo topic.
fn value_hash<V: 'static>(
    ctx: &TaskCtx,
    serde: &SerdeRef<V>,
    topics: &PseudoTopics,
    value: &V,
) -> Result<ValueHash> {
    let bytes = serialize(ctx, serde, &topics.value_hash, "value", value)?;
    Ok(Some(murmur3::hash128(bytes.as_deref().unwrap_or_default())))
}

/// Skips a response that answers an older value of its left row (the response to the
/// current value is on its way), as Kafka Streams drops it and counts it in
/// `dropped-records`: logged at debug level, counted in
/// `kstream_skipped_records_total{reason="stale_response"}`.
fn skip_stale(ctx: &TaskCtx, processor: &str) {
    tracing::debug!(
        processor,
        topic = %ctx.meta.topic,
        partition = ctx.meta.partition,
        offset = ctx.meta.offset,
        "skipping a foreign-key join response to an older value of its row"
    );
    metrics::counter!("kstream_skipped_records_total", "reason" => "stale_response").increment(1);
}

/// The subscription store: subscriptions by combined key, written and read in Kafka's
/// layout with the join's pseudo topics (the store itself holds bytes).
pub(crate) struct SubscriptionStore<K> {
    pub(crate) slot: StoreSlot<Bytes, Bytes>,
    pub(crate) serde: SubscriptionSerde<K>,
}

impl<K: 'static> SubscriptionStore<K> {
    fn open(&mut self, ctx: &TaskCtx) -> Result<()> {
        self.slot.open(ctx)
    }

    /// Stores `subscription`, sent by a record of `timestamp`.
    fn put(
        &self,
        topics: &PseudoTopics,
        key: Bytes,
        subscription: &Subscription<K>,
        timestamp: i64,
    ) -> Result<()> {
        let store = self.slot.get()?;
        let value = crate::serdes::Serde::serialize(&self.serde, &topics.registration, subscription)
            .map_err(|e| {
                store_error(
                    store.name(),
                    StoreError::Serialize {
                        part: "value",
                        source: e.into(),
                    },
                )
            })?
            .unwrap_or_default();
        store.put_bytes(key, &value, timestamp)?;
        Ok(())
    }

    fn delete(&self, key: Bytes) -> Result<()> {
        self.slot.get()?.delete_bytes(key);
        Ok(())
    }

    /// The subscriptions of the foreign key whose store-key prefix is `prefix`.
    fn subscribers(&self, topics: &PseudoTopics, prefix: &[u8]) -> Result<Vec<Subscription<K>>> {
        let store = self.slot.get()?;
        store
            .prefix_scan_bytes(prefix)?
            .into_iter()
            .map(|(_, stored)| {
                crate::serdes::Serde::deserialize(&self.serde, &topics.registration, Some(&stored.value[..]))
                    .map_err(|e| {
                        store_error(
                            store.name(),
                            StoreError::Deserialize {
                                part: "value",
                                source: e.into(),
                            },
                        )
                    })
            })
            .collect()
    }
}

fn store_error(store: &str, source: StoreError) -> Error {
    Error::Store {
        store: store.to_owned(),
        source,
    }
}
