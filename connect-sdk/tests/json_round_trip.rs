//! JsonConverter against a model: any value of any schema written and read back (with
//! schemas) is the same value; bytes that are not JSON, or JSON of the wrong shape, are
//! a typed error and never a panic.

use connect_sdk::convert::{Converter, DecimalFormat, JsonConverter};
use connect_sdk::data::{Decimal, Schema, SchemaBuilder, Struct, Type, Value, logical};
use proptest::prelude::*;

/// A primitive or logical field schema and a strategy for its values.
fn field() -> impl Strategy<Value = (Schema, Value)> {
    prop_oneof![
        any::<i8>().prop_map(|v| (Schema::int8(), Value::Int8(v))),
        any::<i16>().prop_map(|v| (Schema::int16(), Value::Int16(v))),
        any::<i32>().prop_map(|v| (Schema::int32(), Value::Int32(v))),
        any::<i64>().prop_map(|v| (Schema::int64(), Value::Int64(v))),
        any::<f32>()
            .prop_filter("finite", |v| v.is_finite())
            .prop_map(|v| (Schema::float32(), Value::Float32(if v == 0.0 { 0.0 } else { v }))),
        any::<f64>()
            .prop_filter("finite", |v| v.is_finite())
            .prop_map(|v| (Schema::float64(), Value::Float64(if v == 0.0 { 0.0 } else { v }))),
        any::<bool>().prop_map(|v| (Schema::boolean(), Value::Boolean(v))),
        ".*".prop_map(|v| (Schema::string(), Value::String(v))),
        proptest::collection::vec(any::<u8>(), 0..20).prop_map(|v| (Schema::bytes(), Value::Bytes(v))),
        (any::<i64>(), 0i32..10).prop_map(|(u, s)| (
            logical::decimal(s).build(),
            Value::Decimal(Decimal::new(i128::from(u), s))
        )),
        any::<i32>().prop_map(|v| (logical::date().build(), Value::Date(v))),
        any::<i64>().prop_map(|v| (logical::timestamp().build(), Value::Timestamp(v))),
        proptest::collection::vec(any::<i32>(), 0..5).prop_map(|v| (
            SchemaBuilder::array(Schema::int32()).build(),
            Value::Array(v.into_iter().map(Value::Int32).collect())
        )),
        proptest::collection::vec(("[a-z]{1,4}", any::<i64>()), 0..4).prop_map(|v| (
            SchemaBuilder::map(Schema::string(), Schema::int64()).build(),
            Value::Map(
                v.into_iter()
                    .map(|(k, n)| (Value::String(k), Value::Int64(n)))
                    .collect()
            )
        )),
        proptest::collection::vec((any::<i32>(), any::<bool>()), 0..4).prop_map(|v| (
            SchemaBuilder::map(Schema::int32(), Schema::boolean()).build(),
            Value::Map(
                v.into_iter()
                    .map(|(k, b)| (Value::Int32(k), Value::Boolean(b)))
                    .collect()
            )
        )),
    ]
}

/// A struct of such fields, some optional and null.
fn record() -> impl Strategy<Value = (Schema, Value)> {
    proptest::collection::vec((field(), any::<bool>(), any::<bool>()), 1..8).prop_map(|fields| {
        let mut builder = SchemaBuilder::record().name("model.Row");
        let mut values = Vec::new();
        for (i, ((schema, value), optional, null)) in fields.into_iter().enumerate() {
            let schema = if optional {
                schema.to_builder().optional().build()
            } else {
                schema
            };
            builder = builder.field(format!("f{i}"), schema).expect("unique names");
            values.push(if optional && null { Value::Null } else { value });
        }
        let schema = builder.build();
        let mut row = Struct::new(schema.clone()).expect("a struct schema");
        for (i, v) in values.into_iter().enumerate() {
            row.put(&format!("f{i}"), v).expect("a valid value");
        }
        (schema, Value::Struct(row))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_value_reads_back_as_written((schema, value) in record(), numeric in any::<bool>()) {
        let format = if numeric { DecimalFormat::Numeric } else { DecimalFormat::Base64 };
        let mut json = JsonConverter::new(true).decimal_format(format);
        let bytes = json.encode("t", Some(&schema), &value).unwrap().unwrap();
        let (read_schema, read) = json.decode("t", Some(&bytes)).unwrap();
        prop_assert_eq!(read_schema.as_ref(), Some(&schema));
        // Maps keep their entries' order, so values compare entry by entry.
        prop_assert_eq!(&read, &value);
        // Read twice: the second time the schema comes from the cache.
        let (_, again) = json.decode("t", Some(&bytes)).unwrap();
        prop_assert_eq!(again, read);
        prop_assert_eq!(schema.kind(), Type::Struct);
    }

    #[test]
    fn arbitrary_bytes_are_an_error_or_a_value(bytes in proptest::collection::vec(any::<u8>(), 0..200), schemas in any::<bool>()) {
        let _ = JsonConverter::new(schemas).decode("t", Some(&bytes));
    }

    #[test]
    fn mangled_envelopes_are_an_error_or_a_value((schema, value) in record(), cut in 0usize..400, byte in any::<u8>()) {
        let mut json = JsonConverter::new(true);
        let mut bytes = json.encode("t", Some(&schema), &value).unwrap().unwrap();
        let at = cut % bytes.len();
        bytes[at] = byte;
        let _ = json.decode("t", Some(&bytes));
        bytes.truncate(at);
        let _ = json.decode("t", Some(&bytes));
    }
}

/// A container schema built without the schemas of what it holds is an error where it
/// is used, never a panic.
#[test]
fn a_container_schema_without_its_element_schemas_is_an_error() {
    for kind in [Type::Array, Type::Map] {
        let schema = SchemaBuilder::new(kind).build();
        let value = match kind {
            Type::Array => Value::Array(vec![Value::Int32(1)]),
            _ => Value::Map(vec![(Value::Int32(1), Value::Int32(2))]),
        };
        assert!(value.validate(&schema).is_err(), "{kind:?}");
        assert!(
            JsonConverter::new(true)
                .encode("t", Some(&schema), &value)
                .is_err(),
            "{kind:?}"
        );
    }
}
