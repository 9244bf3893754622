//! A JSON reader that keeps numbers as their text, so that a decimal written as a
//! number reads back with every digit.

use std::borrow::Cow;

use crate::error::{Error, Result};

/// A JSON document, numbers kept as written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json<'a> {
    Null,
    Bool(bool),
    /// A number's text, checked to be a JSON number.
    Number(&'a str),
    /// A string, borrowed from the input when it has no escapes.
    String(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    /// Members in the order written; a repeated name's last value counts.
    Object(Vec<(Cow<'a, str>, Json<'a>)>),
}

impl<'a> Json<'a> {
    /// The member `name` of an object.
    pub(crate) fn get(&self, name: &str) -> Option<&Json<'a>> {
        match self {
            Json::Object(members) => members.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v),
            _ => None,
        }
    }

    /// What it is, as Jackson names node types in messages.
    pub(crate) fn node_type(&self) -> &'static str {
        match self {
            Json::Null => "NULL",
            Json::Bool(_) => "BOOLEAN",
            Json::Number(_) => "NUMBER",
            Json::String(_) => "STRING",
            Json::Array(_) => "ARRAY",
            Json::Object(_) => "OBJECT",
        }
    }

    /// Whether it is a number without a fraction or exponent.
    pub(crate) fn is_integral(&self) -> bool {
        matches!(self, Json::Number(n) if !n.contains(['.', 'e', 'E']))
    }
}

/// Nesting deeper than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 512;

/// Reads one JSON document filling all of `input` (surrounding whitespace allowed).
pub(crate) fn parse(input: &[u8]) -> Result<Json<'_>> {
    let mut reader = Reader { input, at: 0 };
    reader.skip_space();
    let value = reader.value(0)?;
    reader.end()?;
    Ok(value)
}

/// A JsonConverter envelope, `{"schema": ..., "payload": ...}` in either order: the
/// schema's text (to look up schemas read before) and the payload read; `None` when
/// `input` is not exactly such an object (the caller then reads it whole).
pub(crate) fn envelope(input: &[u8]) -> Result<Option<(&[u8], Json<'_>)>> {
    let mut reader = Reader { input, at: 0 };
    reader.skip_space();
    if reader.peek() != Some(b'{') {
        return Ok(None);
    }
    reader.at += 1;
    let (mut schema, mut payload) = (None, None);
    loop {
        reader.skip_space();
        if reader.peek() != Some(b'"') {
            return Ok(None);
        }
        let name = reader.string()?;
        reader.skip_space();
        if reader.peek() != Some(b':') {
            return Ok(None);
        }
        reader.at += 1;
        reader.skip_space();
        match &*name {
            "schema" if schema.is_none() => {
                let start = reader.at;
                reader.skip_value(0)?;
                schema = Some(&input[start..reader.at]);
            }
            "payload" if payload.is_none() => payload = Some(reader.value(0)?),
            _ => return Ok(None),
        }
        reader.skip_space();
        match reader.peek() {
            Some(b',') => reader.at += 1,
            Some(b'}') => {
                reader.at += 1;
                break;
            }
            _ => return Ok(None),
        }
    }
    reader.end()?;
    Ok(schema.zip(payload))
}

struct Reader<'a> {
    input: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    /// Only whitespace may follow.
    fn end(&mut self) -> Result<()> {
        self.skip_space();
        if self.at != self.input.len() {
            return Err(self.error("unexpected data after the JSON value"));
        }
        Ok(())
    }

    fn error(&self, what: &str) -> Error {
        Error::data(format!("Invalid JSON at byte {}: {what}", self.at))
    }

    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.input.get(self.at) {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.input.get(self.at).copied()
    }

    fn expect(&mut self, literal: &[u8], value: Json<'a>) -> Result<Json<'a>> {
        if self.input[self.at..].starts_with(literal) {
            self.at += literal.len();
            Ok(value)
        } else {
            Err(self.error("unknown token"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json<'a>> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deep"));
        }
        match self.peek() {
            None => Err(self.error("unexpected end of input")),
            Some(b'n') => self.expect(b"null", Json::Null),
            Some(b't') => self.expect(b"true", Json::Bool(true)),
            Some(b'f') => self.expect(b"false", Json::Bool(false)),
            Some(b'"') => Ok(Json::String(self.string()?)),
            Some(b'[') => {
                self.at += 1;
                let mut items = Vec::new();
                self.skip_space();
                if self.peek() == Some(b']') {
                    self.at += 1;
                    return Ok(Json::Array(items));
                }
                loop {
                    self.skip_space();
                    items.push(self.value(depth + 1)?);
                    self.skip_space();
                    match self.peek() {
                        Some(b',') => self.at += 1,
                        Some(b']') => {
                            self.at += 1;
                            return Ok(Json::Array(items));
                        }
                        _ => return Err(self.error("expected ',' or ']'")),
                    }
                }
            }
            Some(b'{') => {
                self.at += 1;
                let mut members = Vec::new();
                self.skip_space();
                if self.peek() == Some(b'}') {
                    self.at += 1;
                    return Ok(Json::Object(members));
                }
                loop {
                    self.skip_space();
                    if self.peek() != Some(b'"') {
                        return Err(self.error("expected a member name"));
                    }
                    let name = self.string()?;
                    self.skip_space();
                    if self.peek() != Some(b':') {
                        return Err(self.error("expected ':'"));
                    }
                    self.at += 1;
                    self.skip_space();
                    members.push((name, self.value(depth + 1)?));
                    self.skip_space();
                    match self.peek() {
                        Some(b',') => self.at += 1,
                        Some(b'}') => {
                            self.at += 1;
                            return Ok(Json::Object(members));
                        }
                        _ => return Err(self.error("expected ',' or '}'")),
                    }
                }
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("unexpected character")),
        }
    }

    /// Steps over one value without building it (its strings and numbers checked as
    /// [`Reader::value`] checks them).
    fn skip_value(&mut self, depth: usize) -> Result<()> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deep"));
        }
        match self.peek() {
            Some(b'"') => self.skip_string(),
            Some(open @ (b'[' | b'{')) => {
                let close = if open == b'[' { b']' } else { b'}' };
                self.at += 1;
                self.skip_space();
                if self.peek() == Some(close) {
                    self.at += 1;
                    return Ok(());
                }
                loop {
                    self.skip_space();
                    if open == b'{' {
                        if self.peek() != Some(b'"') {
                            return Err(self.error("expected a member name"));
                        }
                        self.skip_string()?;
                        self.skip_space();
                        if self.peek() != Some(b':') {
                            return Err(self.error("expected ':'"));
                        }
                        self.at += 1;
                        self.skip_space();
                    }
                    self.skip_value(depth + 1)?;
                    self.skip_space();
                    match self.peek() {
                        Some(b',') => self.at += 1,
                        Some(c) if c == close => {
                            self.at += 1;
                            return Ok(());
                        }
                        _ => return Err(self.error("expected ',' or a closing bracket")),
                    }
                }
            }
            _ => self.value(depth).map(|_| ()),
        }
    }

    /// Steps over a string (escapes checked when the string is read).
    fn skip_string(&mut self) -> Result<()> {
        self.at += 1;
        while let Some(&b) = self.input.get(self.at) {
            self.at += 1;
            match b {
                b'"' => return Ok(()),
                b'\\' => self.at += 1,
                0..0x20 => return Err(self.error("control character in a string")),
                _ => {}
            }
        }
        Err(self.error("unterminated string"))
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
        self.at - start
    }

    fn number(&mut self) -> Result<Json<'a>> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        let int_start = self.at;
        if self.digits() == 0 || (self.input[int_start] == b'0' && self.at - int_start > 1) {
            return Err(self.error("invalid number"));
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        let text = std::str::from_utf8(&self.input[start..self.at]).expect("ASCII digits");
        Ok(Json::Number(text))
    }

    fn string(&mut self) -> Result<Cow<'a, str>> {
        self.at += 1;
        // Without escapes the string is the input's own bytes.
        let start = self.at;
        while let Some(&b) = self.input.get(self.at) {
            match b {
                b'"' => {
                    let text = std::str::from_utf8(&self.input[start..self.at])
                        .map_err(|_| self.error("a string is not UTF-8"))?;
                    self.at += 1;
                    return Ok(Cow::Borrowed(text));
                }
                b'\\' => break,
                0..0x20 => return Err(self.error("control character in a string")),
                _ => self.at += 1,
            }
        }
        let mut out = self.input[start..self.at].to_vec();
        loop {
            let Some(b) = self.peek() else {
                return Err(self.error("unterminated string"));
            };
            self.at += 1;
            match b {
                b'"' => break,
                b'\\' => {
                    let Some(e) = self.peek() else {
                        return Err(self.error("unterminated escape"));
                    };
                    self.at += 1;
                    let c = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return Err(self.error("invalid escape")),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                0..0x20 => return Err(self.error("control character in a string")),
                _ => out.push(b),
            }
        }
        String::from_utf8(out)
            .map(Cow::Owned)
            .map_err(|_| self.error("a string is not UTF-8"))
    }

    fn hex4(&mut self) -> Result<u32> {
        let text = self
            .input
            .get(self.at..self.at + 4)
            .ok_or_else(|| self.error("short \\u escape"))?;
        let text = std::str::from_utf8(text).map_err(|_| self.error("invalid \\u escape"))?;
        let unit = u32::from_str_radix(text, 16).map_err(|_| self.error("invalid \\u escape"))?;
        self.at += 4;
        Ok(unit)
    }

    fn unicode_escape(&mut self) -> Result<char> {
        let high = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&high) {
            if !self.input[self.at..].starts_with(b"\\u") {
                return Err(self.error("a lone surrogate"));
            }
            self.at += 2;
            let low = self.hex4()?;
            if !(0xDC00..0xE000).contains(&low) {
                return Err(self.error("a lone surrogate"));
            }
            0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
        } else {
            high
        };
        char::from_u32(code).ok_or_else(|| self.error("a lone surrogate"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_documents_keeping_number_text() {
        let json = parse(br#" {"a":[1,-2.50,3e+2,true,null],"b":"x\u00e9\ud83d\ude00\n"} "#).unwrap();
        assert_eq!(
            json.get("a"),
            Some(&Json::Array(vec![
                Json::Number("1"),
                Json::Number("-2.50"),
                Json::Number("3e+2"),
                Json::Bool(true),
                Json::Null
            ]))
        );
        assert_eq!(json.get("b"), Some(&Json::String("xé😀\n".into())));
        for bad in [
            &b"{"[..],
            b"[1,]",
            b"01",
            b"\"a",
            b"{} x",
            b"-",
            b"1.",
            b"\"\\ud800\"",
            b"nul",
        ] {
            assert!(parse(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }
}
