//! The key of an Avro codec's records: a record of the primary-key columns.

use super::datum::CompiledSchema;
use super::rows::RowSchema;
use crate::error::{Error, Result};
use crate::row::Row;

/// A key's columns and their Avro schema.
#[derive(Debug, Clone)]
pub(crate) struct KeySchema {
    rows: RowSchema,
    schema: CompiledSchema,
}

impl KeySchema {
    /// The key of `rows`' columns, for the codec of `format`.
    pub(crate) fn new(rows: RowSchema, format: &'static str) -> Result<Self> {
        let schema = CompiledSchema::parse(&rows.to_json(), format)?;
        Ok(Self { rows, schema })
    }

    /// The key columns of `key` as Avro binary.
    pub(crate) fn encode(&self, key: &Row, format: &'static str) -> Result<Vec<u8>> {
        self.schema
            .write(self.rows.encode_row(key, "key", format)?, format, "(key)")
    }

    /// The key columns of Avro binary.
    pub(crate) fn decode(&self, bytes: &[u8], format: &'static str) -> Result<Row> {
        self.rows
            .decode_row(&self.schema.read(bytes, format, "(key)")?, "key", format)
    }
}

/// A record key as Avro binary, with the codec's key columns; an error when the codec has
/// none.
pub(crate) fn encode_key(schema: Option<&KeySchema>, key: &Row, format: &'static str) -> Result<Vec<u8>> {
    match schema {
        Some(schema) => schema.encode(key, format),
        None => Err(Error::InvalidValue {
            format,
            field: "(key)".into(),
            reason: "the codec has no key columns; give them with `with_key`".into(),
        }),
    }
}

/// A record's key columns, when the codec has key columns and the record a key.
pub(crate) fn decode_key(
    schema: Option<&KeySchema>,
    key: Option<&[u8]>,
    format: &'static str,
) -> Result<Option<Row>> {
    match (schema, key) {
        (Some(schema), Some(bytes)) => schema.decode(bytes, format).map(Some),
        _ => Ok(None),
    }
}
