//! Source offsets as Kafka Connect stores them in `offset.storage.topic`: the key is the
//! JSON array `["<connector>", {partition}]`, the value the JSON offset (the
//! `JsonConverter`'s schemaless bytes), so a topic written by either worker reads in
//! the other.

use std::collections::BTreeMap;

use parking_lot::Mutex;

use crate::connector::OffsetReader;
use crate::convert::{Converter, JsonConverter};
use crate::data::Value;
use crate::error::{Error, Result};

/// The JSON bytes of a schemaless value.
pub(crate) fn json_bytes(value: &Value) -> Result<Vec<u8>> {
    Ok(JsonConverter::new(false)
        .encode("", None, value)?
        .unwrap_or_else(|| b"null".to_vec()))
}

/// The schemaless value of JSON bytes.
pub(crate) fn json_value(bytes: &[u8]) -> Result<Value> {
    Ok(JsonConverter::new(false).decode("", Some(bytes))?.1)
}

/// The offsets topic key of `partition` of `connector`.
pub(crate) fn offset_key(connector: &str, partition: &Value) -> Result<Vec<u8>> {
    json_bytes(&Value::Array(vec![Value::from(connector), partition.clone()]))
}

/// The connector and partition an offsets topic key names, if it is one.
pub(crate) fn parse_offset_key(key: &[u8]) -> Option<(String, serde_json::Value)> {
    let serde_json::Value::Array(mut parts) = serde_json::from_slice(key).ok()? else {
        return None;
    };
    if parts.len() != 2 {
        return None;
    }
    let partition = parts.pop()?;
    let serde_json::Value::String(connector) = parts.pop()? else {
        return None;
    };
    Some((connector, partition))
}

/// A schemaless value of a JSON document (the REST API's offsets).
pub(crate) fn from_json(json: &serde_json::Value) -> Result<Value> {
    json_value(json.to_string().as_bytes())
}

/// The offsets a source task resumes from: those of its connector, read at its start.
#[derive(Debug, Default)]
pub(crate) struct StoredOffsets {
    connector: String,
    by_key: Mutex<BTreeMap<Vec<u8>, Vec<u8>>>,
}

impl StoredOffsets {
    pub(crate) fn new(connector: &str, by_key: BTreeMap<Vec<u8>, Vec<u8>>) -> Self {
        StoredOffsets {
            connector: connector.to_owned(),
            by_key: Mutex::new(by_key),
        }
    }
}

impl OffsetReader for StoredOffsets {
    fn offset(&self, partition: &Value) -> Result<Option<Value>> {
        let key = offset_key(&self.connector, partition)?;
        match self.by_key.lock().get(&key) {
            Some(bytes) => json_value(bytes).map(Some).map_err(|e| {
                Error::data(format!(
                    "the stored offset of connector {} for partition {} is not JSON: {e}",
                    self.connector,
                    String::from_utf8_lossy(&key)
                ))
            }),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_kafka_connects() {
        let partition = Value::Map(vec![(Value::from("filename"), Value::from("/tmp/in.txt"))]);
        let key = offset_key("file-source", &partition).unwrap();
        assert_eq!(
            String::from_utf8(key.clone()).unwrap(),
            r#"["file-source",{"filename":"/tmp/in.txt"}]"#
        );
        let (connector, json) = parse_offset_key(&key).unwrap();
        assert_eq!(connector, "file-source");
        assert_eq!(json, serde_json::json!({"filename": "/tmp/in.txt"}));
        assert_eq!(from_json(&json).unwrap(), partition);
        assert_eq!(parse_offset_key(b"not json"), None);
    }
}
