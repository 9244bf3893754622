//! Column values as databases send them.

/// One column's value.
///
/// Times are plain integers in the units Debezium uses, so nothing is lost between
/// codecs: dates in days since the epoch, times of day in microseconds, timestamps in
/// microseconds since the epoch (UTC for [`Value::TimestampTz`]).
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
    /// A JSON document (boxed: it is rare, and keeps every other value small).
    Json(Box<serde_json::Value>),
    /// An array.
    Array(Vec<Value>),
    /// A column whose value was not sent (PostgreSQL's unchanged TOAST column).
    Unavailable,
}

/// The marker Debezium sends for a value it does not have.
pub const UNAVAILABLE_MARKER: &str = "__debezium_unavailable_value";

impl Value {
    /// Whether this is SQL NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The text, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) | Value::TimestampTz(s) => Some(s),
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
    /// schemas, bytes in base64, decimals as text).
    pub fn to_json(&self) -> serde_json::Value {
        use base64::Engine as _;
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Decimal { unscaled, scale } => J::String(decimal_text(*unscaled, *scale)),
            Value::String(s) | Value::TimestampTz(s) => J::String(s.clone()),
            Value::Bytes(b) => J::String(base64::engine::general_purpose::STANDARD.encode(b)),
            Value::Date(d) => J::from(*d),
            Value::Time(t) | Value::Timestamp(t) => J::from(*t),
            Value::Json(j) => j.as_ref().clone(),
            Value::Array(items) => J::Array(items.iter().map(Value::to_json).collect()),
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
            J::Object(_) => Value::Json(Box::new(json.clone())),
        }
    }
}

/// `unscaled * 10^-scale` as decimal text: `12345, 2` is `123.45`.
pub fn decimal_text(unscaled: i128, scale: u32) -> String {
    let digits = unscaled.unsigned_abs().to_string();
    let sign = if unscaled < 0 { "-" } else { "" };
    let scale = scale as usize;
    if scale == 0 {
        return format!("{sign}{digits}");
    }
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (int, frac) = padded.split_at(padded.len() - scale);
    format!("{sign}{int}.{frac}")
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
}
