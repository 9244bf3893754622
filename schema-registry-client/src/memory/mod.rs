//! The in-memory registry: the same calls, rules and error codes as Confluent Schema
//! Registry, in the process. Optionally kept in a data directory across restarts.

mod state;

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use parking_lot::RwLock;

use crate::error::{Error, Result};
use crate::model::{
    CompatibilityLevel, CompatibilityReport, Mode, RegisteredSchema, Schema, SchemaType, SubjectFilter,
    SubjectVersion, Version,
};
use crate::options::{
    CompatibilityOptions, Deletion, LookupOptions, ReadOptions, RegisterOptions, SettingOptions,
};
use crate::registry::SchemaRegistry;
use state::State;

const STATE_FILE: &str = "registry.json";

/// A schema registry held in memory.
///
/// Registering enforces the subject's compatibility level; soft and hard deletes follow
/// the registry's rules (a hard delete needs a soft delete first; a referenced schema
/// cannot be deleted); ids are global, shared by subjects registering the same schema,
/// and never reused. Only Avro schemas are accepted.
#[derive(Debug, Default)]
pub struct MemoryRegistry {
    state: RwLock<State>,
    data_file: Option<PathBuf>,
}

impl MemoryRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// A registry kept in `dir` (created if missing): it loads what is there and writes
    /// every change before answering.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        let storage = |e: &dyn std::fmt::Display| Error::Storage {
            path: dir.display().to_string(),
            reason: e.to_string(),
        };
        std::fs::create_dir_all(dir).map_err(|e| storage(&e))?;
        let file = dir.join(STATE_FILE);
        let mut state = match std::fs::read(&file) {
            Ok(bytes) => serde_json::from_slice::<State>(&bytes).map_err(|e| Error::Storage {
                path: file.display().to_string(),
                reason: format!("does not parse: {e}"),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => State::default(),
            Err(e) => return Err(storage(&e)),
        };
        state.reindex();
        Ok(MemoryRegistry {
            state: RwLock::new(state),
            data_file: Some(file),
        })
    }

    fn read<T>(&self, f: impl FnOnce(&State) -> Result<T>) -> Result<T> {
        f(&self.state.read())
    }

    /// Applies a change to a copy, stores the copy, then makes it current: a change
    /// that cannot be stored is not made.
    fn write<T>(&self, f: impl FnOnce(&mut State) -> Result<T>) -> Result<T> {
        let mut guard = self.state.write();
        let Some(file) = &self.data_file else {
            return f(&mut guard);
        };
        let mut next = guard.clone();
        let answer = f(&mut next)?;
        save(file, &next)?;
        *guard = next;
        Ok(answer)
    }
}

fn save(file: &Path, state: &State) -> Result<()> {
    let storage = |e: std::io::Error| Error::Storage {
        path: file.display().to_string(),
        reason: e.to_string(),
    };
    let bytes = serde_json::to_vec_pretty(state).map_err(|e| Error::Storage {
        path: file.display().to_string(),
        reason: e.to_string(),
    })?;
    let temp = file.with_extension("json.tmp");
    std::fs::write(&temp, bytes).map_err(storage)?;
    std::fs::rename(&temp, file).map_err(storage)
}

#[async_trait]
impl SchemaRegistry for MemoryRegistry {
    async fn subjects(&self, filter: &SubjectFilter) -> Result<Vec<String>> {
        self.read(|s| Ok(s.subjects(filter)))
    }

    async fn versions(&self, subject: &str, options: ReadOptions) -> Result<Vec<i32>> {
        self.read(|s| s.versions(subject, options))
    }

    async fn version(
        &self,
        subject: &str,
        version: Version,
        options: ReadOptions,
    ) -> Result<RegisteredSchema> {
        self.read(|s| s.version(subject, version, options))
    }

    async fn register(&self, subject: &str, schema: &Schema, options: RegisterOptions) -> Result<u32> {
        self.write(|s| s.register(subject, schema, options))
    }

    async fn lookup(
        &self,
        subject: &str,
        schema: &Schema,
        options: LookupOptions,
    ) -> Result<RegisteredSchema> {
        self.read(|s| s.lookup(subject, schema, options))
    }

    async fn schema_by_id(&self, id: u32) -> Result<Schema> {
        self.read(|s| s.schema_by_id(id))
    }

    async fn subjects_by_id(&self, id: u32) -> Result<Vec<String>> {
        let mut subjects: Vec<String> = self
            .read(|s| s.versions_by_id(id))?
            .into_iter()
            .map(|sv| sv.subject)
            .collect();
        subjects.dedup();
        Ok(subjects)
    }

    async fn versions_by_id(&self, id: u32) -> Result<Vec<SubjectVersion>> {
        self.read(|s| s.versions_by_id(id))
    }

    async fn referenced_by(&self, subject: &str, version: Version) -> Result<Vec<u32>> {
        self.read(|s| s.referenced_by(subject, version))
    }

    async fn schema_types(&self) -> Result<Vec<SchemaType>> {
        Ok(vec![SchemaType::Avro])
    }

    async fn check_compatibility(
        &self,
        subject: &str,
        schema: &Schema,
        against: Option<Version>,
        options: CompatibilityOptions,
    ) -> Result<CompatibilityReport> {
        self.read(|s| s.check_compatibility(subject, schema, against, options))
    }

    async fn config(&self, subject: Option<&str>, options: SettingOptions) -> Result<CompatibilityLevel> {
        self.read(|s| s.config(subject, options))
    }

    async fn set_config(
        &self,
        subject: Option<&str>,
        level: CompatibilityLevel,
    ) -> Result<CompatibilityLevel> {
        self.write(|s| {
            s.set_config(subject, level);
            Ok(level)
        })
    }

    async fn delete_config(&self, subject: Option<&str>) -> Result<CompatibilityLevel> {
        self.write(|s| s.delete_config(subject))
    }

    async fn mode(&self, subject: Option<&str>, options: SettingOptions) -> Result<Mode> {
        self.read(|s| s.mode(subject, options))
    }

    async fn set_mode(&self, subject: Option<&str>, mode: Mode) -> Result<Mode> {
        self.write(|s| {
            s.set_mode(subject, mode);
            Ok(mode)
        })
    }

    async fn delete_subject(&self, subject: &str, deletion: Deletion) -> Result<Vec<i32>> {
        self.write(|s| s.delete_subject(subject, deletion))
    }

    async fn delete_version(&self, subject: &str, version: Version, deletion: Deletion) -> Result<i32> {
        self.write(|s| s.delete_version(subject, version, deletion))
    }
}
