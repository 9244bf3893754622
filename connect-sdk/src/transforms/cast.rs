//! `org.apache.kafka.connect.transforms.Cast$Key` and `$Value`: fields (or the whole
//! part) cast to another primitive type.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::insert_field::copy_basics;
use super::{Part, Transform, java_class, require_map, require_struct};
use crate::config::ConfigReader;
use crate::convert::json::text;
use crate::data::{Schema, SchemaBuilder, Struct, Type, Value, logical};
use crate::error::{Error, Result};
use crate::record::ConnectRecord;

const PURPOSE: &str = "cast types";

/// The types a value is cast to.
const TARGETS: [Type; 8] = [
    Type::Int8,
    Type::Int16,
    Type::Int32,
    Type::Int64,
    Type::Float32,
    Type::Float64,
    Type::Boolean,
    Type::String,
];

/// Casts fields (`spec=field:type,...`) or the whole part (`spec=type`) to int8 ...
/// float64, boolean or string, as Kafka does: numbers narrowed, booleans as 1 and 0,
/// strings parsed, anything written as text for string.
#[derive(Debug)]
pub struct Cast {
    part: Part,
    /// The whole part's target, or each field's.
    whole: Option<Type>,
    fields: Vec<(String, Type)>,
    replace_null_with_default: bool,
    schemas: HashMap<usize, (Schema, Schema)>,
}

fn target_of(name: &str, spec: &str) -> Result<Type> {
    let name = name.trim();
    let Some(kind) = Type::from_name(name) else {
        // Kafka's words for a type it does not know.
        return Err(Error::config_message(
            "spec",
            format!(
                "Invalid value java.lang.IllegalArgumentException: No enum constant \
                 org.apache.kafka.connect.data.Schema.Type.{} for configuration Invalid type found in casting spec: {name}",
                name.to_uppercase()
            ),
        ));
    };
    if !TARGETS.contains(&kind) {
        return Err(Error::config(
            "spec",
            spec,
            format!(
                "Cast transformation does not support casting to {kind}; supported types are [INT8, INT16, INT32, \
                 INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]"
            ),
        ));
    }
    Ok(kind)
}

impl Cast {
    /// Configured by `spec` and `replace.null.with.default`.
    pub fn configure(part: Part, config: &ConfigReader<'_>) -> Result<Self> {
        let entries = config.non_empty_list("spec")?;
        let spec = format!("[{}]", entries.join(", "));
        let mut whole = None;
        let mut fields = Vec::new();
        for entry in &entries {
            let parts: Vec<&str> = entry.split(':').collect();
            match parts.as_slice() {
                [kind] => whole = Some(target_of(kind, &spec)?),
                [field, kind] => fields.push((field.trim().to_owned(), target_of(kind, &spec)?)),
                // Kafka's words, which name another transform's key.
                _ => {
                    return Err(Error::config_message(
                        "spec",
                        format!(
                            "Invalid value {spec} for configuration renames: Invalid rename mapping: {entry}"
                        ),
                    ));
                }
            }
        }
        if whole.is_some() && entries.len() > 1 {
            return Err(Error::config_message(
                "spec",
                "Cast transformations that specify a type to cast the entire value to may only specify a single cast \
                 in their spec",
            ));
        }
        Ok(Cast {
            part,
            whole,
            fields,
            replace_null_with_default: config.boolean("replace.null.with.default", true)?,
            schemas: HashMap::new(),
        })
    }

    fn target_of_field(&self, name: &str) -> Option<Type> {
        self.fields.iter().find(|(f, _)| f == name).map(|(_, t)| *t)
    }
}

/// The type a value of `schema` (or, schemaless, the value itself) is cast from.
fn source_type(schema: Option<&Schema>, value: &Value, target: Type) -> Result<Type> {
    let kind = match schema {
        Some(schema) => schema.kind(),
        None => value
            .inferred_type()
            .ok_or_else(|| Error::data("Cast transformation cannot cast a null"))?,
    };
    let logical_name = schema.and_then(Schema::name).filter(|n| logical::is_logical(n));
    // A logical value (a decimal, a date ...) may be cast to its text, and a date or
    // time to a number (the integer beneath it).
    if logical_name.is_some() && (target == Type::String || logical_name != Some(logical::DECIMAL)) {
        return Ok(kind);
    }
    if logical_name.is_some() || matches!(kind, Type::Array | Type::Map | Type::Struct) {
        let shown = match logical_name {
            Some(name) => name.rsplit('.').next().unwrap_or(name).to_owned(),
            None => kind.to_string(),
        };
        return Err(Error::data(format!(
            "Cast transformation does not support casting from {shown}; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]"
        )));
    }
    Ok(kind)
}

/// `value` cast to `target`.
fn cast(value: &Value, target: Type) -> Result<Value> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    let unexpected = || {
        Error::data(format!(
            "Unexpected type in Cast transformation: class {}",
            java_class(value)
        ))
    };
    // A string is read as Kafka's `Values` reads it (a number, a boolean ...), then cast.
    if let (Value::String(text), true) = (value, target != Type::String) {
        let (_, parsed) = super::headers::parse_literal(text);
        if matches!(parsed, Value::String(_)) {
            return Err(Error::data(format!(
                "Value ({text}) was out of range for requested data type"
            )));
        }
        let in_range = match (&parsed, target) {
            (Value::Boolean(_), t) => t == Type::Boolean,
            (Value::Float32(_) | Value::Float64(_), Type::Int8 | Type::Int16 | Type::Int32 | Type::Int64) => {
                false
            }
            (Value::Int16(_), Type::Int8) => false,
            (Value::Int32(_), Type::Int8 | Type::Int16) => false,
            (Value::Int64(_), Type::Int8 | Type::Int16 | Type::Int32) => false,
            _ => true,
        };
        if !in_range {
            return Err(Error::data(format!(
                "Value ({text}) was out of range for requested data type"
            )));
        }
        return cast(&parsed, target);
    }
    // Numbers as Java widens or narrows them.
    let as_i64 = |v: &Value| -> Option<i64> {
        Some(match v {
            Value::Int8(n) => i64::from(*n),
            Value::Int16(n) => i64::from(*n),
            Value::Int32(n) | Value::Date(n) | Value::Time(n) => i64::from(*n),
            Value::Int64(n) | Value::Timestamp(n) => *n,
            Value::Float32(n) => *n as i64,
            Value::Float64(n) => *n as i64,
            Value::Boolean(b) => i64::from(*b),
            _ => return None,
        })
    };
    let as_f64 = |v: &Value| -> Option<f64> {
        Some(match v {
            Value::Int8(n) => f64::from(*n),
            Value::Int16(n) => f64::from(*n),
            Value::Int32(n) | Value::Date(n) | Value::Time(n) => f64::from(*n),
            Value::Int64(n) | Value::Timestamp(n) => *n as f64,
            Value::Float32(n) => f64::from(*n),
            Value::Float64(n) => *n,
            Value::Boolean(b) => f64::from(u8::from(*b)),
            _ => return None,
        })
    };
    Ok(match target {
        Type::Int8 | Type::Int16 | Type::Int32 | Type::Int64 => {
            let n = as_i64(value).ok_or_else(unexpected)?;
            match target {
                Type::Int8 => Value::Int8(n as i8),
                Type::Int16 => Value::Int16(n as i16),
                Type::Int32 => Value::Int32(n as i32),
                _ => Value::Int64(n),
            }
        }
        Type::Float32 | Type::Float64 => {
            let n = as_f64(value).ok_or_else(unexpected)?;
            match (target, value) {
                (Type::Float32, Value::Float32(f)) => Value::Float32(*f),
                (Type::Float32, _) => Value::Float32(n as f32),
                _ => Value::Float64(n),
            }
        }
        Type::Boolean => match value {
            Value::Float32(n) => Value::Boolean(*n as i64 != 0),
            Value::Float64(n) => Value::Boolean(*n as i64 != 0),
            v => Value::Boolean(as_i64(v).ok_or_else(unexpected)? != 0),
        },
        _ => Value::String(match value {
            Value::String(s) => s.clone(),
            Value::Boolean(b) => b.to_string(),
            Value::Int8(n) => n.to_string(),
            Value::Int16(n) => n.to_string(),
            Value::Int32(n) => n.to_string(),
            Value::Int64(n) => n.to_string(),
            Value::Float32(n) => {
                let mut s = String::new();
                text::float(&mut s, *n);
                s.trim_matches('"').to_owned()
            }
            Value::Float64(n) => {
                let mut s = String::new();
                text::double(&mut s, *n);
                s.trim_matches('"').to_owned()
            }
            Value::Bytes(b) => STANDARD.encode(b),
            Value::Decimal(d) => d.to_string(),
            Value::Date(days) => super::java_time::DateFormat::new("", "yyyy-MM-dd")
                .expect("a valid pattern")
                .format(i64::from(*days) * 86_400_000),
            Value::Time(ms) => super::java_time::DateFormat::new("", "HH:mm:ss.SSS'Z'")
                .expect("a valid pattern")
                .format(i64::from(*ms)),
            Value::Timestamp(ms) => super::java_time::DateFormat::new("", "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
                .expect("a valid pattern")
                .format(*ms),
            _ => return Err(unexpected()),
        }),
    })
}

fn target_schema(target: Type, optional: bool) -> Schema {
    let builder = SchemaBuilder::new(target);
    if optional { builder.optional() } else { builder }.build()
}

impl Transform for Cast {
    fn apply(&mut self, record: ConnectRecord) -> Result<Option<ConnectRecord>> {
        let (schema, value) = self.part.of(&record);
        if let Some(target) = self.whole {
            let (schema, value) = match schema {
                Some(schema) => {
                    source_type(Some(schema), value, target)?;
                    (
                        Some(target_schema(target, schema.is_optional())),
                        cast(value, target)?,
                    )
                }
                None if value.is_null() => (None, Value::Null),
                None => {
                    source_type(None, value, target)?;
                    (None, cast(value, target)?)
                }
            };
            return Ok(Some(self.part.replace(record, schema, value)));
        }
        let Some(schema) = schema.cloned() else {
            if value.is_null() {
                return Ok(Some(record));
            }
            let mut entries = require_map(value, PURPOSE)?.to_vec();
            for (field, target) in &self.fields {
                match entries
                    .iter_mut()
                    .find(|(k, _)| k.as_str() == Some(field.as_str()))
                {
                    Some((_, v)) if !v.is_null() => {
                        source_type(None, v, *target)?;
                        *v = cast(v, *target)?;
                    }
                    Some(_) => {}
                    // Kafka puts every field of the spec, null when the map lacks it.
                    None => entries.push((Value::String(field.clone()), Value::Null)),
                }
            }
            return Ok(Some(self.part.replace(record, None, Value::Map(entries))));
        };
        if schema.kind() != Type::Struct {
            return Err(Error::data("Cannot list fields on non-struct type"));
        }
        if value.is_null() {
            return Ok(Some(record));
        }
        let original = require_struct(value, PURPOSE)?;
        let updated_schema = match self.schemas.get(&schema.address()) {
            Some((_, updated)) => updated.clone(),
            None => {
                let mut builder = copy_basics(&schema);
                if schema.is_optional() {
                    builder = builder.optional();
                }
                for field in schema.fields() {
                    let field_schema = match self.target_of_field(field.name()) {
                        Some(target) => {
                            source_type(Some(field.schema()), &Value::Null, target)?;
                            target_schema(target, field.schema().is_optional())
                        }
                        None => field.schema().clone(),
                    };
                    builder = builder.field(field.name(), field_schema)?;
                }
                let updated = builder.build();
                self.schemas
                    .insert(schema.address(), (schema.clone(), updated.clone()));
                updated
            }
        };
        let mut updated = Struct::new(updated_schema.clone())?;
        for field in schema.fields() {
            let v = if self.replace_null_with_default {
                original.get_or_default(field.name())?
            } else {
                original.get(field.name())?
            };
            let v = match self.target_of_field(field.name()) {
                Some(target) => cast(v, target)?,
                None => v.clone(),
            };
            updated.put_unchecked(field.index(), v);
        }
        Ok(Some(self.part.replace(
            record,
            Some(updated_schema),
            Value::Struct(updated),
        )))
    }
}
