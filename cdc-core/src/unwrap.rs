//! Flattening an event to its new row, like Debezium's `ExtractNewRecordState`
//! transform: what happens to deletes, and which metadata fields are added to the row.

use crate::error::{Error, Result};
use crate::event::{ChangeEvent, Operation, Position};
use crate::row::Row;
use crate::value::Value;

/// What a delete becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeleteHandling {
    /// Deletes are dropped (Debezium's default, `drop`).
    #[default]
    Drop,
    /// A delete becomes a tombstone (`tombstone`), which a table reads as "remove the key".
    Tombstone,
    /// A delete becomes its `before` row with `<prefix>deleted = "true"`; every other
    /// row gets `"false"` (`rewrite`).
    Rewrite,
}

/// A metadata field to add to the row, named `<prefix><name>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MetadataField {
    /// `op`: the Debezium operation code.
    Op,
    /// `table`.
    Table,
    /// `db`.
    Db,
    /// `schema`.
    Schema,
    /// `source.ts_ms`: when the change happened in the database.
    SourceTsMs,
    /// `ts_ms`: when the connector processed it.
    TsMs,
    /// `lsn` (PostgreSQL).
    Lsn,
}

impl MetadataField {
    /// The field of a name as Debezium's `add.fields` lists it.
    pub fn parse(name: &str) -> Result<Self> {
        Ok(match name.trim() {
            "op" => MetadataField::Op,
            "table" | "source.table" => MetadataField::Table,
            "db" | "source.db" => MetadataField::Db,
            "schema" | "source.schema" => MetadataField::Schema,
            "source.ts_ms" => MetadataField::SourceTsMs,
            "ts_ms" => MetadataField::TsMs,
            "lsn" | "source.lsn" => MetadataField::Lsn,
            other => {
                return Err(Error::InvalidValue {
                    format: "unwrap",
                    field: "add.fields".into(),
                    reason: format!("unknown metadata field `{other}`"),
                });
            }
        })
    }

    /// The name the field gets after the prefix (`source.ts_ms` becomes `source_ts_ms`).
    pub fn name(self) -> &'static str {
        match self {
            MetadataField::Op => "op",
            MetadataField::Table => "table",
            MetadataField::Db => "db",
            MetadataField::Schema => "schema",
            MetadataField::SourceTsMs => "source_ts_ms",
            MetadataField::TsMs => "ts_ms",
            MetadataField::Lsn => "lsn",
        }
    }

    fn value(self, event: &ChangeEvent) -> Value {
        let text = |s: &Option<String>| s.clone().map_or(Value::Null, Value::String);
        let int = |i: Option<i64>| i.map_or(Value::Null, Value::Int);
        match self {
            MetadataField::Op => Value::String(event.op.debezium_code().to_owned()),
            MetadataField::Table => text(&event.source.table),
            MetadataField::Db => text(&event.source.db),
            MetadataField::Schema => text(&event.source.schema),
            MetadataField::SourceTsMs => int(event.source.ts_ms),
            MetadataField::TsMs => int(event.ts_ms),
            MetadataField::Lsn => match event.source.position {
                Position::Postgres { lsn, .. } => int(lsn),
                _ => Value::Null,
            },
        }
    }
}

/// What an event becomes.
#[derive(Debug, Clone, PartialEq)]
pub enum Unwrapped {
    /// A row to write.
    Row(Row),
    /// A tombstone: remove the key.
    Tombstone,
    /// Nothing: the event is dropped.
    Dropped,
}

/// The transform's settings.
///
/// ```
/// use cdc_core::{DeleteHandling, Unwrap, Unwrapped, MetadataField};
/// let unwrap = Unwrap::new()
///     .delete_handling(DeleteHandling::Rewrite)
///     .add_fields("op,table,source.ts_ms")
///     .unwrap();
/// # let _ = unwrap;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Unwrap {
    delete_handling: DeleteHandling,
    fields: Vec<MetadataField>,
    prefix: String,
}

impl Default for Unwrap {
    fn default() -> Self {
        Self::new()
    }
}

impl Unwrap {
    /// Deletes dropped, no fields added, prefix `__`.
    pub fn new() -> Self {
        Self {
            delete_handling: DeleteHandling::Drop,
            fields: Vec::new(),
            prefix: "__".to_owned(),
        }
    }

    /// What deletes become.
    pub fn delete_handling(mut self, handling: DeleteHandling) -> Self {
        self.delete_handling = handling;
        self
    }

    /// The metadata fields to add, as Debezium's comma-separated `add.fields`.
    pub fn add_fields(mut self, list: &str) -> Result<Self> {
        self.fields = list
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(MetadataField::parse)
            .collect::<Result<_>>()?;
        Ok(self)
    }

    /// The prefix of added fields (`add.fields.prefix`, default `__`).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The event flattened.
    pub fn apply(&self, event: &ChangeEvent) -> Unwrapped {
        let (mut row, deleted) = match (event.op, self.delete_handling) {
            (Operation::Truncate | Operation::Message, _) => return Unwrapped::Dropped,
            (Operation::Delete, DeleteHandling::Drop) => return Unwrapped::Dropped,
            (Operation::Delete, DeleteHandling::Tombstone) => return Unwrapped::Tombstone,
            (Operation::Delete, DeleteHandling::Rewrite) => match &event.before {
                Some(before) => (before.clone(), true),
                None => return Unwrapped::Dropped,
            },
            (_, _) => match &event.after {
                Some(after) => (after.clone(), false),
                None => return Unwrapped::Dropped,
            },
        };
        for field in &self.fields {
            row.push(format!("{}{}", self.prefix, field.name()), field.value(event));
        }
        if self.delete_handling == DeleteHandling::Rewrite {
            row.push(
                format!("{}deleted", self.prefix),
                Value::String(deleted.to_string()),
            );
        }
        Unwrapped::Row(row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Source;

    fn event(op: Operation, before: Option<Row>, after: Option<Row>) -> ChangeEvent {
        let mut e = ChangeEvent::new(
            op,
            before,
            after,
            Source {
                table: Some("customers".into()),
                ts_ms: Some(1000),
                ..Source::default()
            },
        )
        .unwrap();
        e.ts_ms = Some(2000);
        e
    }

    fn row(id: i64) -> Row {
        Row::new().with("id", Value::Int(id))
    }

    #[test]
    fn delete_handling_modes() {
        let delete = event(Operation::Delete, Some(row(1)), None);
        assert_eq!(Unwrap::new().apply(&delete), Unwrapped::Dropped);
        assert_eq!(
            Unwrap::new()
                .delete_handling(DeleteHandling::Tombstone)
                .apply(&delete),
            Unwrapped::Tombstone
        );
        let rewrite = Unwrap::new().delete_handling(DeleteHandling::Rewrite);
        assert_eq!(
            rewrite.apply(&delete),
            Unwrapped::Row(row(1).with("__deleted", Value::String("true".into())))
        );
        let create = event(Operation::Create, None, Some(row(2)));
        assert_eq!(
            rewrite.apply(&create),
            Unwrapped::Row(row(2).with("__deleted", Value::String("false".into())))
        );
    }

    #[test]
    fn metadata_fields_are_added_with_the_prefix() {
        let update = event(Operation::Update, Some(row(1)), Some(row(1)));
        let unwrap = Unwrap::new()
            .add_fields("op, table,source.ts_ms,ts_ms")
            .unwrap()
            .prefix("_");
        assert_eq!(
            unwrap.apply(&update),
            Unwrapped::Row(
                row(1)
                    .with("_op", Value::String("u".into()))
                    .with("_table", Value::String("customers".into()))
                    .with("_source_ts_ms", Value::Int(1000))
                    .with("_ts_ms", Value::Int(2000))
            )
        );
        let err = Unwrap::new().add_fields("op,colour").unwrap_err();
        assert!(err.to_string().contains("colour"), "{err}");
    }
}
