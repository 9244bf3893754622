//! A schema made ready for encoding and decoding: parsed once, its named types
//! resolved once, its references fetched from the registry.

use std::collections::HashMap;

use apache_avro::Schema as AvroSchema;
use apache_avro::schema::{NamesRef, ResolvedSchema};

use crate::avro::ParsedAvro;
use crate::error::{Error, Result};
use crate::model::{Schema, SchemaType, Version};
use crate::options::ReadOptions;
use crate::registry::SchemaRegistry;

/// A parsed schema, ready for encoding and decoding.
pub struct Compiled {
    parsed: ParsedAvro,
    /// Whether the schema refers to named types by name (`Ref`), so encoding and
    /// decoding need the table of names. Most schemas do not, and then no table is
    /// built per value.
    needs_names: bool,
    /// The parsing canonical form, to tell whether two schemas are the same.
    canonical: String,
    /// An empty table of names, for schemas that need none.
    no_names: ResolvedSchema<'static>,
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compiled")
            .field("canonical", &self.canonical)
            .finish()
    }
}

fn has_refs(schema: &AvroSchema) -> bool {
    match schema {
        AvroSchema::Ref { .. } => true,
        AvroSchema::Record(r) => r.fields.iter().any(|f| has_refs(&f.schema)),
        AvroSchema::Array(a) => has_refs(&a.items),
        AvroSchema::Map(m) => has_refs(&m.types),
        AvroSchema::Union(u) => u.variants().iter().any(has_refs),
        _ => false,
    }
}

impl Compiled {
    /// Compiles a schema without references.
    pub fn from_text(text: &str) -> Result<Self> {
        Self::from_parsed(ParsedAvro::parse(text, &[])?)
    }

    fn from_parsed(parsed: ParsedAvro) -> Result<Self> {
        let invalid = |e: apache_avro::Error| Error::InvalidSchema {
            reason: e.to_string(),
        };
        let needs_names = !parsed.references.is_empty() || has_refs(&parsed.root);
        let canonical = if parsed.references.is_empty() {
            parsed.root.canonical_form()
        } else {
            parsed
                .root
                .independent_canonical_form(&parsed.references)
                .map_err(invalid)?
        };
        ResolvedSchema::new_with_schemata(schemata(&parsed)).map_err(invalid)?;
        let no_names =
            ResolvedSchema::new_with_known_schemata(Vec::new(), None, &HashMap::new()).map_err(invalid)?;
        Ok(Compiled {
            parsed,
            needs_names,
            canonical,
            no_names,
        })
    }

    /// Compiles a registry schema, fetching the schemas its references name.
    pub async fn fetch(registry: &dyn SchemaRegistry, schema: &Schema) -> Result<Self> {
        if schema.schema_type != SchemaType::Avro {
            return Err(Error::InvalidSchema {
                reason: format!("expected an AVRO schema, got {}", schema.schema_type.as_str()),
            });
        }
        let mut texts = Vec::new();
        collect_references(registry, schema, &mut texts, 0).await?;
        Self::from_parsed(ParsedAvro::parse(&schema.schema, &texts)?)
    }

    /// The schema.
    pub fn root(&self) -> &AvroSchema {
        &self.parsed.root
    }

    /// The referenced schemas (dependencies first).
    pub fn references(&self) -> &[AvroSchema] {
        &self.parsed.references
    }

    /// Whether two compiled schemas are the same schema.
    pub fn same_as(&self, other: &Compiled) -> bool {
        self.canonical == other.canonical
    }

    /// The full name of the schema's top-level named type (a record, usually).
    pub fn full_name(&self) -> Option<String> {
        self.root().name().map(|name| name.to_string())
    }

    /// The schema's named types resolved for the Avro library: empty (and free) when
    /// the schema never refers to a type by name.
    pub fn resolved(&self) -> ResolvedSchema<'_> {
        if self.needs_names {
            // Checked when compiled, so this resolves.
            if let Ok(resolved) = ResolvedSchema::new_with_schemata(schemata(&self.parsed)) {
                return resolved;
            }
        }
        self.no_names.clone()
    }

    /// Calls `f` with the schema and the table of its named types.
    pub fn with_names<T>(&self, f: impl FnOnce(&AvroSchema, &NamesRef<'_>) -> T) -> T {
        let resolved = self.resolved();
        f(self.root(), resolved.get_names())
    }
}

fn schemata(parsed: &ParsedAvro) -> Vec<&AvroSchema> {
    parsed
        .references
        .iter()
        .chain(std::iter::once(&parsed.root))
        .collect()
}

/// The texts of `schema`'s references, fetched by subject and version, dependencies
/// first, each once.
async fn collect_references(
    registry: &dyn SchemaRegistry,
    schema: &Schema,
    out: &mut Vec<String>,
    depth: usize,
) -> Result<()> {
    if depth > 32 {
        return Err(Error::InvalidSchema {
            reason: "references nest deeper than 32 levels".into(),
        });
    }
    for reference in &schema.references {
        let referenced = registry
            .version(
                &reference.subject,
                Version::Number(reference.version),
                ReadOptions::default(),
            )
            .await?;
        Box::pin(collect_references(registry, &referenced.schema, out, depth + 1)).await?;
        if !out.contains(&referenced.schema.schema) {
            out.push(referenced.schema.schema);
        }
    }
    Ok(())
}
