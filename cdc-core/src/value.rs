//! Column values as databases send them.

mod json_text;
mod wide_decimal;

pub use json_text::JsonText;
pub use wide_decimal::WideDecimal;

use crate::row::Row;

/// One column's value.
///
/// Times are plain integers in the units Debezium uses, so nothing is lost between
/// codecs: dates in days since the epoch, times of day in microseconds, timestamps in
/// microseconds since the epoch (UTC for [`Value::TimestampTz`]); the nanosecond forms
/// have variants of their own. Text whose meaning is only text (an enum's label, an XML
/// document, a MySQL `SET` as Debezium joins it) is a [`Value::String`]; what it means
/// is in the schema that came with it.
///
/// How Debezium's types read, with their Kafka Connect schema:
///
/// | Connect schema (name, or type) | Value |
/// |---|---|
/// | `boolean` | [`Bool`](Value::Bool) |
/// | `int8` ... `int64`, `io.debezium.time.Year` | [`Int`](Value::Int) |
/// | `float`, `double` (also `"NaN"`, `"Infinity"`, `"-Infinity"`) | [`Float`](Value::Float) |
/// | `org.apache.kafka.connect.data.Decimal`, `io.debezium.data.VariableScaleDecimal` | [`Decimal`](Value::Decimal), or [`WideDecimal`](Value::WideDecimal) past 128 bits |
/// | `string`: text, `Enum`, `EnumSet`, `Xml`, `Ltree`, ranges, `decimal.handling.mode=string` | [`String`](Value::String) |
/// | `bytes` | [`Bytes`](Value::Bytes) |
/// | `io.debezium.data.Bits` | [`Bits`](Value::Bits) |
/// | `io.debezium.data.Uuid` | [`Uuid`](Value::Uuid) (text in another form than Java's stays a `String`) |
/// | `io.debezium.data.Json` (also `hstore` in `json` mode) | [`Json`](Value::Json) |
/// | `io.debezium.time.Date`, Connect `Date` | [`Date`](Value::Date) |
/// | `io.debezium.time.Time`, `MicroTime`, Connect `Time` | [`Time`](Value::Time) |
/// | `io.debezium.time.NanoTime` | [`TimeNanos`](Value::TimeNanos) |
/// | `io.debezium.time.ZonedTime` | [`TimeTz`](Value::TimeTz) |
/// | `io.debezium.time.Timestamp`, `MicroTimestamp`, Connect `Timestamp` | [`Timestamp`](Value::Timestamp) |
/// | `io.debezium.time.NanoTimestamp` | [`TimestampNanos`](Value::TimestampNanos) |
/// | `io.debezium.time.ZonedTimestamp` | [`TimestampTz`](Value::TimestampTz) |
/// | `io.debezium.time.MicroDuration` | [`Duration`](Value::Duration) |
/// | `io.debezium.time.Interval` | [`Interval`](Value::Interval) |
/// | `array` | [`Array`](Value::Array) |
/// | `map` (PostgreSQL `hstore` in `map` mode) | [`Map`](Value::Map) |
/// | `struct` (`io.debezium.data.geometry.Point`, `Geometry`, `Geography` ...) | [`Struct`](Value::Struct) |
///
/// Without a schema (`schemas.enable=false`) a value is what its JSON is: numbers,
/// strings, booleans, arrays, and objects as [`Value::Json`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A boolean.
    Bool(bool),
    /// Any integer type.
    Int(i64),
    /// Any floating-point type.
    Float(f64),
    /// An exact decimal: `unscaled * 10^-scale`.
    Decimal {
        /// The digits as an integer.
        unscaled: i128,
        /// How many of them are after the point.
        scale: u32,
    },
    /// Text.
    String(String),
    /// Binary data.
    Bytes(Vec<u8>),
    /// A date, days since 1970-01-01.
    Date(i32),
    /// A time of day, microseconds since midnight.
    Time(i64),
    /// A timestamp without zone, microseconds since the epoch.
    Timestamp(i64),
    /// A timestamp with zone, as the ISO-8601 text the database sent.
    TimestampTz(String),
    /// A JSON document, as the text the database sent.
    Json(JsonText),
    /// An array.
    Array(Vec<Value>),
    /// A column whose value was not sent (PostgreSQL's unchanged TOAST column): Debezium's
    /// placeholder, in whichever form the column's type gives it (the marker text, its
    /// bytes, `[marker]`, its bytes as numbers in an integer array, a one-entry map ...).
    /// Written back in the same form; see also [`Value::is_unavailable`].
    Unavailable,
    /// A time of day, nanoseconds since midnight (Debezium's `NanoTime`).
    TimeNanos(i64),
    /// A timestamp without zone, nanoseconds since the epoch (Debezium's `NanoTimestamp`).
    TimestampNanos(i64),
    /// A time of day with zone, as the ISO-8601 text the database sent (`ZonedTime`,
    /// such as `10:15:30.123456Z`).
    TimeTz(String),
    /// A duration in microseconds (Debezium's `MicroDuration`, which counts a month as
    /// 365.25 / 12 days).
    Duration(i64),
    /// An interval as ISO-8601 duration text, `P<years>Y<months>M<days>DT<hours>H<minutes>M<seconds>S`
    /// (Debezium's `Interval`, with `interval.handling.mode=string`).
    Interval(String),
    /// A UUID, its 128 bits big-endian (`00112233-...` is `0x00112233...`).
    Uuid(u128),
    /// A bit string as Debezium sends it (`io.debezium.data.Bits`): the bits read as one
    /// binary number, in little-endian bytes (the string's last bit is bit 0 of byte 0).
    Bits(Vec<u8>),
    /// A map, entries in the order they came (Kafka Connect's `map`; PostgreSQL's
    /// `hstore` with `hstore.handling.mode=map`).
    Map(Vec<(Value, Value)>),
    /// A structure of named fields, in order (Kafka Connect's `struct`: PostGIS and
    /// PostgreSQL geometry, `{x, y, wkb, srid}` or `{wkb, srid}` ...).
    Struct(Row),
    /// An exact decimal too wide for [`Value::Decimal`] (boxed: it is rare).
    WideDecimal(Box<WideDecimal>),
}

/// The marker Debezium sends for a value it does not have.
pub const UNAVAILABLE_MARKER: &str = "__debezium_unavailable_value";

/// The marker's bytes in base64: an unchanged `bytea` column in JSON.
pub(crate) const UNAVAILABLE_BASE64: &str = "X19kZWJleml1bV91bmF2YWlsYWJsZV92YWx1ZQ==";

/// The UUID Debezium sends for an unchanged `uuid[]` column: Java's
/// `UUID.nameUUIDFromBytes` of the marker's bytes.
pub(crate) const UNAVAILABLE_UUID: &str = "b68a35a7-17ad-35b3-af2a-ae46edb4545a";

/// The JSON text Debezium sends for an unchanged `hstore` column in `json` mode.
pub(crate) const UNAVAILABLE_HSTORE_JSON: &str =
    r#"{"__debezium_unavailable_value":"__debezium_unavailable_value"}"#;

impl Value {
    /// Whether this is SQL NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Whether the database did not send this value: [`Value::Unavailable`], or one of
    /// the forms Debezium gives its placeholder as they read without a schema, or where
    /// the schema does not tell them (`schemas.enable=false`): the marker's bytes in
    /// base64 (`bytea`), `[marker]` (text and JSON arrays), its bytes as numbers
    /// (`int[]`, `bigint[]`, `date[]`), the UUID of its bytes (`uuid[]`), and the
    /// one-entry `hstore` map or its JSON text (an `hstore` in `json` mode has the schema
    /// of a `jsonb` column, where the marker is plain text).
    pub fn is_unavailable(&self) -> bool {
        let marker = UNAVAILABLE_MARKER.as_bytes();
        let is_marker = |v: &Value| match v {
            Value::Unavailable => true,
            Value::String(s) => s == UNAVAILABLE_MARKER,
            _ => false,
        };
        match self {
            Value::Unavailable => true,
            Value::String(s) => s == UNAVAILABLE_BASE64,
            Value::Bytes(b) => b == marker,
            Value::Json(text) => text.as_str() == UNAVAILABLE_HSTORE_JSON,
            Value::Map(entries) => matches!(entries.as_slice(), [(k, v)] if is_marker(k) && is_marker(v)),
            Value::Array(items) => match items.as_slice() {
                [Value::String(s)] => s == UNAVAILABLE_BASE64 || s == UNAVAILABLE_UUID,
                [Value::Uuid(u)] => uuid_text(*u) == UNAVAILABLE_UUID,
                [Value::Bytes(b)] => b == marker,
                [item] => is_marker(item),
                items => {
                    items.len() == marker.len()
                        && items.iter().zip(marker).all(|(v, b)| match v {
                            Value::Int(i) => *i == i64::from(*b),
                            Value::Date(d) => *d == i32::from(*b),
                            _ => false,
                        })
                }
            },
            _ => false,
        }
    }

    /// The text, if this is a string (or text with a meaning: a zoned timestamp or
    /// time, an interval).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) | Value::TimestampTz(s) | Value::TimeTz(s) | Value::Interval(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, if this is one.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The value as schema-less JSON (what Debezium's JSON converter writes without
    /// schemas, bytes in base64, decimals as text, non-finite floats as `"NaN"`,
    /// `"Infinity"`, `"-Infinity"`, maps with text keys as objects and others as
    /// `[key, value]` pairs).
    pub fn to_json(&self) -> serde_json::Value {
        use base64::Engine as _;
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) | Value::Time(i) | Value::Timestamp(i) => J::from(*i),
            Value::TimeNanos(i) | Value::TimestampNanos(i) | Value::Duration(i) => J::from(*i),
            Value::Float(f) => float_json(*f),
            Value::Decimal { unscaled, scale } => J::String(decimal_text(*unscaled, *scale)),
            Value::WideDecimal(wide) => J::String(wide.to_string()),
            Value::String(s) | Value::TimestampTz(s) | Value::TimeTz(s) | Value::Interval(s) => {
                J::String(s.clone())
            }
            Value::Bytes(b) | Value::Bits(b) => {
                J::String(base64::engine::general_purpose::STANDARD.encode(b))
            }
            Value::Date(d) => J::from(*d),
            Value::Uuid(u) => J::String(uuid_text(*u)),
            Value::Json(text) => text
                .parse()
                .unwrap_or_else(|_| J::String(text.as_str().to_owned())),
            Value::Array(items) => J::Array(items.iter().map(Value::to_json).collect()),
            Value::Map(entries) => map_json(entries, Value::to_json),
            Value::Struct(row) => row.to_json(),
            Value::Unavailable => J::String(UNAVAILABLE_MARKER.to_owned()),
        }
    }

    /// A value from schema-less JSON: numbers, strings, booleans, arrays; objects stay
    /// JSON; Debezium's unavailable marker becomes [`Value::Unavailable`].
    pub fn from_json(json: &serde_json::Value) -> Value {
        use serde_json::Value as J;
        match json {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => n
                .as_i64()
                .map(Value::Int)
                .unwrap_or_else(|| Value::Float(n.as_f64().unwrap_or(f64::NAN))),
            J::String(s) if s == UNAVAILABLE_MARKER => Value::Unavailable,
            J::String(s) => Value::String(s.clone()),
            J::Array(items) => Value::Array(items.iter().map(Value::from_json).collect()),
            J::Object(_) => Value::Json(JsonText::from(json)),
        }
    }
}

/// A float as JSON: a number, or the text Kafka's JSON converter (Jackson) writes for a
/// value that is not one.
pub(crate) fn float_json(f: f64) -> serde_json::Value {
    match serde_json::Number::from_f64(f) {
        Some(n) => serde_json::Value::Number(n),
        None if f.is_nan() => serde_json::Value::from("NaN"),
        None if f > 0.0 => serde_json::Value::from("Infinity"),
        None => serde_json::Value::from("-Infinity"),
    }
}

/// The float of Jackson's text for a value that is not a number.
pub(crate) fn float_from_text(text: &str) -> Option<f64> {
    match text {
        "NaN" => Some(f64::NAN),
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

/// A map's entries as JSON the way Kafka's JSON converter writes a map: an object when
/// every key is text (and none repeats), else an array of `[key, value]` pairs; `json`
/// gives each part.
pub(crate) fn map_json(
    entries: &[(Value, Value)],
    mut json: impl FnMut(&Value) -> serde_json::Value,
) -> serde_json::Value {
    use serde_json::Value as J;
    let mut keys = std::collections::HashSet::new();
    if entries
        .iter()
        .all(|(k, _)| matches!(k, Value::String(s) if keys.insert(s.as_str())))
    {
        J::Object(
            entries
                .iter()
                .map(|(k, v)| (k.as_str().unwrap_or_default().to_owned(), json(v)))
                .collect(),
        )
    } else {
        J::Array(
            entries
                .iter()
                .map(|(k, v)| J::Array(vec![json(k), json(v)]))
                .collect(),
        )
    }
}

/// A UUID as Java's `UUID.toString` writes it: lowercase, hyphenated.
pub(crate) fn uuid_text(uuid: u128) -> String {
    let hex = format!("{uuid:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// The UUID of text in the form [`uuid_text`] writes, and only that form (so writing it
/// back gives the same text).
pub(crate) fn parse_uuid(text: &str) -> Option<u128> {
    let bytes = text.as_bytes();
    let hyphens = [8, 13, 18, 23];
    if bytes.len() != 36 {
        return None;
    }
    let mut uuid = 0u128;
    for (i, &b) in bytes.iter().enumerate() {
        if hyphens.contains(&i) {
            if b != b'-' {
                return None;
            }
            continue;
        }
        let digit = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            _ => return None,
        };
        uuid = uuid << 4 | u128::from(digit);
    }
    Some(uuid)
}

/// `unscaled * 10^-scale` as decimal text: `12345, 2` is `123.45`.
pub fn decimal_text(unscaled: i128, scale: u32) -> String {
    place_point(unscaled < 0, &unscaled.unsigned_abs().to_string(), scale)
}

/// Decimal text of a sign, the digits of the unscaled magnitude, and a scale.
fn place_point(negative: bool, digits: &str, scale: u32) -> String {
    let sign = if negative { "-" } else { "" };
    let scale = scale as usize;
    if scale == 0 {
        return format!("{sign}{digits}");
    }
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (int, frac) = padded.split_at(padded.len() - scale);
    format!("{sign}{int}.{frac}")
}

/// The decimal of big-endian two's complement `bytes` and `scale`: a
/// [`Value::Decimal`] when it fits 128 bits, else a [`Value::WideDecimal`].
pub(crate) fn decimal(bytes: &[u8], scale: u32) -> Value {
    match unscaled(bytes) {
        Some(unscaled) => Value::Decimal { unscaled, scale },
        None => Value::WideDecimal(Box::new(WideDecimal::new(bytes.to_vec(), scale))),
    }
}

/// The unscaled bytes (big-endian two's complement) and scale of a decimal value.
pub(crate) fn decimal_parts(value: &Value) -> Option<(Vec<u8>, u32)> {
    match value {
        Value::Decimal { unscaled, scale } => Some((unscaled_bytes(*unscaled), *scale)),
        Value::WideDecimal(wide) => Some((wide.unscaled_bytes().to_vec(), wide.scale())),
        _ => None,
    }
}

/// Big-endian two's complement bytes as an integer.
pub(crate) fn unscaled(bytes: &[u8]) -> Option<i128> {
    if bytes.len() > 16 {
        return None;
    }
    let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
    let mut buf = [if negative { 0xff } else { 0 }; 16];
    buf[16 - bytes.len()..].copy_from_slice(bytes);
    Some(i128::from_be_bytes(buf))
}

/// The shortest big-endian two's complement bytes of `n`.
pub(crate) fn unscaled_bytes(n: i128) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let mut start = 0;
    while start < 15 {
        let (b, next) = (bytes[start], bytes[start + 1]);
        let redundant = (b == 0 && next & 0x80 == 0) || (b == 0xff && next & 0x80 != 0);
        if !redundant {
            break;
        }
        start += 1;
    }
    bytes[start..].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_print_with_their_scale() {
        assert_eq!(decimal_text(12345, 2), "123.45");
        assert_eq!(decimal_text(-5, 3), "-0.005");
        assert_eq!(decimal_text(7, 0), "7");
        assert_eq!(decimal_text(0, 2), "0.00");
    }

    #[test]
    fn unavailable_marker_round_trips() {
        let v = Value::from_json(&serde_json::json!(UNAVAILABLE_MARKER));
        assert_eq!(v, Value::Unavailable);
        assert_eq!(v.to_json(), serde_json::json!(UNAVAILABLE_MARKER));
    }

    #[test]
    fn a_value_stays_four_words() {
        assert!(
            std::mem::size_of::<Value>() <= 32,
            "{}",
            std::mem::size_of::<Value>()
        );
    }

    #[test]
    fn uuids_read_and_print_in_javas_form_only() {
        let text = "b68a35a7-17ad-35b3-af2a-ae46edb4545a";
        let uuid = parse_uuid(text).unwrap();
        assert_eq!(uuid, 0xb68a35a7_17ad_35b3_af2a_ae46edb4545a);
        assert_eq!(uuid_text(uuid), text);
        assert_eq!(uuid_text(1), "00000000-0000-0000-0000-000000000001");
        for other in [
            "B68A35A7-17AD-35B3-AF2A-AE46EDB4545A",
            "b68a35a717ad35b3af2aae46edb4545a",
            "b68a35a7-17ad-35b3-af2a-ae46edb4545",
            "b68a35a7+17ad-35b3-af2a-ae46edb4545a",
            "",
        ] {
            assert_eq!(parse_uuid(other), None, "{other}");
        }
    }

    #[test]
    fn floats_that_are_not_numbers_are_jacksons_text() {
        for (f, text) in [
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
        ] {
            assert_eq!(Value::Float(f).to_json(), serde_json::json!(text));
            assert_eq!(float_from_text(text).map(f64::to_bits), Some(f.to_bits()));
        }
        assert_eq!(Value::Float(1.5).to_json(), serde_json::json!(1.5));
    }

    #[test]
    fn maps_are_objects_when_their_keys_are_text() {
        let text = Value::Map(vec![(Value::String("a".into()), Value::Null)]);
        assert_eq!(text.to_json(), serde_json::json!({"a": null}));
        let numbered = Value::Map(vec![(Value::Int(1), Value::Float(0.5))]);
        assert_eq!(numbered.to_json(), serde_json::json!([[1, 0.5]]));
    }

    #[test]
    fn every_form_of_the_placeholder_is_unavailable() {
        let marker = || Value::String(UNAVAILABLE_MARKER.into());
        let forms = [
            Value::Unavailable,
            Value::String(UNAVAILABLE_BASE64.into()),
            Value::Bytes(UNAVAILABLE_MARKER.as_bytes().to_vec()),
            Value::Json(JsonText::new(UNAVAILABLE_HSTORE_JSON).unwrap()),
            Value::Map(vec![(marker(), marker())]),
            Value::Array(vec![Value::Unavailable]),
            Value::Array(vec![Value::String(UNAVAILABLE_BASE64.into())]),
            Value::Array(vec![Value::String(UNAVAILABLE_UUID.into())]),
            Value::Array(vec![Value::Uuid(parse_uuid(UNAVAILABLE_UUID).unwrap())]),
            Value::Array(UNAVAILABLE_MARKER.bytes().map(|b| Value::Int(b.into())).collect()),
            Value::Array(
                UNAVAILABLE_MARKER
                    .bytes()
                    .map(|b| Value::Date(b.into()))
                    .collect(),
            ),
            // The schema-less reading of `{"<marker>": "<marker>"}`.
            Value::from_json(&serde_json::json!({ UNAVAILABLE_MARKER: UNAVAILABLE_MARKER })),
        ];
        for form in forms {
            assert!(form.is_unavailable(), "{form:?}");
        }
        let values = [
            Value::Null,
            marker(),
            Value::Json(JsonText::new("{}").unwrap()),
            Value::Array(vec![]),
            Value::Array(vec![Value::Int(95)]),
            Value::Array(vec![Value::Unavailable, Value::Unavailable]),
        ];
        for value in values {
            assert!(!value.is_unavailable(), "{value:?}");
        }
    }
}
