//! Avro values in the Confluent wire format, through `schema-registry-client` (feature
//! `avro`).

use std::marker::PhantomData;
use std::sync::Arc;

use bytes::Bytes;
use schema_registry_client::blocking::{AvroDeserializer, AvroSerializer};
use schema_registry_client::{Error as RegistryError, SchemaRegistry, SerdeConfig};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Serde, SerdeError, SerdeErrorKind, SerdeResult, present};
use crate::error::{Error, Result};

/// A serde type as Avro in the Confluent wire format (magic byte, schema id, Avro
/// binary), with its schema registered (or looked up) the way [`SerdeConfig`] says,
/// and read back through the writer's schema resolved into this one (so records
/// written with older or newer compatible schemas read as `T`).
///
/// The registry is any [`SchemaRegistry`]: `registry_from_url("mock://app")` in tests,
/// `registry_from_url("http://registry:8081")` in production.
///
/// - [`AvroSerde::new`] does no I/O: the schema is parsed, and registered (or looked
///   up) with the first record of each topic. [`AvroSerde::connect`] is the async
///   constructor that registers for the given topics up front.
/// - Registry calls (a topic's first record, a writer schema id not seen before) run
///   on `schema-registry-client`'s shared background runtime through its
///   [`blocking`](schema_registry_client::blocking) facade, and the stream thread
///   waits for the answer; everything else (encoding, decoding, cached ids and
///   schemas) runs on the stream thread without waiting. No runtime is owned per
///   serde and `block_on` is never called on the caller's thread, so a serde can be
///   made and used inside an async application (`#[tokio::main]`, an axum handler).
/// - Errors have a [kind](SerdeErrorKind): the registry unreachable, timing out, or
///   answering HTTP 5xx, 408, 429, 401 or 403 is [`SerdeErrorKind::Unavailable`]
///   (the task retries the record, then fails after `task.timeout.ms`); a payload
///   that is not in the wire format or does not match its schema, a value that does
///   not match the schema, and the registry's other 4xx answers (40403 for an unknown
///   schema id, 40401 for a subject without the schema when registration is off, 409
///   for an incompatible schema) are [`SerdeErrorKind::BadData`] (the record goes to
///   the deserialization or production handler).
///
/// ```
/// use kstream::serdes::{AvroSerde, Serde};
/// use schema_registry_client::{SerdeConfig, registry_from_url};
///
/// #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
/// struct Visit { member: i64, page: String }
///
/// let schema = r#"{"type":"record","name":"Visit","fields":[
///     {"name":"member","type":"long"},{"name":"page","type":"string"}]}"#;
/// let registry = registry_from_url("mock://avro-serde-doc").unwrap();
/// let serde = AvroSerde::<Visit>::new(registry, schema, SerdeConfig::default()).unwrap();
/// let bytes = serde.serialize("visits", &Visit { member: 1, page: "/rooms".into() }).unwrap().unwrap();
/// assert_eq!(bytes[0], 0); // the wire format's magic byte
/// assert_eq!(serde.deserialize("visits", Some(&bytes)).unwrap().page, "/rooms");
/// ```
pub struct AvroSerde<T> {
    serializer: AvroSerializer,
    deserializer: AvroDeserializer,
    _type: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for AvroSerde<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AvroSerde<{}>", std::any::type_name::<T>())
    }
}

impl<T> AvroSerde<T> {
    /// A serde writing `T` with the Avro schema `schema` (JSON text) and reading any
    /// compatible writer's records into it. It does not call the registry: the schema
    /// is registered (or looked up) with the first record of each topic.
    pub fn new(registry: Arc<dyn SchemaRegistry>, schema: &str, config: SerdeConfig) -> Result<Self> {
        let serializer = AvroSerializer::for_text(registry.clone(), schema, config).map_err(Self::invalid)?;
        let deserializer = AvroDeserializer::for_text(registry, schema).map_err(Self::invalid)?;
        Ok(AvroSerde {
            serializer,
            deserializer,
            _type: PhantomData,
        })
    }

    /// Like [`AvroSerde::new`], for async callers, and registers (or looks up) the
    /// schema for each of `topics` now, so a registry that refuses the schema fails
    /// here rather than with the first record.
    ///
    /// ```
    /// use kstream::serdes::AvroSerde;
    /// use schema_registry_client::{SerdeConfig, registry_from_url};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let registry = registry_from_url("mock://avro-serde-connect-doc").unwrap();
    /// let serde = AvroSerde::<String>::connect(registry.clone(), r#""string""#, SerdeConfig::default(), &["names"])
    ///     .await
    ///     .unwrap();
    /// assert_eq!(registry.subjects(&Default::default()).await.unwrap(), ["names-value"]);
    /// # });
    /// ```
    pub async fn connect(
        registry: Arc<dyn SchemaRegistry>,
        schema: &str,
        config: SerdeConfig,
        topics: &[&str],
    ) -> Result<Self> {
        let serializer = schema_registry_client::AvroSerializer::for_text(registry.clone(), schema, config)
            .await
            .map_err(Self::invalid)?;
        for topic in topics {
            serializer.schema_id(topic).await.map_err(Self::invalid)?;
        }
        let deserializer = schema_registry_client::AvroDeserializer::for_text(registry, schema)
            .await
            .map_err(Self::invalid)?;
        Ok(AvroSerde {
            serializer: serializer.into(),
            deserializer: deserializer.into(),
            _type: PhantomData,
        })
    }

    fn invalid(source: RegistryError) -> Error {
        Error::AvroSerde {
            type_name: std::any::type_name::<T>(),
            source,
        }
    }
}

/// The kind of a registry client error: the registry not answering (or refusing to
/// serve this client) is unavailable; anything about the record or its schema is bad
/// data.
fn kind_of(error: &RegistryError) -> SerdeErrorKind {
    match error {
        RegistryError::Unreachable { .. }
        | RegistryError::InvalidResponse { .. }
        | RegistryError::Runtime { .. }
        | RegistryError::Storage { .. } => SerdeErrorKind::Unavailable,
        RegistryError::Registry { code, .. } => match code.http_status() {
            401 | 403 | 408 | 429 => SerdeErrorKind::Unavailable,
            status if status >= 500 => SerdeErrorKind::Unavailable,
            _ => SerdeErrorKind::BadData,
        },
        _ => SerdeErrorKind::BadData,
    }
}

/// A registry client error as a serde error of its kind, with `what` the serde was
/// doing.
fn serde_error(what: impl FnOnce() -> String, error: RegistryError) -> SerdeError {
    let kind = kind_of(&error);
    let message = match kind {
        SerdeErrorKind::Unavailable => format!("{}: the schema registry is unavailable", what()),
        _ => what(),
    };
    SerdeError::new(kind, message).with_source(error)
}

impl<T: Serialize + DeserializeOwned + 'static> Serde<T> for AvroSerde<T> {
    fn serialize(&self, topic: &str, value: &T) -> SerdeResult<Option<Bytes>> {
        self.serializer
            .serialize(topic, value)
            .map(|payload| Some(Bytes::from(payload)))
            .map_err(|e| serde_error(|| format!("cannot write Avro for topic `{topic}`"), e))
    }

    fn deserialize(&self, topic: &str, data: Option<&[u8]>) -> SerdeResult<T> {
        let payload = present(data, "an Avro record")?;
        self.deserializer
            .deserialize::<T>(payload)
            .map_err(|e| serde_error(|| format!("cannot read Avro from topic `{topic}`"), e))
    }

    fn prepare(&self, topic: &str) -> SerdeResult<()> {
        self.serializer
            .schema_id(topic)
            .map(drop)
            .map_err(|e| serde_error(|| format!("cannot find the schema id for topic `{topic}`"), e))
    }
}

#[cfg(test)]
mod tests {
    use schema_registry_client::ErrorCode;

    use super::*;

    #[test]
    fn registry_errors_have_the_kind_of_what_went_wrong() {
        let unavailable = [
            RegistryError::Unreachable {
                url: "http://registry:8081".into(),
                reason: "connection refused".into(),
            },
            RegistryError::registry(ErrorCode::StoreError, "store down"),
            RegistryError::registry(ErrorCode::Other(503), "unavailable"),
            RegistryError::registry(ErrorCode::Other(401), "unauthorized"),
            RegistryError::registry(ErrorCode::Other(429), "slow down"),
        ];
        for error in unavailable {
            let serde = serde_error(|| "reading".into(), error);
            assert_eq!(serde.kind(), SerdeErrorKind::Unavailable, "{serde:?}");
            assert!(serde.to_string().contains("unavailable"), "{serde}");
        }
        let bad = [
            RegistryError::registry(ErrorCode::SchemaNotFound, "Schema 9 not found"),
            RegistryError::registry(ErrorCode::Incompatible, "incompatible"),
            RegistryError::UnknownMagicByte { found: 7 },
            RegistryError::ShortPayload { len: 2 },
            RegistryError::Deserialize {
                schema_id: 1,
                reason: "3 bytes left".into(),
            },
        ];
        for error in bad {
            let serde = serde_error(|| "reading".into(), error);
            assert_eq!(serde.kind(), SerdeErrorKind::BadData, "{serde:?}");
            assert!(std::error::Error::source(&serde).is_some());
        }
    }
}
