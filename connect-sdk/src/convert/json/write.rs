//! Connect values to JSON text (Kafka's `convertToJson`).

use super::DecimalFormat;
use super::text;
use crate::data::{Schema, Type, Value, logical};
use crate::error::{Error, Result};

/// How values are written.
#[derive(Debug, Clone, Copy)]
pub(super) struct Writer {
    pub(super) decimal_format: DecimalFormat,
    pub(super) replace_null_with_default: bool,
}

impl Writer {
    /// Writes `value` with `schema` (or without one, typed by the value).
    pub(super) fn value(&self, out: &mut String, schema: Option<&Schema>, value: &Value) -> Result<()> {
        if value.is_null() {
            let Some(schema) = schema else {
                out.push_str("null");
                return Ok(());
            };
            if let Some(default) = schema.default_value().filter(|_| self.replace_null_with_default) {
                return self.value(out, Some(schema), default);
            }
            if schema.is_optional() {
                out.push_str("null");
                return Ok(());
            }
            return Err(Error::data(
                "Conversion error: null value for field that is required and has no default value",
            ));
        }
        let kind = match (schema, value) {
            (Some(schema), _) => schema.kind(),
            (None, Value::Date(_) | Value::Time(_) | Value::Timestamp(_)) => {
                return Err(Error::data(
                    "Java class class java.util.Date does not have corresponding schema type.",
                ));
            }
            (None, value) => value.inferred_type().expect("not null"),
        };
        let mismatch = || {
            Error::data(format!(
                "Invalid type for {}: {}",
                schema.map_or("unknown schema".to_owned(), |s| s.kind().to_string()),
                value.describe()
            ))
        };
        match (kind, value) {
            (Type::Int8, Value::Int8(v)) => out.push_str(&v.to_string()),
            (Type::Int16, Value::Int16(v)) => out.push_str(&v.to_string()),
            (Type::Int32, Value::Int32(v) | Value::Date(v) | Value::Time(v)) => out.push_str(&v.to_string()),
            (Type::Int64, Value::Int64(v) | Value::Timestamp(v)) => out.push_str(&v.to_string()),
            (Type::Float32, Value::Float32(v)) => text::float(out, *v),
            (Type::Float64, Value::Float64(v)) => text::double(out, *v),
            (Type::Boolean, Value::Boolean(v)) => out.push_str(if *v { "true" } else { "false" }),
            (Type::String, Value::String(v)) => text::string(out, v),
            (Type::Bytes, Value::Bytes(v)) => text::bytes(out, v),
            (Type::Bytes, Value::Decimal(d)) => {
                let Some(schema) = schema else {
                    return Err(Error::data(
                        "Java class class java.math.BigDecimal does not have corresponding schema type.",
                    ));
                };
                let scale = logical::scale_of(schema)?;
                if d.scale != scale {
                    return Err(Error::data(format!(
                        "Decimal value has mismatching scale for given Decimal schema. Schema has scale {scale}, value \
                         has scale {}.",
                        d.scale
                    )));
                }
                match self.decimal_format {
                    DecimalFormat::Base64 => text::bytes(out, &d.unscaled_bytes()),
                    DecimalFormat::Numeric => out.push_str(&d.to_string()),
                }
            }
            (Type::Array, Value::Array(items)) => {
                out.push('[');
                let items_schema = schema.and_then(Schema::value_schema);
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.value(out, items_schema, item)?;
                }
                out.push(']');
            }
            (Type::Map, Value::Map(entries)) => self.map(out, schema, entries)?,
            (Type::Struct, Value::Struct(s)) => {
                let schema = schema.unwrap_or(s.schema());
                if !s.schema().same(schema) && s.schema() != schema {
                    return Err(Error::data("Mismatching schema."));
                }
                out.push('{');
                for (i, (field, v)) in schema.fields().iter().zip(s.values()).enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    text::string(out, field.name());
                    out.push(':');
                    self.value(out, Some(field.schema()), v)?;
                }
                out.push('}');
            }
            _ => return Err(mismatch()),
        }
        Ok(())
    }

    /// A map with string keys as an object; any other as an array of `[key, value]`.
    fn map(&self, out: &mut String, schema: Option<&Schema>, entries: &[(Value, Value)]) -> Result<()> {
        let key_schema = schema.and_then(Schema::key_schema);
        let value_schema = schema.and_then(Schema::value_schema);
        let object = match key_schema {
            Some(k) => k.kind() == Type::String,
            None => entries.iter().all(|(k, _)| matches!(k, Value::String(_))),
        };
        out.push(if object { '{' } else { '[' });
        for (i, (k, v)) in entries.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            if object {
                // Kafka takes the key node's text: a string key as it is.
                let mut key = String::new();
                self.value(&mut key, key_schema, k)?;
                match k {
                    Value::String(s) => text::string(out, s),
                    _ => text::string(out, key.trim_matches('"')),
                }
                out.push(':');
                self.value(out, value_schema, v)?;
            } else {
                out.push('[');
                self.value(out, key_schema, k)?;
                out.push(',');
                self.value(out, value_schema, v)?;
                out.push(']');
            }
        }
        out.push(if object { '}' } else { ']' });
        Ok(())
    }
}
