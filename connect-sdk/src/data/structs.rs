//! Structs: a value for each field of a struct schema.

use super::{Schema, Type, Value};
use crate::error::{Error, Result};

/// A value for each field of a struct [`Schema`], checked as it is put.
///
/// ```
/// use connect_sdk::data::{Schema, SchemaBuilder, Struct, Value};
///
/// let schema = SchemaBuilder::record().field("id", Schema::int32())?.build();
/// let mut row = Struct::new(schema)?;
/// row.put("id", 7)?;
/// assert_eq!(row.get("id")?, &Value::Int32(7));
/// assert!(row.put("id", "seven").is_err());
/// # Ok::<(), connect_sdk::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    schema: Schema,
    values: Vec<Value>,
}

impl Struct {
    /// An empty struct of `schema`, which must be a struct schema.
    pub fn new(schema: Schema) -> Result<Self> {
        if schema.kind() != Type::Struct {
            return Err(Error::data(format!("Not a struct schema: {}", schema.kind())));
        }
        let values = vec![Value::Null; schema.fields().len()];
        Ok(Struct { schema, values })
    }

    /// Its schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    fn index_of(&self, name: &str) -> Result<usize> {
        self.schema
            .field(name)
            .map(|f| f.index())
            .ok_or_else(|| Error::data(format!("{name} is not a valid field name")))
    }

    /// The value of field `name` (null when unset); fails when there is no such field.
    pub fn get(&self, name: &str) -> Result<&Value> {
        Ok(&self.values[self.index_of(name)?])
    }

    /// The value of field `name`, or its schema's default when unset (Kafka's
    /// `Struct.get`).
    pub fn get_or_default(&self, name: &str) -> Result<&Value> {
        let index = self.index_of(name)?;
        let value = &self.values[index];
        if value.is_null()
            && let Some(default) = self.schema.fields()[index].schema().default_value()
        {
            return Ok(default);
        }
        Ok(value)
    }

    /// The value of the field at `index`.
    pub fn get_at(&self, index: usize) -> &Value {
        &self.values[index]
    }

    /// The values, in field order.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// Sets field `name`, checked against its schema.
    pub fn put(&mut self, name: &str, value: impl Into<Value>) -> Result<&mut Self> {
        let index = self.index_of(name)?;
        let value = value.into();
        value.validate_field(Some(name), self.schema.fields()[index].schema())?;
        self.values[index] = value;
        Ok(self)
    }

    /// Sets the field at `index` without checking (the caller took the value from a
    /// struct of the same field schema).
    pub(crate) fn put_unchecked(&mut self, index: usize, value: Value) {
        self.values[index] = value;
    }

    /// Takes the value of the field at `index` out, leaving null.
    pub(crate) fn take_at(&mut self, index: usize) -> Value {
        std::mem::replace(&mut self.values[index], Value::Null)
    }

    /// Checks that every required field without a default is set (Kafka's
    /// `Struct.validate`).
    pub fn validate(&self) -> Result<()> {
        for (field, value) in self.schema.fields().iter().zip(&self.values) {
            if value.is_null() && field.schema().default_value().is_some() {
                continue;
            }
            value.validate_field(Some(field.name()), field.schema())?;
        }
        Ok(())
    }
}
