//! Strategies shared by the converter tests: any struct schema with a value of it.

use connect_sdk::data::{Decimal, Schema, SchemaBuilder, Struct, Value, logical};
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
        proptest::collection::btree_map("[a-z]{1,4}", any::<i64>(), 0..4).prop_map(|v| (
            SchemaBuilder::map(Schema::string(), Schema::int64()).build(),
            Value::Map(
                v.into_iter()
                    .map(|(k, n)| (Value::String(k), Value::Int64(n)))
                    .collect()
            )
        )),
        proptest::collection::btree_map(any::<i32>(), any::<bool>(), 0..4).prop_map(|v| (
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
pub fn record() -> impl Strategy<Value = (Schema, Value)> {
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
