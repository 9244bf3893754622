//! Avro values in the Confluent wire format, through `schema-registry-client` (feature
//! `avro`).

use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use schema_registry_client::{AvroDeserializer, AvroSerializer, SchemaRegistry, SerdeConfig};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Serde, SerdeResult, present};
use crate::error::{Error, Result};

/// A serde type as Avro in the Confluent wire format (magic byte, schema id, Avro
/// binary), with its schema registered (or looked up) the way
/// [`SerdeConfig`] says, and read back through the writer's schema resolved into this
/// one (so records written with older or newer compatible schemas read as `T`).
///
/// The registry is any [`SchemaRegistry`]: `registry_from_url("mock://app")` in tests,
/// `registry_from_url("http://registry:8081")` in production. Calls that reach the
/// registry (the first record of a topic, an unseen schema id) block the stream thread
/// on the serde's own small runtime; the rest never wait.
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
    runtime: tokio::runtime::Runtime,
    _type: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for AvroSerde<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AvroSerde<{}>", std::any::type_name::<T>())
    }
}

impl<T> AvroSerde<T> {
    /// A serde writing `T` with the Avro schema `schema` (JSON text) and reading any
    /// compatible writer's records into it.
    pub fn new(registry: Arc<dyn SchemaRegistry>, schema: &str, config: SerdeConfig) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Config {
                key: "avro".into(),
                reason: format!("cannot start the registry client's runtime: {e}"),
            })?;
        let bad_schema = |e: schema_registry_client::Error| Error::Config {
            key: "avro schema".into(),
            reason: e.to_string(),
        };
        let serializer = run(
            &runtime,
            AvroSerializer::for_text(registry.clone(), schema, config),
        )
        .map_err(bad_schema)?;
        let deserializer = run(&runtime, AvroDeserializer::for_text(registry, schema)).map_err(bad_schema)?;
        Ok(AvroSerde {
            serializer,
            deserializer,
            runtime,
            _type: PhantomData,
        })
    }
}

/// Runs a registry future: polled once in place (a cache hit, or the in-memory registry,
/// is ready at once), else driven to the end on the serde's runtime.
fn run<F: Future>(runtime: &tokio::runtime::Runtime, future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let first = {
        let _context = runtime.enter();
        future.as_mut().poll(&mut Context::from_waker(Waker::noop()))
    };
    match first {
        Poll::Ready(output) => output,
        Poll::Pending => runtime.block_on(future),
    }
}

impl<T: Serialize + DeserializeOwned + 'static> Serde<T> for AvroSerde<T> {
    fn serialize(&self, topic: &str, value: &T) -> SerdeResult<Option<Bytes>> {
        run(&self.runtime, self.serializer.serialize(topic, value))
            .map(|payload| Some(Bytes::from(payload)))
            .map_err(|e| e.to_string())
    }

    fn deserialize(&self, _topic: &str, data: Option<&[u8]>) -> SerdeResult<T> {
        let payload = present(data, "an Avro record")?;
        run(&self.runtime, self.deserializer.deserialize::<T>(payload)).map_err(|e| e.to_string())
    }
}
