//! Small helpers to read JSON fields with errors that name the format and the field.

use serde_json::{Map, Value as Json};

use crate::error::{Error, Result, json_type, not_json};

/// Reads fields of one format, naming it in errors; `prefix` is the path of the object
/// being read (`payload.source` ...).
pub(crate) struct Fields<'a> {
    pub(crate) format: &'static str,
    pub(crate) prefix: &'a str,
}

impl Fields<'_> {
    pub(crate) fn path(&self, field: &str) -> String {
        if self.prefix.is_empty() {
            field.to_owned()
        } else {
            format!("{}.{field}", self.prefix)
        }
    }

    pub(crate) fn wrong(&self, field: &str, expected: &'static str, found: &Json) -> Error {
        Error::WrongType {
            format: self.format,
            field: self.path(field),
            expected,
            found: json_type(found),
        }
    }

    pub(crate) fn missing(&self, field: &str) -> Error {
        Error::MissingField {
            format: self.format,
            field: self.path(field),
        }
    }

    pub(crate) fn opt_str(&self, obj: &Map<String, Json>, field: &str) -> Result<Option<String>> {
        match obj.get(field) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.wrong(field, "a string", other)),
        }
    }

    pub(crate) fn str(&self, obj: &Map<String, Json>, field: &str) -> Result<String> {
        self.opt_str(obj, field)?.ok_or_else(|| self.missing(field))
    }

    pub(crate) fn opt_i64(&self, obj: &Map<String, Json>, field: &str) -> Result<Option<i64>> {
        match obj.get(field) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| self.wrong(field, "an integer", &Json::Number(n.clone()))),
            Some(other) => Err(self.wrong(field, "an integer", other)),
        }
    }

    pub(crate) fn opt_object<'o>(
        &self,
        obj: &'o Map<String, Json>,
        field: &str,
    ) -> Result<Option<&'o Map<String, Json>>> {
        match obj.get(field) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::Object(o)) => Ok(Some(o)),
            Some(other) => Err(self.wrong(field, "an object", other)),
        }
    }

    pub(crate) fn object<'o>(
        &self,
        obj: &'o Map<String, Json>,
        field: &str,
    ) -> Result<&'o Map<String, Json>> {
        self.opt_object(obj, field)?.ok_or_else(|| self.missing(field))
    }
}

/// Parses `bytes`, the record part `part` (`(value)`, `(key)`), as a JSON object.
pub(crate) fn parse_object(format: &'static str, part: &str, bytes: &[u8]) -> Result<Map<String, Json>> {
    match serde_json::from_slice(bytes).map_err(|source| not_json(format, part, bytes, source))? {
        Json::Object(o) => Ok(o),
        other => Err(Error::WrongType {
            format,
            field: part.to_owned(),
            expected: "an object",
            found: json_type(&other),
        }),
    }
}
