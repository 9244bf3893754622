//! Property tests: random columns of every Kafka Connect type and Debezium semantic type,
//! nested in arrays, maps and structs, null or unavailable, round-trip through the JSON
//! schema envelope (the same values back, and the same JSON on a second encoding) and
//! through the Avro form built from their Connect schema.

use cdc_core::avro::RowSchema;
use cdc_core::{
    ChangeEvent, DebeziumAvro, DebeziumJson, DebeziumRecord, Decode, JsonText, Operation, Row, Source, Value,
    WideDecimal,
};
use proptest::prelude::*;
use serde_json::{Value as Json, json};

/// A Connect type, with the Debezium semantic type (schema name) it may have.
#[derive(Debug, Clone)]
enum Kind {
    Bool,
    Int(&'static str),
    Float(&'static str),
    /// A string, maybe with a semantic name that keeps it text (`Enum`, `Xml` ...).
    Text(Option<&'static str>),
    Bytes,
    Bits,
    Decimal(u32),
    VariableDecimal,
    Date,
    TimeMillis,
    MicroTime,
    NanoTime,
    TimestampMillis,
    MicroTimestamp,
    NanoTimestamp,
    ZonedTimestamp,
    ZonedTime,
    MicroDuration,
    Interval,
    Json,
    Uuid,
    Array(Box<Kind>),
    /// Text keys (a JSON object) or `int16` keys (`[key, value]` pairs).
    Map(bool, Box<Kind>),
    Struct(Vec<Kind>),
}

impl Kind {
    fn schema(&self) -> Json {
        let named = |t: &str, name: &str| json!({"type": t, "optional": true, "name": name, "version": 1});
        match self {
            Kind::Bool => json!({"type": "boolean", "optional": true}),
            Kind::Int(t) | Kind::Float(t) => json!({"type": t, "optional": true}),
            Kind::Text(None) => json!({"type": "string", "optional": true}),
            Kind::Text(Some(name)) => named("string", name),
            Kind::Bytes => json!({"type": "bytes", "optional": true}),
            Kind::Bits => {
                json!({"type": "bytes", "optional": true, "name": "io.debezium.data.Bits", "parameters": {"length": "24"}})
            }
            Kind::Decimal(scale) => {
                json!({"type": "bytes", "optional": true, "name": "org.apache.kafka.connect.data.Decimal",
                "version": 1, "parameters": {"scale": scale.to_string(), "connect.decimal.precision": "65"}})
            }
            Kind::VariableDecimal => {
                json!({"type": "struct", "optional": true, "name": "io.debezium.data.VariableScaleDecimal",
                "version": 1, "doc": "Variable scaled decimal", "fields": [
                    {"type": "int32", "optional": false, "field": "scale"},
                    {"type": "bytes", "optional": false, "field": "value"}]})
            }
            Kind::Date => named("int32", "io.debezium.time.Date"),
            Kind::TimeMillis => named("int32", "io.debezium.time.Time"),
            Kind::MicroTime => named("int64", "io.debezium.time.MicroTime"),
            Kind::NanoTime => named("int64", "io.debezium.time.NanoTime"),
            Kind::TimestampMillis => named("int64", "io.debezium.time.Timestamp"),
            Kind::MicroTimestamp => named("int64", "io.debezium.time.MicroTimestamp"),
            Kind::NanoTimestamp => named("int64", "io.debezium.time.NanoTimestamp"),
            Kind::ZonedTimestamp => named("string", "io.debezium.time.ZonedTimestamp"),
            Kind::ZonedTime => named("string", "io.debezium.time.ZonedTime"),
            Kind::MicroDuration => named("int64", "io.debezium.time.MicroDuration"),
            Kind::Interval => named("string", "io.debezium.time.Interval"),
            Kind::Json => named("string", "io.debezium.data.Json"),
            Kind::Uuid => named("string", "io.debezium.data.Uuid"),
            Kind::Array(items) => json!({"type": "array", "optional": true, "items": items.schema()}),
            Kind::Map(text_keys, values) => {
                let keys = if *text_keys { "string" } else { "int16" };
                json!({"type": "map", "optional": true, "keys": {"type": keys, "optional": false}, "values": values.schema()})
            }
            Kind::Struct(fields) => {
                json!({"type": "struct", "optional": true, "name": "io.debezium.data.geometry.Geometry",
                "fields": fields.iter().enumerate().map(|(i, k)| field(&format!("f{i}"), k)).collect::<Vec<_>>()})
            }
        }
    }

    /// A value of this type, not null.
    fn value(&self) -> BoxedStrategy<Value> {
        let text = "[a-zA-Z0-9 ,.:+-]{0,12}";
        match self {
            Kind::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
            Kind::Int("int8") => any::<i8>().prop_map(|i| Value::Int(i.into())).boxed(),
            Kind::Int("int16") => any::<i16>().prop_map(|i| Value::Int(i.into())).boxed(),
            Kind::Int("int32") => any::<i32>().prop_map(|i| Value::Int(i.into())).boxed(),
            Kind::Int(_) => any::<i64>().prop_map(Value::Int).boxed(),
            Kind::Float(_) => prop_oneof![
                8 => any::<f64>().prop_filter("finite", |f| f.is_finite()),
                1 => Just(f64::INFINITY),
                1 => Just(f64::NEG_INFINITY),
            ]
            .prop_map(Value::Float)
            .boxed(),
            Kind::Text(_) | Kind::ZonedTimestamp | Kind::ZonedTime | Kind::Interval => {
                let wrap: fn(String) -> Value = match self {
                    Kind::ZonedTimestamp => Value::TimestampTz,
                    Kind::ZonedTime => Value::TimeTz,
                    Kind::Interval => Value::Interval,
                    _ => Value::String,
                };
                text.prop_map(wrap).boxed()
            }
            Kind::Bytes => bytes(0..12).prop_map(Value::Bytes).boxed(),
            Kind::Bits => bytes(0..4).prop_map(Value::Bits).boxed(),
            Kind::Decimal(scale) => decimal(Just(*scale)).boxed(),
            Kind::VariableDecimal => decimal(0u32..40).boxed(),
            Kind::Date => any::<i32>().prop_map(Value::Date).boxed(),
            Kind::TimeMillis => (0i64..86_400_000).prop_map(|ms| Value::Time(ms * 1000)).boxed(),
            Kind::MicroTime => any::<i64>().prop_map(Value::Time).boxed(),
            Kind::NanoTime => any::<i64>().prop_map(Value::TimeNanos).boxed(),
            Kind::TimestampMillis => (-(1i64 << 50)..(1 << 50))
                .prop_map(|ms| Value::Timestamp(ms * 1000))
                .boxed(),
            Kind::MicroTimestamp => any::<i64>().prop_map(Value::Timestamp).boxed(),
            Kind::NanoTimestamp => any::<i64>().prop_map(Value::TimestampNanos).boxed(),
            Kind::MicroDuration => any::<i64>().prop_map(Value::Duration).boxed(),
            Kind::Json => prop_oneof![
                (any::<i32>(), text).prop_map(|(n, s)| format!(r#"{{"n": {n}, "s": [{s:?}, 1.50]}}"#)),
                any::<i64>().prop_map(|n| format!("[{n},{n} , null]")),
                text.prop_map(|s| format!("{s:?}")),
                Just(" true ".to_owned()),
            ]
            .prop_map(|t| Value::Json(JsonText::new(t).unwrap()))
            .boxed(),
            Kind::Uuid => any::<u128>().prop_map(Value::Uuid).boxed(),
            Kind::Array(items) => proptest::collection::vec(nullable(items.value()), 0..4)
                .prop_map(Value::Array)
                .boxed(),
            Kind::Map(text_keys, values) => {
                let key: BoxedStrategy<Value> = if *text_keys {
                    "[a-z ]{0,6}".prop_map(Value::String).boxed()
                } else {
                    any::<i16>().prop_map(|i| Value::Int(i.into())).boxed()
                };
                proptest::collection::vec((key, nullable(values.value())), 0..4)
                    .prop_map(|mut entries| {
                        // A key once: a JSON object has each key once.
                        let mut seen = Vec::new();
                        entries.retain(|(k, _)| {
                            !seen.contains(k) && {
                                seen.push(k.clone());
                                true
                            }
                        });
                        Value::Map(entries)
                    })
                    .boxed()
            }
            Kind::Struct(fields) => fields
                .iter()
                .map(|k| nullable(k.value()))
                .collect::<Vec<_>>()
                .prop_map(|values| {
                    Value::Struct(
                        values
                            .into_iter()
                            .enumerate()
                            .map(|(i, v)| (format!("f{i}"), v))
                            .collect(),
                    )
                })
                .boxed(),
        }
    }

    /// Whether Debezium's placeholder has a form in a column of this type, in JSON and
    /// in Avro.
    fn has_placeholder(&self) -> bool {
        let text = |k: &Kind| {
            matches!(
                k,
                Kind::Text(_)
                    | Kind::ZonedTimestamp
                    | Kind::ZonedTime
                    | Kind::Interval
                    | Kind::Json
                    | Kind::Uuid
            )
        };
        match self {
            Kind::Bytes | Kind::Bits => true,
            Kind::Array(items) => {
                text(items) || matches!(**items, Kind::Bytes | Kind::Int("int32" | "int64") | Kind::Date)
            }
            Kind::Map(true, values) => matches!(**values, Kind::Text(_)),
            k => text(k),
        }
    }
}

fn field(name: &str, kind: &Kind) -> Json {
    let mut schema = kind.schema();
    schema["field"] = json!(name);
    schema
}

fn bytes(len: std::ops::Range<usize>) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), len)
}

/// A decimal of scale `scale`: narrow, or wider than 128 bits (minimal two's complement
/// bytes, as Java's `BigInteger.toByteArray` writes them).
fn decimal(scale: impl Strategy<Value = u32>) -> impl Strategy<Value = Value> {
    let wide = (bytes(17..24), any::<bool>()).prop_map(|(mut b, negative)| {
        b[0] = if negative { 0x80 | b[0] } else { 0x7f & b[0] | 0x01 };
        b
    });
    (prop_oneof![any::<i128>().prop_map(Ok), wide.prop_map(Err)], scale).prop_map(|(digits, scale)| {
        match digits {
            Ok(unscaled) => Value::Decimal { unscaled, scale },
            Err(bytes) => Value::WideDecimal(Box::new(WideDecimal::new(bytes, scale))),
        }
    })
}

fn nullable(value: BoxedStrategy<Value>) -> impl Strategy<Value = Value> {
    prop_oneof![6 => value, 1 => Just(Value::Null)]
}

fn leaf() -> impl Strategy<Value = Kind> {
    prop_oneof![
        Just(Kind::Bool),
        prop_oneof![Just("int8"), Just("int16"), Just("int32"), Just("int64")].prop_map(Kind::Int),
        prop_oneof![Just("float"), Just("double")].prop_map(Kind::Float),
        prop_oneof![
            Just(None),
            Just(Some("io.debezium.data.Enum")),
            Just(Some("io.debezium.data.EnumSet")),
            Just(Some("io.debezium.data.Xml")),
        ]
        .prop_map(Kind::Text),
        Just(Kind::Bytes),
        Just(Kind::Bits),
        (0u32..12).prop_map(Kind::Decimal),
        Just(Kind::VariableDecimal),
        Just(Kind::Date),
        Just(Kind::TimeMillis),
        Just(Kind::MicroTime),
        Just(Kind::NanoTime),
        Just(Kind::TimestampMillis),
        Just(Kind::MicroTimestamp),
        Just(Kind::NanoTimestamp),
        Just(Kind::ZonedTimestamp),
        Just(Kind::ZonedTime),
        Just(Kind::MicroDuration),
        Just(Kind::Interval),
        Just(Kind::Json),
        Just(Kind::Uuid),
    ]
}

fn kind() -> impl Strategy<Value = Kind> {
    leaf().prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|k| Kind::Array(Box::new(k))),
            (any::<bool>(), inner.clone()).prop_map(|(text, v)| Kind::Map(text, Box::new(v))),
            proptest::collection::vec(inner, 1..4).prop_map(Kind::Struct),
        ]
    })
}

/// A column: its type and a value of it, null, or (where it has a form) unavailable.
fn column() -> impl Strategy<Value = (Kind, Value)> {
    kind().prop_flat_map(|kind| {
        let value = if kind.has_placeholder() {
            prop_oneof![8 => kind.value(), 1 => Just(Value::Null), 1 => Just(Value::Unavailable)].boxed()
        } else {
            prop_oneof![8 => kind.value(), 1 => Just(Value::Null)].boxed()
        };
        (Just(kind), value)
    })
}

/// The envelope schema of a table of `columns`, and its `after` struct.
fn envelope(columns: &[(Kind, Value)]) -> (Json, Json) {
    let fields: Vec<Json> = columns
        .iter()
        .enumerate()
        .map(|(i, (k, _))| field(&format!("c{i}"), k))
        .collect();
    let row = json!({"type": "struct", "optional": true, "name": "db.public.t.Value", "fields": fields});
    let mut before = row.clone();
    before["field"] = json!("before");
    let mut after = row;
    after["field"] = json!("after");
    let schema = json!({"type": "struct", "optional": false, "name": "db.public.t.Envelope", "fields": [
        before, after.clone(),
        {"type": "string", "optional": false, "field": "op"},
        {"type": "int64", "optional": true, "field": "ts_ms"}]});
    (schema, after)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn typed_values_round_trip_through_the_schema_envelope_and_avro(
        columns in proptest::collection::vec(column(), 1..6)
    ) {
        let row: Row = columns.iter().enumerate().map(|(i, (_, v))| (format!("c{i}"), v.clone())).collect();
        let (schema, after) = envelope(&columns);
        let event = ChangeEvent::new(Operation::Create, None, Some(row.clone()), Source::default()).unwrap();
        let record = DebeziumRecord {
            event,
            schema: Some(schema),
            key_schema: None,
        };
        let bytes = DebeziumJson::encode(&record);
        let back = DebeziumJson.decode(None, Some(&bytes)).unwrap().into_change().unwrap();
        prop_assert_eq!(back.event.after.as_ref(), Some(&row), "{}", String::from_utf8_lossy(&bytes));
        prop_assert_eq!(DebeziumJson::encode(&back), bytes);

        let codec = DebeziumAvro::new("db.public.t", RowSchema::from_connect("Value", &after).unwrap()).unwrap();
        let avro = codec.encode_binary(&back.event).unwrap();
        let from_avro = codec.decode(None, Some(&avro)).unwrap().into_change().unwrap();
        prop_assert_eq!(from_avro.after.as_ref(), Some(&row));
    }
}
