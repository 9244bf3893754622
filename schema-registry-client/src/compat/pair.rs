//! Whether a reader schema can read data written with a writer schema, by the rules
//! of Avro schema resolution, with every reason it cannot.

use std::collections::HashSet;

use apache_avro::Schema as S;
use apache_avro::schema::{InnerDecimalSchema, UuidSchema};

use crate::avro::NamedTypes;

/// Why a reader cannot read a writer's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The reader has a record field the writer lacks, with no default.
    FieldMissingDefault {
        /// The record's name.
        record: String,
        /// The field.
        field: String,
    },
    /// The writer has enum symbols the reader lacks, and the reader has no default.
    MissingEnumSymbols {
        /// The enum's name.
        name: String,
        /// The symbols.
        symbols: Vec<String>,
    },
    /// The types differ and no promotion applies.
    TypeMismatch {
        /// What the reader expects.
        reader: String,
        /// What the writer wrote.
        writer: String,
    },
    /// Named types whose names differ (and no alias of the reader's matches).
    NameMismatch {
        /// The reader's name.
        reader: String,
        /// The writer's name.
        writer: String,
    },
    /// Fixed types of different sizes.
    FixedSizeMismatch {
        /// The fixed type's name.
        name: String,
        /// The reader's size.
        reader: usize,
        /// The writer's size.
        writer: usize,
    },
    /// A branch of the writer's union that the reader cannot read.
    MissingUnionBranch {
        /// The writer's branch.
        writer: String,
    },
}

/// One incompatibility: where in the schema, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incompatibility {
    /// A JSON-pointer-like path into the reader schema (`/fields/3/type`).
    pub path: String,
    /// What is wrong.
    pub problem: Problem,
}

/// The incompatibilities found when `reader` reads data written with `writer`.
/// Empty means compatible.
pub fn check_pair(
    reader: &S,
    reader_names: &NamedTypes<'_>,
    writer: &S,
    writer_names: &NamedTypes<'_>,
) -> Vec<Incompatibility> {
    let mut checker = Checker {
        reader_names,
        writer_names,
        in_progress: HashSet::new(),
        found: Vec::new(),
    };
    checker.check(reader, writer, &mut String::new());
    checker.found
}

struct Checker<'r, 'a, 'b> {
    reader_names: &'r NamedTypes<'a>,
    writer_names: &'r NamedTypes<'b>,
    /// Pairs of named types being compared, so recursive types terminate.
    in_progress: HashSet<(String, String)>,
    found: Vec<Incompatibility>,
}

/// A schema with logical types replaced by the type that carries them, which is what
/// resolution compares.
fn carrier(schema: &S) -> &S {
    match schema {
        S::Date | S::TimeMillis => &S::Int,
        S::TimeMicros
        | S::TimestampMillis
        | S::TimestampMicros
        | S::TimestampNanos
        | S::LocalTimestampMillis
        | S::LocalTimestampMicros
        | S::LocalTimestampNanos => &S::Long,
        S::BigDecimal => &S::Bytes,
        S::Uuid(UuidSchema::String) => &S::String,
        S::Uuid(UuidSchema::Bytes) => &S::Bytes,
        S::Decimal(d) => match &d.inner {
            InnerDecimalSchema::Bytes => &S::Bytes,
            InnerDecimalSchema::Fixed(_) => schema,
        },
        other => other,
    }
}

/// A short name for a type, for messages.
pub(crate) fn type_name(schema: &S) -> String {
    match carrier(schema) {
        S::Null => "null".into(),
        S::Boolean => "boolean".into(),
        S::Int => "int".into(),
        S::Long => "long".into(),
        S::Float => "float".into(),
        S::Double => "double".into(),
        S::Bytes => "bytes".into(),
        S::String => "string".into(),
        S::Array(a) => format!("array<{}>", type_name(&a.items)),
        S::Map(m) => format!("map<{}>", type_name(&m.types)),
        S::Union(u) => {
            let names: Vec<String> = u.variants().iter().map(type_name).collect();
            format!("[{}]", names.join(", "))
        }
        S::Record(r) => format!("record {}", r.name),
        S::Enum(e) => format!("enum {}", e.name),
        S::Fixed(f) | S::Duration(f) => format!("fixed {}", f.name),
        S::Decimal(_) => "decimal".into(),
        S::Uuid(UuidSchema::Fixed(f)) => format!("fixed {}", f.name),
        S::Ref { name } => name.to_string(),
        _ => "unknown".into(),
    }
}

fn promotes(writer: &S, reader: &S) -> bool {
    matches!(
        (writer, reader),
        (S::Int, S::Long | S::Float | S::Double)
            | (S::Long, S::Float | S::Double)
            | (S::Float, S::Double)
            | (S::String, S::Bytes)
            | (S::Bytes, S::String)
    )
}

impl Checker<'_, '_, '_> {
    fn problem(&mut self, path: &str, problem: Problem) {
        self.found.push(Incompatibility {
            path: if path.is_empty() { "/".into() } else { path.into() },
            problem,
        });
    }

    /// Whether `reader` reads `writer` at all, without recording anything.
    fn readable(&mut self, reader: &S, writer: &S) -> bool {
        let before = self.found.len();
        self.check(reader, writer, &mut String::new());
        let ok = self.found.len() == before;
        self.found.truncate(before);
        ok
    }

    fn check(&mut self, reader: &S, writer: &S, path: &mut String) {
        let reader = carrier(self.reader_names.resolve(reader));
        let writer = carrier(self.writer_names.resolve(writer));
        if let S::Union(w) = writer {
            for (i, branch) in w.variants().iter().enumerate() {
                let readable = match reader {
                    S::Union(r) => r.variants().iter().any(|rb| self.readable(rb, branch)),
                    _ => self.readable(reader, branch),
                };
                if !readable {
                    let at = format!("{path}/{i}");
                    self.problem(
                        &at,
                        Problem::MissingUnionBranch {
                            writer: type_name(branch),
                        },
                    );
                }
            }
            return;
        }
        if let S::Union(r) = reader {
            if !r.variants().iter().any(|rb| self.readable(rb, writer)) {
                self.problem(
                    path,
                    Problem::TypeMismatch {
                        reader: type_name(reader),
                        writer: type_name(writer),
                    },
                );
            }
            return;
        }
        match (reader, writer) {
            (S::Record(r), S::Record(w)) => self.records(r, w, path),
            (S::Enum(r), S::Enum(w)) => {
                if self.names_match(&r.name, &r.aliases, &w.name, path) {
                    let missing: Vec<String> = w
                        .symbols
                        .iter()
                        .filter(|s| !r.symbols.contains(s))
                        .cloned()
                        .collect();
                    if !missing.is_empty() && r.default.is_none() {
                        self.problem(
                            path,
                            Problem::MissingEnumSymbols {
                                name: r.name.to_string(),
                                symbols: missing,
                            },
                        );
                    }
                }
            }
            (S::Array(r), S::Array(w)) => {
                let len = path.len();
                path.push_str("/items");
                self.check(&r.items, &w.items, path);
                path.truncate(len);
            }
            (S::Map(r), S::Map(w)) => {
                let len = path.len();
                path.push_str("/values");
                self.check(&r.types, &w.types, path);
                path.truncate(len);
            }
            (S::Fixed(r), S::Fixed(w)) | (S::Duration(r), S::Duration(w)) => {
                if self.names_match(&r.name, &r.aliases, &w.name, path) && r.size != w.size {
                    self.problem(
                        path,
                        Problem::FixedSizeMismatch {
                            name: r.name.to_string(),
                            reader: r.size,
                            writer: w.size,
                        },
                    );
                }
            }
            (S::Decimal(r), S::Decimal(w)) => {
                if let (InnerDecimalSchema::Fixed(rf), InnerDecimalSchema::Fixed(wf)) = (&r.inner, &w.inner)
                    && rf.size != wf.size
                {
                    self.problem(
                        path,
                        Problem::FixedSizeMismatch {
                            name: rf.name.to_string(),
                            reader: rf.size,
                            writer: wf.size,
                        },
                    );
                }
            }
            (r, w) if r == w && is_primitive(r) => {}
            (r, w) if promotes(w, r) => {}
            (r, w) => self.problem(
                path,
                Problem::TypeMismatch {
                    reader: type_name(r),
                    writer: type_name(w),
                },
            ),
        }
    }

    fn names_match(
        &mut self,
        reader: &apache_avro::schema::Name,
        aliases: &apache_avro::schema::Aliases,
        writer: &apache_avro::schema::Name,
        path: &str,
    ) -> bool {
        let same = reader.name() == writer.name()
            || reader.to_string() == writer.to_string()
            || aliases
                .iter()
                .flatten()
                .any(|alias| alias.name() == writer.name() || alias.fullname(None) == writer.to_string());
        if !same {
            self.problem(
                path,
                Problem::NameMismatch {
                    reader: reader.to_string(),
                    writer: writer.to_string(),
                },
            );
        }
        same
    }

    fn records(
        &mut self,
        reader: &apache_avro::schema::RecordSchema,
        writer: &apache_avro::schema::RecordSchema,
        path: &mut String,
    ) {
        if !self.names_match(&reader.name, &reader.aliases, &writer.name, path) {
            return;
        }
        let key = (reader.name.to_string(), writer.name.to_string());
        if !self.in_progress.insert(key.clone()) {
            return;
        }
        for (i, field) in reader.fields.iter().enumerate() {
            let in_writer = writer
                .fields
                .iter()
                .find(|w| w.name == field.name || field.aliases.contains(&w.name));
            let len = path.len();
            match in_writer {
                Some(w) => {
                    path.push_str(&format!("/fields/{i}/type"));
                    self.check(&field.schema, &w.schema, path);
                }
                None if field.default.is_some() => {}
                None => {
                    path.push_str(&format!("/fields/{i}"));
                    let at = path.clone();
                    self.problem(
                        &at,
                        Problem::FieldMissingDefault {
                            record: reader.name.to_string(),
                            field: field.name.clone(),
                        },
                    );
                }
            }
            path.truncate(len);
        }
        self.in_progress.remove(&key);
    }
}

fn is_primitive(schema: &S) -> bool {
    matches!(
        schema,
        S::Null | S::Boolean | S::Int | S::Long | S::Float | S::Double | S::Bytes | S::String
    )
}
