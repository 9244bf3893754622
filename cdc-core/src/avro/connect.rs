//! Column types from Kafka Connect schemas, so the Avro form of a Debezium table carries
//! the same values as its JSON form.

use serde_json::Value as Json;

use super::FORMAT;
use super::column::ColumnType;
use super::rows::RowSchema;
use crate::error::{Error, Result};

impl RowSchema {
    /// The row schema of a Kafka Connect struct schema, as the JSON converter writes it
    /// (the `before` or `after` field of a Debezium envelope's schema, or a key's schema):
    /// each field's Connect type and Debezium semantic type becomes the column type that
    /// carries its [`Value`](crate::Value).
    ///
    /// ```
    /// use cdc_core::avro::{ColumnType, RowSchema};
    /// let after = serde_json::json!({"type": "struct", "fields": [
    ///     {"field": "id", "type": "int32", "optional": false},
    ///     {"field": "at", "type": "int64", "optional": true, "name": "io.debezium.time.NanoTimestamp"}
    /// ]});
    /// let rows = RowSchema::from_connect("Value", &after)?;
    /// assert_eq!(rows.columns, vec![("id".into(), ColumnType::Long), ("at".into(), ColumnType::TimestampNanos)]);
    /// # Ok::<(), cdc_core::Error>(())
    /// ```
    pub fn from_connect(name: impl Into<String>, schema: &Json) -> Result<RowSchema> {
        let ColumnType::Struct(columns) = ColumnType::from_connect(schema, "(schema)")? else {
            return Err(invalid("(schema)", "a row's schema is a Connect struct"));
        };
        Ok(RowSchema {
            name: name.into(),
            columns,
        })
    }
}

impl ColumnType {
    /// The column type of a Kafka Connect schema (see [`RowSchema::from_connect`]);
    /// `path` names it in errors.
    fn from_connect(schema: &Json, path: &str) -> Result<ColumnType> {
        let name = schema.get("name").and_then(Json::as_str);
        let kind = schema.get("type").and_then(Json::as_str).unwrap_or("");
        let part = |key: &str| {
            let at = format!("{path}.{key}");
            let part = schema
                .get(key)
                .ok_or_else(|| invalid(&at, &format!("a Connect {kind} schema has `{key}`")))?;
            ColumnType::from_connect(part, &at).map(Box::new)
        };
        Ok(match (name, kind) {
            (Some("io.debezium.time.Date" | "org.apache.kafka.connect.data.Date"), _) => ColumnType::Date,
            (
                Some(
                    "io.debezium.time.Time"
                    | "io.debezium.time.MicroTime"
                    | "org.apache.kafka.connect.data.Time",
                ),
                _,
            ) => ColumnType::TimeMicros,
            (Some("io.debezium.time.NanoTime"), _) => ColumnType::TimeNanos,
            (
                Some(
                    "io.debezium.time.Timestamp"
                    | "io.debezium.time.MicroTimestamp"
                    | "org.apache.kafka.connect.data.Timestamp",
                ),
                _,
            ) => ColumnType::TimestampMicros,
            (Some("io.debezium.time.NanoTimestamp"), _) => ColumnType::TimestampNanos,
            (Some("io.debezium.time.ZonedTimestamp"), _) => ColumnType::TimestampTz,
            (Some("io.debezium.time.ZonedTime"), _) => ColumnType::TimeTz,
            (Some("io.debezium.time.MicroDuration"), _) => ColumnType::Duration,
            (Some("io.debezium.time.Interval"), _) => ColumnType::Interval,
            (Some("io.debezium.data.Json"), _) => ColumnType::Json,
            (Some("io.debezium.data.Uuid"), _) => ColumnType::Uuid,
            (Some("io.debezium.data.Bits"), _) => ColumnType::Bits,
            (Some("io.debezium.data.VariableScaleDecimal"), _) => ColumnType::VariableDecimal,
            (Some("org.apache.kafka.connect.data.Decimal"), _) => {
                let parameter = |key: &str| {
                    let p = schema.get("parameters")?.get(key)?;
                    p.as_str()
                        .and_then(|s| s.parse().ok())
                        .or_else(|| p.as_u64()?.try_into().ok())
                };
                let scale =
                    parameter("scale").ok_or_else(|| invalid(path, "a decimal schema has a `scale`"))?;
                // Avro's precision counts every digit and is at least the scale.
                let precision = parameter("connect.decimal.precision")
                    .unwrap_or(38)
                    .max(scale)
                    .max(1);
                ColumnType::Decimal { precision, scale }
            }
            (_, "boolean") => ColumnType::Boolean,
            (_, "int8" | "int16" | "int32" | "int64") => ColumnType::Long,
            (_, "float" | "float32" | "float64" | "double") => ColumnType::Double,
            (_, "string") => ColumnType::String,
            (_, "bytes") => ColumnType::Bytes,
            (_, "array") => ColumnType::Array(part("items")?),
            (_, "map") => ColumnType::Map(part("keys")?, part("values")?),
            (_, "struct") => {
                let fields = schema
                    .get("fields")
                    .and_then(Json::as_array)
                    .ok_or_else(|| invalid(path, "a Connect struct schema has `fields`"))?;
                ColumnType::Struct(
                    fields
                        .iter()
                        .enumerate()
                        .map(|(i, f)| {
                            let field = f.get("field").and_then(Json::as_str).ok_or_else(|| {
                                invalid(&format!("{path}.fields[{i}]"), "a field has a name")
                            })?;
                            Ok((
                                field.to_owned(),
                                ColumnType::from_connect(f, &format!("{path}.{field}"))?,
                            ))
                        })
                        .collect::<Result<_>>()?,
                )
            }
            _ => return Err(invalid(path, &format!("unknown Connect type `{kind}`"))),
        })
    }
}

fn invalid(path: &str, reason: &str) -> Error {
    Error::InvalidValue {
        format: FORMAT,
        field: path.to_owned(),
        reason: reason.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn semantic_types_and_nesting_map_to_column_types() {
        let point = json!({"type": "struct", "name": "io.debezium.data.geometry.Point", "fields": [
            {"field": "x", "type": "double"}, {"field": "y", "type": "double"},
            {"field": "wkb", "type": "bytes", "optional": true}, {"field": "srid", "type": "int32", "optional": true}]});
        let row = json!({"type": "struct", "fields": [
            {"field": "price", "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal",
             "parameters": {"scale": "2", "connect.decimal.precision": "10"}},
            {"field": "tags", "type": "map", "keys": {"type": "string"}, "values": {"type": "string", "optional": true}},
            {"field": "ids", "type": "array", "items": {"type": "string", "name": "io.debezium.data.Uuid"}},
            {"field": "at", "type": "point", "name": "x"},
        ]});
        let err = RowSchema::from_connect("Value", &row).unwrap_err().to_string();
        assert!(
            err.contains("(schema).at") && err.contains("unknown Connect type `point`"),
            "{err}"
        );
        let mut fields = row["fields"].as_array().unwrap().clone();
        fields[3] = json!({"field": "at", "type": "struct", "name": "io.debezium.data.geometry.Point", "fields": point["fields"]});
        let rows = RowSchema::from_connect("Value", &json!({"type": "struct", "fields": fields})).unwrap();
        let text = || Box::new(ColumnType::String);
        assert_eq!(
            rows.columns,
            vec![
                (
                    "price".into(),
                    ColumnType::Decimal {
                        precision: 10,
                        scale: 2
                    }
                ),
                ("tags".into(), ColumnType::Map(text(), text())),
                ("ids".into(), ColumnType::Array(Box::new(ColumnType::Uuid))),
                (
                    "at".into(),
                    ColumnType::Struct(vec![
                        ("x".into(), ColumnType::Double),
                        ("y".into(), ColumnType::Double),
                        ("wkb".into(), ColumnType::Bytes),
                        ("srid".into(), ColumnType::Long),
                    ])
                ),
            ]
        );
        assert!(RowSchema::from_connect("Value", &json!({"type": "string"})).is_err());
    }
}
