//! Rows and values that borrow their text from the input.

use std::borrow::Cow;
use std::hash::BuildHasher;

use std::sync::Arc;

use crate::row::{Row, shared_name};
use crate::value::Value;

/// A column value that borrows its text from the input; [`ValueRef::to_value`] gives
/// the owned [`Value`], read by the same rules as [`Value::from_json`].
#[derive(Debug, Clone, PartialEq)]
pub enum ValueRef<'a> {
    /// SQL NULL.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number (also integers beyond `i64`).
    Float(f64),
    /// A string, borrowed unless it had escapes.
    Str(Cow<'a, str>),
    /// An array.
    Array(Vec<ValueRef<'a>>),
    /// A JSON object (a JSON or JSONB column); boxed, as it is rare, to keep the
    /// common values small.
    Json(Box<serde_json::Value>),
    /// A column the database did not send (an unchanged TOAST column).
    Unavailable,
}

impl ValueRef<'_> {
    /// The owned value.
    pub fn to_value(&self) -> Value {
        match self {
            ValueRef::Null => Value::Null,
            ValueRef::Bool(b) => Value::Bool(*b),
            ValueRef::Int(i) => Value::Int(*i),
            ValueRef::Float(x) => Value::Float(*x),
            ValueRef::Str(s) => Value::String(s.as_ref().to_owned()),
            ValueRef::Array(items) => Value::Array(items.iter().map(ValueRef::to_value).collect()),
            ValueRef::Json(json) => Value::Json(crate::value::JsonText::from(&**json)),
            ValueRef::Unavailable => Value::Unavailable,
        }
    }

    /// The owned value, moving text the value owns.
    pub fn into_value(self) -> Value {
        match self {
            ValueRef::Str(s) => Value::String(s.into_owned()),
            ValueRef::Array(items) => Value::Array(items.into_iter().map(ValueRef::into_value).collect()),
            other => other.to_value(),
        }
    }

    /// The text of a string value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            ValueRef::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Whether the value is SQL NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, ValueRef::Null)
    }
}

/// A row whose column names and text values borrow from the input; columns in order.
#[derive(Debug, Clone, Default)]
pub struct RowRef<'a> {
    columns: Vec<(Cow<'a, str>, ValueRef<'a>)>,
    names: NameFilter,
}

/// A filter of the column names seen so far, a bit per name hash: only a name whose bit
/// is set can repeat one, so most names skip the search for an earlier column.
#[derive(Debug, Clone, Copy, Default)]
struct NameFilter([u64; 4]);

impl NameFilter {
    /// Marks `name`; whether it may have been marked before.
    #[inline]
    fn may_repeat(&mut self, name: &str) -> bool {
        let hash = rustc_hash::FxBuildHasher.hash_one(name.as_bytes()) >> 56;
        let (word, bit) = (&mut self.0[(hash / 64) as usize], 1u64 << (hash % 64));
        let seen = *word & bit != 0;
        *word |= bit;
        seen
    }

    /// Sets `column` in `columns`: a repeated name keeps its first place and takes the
    /// new value; a new name is stored as `store` makes it from its position.
    #[inline]
    fn set<'a, N: AsRef<str>, V>(
        &mut self,
        columns: &mut Vec<(N, V)>,
        column: Cow<'a, str>,
        value: V,
        store: impl FnOnce(usize, Cow<'a, str>) -> N,
    ) {
        let earlier = match self.may_repeat(&column) {
            true => columns.iter_mut().find(|(c, _)| c.as_ref() == column.as_ref()),
            false => None,
        };
        match earlier {
            Some((_, v)) => *v = value,
            None => {
                let name = store(columns.len(), column);
                columns.push((name, value));
            }
        }
    }
}

/// A row as the scanner fills it: borrowed ([`RowRef`]) for the views, owned
/// ([`OwnedRow`]) for the decoders' fast path, which so skips a borrowed copy. A
/// repeated column reads as a JSON object with a repeated key does: its first place,
/// the last value.
pub(crate) trait RowBuild<'a> {
    /// An empty row.
    fn empty() -> Self;
    /// Sets a column.
    fn set(&mut self, column: Cow<'a, str>, value: ValueRef<'a>);
    /// How many columns.
    fn width(&self) -> usize;
}

/// Room for the columns of a typical table row.
const COLUMNS: usize = 16;

impl<'a> RowBuild<'a> for RowRef<'a> {
    fn empty() -> Self {
        RowRef {
            columns: Vec::with_capacity(COLUMNS),
            names: NameFilter::default(),
        }
    }

    #[inline]
    fn set(&mut self, column: Cow<'a, str>, value: ValueRef<'a>) {
        self.names.set(&mut self.columns, column, value, |_, name| name);
    }

    fn width(&self) -> usize {
        self.columns.len()
    }
}

/// An owned row as the scanner fills it.
pub(crate) struct OwnedRow {
    columns: Vec<(Arc<str>, Value)>,
    names: NameFilter,
}

impl OwnedRow {
    pub(crate) fn into_row(self) -> Row {
        Row::from_shared(self.columns)
    }
}

impl<'a> RowBuild<'a> for OwnedRow {
    fn empty() -> Self {
        OwnedRow {
            columns: Vec::with_capacity(COLUMNS),
            names: NameFilter::default(),
        }
    }

    #[inline]
    fn set(&mut self, column: Cow<'a, str>, value: ValueRef<'a>) {
        let value = value.into_value();
        self.names
            .set(&mut self.columns, column, value, |position, name| {
                shared_name(position, &name)
            });
    }

    fn width(&self) -> usize {
        self.columns.len()
    }
}

impl<'a> RowRef<'a> {
    /// The value of `column`, if the row has it.
    pub fn get(&self, column: &str) -> Option<&ValueRef<'a>> {
        self.columns.iter().find(|(c, _)| c == column).map(|(_, v)| v)
    }

    /// Columns and values in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ValueRef<'a>)> {
        self.columns.iter().map(|(c, v)| (c.as_ref(), v))
    }

    /// How many columns.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// Whether the row has no columns.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// The owned row.
    pub fn to_row(&self) -> Row {
        Row::from_columns(self.columns.iter().map(|(c, v)| (c.as_ref(), v.to_value())))
    }
}

impl PartialEq for RowRef<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.columns == other.columns
    }
}
