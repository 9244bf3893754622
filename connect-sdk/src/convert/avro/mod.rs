//! Confluent's `io.confluent.connect.avro.AvroConverter` (feature `avro`): Connect data as
//! Avro in the Confluent wire format, its schema registered in a schema registry.

mod schema;
mod value;

use std::collections::HashMap;

use schema_registry_client::blocking::Registry;
use schema_registry_client::wire::{split_payload, start_payload};
use schema_registry_client::{LookupOptions, RegisterOptions};

use super::Converter;
use crate::config::{ConfigReader, Properties};
use crate::data::{Schema, Value};
use crate::error::{Error, Result};

/// Connect data as Avro in the Confluent wire format (a zero byte, the schema's id in
/// the registry, the Avro binary), with Confluent's config keys: `schema.registry.url`
/// (`http://...`, or `mock://scope` for tests), `auto.register.schemas` (true) and
/// `use.latest.version` (false). Subjects are named by the topic: `TOPIC-key` or
/// `TOPIC-value`.
///
/// The Avro schema of a Connect schema follows Confluent's rules (`AvroData`): names,
/// versions, docs, parameters and defaults in `connect.*` properties, records named
/// `io.confluent.connect.avro.ConnectDefault` when the struct has no name, optional
/// schemas as unions with null, int8 and int16 as `int` marked by `connect.type`, maps
/// with keys other than strings as arrays of `MapEntry` records, the logical types as
/// Avro's.
///
/// ```
/// use connect_sdk::convert::{AvroConverter, Converter};
/// use connect_sdk::config::Properties;
/// use connect_sdk::data::{Schema, SchemaBuilder, Struct, Value};
///
/// let config = Properties::from([("schema.registry.url".to_owned(), "mock://avro-doc".to_owned())]);
/// let mut avro = AvroConverter::configure(&config, false)?;
/// let schema = SchemaBuilder::record().name("shop.Order").field("id", Schema::int64())?.build();
/// let mut order = Struct::new(schema.clone())?;
/// order.put("id", 7i64)?;
/// let bytes = avro.encode("orders", Some(&schema), &Value::Struct(order.clone()))?.unwrap();
/// assert_eq!(bytes[0], 0); // the magic byte, then the schema id
/// assert_eq!(avro.decode("orders", Some(&bytes))?, (Some(schema), Value::Struct(order)));
/// # Ok::<(), connect_sdk::Error>(())
/// ```
pub struct AvroConverter {
    registry: Registry,
    is_key: bool,
    auto_register: bool,
    /// Schema ids by subject and Avro schema text.
    ids: HashMap<(String, String), u32>,
    /// Avro schemas of Connect schemas written before, by the Connect schema's address
    /// (kept alive beside them).
    written: HashMap<usize, (Schema, String, apache_avro::Schema)>,
    /// Writer schemas read before, by id: the Avro schema and its Connect schema.
    read: HashMap<u32, (apache_avro::Schema, Schema)>,
}

impl std::fmt::Debug for AvroConverter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AvroConverter")
            .field("is_key", &self.is_key)
            .field("auto_register", &self.auto_register)
            .finish_non_exhaustive()
    }
}

/// A registry call's failure: retriable when the registry may answer later (it is
/// down, or overloaded), else an error about the data (an unknown id, an incompatible
/// schema).
fn registry_error(what: &str, e: schema_registry_client::Error) -> Error {
    let message = format!("Schema registry: {what}: {e}");
    if e.is_retriable() {
        Error::retriable(message)
    } else {
        Error::data(message)
    }
}

impl AvroConverter {
    /// A converter of keys (`is_key`) or values, configured by Confluent's keys.
    pub fn configure(properties: &Properties, is_key: bool) -> Result<Self> {
        let config = ConfigReader::new(properties);
        let url = config.required_string("schema.registry.url")?;
        let registry = Registry::from_url(url)
            .map_err(|e| Error::config("schema.registry.url", url, format!("not a registry URL: {e}")))?;
        Ok(AvroConverter {
            registry,
            is_key,
            auto_register: config.boolean("auto.register.schemas", true)?,
            ids: HashMap::new(),
            written: HashMap::new(),
            read: HashMap::new(),
        })
    }

    fn subject(&self, topic: &str) -> String {
        format!("{topic}-{}", if self.is_key { "key" } else { "value" })
    }

    /// The Avro schema (text and parsed) of `schema`.
    fn avro_schema(&mut self, schema: &Schema) -> Result<(String, apache_avro::Schema)> {
        if let Some((_, text, parsed)) = self.written.get(&schema.address()) {
            return Ok((text.clone(), parsed.clone()));
        }
        let text = schema::to_avro(schema)?.to_string();
        let parsed = apache_avro::Schema::parse_str(&text).map_err(|e| {
            Error::data(format!(
                "The Avro schema of a Connect schema is not valid Avro: {e}"
            ))
        })?;
        self.written
            .insert(schema.address(), (schema.clone(), text.clone(), parsed.clone()));
        Ok((text, parsed))
    }

    fn schema_id(&mut self, subject: &str, text: &str) -> Result<u32> {
        let key = (subject.to_owned(), text.to_owned());
        if let Some(id) = self.ids.get(&key) {
            return Ok(*id);
        }
        let registered = schema_registry_client::Schema::avro(text);
        let id = if self.auto_register {
            self.registry
                .register(subject, &registered, RegisterOptions::default())
                .map_err(|e| registry_error("registering a schema", e))?
        } else {
            self.registry
                .lookup(subject, &registered, LookupOptions::default())
                .map_err(|e| registry_error("looking a schema up", e))?
                .id
        };
        self.ids.insert(key, id);
        Ok(id)
    }
}

impl Converter for AvroConverter {
    fn encode(&mut self, topic: &str, schema: Option<&Schema>, value: &Value) -> Result<Option<Vec<u8>>> {
        let Some(schema) = schema else {
            if value.is_null() {
                return Ok(None);
            }
            return Err(Error::data("The Avro converter writes values with a schema only"));
        };
        if value.is_null() && schema.is_optional() && schema.default_value().is_none() {
            return Ok(None);
        }
        let (text, avro_schema) = self.avro_schema(schema)?;
        let avro_value = value::to_avro(schema, value)?;
        let id = self.schema_id(&self.subject(topic), &text)?;
        let failed = |e: apache_avro::Error| {
            Error::data(format!("Failed to serialize Avro data from topic {topic}: {e}"))
        };
        let mut payload = start_payload(id, 64);
        apache_avro::writer::datum::GenericDatumWriter::builder(&avro_schema)
            .build()
            .map_err(failed)?
            .write_value_ref(&mut payload, &avro_value)
            .map_err(failed)?;
        Ok(Some(payload))
    }

    fn decode(&mut self, topic: &str, bytes: Option<&[u8]>) -> Result<(Option<Schema>, Value)> {
        let Some(bytes) = bytes else {
            return Ok((None, Value::Null));
        };
        let deserialize = |reason: String| Error::Deserialize {
            topic: topic.to_owned(),
            reason,
        };
        let (id, body) = split_payload(bytes).map_err(|e| deserialize(e.to_string()))?;
        if !self.read.contains_key(&id) {
            let registered = self
                .registry
                .schema_by_id(id)
                .map_err(|e| registry_error(&format!("reading schema {id}"), e))?;
            let parsed = apache_avro::Schema::parse_str(&registered.schema)
                .map_err(|e| deserialize(format!("schema {id} is not valid Avro: {e}")))?;
            let json: serde_json::Value = serde_json::from_str(&registered.schema)
                .map_err(|e| deserialize(format!("schema {id} is not JSON: {e}")))?;
            let connect = schema::to_connect(&json)?;
            self.read.insert(id, (parsed, connect));
        }
        let (avro_schema, connect) = &self.read[&id];
        let mut rest = body;
        let avro = apache_avro::reader::datum::GenericDatumReader::builder(avro_schema)
            .build()
            .and_then(|reader| reader.read_value(&mut rest))
            .map_err(|e| deserialize(format!("Avro data under schema {id}: {e}")))?;
        if !rest.is_empty() {
            return Err(deserialize(format!(
                "{} bytes left after the Avro data under schema {id}",
                rest.len()
            )));
        }
        let value = value::to_connect(connect, avro)?;
        Ok((Some(connect.clone()), value))
    }
}
