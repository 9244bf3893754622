//! Rows and values that borrow their text from the input.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::row::Row;
use crate::value::{UNAVAILABLE_MARKER, Value};

/// Text read from JSON: borrowed from the input where the string has no escapes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Text<'a>(pub(crate) Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TextVisitor<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
            type Value = Text<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        d.deserialize_str(TextVisitor(PhantomData))
    }
}

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
            ValueRef::Json(json) => Value::Json(json.as_ref().clone()),
            ValueRef::Unavailable => Value::Unavailable,
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

impl<'de: 'a, 'a> Deserialize<'de> for ValueRef<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ValueVisitor<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for ValueVisitor<'a> {
            type Value = ValueRef<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E>(self) -> Result<ValueRef<'a>, E> {
                Ok(ValueRef::Null)
            }
            fn visit_bool<E>(self, v: bool) -> Result<ValueRef<'a>, E> {
                Ok(ValueRef::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<ValueRef<'a>, E> {
                Ok(ValueRef::Int(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<ValueRef<'a>, E> {
                Ok(i64::try_from(v).map_or(ValueRef::Float(v as f64), ValueRef::Int))
            }
            fn visit_f64<E>(self, v: f64) -> Result<ValueRef<'a>, E> {
                Ok(ValueRef::Float(v))
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<ValueRef<'a>, E> {
                Ok(text_value(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<ValueRef<'a>, E> {
                Ok(text_value(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<ValueRef<'a>, E> {
                Ok(text_value(Cow::Owned(v)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ValueRef<'a>, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(ValueRef::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ValueRef<'a>, A::Error> {
                let json = serde_json::Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(ValueRef::Json(Box::new(json)))
            }
        }
        d.deserialize_any(ValueVisitor(PhantomData))
    }
}

fn text_value(text: Cow<'_, str>) -> ValueRef<'_> {
    if text == UNAVAILABLE_MARKER {
        ValueRef::Unavailable
    } else {
        ValueRef::Str(text)
    }
}

/// A row whose column names and text values borrow from the input; columns in order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RowRef<'a>(Vec<(Cow<'a, str>, ValueRef<'a>)>);

impl<'a> RowRef<'a> {
    /// The value of `column`, if the row has it.
    pub fn get(&self, column: &str) -> Option<&ValueRef<'a>> {
        self.0.iter().find(|(c, _)| c == column).map(|(_, v)| v)
    }

    /// Columns and values in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ValueRef<'a>)> {
        self.0.iter().map(|(c, v)| (c.as_ref(), v))
    }

    /// How many columns.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the row has no columns.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The owned row.
    pub fn to_row(&self) -> Row {
        let mut row = Row::with_capacity(self.0.len());
        for (column, value) in &self.0 {
            row.push(column.as_ref(), value.to_value());
        }
        row
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for RowRef<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct RowVisitor<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for RowVisitor<'a> {
            type Value = RowRef<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a row object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RowRef<'a>, A::Error> {
                let mut columns: Vec<(Cow<'a, str>, ValueRef<'a>)> = Vec::with_capacity(16);
                // The name lengths seen so far (modulo 64): only a name whose length was
                // seen before can repeat one, so most names skip the search.
                let mut lengths = 0u64;
                while let Some((Text(column), value)) = map.next_entry::<Text<'a>, ValueRef<'a>>()? {
                    let bit = 1u64 << (column.len() % 64);
                    let seen = lengths & bit != 0;
                    lengths |= bit;
                    // A repeated key reads as a JSON map does: its first place, the last value.
                    match seen
                        .then(|| columns.iter_mut().find(|(c, _)| *c == column))
                        .flatten()
                    {
                        Some((_, v)) => *v = value,
                        None => columns.push((column, value)),
                    }
                }
                Ok(RowRef(columns))
            }
        }
        d.deserialize_map(RowVisitor(PhantomData))
    }
}
