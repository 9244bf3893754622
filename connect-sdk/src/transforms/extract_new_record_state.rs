//! Debezium's `io.debezium.transforms.ExtractNewRecordState`: a change event becomes
//! its row, by `cdc-core`'s [`Unwrap`](cdc_core::Unwrap).

use super::Transform;
use crate::config::Properties;
use crate::convert::{Converter, JsonConverter};
use crate::data::Value;
use crate::error::{Error, Result};
use crate::record::{ConnectRecord, Header};

/// Flattens Debezium change events to their rows with Debezium's options
/// (`delete.tombstone.handling.mode`, `add.fields`, `add.headers`, `route.by.field`
/// ...); records that are not change events pass unchanged.
#[derive(Debug)]
pub struct ExtractNewRecordState {
    unwrap: cdc_core::Unwrap,
}

impl ExtractNewRecordState {
    /// Configured by Debezium's property names, the keys under `prefix`.
    pub fn configure(properties: &Properties, prefix: &str) -> Result<Self> {
        let own = properties
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix(prefix)?, v.as_str())))
            .filter(|(k, _)| !matches!(*k, "type" | "predicate" | "negate"));
        let unwrap = cdc_core::Unwrap::from_properties(own)
            .map_err(|e| Error::config_message(prefix, e.to_string()))?;
        Ok(ExtractNewRecordState { unwrap })
    }
}

impl Transform for ExtractNewRecordState {
    fn apply(&mut self, record: ConnectRecord) -> Result<Option<ConnectRecord>> {
        // The event goes to Debezium's logic as its JSON converter wrote it, and its row
        // comes back the same way.
        let mut json = JsonConverter::new(record.value_schema.is_some()).replace_null_with_default(false);
        let bytes = json.encode(&record.topic, record.value_schema.as_ref(), &record.value)?;
        let unwrapped = self
            .unwrap
            .apply_json(bytes.as_deref())
            .map_err(|e| Error::data(format!("ExtractNewRecordState: {e}")))?;
        let flat = match unwrapped {
            cdc_core::Unwrapped::Dropped => return Ok(None),
            cdc_core::Unwrapped::Unchanged => return Ok(Some(record)),
            cdc_core::Unwrapped::Record(flat) => flat,
        };
        let mut out = record;
        if let Some(topic) = &flat.topic {
            out.topic = topic.clone();
        }
        // Nulls stay null: the transform does not fill in defaults.
        let reader = |schemas: bool| JsonConverter::new(schemas).replace_null_with_default(false);
        let (schema, value) = match flat.encode_json() {
            None => (None, Value::Null),
            Some(bytes) => reader(flat.schema.is_some()).decode(&out.topic, Some(&bytes))?,
        };
        out.value_schema = schema;
        out.value = value;
        for (i, (key, value)) in flat.headers.iter().enumerate() {
            let (schema, value) = match flat.header_schemas.get(i).cloned().flatten() {
                Some(schema) => {
                    let envelope = serde_json::json!({"schema": schema, "payload": value.to_json()});
                    reader(true).decode(&out.topic, Some(envelope.to_string().as_bytes()))?
                }
                None => reader(false).decode(&out.topic, Some(value.to_json().to_string().as_bytes()))?,
            };
            out.headers.push(Header {
                key: key.clone(),
                schema,
                value,
            });
        }
        Ok(Some(out))
    }
}
