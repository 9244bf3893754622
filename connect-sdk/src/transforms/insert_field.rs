//! `org.apache.kafka.connect.transforms.InsertField$Key` and `$Value`: fields added
//! from the record's metadata or a static value.

use std::collections::HashMap;

use super::{Part, Transform, require_map, require_struct};
use crate::config::ConfigReader;
use crate::data::{Schema, SchemaBuilder, Struct, Value, logical};
use crate::error::{Error, Result};
use crate::record::ConnectRecord;

const PURPOSE: &str = "field insertion";

/// A field to insert: its name, and whether it is optional (`name?`, the default) or
/// required (`name!`).
#[derive(Debug, Clone)]
struct Spec {
    name: String,
    optional: bool,
}

impl Spec {
    fn parse(text: Option<&str>) -> Option<Spec> {
        let text = text?.trim();
        if text.is_empty() {
            return None;
        }
        Some(match (text.strip_suffix('!'), text.strip_suffix('?')) {
            (Some(name), _) => Spec {
                name: name.to_owned(),
                optional: false,
            },
            (_, Some(name)) => Spec {
                name: name.to_owned(),
                optional: true,
            },
            _ => Spec {
                name: text.to_owned(),
                optional: true,
            },
        })
    }
}

/// Adds to the key or value (a struct, or schemaless a map) the record's topic,
/// partition, offset (sink records), timestamp, and a static string field. A null part
/// passes unchanged.
#[derive(Debug)]
pub struct InsertField {
    part: Part,
    topic: Option<Spec>,
    partition: Option<Spec>,
    offset: Option<Spec>,
    timestamp: Option<Spec>,
    static_field: Option<Spec>,
    static_value: Option<String>,
    schemas: HashMap<usize, (Schema, Schema)>,
}

impl InsertField {
    /// Configured by `topic.field`, `partition.field`, `offset.field`,
    /// `timestamp.field`, `static.field` and `static.value`.
    pub fn configure(part: Part, config: &ConfigReader<'_>) -> Result<Self> {
        config.boolean("replace.null.with.default", true)?;
        Ok(InsertField {
            part,
            topic: Spec::parse(config.string("topic.field")),
            partition: Spec::parse(config.string("partition.field")),
            offset: Spec::parse(config.string("offset.field")),
            timestamp: Spec::parse(config.string("timestamp.field")),
            static_field: Spec::parse(config.string("static.field")),
            static_value: config.string("static.value").map(str::to_owned),
            schemas: HashMap::new(),
        })
    }

    /// The fields to add, with their schemas and values for `record`.
    fn additions(&self, record: &ConnectRecord) -> Result<Vec<(String, Schema, Value)>> {
        let optional = |spec: &Spec, builder: SchemaBuilder| {
            if spec.optional {
                builder.optional()
            } else {
                builder
            }
            .build()
        };
        let mut additions = Vec::new();
        if let Some(spec) = &self.topic {
            let schema = optional(spec, SchemaBuilder::new(crate::data::Type::String));
            additions.push((spec.name.clone(), schema, Value::String(record.topic.clone())));
        }
        if let Some(spec) = &self.partition {
            let schema = optional(spec, SchemaBuilder::new(crate::data::Type::Int32));
            additions.push((
                spec.name.clone(),
                schema,
                record.kafka_partition.map_or(Value::Null, Value::Int32),
            ));
        }
        if self.offset.is_some() {
            return Err(Error::data(
                "Only SinkRecord supported for [field insertion], found: org.apache.kafka.connect.source.SourceRecord",
            ));
        }
        if let Some(spec) = &self.timestamp {
            let schema = optional(spec, logical::timestamp());
            additions.push((
                spec.name.clone(),
                schema,
                record.timestamp.map_or(Value::Null, Value::Timestamp),
            ));
        }
        if let (Some(spec), Some(value)) = (&self.static_field, &self.static_value) {
            let schema = optional(spec, SchemaBuilder::new(crate::data::Type::String));
            additions.push((spec.name.clone(), schema, Value::String(value.clone())));
        }
        Ok(additions)
    }
}

impl Transform for InsertField {
    fn apply(&mut self, record: ConnectRecord) -> Result<Option<ConnectRecord>> {
        let (schema, value) = self.part.of(&record);
        if value.is_null() {
            return Ok(Some(record));
        }
        let Some(schema) = schema else {
            let mut entries = require_map(value, PURPOSE)?.to_vec();
            // Schemaless, a field is added only when the record has a value for it.
            for (name, _, v) in self.additions(&record)? {
                let v = match v {
                    Value::Null => continue,
                    Value::Timestamp(ms) => Value::Int64(ms),
                    v => v,
                };
                match entries
                    .iter_mut()
                    .find(|(k, _)| k.as_str() == Some(name.as_str()))
                {
                    Some(entry) => entry.1 = v,
                    None => entries.push((Value::String(name), v)),
                }
            }
            return Ok(Some(self.part.replace(record, None, Value::Map(entries))));
        };
        let original = require_struct(value, PURPOSE)?;
        let additions = self.additions(&record)?;
        let updated_schema = match self.schemas.get(&schema.address()) {
            Some((_, updated)) => updated.clone(),
            None => {
                let mut builder = copy_basics(schema);
                for field in schema.fields() {
                    builder = builder.field(field.name(), field.schema().clone())?;
                }
                for (name, field_schema, _) in &additions {
                    builder = builder.field(name.clone(), field_schema.clone())?;
                }
                let updated = builder.build();
                self.schemas
                    .insert(schema.address(), (schema.clone(), updated.clone()));
                updated
            }
        };
        let mut updated = Struct::new(updated_schema.clone())?;
        for (index, v) in original.values().iter().enumerate() {
            updated.put_unchecked(index, v.clone());
        }
        for (name, _, v) in additions {
            updated.put(&name, v)?;
        }
        Ok(Some(self.part.replace(
            record,
            Some(updated_schema),
            Value::Struct(updated),
        )))
    }
}

/// A struct schema builder with `schema`'s name, version, doc and parameters (Kafka's
/// `SchemaUtil.copySchemaBasics`), and no fields.
pub(crate) fn copy_basics(schema: &Schema) -> SchemaBuilder {
    let mut builder = SchemaBuilder::record().maybe_name(schema.name().map(str::to_owned));
    builder = builder.maybe_version(schema.version());
    if let Some(doc) = schema.doc() {
        builder = builder.doc(doc);
    }
    for (k, v) in schema.parameters().unwrap_or_default() {
        builder = builder.parameter(k.clone(), v.clone());
    }
    builder
}
