//! Avro binary in and out, and reading the fields of decoded records.

use apache_avro::types::Value as Avro;
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

/// The Avro schema of its JSON form (the codecs' own schemas).
pub(crate) fn parse_schema(json: &Json, format: &'static str) -> Result<apache_avro::Schema> {
    apache_avro::Schema::parse(json).map_err(|source| Error::Avro {
        format,
        field: "(schema)".into(),
        offset: None,
        source,
    })
}
