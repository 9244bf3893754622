//! The rows of both envelopes' Avro forms: the row schema, and the conversion of rows to
//! and from Avro records.

use apache_avro::types::Value as Avro;
use serde_json::Value as Json;

use super::column::{ColumnType, decode_fields, encode_fields, record};
use crate::error::Result;
use crate::row::Row;

/// The name and column types of a table's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowSchema {
    /// The Avro record name (`Value` for Debezium, `Data` for Replicate).
    pub name: String,
    /// Columns in table order.
    pub columns: Vec<(String, ColumnType)>,
}

impl RowSchema {
    /// Column types guessed from one row's values (a null column becomes a string).
    pub fn infer(name: impl Into<String>, row: &Row) -> RowSchema {
        RowSchema {
            name: name.into(),
            columns: row
                .iter()
                .map(|(c, v)| (c.to_owned(), ColumnType::of(v)))
                .collect(),
        }
    }

    /// The Avro record schema, every column a nullable union. Records a column's type
    /// defines are named after the row and the column (`Value_location`).
    pub fn to_json(&self) -> Json {
        record(&self.name, &self.columns)
    }

    /// A row as an Avro record of this schema; errors name `format` and the column's path.
    pub(crate) fn encode_row(&self, row: &Row, path: &str, format: &'static str) -> Result<Avro> {
        encode_fields(row, &self.columns, path, format)
    }

    /// A row from an Avro record of this schema; errors name `format` and the column's path.
    pub(crate) fn decode_row(&self, record: &Avro, path: &str, format: &'static str) -> Result<Row> {
        decode_fields(record, &self.columns, path, format)
    }
}
