//! Rows: named column values in table order.

use crate::value::Value;

/// A row: columns in the order the table declares them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Row(Vec<(String, Value)>);

impl Row {
    /// An empty row.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty row with room for `columns` columns.
    pub fn with_capacity(columns: usize) -> Self {
        Row(Vec::with_capacity(columns))
    }

    /// Adds a column, builder style.
    pub fn with(mut self, column: impl Into<String>, value: Value) -> Self {
        self.0.push((column.into(), value));
        self
    }

    /// Adds a column.
    pub fn push(&mut self, column: impl Into<String>, value: Value) {
        self.0.push((column.into(), value));
    }

    /// Sets a column: replaces its value where the row has it (keeping its place), else
    /// appends it. A JSON object with a repeated key reads this way (the last value wins).
    pub fn set(&mut self, column: impl Into<String>, value: Value) {
        let column = column.into();
        match self.0.iter_mut().find(|(c, _)| *c == column) {
            Some((_, v)) => *v = value,
            None => self.0.push((column, value)),
        }
    }

    /// The value of `column`, if the row has it.
    pub fn get(&self, column: &str) -> Option<&Value> {
        self.0.iter().find(|(c, _)| c == column).map(|(_, v)| v)
    }

    /// Columns and values in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(c, v)| (c.as_str(), v))
    }

    /// Column names in order.
    pub fn columns(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(c, _)| c.as_str())
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
        serde_json::Value::Object(self.0.iter().map(|(c, v)| (c.clone(), v.to_json())).collect())
    }

    /// The row as a serde type.
    pub fn to_typed<T: serde::de::DeserializeOwned>(&self) -> crate::Result<T> {
        serde_json::from_value(self.to_json()).map_err(|source| crate::Error::Typed { source })
    }

    /// Only the named columns, in the order given (for keys).
    pub fn project(&self, columns: &[&str]) -> Row {
        Row(columns
            .iter()
            .filter_map(|c| self.get(c).map(|v| ((*c).to_owned(), v.clone())))
            .collect())
    }
}

impl FromIterator<(String, Value)> for Row {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        Row(iter.into_iter().collect())
    }
}
