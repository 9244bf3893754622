//! Kafka's `JsonConverter`: Connect data as JSON, with its schema in an envelope
//! (`schemas.enable=true`, the default) or without.

mod parse;
mod read;
mod schema;
pub(crate) mod text;
mod write;

use std::collections::HashMap;

use super::Converter;
use crate::config::{ConfigReader, Properties};
use crate::data::{Schema, Value};
use crate::error::{Error, Result};

/// How a Decimal is written: its unscaled bytes in Base64 (Kafka's default) or a JSON
/// number (`decimal.format=NUMERIC`). Either is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DecimalFormat {
    /// `BASE64`
    #[default]
    Base64,
    /// `NUMERIC`
    Numeric,
}

/// Kafka's `org.apache.kafka.connect.json.JsonConverter`, with its config keys:
/// `schemas.enable` (default true), `schemas.cache.size` (1000), `decimal.format`
/// (`BASE64`, `NUMERIC`) and `replace.null.with.default` (true). With schemas, the
/// bytes it writes are Kafka's for the same record (a schemaless map's keys keep
/// their order, where Kafka's follow Java's `HashMap`).
///
/// ```
/// use connect_sdk::convert::{Converter, JsonConverter};
/// use connect_sdk::data::{Schema, Value};
///
/// let mut json = JsonConverter::new(true);
/// let bytes = json.encode("t", Some(&Schema::int32()), &Value::Int32(7))?;
/// assert_eq!(bytes.as_deref(), Some(&br#"{"schema":{"type":"int32","optional":false},"payload":7}"#[..]));
/// assert_eq!(json.decode("t", bytes.as_deref())?, (Some(Schema::int32()), Value::Int32(7)));
/// # Ok::<(), connect_sdk::Error>(())
/// ```
#[derive(Debug)]
pub struct JsonConverter {
    schemas_enabled: bool,
    decimal_format: DecimalFormat,
    replace_null_with_default: bool,
    cache_size: usize,
    /// Schemas written before, with their JSON, kept alive beside it.
    written: HashMap<usize, (Schema, String)>,
    /// Schemas read before, by their JSON text.
    read: HashMap<Vec<u8>, Option<Schema>>,
    /// The schema read last, with its text.
    last_read: Option<(Vec<u8>, Option<Schema>)>,
}

impl JsonConverter {
    /// A converter with schemas on or off, the other keys at their defaults.
    pub fn new(schemas_enabled: bool) -> Self {
        JsonConverter {
            schemas_enabled,
            decimal_format: DecimalFormat::Base64,
            replace_null_with_default: true,
            cache_size: 1000,
            written: HashMap::new(),
            read: HashMap::new(),
            last_read: None,
        }
    }

    /// A converter configured by Kafka's keys (others are ignored, as converters are
    /// given a connector's whole `key.converter.`/`value.converter.` subset).
    pub fn configure(properties: &Properties) -> Result<Self> {
        let config = ConfigReader::new(properties);
        let mut converter = Self::new(config.boolean("schemas.enable", true)?);
        converter.cache_size = config.int("schemas.cache.size", 1000)?.max(0) as usize;
        converter.replace_null_with_default = config.boolean("replace.null.with.default", true)?;
        converter.decimal_format = match config.string("decimal.format").map(str::to_uppercase).as_deref() {
            None | Some("BASE64") => DecimalFormat::Base64,
            Some("NUMERIC") => DecimalFormat::Numeric,
            Some(_) => {
                return Err(Error::config(
                    "decimal.format",
                    config.string("decimal.format").unwrap_or_default(),
                    "String must be one of (case insensitive): BASE64, NUMERIC",
                ));
            }
        };
        Ok(converter)
    }

    /// Writes decimals as `format`.
    pub fn decimal_format(mut self, format: DecimalFormat) -> Self {
        self.decimal_format = format;
        self
    }

    /// Whether a null with a default in its schema is written as the default (true, as
    /// in Kafka) or as null.
    pub fn replace_null_with_default(mut self, replace: bool) -> Self {
        self.replace_null_with_default = replace;
        self
    }

    /// The JSON text of `schema` (Kafka's `asJsonSchema`).
    pub fn schema_json(&mut self, schema: &Schema) -> Result<&str> {
        let key = schema.address();
        if !self.written.contains_key(&key) {
            let mut text = String::new();
            schema::write(&mut text, schema, self.writer())?;
            if self.written.len() >= self.cache_size.max(1) {
                self.written.clear();
            }
            self.written.insert(key, (schema.clone(), text));
        }
        Ok(&self.written[&key].1)
    }

    /// The schema of an envelope's schema text, read once and then found by its text.
    fn schema_of_text(&mut self, text: &[u8]) -> Result<Option<Schema>> {
        // Records of a topic mostly repeat the schema of the one before.
        if let Some((last, schema)) = &self.last_read
            && last.as_slice() == text
        {
            return Ok(schema.clone());
        }
        let schema = self.cached_schema_of_text(text)?;
        self.last_read = Some((text.to_vec(), schema.clone()));
        Ok(schema)
    }

    fn cached_schema_of_text(&mut self, text: &[u8]) -> Result<Option<Schema>> {
        if let Some(schema) = self.read.get(text) {
            return Ok(schema.clone());
        }
        let schema = schema::read(&parse::parse(text)?)?;
        if self.read.len() >= self.cache_size.max(1) {
            self.read.clear();
        }
        self.read.insert(text.to_vec(), schema.clone());
        Ok(schema)
    }

    fn writer(&self) -> write::Writer {
        write::Writer {
            decimal_format: self.decimal_format,
            replace_null_with_default: self.replace_null_with_default,
        }
    }

    /// Writes `value` (with `schema`) as JSON text into `out`, without the envelope.
    pub fn write_payload(&self, out: &mut String, schema: Option<&Schema>, value: &Value) -> Result<()> {
        self.writer().value(out, schema, value)
    }
}

impl Converter for JsonConverter {
    fn encode(&mut self, _topic: &str, schema: Option<&Schema>, value: &Value) -> Result<Option<Vec<u8>>> {
        if schema.is_none() && value.is_null() {
            return Ok(None);
        }
        let mut out = String::with_capacity(256);
        if self.schemas_enabled {
            out.push_str("{\"schema\":");
            match schema {
                Some(schema) => {
                    let text = self.schema_json(schema)?;
                    out.push_str(text);
                }
                None => out.push_str("null"),
            }
            out.push_str(",\"payload\":");
            self.write_payload(&mut out, schema, value)?;
            out.push('}');
        } else {
            self.write_payload(&mut out, schema, value)?;
        }
        Ok(Some(out.into_bytes()))
    }

    fn decode(&mut self, topic: &str, bytes: Option<&[u8]>) -> Result<(Option<Schema>, Value)> {
        let Some(bytes) = bytes else {
            return Ok((None, Value::Null));
        };
        if self.schemas_enabled
            && let Ok(Some((schema_text, payload))) = parse::envelope(bytes)
        {
            let schema = self.schema_of_text(schema_text)?;
            let value = read::value(schema.as_ref(), &payload, self.replace_null_with_default)?;
            return Ok((schema, value));
        }
        let json = parse::parse(bytes).map_err(|e| Error::Deserialize {
            topic: topic.to_owned(),
            reason: e.to_string(),
        })?;
        if !self.schemas_enabled {
            return Ok((None, read::value(None, &json, self.replace_null_with_default)?));
        }
        let envelope = match &json {
            Json::Object(members)
                if members.len() == 2 && json.get("schema").is_some() && json.get("payload").is_some() =>
            {
                Some((
                    json.get("schema").expect("checked"),
                    json.get("payload").expect("checked"),
                ))
            }
            _ => None,
        };
        let Some((schema, payload)) = envelope else {
            return Err(Error::data(
                "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not contain \
                 additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your \
                 converter configuration.",
            ));
        };
        let schema = schema::read(schema)?;
        let value = read::value(schema.as_ref(), payload, self.replace_null_with_default)?;
        Ok((schema, value))
    }
}

use parse::Json;
