//! A value as Java's `toString` prints the object Kafka Connect gives for it, for the
//! file sink's lines.

use crate::convert::json::text;
use crate::data::Value;
use crate::transforms::java_time::civil_from_days;

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Appends `value`'s line (without line end) to `out`. Bytes at the top are written as
/// they are; everything else as Java prints it (see `FileStreamSinkTask`).
pub(super) fn write_line(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Bytes(bytes) => out.extend_from_slice(bytes),
        Value::String(s) => out.extend_from_slice(s.as_bytes()),
        other => {
            let mut line = String::new();
            java_string(&mut line, other);
            out.extend_from_slice(line.as_bytes());
        }
    }
}

/// Appends Java's `toString` of `value`.
fn java_string(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Boolean(v) => out.push_str(if *v { "true" } else { "false" }),
        Value::Int8(v) => out.push_str(&v.to_string()),
        Value::Int16(v) => out.push_str(&v.to_string()),
        Value::Int32(v) => out.push_str(&v.to_string()),
        Value::Int64(v) => out.push_str(&v.to_string()),
        Value::Float32(v) if v.is_finite() => text::float(out, *v),
        Value::Float64(v) if v.is_finite() => text::double(out, *v),
        Value::Float32(v) => non_finite(out, f64::from(*v)),
        Value::Float64(v) => non_finite(out, *v),
        Value::String(s) => out.push_str(s),
        // Java prints `[B@` and an identity hash; Base64 says what the bytes are.
        Value::Bytes(bytes) => {
            let mut quoted = String::new();
            text::bytes(&mut quoted, bytes);
            out.push_str(quoted.trim_matches('"'));
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                java_string(out, item);
            }
            out.push(']');
        }
        Value::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                java_string(out, k);
                out.push('=');
                java_string(out, v);
            }
            out.push('}');
        }
        Value::Struct(s) => {
            // Kafka's `Struct.toString`: the fields that are set, without spaces.
            out.push_str("Struct{");
            let mut first = true;
            for (field, value) in s.schema().fields().iter().zip(s.values()) {
                if value.is_null() {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                out.push_str(field.name());
                out.push('=');
                java_string(out, value);
            }
            out.push('}');
        }
        Value::Decimal(d) => out.push_str(&d.to_string()),
        Value::Date(days) => java_date(out, i64::from(*days) * 86_400_000),
        Value::Time(millis) => java_date(out, i64::from(*millis)),
        Value::Timestamp(millis) => java_date(out, *millis),
    }
}

fn non_finite(out: &mut String, v: f64) {
    out.push_str(if v.is_nan() {
        "NaN"
    } else if v > 0.0 {
        "Infinity"
    } else {
        "-Infinity"
    });
}

/// `java.util.Date.toString` in UTC: `Thu Jan 01 00:00:00 UTC 1970`.
fn java_date(out: &mut String, millis: i64) {
    let days = millis.div_euclid(86_400_000);
    let seconds = millis.rem_euclid(86_400_000) / 1000;
    let (year, month, day) = civil_from_days(days);
    let weekday = WEEKDAYS[(days + 4).rem_euclid(7) as usize];
    let month = MONTHS[(month - 1).clamp(0, 11) as usize];
    out.push_str(&format!(
        "{weekday} {month} {day:02} {:02}:{:02}:{:02} UTC {year:04}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Schema, SchemaBuilder, Struct};

    fn line(value: &Value) -> String {
        let mut out = Vec::new();
        write_line(&mut out, value);
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn prints_values_as_java_does() -> crate::Result<()> {
        assert_eq!(line(&Value::Null), "null");
        assert_eq!(line(&Value::Float64(1e7)), "1.0E7");
        assert_eq!(line(&Value::Float64(0.5)), "0.5");
        assert_eq!(line(&Value::Float64(f64::NAN)), "NaN");
        assert_eq!(line(&Value::Timestamp(0)), "Thu Jan 01 00:00:00 UTC 1970");
        assert_eq!(
            line(&Value::Timestamp(1_506_923_052_012)),
            "Mon Oct 02 05:44:12 UTC 2017"
        );
        assert_eq!(line(&Value::Date(-1)), "Wed Dec 31 00:00:00 UTC 1969");
        let schema = SchemaBuilder::record()
            .field("id", Schema::int64())?
            .field("note", Schema::optional_string())?
            .field("tags", SchemaBuilder::array(Schema::string()).build())?
            .build();
        let mut row = Struct::new(schema)?;
        row.put("id", 7i64)?
            .put("tags", Value::Array(vec!["a".into(), "b".into()]))?;
        assert_eq!(line(&Value::Struct(row)), "Struct{id=7,tags=[a, b]}");
        assert_eq!(
            line(&Value::Map(vec![("k".into(), Value::Bytes(vec![1, 2]))])),
            "{k=AQI=}"
        );
        assert_eq!(line(&Value::Bytes(b"raw".to_vec())), "raw");
        Ok(())
    }
}
