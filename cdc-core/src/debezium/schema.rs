//! Typing row values with the Kafka Connect schema of a Debezium envelope: dates,
//! times, timestamps, decimals, bytes and JSON come back as what they are.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value as Json};

use crate::error::{Error, Result};
use crate::value::{UNAVAILABLE_MARKER, Value};

const FORMAT: &str = "debezium-json";

/// The Connect schema of each column of `before` or `after`.
pub(super) fn row_fields<'s>(envelope: &'s Json, side: &str) -> Option<Vec<(&'s str, &'s Json)>> {
    let fields = envelope.get("fields")?.as_array()?;
    let row = fields
        .iter()
        .find(|f| f.get("field").and_then(Json::as_str) == Some(side))?;
    let columns = row.get("fields")?.as_array()?;
    Some(
        columns
            .iter()
            .filter_map(|c| Some((c.get("field")?.as_str()?, c)))
            .collect(),
    )
}

/// The value of column `path` from its JSON and its Connect schema.
pub(super) fn decode(json: &Json, schema: &Json, path: &str) -> Result<Value> {
    if json.is_null() {
        return Ok(Value::Null);
    }
    if json.as_str() == Some(UNAVAILABLE_MARKER) {
        return Ok(Value::Unavailable);
    }
    let invalid = |reason: &str| Error::InvalidValue {
        format: FORMAT,
        field: path.to_owned(),
        reason: reason.to_owned(),
    };
    let int = || json.as_i64().ok_or_else(|| invalid("expected an integer"));
    let text = || json.as_str().ok_or_else(|| invalid("expected a string"));
    let name = schema.get("name").and_then(Json::as_str);
    let kind = schema.get("type").and_then(Json::as_str).unwrap_or("");
    Ok(match (name, kind) {
        (Some("io.debezium.time.Date" | "org.apache.kafka.connect.data.Date"), _) => {
            Value::Date(i32::try_from(int()?).map_err(|_| invalid("date out of range"))?)
        }
        (Some("io.debezium.time.MicroTime"), _) => Value::Time(int()?),
        (Some("io.debezium.time.Time" | "org.apache.kafka.connect.data.Time"), _) => {
            Value::Time(int()? * 1000)
        }
        (Some("io.debezium.time.MicroTimestamp"), _) => Value::Timestamp(int()?),
        (Some("io.debezium.time.Timestamp" | "org.apache.kafka.connect.data.Timestamp"), _) => {
            Value::Timestamp(int()? * 1000)
        }
        (Some("io.debezium.time.ZonedTimestamp"), _) => Value::TimestampTz(text()?.to_owned()),
        (Some("io.debezium.data.Json"), _) => Value::Json(
            serde_json::from_str(text()?)
                .map(Box::new)
                .map_err(|e| invalid(&format!("not JSON: {e}")))?,
        ),
        (Some("org.apache.kafka.connect.data.Decimal"), _) => {
            let bytes = STANDARD
                .decode(text()?)
                .map_err(|e| invalid(&format!("decimal is not base64: {e}")))?;
            Value::Decimal {
                unscaled: crate::value::unscaled(&bytes)
                    .ok_or_else(|| invalid("decimal wider than 128 bits"))?,
                scale: decimal_scale(schema)
                    .ok_or_else(|| invalid("decimal schema has no `scale` parameter"))?,
            }
        }
        (_, "int8" | "int16" | "int32" | "int64") => Value::Int(int()?),
        (_, "float" | "float32" | "float64" | "double") => {
            Value::Float(json.as_f64().ok_or_else(|| invalid("expected a number"))?)
        }
        (_, "boolean") => Value::Bool(json.as_bool().ok_or_else(|| invalid("expected a boolean"))?),
        (_, "string") => Value::String(text()?.to_owned()),
        (_, "bytes") => Value::Bytes(
            STANDARD
                .decode(text()?)
                .map_err(|e| invalid(&format!("bytes are not base64: {e}")))?,
        ),
        (_, "array") => {
            let items = json.as_array().ok_or_else(|| invalid("expected an array"))?;
            let item_schema = schema.get("items").unwrap_or(&Json::Null);
            Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| decode(item, item_schema, &format!("{path}[{i}]")))
                    .collect::<Result<_>>()?,
            )
        }
        _ => Value::from_json(json),
    })
}

/// The JSON of `value` under its Connect schema (the inverse of [`decode`]).
pub(super) fn encode(value: &Value, schema: &Json) -> Json {
    let name = schema.get("name").and_then(Json::as_str);
    match (value, name) {
        (Value::Time(t), Some("io.debezium.time.Time" | "org.apache.kafka.connect.data.Time")) => {
            Json::from(t / 1000)
        }
        (
            Value::Timestamp(t),
            Some("io.debezium.time.Timestamp" | "org.apache.kafka.connect.data.Timestamp"),
        ) => Json::from(t / 1000),
        (Value::Json(j), _) => Json::String(j.to_string()),
        (Value::Decimal { unscaled, .. }, _) => {
            Json::String(STANDARD.encode(crate::value::unscaled_bytes(*unscaled)))
        }
        (Value::Array(items), _) => {
            let item_schema = schema.get("items").unwrap_or(&Json::Null);
            Json::Array(items.iter().map(|v| encode(v, item_schema)).collect())
        }
        _ => value.to_json(),
    }
}

fn decimal_scale(schema: &Json) -> Option<u32> {
    let scale = schema.get("parameters")?.get("scale")?;
    scale
        .as_str()
        .and_then(|s| s.parse().ok())
        .or_else(|| scale.as_u64().and_then(|s| u32::try_from(s).ok()))
}

/// The columns of `row` typed by `fields`.
pub(super) fn decode_row(
    row: &Map<String, Json>,
    fields: Option<&[(&str, &Json)]>,
    side: &str,
) -> Result<crate::row::Row> {
    row.iter()
        .map(|(column, json)| {
            let path = format!("payload.{side}.{column}");
            let value = match fields.and_then(|f| f.iter().find(|(c, _)| *c == column)) {
                Some((_, schema)) => decode(json, schema, &path)?,
                None => Value::from_json(json),
            };
            Ok((column.clone(), value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_bytes_round_trip() {
        for n in [
            0i128,
            1,
            -1,
            127,
            128,
            -128,
            -129,
            12345,
            -987_654_321,
            i128::MAX,
            i128::MIN,
        ] {
            assert_eq!(
                crate::value::unscaled(&crate::value::unscaled_bytes(n)),
                Some(n),
                "{n}"
            );
        }
        assert_eq!(crate::value::unscaled_bytes(12345), vec![0x30, 0x39]);
        assert_eq!(crate::value::unscaled_bytes(-1), vec![0xff]);
    }

    #[test]
    fn typed_values_follow_the_schema() {
        let date = serde_json::json!({"type": "int32", "name": "io.debezium.time.Date"});
        assert_eq!(
            decode(&serde_json::json!(19000), &date, "d").unwrap(),
            Value::Date(19000)
        );
        let dec = serde_json::json!({"type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "parameters": {"scale": "2"}});
        let v = decode(&serde_json::json!("MDk="), &dec, "price").unwrap();
        assert_eq!(
            v,
            Value::Decimal {
                unscaled: 12345,
                scale: 2
            }
        );
        assert_eq!(encode(&v, &dec), serde_json::json!("MDk="));
        let err = decode(&serde_json::json!("not base64!"), &dec, "payload.after.price").unwrap_err();
        assert!(err.to_string().contains("payload.after.price"), "{err}");
    }
}
