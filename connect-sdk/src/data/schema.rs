//! Connect schemas: a type, whether it is optional, a default, a name, a version, a
//! doc, parameters, and the fields of a struct or the key and value schemas of a map
//! or an array.

use std::fmt;
use std::sync::Arc;

use super::Value;
use crate::error::{Error, Result};

/// The type of a [`Schema`], named as Kafka Connect names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Type {
    /// `int8`
    Int8,
    /// `int16`
    Int16,
    /// `int32`
    Int32,
    /// `int64`
    Int64,
    /// `float32`
    Float32,
    /// `float64`
    Float64,
    /// `boolean`
    Boolean,
    /// `string`
    String,
    /// `bytes`
    Bytes,
    /// `array`
    Array,
    /// `map`
    Map,
    /// `struct`
    Struct,
}

impl Type {
    /// Its name in Kafka Connect (`int32`, `struct` ...).
    pub fn name(self) -> &'static str {
        match self {
            Type::Int8 => "int8",
            Type::Int16 => "int16",
            Type::Int32 => "int32",
            Type::Int64 => "int64",
            Type::Float32 => "float32",
            Type::Float64 => "float64",
            Type::Boolean => "boolean",
            Type::String => "string",
            Type::Bytes => "bytes",
            Type::Array => "array",
            Type::Map => "map",
            Type::Struct => "struct",
        }
    }

    /// The type named `name`, as Kafka Connect names them.
    pub fn from_name(name: &str) -> Option<Type> {
        Some(match name {
            "int8" => Type::Int8,
            "int16" => Type::Int16,
            "int32" => Type::Int32,
            "int64" => Type::Int64,
            "float32" => Type::Float32,
            "float64" => Type::Float64,
            "boolean" => Type::Boolean,
            "string" => Type::String,
            "bytes" => Type::Bytes,
            "array" => Type::Array,
            "map" => Type::Map,
            "struct" => Type::Struct,
            _ => return None,
        })
    }

    /// Whether it is a primitive (not an array, map or struct).
    pub fn is_primitive(self) -> bool {
        !matches!(self, Type::Array | Type::Map | Type::Struct)
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name().to_uppercase())
    }
}

/// A field of a struct schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    name: String,
    index: usize,
    schema: Schema,
}

impl Field {
    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its position among the struct's fields.
    pub fn index(&self) -> usize {
        self.index
    }

    /// Its schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }
}

/// A Connect schema, cheap to clone (shared).
///
/// ```
/// use connect_sdk::data::{Schema, SchemaBuilder};
///
/// let order = SchemaBuilder::record()
///     .name("shop.Order")
///     .field("id", Schema::int64())?
///     .field("note", Schema::optional_string())?
///     .build();
/// assert_eq!(order.field("note").unwrap().index(), 1);
/// # Ok::<(), connect_sdk::Error>(())
/// ```
#[derive(Clone, PartialEq)]
pub struct Schema(Arc<Definition>);

#[derive(Debug, Clone, PartialEq)]
struct Definition {
    kind: Type,
    optional: bool,
    default: Option<Value>,
    name: Option<String>,
    version: Option<i32>,
    doc: Option<String>,
    parameters: Option<Vec<(String, String)>>,
    fields: Vec<Field>,
    key: Option<Schema>,
    value: Option<Schema>,
}

impl fmt::Debug for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &*self.0;
        let mut s = f.debug_struct("Schema");
        s.field("type", &d.kind.name()).field("optional", &d.optional);
        if let Some(name) = &d.name {
            s.field("name", name);
        }
        if !d.fields.is_empty() {
            s.field(
                "fields",
                &d.fields.iter().map(|f| (&f.name, &f.schema)).collect::<Vec<_>>(),
            );
        }
        if let Some(key) = &d.key {
            s.field("key", key);
        }
        if let Some(value) = &d.value {
            s.field("value", value);
        }
        s.finish()
    }
}

macro_rules! primitive {
    ($required:ident, $optional:ident, $kind:expr, $doc:literal) => {
        #[doc = concat!("A required ", $doc, " schema.")]
        pub fn $required() -> Schema {
            SchemaBuilder::new($kind).build()
        }

        #[doc = concat!("An optional ", $doc, " schema.")]
        pub fn $optional() -> Schema {
            SchemaBuilder::new($kind).optional().build()
        }
    };
}

impl Schema {
    primitive!(int8, optional_int8, Type::Int8, "`int8`");
    primitive!(int16, optional_int16, Type::Int16, "`int16`");
    primitive!(int32, optional_int32, Type::Int32, "`int32`");
    primitive!(int64, optional_int64, Type::Int64, "`int64`");
    primitive!(float32, optional_float32, Type::Float32, "`float32`");
    primitive!(float64, optional_float64, Type::Float64, "`float64`");
    primitive!(boolean, optional_boolean, Type::Boolean, "`boolean`");
    primitive!(string, optional_string, Type::String, "`string`");
    primitive!(bytes, optional_bytes, Type::Bytes, "`bytes`");

    /// Its type.
    pub fn kind(&self) -> Type {
        self.0.kind
    }

    /// Whether null is a valid value.
    pub fn is_optional(&self) -> bool {
        self.0.optional
    }

    /// Its default value.
    pub fn default_value(&self) -> Option<&Value> {
        self.0.default.as_ref()
    }

    /// Its name (a logical type's, such as `org.apache.kafka.connect.data.Decimal`,
    /// or a record's).
    pub fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    /// Its version.
    pub fn version(&self) -> Option<i32> {
        self.0.version
    }

    /// Its documentation.
    pub fn doc(&self) -> Option<&str> {
        self.0.doc.as_deref()
    }

    /// Its parameters, in the order they were set.
    pub fn parameters(&self) -> Option<&[(String, String)]> {
        self.0.parameters.as_deref()
    }

    /// The parameter `key`.
    pub fn parameter(&self, key: &str) -> Option<&str> {
        self.parameters()?
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The fields of a struct schema (empty for other types).
    pub fn fields(&self) -> &[Field] {
        &self.0.fields
    }

    /// The field `name` of a struct schema.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.0.fields.iter().find(|f| f.name == name)
    }

    /// The key schema of a map.
    pub fn key_schema(&self) -> Option<&Schema> {
        self.0.key.as_ref()
    }

    /// The value schema of a map, or the element schema of an array.
    pub fn value_schema(&self) -> Option<&Schema> {
        self.0.value.as_ref()
    }

    /// The schema of an array's items: an error for an array schema built without one.
    pub(crate) fn items(&self) -> Result<&Schema> {
        self.value_schema()
            .ok_or_else(|| Error::data("An array schema has no schema for its items"))
    }

    /// The schemas of a map's keys and values: an error for a map schema built without
    /// them.
    pub(crate) fn entries(&self) -> Result<(&Schema, &Schema)> {
        self.key_schema()
            .zip(self.value_schema())
            .ok_or_else(|| Error::data("A map schema has no schema for its keys or values"))
    }

    /// Whether both are the same shared schema (a fast path before `==`).
    pub fn same(&self, other: &Schema) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// A builder starting from this schema (to change its name, optionality ...).
    pub fn to_builder(&self) -> SchemaBuilder {
        SchemaBuilder {
            def: (*self.0).clone(),
        }
    }

    /// An address inside the process, the same for clones: a key for caches that keep
    /// the schema alive beside it.
    pub(crate) fn address(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }
}

/// Builds a [`Schema`].
#[derive(Debug, Clone)]
pub struct SchemaBuilder {
    def: Definition,
}

impl SchemaBuilder {
    /// A required schema of `kind`, with nothing else set.
    pub fn new(kind: Type) -> Self {
        SchemaBuilder {
            def: Definition {
                kind,
                optional: false,
                default: None,
                name: None,
                version: None,
                doc: None,
                parameters: None,
                fields: Vec::new(),
                key: None,
                value: None,
            },
        }
    }

    /// A struct schema with no fields yet.
    pub fn record() -> Self {
        Self::new(Type::Struct)
    }

    /// An array of `items`.
    pub fn array(items: Schema) -> Self {
        let mut builder = Self::new(Type::Array);
        builder.def.value = Some(items);
        builder
    }

    /// A map from `key` to `value`.
    pub fn map(key: Schema, value: Schema) -> Self {
        let mut builder = Self::new(Type::Map);
        builder.def.key = Some(key);
        builder.def.value = Some(value);
        builder
    }

    /// Its type.
    pub fn kind(&self) -> Type {
        self.def.kind
    }

    /// Null becomes a valid value.
    pub fn optional(mut self) -> Self {
        self.def.optional = true;
        self
    }

    /// Null is not a valid value (the default).
    pub fn required(mut self) -> Self {
        self.def.optional = false;
        self
    }

    /// Names it.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.def.name = Some(name.into());
        self
    }

    /// Sets or clears its name.
    pub fn maybe_name(mut self, name: Option<String>) -> Self {
        self.def.name = name;
        self
    }

    /// Versions it.
    pub fn version(mut self, version: i32) -> Self {
        self.def.version = Some(version);
        self
    }

    /// Sets or clears its version.
    pub fn maybe_version(mut self, version: Option<i32>) -> Self {
        self.def.version = version;
        self
    }

    /// Documents it.
    pub fn doc(mut self, doc: impl Into<String>) -> Self {
        self.def.doc = Some(doc.into());
        self
    }

    /// Adds (or replaces) a parameter.
    pub fn parameter(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        let (key, value) = (key.into(), value.into());
        let parameters = self.def.parameters.get_or_insert_with(Vec::new);
        match parameters.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => parameters.push((key, value)),
        }
        self
    }

    /// Its default value, checked against the schema built so far.
    pub fn default_value(mut self, value: Value) -> Result<Self> {
        let schema = Schema(Arc::new(self.def.clone()));
        value
            .validate(&schema)
            .map_err(|e| Error::data(format!("Invalid default value: {e}")))?;
        self.def.default = Some(value);
        Ok(self)
    }

    /// Adds a field to a struct schema; fails when it is not a struct, or when the
    /// name is taken.
    pub fn field(mut self, name: impl Into<String>, schema: Schema) -> Result<Self> {
        let name = name.into();
        if self.def.kind != Type::Struct {
            return Err(Error::data(format!(
                "Cannot create fields on type {}",
                self.def.kind
            )));
        }
        if self.def.fields.iter().any(|f| f.name == name) {
            return Err(Error::data(format!(
                "Cannot create field because of field name duplication {name}"
            )));
        }
        let index = self.def.fields.len();
        self.def.fields.push(Field { name, index, schema });
        Ok(self)
    }

    /// The schema.
    pub fn build(self) -> Schema {
        Schema(Arc::new(self.def))
    }
}
