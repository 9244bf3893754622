//! [`AvroSerializer`] and [`AvroDeserializer`] for blocking callers: values are encoded
//! and decoded on the caller's thread; only the registry calls (a topic's first value,
//! an unseen writer schema id) run on the shared background runtime.

use std::sync::Arc;

use apache_avro::types::Value;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::runtime::wait;
use crate::error::Result;
use crate::model::Schema;
use crate::registry::SchemaRegistry;
use crate::wire::{self, SerdeConfig, split_payload};

/// Writes values in the Confluent wire format from blocking code: the blocking face of
/// [`wire::AvroSerializer`], whose caches it shares.
///
/// ```
/// use schema_registry_client::blocking::AvroSerializer;
/// use schema_registry_client::{SerdeConfig, registry_from_url};
///
/// let registry = registry_from_url("mock://blocking-serializer-doc").unwrap();
/// let serializer = AvroSerializer::for_text(registry, r#""string""#, SerdeConfig::default()).unwrap();
/// let payload = serializer.serialize("names", &"Ada").unwrap(); // registers names-value
/// assert_eq!(&payload[..5], &[0, 0, 0, 0, 1]);
/// ```
#[derive(Debug, Clone)]
pub struct AvroSerializer {
    inner: Arc<wire::AvroSerializer>,
}

impl From<wire::AvroSerializer> for AvroSerializer {
    fn from(serializer: wire::AvroSerializer) -> Self {
        AvroSerializer {
            inner: Arc::new(serializer),
        }
    }
}

impl AvroSerializer {
    /// A serializer for `schema`, fetching the schemas its references name (and
    /// waiting for them) if it has any.
    pub fn new(registry: Arc<dyn SchemaRegistry>, schema: Schema, config: SerdeConfig) -> Result<Self> {
        wait(wire::AvroSerializer::new(registry, schema, config))?.map(Self::from)
    }

    /// A serializer for an Avro schema text without references. It does not call the
    /// registry: the schema is parsed here and registered (or looked up) with the
    /// first value of each topic.
    pub fn for_text(registry: Arc<dyn SchemaRegistry>, schema: &str, config: SerdeConfig) -> Result<Self> {
        Self::new(registry, Schema::avro(schema), config)
    }

    /// The async serializer behind this one.
    pub fn as_async(&self) -> &Arc<wire::AvroSerializer> {
        &self.inner
    }

    /// The schema id written for `topic` ([`wire::AvroSerializer::schema_id`]).
    pub fn schema_id(&self, topic: &str) -> Result<u32> {
        let (inner, topic) = (self.inner.clone(), topic.to_owned());
        wait(async move { inner.schema_id(&topic).await })?
    }

    /// Serializes a serde value for `topic`.
    pub fn serialize<T: Serialize>(&self, topic: &str, value: &T) -> Result<Vec<u8>> {
        if let Some(answer) = self.inner.serialize_cached(topic, value) {
            return answer;
        }
        let (inner, owned_topic) = (self.inner.clone(), topic.to_owned());
        let target = wait(async move { inner.target(&owned_topic).await })??;
        self.inner.encode(&target, value)
    }

    /// Serializes an Avro value for `topic`, checking it against the schema first.
    pub fn serialize_value(&self, topic: &str, value: &Value) -> Result<Vec<u8>> {
        if let Some(answer) = self.inner.serialize_value_cached(topic, value) {
            return answer;
        }
        let (inner, owned_topic) = (self.inner.clone(), topic.to_owned());
        let target = wait(async move { inner.target(&owned_topic).await })??;
        self.inner.encode_value(&target, value)
    }
}

/// Reads Confluent wire-format payloads from blocking code: the blocking face of
/// [`wire::AvroDeserializer`], whose caches it shares.
#[derive(Debug, Clone)]
pub struct AvroDeserializer {
    inner: Arc<wire::AvroDeserializer>,
}

impl From<wire::AvroDeserializer> for AvroDeserializer {
    fn from(deserializer: wire::AvroDeserializer) -> Self {
        AvroDeserializer {
            inner: Arc::new(deserializer),
        }
    }
}

impl AvroDeserializer {
    /// A deserializer resolving into `reader` (fetching the schemas its references
    /// name, and waiting for them, if it has any), or reading values as written.
    pub fn new(registry: Arc<dyn SchemaRegistry>, reader: Option<Schema>) -> Result<Self> {
        wait(wire::AvroDeserializer::new(registry, reader))?.map(Self::from)
    }

    /// A deserializer resolving into an Avro schema text without references. It does
    /// not call the registry: writer schemas are fetched by id as payloads name them.
    pub fn for_text(registry: Arc<dyn SchemaRegistry>, reader: &str) -> Result<Self> {
        Self::new(registry, Some(Schema::avro(reader)))
    }

    /// The async deserializer behind this one.
    pub fn as_async(&self) -> &Arc<wire::AvroDeserializer> {
        &self.inner
    }

    /// Reads a payload into a serde type shaped like the reader schema.
    pub fn deserialize<T: DeserializeOwned>(&self, payload: &[u8]) -> Result<T> {
        if let Some(answer) = self.inner.deserialize_cached(payload) {
            return answer;
        }
        let (id, body) = split_payload(payload)?;
        let inner = self.inner.clone();
        let writer = wait(async move { inner.writer(id).await })??;
        self.inner.decode(id, body, &writer)
    }

    /// Reads a payload as an Avro value (resolved into the reader schema, if any).
    pub fn deserialize_value(&self, payload: &[u8]) -> Result<Value> {
        if let Some(answer) = self.inner.deserialize_value_cached(payload) {
            return answer;
        }
        let (id, body) = split_payload(payload)?;
        let inner = self.inner.clone();
        let writer = wait(async move { inner.writer(id).await })??;
        self.inner.decode_value(id, body, &writer)
    }
}
