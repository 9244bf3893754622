//! Kafka Connect's data model: schemas, values, structs and the logical types.

pub mod logical;
mod schema;
mod structs;
mod value;

pub use logical::Decimal;
pub use schema::{Field, Schema, SchemaBuilder, Type};
pub use structs::Struct;
pub use value::Value;
