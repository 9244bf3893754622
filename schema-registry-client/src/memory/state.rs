//! The in-memory registry's state and the rules of every call, without locking or
//! storage.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::avro::{ParsedAvro, compact_json};
use crate::compat::{Earlier, check_against};
use crate::error::{Error, ErrorCode, Result};
use crate::model::{
    CompatibilityLevel, CompatibilityReport, Mode, RegisteredSchema, Schema, SchemaType, SubjectFilter,
    SubjectVersion, Version,
};
use crate::options::{
    CompatibilityOptions, Deletion, LookupOptions, ReadOptions, RegisterOptions, SettingOptions,
};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct VersionEntry {
    version: i32,
    id: u32,
    deleted: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct SubjectEntry {
    versions: Vec<VersionEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    compatibility: Option<CompatibilityLevel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mode: Option<Mode>,
}

impl SubjectEntry {
    fn visible(&self, deleted: bool) -> impl Iterator<Item = &VersionEntry> {
        self.versions.iter().filter(move |v| deleted || !v.deleted)
    }
}

/// Everything the registry holds. Serializable, for `--data-dir`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct State {
    schemas: BTreeMap<u32, Schema>,
    subjects: BTreeMap<String, SubjectEntry>,
    compatibility: CompatibilityLevel,
    mode: Mode,
    /// The last id handed out; ids are never reused, even after a hard delete.
    #[serde(default)]
    last_id: u32,
    #[serde(skip)]
    ids: HashMap<Schema, u32>,
}

fn subject_not_found(subject: &str) -> Error {
    Error::registry(
        ErrorCode::SubjectNotFound,
        format!("Subject '{subject}' not found."),
    )
}

fn version_not_found(version: Version) -> Error {
    Error::registry(
        ErrorCode::VersionNotFound,
        format!("Version {version} not found."),
    )
}

fn schema_not_found(id: u32) -> Error {
    Error::registry(ErrorCode::SchemaNotFound, format!("Schema {id} not found"))
}

fn invalid_schema(reason: impl std::fmt::Display) -> Error {
    Error::registry(ErrorCode::InvalidSchema, format!("Invalid schema: {reason}"))
}

impl State {
    /// Rebuilds the index that is not stored.
    pub(crate) fn reindex(&mut self) {
        self.ids = self.schemas.iter().map(|(id, s)| (s.clone(), *id)).collect();
    }

    fn subject(&self, subject: &str) -> Result<&SubjectEntry> {
        self.subjects
            .get(subject)
            .ok_or_else(|| subject_not_found(subject))
    }

    fn entry(&self, subject: &str, version: Version, deleted: bool) -> Result<&VersionEntry> {
        let entry = self.subject(subject)?;
        if entry.visible(deleted).next().is_none() {
            return Err(subject_not_found(subject));
        }
        match version {
            Version::Latest => entry.visible(deleted).last(),
            Version::Number(n) => entry.visible(deleted).find(|v| v.version == n),
        }
        .ok_or_else(|| version_not_found(version))
    }

    fn registered(&self, subject: &str, entry: &VersionEntry) -> RegisteredSchema {
        RegisteredSchema {
            subject: subject.to_owned(),
            id: entry.id,
            version: entry.version,
            schema: self.schemas[&entry.id].clone(),
        }
    }

    /// The texts of a schema's references, dependencies first, each once.
    fn reference_texts(&self, schema: &Schema, out: &mut Vec<String>, depth: usize) -> Result<()> {
        if depth > 32 {
            return Err(invalid_schema("references nest deeper than 32 levels"));
        }
        for reference in &schema.references {
            let entry = self
                .entry(&reference.subject, Version::Number(reference.version), false)
                .map_err(|_| {
                    invalid_schema(format!(
                        "reference `{}` names subject `{}` version {}, which does not exist",
                        reference.name, reference.subject, reference.version
                    ))
                })?;
            let referenced = &self.schemas[&entry.id];
            self.reference_texts(referenced, out, depth + 1)?;
            if !out.contains(&referenced.schema) {
                out.push(referenced.schema.clone());
            }
        }
        Ok(())
    }

    fn parse(&self, schema: &Schema) -> Result<ParsedAvro> {
        if schema.schema_type != SchemaType::Avro {
            return Err(invalid_schema(format!(
                "schema type {} is not supported by this registry (AVRO only)",
                schema.schema_type.as_str()
            )));
        }
        let mut references = Vec::new();
        self.reference_texts(schema, &mut references, 0)?;
        ParsedAvro::parse(&schema.schema, &references).map_err(invalid_schema)
    }

    /// The schema as it is stored: parsed (so invalid ones are refused), with its text
    /// compacted or, with `normalize`, normalized.
    fn stored_form(&self, schema: &Schema, normalize: bool) -> Result<(Schema, ParsedAvro)> {
        let parsed = self.parse(schema)?;
        let text = if normalize {
            parsed.normalized_text()
        } else {
            compact_json(&schema.schema).map_err(invalid_schema)?
        };
        Ok((
            Schema {
                schema: text,
                schema_type: schema.schema_type,
                references: schema.references.clone(),
            },
            parsed,
        ))
    }

    fn mode_of(&self, subject: &str) -> Mode {
        self.subjects
            .get(subject)
            .and_then(|s| s.mode)
            .unwrap_or(self.mode)
    }

    fn level_of(&self, subject: &str) -> CompatibilityLevel {
        self.subjects
            .get(subject)
            .and_then(|s| s.compatibility)
            .unwrap_or(self.compatibility)
    }

    fn writable(&self, subject: &str) -> Result<()> {
        if self.mode_of(subject) == Mode::Readonly {
            return Err(Error::registry(
                ErrorCode::OperationNotPermitted,
                format!("Subject {subject} is in read-only mode"),
            ));
        }
        Ok(())
    }

    /// The non-deleted versions of a subject, parsed, oldest first, with labels.
    fn parsed_versions(&self, subject: &str) -> Result<Vec<(i32, ParsedAvro)>> {
        let Some(entry) = self.subjects.get(subject) else {
            return Ok(Vec::new());
        };
        entry
            .visible(false)
            .map(|v| Ok((v.version, self.parse(&self.schemas[&v.id])?)))
            .collect()
    }

    fn incompatibilities(
        &self,
        level: CompatibilityLevel,
        new: &ParsedAvro,
        earlier: &[(i32, ParsedAvro)],
    ) -> Vec<String> {
        let earlier: Vec<Earlier<'_>> = earlier
            .iter()
            .map(|(version, schema)| Earlier {
                label: format!("version {version}"),
                schema,
            })
            .collect();
        check_against(level, new, &earlier)
    }

    pub(crate) fn register(
        &mut self,
        subject: &str,
        schema: &Schema,
        options: RegisterOptions,
    ) -> Result<u32> {
        self.writable(subject)?;
        let (stored, parsed) = self.stored_form(schema, options.normalize)?;
        if let Some(entry) = self.subjects.get(subject)
            && let Some(found) = entry.visible(false).find(|v| self.schemas[&v.id] == stored)
        {
            return Ok(found.id);
        }
        let messages =
            self.incompatibilities(self.level_of(subject), &parsed, &self.parsed_versions(subject)?);
        if !messages.is_empty() {
            return Err(Error::registry(
                ErrorCode::Incompatible,
                format!(
                    "Schema being registered is incompatible with an earlier schema for subject \"{subject}\", details: [{}]",
                    messages.join("; ")
                ),
            ));
        }
        let id = match self.ids.get(&stored) {
            Some(id) => *id,
            None => {
                let id = self
                    .last_id
                    .max(self.schemas.keys().next_back().copied().unwrap_or(0))
                    + 1;
                self.last_id = id;
                self.schemas.insert(id, stored.clone());
                self.ids.insert(stored, id);
                id
            }
        };
        let entry = self.subjects.entry(subject.to_owned()).or_default();
        let version = entry.versions.iter().map(|v| v.version).max().unwrap_or(0) + 1;
        entry.versions.push(VersionEntry {
            version,
            id,
            deleted: false,
        });
        Ok(id)
    }

    pub(crate) fn lookup(
        &self,
        subject: &str,
        schema: &Schema,
        options: LookupOptions,
    ) -> Result<RegisteredSchema> {
        let entry = self.subject(subject)?;
        let (stored, _) = self.stored_form(schema, options.normalize)?;
        entry
            .visible(options.include_deleted)
            .filter(|v| self.schemas[&v.id] == stored)
            .last()
            .map(|v| self.registered(subject, v))
            .ok_or_else(|| Error::registry(ErrorCode::SchemaNotFound, "Schema not found"))
    }

    pub(crate) fn subjects(&self, filter: &SubjectFilter) -> Vec<String> {
        self.subjects
            .iter()
            .filter(|(name, entry)| {
                filter.prefix.as_deref().is_none_or(|p| name.starts_with(p))
                    && entry.visible(filter.deleted).next().is_some()
            })
            .map(|(name, _)| name.clone())
            .collect()
    }

    pub(crate) fn versions(&self, subject: &str, options: ReadOptions) -> Result<Vec<i32>> {
        let versions: Vec<i32> = self
            .subject(subject)?
            .visible(options.include_deleted)
            .map(|v| v.version)
            .collect();
        if versions.is_empty() {
            return Err(subject_not_found(subject));
        }
        Ok(versions)
    }

    pub(crate) fn version(
        &self,
        subject: &str,
        version: Version,
        options: ReadOptions,
    ) -> Result<RegisteredSchema> {
        let entry = self.entry(subject, version, options.include_deleted)?;
        Ok(self.registered(subject, entry))
    }

    pub(crate) fn schema_by_id(&self, id: u32) -> Result<Schema> {
        self.schemas.get(&id).cloned().ok_or_else(|| schema_not_found(id))
    }

    pub(crate) fn versions_by_id(&self, id: u32) -> Result<Vec<SubjectVersion>> {
        if !self.schemas.contains_key(&id) {
            return Err(schema_not_found(id));
        }
        Ok(self
            .subjects
            .iter()
            .flat_map(|(subject, entry)| {
                entry
                    .visible(false)
                    .filter(move |v| v.id == id)
                    .map(|v| SubjectVersion {
                        subject: subject.clone(),
                        version: v.version,
                    })
            })
            .collect())
    }

    /// Ids of live schemas whose references name `subject` at `version`.
    fn referrers(&self, subject: &str, version: i32) -> Vec<u32> {
        let mut ids: Vec<u32> = self
            .subjects
            .values()
            .flat_map(|entry| entry.visible(false))
            .map(|v| v.id)
            .filter(|id| {
                self.schemas[id]
                    .references
                    .iter()
                    .any(|r| r.subject == subject && r.version == version)
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    pub(crate) fn referenced_by(&self, subject: &str, version: Version) -> Result<Vec<u32>> {
        let entry = self.entry(subject, version, false)?;
        Ok(self.referrers(subject, entry.version))
    }

    pub(crate) fn check_compatibility(
        &self,
        subject: &str,
        schema: &Schema,
        against: Option<Version>,
        options: CompatibilityOptions,
    ) -> Result<CompatibilityReport> {
        let parsed = self.parse(schema)?;
        let earlier = match against {
            Some(version) => {
                let entry = self.entry(subject, version, false)?;
                vec![(entry.version, self.parse(&self.schemas[&entry.id])?)]
            }
            None => self.parsed_versions(subject)?,
        };
        let messages = self.incompatibilities(self.level_of(subject), &parsed, &earlier);
        Ok(CompatibilityReport {
            is_compatible: messages.is_empty(),
            messages: if options.verbose { messages } else { Vec::new() },
        })
    }

    pub(crate) fn config(
        &self,
        subject: Option<&str>,
        options: SettingOptions,
    ) -> Result<CompatibilityLevel> {
        let Some(subject) = subject else {
            return Ok(self.compatibility);
        };
        match self.subjects.get(subject).and_then(|s| s.compatibility) {
            Some(level) => Ok(level),
            None if options.default_to_global => Ok(self.compatibility),
            None => Err(Error::registry(
                ErrorCode::SubjectCompatibilityNotConfigured,
                format!("Subject '{subject}' does not have subject-level compatibility configured"),
            )),
        }
    }

    pub(crate) fn set_config(&mut self, subject: Option<&str>, level: CompatibilityLevel) {
        match subject {
            None => self.compatibility = level,
            Some(subject) => {
                self.subjects.entry(subject.to_owned()).or_default().compatibility = Some(level);
            }
        }
    }

    pub(crate) fn delete_config(&mut self, subject: Option<&str>) -> Result<CompatibilityLevel> {
        let Some(subject) = subject else {
            return Ok(std::mem::take(&mut self.compatibility));
        };
        let previous = self.config(Some(subject), SettingOptions::default())?;
        if let Some(entry) = self.subjects.get_mut(subject) {
            entry.compatibility = None;
        }
        self.forget_if_empty(subject);
        Ok(previous)
    }

    pub(crate) fn mode(&self, subject: Option<&str>, options: SettingOptions) -> Result<Mode> {
        let Some(subject) = subject else {
            return Ok(self.mode);
        };
        match self.subjects.get(subject).and_then(|s| s.mode) {
            Some(mode) => Ok(mode),
            None if options.default_to_global => Ok(self.mode),
            None => Err(Error::registry(
                ErrorCode::SubjectModeNotConfigured,
                format!("Subject '{subject}' does not have subject-level mode configured"),
            )),
        }
    }

    pub(crate) fn set_mode(&mut self, subject: Option<&str>, mode: Mode) {
        match subject {
            None => self.mode = mode,
            Some(subject) => self.subjects.entry(subject.to_owned()).or_default().mode = Some(mode),
        }
    }

    fn refuse_if_referenced(&self, subject: &str, version: i32) -> Result<()> {
        if self.referrers(subject, version).is_empty() {
            return Ok(());
        }
        Err(Error::registry(
            ErrorCode::ReferenceExists,
            format!("One or more references exist to the schema {{subject={subject},version={version}}}."),
        ))
    }

    pub(crate) fn delete_subject(&mut self, subject: &str, deletion: Deletion) -> Result<Vec<i32>> {
        let permanent = deletion.is_permanent();
        self.writable(subject)?;
        let entry = self.subject(subject)?;
        if entry.versions.is_empty() {
            return Err(subject_not_found(subject));
        }
        if permanent {
            if entry.versions.iter().any(|v| !v.deleted) {
                return Err(Error::registry(
                    ErrorCode::SubjectNotSoftDeleted,
                    format!("Subject '{subject}' was not deleted first before being permanently deleted"),
                ));
            }
            let entry = self.subjects.remove(subject).unwrap_or_default();
            self.collect_garbage();
            return Ok(entry.versions.iter().map(|v| v.version).collect());
        }
        let live: Vec<i32> = entry.visible(false).map(|v| v.version).collect();
        if live.is_empty() {
            return Err(Error::registry(
                ErrorCode::SubjectSoftDeleted,
                format!("Subject '{subject}' was soft deleted.Set permanent=true to delete permanently"),
            ));
        }
        for version in &live {
            self.refuse_if_referenced(subject, *version)?;
        }
        if let Some(entry) = self.subjects.get_mut(subject) {
            entry.versions.iter_mut().for_each(|v| v.deleted = true);
        }
        Ok(live)
    }

    pub(crate) fn delete_version(
        &mut self,
        subject: &str,
        version: Version,
        deletion: Deletion,
    ) -> Result<i32> {
        let permanent = deletion.is_permanent();
        self.writable(subject)?;
        let entry = self.subject(subject)?;
        let found = match version {
            Version::Latest => entry.visible(permanent).last(),
            Version::Number(n) => entry.versions.iter().find(|v| v.version == n),
        }
        .ok_or_else(|| version_not_found(version))?;
        let (number, deleted) = (found.version, found.deleted);
        if permanent && !deleted {
            return Err(Error::registry(
                ErrorCode::VersionNotSoftDeleted,
                format!(
                    "Subject '{subject}' Version {number} was not deleted first before being permanently deleted"
                ),
            ));
        }
        if !permanent && deleted {
            return Err(Error::registry(
                ErrorCode::VersionSoftDeleted,
                format!(
                    "Subject '{subject}' Version {number} was soft deleted.Set permanent=true to delete permanently"
                ),
            ));
        }
        if !permanent {
            self.refuse_if_referenced(subject, number)?;
        }
        if let Some(entry) = self.subjects.get_mut(subject) {
            if permanent {
                entry.versions.retain(|v| v.version != number);
            } else if let Some(v) = entry.versions.iter_mut().find(|v| v.version == number) {
                v.deleted = true;
            }
        }
        self.forget_if_empty(subject);
        self.collect_garbage();
        Ok(number)
    }

    fn forget_if_empty(&mut self, subject: &str) {
        if self
            .subjects
            .get(subject)
            .is_some_and(|e| e.versions.is_empty() && e.compatibility.is_none() && e.mode.is_none())
        {
            self.subjects.remove(subject);
        }
    }

    /// Drops schemas no version (live or soft-deleted) uses any more.
    fn collect_garbage(&mut self) {
        let used: std::collections::HashSet<u32> = self
            .subjects
            .values()
            .flat_map(|e| e.versions.iter().map(|v| v.id))
            .collect();
        self.schemas.retain(|id, _| used.contains(id));
        self.reindex();
    }
}
