//! Connect schemas as JSON (Kafka's `asJsonSchema` and `asConnectSchema`).

use super::parse::Json;
use super::read;
use super::text;
use super::write::Writer;
use crate::data::{Schema, SchemaBuilder, Type};
use crate::error::{Error, Result};

/// Writes `schema` as Kafka does: `type`, then `items`, `keys` and `values`, or
/// `fields` (each a schema with its `field` name last), then `optional`, `name`,
/// `version`, `doc`, `parameters` and `default`.
pub(super) fn write(out: &mut String, schema: &Schema, writer: Writer) -> Result<()> {
    write_with_field(out, schema, None, writer)
}

fn write_with_field(out: &mut String, schema: &Schema, field: Option<&str>, writer: Writer) -> Result<()> {
    out.push_str("{\"type\":");
    text::string(out, json_type_name(schema.kind()));
    match schema.kind() {
        Type::Array => {
            out.push_str(",\"items\":");
            write(out, schema.items()?, writer)?;
        }
        Type::Map => {
            out.push_str(",\"keys\":");
            let (keys, values) = schema.entries()?;
            write(out, keys, writer)?;
            out.push_str(",\"values\":");
            write(out, values, writer)?;
        }
        Type::Struct => {
            out.push_str(",\"fields\":[");
            for (i, f) in schema.fields().iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_with_field(out, f.schema(), Some(f.name()), writer)?;
            }
            out.push(']');
        }
        _ => {}
    }
    out.push_str(",\"optional\":");
    out.push_str(if schema.is_optional() { "true" } else { "false" });
    if let Some(name) = schema.name() {
        out.push_str(",\"name\":");
        text::string(out, name);
    }
    if let Some(version) = schema.version() {
        out.push_str(",\"version\":");
        out.push_str(&version.to_string());
    }
    if let Some(doc) = schema.doc() {
        out.push_str(",\"doc\":");
        text::string(out, doc);
    }
    if let Some(parameters) = schema.parameters() {
        out.push_str(",\"parameters\":{");
        for (i, (k, v)) in parameters.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            text::string(out, k);
            out.push(':');
            text::string(out, v);
        }
        out.push('}');
    }
    if let Some(default) = schema.default_value() {
        out.push_str(",\"default\":");
        writer.value(out, Some(schema), default)?;
    }
    if let Some(field) = field {
        out.push_str(",\"field\":");
        text::string(out, field);
    }
    out.push('}');
    Ok(())
}

/// The schema a JSON schema describes; `None` for a JSON null.
pub(super) fn read(json: &Json<'_>) -> Result<Option<Schema>> {
    if *json == Json::Null {
        return Ok(None);
    }
    let kind = match json.get("type") {
        Some(Json::String(name)) => {
            type_of_json_name(name).ok_or_else(|| Error::data(format!("Unknown schema type: {name}")))?
        }
        _ => return Err(Error::data("Schema must contain 'type' field")),
    };
    let mut builder = match kind {
        Type::Array => match json.get("items") {
            Some(Json::Null) | None => {
                return Err(Error::data("Array schema did not specify the element type"));
            }
            Some(items) => SchemaBuilder::array(required(items)?),
        },
        Type::Map => {
            let keys = json
                .get("keys")
                .ok_or_else(|| Error::data("Map schema did not specify the key type"))?;
            let values = json
                .get("values")
                .ok_or_else(|| Error::data("Map schema did not specify the value type"))?;
            SchemaBuilder::map(required(keys)?, required(values)?)
        }
        Type::Struct => {
            let Some(Json::Array(fields)) = json.get("fields") else {
                return Err(Error::data(
                    "Struct schema's \"fields\" argument is not an array.",
                ));
            };
            let mut builder = SchemaBuilder::record();
            for field in fields {
                let Some(Json::String(name)) = field.get("field") else {
                    return Err(Error::data("Struct schema's field name not specified properly"));
                };
                builder = builder.field(name.clone(), required(field)?)?;
            }
            builder
        }
        kind => SchemaBuilder::new(kind),
    };
    if json.get("optional") == Some(&Json::Bool(true)) {
        builder = builder.optional();
    }
    if let Some(Json::String(name)) = json.get("name") {
        builder = builder.name(name.clone());
    }
    if let Some(version @ Json::Number(text)) = json.get("version")
        && version.is_integral()
    {
        let version = text
            .parse()
            .map_err(|_| Error::data(format!("Schema version out of range: {text}")))?;
        builder = builder.version(version);
    }
    if let Some(Json::String(doc)) = json.get("doc") {
        builder = builder.doc(doc.clone());
    }
    if let Some(Json::Object(parameters)) = json.get("parameters") {
        for (k, v) in parameters {
            let Json::String(v) = v else {
                return Err(Error::data("Schema parameters must have string values."));
            };
            builder = builder.parameter(k.clone(), v.clone());
        }
    }
    if let Some(default) = json.get("default") {
        let partial = builder.clone().build();
        let value = read::value(Some(&partial), default, true)?;
        builder = builder.default_value(value)?;
    }
    Ok(Some(builder.build()))
}

fn required(json: &Json<'_>) -> Result<Schema> {
    read(json)?.ok_or_else(|| Error::data("A nested schema is null"))
}

/// The name JsonConverter gives a type: Connect's, but `float` and `double` for the
/// floating-point types.
fn json_type_name(kind: Type) -> &'static str {
    match kind {
        Type::Float32 => "float",
        Type::Float64 => "double",
        other => other.name(),
    }
}

/// The type of a JsonConverter type name.
fn type_of_json_name(name: &str) -> Option<Type> {
    match name {
        "float" => Some(Type::Float32),
        "double" => Some(Type::Float64),
        "float32" | "float64" => None,
        other => Type::from_name(other),
    }
}
