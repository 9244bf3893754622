//! `org.apache.kafka.connect.transforms.ReplaceField$Key` and `$Value`: fields kept,
//! dropped and renamed.

use std::collections::HashMap;

use super::insert_field::copy_basics;
use super::{Part, Transform, require_map, require_struct};
use crate::config::ConfigReader;
use crate::data::{Schema, Struct, Value};
use crate::error::{Error, Result};
use crate::record::ConnectRecord;

const PURPOSE: &str = "field replacement";

/// Keeps the fields of `include` (all when empty) that `exclude` does not name, and
/// renames them by `renames` (`old:new,...`). A null part passes unchanged.
#[derive(Debug)]
pub struct ReplaceField {
    part: Part,
    exclude: Vec<String>,
    include: Vec<String>,
    renames: Vec<(String, String)>,
    replace_null_with_default: bool,
    schemas: HashMap<usize, (Schema, Schema)>,
}

impl ReplaceField {
    /// Configured by `exclude`, `include`, `renames` and `replace.null.with.default`.
    pub fn configure(part: Part, config: &ConfigReader<'_>) -> Result<Self> {
        let exclude = config.list("exclude").unwrap_or_default();
        let include = config.list("include").unwrap_or_default();
        let mut renames = Vec::new();
        for mapping in config.list("renames").unwrap_or_default() {
            let parts: Vec<&str> = mapping.split(':').collect();
            match parts.as_slice() {
                [from, to] if !from.is_empty() && !to.is_empty() => {
                    renames.push((from.to_string(), to.to_string()))
                }
                _ => {
                    return Err(Error::config(
                        "renames",
                        format!("[{}]", config.list("renames").unwrap_or_default().join(", ")),
                        format!("Invalid rename mapping: {mapping}"),
                    ));
                }
            }
        }
        Ok(ReplaceField {
            part,
            exclude,
            include,
            renames,
            replace_null_with_default: config.boolean("replace.null.with.default", true)?,
            schemas: HashMap::new(),
        })
    }

    fn keeps(&self, field: &str) -> bool {
        !self.exclude.iter().any(|f| f == field)
            && (self.include.is_empty() || self.include.iter().any(|f| f == field))
    }

    fn renamed<'f>(&'f self, field: &'f str) -> &'f str {
        self.renames
            .iter()
            .find(|(from, _)| from == field)
            .map_or(field, |(_, to)| to.as_str())
    }
}

impl Transform for ReplaceField {
    fn apply(&mut self, record: ConnectRecord) -> Result<Option<ConnectRecord>> {
        let (schema, value) = self.part.of(&record);
        if value.is_null() {
            return Ok(Some(record));
        }
        let Some(schema) = schema else {
            let entries = require_map(value, PURPOSE)?
                .iter()
                .filter_map(|(k, v)| {
                    let name = k.as_str()?;
                    self.keeps(name)
                        .then(|| (Value::String(self.renamed(name).to_owned()), v.clone()))
                })
                .collect();
            return Ok(Some(self.part.replace(record, None, Value::Map(entries))));
        };
        let original = require_struct(value, PURPOSE)?;
        let updated_schema = match self.schemas.get(&schema.address()) {
            Some((_, updated)) => updated.clone(),
            None => {
                let mut builder = copy_basics(schema);
                for field in schema.fields().iter().filter(|f| self.keeps(f.name())) {
                    builder = builder.field(self.renamed(field.name()), field.schema().clone())?;
                }
                let updated = builder.build();
                self.schemas
                    .insert(schema.address(), (schema.clone(), updated.clone()));
                updated
            }
        };
        let mut updated = Struct::new(updated_schema.clone())?;
        for field in schema.fields().iter().filter(|f| self.keeps(f.name())) {
            let v = if self.replace_null_with_default {
                original.get_or_default(field.name())?
            } else {
                original.get(field.name())?
            };
            updated.put(self.renamed(field.name()), v.clone())?;
        }
        Ok(Some(self.part.replace(
            record,
            Some(updated_schema),
            Value::Struct(updated),
        )))
    }
}
