//! Avro binary in and out, and reading the fields of decoded records.

use std::sync::Arc;

use apache_avro::reader::datum::GenericDatumReader;
use apache_avro::types::Value as Avro;
use apache_avro::writer::datum::GenericDatumWriter;
use serde_json::Value as Json;

use super::FORMAT;
use crate::error::{Error, Result};

/// The field `name` of a record's fields, its union unwrapped.
pub(crate) fn field<'a>(fields: &'a [(String, Avro)], name: &str, format: &'static str) -> Result<&'a Avro> {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| unwrap_union(v))
        .ok_or_else(|| Error::MissingField {
            format,
            field: name.to_owned(),
        })
}

/// The value inside a union, or the value itself.
pub(crate) fn unwrap_union(v: &Avro) -> &Avro {
    match v {
        Avro::Union(_, inner) => inner,
        other => other,
    }
}

/// The error of a value of the wrong Avro type at `field`.
pub(crate) fn wrong(format: &'static str, field: &str, expected: &'static str, found: &Avro) -> Error {
    Error::WrongType {
        format,
        field: field.to_owned(),
        expected,
        found: format!("{:?}", apache_avro::schema::SchemaKind::from(found)),
    }
}

/// An Avro value as JSON, for the parts read through the JSON readers (source blocks,
/// headers): strings, numbers, booleans, nulls, with unions unwrapped.
pub(crate) fn to_json(v: &Avro) -> Json {
    match unwrap_union(v) {
        Avro::Null => Json::Null,
        Avro::Boolean(b) => Json::Bool(*b),
        Avro::Int(i) => Json::from(*i),
        Avro::Long(i) => Json::from(*i),
        Avro::String(s) | Avro::Enum(_, s) => Json::String(s.clone()),
        Avro::Bytes(b) => Json::String(crate::replicate::mask::hex(b)),
        Avro::Record(fields) => Json::Object(fields.iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
        other => Json::String(format!("{other:?}")),
    }
}

/// Decodes Avro binary with `schema` into a value: truncated or malformed input is an
/// error naming the format and how far the reader got, never a panic.
pub fn decode_datum(schema: &apache_avro::Schema, bytes: &[u8]) -> Result<Avro> {
    read_datum(schema, bytes, FORMAT, "(datum)")
}

/// Encodes a value as Avro binary with `schema`.
pub fn encode_datum(schema: &apache_avro::Schema, value: Avro) -> Result<Vec<u8>> {
    write_datum(schema, value, FORMAT, "(datum)")
}

/// Decodes `bytes`, the part `field` of a `format` record, with `schema`.
pub(crate) fn read_datum(
    schema: &apache_avro::Schema,
    bytes: &[u8],
    format: &'static str,
    field: &str,
) -> Result<Avro> {
    let mut rest = bytes;
    apache_avro::reader::datum::GenericDatumReader::builder(schema)
        .build()
        .and_then(|reader| reader.read_value(&mut rest))
        .map_err(|source| Error::Avro {
            format,
            field: field.to_owned(),
            offset: Some(bytes.len() - rest.len()),
            source,
        })
}

/// Encodes `value`, the part `field` of a `format` record, with `schema`.
pub(crate) fn write_datum(
    schema: &apache_avro::Schema,
    value: Avro,
    format: &'static str,
    field: &str,
) -> Result<Vec<u8>> {
    apache_avro::writer::datum::GenericDatumWriter::builder(schema)
        .build()
        .and_then(|writer| writer.write_value_to_vec(value))
        .map_err(|source| Error::Avro {
            format,
            field: field.to_owned(),
            offset: None,
            source,
        })
}

/// A parsed Avro schema with the names it refers to resolved once, for reading and
/// writing many values with it (resolving them for each value costs about as much as
/// decoding a small record). Clones share it.
#[derive(Clone)]
pub(crate) struct CompiledSchema(Arc<Compiled>);

#[ouroboros::self_referencing]
struct Compiled {
    schema: apache_avro::Schema,
    #[borrows(schema)]
    #[covariant]
    reader: GenericDatumReader<'this>,
    #[borrows(schema)]
    #[covariant]
    writer: GenericDatumWriter<'this>,
}

impl CompiledSchema {
    /// The schema of its JSON form (the codecs' own schemas), compiled.
    pub(crate) fn parse(json: &Json, format: &'static str) -> Result<Self> {
        Self::new(parse_schema(json, format)?, format)
    }

    /// `schema`, compiled; an error when a name it refers to is not defined in it.
    pub(crate) fn new(schema: apache_avro::Schema, format: &'static str) -> Result<Self> {
        let compiled = CompiledTryBuilder {
            schema,
            reader_builder: |schema| GenericDatumReader::builder(schema).build(),
            writer_builder: |schema| GenericDatumWriter::builder(schema).build(),
        }
        .try_build()
        .map_err(|source| Error::Avro {
            format,
            field: "(schema)".into(),
            offset: None,
            source,
        })?;
        Ok(Self(Arc::new(compiled)))
    }

    /// The schema.
    pub(crate) fn schema(&self) -> &apache_avro::Schema {
        self.0.borrow_schema()
    }

    /// Decodes `bytes`, the part `field` of a `format` record: truncated or malformed
    /// input is an error naming how far the reader got, never a panic.
    pub(crate) fn read(&self, bytes: &[u8], format: &'static str, field: &str) -> Result<Avro> {
        let mut rest = bytes;
        self.0
            .borrow_reader()
            .read_value(&mut rest)
            .map_err(|source| Error::Avro {
                format,
                field: field.to_owned(),
                offset: Some(bytes.len() - rest.len()),
                source,
            })
    }

    /// Encodes `value`, the part `field` of a `format` record.
    pub(crate) fn write(&self, value: Avro, format: &'static str, field: &str) -> Result<Vec<u8>> {
        self.0
            .borrow_writer()
            .write_value_to_vec(value)
            .map_err(|source| Error::Avro {
                format,
                field: field.to_owned(),
                offset: None,
                source,
            })
    }
}

impl std::fmt::Debug for CompiledSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("CompiledSchema").field(self.schema()).finish()
    }
}

/// The Avro schema of its JSON form (the codecs' own schemas).
pub(crate) fn parse_schema(json: &Json, format: &'static str) -> Result<apache_avro::Schema> {
    apache_avro::Schema::parse(json).map_err(|source| Error::Avro {
        format,
        field: "(schema)".into(),
        offset: None,
        source,
    })
}
