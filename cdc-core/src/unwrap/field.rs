//! The entries of `add.fields` and `add.headers`: which envelope field, under which name,
//! and its value in a record.

use serde_json::{Map, Value as Json};

use crate::error::{Error, Result};
use crate::value::Value;

use super::FORMAT;

/// One entry of Debezium's `add.fields` or `add.headers` list: a field of the change
/// event's envelope, and the name it gets in the flattened record.
///
/// An entry is `field`, `struct.field`, or either followed by `:NEW_NAME`. A bare field
/// is looked up where Debezium looks for it: `op`, `ts_ms`, `ts_us` and `ts_ns` at the
/// top of the envelope, `id`, `total_order` and `data_collection_order` in
/// `transaction`, any other name in `source`. The structs are `source`, `transaction`,
/// `before` and `after`. A field missing from its struct is also looked for at the top
/// of the envelope.
///
/// The added name is the prefix (`add.fields.prefix` or `add.headers.prefix`, `__` by
/// default) followed by the new name if one is given, else by `struct_field` for a
/// qualified entry, else by the field: `op` gives `__op`, `source.lsn` `__source_lsn`,
/// `lsn` `__lsn`, `source.lsn:LSN` `__LSN`.
///
/// ```
/// use cdc_core::MetadataField;
/// let f = MetadataField::parse("source.ts_ms")?;
/// assert_eq!((f.struct_name(), f.field()), (Some("source"), "ts_ms"));
/// assert_eq!(f.name("__"), "__source_ts_ms");
/// assert_eq!(MetadataField::parse("id")?.struct_name(), Some("transaction"));
/// assert_eq!(MetadataField::parse("op:OP")?.name("__"), "__OP");
/// # Ok::<(), cdc_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataField {
    /// The struct holding the field; `None` for the top of the envelope.
    parent: Option<&'static str>,
    field: String,
    /// The name after the prefix.
    suffix: String,
}

/// The structs of an envelope whose fields can be added.
const STRUCTS: [&str; 4] = ["source", "transaction", "before", "after"];

impl MetadataField {
    /// An entry as Debezium's lists write it (surrounding spaces ignored). An error for
    /// an empty name, more than one `:` or `.`, or a struct the envelope does not have.
    pub fn parse(entry: &str) -> Result<Self> {
        Self::parse_in(entry, "add.fields")
    }

    /// [`parse`](Self::parse), naming `property` in errors.
    pub(super) fn parse_in(entry: &str, property: &str) -> Result<Self> {
        let invalid = |reason: String| Error::InvalidValue {
            format: FORMAT,
            field: property.to_owned(),
            reason,
        };
        let entry = entry.trim();
        let (path, rename) = match entry.split_once(':') {
            None => (entry, None),
            Some((_, rest)) if rest.contains(':') => {
                return Err(invalid(format!("`{entry}` has more than one `:`")));
            }
            Some((path, rename)) => (path, Some(rename)),
        };
        let (parent, field) = match path.split_once('.') {
            None => (default_struct(path), path),
            Some((_, rest)) if rest.contains('.') => {
                return Err(invalid(format!("`{entry}` has more than one `.`")));
            }
            Some((parent, field)) => {
                let parent = STRUCTS.into_iter().find(|s| *s == parent).ok_or_else(|| {
                    invalid(format!(
                        "`{entry}`: an envelope has no struct `{parent}` (it has {})",
                        STRUCTS.join(", ")
                    ))
                })?;
                (Some(parent), field)
            }
        };
        if field.is_empty() || rename.is_some_and(str::is_empty) {
            return Err(invalid(format!("`{entry}` has an empty name")));
        }
        let suffix = match (rename, path.contains('.')) {
            (Some(rename), _) => rename.to_owned(),
            (None, true) => path.replace('.', "_"),
            (None, false) => field.to_owned(),
        };
        Ok(MetadataField {
            parent,
            field: field.to_owned(),
            suffix,
        })
    }

    /// The entries of a comma-separated list; empty entries are skipped.
    pub(super) fn parse_list(list: &str, property: &str) -> Result<Vec<Self>> {
        list.split(',')
            .filter(|entry| !entry.trim().is_empty())
            .map(|entry| Self::parse_in(entry, property))
            .collect()
    }

    /// The struct the field is looked for in (`source`, `transaction`, `before`,
    /// `after`); `None` for the top of the envelope.
    pub fn struct_name(&self) -> Option<&str> {
        self.parent
    }

    /// The field's name in its struct.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The name the field gets, after `prefix`.
    pub fn name(&self, prefix: &str) -> String {
        format!("{prefix}{}", self.suffix)
    }
}

/// Where Debezium looks for a field named without its struct.
fn default_struct(field: &str) -> Option<&'static str> {
    match field {
        "id" | "total_order" | "data_collection_order" => Some("transaction"),
        "op" | "ts_ms" | "ts_us" | "ts_ns" => None,
        _ => Some("source"),
    }
}

/// The fields of a transaction block, which every Debezium envelope schema declares.
const TRANSACTION_FIELDS: [&str; 3] = ["id", "total_order", "data_collection_order"];

/// A field found in a record: its value, and its Connect schema when the record has one.
pub(super) struct Found<'e> {
    pub(super) value: Value,
    pub(super) schema: Option<&'e Json>,
}

/// An envelope's fields as they can be looked up: the payload as Debezium's JSON
/// converter writes it, and the envelope's Connect schema when the record has one.
pub(super) struct Envelope<'e> {
    pub(super) payload: Map<String, Json>,
    pub(super) schema: Option<&'e Json>,
}

impl<'e> Envelope<'e> {
    /// The field's value in the record; `None` when the record does not have the field
    /// (then Debezium adds nothing). With a schema, what the record has is what its
    /// schema declares; without one, what its payload holds (and, in a `transaction`,
    /// `before` or `after` that is null, the fields such a struct would have).
    pub(super) fn find(&self, f: &MetadataField) -> Result<Option<Found<'e>>> {
        match self.schema {
            Some(schema) => self.find_declared(f, schema),
            None => self.find_present(f),
        }
    }

    fn find_declared(&self, f: &MetadataField, envelope: &'e Json) -> Result<Option<Found<'e>>> {
        let parent_schema = match f.parent {
            None => envelope,
            Some(parent) => schema_field(envelope, parent).ok_or_else(|| Error::InvalidValue {
                format: FORMAT,
                field: f.name(""),
                reason: format!("the envelope's schema has no `{parent}`"),
            })?,
        };
        // Declared in its struct, else at the top of the envelope.
        let (schema, in_parent) = match schema_field(parent_schema, &f.field) {
            Some(schema) => (schema, true),
            None => match schema_field(envelope, &f.field) {
                Some(schema) => (schema, false),
                None => return Ok(None),
            },
        };
        if schema.get("type").and_then(Json::as_str) == Some("struct") {
            return Err(not_primitive(f));
        }
        // A null struct gives a null field, wherever the field was declared.
        let parent = match f.parent {
            None => Some(&self.payload),
            Some(parent) => self.payload.get(parent).and_then(Json::as_object),
        };
        let json = parent.and_then(|p| match in_parent {
            true => p.get(&f.field),
            false => self.payload.get(&f.field),
        });
        let path = f.name("");
        let value = crate::debezium::column_value(json.unwrap_or(&Json::Null), schema, &path)?;
        Ok(Some(Found {
            value,
            schema: Some(schema),
        }))
    }

    fn find_present(&self, f: &MetadataField) -> Result<Option<Found<'e>>> {
        let in_parent = match f.parent {
            None => self.payload.get(&f.field),
            Some(parent) => match self.payload.get(parent) {
                Some(Json::Object(block)) => block.get(&f.field),
                Some(Json::Null) | None if self.would_have(parent, &f.field) => Some(&Json::Null),
                _ => None,
            },
        };
        let Some(json) = in_parent.or_else(|| self.payload.get(&f.field)) else {
            return Ok(None);
        };
        if json.is_object() {
            return Err(not_primitive(f));
        }
        Ok(Some(Found {
            value: Value::from_json(json),
            schema: None,
        }))
    }

    /// Whether a null `parent` would have `field`: a transaction block always declares
    /// its three fields, a row the columns of the event's other row.
    fn would_have(&self, parent: &str, field: &str) -> bool {
        let other = match parent {
            "transaction" => return TRANSACTION_FIELDS.contains(&field),
            "before" => "after",
            "after" => "before",
            _ => return false,
        };
        self.payload
            .get(other)
            .and_then(Json::as_object)
            .is_some_and(|row| row.contains_key(field))
    }
}

fn not_primitive(f: &MetadataField) -> Error {
    Error::InvalidValue {
        format: FORMAT,
        field: f.name(""),
        reason: "a struct cannot be added to the flattened record".into(),
    }
}

/// The schema of field `name` of a Connect struct schema.
pub(super) fn schema_field<'s>(schema: &'s Json, name: &str) -> Option<&'s Json> {
    named(schema.get("fields")?.as_array()?, name)
}

/// The field called `name` among a struct schema's `fields`.
pub(super) fn named<'s>(fields: &'s [Json], name: &str) -> Option<&'s Json> {
    fields
        .iter()
        .find(|f| f.get("field").and_then(Json::as_str) == Some(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_named_as_debezium_names_them() {
        let name = |entry: &str| MetadataField::parse(entry).unwrap().name("__");
        assert_eq!(name("op"), "__op");
        assert_eq!(name("source.lsn"), "__source_lsn");
        assert_eq!(name("lsn"), "__lsn");
        assert_eq!(name(" table "), "__table");
        assert_eq!(name("source.lsn:LSN"), "__LSN");
        assert_eq!(name("transaction.id"), "__transaction_id");
        assert_eq!(name("after.email"), "__after_email");
        let parent = |entry: &str| MetadataField::parse(entry).unwrap().parent;
        assert_eq!(parent("ts_us"), None);
        assert_eq!(parent("total_order"), Some("transaction"));
        assert_eq!(parent("version"), Some("source"));
    }

    #[test]
    fn malformed_entries_are_refused_naming_the_property() {
        for (entry, reason) in [
            ("foo.bar", "no struct `foo`"),
            ("source.a.b", "more than one `.`"),
            ("op:a:b", "more than one `:`"),
            ("op:", "empty name"),
            ("source.", "empty name"),
        ] {
            let err = MetadataField::parse_in(entry, "add.headers").unwrap_err();
            let text = err.to_string();
            assert!(
                text.contains("`add.headers`") && text.contains(reason),
                "{entry}: {text}"
            );
        }
        assert_eq!(
            MetadataField::parse_list(" op , ,table,", "add.fields")
                .unwrap()
                .len(),
            2
        );
    }
}
