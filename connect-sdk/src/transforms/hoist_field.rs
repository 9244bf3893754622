//! `org.apache.kafka.connect.transforms.HoistField$Key` and `$Value`: a part becomes a
//! struct (or map) of one field holding it.

use std::collections::HashMap;

use super::{Part, Transform};
use crate::config::ConfigReader;
use crate::data::{Schema, SchemaBuilder, Struct, Value};
use crate::error::Result;
use crate::record::ConnectRecord;

/// Wraps the key or value in a struct (schemaless: a map) with one field, `field`.
#[derive(Debug)]
pub struct HoistField {
    part: Part,
    field: String,
    /// Wrapping schemas made, by the wrapped schema's address.
    schemas: HashMap<usize, (Schema, Schema)>,
}

impl HoistField {
    /// Configured by `field`.
    pub fn configure(part: Part, config: &ConfigReader<'_>) -> Result<Self> {
        Ok(HoistField {
            part,
            field: config.required_string("field")?.to_owned(),
            schemas: HashMap::new(),
        })
    }
}

impl Transform for HoistField {
    fn apply(&mut self, record: ConnectRecord) -> Result<Option<ConnectRecord>> {
        let (schema, value) = self.part.of(&record);
        let Some(schema) = schema else {
            let hoisted = Value::Map(vec![(Value::String(self.field.clone()), value.clone())]);
            return Ok(Some(self.part.replace(record, None, hoisted)));
        };
        let wrapper = match self.schemas.get(&schema.address()) {
            Some((_, wrapper)) => wrapper.clone(),
            None => {
                let wrapper = SchemaBuilder::record()
                    .field(self.field.clone(), schema.clone())?
                    .build();
                self.schemas
                    .insert(schema.address(), (schema.clone(), wrapper.clone()));
                wrapper
            }
        };
        let mut hoisted = Struct::new(wrapper.clone())?;
        hoisted.put(&self.field, value.clone())?;
        Ok(Some(self.part.replace(
            record,
            Some(wrapper),
            Value::Struct(hoisted),
        )))
    }
}
