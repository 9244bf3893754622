//! The `tableChanges` of a schema change: which table changed how, and its definition
//! after the change, as Debezium's `ConnectTableChangeSerializer` writes them.

use serde_json::{Map, Value as Json};

use super::object::{Reader, Writer};
use crate::error::{Error, Result};

/// How a table changed (`type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TableChangeType {
    /// `CREATE`: the table was created (or first captured).
    Create,
    /// `ALTER`: the table was altered.
    Alter,
    /// `DROP`: the table was dropped.
    Drop,
}

impl TableChangeType {
    /// Debezium's name of the type.
    pub fn as_str(self) -> &'static str {
        match self {
            TableChangeType::Create => "CREATE",
            TableChangeType::Alter => "ALTER",
            TableChangeType::Drop => "DROP",
        }
    }

    /// The type of Debezium's name.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "CREATE" => TableChangeType::Create,
            "ALTER" => TableChangeType::Alter,
            "DROP" => TableChangeType::Drop,
            _ => return None,
        })
    }
}

/// One entry of `tableChanges`: a table and what happened to it.
#[derive(Debug, Clone, PartialEq)]
pub struct TableChange {
    /// How it changed (`type`).
    pub kind: TableChangeType,
    /// The table's full identifier, each part double-quoted (`id`:
    /// `"inventory"."customers"`); for a rename, the old and the new, comma-separated.
    pub id: String,
    /// The table's definition after the change (`table`).
    pub table: Option<TableDefinition>,
    /// Fields this crate does not model, kept so re-encoding loses nothing.
    pub extra: Map<String, Json>,
    /// Fields of Debezium's form that the message left out rather than sending `null`;
    /// encoding leaves them out while they are unset. Empty for Debezium 3.6's messages.
    pub absent: Vec<&'static str>,
}

/// A table's definition (`table`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TableDefinition {
    /// `defaultCharsetName`.
    pub default_charset_name: Option<String>,
    /// The primary key's columns, in key order (`primaryKeyColumnNames`).
    pub primary_key_column_names: Option<Vec<String>>,
    /// The columns, in table order (`columns`).
    pub columns: Vec<ColumnDefinition>,
    /// `comment`.
    pub comment: Option<String>,
    /// Custom attributes, as the documentation shows them (`attributes`, a list of
    /// objects); Debezium 3.6's schema change topic does not write this field, so it is
    /// written only when set.
    pub attributes: Option<Vec<Map<String, Json>>>,
    /// Fields this crate does not model.
    pub extra: Map<String, Json>,
    /// Fields left out of the message (see [`TableChange::absent`]).
    pub absent: Vec<&'static str>,
}

/// A column's definition (an entry of `columns`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ColumnDefinition {
    /// `name`.
    pub name: String,
    /// The `java.sql.Types` code (`jdbcType`).
    pub jdbc_type: i32,
    /// The database's own type code (`nativeType`).
    pub native_type: Option<i32>,
    /// `typeName`.
    pub type_name: String,
    /// The type as declared (`typeExpression`).
    pub type_expression: Option<String>,
    /// `charsetName`.
    pub charset_name: Option<String>,
    /// The length or precision (`length`).
    pub length: Option<i32>,
    /// `scale`.
    pub scale: Option<i32>,
    /// The 1-based place in the table (`position`).
    pub position: i32,
    /// Whether it takes `NULL` (`optional`).
    pub optional: Option<bool>,
    /// `autoIncremented`.
    pub auto_incremented: Option<bool>,
    /// `generated`.
    pub generated: Option<bool>,
    /// `comment`.
    pub comment: Option<String>,
    /// The default as an expression (`defaultValueExpression`).
    pub default_value_expression: Option<String>,
    /// The values of an enum or set type (`enumValues`).
    pub enum_values: Option<Vec<String>>,
    /// Fields this crate does not model.
    pub extra: Map<String, Json>,
    /// Fields left out of the message (see [`TableChange::absent`]).
    pub absent: Vec<&'static str>,
}

impl TableChange {
    /// An entry of `tableChanges`, at `path`.
    pub(super) fn decode(object: Map<String, Json>, format: &'static str, path: &str) -> Result<Self> {
        let mut r = Reader::new(object, format, path);
        let kind = r.str("type")?;
        let kind = TableChangeType::parse(&kind).ok_or_else(|| Error::InvalidValue {
            format,
            field: r.path("type"),
            reason: format!("unknown table change type `{kind}` (CREATE, ALTER or DROP)"),
        })?;
        let id = r.str("id")?;
        let table_path = r.path("table");
        let table = r
            .opt_object("table")?
            .map(|t| TableDefinition::decode(t, format, &table_path))
            .transpose()?;
        let (extra, absent) = r.finish();
        Ok(TableChange {
            kind,
            id,
            table,
            extra,
            absent,
        })
    }

    pub(super) fn encode(&self) -> Json {
        let mut w = Writer::new(&self.absent);
        w.put("type", self.kind.as_str());
        w.put("id", self.id.as_str());
        w.put("table", self.table.as_ref().map(TableDefinition::encode));
        w.finish(&self.extra)
    }
}

impl TableDefinition {
    fn decode(object: Map<String, Json>, format: &'static str, path: &str) -> Result<Self> {
        let mut r = Reader::new(object, format, path);
        let default_charset_name = r.opt_str("defaultCharsetName")?;
        let primary_key_column_names = r.opt_strings("primaryKeyColumnNames")?;
        let columns = r
            .objects("columns", |c, path| ColumnDefinition::decode(c, format, path))?
            .ok_or_else(|| r.missing("columns"))?;
        let comment = r.opt_str("comment")?;
        let attributes = r.objects("attributes", |a, _| Ok(a))?;
        let (extra, mut absent) = r.finish();
        // Not a field of Debezium's own form (see `attributes`): written only when set.
        absent.retain(|field| *field != "attributes");
        Ok(TableDefinition {
            default_charset_name,
            primary_key_column_names,
            columns,
            comment,
            attributes,
            extra,
            absent,
        })
    }

    fn encode(&self) -> Json {
        let mut w = Writer::new(&self.absent);
        w.put("defaultCharsetName", self.default_charset_name.clone());
        w.put("primaryKeyColumnNames", self.primary_key_column_names.clone());
        w.put(
            "columns",
            Json::Array(self.columns.iter().map(ColumnDefinition::encode).collect()),
        );
        w.put("comment", self.comment.clone());
        if let Some(attributes) = &self.attributes {
            w.put(
                "attributes",
                Json::Array(attributes.iter().cloned().map(Json::Object).collect()),
            );
        }
        w.finish(&self.extra)
    }
}

impl ColumnDefinition {
    fn decode(object: Map<String, Json>, format: &'static str, path: &str) -> Result<Self> {
        let mut r = Reader::new(object, format, path);
        let column = ColumnDefinition {
            name: r.str("name")?,
            jdbc_type: r.i32("jdbcType")?,
            native_type: r.opt_i32("nativeType")?,
            type_name: r.str("typeName")?,
            type_expression: r.opt_str("typeExpression")?,
            charset_name: r.opt_str("charsetName")?,
            length: r.opt_i32("length")?,
            scale: r.opt_i32("scale")?,
            position: r.i32("position")?,
            optional: r.opt_bool("optional")?,
            auto_incremented: r.opt_bool("autoIncremented")?,
            generated: r.opt_bool("generated")?,
            comment: r.opt_str("comment")?,
            default_value_expression: r.opt_str("defaultValueExpression")?,
            enum_values: r.opt_strings("enumValues")?,
            extra: Map::new(),
            absent: Vec::new(),
        };
        let (extra, absent) = r.finish();
        Ok(ColumnDefinition {
            extra,
            absent,
            ..column
        })
    }

    fn encode(&self) -> Json {
        let mut w = Writer::new(&self.absent);
        w.put("name", self.name.as_str());
        w.put("jdbcType", self.jdbc_type);
        w.put("nativeType", self.native_type);
        w.put("typeName", self.type_name.as_str());
        w.put("typeExpression", self.type_expression.clone());
        w.put("charsetName", self.charset_name.clone());
        w.put("length", self.length);
        w.put("scale", self.scale);
        w.put("position", self.position);
        w.put("optional", self.optional);
        w.put("autoIncremented", self.auto_incremented);
        w.put("generated", self.generated);
        w.put("comment", self.comment.clone());
        w.put("defaultValueExpression", self.default_value_expression.clone());
        w.put("enumValues", self.enum_values.clone());
        w.finish(&self.extra)
    }
}
