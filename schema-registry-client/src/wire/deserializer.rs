//! [`AvroDeserializer`]: Confluent wire-format payloads to values, read with the writer's
//! schema (fetched by id) and resolved into the reader's.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use apache_avro::reader::datum::GenericDatumReader;
use apache_avro::types::Value;
use parking_lot::RwLock;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::model::Schema;
use crate::registry::SchemaRegistry;
use crate::wire::compiled::Compiled;
use crate::wire::frame::split_payload;

/// A writer schema, and whether it is the reader's own.
pub(crate) struct Writer {
    schema: Compiled,
    same_as_reader: bool,
    /// Serde types the direct path refused (the Avro library's schema-aware reader
    /// wants a struct named like the record); they go through `Value`.
    indirect_types: RwLock<Vec<&'static str>>,
    /// Whether `indirect_types` has any, so the common case takes no lock.
    any_indirect: AtomicBool,
}

impl Writer {
    fn reads_directly(&self, type_name: &str) -> bool {
        self.same_as_reader
            && (!self.any_indirect.load(Ordering::Acquire)
                || !self.indirect_types.read().contains(&type_name))
    }
}

/// Reads Confluent wire-format payloads.
///
/// Without a reader schema, values come out as they were written. With one, data is
/// resolved into it by Avro's rules (schema evolution: fields added with defaults,
/// removed fields dropped, promotions such as int to long).
pub struct AvroDeserializer {
    registry: Arc<dyn SchemaRegistry>,
    reader: Option<Compiled>,
    writers: RwLock<rustc_hash::FxHashMap<u32, Arc<Writer>>>,
}

impl std::fmt::Debug for AvroDeserializer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AvroDeserializer")
            .field("reader", &self.reader)
            .finish_non_exhaustive()
    }
}

impl AvroDeserializer {
    /// A deserializer that resolves into `reader` (its references fetched from the
    /// registry), or reads values as written when `None`.
    pub async fn new(registry: Arc<dyn SchemaRegistry>, reader: Option<Schema>) -> Result<Self> {
        let reader = match reader {
            Some(schema) => Some(Compiled::fetch(registry.as_ref(), &schema).await?),
            None => None,
        };
        Ok(AvroDeserializer {
            registry,
            reader,
            writers: RwLock::default(),
        })
    }

    /// A deserializer resolving into the Avro schema text `reader`.
    pub async fn for_text(registry: Arc<dyn SchemaRegistry>, reader: &str) -> Result<Self> {
        Self::new(registry, Some(Schema::avro(reader))).await
    }

    pub(crate) async fn writer(&self, id: u32) -> Result<Arc<Writer>> {
        if let Some(writer) = self.writers.read().get(&id) {
            return Ok(writer.clone());
        }
        let schema = self.registry.schema_by_id(id).await?;
        let schema = Compiled::fetch(self.registry.as_ref(), &schema)
            .await
            .map_err(|e| Error::Deserialize {
                schema_id: id,
                reason: format!("the writer schema does not compile: {e}"),
            })?;
        let same_as_reader = self.reader.as_ref().is_none_or(|r| r.same_as(&schema));
        let writer = Arc::new(Writer {
            schema,
            same_as_reader,
            indirect_types: RwLock::default(),
            any_indirect: AtomicBool::new(false),
        });
        self.writers.write().insert(id, writer.clone());
        Ok(writer)
    }

    /// The schema id a payload names, without reading it.
    pub fn schema_id(payload: &[u8]) -> Result<u32> {
        split_payload(payload).map(|(id, _)| id)
    }

    /// Fetches the writer schema `id` names (and the schemas it refers to) and keeps
    /// it, unless it is kept already. After this, payloads written with that id read
    /// without calling the registry ([`AvroDeserializer::deserialize_cached`]).
    pub async fn fetch_writer_schema(&self, id: u32) -> Result<()> {
        self.writer(id).await.map(drop)
    }

    /// Reads a payload as an Avro value (resolved into the reader schema, if any).
    pub async fn deserialize_value(&self, payload: &[u8]) -> Result<Value> {
        let (id, body) = split_payload(payload)?;
        let writer = self.writer(id).await?;
        self.decode_value(id, body, &writer)
    }

    /// Reads a payload as an Avro value without calling the registry: `None` when the
    /// payload's writer schema is not kept yet (see
    /// [`AvroDeserializer::fetch_writer_schema`]). A payload that is not in the wire
    /// format is an error at once.
    pub fn deserialize_value_cached(&self, payload: &[u8]) -> Option<Result<Value>> {
        let (id, body) = match split_payload(payload) {
            Ok(split) => split,
            Err(e) => return Some(Err(e)),
        };
        let writer = self.writers.read().get(&id).cloned()?;
        Some(self.decode_value(id, body, &writer))
    }

    pub(crate) fn decode_value(&self, id: u32, body: &[u8], writer: &Writer) -> Result<Value> {
        let value = read_written(id, &writer.schema, body)?;
        match &self.reader {
            Some(reader) if !writer.same_as_reader => resolve(id, value, reader),
            _ => Ok(value),
        }
    }

    /// Reads a payload into a serde type shaped like the reader schema (or, without
    /// one, like the writer's).
    pub async fn deserialize<T: DeserializeOwned>(&self, payload: &[u8]) -> Result<T> {
        let (id, body) = split_payload(payload)?;
        if let Some(answer) = self.direct::<T>(id, body) {
            return answer;
        }
        let writer = self.writer(id).await?;
        self.decode(id, body, &writer)
    }

    /// Reads a body written with `writer` (kept by this deserializer) into `T`.
    pub(crate) fn decode<T: DeserializeOwned>(&self, id: u32, body: &[u8], writer: &Writer) -> Result<T> {
        if let Some(answer) = self.direct::<T>(id, body) {
            return answer;
        }
        self.decode_indirect(id, body, writer)
    }

    /// Reads a payload into a serde type without calling the registry: `None` when the
    /// payload's writer schema is not kept yet (see
    /// [`AvroDeserializer::fetch_writer_schema`]). A payload that is not in the wire
    /// format is an error at once.
    pub fn deserialize_cached<T: DeserializeOwned>(&self, payload: &[u8]) -> Option<Result<T>> {
        let (id, body) = match split_payload(payload) {
            Ok(split) => split,
            Err(e) => return Some(Err(e)),
        };
        if let Some(answer) = self.direct::<T>(id, body) {
            return Some(answer);
        }
        let writer = self.writers.read().get(&id).cloned()?;
        Some(self.decode_indirect(id, body, &writer))
    }

    /// Reads a body written with `writer` into `T` through an Avro value, for when the
    /// direct path does not apply or failed.
    fn decode_indirect<T: DeserializeOwned>(&self, id: u32, body: &[u8], writer: &Writer) -> Result<T> {
        // Either the payload is bad, or resolution is needed, or the type's name
        // differs from the record's: the path through `Value` tells which.
        let value = self.decode_value(id, body, writer)?;
        let typed = apache_avro::from_value::<T>(&value).map_err(|e| Error::Deserialize {
            schema_id: id,
            reason: e.to_string(),
        })?;
        if writer.same_as_reader {
            writer.indirect_types.write().push(std::any::type_name::<T>());
            writer.any_indirect.store(true, Ordering::Release);
        }
        Ok(typed)
    }

    /// Decodes straight into `T` with a cached writer schema that is the reader's own;
    /// `None` when that path does not apply or fails (the caller then takes the path
    /// through `Value`, which also reports errors).
    fn direct<T: DeserializeOwned>(&self, id: u32, body: &[u8]) -> Option<Result<T>> {
        let writers = self.writers.read();
        let writer = writers.get(&id)?;
        if !writer.reads_directly(std::any::type_name::<T>()) {
            return None;
        }
        let mut rest = body;
        let value = datum_reader(&writer.schema)
            .and_then(|reader| reader.read_deser::<T>(&mut rest))
            .ok()?;
        Some(finished(id, rest).map(|()| value))
    }
}

fn datum_reader(compiled: &Compiled) -> apache_avro::AvroResult<GenericDatumReader<'_>> {
    GenericDatumReader::builder(compiled.root())
        .resolved_writer_schemata(compiled.resolved())
        .build()
}

/// Reads the body with the writer schema; every byte must be used.
fn read_written(id: u32, writer: &Compiled, body: &[u8]) -> Result<Value> {
    let mut rest = body;
    let value = datum_reader(writer)
        .and_then(|reader| reader.read_value(&mut rest))
        .map_err(|e| Error::Deserialize {
            schema_id: id,
            reason: e.to_string(),
        })?;
    finished(id, rest)?;
    Ok(value)
}

fn finished(id: u32, rest: &[u8]) -> Result<()> {
    if rest.is_empty() {
        return Ok(());
    }
    Err(Error::Deserialize {
        schema_id: id,
        reason: format!(
            "{} bytes left after the value (payload does not match the schema)",
            rest.len()
        ),
    })
}

fn resolve(id: u32, value: Value, reader: &Compiled) -> Result<Value> {
    reader
        .with_names(|schema, names| value.resolve_with_names(schema, names))
        .map_err(|e| Error::Deserialize {
            schema_id: id,
            reason: format!("cannot resolve into the reader schema: {e}"),
        })
}
