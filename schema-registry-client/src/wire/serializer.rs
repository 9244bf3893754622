//! [`AvroSerializer`]: values to Confluent wire-format payloads.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use apache_avro::types::Value;
use parking_lot::RwLock;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::{Schema, Version};
use crate::options::ReadOptions;
use crate::options::{LookupOptions, RegisterOptions};
use crate::registry::SchemaRegistry;
use crate::wire::SerdeConfig;
use crate::wire::compiled::Compiled;
use crate::wire::frame::start_payload;

/// What a topic's values are written with: the schema id and the schema.
pub(crate) struct Target {
    subject: String,
    id: u32,
    schema: Arc<Compiled>,
}

/// Writes values of one Avro schema in the Confluent wire format.
///
/// The first value for a topic finds the schema id (registering the schema, looking
/// it up, or taking the subject's latest version, as the [`SerdeConfig`] says); later
/// values of that topic use the cached id without calling the registry.
pub struct AvroSerializer {
    registry: Arc<dyn SchemaRegistry>,
    schema: Schema,
    compiled: Arc<Compiled>,
    config: SerdeConfig,
    targets: RwLock<rustc_hash::FxHashMap<String, Arc<Target>>>,
    /// The size of the last payload, to allocate the next one at once.
    size_hint: AtomicUsize,
}

impl std::fmt::Debug for AvroSerializer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AvroSerializer")
            .field("schema", &self.schema.schema)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl AvroSerializer {
    /// A serializer for `schema` (whose references, if any, are fetched from the
    /// registry).
    pub async fn new(registry: Arc<dyn SchemaRegistry>, schema: Schema, config: SerdeConfig) -> Result<Self> {
        let compiled = Arc::new(Compiled::fetch(registry.as_ref(), &schema).await?);
        Ok(AvroSerializer {
            registry,
            schema,
            compiled,
            config,
            targets: RwLock::default(),
            size_hint: AtomicUsize::new(64),
        })
    }

    /// A serializer for an Avro schema text without references.
    pub async fn for_text(
        registry: Arc<dyn SchemaRegistry>,
        schema: &str,
        config: SerdeConfig,
    ) -> Result<Self> {
        Self::new(registry, Schema::avro(schema), config).await
    }

    /// The schema id and schema the topic's values are written with, when known.
    fn cached_target(&self, topic: &str) -> Option<Arc<Target>> {
        self.targets.read().get(topic).cloned()
    }

    pub(crate) async fn target(&self, topic: &str) -> Result<Arc<Target>> {
        if let Some(target) = self.cached_target(topic) {
            return Ok(target);
        }
        let subject = self.config.subject_name_strategy.subject(
            topic,
            self.config.is_key,
            self.compiled.full_name().as_deref(),
        )?;
        let normalize = self.config.normalize_schemas;
        let target = if self.config.use_latest_version {
            let latest = self
                .registry
                .version(&subject, Version::Latest, ReadOptions::default())
                .await?;
            let schema = Arc::new(Compiled::fetch(self.registry.as_ref(), &latest.schema).await?);
            Target {
                subject,
                id: latest.id,
                schema,
            }
        } else if self.config.auto_register_schemas {
            let options = RegisterOptions { normalize };
            let id = self.registry.register(&subject, &self.schema, options).await?;
            Target {
                subject,
                id,
                schema: self.compiled.clone(),
            }
        } else {
            let options = LookupOptions {
                normalize,
                include_deleted: false,
            };
            let found = self.registry.lookup(&subject, &self.schema, options).await?;
            Target {
                subject,
                id: found.id,
                schema: self.compiled.clone(),
            }
        };
        let target = Arc::new(target);
        self.targets.write().insert(topic.to_owned(), target.clone());
        Ok(target)
    }

    /// The schema id this serializer writes for `topic`, found the way the
    /// [`SerdeConfig`] says (registering the schema, looking it up, or taking the
    /// subject's latest version) on the first call for a topic and kept after that.
    ///
    /// Calling it before the first value of a topic moves the registry call out of
    /// [`AvroSerializer::serialize`]; [`AvroSerializer::serialize_cached`] then writes
    /// that topic's values without calling the registry.
    pub async fn schema_id(&self, topic: &str) -> Result<u32> {
        Ok(self.target(topic).await?.id)
    }

    /// Serializes a serde value (a struct with the schema's fields, for a record) for
    /// `topic`.
    pub async fn serialize<T: Serialize>(&self, topic: &str, value: &T) -> Result<Vec<u8>> {
        let target = self.target(topic).await?;
        self.encode(&target, value)
    }

    /// Serializes a serde value for `topic` without calling the registry: `None` when
    /// the topic's schema id is not known yet (see [`AvroSerializer::schema_id`]).
    pub fn serialize_cached<T: Serialize>(&self, topic: &str, value: &T) -> Option<Result<Vec<u8>>> {
        let target = self.cached_target(topic)?;
        Some(self.encode(&target, value))
    }

    pub(crate) fn encode<T: Serialize>(&self, target: &Target, value: &T) -> Result<Vec<u8>> {
        let mut payload = start_payload(target.id, self.size_hint.load(Ordering::Relaxed));
        target
            .schema
            .with_names(|schema, names| apache_avro::write_avro_datum_ref(schema, names, value, &mut payload))
            .map_err(|e| Error::Serialize {
                subject: target.subject.clone(),
                reason: e.to_string(),
            })?;
        self.size_hint.store(payload.len() + 8, Ordering::Relaxed);
        Ok(payload)
    }

    /// Serializes an Avro value for `topic`, checking it against the schema first.
    pub async fn serialize_value(&self, topic: &str, value: &Value) -> Result<Vec<u8>> {
        let target = self.target(topic).await?;
        self.encode_value(&target, value)
    }

    /// Serializes an Avro value for `topic` without calling the registry: `None` when
    /// the topic's schema id is not known yet (see [`AvroSerializer::schema_id`]).
    pub fn serialize_value_cached(&self, topic: &str, value: &Value) -> Option<Result<Vec<u8>>> {
        let target = self.cached_target(topic)?;
        Some(self.encode_value(&target, value))
    }

    pub(crate) fn encode_value(&self, target: &Target, value: &Value) -> Result<Vec<u8>> {
        let mut payload = start_payload(target.id, self.size_hint.load(Ordering::Relaxed));
        target
            .schema
            .with_names(|schema, names| {
                if let Some(reason) = mismatch(value, schema, names) {
                    return Err(reason);
                }
                let writer = apache_avro::writer::datum::GenericDatumWriter::builder(schema)
                    .resolved_schemata(target.schema.resolved())
                    .validate(false)
                    .build()
                    .map_err(|e| e.to_string())?;
                writer
                    .write_value_ref(&mut payload, value)
                    .map_err(|e| e.to_string())
            })
            .map_err(|reason| Error::Serialize {
                subject: target.subject.clone(),
                reason,
            })?;
        self.size_hint.store(payload.len() + 8, Ordering::Relaxed);
        Ok(payload)
    }
}

/// Why `value` does not match `schema`, naming the first record field that does not,
/// or `None` when it matches.
pub(crate) fn mismatch(
    value: &Value,
    schema: &apache_avro::Schema,
    names: &apache_avro::schema::NamesRef<'_>,
) -> Option<String> {
    if value.validate_with_names(schema, names) {
        return None;
    }
    if let (Value::Record(fields), apache_avro::Schema::Record(record)) = (value, schema) {
        for field in &record.fields {
            match fields.iter().find(|(name, _)| *name == field.name) {
                None if field.default.is_none() => {
                    return Some(format!("field `{}` is missing and has no default", field.name));
                }
                Some((_, v)) if !v.validate_with_names(&field.schema, names) => {
                    return Some(format!(
                        "field `{}` does not match its schema: {}",
                        field.name,
                        mismatch(v, &field.schema, names).unwrap_or_else(|| format!("{v:?}"))
                    ));
                }
                _ => {}
            }
        }
        if let Some((name, _)) = fields.iter().find(|(name, _)| !record.lookup.contains_key(name)) {
            return Some(format!("field `{name}` is not in record `{}`", record.name));
        }
    }
    Some(format!(
        "value {} does not match schema {}",
        crate::wire::describe(value),
        crate::compat::type_label(schema)
    ))
}
