//! Connect schemas as Avro schemas and back, by the rules of Confluent's `AvroData`:
//! Connect's names, versions, docs, parameters and defaults kept in `connect.*`
//! properties, int8 and int16 as `int` with `connect.type`, optional schemas as unions
//! with null, maps with keys other than strings as arrays of `MapEntry` records, and
//! the logical types as Avro's.

use serde_json::{Map, Value as Json, json};

use crate::convert::{Converter, JsonConverter};
use crate::data::{Schema, SchemaBuilder, Type, Value, logical};
use crate::error::{Error, Result};

/// The namespace of the names Connect gives Avro records.
pub(super) const NAMESPACE: &str = "io.confluent.connect.avro";
const DEFAULT_NAME: &str = "ConnectDefault";
const MAP_ENTRY: &str = "MapEntry";
/// The precision a Decimal gets when its schema does not say.
const DEFAULT_PRECISION: i64 = 64;

/// A name split into namespace and name at its last dot.
fn split_name(full: &str) -> (Option<&str>, &str) {
    match full.rfind('.') {
        Some(at) => (Some(&full[..at]), &full[at + 1..]),
        None => (None, full),
    }
}

/// The named types written so far in one Avro schema: a name written again with the
/// same definition becomes a reference to it.
#[derive(Default)]
struct Names {
    defined: std::collections::HashMap<String, Json>,
    unnamed: usize,
}

impl Names {
    /// `definition` of the record `full_name`, or a reference to it when it was defined
    /// already; two different records of one name are an error.
    fn define(&mut self, full_name: String, definition: Json) -> Result<Json> {
        match self.defined.get(&full_name) {
            Some(earlier) if *earlier == definition => Ok(Json::String(full_name)),
            Some(_) => Err(Error::data(format!(
                "Two different Avro records would be named {full_name}: name the Connect schemas apart"
            ))),
            None => {
                self.defined.insert(full_name, definition.clone());
                Ok(definition)
            }
        }
    }
}

/// The Avro schema of `schema`, as JSON.
pub(super) fn to_avro(schema: &Schema) -> Result<Json> {
    to_avro_inner(schema, &mut Names::default())
}

/// A default value as Avro writes it in a schema: the JSON converter's payload.
fn default_json(schema: &Schema, value: &Value) -> Result<Json> {
    let mut text = String::new();
    JsonConverter::new(false).write_payload(&mut text, Some(schema), value)?;
    serde_json::from_str(&text).map_err(|e| Error::data(format!("A default value is not JSON: {e}")))
}

fn to_avro_inner(schema: &Schema, names: &mut Names) -> Result<Json> {
    let mut connect_type = None;
    let mut base = match schema.kind() {
        Type::Int8 => {
            connect_type = Some("int8");
            json!({"type": "int"})
        }
        Type::Int16 => {
            connect_type = Some("int16");
            json!({"type": "int"})
        }
        Type::Int32 => json!({"type": "int"}),
        Type::Int64 => json!({"type": "long"}),
        Type::Float32 => json!({"type": "float"}),
        Type::Float64 => json!({"type": "double"}),
        Type::Boolean => json!({"type": "boolean"}),
        Type::String => json!({"type": "string"}),
        Type::Bytes => {
            let mut bytes = json!({"type": "bytes"});
            if schema.name() == Some(logical::DECIMAL) {
                let scale = logical::scale_of(schema)?;
                let precision = schema
                    .parameter("connect.decimal.precision")
                    .and_then(|p| p.parse::<i64>().ok())
                    .unwrap_or(DEFAULT_PRECISION);
                bytes["scale"] = json!(scale);
                bytes["precision"] = json!(precision);
            }
            bytes
        }
        Type::Array => json!({"type": "array", "items": to_avro_inner(schema.items()?, names)?}),
        Type::Map => {
            let (keys, values) = schema.entries()?;
            if keys.kind() == Type::String && !keys.is_optional() {
                json!({"type": "map", "values": to_avro_inner(values, names)?})
            } else {
                let (namespace, name) = match schema.name() {
                    Some(full) => split_name(full),
                    None => (Some(NAMESPACE), MAP_ENTRY),
                };
                let mut entry = json!({"type": "record", "name": name, "fields": [
                    field("key", keys, names)?,
                    field("value", values, names)?,
                ]});
                if let Some(namespace) = namespace {
                    entry["namespace"] = json!(namespace);
                }
                if schema.name().is_some() {
                    entry["connect.internal.type"] = json!(MAP_ENTRY);
                }
                let full_name = namespace.map_or_else(|| name.to_owned(), |ns| format!("{ns}.{name}"));
                json!({"type": "array", "items": names.define(full_name, entry)?})
            }
        }
        Type::Struct => {
            let (namespace, name) = match schema.name() {
                Some(full) => split_name(full),
                None => {
                    names.unnamed += 1;
                    (Some(NAMESPACE), DEFAULT_NAME)
                }
            };
            let name = if schema.name().is_none() && names.unnamed > 1 {
                format!("{name}{}", names.unnamed)
            } else {
                name.to_owned()
            };
            let fields = schema
                .fields()
                .iter()
                .map(|f| field(f.name(), f.schema(), names))
                .collect::<Result<Vec<_>>>()?;
            let mut record = json!({"type": "record", "name": name, "fields": fields});
            if let Some(namespace) = namespace {
                record["namespace"] = json!(namespace);
            }
            add_props(&mut record, schema, None)?;
            let full_name = namespace.map_or_else(|| name.clone(), |ns| format!("{ns}.{name}"));
            return optional(names.define(full_name, record)?, schema);
        }
    };
    add_props(&mut base, schema, connect_type)?;
    // A bare primitive is written as its type name.
    if let Some(props) = base.as_object_mut()
        && props.len() == 1
    {
        base = props.remove("type").expect("a type");
    }
    optional(base, schema)
}

/// `base` as the type of an optional schema: a union with null, null first unless the
/// schema has a default.
fn optional(base: Json, schema: &Schema) -> Result<Json> {
    if schema.is_optional() {
        return Ok(if schema.default_value().is_some() {
            json!([base, "null"])
        } else {
            json!(["null", base])
        });
    }
    Ok(base)
}

/// The `connect.*` properties and the logical type of `schema`, added to `base`.
fn add_props(base: &mut Json, schema: &Schema, connect_type: Option<&str>) -> Result<()> {
    let props = base.as_object_mut().expect("an object");
    if let Some(doc) = schema.doc() {
        props.insert("connect.doc".into(), json!(doc));
    }
    if let Some(version) = schema.version() {
        props.insert("connect.version".into(), json!(version));
    }
    if let Some(parameters) = schema.parameters().filter(|p| !p.is_empty()) {
        let params: Map<String, Json> = parameters.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        props.insert("connect.parameters".into(), Json::Object(params));
    }
    if let Some(default) = schema.default_value() {
        props.insert("connect.default".into(), default_json(schema, default)?);
    }
    if let Some(name) = schema.name() {
        props.insert("connect.name".into(), json!(name));
    }
    if let Some(connect_type) = connect_type {
        props.insert("connect.type".into(), json!(connect_type));
    }
    match schema.name() {
        Some(logical::DECIMAL) => {
            props.insert("logicalType".into(), json!("decimal"));
        }
        Some(logical::DATE) => {
            props.insert("logicalType".into(), json!("date"));
        }
        Some(logical::TIME) => {
            props.insert("logicalType".into(), json!("time-millis"));
        }
        Some(logical::TIMESTAMP) => {
            props.insert("logicalType".into(), json!("timestamp-millis"));
        }
        _ => {}
    }
    Ok(())
}

/// A record field: its name, schema and default (null for an optional field without
/// one).
fn field(name: &str, schema: &Schema, names: &mut Names) -> Result<Json> {
    let mut field = json!({"name": name, "type": to_avro_inner(schema, names)?});
    match schema.default_value() {
        Some(default) => field["default"] = default_json(schema, default)?,
        None if schema.is_optional() => field["default"] = Json::Null,
        None => {}
    }
    Ok(field)
}

/// The Connect schema of an Avro schema (JSON), as Confluent's `toConnectSchema` reads
/// it: `connect.*` properties give back what `to_avro` put there.
pub(super) fn to_connect(avro: &Json) -> Result<Schema> {
    to_connect_inner(avro, false, &mut std::collections::HashMap::new())
}

/// The records defined so far while reading a schema, by full name.
type Defined = std::collections::HashMap<String, Json>;

const PRIMITIVES: [&str; 8] = [
    "null", "boolean", "int", "long", "float", "double", "bytes", "string",
];

fn unsupported(avro: &Json) -> Error {
    Error::data(format!("Avro schema {avro} has no Connect schema"))
}

fn to_connect_inner(avro: &Json, optional: bool, defined: &mut Defined) -> Result<Schema> {
    let (kind_name, props) = match avro {
        Json::String(name) if !PRIMITIVES.contains(&name.as_str()) => {
            let definition = defined
                .get(name)
                .cloned()
                .ok_or_else(|| Error::data(format!("Avro schema names an undefined type {name}")))?;
            return to_connect_inner(&definition, optional, defined);
        }
        Json::String(name) => (name.as_str(), None),
        Json::Object(props) => (
            props.get("type").and_then(Json::as_str).unwrap_or(""),
            Some(props),
        ),
        Json::Array(branches) => {
            let non_null: Vec<&Json> = branches.iter().filter(|b| b.as_str() != Some("null")).collect();
            if branches.len() == 2 && non_null.len() == 1 {
                return to_connect_inner(non_null[0], true, defined);
            }
            return Err(Error::data(format!(
                "Avro union {avro} is not an optional type: Connect has no general unions here"
            )));
        }
        _ => return Err(unsupported(avro)),
    };
    let prop = |key: &str| props.and_then(|p| p.get(key));
    let prop_str = |key: &str| prop(key).and_then(Json::as_str);
    let mut builder = match (kind_name, prop_str("connect.type")) {
        ("int", Some("int8")) => SchemaBuilder::new(Type::Int8),
        ("int", Some("int16")) => SchemaBuilder::new(Type::Int16),
        ("int", _) => SchemaBuilder::new(Type::Int32),
        ("long", _) => SchemaBuilder::new(Type::Int64),
        ("float", _) => SchemaBuilder::new(Type::Float32),
        ("double", _) => SchemaBuilder::new(Type::Float64),
        ("boolean", _) => SchemaBuilder::new(Type::Boolean),
        ("string", _) | ("enum", _) => SchemaBuilder::new(Type::String),
        ("bytes", _) | ("fixed", _) => SchemaBuilder::new(Type::Bytes),
        ("map", _) => SchemaBuilder::map(
            Schema::string(),
            to_connect_inner(prop("values").ok_or_else(|| unsupported(avro))?, false, defined)?,
        ),
        ("array", _) => {
            let items = prop("items").ok_or_else(|| unsupported(avro))?;
            let items = match items.as_str() {
                Some(name) if !PRIMITIVES.contains(&name) => {
                    defined.get(name).cloned().unwrap_or_else(|| items.clone())
                }
                _ => items.clone(),
            };
            let items = &items;
            let entry = items.as_object().filter(|i| {
                i.get("type").and_then(Json::as_str) == Some("record")
                    && (i.get("connect.internal.type").and_then(Json::as_str) == Some(MAP_ENTRY)
                        || (i.get("name").and_then(Json::as_str) == Some(MAP_ENTRY)
                            && i.get("namespace").and_then(Json::as_str) == Some(NAMESPACE)))
            });
            match entry {
                Some(entry) => {
                    if let Some(name) = entry.get("name").and_then(Json::as_str) {
                        let full_name = match entry.get("namespace").and_then(Json::as_str) {
                            Some(ns) => format!("{ns}.{name}"),
                            None => name.to_owned(),
                        };
                        defined.insert(full_name, items.clone());
                    }
                    let fields = entry
                        .get("fields")
                        .and_then(Json::as_array)
                        .ok_or_else(|| unsupported(avro))?;
                    let schema_of = |name: &str| {
                        fields
                            .iter()
                            .find(|f| f.get("name").and_then(Json::as_str) == Some(name))
                            .and_then(|f| f.get("type"))
                            .ok_or_else(|| unsupported(avro))
                            .and_then(|t| to_connect_inner(t, false, &mut defined.clone()))
                    };
                    SchemaBuilder::map(schema_of("key")?, schema_of("value")?)
                }
                None => SchemaBuilder::array(to_connect_inner(items, false, defined)?),
            }
        }
        ("record", _) => {
            let mut record = SchemaBuilder::record();
            let full_name = match (prop_str("namespace"), prop_str("name")) {
                (Some(ns), Some(name)) => format!("{ns}.{name}"),
                (None, Some(name)) => name.to_owned(),
                _ => String::new(),
            };
            if !full_name.is_empty() {
                defined.insert(full_name.clone(), avro.clone());
            }
            let default_name = full_name == format!("{NAMESPACE}.{DEFAULT_NAME}")
                || (full_name.starts_with(&format!("{NAMESPACE}.{DEFAULT_NAME}")));
            if !default_name && !full_name.is_empty() {
                record = record.name(full_name);
            }
            for f in prop("fields")
                .and_then(Json::as_array)
                .ok_or_else(|| unsupported(avro))?
            {
                let name = f
                    .get("name")
                    .and_then(Json::as_str)
                    .ok_or_else(|| unsupported(avro))?;
                let mut field_schema =
                    to_connect_inner(f.get("type").ok_or_else(|| unsupported(avro))?, false, defined)?;
                if let Some(default) = f.get("default").filter(|d| !d.is_null())
                    && field_schema.default_value().is_none()
                {
                    let value = value_of_default(&field_schema, default)?;
                    field_schema = field_schema.to_builder().default_value(value)?.build();
                }
                record = record.field(name, field_schema)?;
            }
            record
        }
        _ => return Err(unsupported(avro)),
    };
    if let Some(Json::String(name)) = prop("connect.name") {
        builder = builder.name(name.clone());
    } else {
        match prop_str("logicalType") {
            Some("date") => builder = builder.name(logical::DATE).version(1),
            Some("time-millis") => builder = builder.name(logical::TIME).version(1),
            Some("timestamp-millis") => builder = builder.name(logical::TIMESTAMP).version(1),
            Some("decimal") => {
                let scale = prop("scale").and_then(Json::as_i64).unwrap_or(0);
                builder = builder
                    .name(logical::DECIMAL)
                    .version(1)
                    .parameter(logical::SCALE, scale.to_string());
            }
            _ => {}
        }
    }
    if let Some(version) = prop("connect.version").and_then(Json::as_i64) {
        builder = builder.version(i32::try_from(version).map_err(|_| unsupported(avro))?);
    }
    if let Some(doc) = prop_str("connect.doc") {
        builder = builder.doc(doc);
    }
    if let Some(Json::Object(parameters)) = prop("connect.parameters") {
        for (k, v) in parameters {
            builder = builder.parameter(k.clone(), v.as_str().unwrap_or_default());
        }
    }
    if optional {
        builder = builder.optional();
    }
    if let Some(default) = prop("connect.default") {
        let partial = builder.clone().build();
        builder = builder.default_value(value_of_default(&partial, default)?)?;
    }
    Ok(builder.build())
}

/// A default written as JSON, read as a value of `schema`.
fn value_of_default(schema: &Schema, default: &Json) -> Result<Value> {
    let envelope = json!({"schema": serde_json::from_str::<Json>(JsonConverter::new(true).schema_json(schema)?).map_err(|e| Error::data(e.to_string()))?, "payload": default});
    JsonConverter::new(true)
        .replace_null_with_default(false)
        .decode("default", Some(envelope.to_string().as_bytes()))
        .map(|(_, v)| v)
}
