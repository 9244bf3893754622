//! Debezium's placeholder for a value it does not have (PostgreSQL's unchanged TOAST
//! columns), in the form Debezium gives it in a column of each Connect type: the marker
//! text in text columns, its bytes in `bytea`, `["<marker>"]` in text and JSON arrays,
//! its bytes as numbers in `int[]`, `bigint[]` and `date[]`, the UUID of its bytes in
//! `uuid[]`, and `{"<marker>": "<marker>"}` in an `hstore` map.

use serde_json::Value as Json;

use super::{kind, name};
use crate::value::{UNAVAILABLE_BASE64, UNAVAILABLE_MARKER, UNAVAILABLE_UUID};

/// Whether `json` is the placeholder in a column of Connect schema `schema`. The marker
/// text is taken as the placeholder in a column of any type.
pub(super) fn is_placeholder(json: &Json, schema: &Json) -> bool {
    match json {
        Json::String(s) => s == UNAVAILABLE_MARKER || (kind(schema) == "bytes" && s == UNAVAILABLE_BASE64),
        Json::Array(items) if kind(schema) == "array" => {
            let item = schema.get("items").unwrap_or(&Json::Null);
            match (kind(item), items.as_slice()) {
                ("string", [Json::String(s)]) => *s == text_item(item),
                ("bytes", [Json::String(s)]) => s == UNAVAILABLE_BASE64,
                ("int32" | "int64", _) => {
                    items.len() == UNAVAILABLE_MARKER.len()
                        && items
                            .iter()
                            .zip(UNAVAILABLE_MARKER.bytes())
                            .all(|(j, b)| j.as_i64() == Some(i64::from(b)))
                }
                _ => false,
            }
        }
        Json::Object(entries) if kind(schema) == "map" => {
            entries.len() == 1
                && entries.get(UNAVAILABLE_MARKER).and_then(Json::as_str) == Some(UNAVAILABLE_MARKER)
        }
        _ => false,
    }
}

/// The placeholder as Debezium writes it in a column of Connect schema `schema`.
pub(super) fn placeholder(schema: &Json) -> Json {
    let marker = || Json::from(UNAVAILABLE_MARKER);
    match kind(schema) {
        "bytes" => Json::from(UNAVAILABLE_BASE64),
        "array" => {
            let item = schema.get("items").unwrap_or(&Json::Null);
            match kind(item) {
                "string" => Json::Array(vec![Json::from(text_item(item))]),
                "bytes" => Json::Array(vec![Json::from(UNAVAILABLE_BASE64)]),
                "int32" | "int64" => UNAVAILABLE_MARKER.bytes().map(Json::from).collect(),
                // Debezium has no placeholder of its own for arrays of other types.
                _ => marker(),
            }
        }
        "map" => serde_json::json!({ UNAVAILABLE_MARKER: UNAVAILABLE_MARKER }),
        _ => marker(),
    }
}

/// The one item of the placeholder in an array of text items of schema `item`.
fn text_item(item: &Json) -> &'static str {
    match name(item) {
        Some("io.debezium.data.Uuid") => UNAVAILABLE_UUID,
        _ => UNAVAILABLE_MARKER,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Each form as Debezium 3.6.1's PostgreSQL connector tests expect it
    /// (`RecordsStreamProducerIT.shouldHandleToasted*`, `DecoderDifferences`,
    /// `PostgresDefaultValueConverterIT.shouldSerializeHstoreDefaultAsMapWhenUnavailable`).
    #[test]
    fn every_form_is_recognised_and_written_back() {
        let ints: Vec<u8> = UNAVAILABLE_MARKER.bytes().collect();
        let cases = [
            (json!({"type": "string"}), json!("__debezium_unavailable_value")),
            (
                json!({"type": "string", "name": "io.debezium.data.Json"}),
                json!("__debezium_unavailable_value"),
            ),
            (
                json!({"type": "bytes"}),
                json!("X19kZWJleml1bV91bmF2YWlsYWJsZV92YWx1ZQ=="),
            ),
            (
                json!({"type": "array", "items": {"type": "string"}}),
                json!(["__debezium_unavailable_value"]),
            ),
            (
                json!({"type": "array", "items": {"type": "bytes"}}),
                json!(["X19kZWJleml1bV91bmF2YWlsYWJsZV92YWx1ZQ=="]),
            ),
            (json!({"type": "array", "items": {"type": "int32"}}), json!(ints)),
            (json!({"type": "array", "items": {"type": "int64"}}), json!(ints)),
            (
                json!({"type": "array", "items": {"type": "int32", "name": "io.debezium.time.Date"}}),
                json!(ints),
            ),
            (
                json!({"type": "array", "items": {"type": "string", "name": "io.debezium.data.Uuid"}}),
                json!(["b68a35a7-17ad-35b3-af2a-ae46edb4545a"]),
            ),
            (
                json!({"type": "map", "keys": {"type": "string"}, "values": {"type": "string"}}),
                json!({"__debezium_unavailable_value": "__debezium_unavailable_value"}),
            ),
        ];
        for (schema, form) in cases {
            assert!(is_placeholder(&form, &schema), "{schema}");
            assert_eq!(placeholder(&schema), form, "{schema}");
        }
    }

    #[test]
    fn real_values_are_not_placeholders() {
        let ints = json!({"type": "array", "items": {"type": "int32"}});
        assert!(!is_placeholder(&json!([95, 95]), &ints));
        assert!(!is_placeholder(&json!(["__debezium_unavailable_value"]), &ints));
        let texts = json!({"type": "array", "items": {"type": "string"}});
        assert!(!is_placeholder(
            &json!(["__debezium_unavailable_value", "x"]),
            &texts
        ));
        // In a text column, the base64 of the marker is text.
        assert!(!is_placeholder(
            &json!("X19kZWJleml1bV91bmF2YWlsYWJsZV92YWx1ZQ=="),
            &json!({"type": "string"})
        ));
    }
}
