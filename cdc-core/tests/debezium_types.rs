//! Column types as Debezium writes them, one golden event per family of types in
//! `tests/golden/debezium/types/` (its README says which Debezium test or document each
//! value comes from). Every event decodes to typed values, re-encodes to the same JSON
//! with its schema and as a plain payload, and carries the same rows through the Avro
//! form built from its Connect schema.

use cdc_core::avro::RowSchema;
use cdc_core::{DebeziumAvro, DebeziumJson, DebeziumRecord, Decode, JsonText, Row, Value};
use serde_json::Value as Json;

fn golden(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/golden/debezium/types/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The record of golden `name`, after checking every round trip.
fn round_trips(name: &str) -> DebeziumRecord {
    let bytes = golden(name);
    let original: Json = serde_json::from_slice(&bytes).unwrap();
    let record = DebeziumJson
        .decode(None, Some(&bytes))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .into_change()
        .expect("not a tombstone");
    // With its schema: the same JSON back.
    let again: Json = serde_json::from_slice(&DebeziumJson::encode(&record)).unwrap();
    assert_eq!(again, original, "{name} re-encodes to the same JSON");
    // The payload alone (schemas.enable=false): the same JSON back, by both decoders.
    let plain = serde_json::to_vec(&original["payload"]).unwrap();
    let plain_event = DebeziumJson
        .decode(None, Some(&plain))
        .unwrap()
        .into_change()
        .unwrap()
        .event;
    assert_eq!(
        Some(&plain_event),
        DebeziumJson::decode_reference(&plain)
            .unwrap()
            .as_ref()
            .map(|r| &r.event)
    );
    let plain_again: Json = serde_json::from_slice(&DebeziumJson::encode_event(&plain_event)).unwrap();
    assert_eq!(
        plain_again, original["payload"],
        "{name}: the plain payload re-encodes"
    );
    // The Avro form of the table, from the Connect schema of its rows: the same rows back,
    // which write the same JSON.
    let schema = record.schema.as_ref().unwrap();
    let after_schema = schema["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "after")
        .unwrap();
    let rows = RowSchema::from_connect("Value", after_schema).unwrap_or_else(|e| panic!("{name}: {e}"));
    let codec = DebeziumAvro::new("dbserver1.public.t", rows).unwrap();
    let avro = codec
        .encode_binary(&record.event)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let from_avro = codec.decode(None, Some(&avro)).unwrap().into_change().unwrap();
    // (Compared as the JSON they write: a NaN float is not equal to itself.)
    let mut through_avro = record.clone();
    through_avro.event.before = from_avro.before;
    through_avro.event.after = from_avro.after;
    let json: Json = serde_json::from_slice(&DebeziumJson::encode(&through_avro)).unwrap();
    for side in ["before", "after"] {
        assert_eq!(
            json["payload"][side], original["payload"][side],
            "{name}: {side} through Avro"
        );
    }
    record
}

fn after_row(record: &DebeziumRecord) -> &Row {
    record.event.after.as_ref().expect("an after row")
}

fn text(s: &str) -> Value {
    Value::String(s.to_owned())
}

fn json_text(s: &str) -> Value {
    Value::Json(JsonText::new(s).unwrap())
}

#[test]
fn numbers_and_floats_that_are_not_numbers() {
    let record = round_trips("pg_numeric_types.json");
    let after = after_row(&record);
    assert_eq!(after.get("si"), Some(&Value::Int(1)));
    assert_eq!(after.get("r"), Some(&Value::Float(3.3)));
    assert_eq!(after.get("o"), Some(&Value::Int(4_000_000_000)));
    assert!(matches!(after.get("db_nan"), Some(Value::Float(f)) if f.is_nan()));
    assert_eq!(after.get("r_pinf"), Some(&Value::Float(f64::INFINITY)));
    assert_eq!(after.get("db_ninf"), Some(&Value::Float(f64::NEG_INFINITY)));
}

#[test]
fn decimals_of_fixed_and_variable_scale() {
    let record = round_trips("pg_decimal_precise.json");
    let after = after_row(&record);
    let dec = |unscaled, scale| Value::Decimal { unscaled, scale };
    assert_eq!(after.get("d"), Some(&dec(110, 2)));
    assert_eq!(after.get("dvs"), Some(&dec(101_111, 4)));
    assert_eq!(after.get("nvs_int"), Some(&dec(22, 0)));
    assert_eq!(after.get("dvs_nan"), Some(&Value::Null));
    assert_eq!(after.get("csh"), Some(&dec(-123_411, 2)));
}

#[test]
fn decimals_as_text_and_as_doubles() {
    let strings = round_trips("pg_decimal_string.json");
    assert_eq!(after_row(&strings).get("n"), Some(&text("22.2200")));
    assert_eq!(after_row(&strings).get("nvs_nan"), Some(&text("NAN")));
    let doubles = round_trips("pg_decimal_double.json");
    assert_eq!(after_row(&doubles).get("dvs"), Some(&Value::Float(10.1111)));
    assert!(matches!(after_row(&doubles).get("n_nan"), Some(Value::Float(f)) if f.is_nan()));
}

#[test]
fn dates_times_timestamps_and_durations() {
    let record = round_trips("pg_temporal_types.json");
    let after = after_row(&record);
    assert_eq!(after.get("ts"), Some(&Value::Timestamp(1_478_267_490_123_456)));
    assert_eq!(after.get("ts_ms"), Some(&Value::Timestamp(1_478_267_490_123_000)));
    assert_eq!(
        after.get("tsneg"),
        Some(&Value::Timestamp(-1_047_174_587_392_000))
    );
    assert_eq!(after.get("date"), Some(&Value::Date(17_109)));
    assert_eq!(after.get("tip"), Some(&Value::Time(49_890_123_000)));
    assert_eq!(after.get("ttf"), Some(&Value::Time(86_400_000_000)));
    assert_eq!(after.get("ttz"), Some(&Value::TimeTz("11:51:30.123789Z".into())));
    assert_eq!(after.get("it"), Some(&Value::Duration(37_091_106_780_000)));
    assert_eq!(
        after.get("ts_pinf"),
        Some(&Value::Timestamp(9_223_372_036_825_200_000))
    );
    assert_eq!(after.get("tz_pinf"), Some(&Value::TimestampTz("infinity".into())));
    let interval = round_trips("pg_interval_string.json");
    assert_eq!(
        after_row(&interval).get("it"),
        Some(&Value::Interval("P1Y2M3DT4H5M6.78S".into()))
    );
}

#[test]
fn nanoseconds_keep_every_digit() {
    let record = round_trips("nano_and_zoned_times.json");
    let after = after_row(&record);
    assert_eq!(
        after.get("order_date_nanos"),
        Some(&Value::TimestampNanos(1_531_481_025_340_000_104))
    );
    assert_eq!(
        after.get("start_time_nanos"),
        Some(&Value::TimeNanos(40_530_123_456_789))
    );
    assert_eq!(
        after.get("order_date_zoned_time"),
        Some(&Value::TimeTz("11:15:30.123456789+00:00".into()))
    );
    assert_eq!(
        after.get("order_date_timestamp"),
        Some(&Value::Timestamp(1_514_908_810_123_000))
    );
}

#[test]
fn bit_strings_and_bytes() {
    let record = round_trips("pg_bit_and_binary_types.json");
    let after = after_row(&record);
    assert_eq!(after.get("ba"), Some(&Value::Bytes(vec![1, 2, 3])));
    assert_eq!(after.get("bol2"), Some(&Value::Bool(true)));
    assert_eq!(after.get("bs7"), Some(&Value::Bits(vec![64])));
    assert_eq!(after.get("bv"), Some(&Value::Bits(vec![])));
    assert_eq!(
        after.get("bvl"),
        Some(&Value::Bits(vec![0, 0, 0, 0, 0, 0, 0, 0x80]))
    );
}

#[test]
fn json_keeps_its_text_and_uuids_read_as_uuids() {
    let record = round_trips("pg_text_types.json");
    let after = after_row(&record);
    assert_eq!(after.get("jb"), Some(&json_text(r#"{"bar": "baz"}"#)));
    assert_eq!(after.get("x"), Some(&text("<foo>bar</foo><foo>bar</foo>")));
    assert_eq!(
        after.get("u"),
        Some(&Value::Uuid(0xa0eebc99_9c0b_4ef8_bb6d_6bb9bd380a11))
    );
}

#[test]
fn geometries_are_structs_of_typed_fields() {
    let record = round_trips("pg_geometry_types.json");
    let after = after_row(&record);
    let Some(Value::Struct(point)) = after.get("p") else {
        panic!("a point is a struct: {:?}", after.get("p"));
    };
    assert_eq!(point.get("x"), Some(&Value::Float(1.0)));
    assert!(matches!(point.get("wkb"), Some(Value::Bytes(wkb)) if wkb.len() == 21));
    assert_eq!(point.get("srid"), Some(&Value::Null));
    let Some(Value::Struct(geometry)) = after.get("pg") else {
        panic!("a geometry is a struct");
    };
    assert_eq!(geometry.get("srid"), Some(&Value::Int(3187)));
    assert!(matches!(after.get("ga"), Some(Value::Array(items)) if items.len() == 2));
}

#[test]
fn hstore_as_map_and_as_json() {
    let record = round_trips("pg_hstore_map.json");
    let after = after_row(&record);
    let Some(Value::Array(maps)) = after.get("hsarr") else {
        panic!("an array of maps");
    };
    assert_eq!(
        maps[0],
        Value::Map(vec![(text("key4"), text("val4")), (text("key5"), Value::Null)])
    );
    let json = round_trips("pg_hstore_json.json");
    assert_eq!(
        after_json(&json, "hs"),
        &json_text(r#"{"key1":"val1","key2":"val2","key3":"val3"}"#)
    );
}

fn after_json<'r>(record: &'r DebeziumRecord, column: &str) -> &'r Value {
    after_row(record).get(column).expect("the column")
}

#[test]
fn arrays_of_every_item_type() {
    let record = round_trips("pg_array_types.json");
    let after = after_row(&record);
    assert_eq!(
        after.get("int_array"),
        Some(&Value::Array(vec![Value::Int(1), Value::Int(2), Value::Int(3)]))
    );
    assert_eq!(
        after.get("date_array"),
        Some(&Value::Array(vec![
            Value::Date(17_109),
            Value::Date(17_110),
            Value::Date(17_111)
        ]))
    );
    assert_eq!(
        after.get("varnumeric_array"),
        Some(&Value::Array(vec![
            Value::Decimal {
                unscaled: 11,
                scale: 1
            },
            Value::Decimal {
                unscaled: 222,
                scale: 2
            },
            Value::Decimal {
                unscaled: 3333,
                scale: 3
            },
        ]))
    );
    assert!(matches!(after.get("uuid_array"), Some(Value::Array(u)) if matches!(u[1], Value::Uuid(_))));
    assert_eq!(after.get("int_array_null"), Some(&Value::Null));
}

#[test]
fn unchanged_toasted_columns_are_unavailable_in_every_type() {
    let record = round_trips("pg_toasted_update.json");
    let after = after_row(&record);
    assert_eq!(after.get("not_toast"), Some(&Value::Int(2)));
    for column in [
        "text",
        "mandatory_text",
        "bytea_",
        "mandatory_text_array",
        "varchar_array",
        "date_array",
        "bytea_array",
        "int_array",
        "bigint_array",
        "json_array",
        "uuid_array",
        "jsonb",
        "hstore_map",
    ] {
        assert_eq!(after.get(column), Some(&Value::Unavailable), "{column}");
    }
    // An hstore in json mode has the same schema as jsonb: the text tells them apart.
    let hstore = after.get("hstore_json").unwrap();
    assert!(matches!(hstore, Value::Json(_)) && hstore.is_unavailable());
}

#[test]
fn mysql_enums_sets_bits_years_and_geometry() {
    let record = round_trips("mysql_types.json");
    let after = after_row(&record);
    assert_eq!(after.get("c1"), Some(&text("b")));
    assert_eq!(after.get("c2"), Some(&text("a,b")));
    assert_eq!(after.get("b2"), Some(&Value::Bits(vec![2])));
    assert_eq!(
        after.get("b4"),
        Some(&Value::Bits(vec![219, 14, 110, 1, 0, 0, 0, 0]))
    );
    assert_eq!(after.get("y"), Some(&Value::Int(2014)));
    assert_eq!(after.get("t"), Some(&Value::Time(64_264_780_000)));
    assert_eq!(after.get("j"), Some(&json_text(r#"{"a": 1, "b": [1, 2.50]}"#)));
    let Some(Value::Struct(point)) = after.get("point") else {
        panic!("a geometry is a struct");
    };
    assert_eq!(point.get("srid"), Some(&Value::Int(4326)));
}
