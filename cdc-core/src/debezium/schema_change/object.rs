//! Reading and writing the JSON objects of a schema change field by field: each known
//! field typed, every other field kept, and known fields the message left out (rather
//! than sending `null`) noted, so the object writes back as it came.

use serde_json::{Map, Value as Json};

use crate::error::{Error, Result};
use crate::json::Fields;

/// One object being read: known fields are taken out of `rest` as they are read.
pub(super) struct Reader<'p> {
    rest: Map<String, Json>,
    f: Fields<'p>,
    absent: Vec<&'static str>,
}

impl<'p> Reader<'p> {
    /// A reader of `object`, whose path is `path` (for errors).
    pub(super) fn new(object: Map<String, Json>, format: &'static str, path: &'p str) -> Self {
        Reader {
            rest: object,
            f: Fields { format, prefix: path },
            absent: Vec::new(),
        }
    }

    /// The path of field `name`.
    pub(super) fn path(&self, name: &str) -> String {
        self.f.path(name)
    }

    /// The error of required field `name` that is absent or null.
    pub(super) fn missing(&self, name: &str) -> Error {
        self.f.missing(name)
    }

    /// Field `name`, `None` when it is absent (noted) or null.
    fn take(&mut self, name: &'static str) -> Option<Json> {
        match self.rest.shift_remove(name) {
            None => {
                self.absent.push(name);
                None
            }
            Some(Json::Null) => None,
            Some(value) => Some(value),
        }
    }

    /// A required field: absent or null is an error.
    fn required<T>(
        &mut self,
        name: &'static str,
        read: impl FnOnce(&mut Self) -> Result<Option<T>>,
    ) -> Result<T> {
        let value = read(self)?;
        value.ok_or_else(|| self.missing(name))
    }

    pub(super) fn opt_str(&mut self, name: &'static str) -> Result<Option<String>> {
        match self.take(name) {
            None => Ok(None),
            Some(Json::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.f.wrong(name, "a string", &other)),
        }
    }

    pub(super) fn str(&mut self, name: &'static str) -> Result<String> {
        self.required(name, |r| r.opt_str(name))
    }

    pub(super) fn opt_i64(&mut self, name: &'static str) -> Result<Option<i64>> {
        match self.take(name) {
            None => Ok(None),
            Some(Json::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| self.f.wrong(name, "an integer", &Json::Number(n))),
            Some(other) => Err(self.f.wrong(name, "an integer", &other)),
        }
    }

    /// A Connect `int32` field.
    pub(super) fn opt_i32(&mut self, name: &'static str) -> Result<Option<i32>> {
        let Some(n) = self.opt_i64(name)? else {
            return Ok(None);
        };
        i32::try_from(n).map(Some).map_err(|_| Error::InvalidValue {
            format: self.f.format,
            field: self.f.path(name),
            reason: format!("{n} does not fit a 32-bit integer"),
        })
    }

    pub(super) fn i32(&mut self, name: &'static str) -> Result<i32> {
        self.required(name, |r| r.opt_i32(name))
    }

    pub(super) fn opt_bool(&mut self, name: &'static str) -> Result<Option<bool>> {
        match self.take(name) {
            None => Ok(None),
            Some(Json::Bool(b)) => Ok(Some(b)),
            Some(other) => Err(self.f.wrong(name, "a boolean", &other)),
        }
    }

    /// An array field, `None` when absent or null.
    pub(super) fn opt_array(&mut self, name: &'static str) -> Result<Option<Vec<Json>>> {
        match self.take(name) {
            None => Ok(None),
            Some(Json::Array(items)) => Ok(Some(items)),
            Some(other) => Err(self.f.wrong(name, "an array", &other)),
        }
    }

    /// An array of strings.
    pub(super) fn opt_strings(&mut self, name: &'static str) -> Result<Option<Vec<String>>> {
        let Some(items) = self.opt_array(name)? else {
            return Ok(None);
        };
        items
            .into_iter()
            .enumerate()
            .map(|(i, item)| match item {
                Json::String(s) => Ok(s),
                other => Err(self.f.wrong(&format!("{name}[{i}]"), "a string", &other)),
            })
            .collect::<Result<_>>()
            .map(Some)
    }

    /// An array of objects, each handed to `read` with its path.
    pub(super) fn objects<T>(
        &mut self,
        name: &'static str,
        mut read: impl FnMut(Map<String, Json>, &str) -> Result<T>,
    ) -> Result<Option<Vec<T>>> {
        let Some(items) = self.opt_array(name)? else {
            return Ok(None);
        };
        items
            .into_iter()
            .enumerate()
            .map(|(i, item)| {
                let path = self.f.path(&format!("{name}[{i}]"));
                match item {
                    Json::Object(object) => read(object, &path),
                    other => Err(self.f.wrong(&format!("{name}[{i}]"), "an object", &other)),
                }
            })
            .collect::<Result<_>>()
            .map(Some)
    }

    /// An object field, `None` when absent or null.
    pub(super) fn opt_object(&mut self, name: &'static str) -> Result<Option<Map<String, Json>>> {
        match self.take(name) {
            None => Ok(None),
            Some(Json::Object(object)) => Ok(Some(object)),
            Some(other) => Err(self.f.wrong(name, "an object", &other)),
        }
    }

    /// The fields not read (kept as they are) and the known fields that were absent.
    pub(super) fn finish(self) -> (Map<String, Json>, Vec<&'static str>) {
        (self.rest, self.absent)
    }
}

/// One object being written: a field left out of the message it was read from stays out
/// while it is unset.
pub(super) struct Writer<'a> {
    map: Map<String, Json>,
    absent: &'a [&'static str],
}

impl<'a> Writer<'a> {
    pub(super) fn new(absent: &'a [&'static str]) -> Self {
        Writer {
            map: Map::new(),
            absent,
        }
    }

    pub(super) fn put(&mut self, name: &'static str, value: impl Into<Json>) {
        let value = value.into();
        if !(value.is_null() && self.absent.contains(&name)) {
            self.map.insert(name.to_owned(), value);
        }
    }

    /// The object, with the fields the model does not hold after the known ones.
    pub(super) fn finish(mut self, extra: &Map<String, Json>) -> Json {
        for (k, v) in extra {
            self.map.entry(k.clone()).or_insert_with(|| v.clone());
        }
        Json::Object(self.map)
    }
}
