//! The transform applied to one record, step by step as Debezium's
//! `ExtractNewRecordState` applies it.

use serde_json::{Map, Value as Json};

use super::field::{Envelope, MetadataField, named, schema_field};
use super::output::{Flattened, Unwrapped};
use super::{DeleteHandling, FORMAT, Unwrap};
use crate::debezium::{DebeziumJson, DebeziumRecord, column_json, column_value};
use crate::decode::{Decode, Decoded};
use crate::error::{Error, Result, not_json};
use crate::event::{ChangeEvent, Operation};
use crate::row::Row;
use crate::value::Value;

/// The field Debezium's rewrite modes add to every row, whatever the prefixes.
const DELETED: &str = "__deleted";

impl Unwrap {
    /// The transform applied to a decoded Debezium record. With the record's Connect
    /// schema it behaves as Debezium's transform does on the same record; without one
    /// (a plain payload) it treats the record as an envelope all the same, but has no
    /// column defaults and no schema to give.
    ///
    /// An error, naming the property at fault, for what Debezium also fails on: a
    /// `route.by.field` column the row does not have or that is not a string, an added
    /// field whose name the row already has, a struct added as a field.
    pub fn apply(&self, record: &DebeziumRecord) -> Result<Unwrapped> {
        self.apply_parts(&record.event, record.schema.as_ref())
    }

    /// The transform applied to an event without its Connect schema: any event, from
    /// Debezium or Replicate, flattened as [`apply`](Self::apply) flattens a plain
    /// Debezium payload.
    pub fn apply_event(&self, event: &ChangeEvent) -> Result<Unwrapped> {
        self.apply_parts(event, None)
    }

    /// The transform applied to a tombstone (a record without value): dropped, except in
    /// the `rewrite-with-tombstone` mode, which keeps it; then the only header it gets
    /// is `op`, as `d`, when `add.headers` asks for `op`.
    pub fn apply_tombstone(&self) -> Unwrapped {
        if self.delete_handling != DeleteHandling::RewriteWithTombstone {
            return Unwrapped::Dropped;
        }
        let headers: Vec<_> = self
            .headers
            .iter()
            .filter(|f| f.field() == "op")
            .map(|f| (f.name(&self.headers_prefix), Value::String("d".into())))
            .collect();
        let header_schemas = headers
            .iter()
            .map(|_| Some(serde_json::json!({"type": "string", "optional": false})))
            .collect();
        Unwrapped::Record(Flattened {
            value: None,
            schema: None,
            headers,
            header_schemas,
            topic: None,
        })
    }

    /// The transform applied to what [`DebeziumJson`] (or any codec of
    /// [`DebeziumRecord`]s) decoded.
    pub fn apply_decoded(&self, decoded: &Decoded<DebeziumRecord>) -> Result<Unwrapped> {
        match decoded {
            Decoded::Change(record) => self.apply(record),
            Decoded::Tombstone { .. } => Ok(self.apply_tombstone()),
        }
    }

    /// The transform applied to a record's value as Debezium's JSON converter writes it
    /// (with or without schemas); `None` is a tombstone. A value that is not a change
    /// event (no `op`, or a schema whose name does not end in `.Envelope`: heartbeats,
    /// schema changes, transaction metadata, logical decoding messages) is
    /// [`Unwrapped::Unchanged`]; a change event is decoded with [`DebeziumJson`], and
    /// its errors are that codec's.
    pub fn apply_json(&self, value: Option<&[u8]>) -> Result<Unwrapped> {
        let Some(bytes) = value else {
            return Ok(self.apply_tombstone());
        };
        let json: Json = serde_json::from_slice(bytes).map_err(|e| not_json(FORMAT, "(value)", bytes, e))?;
        let is_change = match &json {
            Json::Null => return Ok(self.apply_tombstone()),
            Json::Object(root) => match (root.get("schema"), root.get("payload")) {
                (Some(schema), Some(payload)) if root.len() == 2 => payload.is_null() || is_envelope(schema),
                _ => root.contains_key("op"),
            },
            _ => false,
        };
        if !is_change {
            return Ok(Unwrapped::Unchanged);
        }
        self.apply_decoded(&DebeziumJson.decode(None, Some(bytes))?)
    }

    fn apply_parts(&self, event: &ChangeEvent, schema: Option<&Json>) -> Result<Unwrapped> {
        let not_envelope = match schema {
            Some(schema) => !is_envelope(schema),
            None => event.op == Operation::Message,
        };
        if not_envelope {
            return Ok(Unwrapped::Unchanged);
        }
        let envelope = (!self.fields.is_empty() || !self.headers.is_empty()).then(|| Envelope {
            payload: match DebeziumJson::payload(event, schema) {
                Json::Object(payload) => payload,
                _ => Map::new(),
            },
            schema,
        });
        let mut headers = Vec::with_capacity(self.headers.len());
        let mut header_schemas = Vec::with_capacity(self.headers.len());
        if let Some(envelope) = &envelope {
            for f in &self.headers {
                if let Some(found) = envelope.find(f)? {
                    headers.push((f.name(&self.headers_prefix), found.value));
                    header_schemas.push(found.schema.map(|schema| {
                        let mut optional = schema.clone();
                        if let Some(fields) = optional.as_object_mut() {
                            fields.remove("field");
                            fields.insert("optional".into(), Json::Bool(true));
                        }
                        optional
                    }));
                }
            }
        }
        let flattened = match (&event.after, &event.before) {
            // A truncate, or anything else without rows: Debezium drops it.
            (None, None) => return Ok(Unwrapped::Dropped),
            (None, Some(before)) => self.deleted(before, schema, envelope.as_ref())?,
            (Some(after), _) => Some(self.changed(after, schema, envelope.as_ref())?),
        };
        Ok(match flattened {
            None => Unwrapped::Dropped,
            Some(flattened) => Unwrapped::Record(Flattened {
                headers,
                header_schemas,
                ..flattened
            }),
        })
    }

    /// A create, update or snapshot read: its `after` row.
    fn changed(
        &self,
        after: &Row,
        schema: Option<&Json>,
        envelope: Option<&Envelope<'_>>,
    ) -> Result<Flattened> {
        let mut out = Out::new(after, schema, "after")?;
        if self.delete_handling.rewrites() {
            out.rewrite(self.replace_null_with_default, "false")?;
        }
        let topic = self.route(&out.row, out.fields.as_deref())?;
        self.append_fields(&mut out, envelope)?;
        Ok(out.finish(topic))
    }

    /// A delete: `None` when dropped.
    fn deleted(
        &self,
        before: &Row,
        schema: Option<&Json>,
        envelope: Option<&Envelope<'_>>,
    ) -> Result<Option<Flattened>> {
        let tombstone = |schema: Option<Json>| Flattened {
            value: None,
            schema,
            headers: Vec::new(),
            header_schemas: Vec::new(),
            topic: None,
        };
        let mut flattened = match self.delete_handling {
            DeleteHandling::Drop => return Ok(None),
            // The `after` field extracted: a null value with the row's schema.
            DeleteHandling::Tombstone => tombstone(schema.map(|s| extracted(s, "after")).transpose()?),
            DeleteHandling::DeleteToTombstone => tombstone(None),
            DeleteHandling::Rewrite | DeleteHandling::RewriteWithTombstone => {
                let mut out = Out::new(before, schema, "before")?;
                out.rewrite(self.replace_null_with_default, "true")?;
                self.append_fields(&mut out, envelope)?;
                out.finish(None)
            }
        };
        // Routed by the `before` row as the event has it.
        let before_fields = match schema {
            Some(schema) => row_schema(schema, "before")?
                .get("fields")
                .and_then(Json::as_array),
            None => None,
        };
        flattened.topic = self.route(before, before_fields.map(Vec::as_slice))?;
        Ok(Some(flattened))
    }

    /// The topic named by the `route.by.field` column of `row`: `None` (the record's
    /// topic) when the column is null or blank.
    fn route(&self, row: &Row, fields: Option<&[Json]>) -> Result<Option<String>> {
        let Some(column) = &self.route_by_field else {
            return Ok(None);
        };
        let invalid = |reason: String| Error::InvalidValue {
            format: FORMAT,
            field: "route.by.field".into(),
            reason,
        };
        let value = row
            .get(column)
            .ok_or_else(|| invalid(format!("the row has no column `{column}`")))?;
        let column_schema = fields.and_then(|fields| named(fields, column));
        let not_text = || invalid(format!("column `{column}` is not a string"));
        let text = match column_schema {
            Some(schema) if schema.get("type").and_then(Json::as_str) != Some("string") => {
                return Err(not_text());
            }
            Some(schema) => match column_json(value, schema) {
                Json::String(text) => Some(text),
                Json::Null => None,
                _ => return Err(not_text()),
            },
            None => match value {
                Value::Null => None,
                other => Some(other.as_str().ok_or_else(not_text)?.to_owned()),
            },
        };
        // Java's `trim`: blank is nothing above U+0020.
        Ok(text.filter(|t| t.chars().any(|c| c > ' ')))
    }

    /// Appends the `add.fields` the record has.
    fn append_fields(&self, out: &mut Out, envelope: Option<&Envelope<'_>>) -> Result<()> {
        let Some(envelope) = envelope else { return Ok(()) };
        for f in &self.fields {
            if let Some(found) = envelope.find(f)? {
                out.push(f, &self.fields_prefix, found.value, found.schema)?;
            }
        }
        Ok(())
    }
}

/// A flattened row being built, with its schema's fields when the record has a schema.
struct Out {
    row: Row,
    /// The row's Connect schema without its fields, and the fields.
    basics: Option<Map<String, Json>>,
    fields: Option<Vec<Json>>,
}

impl Out {
    /// The row of `side`, with that side's schema from the envelope's.
    fn new(row: &Row, envelope: Option<&Json>, side: &str) -> Result<Self> {
        let (basics, fields) = match envelope {
            None => (None, None),
            Some(envelope) => {
                let schema = row_schema(envelope, side)?;
                // What Connect's `SchemaUtil.copySchemaBasics` keeps: the flattened row's
                // schema is a new struct, required, with the row's name, version, doc and
                // parameters.
                let mut basics = Map::new();
                basics.insert("type".into(), Json::String("struct".into()));
                basics.insert("optional".into(), Json::Bool(false));
                for key in ["name", "version", "doc", "parameters"] {
                    if let Some(v) = schema.get(key) {
                        basics.insert(key.into(), v.clone());
                    }
                }
                let fields = schema
                    .get("fields")
                    .and_then(Json::as_array)
                    .cloned()
                    .unwrap_or_default();
                (Some(basics), Some(fields))
            }
        };
        Ok(Out {
            row: row.clone(),
            basics,
            fields,
        })
    }

    /// What the rewrite modes do to a row: null columns take their schema's default
    /// (when `defaults`), and `__deleted` is appended.
    fn rewrite(&mut self, defaults: bool, deleted: &str) -> Result<()> {
        if defaults && let Some(fields) = &self.fields {
            let mut replaced = Vec::new();
            for (column, _) in self.row.iter().filter(|(_, v)| v.is_null()) {
                let Some(schema) = named(fields, column) else {
                    continue;
                };
                if let Some(default) = schema.get("default").filter(|d| !d.is_null()) {
                    replaced.push((column.to_owned(), column_value(default, schema, column)?));
                }
            }
            for (column, value) in replaced {
                self.row.set(column, value);
            }
        }
        let schema = serde_json::json!({"type": "string", "optional": true});
        self.append(
            DELETED,
            "delete.tombstone.handling.mode",
            Value::String(deleted.into()),
            schema,
        )
    }

    /// Appends an added field, with the schema Debezium gives it: its own, optional,
    /// without default.
    fn push(&mut self, f: &MetadataField, prefix: &str, value: Value, schema: Option<&Json>) -> Result<()> {
        let mut copy = Map::new();
        if let Some(schema) = schema {
            copy.insert("type".into(), schema.get("type").cloned().unwrap_or(Json::Null));
            copy.insert("optional".into(), Json::Bool(true));
            for key in ["name", "version", "doc", "parameters"] {
                if let Some(v) = schema.get(key) {
                    copy.insert(key.into(), v.clone());
                }
            }
        }
        self.append(&f.name(prefix), "add.fields", value, Json::Object(copy))
    }

    fn append(&mut self, name: &str, property: &str, value: Value, schema: Json) -> Result<()> {
        if self.row.get(name).is_some() {
            return Err(Error::InvalidValue {
                format: FORMAT,
                field: property.into(),
                reason: format!("the flattened row already has a field `{name}`"),
            });
        }
        self.row.push(name, value);
        if let (Some(fields), Json::Object(mut schema)) = (&mut self.fields, schema) {
            schema.insert("field".into(), Json::String(name.into()));
            fields.push(Json::Object(schema));
        }
        Ok(())
    }

    fn finish(self, topic: Option<String>) -> Flattened {
        let schema = self.basics.zip(self.fields).map(|(mut basics, fields)| {
            basics.insert("fields".into(), Json::Array(fields));
            Json::Object(basics)
        });
        Flattened {
            value: Some(self.row),
            schema,
            headers: Vec::new(),
            header_schemas: Vec::new(),
            topic,
        }
    }
}

/// Whether a Connect schema is a change event's envelope (its name ends in
/// `.Envelope`, as Debezium checks).
fn is_envelope(schema: &Json) -> bool {
    schema
        .get("name")
        .and_then(Json::as_str)
        .is_some_and(|name| name.ends_with(".Envelope"))
}

/// The schema of the envelope's `before` or `after`.
fn row_schema<'s>(envelope: &'s Json, side: &str) -> Result<&'s Json> {
    schema_field(envelope, side).ok_or_else(|| Error::MissingField {
        format: FORMAT,
        field: format!("schema.{side}"),
    })
}

/// The schema of the envelope's `before` or `after` as a value's schema: without the
/// `field` that names it in the envelope.
fn extracted(envelope: &Json, side: &str) -> Result<Json> {
    let mut schema = row_schema(envelope, side)?.clone();
    if let Some(schema) = schema.as_object_mut() {
        schema.remove("field");
    }
    Ok(schema)
}
