//! The options of [`SchemaRegistry`](crate::SchemaRegistry) calls: what the REST API's
//! query flags (`normalize`, `deleted`, `verbose`, `defaultToGlobal`, `permanent`)
//! mean, as named types instead of bare booleans.
//!
//! Each option type starts from `default()` (every flag off, as the REST API's
//! defaults) and turns flags on with builder calls:
//!
//! ```
//! use schema_registry_client::{Deletion, LookupOptions, RegisterOptions};
//!
//! let register = RegisterOptions::default().normalize();
//! assert!(register.normalize);
//! let lookup = LookupOptions::default().normalize().include_deleted();
//! assert!(lookup.normalize && lookup.include_deleted);
//! assert_ne!(Deletion::Soft, Deletion::Permanent);
//! ```

/// How `POST /subjects/{subject}/versions` registers a schema.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct RegisterOptions {
    /// Ask the registry to normalize the schema first (`normalize=true`), so schemas
    /// that differ only in form (whitespace, attribute order) get one id.
    pub normalize: bool,
}

impl RegisterOptions {
    /// Normalizes the schema before registering it.
    pub fn normalize(mut self) -> Self {
        self.normalize = true;
        self
    }
}

/// How `POST /subjects/{subject}` looks a schema up under a subject.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct LookupOptions {
    /// Normalize the schema before comparing (`normalize=true`).
    pub normalize: bool,
    /// Also find soft-deleted versions (`deleted=true`).
    pub include_deleted: bool,
}

impl LookupOptions {
    /// Normalizes the schema before comparing it with the registered ones.
    pub fn normalize(mut self) -> Self {
        self.normalize = true;
        self
    }

    /// Also finds the schema among soft-deleted versions.
    pub fn include_deleted(mut self) -> Self {
        self.include_deleted = true;
        self
    }
}

/// Which versions `GET /subjects/{subject}/versions[/{version}]` sees.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ReadOptions {
    /// Also see soft-deleted versions (`deleted=true`).
    pub include_deleted: bool,
}

impl ReadOptions {
    /// Also sees soft-deleted versions.
    pub fn include_deleted(mut self) -> Self {
        self.include_deleted = true;
        self
    }
}

/// How `POST /compatibility/subjects/{subject}/versions[/{version}]` answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct CompatibilityOptions {
    /// Give the reasons for an incompatibility (`verbose=true`).
    pub verbose: bool,
}

impl CompatibilityOptions {
    /// Gives the reasons for an incompatibility.
    pub fn verbose(mut self) -> Self {
        self.verbose = true;
        self
    }
}

/// How `GET /config/{subject}` and `GET /mode/{subject}` read a subject's setting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct SettingOptions {
    /// A subject without a setting of its own answers with the global one
    /// (`defaultToGlobal=true`) instead of 40408 or 40409.
    pub default_to_global: bool,
}

impl SettingOptions {
    /// A subject without a setting of its own answers with the global one.
    pub fn default_to_global(mut self) -> Self {
        self.default_to_global = true;
        self
    }
}

/// How `DELETE /subjects/{subject}[/versions/{version}]` deletes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Deletion {
    /// A soft delete: hidden, its ids still readable, and undone by registering again.
    #[default]
    Soft,
    /// A hard delete (`permanent=true`) of what was soft-deleted before.
    Permanent,
}

impl Deletion {
    /// Whether this is a hard delete.
    pub fn is_permanent(self) -> bool {
        self == Deletion::Permanent
    }
}
