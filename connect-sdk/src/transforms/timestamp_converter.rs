//! `org.apache.kafka.connect.transforms.TimestampConverter$Key` and `$Value`: a
//! timestamp converted between strings, Unix times, and the Date, Time and Timestamp
//! logical types.

use super::java_time::{DateFormat, Unparsed};
use super::{Part, Transform, java_class, require_map, require_struct};
use crate::config::ConfigReader;
use crate::data::{Schema, SchemaBuilder, Struct, Type, Value, logical};
use crate::error::{Error, Result};
use crate::record::ConnectRecord;

const PURPOSE: &str = "converting timestamp formats";
const MILLIS_PER_DAY: i64 = 86_400_000;

/// The kinds of timestamp the transform reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    String,
    Unix,
    Date,
    Time,
    Timestamp,
}

impl Kind {
    fn parse(name: &str) -> Option<Kind> {
        Some(match name {
            "string" => Kind::String,
            "unix" => Kind::Unix,
            "Date" => Kind::Date,
            "Time" => Kind::Time,
            "Timestamp" => Kind::Timestamp,
            _ => return None,
        })
    }

    /// The kind a schema holds.
    fn of_schema(schema: &Schema) -> Result<Kind> {
        Ok(match (schema.name(), schema.kind()) {
            (Some(logical::TIMESTAMP), _) => Kind::Timestamp,
            (Some(logical::DATE), _) => Kind::Date,
            (Some(logical::TIME), _) => Kind::Time,
            (_, Type::String) => Kind::String,
            (_, Type::Int64) => Kind::Unix,
            _ => {
                return Err(Error::Connect(format!(
                    "Schema Schema{{{}}} does not correspond to a known timestamp type format",
                    schema_text(schema)
                )));
            }
        })
    }

    /// The kind a schemaless value is.
    fn of_value(value: &Value) -> Result<Kind> {
        Ok(match value {
            Value::Timestamp(_) | Value::Date(_) | Value::Time(_) => Kind::Timestamp,
            Value::Int64(_) => Kind::Unix,
            Value::String(_) => Kind::String,
            other => {
                return Err(Error::data(format!(
                    "TimestampConverter does not support class {} objects as timestamps",
                    java_class(other)
                )));
            }
        })
    }

    fn schema(self, optional: bool) -> Schema {
        let builder = match self {
            Kind::String => SchemaBuilder::new(Type::String),
            Kind::Unix => SchemaBuilder::new(Type::Int64),
            Kind::Date => logical::date(),
            Kind::Time => logical::time(),
            Kind::Timestamp => logical::timestamp(),
        };
        if optional { builder.optional() } else { builder }.build()
    }
}

/// How Kafka prints a schema inside `Schema{...}`: its name and type, or its type.
fn schema_text(schema: &Schema) -> String {
    match schema.name() {
        Some(name) => format!("{name}:{}", schema.kind()),
        None => schema.kind().to_string(),
    }
}

/// Converts the whole key or value, or one of its fields, to `target.type`.
#[derive(Debug, Clone)]
pub struct TimestampConverter {
    part: Part,
    field: Option<String>,
    target: Kind,
    format: Option<DateFormat>,
    /// Units of a Unix time per millisecond (or, below one, milliseconds per unit).
    unix_per_milli: (i64, i64),
    replace_null_with_default: bool,
}

impl TimestampConverter {
    /// Configured by `target.type`, `field`, `format`, `unix.precision` and
    /// `replace.null.with.default`.
    pub fn configure(part: Part, config: &ConfigReader<'_>) -> Result<Self> {
        config.required_string("target.type")?;
        let target_name = config.one_of("target.type", &["string", "unix", "Date", "Time", "Timestamp"])?;
        let target = Kind::parse(target_name).expect("one of the kinds");
        let format = match config.string("format").filter(|f| !f.trim().is_empty()) {
            // Kafka's `ConfigException(message, cause)` is its (key, value) constructor:
            // the message names Java's error as the value and Kafka's words as the key.
            Some(pattern) => Some(DateFormat::of_pattern(pattern).map_err(|reason| {
                Error::config_message(
                    "format",
                    format!(
                        "Invalid value java.lang.IllegalArgumentException: {reason} for configuration \
                         TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: {pattern}"
                    ),
                )
            })?),
            None => None,
        };
        if target == Kind::String && format.is_none() {
            return Err(Error::config_message(
                "format",
                "TimestampConverter requires format option to be specified when using string timestamps",
            ));
        }
        let precision = match config.string("unix.precision") {
            None => "milliseconds",
            Some(_) => config.one_of(
                "unix.precision",
                &["nanoseconds", "microseconds", "milliseconds", "seconds"],
            )?,
        };
        let unix_per_milli = match precision {
            "nanoseconds" => (1_000_000, 1),
            "microseconds" => (1_000, 1),
            "seconds" => (1, 1_000),
            _ => (1, 1),
        };
        let field = config
            .string("field")
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(str::to_owned);
        Ok(TimestampConverter {
            part,
            field,
            target,
            format,
            unix_per_milli,
            replace_null_with_default: config.boolean("replace.null.with.default", true)?,
        })
    }

    /// Milliseconds since the epoch of `value`, a timestamp of `kind`.
    fn to_millis(&self, kind: Kind, value: &Value) -> Result<i64> {
        let (per_milli, millis_per) = self.unix_per_milli;
        Ok(match (kind, value) {
            (Kind::Unix, Value::Int64(v)) => v.div_euclid(per_milli) * millis_per,
            (Kind::String, Value::String(s)) => {
                let format = self.format.as_ref().ok_or_else(|| {
                    Error::data("TimestampConverter requires format option to be specified when using string timestamps")
                })?;
                format.parse(s).map_err(|why| match why {
                    Unparsed::NoMatch => Error::data(format!(
                        "Could not parse timestamp: value ({s}) does not match pattern ({})",
                        format.pattern()
                    )),
                    // Java reads week dates; connect-sdk only writes them.
                    Unparsed::Unsupported(letter) => Error::data(format!(
                        "Could not parse timestamp: value ({s}) with pattern ({}): connect-sdk does \
                         not parse the week-based pattern letter '{letter}' (it only formats it)",
                        format.pattern()
                    )),
                })?
            }
            (_, Value::Timestamp(ms)) => *ms,
            (_, Value::Date(days)) => i64::from(*days) * MILLIS_PER_DAY,
            (_, Value::Time(ms)) => i64::from(*ms),
            (_, other) => {
                return Err(Error::data(format!(
                    "Expected a timestamp but found class {}",
                    java_class(other)
                )));
            }
        })
    }

    /// `millis` as the target kind.
    fn as_target(&self, millis: i64) -> Value {
        let (per_milli, millis_per) = self.unix_per_milli;
        match self.target {
            Kind::String => Value::String(self.format.as_ref().map(|f| f.format(millis)).unwrap_or_default()),
            Kind::Unix => Value::Int64(millis * per_milli / millis_per),
            Kind::Date => Value::Date(millis.div_euclid(MILLIS_PER_DAY) as i32),
            Kind::Time => Value::Time(millis.rem_euclid(MILLIS_PER_DAY) as i32),
            Kind::Timestamp => Value::Timestamp(millis),
        }
    }

    fn convert(&self, kind: Kind, value: &Value) -> Result<Value> {
        if value.is_null() {
            return Ok(Value::Null);
        }
        Ok(self.as_target(self.to_millis(kind, value)?))
    }
}

impl Transform for TimestampConverter {
    fn apply(&mut self, record: ConnectRecord) -> Result<Option<ConnectRecord>> {
        let (schema, value) = self.part.of(&record);
        let Some(field) = self.field.clone() else {
            // The whole part.
            let (schema, converted) = match schema {
                Some(schema) => {
                    let kind = Kind::of_schema(schema)?;
                    (
                        Some(self.target.schema(schema.is_optional())),
                        self.convert(kind, value)?,
                    )
                }
                None if value.is_null() => (None, Value::Null),
                None => (None, self.convert(Kind::of_value(value)?, value)?),
            };
            return Ok(Some(self.part.replace(record, schema, converted)));
        };
        let Some(schema) = schema.cloned() else {
            if value.is_null() {
                return Ok(Some(record));
            }
            let mut entries = require_map(value, PURPOSE)?.to_vec();
            match entries
                .iter_mut()
                .find(|(k, _)| k.as_str() == Some(field.as_str()))
            {
                Some(entry) if !entry.1.is_null() => {
                    let kind = Kind::of_value(&entry.1)?;
                    entry.1 = self.convert(kind, &entry.1)?;
                }
                Some(_) => {}
                // Kafka puts the field, null, when the map lacks it.
                None => entries.push((Value::String(field.clone()), Value::Null)),
            }
            return Ok(Some(self.part.replace(record, None, Value::Map(entries))));
        };
        if value.is_null() {
            return Ok(Some(record));
        }
        let original = require_struct(value, PURPOSE)?;
        let mut builder = super::insert_field::copy_basics(&schema);
        let mut kind = None;
        for f in schema.fields() {
            if f.name() == field {
                kind = Some(Kind::of_schema(f.schema())?);
                builder = builder.field(f.name(), self.target.schema(f.schema().is_optional()))?;
            } else {
                builder = builder.field(f.name(), f.schema().clone())?;
            }
        }
        let updated_schema = builder.build();
        let mut updated = Struct::new(updated_schema.clone())?;
        for f in schema.fields() {
            let v = if self.replace_null_with_default {
                original.get_or_default(f.name())?
            } else {
                original.get(f.name())?
            };
            let v = match kind {
                Some(kind) if f.name() == field => self.convert(kind, v)?,
                _ => v.clone(),
            };
            updated.put_unchecked(f.index(), v);
        }
        Ok(Some(self.part.replace(
            record,
            Some(updated_schema),
            Value::Struct(updated),
        )))
    }
}
