//! Typing row values with the Kafka Connect schema of a Debezium envelope, and writing
//! them back the same way: each Connect type and Debezium semantic type reads as the
//! [`Value`] its table in [`Value`]'s documentation gives, and writes back as Kafka's
//! JSON converter wrote it.

mod unavailable;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value as Json};

use crate::error::{Error, Result};
use crate::row::Row;
use crate::value::{JsonText, Value, float_from_text, float_json, map_json, parse_uuid, uuid_text};

const FORMAT: &str = "debezium-json";

/// The name of a Connect schema (its semantic type), if it has one.
pub(super) fn name(schema: &Json) -> Option<&str> {
    schema.get("name").and_then(Json::as_str)
}

/// The type of a Connect schema (`int32`, `string`, `struct` ...), or `""`.
pub(super) fn kind(schema: &Json) -> &str {
    schema.get("type").and_then(Json::as_str).unwrap_or("")
}

/// The fields of a Connect struct schema, by name.
fn fields(schema: &Json) -> impl Iterator<Item = (&str, &Json)> {
    schema
        .get("fields")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|f| Some((f.get("field")?.as_str()?, f)))
}

/// The schema of field `field` of a Connect struct schema.
fn field<'s>(schema: &'s Json, field: &str) -> Option<&'s Json> {
    fields(schema).find(|(n, _)| *n == field).map(|(_, s)| s)
}

/// The fields of a struct schema (a record key's), by name.
pub(super) fn struct_fields(schema: &Json) -> Vec<(&str, &Json)> {
    fields(schema).collect()
}

/// The Connect schema of each column of `before` or `after`.
pub(super) fn row_fields<'s>(envelope: &'s Json, side: &str) -> Option<Vec<(&'s str, &'s Json)>> {
    let row = field(envelope, side)?;
    row.get("fields")?.as_array()?;
    Some(fields(row).collect())
}

/// How many nanoseconds one unit of a Debezium time or timestamp schema is.
fn nanos_per_unit(name: Option<&str>) -> Option<i64> {
    match name? {
        "io.debezium.time.Time"
        | "org.apache.kafka.connect.data.Time"
        | "io.debezium.time.Timestamp"
        | "org.apache.kafka.connect.data.Timestamp" => Some(1_000_000),
        "io.debezium.time.MicroTime" | "io.debezium.time.MicroTimestamp" => Some(1_000),
        "io.debezium.time.NanoTime" | "io.debezium.time.NanoTimestamp" => Some(1),
        _ => None,
    }
}

/// The value of column `path` from its JSON and its Connect schema.
pub(super) fn decode(json: &Json, schema: &Json, path: &str) -> Result<Value> {
    if json.is_null() {
        return Ok(Value::Null);
    }
    if unavailable::is_placeholder(json, schema) {
        return Ok(Value::Unavailable);
    }
    let invalid = |reason: &str| invalid(path, reason);
    let int = || json.as_i64().ok_or_else(|| invalid("expected an integer"));
    let text = || json.as_str().ok_or_else(|| invalid("expected a string"));
    let base64 = || {
        STANDARD
            .decode(text()?)
            .map_err(|e| invalid(&format!("bytes are not base64: {e}")))
    };
    // Times in milliseconds or microseconds read as microseconds.
    let micros = |unit: i64| {
        int()?
            .checked_mul(unit)
            .ok_or_else(|| invalid("out of range in microseconds"))
    };
    Ok(match (name(schema), kind(schema)) {
        (Some("io.debezium.time.Date" | "org.apache.kafka.connect.data.Date"), _) => {
            Value::Date(i32::try_from(int()?).map_err(|_| invalid("date out of range"))?)
        }
        (Some("io.debezium.time.Time" | "org.apache.kafka.connect.data.Time"), _) => {
            Value::Time(micros(1000)?)
        }
        (Some("io.debezium.time.MicroTime"), _) => Value::Time(int()?),
        (Some("io.debezium.time.NanoTime"), _) => Value::TimeNanos(int()?),
        (Some("io.debezium.time.Timestamp" | "org.apache.kafka.connect.data.Timestamp"), _) => {
            Value::Timestamp(micros(1000)?)
        }
        (Some("io.debezium.time.MicroTimestamp"), _) => Value::Timestamp(int()?),
        (Some("io.debezium.time.NanoTimestamp"), _) => Value::TimestampNanos(int()?),
        (Some("io.debezium.time.ZonedTimestamp"), _) => Value::TimestampTz(text()?.to_owned()),
        (Some("io.debezium.time.ZonedTime"), _) => Value::TimeTz(text()?.to_owned()),
        (Some("io.debezium.time.MicroDuration"), _) => Value::Duration(int()?),
        (Some("io.debezium.time.Interval"), _) => Value::Interval(text()?.to_owned()),
        (Some("io.debezium.data.Json"), _) => {
            Value::Json(JsonText::new(text()?).map_err(|e| invalid(&format!("not JSON: {e}")))?)
        }
        // Java's form reads as a UUID; other text stays text, to be written back as it came.
        (Some("io.debezium.data.Uuid"), _) => {
            let text = text()?;
            parse_uuid(text).map_or_else(|| Value::String(text.to_owned()), Value::Uuid)
        }
        (Some("io.debezium.data.Bits"), _) => Value::Bits(base64()?),
        (Some("org.apache.kafka.connect.data.Decimal"), _) => {
            let scale = decimal_scale(schema)
                .ok_or_else(|| invalid("the decimal schema has no `scale` parameter of 0 or more"))?;
            crate::value::decimal(&base64()?, scale)
        }
        (Some("io.debezium.data.VariableScaleDecimal"), "struct") => variable_scale_decimal(json, path)?,
        (_, "int8" | "int16" | "int32" | "int64") => Value::Int(int()?),
        (_, "float" | "float32" | "float64" | "double") => Value::Float(
            json.as_f64()
                .or_else(|| json.as_str().and_then(float_from_text))
                .ok_or_else(|| invalid("expected a number"))?,
        ),
        (_, "boolean") => Value::Bool(json.as_bool().ok_or_else(|| invalid("expected a boolean"))?),
        (_, "string") => Value::String(text()?.to_owned()),
        (_, "bytes") => Value::Bytes(base64()?),
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
        (_, "map") => decode_map(json, schema, path)?,
        (_, "struct") => {
            let object = json.as_object().ok_or_else(|| invalid("expected an object"))?;
            Value::Struct(decode_fields(object, schema, path)?)
        }
        _ => Value::from_json(json),
    })
}

/// The fields of a struct (a row, or a struct-typed value) typed by its schema; a field
/// the schema does not list reads as schema-less JSON.
fn decode_fields(object: &Map<String, Json>, schema: &Json, path: &str) -> Result<Row> {
    object
        .iter()
        .map(|(name, json)| {
            let value = match field(schema, name) {
                Some(s) => decode(json, s, &format!("{path}.{name}"))?,
                None => Value::from_json(json),
            };
            Ok((name.clone(), value))
        })
        .collect()
}

/// A Connect map as Kafka's JSON converter writes it: a JSON object when its keys are
/// text, else `[key, value]` pairs.
fn decode_map(json: &Json, schema: &Json, path: &str) -> Result<Value> {
    let keys = schema.get("keys").unwrap_or(&Json::Null);
    let values = schema.get("values").unwrap_or(&Json::Null);
    let entry = |key: Value, json: &Json, at: String| Ok((key, decode(json, values, &at)?));
    let entries = match (kind(keys), json) {
        ("string" | "", Json::Object(object)) => object
            .iter()
            .map(|(k, v)| entry(Value::String(k.clone()), v, format!("{path}.{k}")))
            .collect::<Result<_>>()?,
        (literal, Json::Array(pairs)) if literal != "string" => pairs
            .iter()
            .enumerate()
            .map(|(i, pair)| match pair.as_array().map(Vec::as_slice) {
                Some([k, v]) => entry(
                    decode(k, keys, &format!("{path}[{i}][0]"))?,
                    v,
                    format!("{path}[{i}][1]"),
                ),
                _ => Err(invalid(&format!("{path}[{i}]"), "expected a [key, value] pair")),
            })
            .collect::<Result<_>>()?,
        ("string", _) => return Err(invalid(path, "expected an object (a map with text keys)")),
        _ => {
            return Err(invalid(
                path,
                "expected [key, value] pairs (a map whose keys are not text)",
            ));
        }
    };
    Ok(Value::Map(entries))
}

/// `io.debezium.data.VariableScaleDecimal`: `{"scale": 2, "value": "<base64>"}`.
fn variable_scale_decimal(json: &Json, path: &str) -> Result<Value> {
    let object = json
        .as_object()
        .ok_or_else(|| invalid(path, "expected an object"))?;
    let at = |f: &str| format!("{path}.{f}");
    let scale = object
        .get("scale")
        .and_then(Json::as_i64)
        .ok_or_else(|| invalid(&at("scale"), "expected an integer"))?;
    let scale =
        u32::try_from(scale).map_err(|_| invalid(&at("scale"), "a negative scale is not supported"))?;
    let value = object
        .get("value")
        .and_then(Json::as_str)
        .ok_or_else(|| invalid(&at("value"), "expected a string"))?;
    let bytes = STANDARD
        .decode(value)
        .map_err(|e| invalid(&at("value"), &format!("bytes are not base64: {e}")))?;
    Ok(crate::value::decimal(&bytes, scale))
}

fn invalid(path: &str, reason: &str) -> Error {
    Error::InvalidValue {
        format: FORMAT,
        field: path.to_owned(),
        reason: reason.to_owned(),
    }
}

/// The JSON of `value` under its Connect schema (the inverse of [`decode`]).
pub(super) fn encode(value: &Value, schema: &Json) -> Json {
    let (name, literal) = (name(schema), kind(schema));
    match value {
        Value::Null => Json::Null,
        Value::Unavailable => unavailable::placeholder(schema),
        Value::Time(micros) | Value::Timestamp(micros) => in_unit(i128::from(*micros) * 1000, name, value),
        Value::TimeNanos(nanos) | Value::TimestampNanos(nanos) => in_unit(i128::from(*nanos), name, value),
        Value::Float(f) => float_json(*f),
        Value::Json(text) if literal == "string" => Json::String(text.as_str().to_owned()),
        Value::Decimal { .. } | Value::WideDecimal(_) => {
            let (bytes, scale) = crate::value::decimal_parts(value).unwrap_or_default();
            let bytes = || Json::String(STANDARD.encode(&bytes));
            match (name, literal) {
                (Some("io.debezium.data.VariableScaleDecimal"), _) => {
                    serde_json::json!({"scale": scale, "value": bytes()})
                }
                (_, "bytes") => bytes(),
                _ => value.to_json(),
            }
        }
        Value::Uuid(uuid) => Json::String(uuid_text(*uuid)),
        Value::Array(items) => {
            let item_schema = schema.get("items").unwrap_or(&Json::Null);
            Json::Array(items.iter().map(|v| encode(v, item_schema)).collect())
        }
        Value::Map(entries) => {
            let keys = schema.get("keys").unwrap_or(&Json::Null);
            let values = schema.get("values").unwrap_or(&Json::Null);
            match kind(keys) {
                "string" => Json::Object(
                    entries
                        .iter()
                        .map(|(k, v)| {
                            let key = match encode(k, keys) {
                                Json::String(s) => s,
                                other => other.to_string(),
                            };
                            (key, encode(v, values))
                        })
                        .collect(),
                ),
                "" => map_json(entries, Value::to_json),
                _ => entries
                    .iter()
                    .map(|(k, v)| Json::Array(vec![encode(k, keys), encode(v, values)]))
                    .collect(),
            }
        }
        Value::Struct(row) => Json::Object(
            row.iter()
                .map(|(f, v)| {
                    let json = field(schema, f).map_or_else(|| v.to_json(), |s| encode(v, s));
                    (f.to_owned(), json)
                })
                .collect(),
        ),
        _ => value.to_json(),
    }
}

/// A time or timestamp of `nanos` nanoseconds in the unit of the schema named `name`
/// (its own unit when the schema has none, or when it does not fit).
fn in_unit(nanos: i128, name: Option<&str>, value: &Value) -> Json {
    nanos_per_unit(name)
        .and_then(|unit| i64::try_from(nanos.div_euclid(i128::from(unit))).ok())
        .map_or_else(|| value.to_json(), Json::from)
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
) -> Result<Row> {
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
    use serde_json::json;

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
        let date = json!({"type": "int32", "name": "io.debezium.time.Date"});
        assert_eq!(decode(&json!(19000), &date, "d").unwrap(), Value::Date(19000));
        let dec = json!({"type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "parameters": {"scale": "2"}});
        let v = decode(&json!("MDk="), &dec, "price").unwrap();
        assert_eq!(
            v,
            Value::Decimal {
                unscaled: 12345,
                scale: 2
            }
        );
        assert_eq!(encode(&v, &dec), json!("MDk="));
        let err = decode(&json!("not base64!"), &dec, "payload.after.price").unwrap_err();
        assert!(err.to_string().contains("payload.after.price"), "{err}");
    }

    #[test]
    fn times_convert_between_units_when_written_under_another_schema() {
        let millis = json!({"type": "int64", "name": "io.debezium.time.Timestamp"});
        let nanos = json!({"type": "int64", "name": "io.debezium.time.NanoTimestamp"});
        assert_eq!(encode(&Value::Timestamp(1_500), &millis), json!(1));
        assert_eq!(encode(&Value::Timestamp(-1_500), &millis), json!(-2));
        assert_eq!(encode(&Value::Timestamp(1_500), &nanos), json!(1_500_000));
        assert_eq!(encode(&Value::TimestampNanos(1_500_999), &millis), json!(1));
        // Past what nanoseconds hold: the value's own number.
        assert_eq!(encode(&Value::Timestamp(i64::MAX), &nanos), json!(i64::MAX));
        let err = decode(&json!(i64::MAX), &millis, "payload.after.t").unwrap_err();
        assert!(err.to_string().contains("out of range"), "{err}");
    }

    #[test]
    fn bad_nested_values_name_their_path() {
        let map = json!({"type": "map", "keys": {"type": "int16"}, "values": {"type": "double"}});
        let err = decode(&json!([[1, 2.0], [3]]), &map, "payload.after.v").unwrap_err();
        assert!(err.to_string().contains("payload.after.v[1]"), "{err}");
        let point = json!({"type": "struct", "name": "io.debezium.data.geometry.Point",
            "fields": [{"field": "x", "type": "double"}, {"field": "y", "type": "double"}]});
        let err = decode(&json!({"x": 1.0, "y": "north"}), &point, "payload.after.p").unwrap_err();
        assert!(err.to_string().contains("payload.after.p.y"), "{err}");
        let vsd = json!({"type": "struct", "name": "io.debezium.data.VariableScaleDecimal",
            "fields": [{"field": "scale", "type": "int32"}, {"field": "value", "type": "bytes"}]});
        let err = decode(&json!({"scale": -1, "value": "AQ=="}), &vsd, "payload.after.n").unwrap_err();
        assert!(err.to_string().contains("payload.after.n.scale"), "{err}");
    }
}
