//! Rows: named column values in table order.

use std::cell::RefCell;
use std::sync::Arc;

use rustc_hash::FxHashSet;

use crate::value::Value;

/// A row: columns in the order the table declares them. Column names are shared
/// (`Arc<str>`): rows decoded on one thread share one copy of each name.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Row(Vec<(Arc<str>, Value)>);

/// How many distinct column names a thread keeps for sharing; past this the set starts
/// over, so tables with ever-new column names cannot grow it without bound.
const INTERNED_NAMES: usize = 4096;

/// A thread's shared column names.
#[derive(Default)]
struct Names {
    all: FxHashSet<Arc<str>>,
    /// The names of the last row built, by position: the next row of the same table
    /// finds its names here with one comparison each.
    last: Vec<Arc<str>>,
}

impl Names {
    fn get(&mut self, name: &str) -> Arc<str> {
        if let Some(shared) = self.all.get(name) {
            return shared.clone();
        }
        if self.all.len() >= INTERNED_NAMES {
            self.all.clear();
        }
        let shared: Arc<str> = Arc::from(name);
        self.all.insert(shared.clone());
        shared
    }

    fn at(&mut self, position: usize, name: &str) -> Arc<str> {
        match self.last.get(position) {
            Some(last) if **last == *name => last.clone(),
            _ => {
                let shared = self.get(name);
                self.last.truncate(position);
                self.last.push(shared.clone());
                shared
            }
        }
    }
}

thread_local! {
    static NAMES: RefCell<Names> = RefCell::default();
}

/// The shared copy of a column name: rows decoded on one thread share one copy of each
/// name.
fn intern(name: &str) -> Arc<str> {
    NAMES.with_borrow_mut(|names| names.get(name))
}

/// The shared copy of the name of the column at `position` of a row being decoded:
/// the same column of the thread's last row is tried first.
pub(crate) fn shared_name(position: usize, name: &str) -> Arc<str> {
    NAMES.with_borrow_mut(|names| names.at(position, name))
}

impl Row {
    /// An empty row.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty row with room for `columns` columns.
    pub fn with_capacity(columns: usize) -> Self {
        Row(Vec::with_capacity(columns))
    }

    /// A row of the given columns, in order; the decoders' way to build rows, sharing
    /// the names with earlier rows of the same table.
    pub(crate) fn from_columns<'n>(columns: impl ExactSizeIterator<Item = (&'n str, Value)>) -> Row {
        let mut row = Vec::with_capacity(columns.len());
        NAMES.with_borrow_mut(|names| {
            for (i, (name, value)) in columns.enumerate() {
                row.push((names.at(i, name), value));
            }
        });
        Row(row)
    }

    /// A row of columns whose names are already shared (by [`shared_name`]).
    pub(crate) fn from_shared(columns: Vec<(Arc<str>, Value)>) -> Row {
        Row(columns)
    }

    /// Adds a column, builder style.
    pub fn with(mut self, column: impl AsRef<str>, value: Value) -> Self {
        self.push(column, value);
        self
    }

    /// Adds a column.
    pub fn push(&mut self, column: impl AsRef<str>, value: Value) {
        self.0.push((intern(column.as_ref()), value));
    }

    /// Sets a column: replaces its value where the row has it (keeping its place), else
    /// appends it. A JSON object with a repeated key reads this way (the last value wins).
    pub fn set(&mut self, column: impl AsRef<str>, value: Value) {
        let column = column.as_ref();
        match self.0.iter_mut().find(|(c, _)| &**c == column) {
            Some((_, v)) => *v = value,
            None => self.0.push((intern(column), value)),
        }
    }

    /// The value of `column`, if the row has it.
    pub fn get(&self, column: &str) -> Option<&Value> {
        self.0.iter().find(|(c, _)| &**c == column).map(|(_, v)| v)
    }

    /// Columns and values in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(c, v)| (&**c, v))
    }

    /// Column names in order.
    pub fn columns(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(c, _)| &**c)
    }

    /// How many columns.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the row has no columns.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The row as a schema-less JSON object.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(self.0.iter().map(|(c, v)| (c.to_string(), v.to_json())).collect())
    }

    /// The row as a serde type.
    pub fn to_typed<T: serde::de::DeserializeOwned>(&self) -> crate::Result<T> {
        serde_json::from_value(self.to_json()).map_err(|source| crate::Error::Typed { source })
    }

    /// Only the named columns, in the order given (for keys).
    pub fn project(&self, columns: &[&str]) -> Row {
        Row(columns
            .iter()
            .filter_map(|c| self.get(c).map(|v| (intern(c), v.clone())))
            .collect())
    }
}

impl FromIterator<(String, Value)> for Row {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        Row(iter.into_iter().map(|(c, v)| (intern(&c), v)).collect())
    }
}
