//! Flattening change events to their rows, as Debezium 3's `ExtractNewRecordState`
//! transform (`io.debezium.transforms.ExtractNewRecordState`) does: see [`Unwrap`].

mod apply;
mod field;
mod output;

pub use field::MetadataField;
pub use output::{Flattened, Unwrapped};

use crate::error::{Error, Result};

/// The format named in the transform's errors.
const FORMAT: &str = "unwrap";

/// What a delete becomes (`delete.tombstone.handling.mode`), and whether the tombstone
/// that follows it is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeleteHandling {
    /// `drop`: the delete and its tombstone are dropped.
    Drop,
    /// `tombstone` (the default): the delete becomes a record with a null value (with
    /// the row's schema, when the record has one); its tombstone is dropped.
    #[default]
    Tombstone,
    /// `rewrite`: the delete becomes its `before` row with `__deleted` = `"true"`, and
    /// every other row gets `__deleted` = `"false"`; tombstones are dropped.
    Rewrite,
    /// `rewrite-with-tombstone`: as `rewrite`, and tombstones are kept.
    RewriteWithTombstone,
    /// `delete-to-tombstone`: the delete becomes a tombstone (no value, no schema);
    /// tombstones are dropped.
    DeleteToTombstone,
}

impl DeleteHandling {
    const ALL: [DeleteHandling; 5] = [
        DeleteHandling::Drop,
        DeleteHandling::Tombstone,
        DeleteHandling::Rewrite,
        DeleteHandling::RewriteWithTombstone,
        DeleteHandling::DeleteToTombstone,
    ];

    /// The mode of Debezium's name for it, in any case, spaces around ignored.
    pub fn parse(name: &str) -> Option<Self> {
        let name = name.trim();
        Self::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(name))
    }

    /// Debezium's name for the mode.
    pub fn name(self) -> &'static str {
        match self {
            DeleteHandling::Drop => "drop",
            DeleteHandling::Tombstone => "tombstone",
            DeleteHandling::Rewrite => "rewrite",
            DeleteHandling::RewriteWithTombstone => "rewrite-with-tombstone",
            DeleteHandling::DeleteToTombstone => "delete-to-tombstone",
        }
    }

    /// Whether rows get `__deleted`.
    fn rewrites(self) -> bool {
        matches!(
            self,
            DeleteHandling::Rewrite | DeleteHandling::RewriteWithTombstone
        )
    }
}

/// Debezium 3's `ExtractNewRecordState` transform: what it makes of a Kafka record
/// ([`Unwrapped`]) is nothing, the record unchanged (it is not a change event), or a new
/// value (the row, or a tombstone) with headers added and perhaps another topic.
///
/// - A create, update or snapshot read becomes its `after` row.
/// - A delete becomes what [`DeleteHandling`] says (by default a tombstone); the
///   tombstone that follows a delete is dropped, except in the `rewrite-with-tombstone`
///   mode. A truncate is dropped.
/// - `add.fields` appends envelope fields to the row, `add.headers` adds them as
///   headers ([`MetadataField`] says which field and which name). Fields the record
///   does not have are left out.
/// - `route.by.field` sends the record to the topic its row names.
/// - In the rewrite modes, null columns take their schema's default
///   (`replace.null.with.default`, on by default), which needs the record's Connect
///   schema ([`DebeziumRecord::schema`](crate::DebeziumRecord::schema)).
///
/// The settings are built with the methods below or read from Debezium's property
/// names with [`from_properties`](Self::from_properties). Defaults are Debezium's:
/// deletes become tombstones, no fields or headers added (prefix `__` for both), no
/// routing, null columns replaced by their default in the rewrite modes.
///
/// ```
/// use std::collections::HashMap;
/// use cdc_core::{DebeziumJson, Decode, Row, Unwrap, Unwrapped, Value};
///
/// let unwrap = Unwrap::from_properties(&HashMap::from([
///     ("delete.tombstone.handling.mode", "rewrite"),
///     ("add.fields", "op,source.lsn"),
/// ]))?;
/// let delete = br#"{"before":{"id":7,"name":"Ada"},"after":null,
///     "source":{"connector":"postgresql","name":"srv","db":"shop","schema":"public",
///               "table":"patient","lsn":4711,"txId":9},"op":"d","ts_ms":1}"#;
/// let flat = unwrap.apply_decoded(&DebeziumJson.decode(Some(br#"{"id":7}"#), Some(delete))?)?;
/// assert_eq!(
///     flat.row(),
///     Some(&Row::new()
///         .with("id", Value::Int(7))
///         .with("name", Value::String("Ada".into()))
///         .with("__deleted", Value::String("true".into()))
///         .with("__op", Value::String("d".into()))
///         .with("__source_lsn", Value::Int(4711)))
/// );
/// // The tombstone that followed the delete is dropped in this mode.
/// assert_eq!(unwrap.apply_tombstone(), Unwrapped::Dropped);
///
/// // The same settings, built.
/// use cdc_core::DeleteHandling;
/// let built = Unwrap::new().delete_handling(DeleteHandling::Rewrite).add_fields("op,source.lsn")?;
/// assert_eq!(built, unwrap);
/// # Ok::<(), cdc_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Unwrap {
    delete_handling: DeleteHandling,
    fields: Vec<MetadataField>,
    fields_prefix: String,
    headers: Vec<MetadataField>,
    headers_prefix: String,
    route_by_field: Option<String>,
    replace_null_with_default: bool,
}

impl Default for Unwrap {
    fn default() -> Self {
        Self::new()
    }
}

/// The prefix of added fields and headers unless set.
const PREFIX: &str = "__";

impl Unwrap {
    /// Debezium's defaults.
    pub fn new() -> Self {
        Self {
            delete_handling: DeleteHandling::default(),
            fields: Vec::new(),
            fields_prefix: PREFIX.to_owned(),
            headers: Vec::new(),
            headers_prefix: PREFIX.to_owned(),
            route_by_field: None,
            replace_null_with_default: true,
        }
    }

    /// The settings of Debezium's properties (`delete.tombstone.handling.mode`,
    /// `add.fields`, `add.fields.prefix`, `add.headers`, `add.headers.prefix`,
    /// `route.by.field`, `replace.null.with.default`), as a connector's
    /// `transforms.<name>.` properties give them without that prefix. Other properties
    /// (`type`, predicates ...) are ignored, as Kafka Connect ignores them.
    ///
    /// An error names the property at fault: a value that does not parse; the
    /// `drop.tombstones` and `delete.handling.mode` of Debezium before 3.2 (which
    /// Debezium 3 ignores: `delete.tombstone.handling.mode` replaced both); a
    /// `drop.fields.header.name`, which this transform does not implement.
    pub fn from_properties<K, V>(properties: impl IntoIterator<Item = (K, V)>) -> Result<Self>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut unwrap = Self::new();
        for (key, value) in properties {
            let (key, value) = (key.as_ref(), value.as_ref());
            let invalid = |reason: String| Error::InvalidValue {
                format: FORMAT,
                field: key.to_owned(),
                reason,
            };
            match key {
                "delete.tombstone.handling.mode" => {
                    unwrap.delete_handling = DeleteHandling::parse(value).ok_or_else(|| {
                        let names: Vec<_> = DeleteHandling::ALL.iter().map(|m| m.name()).collect();
                        invalid(format!("`{value}` is not one of {}", names.join(", ")))
                    })?;
                }
                "add.fields" => unwrap.fields = MetadataField::parse_list(value, key)?,
                "add.headers" => unwrap.headers = MetadataField::parse_list(value, key)?,
                "add.fields.prefix" => unwrap.fields_prefix = value.to_owned(),
                "add.headers.prefix" => unwrap.headers_prefix = value.to_owned(),
                "route.by.field" => unwrap.route_by_field = (!value.is_empty()).then(|| value.to_owned()),
                "replace.null.with.default" => {
                    unwrap.replace_null_with_default =
                        boolean(value).ok_or_else(|| invalid(format!("`{value}` is not true or false")))?
                }
                "drop.tombstones" | "delete.handling.mode" => {
                    return Err(invalid(
                        "removed in Debezium 3.2 (Debezium 3 ignores it); set delete.tombstone.handling.mode \
                         (tombstones are kept only by rewrite-with-tombstone)"
                            .into(),
                    ));
                }
                "drop.fields.header.name" if !value.is_empty() => {
                    return Err(invalid(
                        "dropping fields named by a header is not implemented".into(),
                    ));
                }
                // Without drop.fields.header.name these change nothing.
                "drop.fields.from.key" | "drop.fields.keep.schema.compatible" => {
                    boolean(value).ok_or_else(|| invalid(format!("`{value}` is not true or false")))?;
                }
                _ => {}
            }
        }
        Ok(unwrap)
    }

    /// What deletes become (`delete.tombstone.handling.mode`).
    pub fn delete_handling(mut self, handling: DeleteHandling) -> Self {
        self.delete_handling = handling;
        self
    }

    /// The fields to append to rows, as Debezium's comma-separated `add.fields`; see
    /// [`MetadataField`].
    pub fn add_fields(mut self, list: &str) -> Result<Self> {
        self.fields = MetadataField::parse_list(list, "add.fields")?;
        Ok(self)
    }

    /// The prefix of added fields (`add.fields.prefix`, default `__`). `__deleted` keeps
    /// its name whatever the prefix.
    pub fn add_fields_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.fields_prefix = prefix.into();
        self
    }

    /// The fields to add as headers, as Debezium's comma-separated `add.headers`.
    pub fn add_headers(mut self, list: &str) -> Result<Self> {
        self.headers = MetadataField::parse_list(list, "add.headers")?;
        Ok(self)
    }

    /// The prefix of added headers (`add.headers.prefix`, default `__`).
    pub fn add_headers_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.headers_prefix = prefix.into();
        self
    }

    /// The column whose value names the topic a record goes to (`route.by.field`): the
    /// `after` row's column, or for a delete the `before` row's; a null or blank value
    /// keeps the record's topic.
    pub fn route_by_field(mut self, column: impl Into<String>) -> Self {
        self.route_by_field = Some(column.into());
        self
    }

    /// Whether the rewrite modes replace null columns by their schema's default
    /// (`replace.null.with.default`, default `true`).
    pub fn replace_null_with_default(mut self, replace: bool) -> Self {
        self.replace_null_with_default = replace;
        self
    }
}

/// A boolean property as Kafka Connect reads one: `true` or `false` in any case,
/// spaces around ignored.
fn boolean(value: &str) -> Option<bool> {
    let value = value.trim();
    if value.eq_ignore_ascii_case("true") {
        Some(true)
    } else if value.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests;
