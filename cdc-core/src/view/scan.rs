//! The JSON reader behind the views: a cursor over text already checked as UTF-8 that
//! reads exactly the parts of a change event the views keep, borrowing strings without
//! escapes, and checks the rest as it skips it.
//!
//! It answers `None` for anything it does not read, valid or not (bad JSON, a number out
//! of range, nesting deeper than `serde_json` allows, a lone surrogate escape); the
//! callers then hand the message to the reference decoders, which decide and name what
//! is wrong. So it must never accept what `serde_json` refuses, and where it accepts, it
//! must read the same values: integers as `serde_json` types them (`-0` is a float,
//! integers beyond `u64` are floats) and floats correctly rounded, as with
//! `float_roundtrip`. A property test and the fuzz targets hold it to that.

use std::borrow::Cow;

use super::row::{RowBuild, ValueRef};
use crate::value::UNAVAILABLE_MARKER;

/// `serde_json`'s nesting limit: 128 open arrays or objects are refused.
const MAX_DEPTH: u32 = 128;

/// A position in a JSON text.
pub(crate) struct Scan<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    depth: u32,
}

/// Bytes of 8 lanes, for the string scan.
const LANES_01: u64 = 0x0101_0101_0101_0101;
const LANES_80: u64 = 0x8080_8080_8080_8080;

/// A lane flag (its high bit) for each byte of `x` that ends or escapes a string: `"`,
/// `\`, or a control character. Only the lowest flag is exact, which is all the scan
/// uses.
#[inline]
fn special_lanes(x: u64) -> u64 {
    let zero_in = |v: u64| v.wrapping_sub(LANES_01) & !v & LANES_80;
    zero_in(x ^ (LANES_01 * u64::from(b'"')))
        | zero_in(x ^ (LANES_01 * u64::from(b'\\')))
        | (x.wrapping_sub(LANES_01 * 0x20) & !x & LANES_80)
}

impl<'a> Scan<'a> {
    /// A reader at the start of `text`.
    pub(crate) fn new(text: &'a str) -> Self {
        Scan {
            text,
            bytes: text.as_bytes(),
            at: 0,
            depth: 0,
        }
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    /// The next byte that is not whitespace, not consumed.
    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        self.bytes[self.at..]
            .starts_with(word)
            .then(|| self.at += word.len())
    }

    /// Only whitespace is left.
    pub(crate) fn finish(mut self) -> Option<()> {
        self.skip_ws();
        (self.at == self.bytes.len()).then_some(())
    }

    /// Reads `null` if it comes next; tells whether it did.
    pub(crate) fn null(&mut self) -> bool {
        self.peek() == Some(b'n') && self.literal(b"null").is_some()
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth < MAX_DEPTH).then_some(())
    }

    /// Reads an object, calling `entry` with each key; `entry` reads the value.
    pub(crate) fn object(
        &mut self,
        mut entry: impl FnMut(&mut Self, Cow<'a, str>) -> Option<()>,
    ) -> Option<()> {
        self.container(b'{', b'}', |s| {
            let key = s.string()?;
            s.eat(b':')?;
            entry(s, key)
        })
    }

    /// Reads an array, calling `item` for each element; `item` reads it.
    fn array(&mut self, item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.container(b'[', b']', item)
    }

    /// Reads `open`, items separated by commas, and `close`.
    fn container(
        &mut self,
        open: u8,
        close: u8,
        mut item: impl FnMut(&mut Self) -> Option<()>,
    ) -> Option<()> {
        self.eat(open)?;
        self.enter()?;
        if self.peek()? == close {
            self.at += 1;
        } else {
            loop {
                item(self)?;
                match self.peek()? {
                    b',' => self.at += 1,
                    c if c == close => {
                        self.at += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.depth -= 1;
        Some(())
    }

    /// Reads a string.
    pub(crate) fn string(&mut self) -> Option<Cow<'a, str>> {
        self.eat(b'"')?;
        let start = self.at;
        let end = self.find_special()?;
        match self.bytes[end] {
            b'"' => {
                self.at = end + 1;
                Some(Cow::Borrowed(&self.text[start..end]))
            }
            b'\\' => {
                self.at = end;
                self.unescape(start).map(Cow::Owned)
            }
            _ => None, // a control character
        }
    }

    /// Reads `null` as `None`, else a string.
    pub(crate) fn opt_string(&mut self) -> Option<Option<Cow<'a, str>>> {
        if self.null() {
            Some(None)
        } else {
            self.string().map(Some)
        }
    }

    /// The index of the next `"`, `\` or control character from the cursor.
    #[inline]
    fn find_special(&self) -> Option<usize> {
        let mut i = self.at;
        while let Some(chunk) = self.bytes.get(i..i + 8) {
            let lanes = special_lanes(u64::from_le_bytes(chunk.try_into().ok()?));
            if lanes != 0 {
                return Some(i + (lanes.trailing_zeros() / 8) as usize);
            }
            i += 8;
        }
        self.bytes[i..]
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            .map(|p| i + p)
    }

    /// The rest of a string with escapes, from `start` (after the opening quote); the
    /// cursor is on the first backslash.
    fn unescape(&mut self, start: usize) -> Option<String> {
        let mut out = String::with_capacity(self.at - start + 16);
        out.push_str(&self.text[start..self.at]);
        self.rest_of_string(Some(&mut out)).map(|()| out)
    }

    /// Skips a string, checking it as [`Scan::string`] reads it, without building it.
    fn skip_string(&mut self) -> Option<()> {
        self.eat(b'"')?;
        self.rest_of_string(None)
    }

    /// Reads a string from the cursor to its closing quote, appending its text to `out`
    /// when given, else only checking it.
    fn rest_of_string(&mut self, mut out: Option<&mut String>) -> Option<()> {
        loop {
            let end = self.find_special()?;
            if let Some(out) = out.as_deref_mut() {
                out.push_str(&self.text[self.at..end]);
            }
            self.at = end + 1;
            match self.bytes[end] {
                b'"' => return Some(()),
                b'\\' => {
                    let c = self.escape()?;
                    if let Some(out) = out.as_deref_mut() {
                        out.push(c);
                    }
                }
                _ => return None,
            }
        }
    }

    /// The character of an escape, the cursor just past its backslash.
    fn escape(&mut self) -> Option<char> {
        let letter = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(match letter {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => self.unicode_escape()?,
            _ => return None,
        })
    }

    /// Four hex digits at the cursor.
    fn hex4(&mut self) -> Option<u16> {
        let digits = self.bytes.get(self.at..self.at + 4)?;
        let mut n = 0u16;
        for &d in digits {
            n = n * 16 + (d as char).to_digit(16)? as u16;
        }
        self.at += 4;
        Some(n)
    }

    /// The character of a `\u` escape (the cursor after the `u`), pairing surrogates;
    /// a lone surrogate is refused, as `serde_json` refuses it in a string.
    fn unicode_escape(&mut self) -> Option<char> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if self.bytes.get(self.at..self.at + 2)? != b"\\u" {
                    return None;
                }
                self.at += 2;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return None;
                }
                0x10000 + ((u32::from(first) - 0xD800) << 10) + (u32::from(second) - 0xDC00)
            }
            0xDC00..=0xDFFF => return None,
            n => u32::from(n),
        };
        char::from_u32(code)
    }

    /// The extent of a number at the cursor, checked against JSON's grammar; whether
    /// it has a fraction or exponent.
    fn number_text(&mut self) -> Option<(&'a str, bool)> {
        let start = self.at;
        let digits = |s: &mut Self| {
            let from = s.at;
            while s.bytes.get(s.at).is_some_and(u8::is_ascii_digit) {
                s.at += 1;
            }
            (s.at > from).then_some(())
        };
        if self.bytes.get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        match *self.bytes.get(self.at)? {
            b'0' => self.at += 1,
            b'1'..=b'9' => digits(self)?,
            _ => return None,
        }
        let mut float = false;
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            digits(self)?;
            float = true;
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.at) {
            self.at += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.at) {
                self.at += 1;
            }
            digits(self)?;
            float = true;
        }
        Some((&self.text[start..self.at], float))
    }

    /// Reads a number as `serde_json` types it.
    fn number(&mut self) -> Option<ValueRef<'a>> {
        let (text, float) = self.number_text()?;
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let magnitude = if float {
            None
        } else {
            digits
                .bytes()
                .try_fold(0u64, |n, d| n.checked_mul(10)?.checked_add(u64::from(d - b'0')))
        };
        Some(match (magnitude, negative) {
            (Some(n), false) => i64::try_from(n).map_or(ValueRef::Float(n as f64), ValueRef::Int),
            (Some(0), true) => ValueRef::Float(-0.0),
            (Some(n), true) => match (n as i64).wrapping_neg() {
                i if i < 0 => ValueRef::Int(i),
                _ => ValueRef::Float(-(n as f64)),
            },
            (None, _) => {
                let x: f64 = text.parse().ok()?;
                if x.is_infinite() {
                    return None; // serde_json: number out of range
                }
                ValueRef::Float(x)
            }
        })
    }

    /// Reads `null` as `None`, else an integer that fits `i64` (what serde reads into
    /// `Option<i64>`).
    pub(crate) fn opt_i64(&mut self) -> Option<Option<i64>> {
        if self.null() {
            return Some(None);
        }
        match self.number()? {
            ValueRef::Int(i) => Some(Some(i)),
            _ => None,
        }
    }

    /// Reads `true` or `false`.
    pub(crate) fn bool(&mut self) -> Option<bool> {
        match self.peek()? {
            b't' => self.literal(b"true").map(|()| true),
            b'f' => self.literal(b"false").map(|()| false),
            _ => None,
        }
    }

    /// Reads any value and gives its text (what `serde_json`'s `RawValue` holds).
    pub(crate) fn raw(&mut self) -> Option<&'a str> {
        let first = self.peek()?;
        let start = self.at;
        match first {
            b'{' => self.object(|s, _| s.raw().map(drop))?,
            b'[' => self.array(|s| s.raw().map(drop))?,
            b'"' => self.skip_string()?,
            b'n' => self.literal(b"null")?,
            b't' | b'f' => drop(self.bool()?),
            _ => drop(self.number_text()?),
        }
        Some(&self.text[start..self.at])
    }

    /// Reads a column value.
    pub(crate) fn value(&mut self) -> Option<ValueRef<'a>> {
        Some(match self.peek()? {
            b'"' => {
                let text = self.string()?;
                if text == UNAVAILABLE_MARKER {
                    ValueRef::Unavailable
                } else {
                    ValueRef::Str(text)
                }
            }
            b'n' => {
                self.literal(b"null")?;
                ValueRef::Null
            }
            b't' | b'f' => ValueRef::Bool(self.bool()?),
            b'[' => {
                let mut items = Vec::new();
                self.array(|s| {
                    items.push(s.value()?);
                    Some(())
                })?;
                ValueRef::Array(items)
            }
            b'{' => {
                // A JSON column: checked here, read into a tree by serde_json.
                let raw = self.raw()?;
                ValueRef::Json(Box::new(serde_json::from_str(raw).ok()?))
            }
            _ => self.number()?,
        })
    }

    /// Reads `null` as `None`, else a row object.
    pub(crate) fn opt_row<R: RowBuild<'a>>(&mut self) -> Option<Option<R>> {
        if self.null() {
            return Some(None);
        }
        let mut row = R::empty();
        self.object(|s, column| {
            let value = s.value()?;
            row.set(column, value);
            Some(())
        })?;
        Some(Some(row))
    }
}

/// Reads all of `raw` (a value's text, as [`Scan::raw`] gives it) with `read`.
pub(crate) fn whole<'a, T>(raw: &'a str, read: impl FnOnce(&mut Scan<'a>) -> Option<T>) -> Option<T> {
    let mut scan = Scan::new(raw);
    let value = read(&mut scan)?;
    scan.finish().map(|()| value)
}

/// A value's raw text (as [`Scan::raw`] gives it) as a JSON tree: strings and integers
/// read here, the rest by `serde_json`, as the reference decoders read them.
pub(crate) fn raw_json(raw: &str) -> serde_json::Value {
    let mut scan = Scan::new(raw);
    let quick = match raw.as_bytes().first() {
        Some(b'"') => scan.string().map(|s| serde_json::Value::String(s.into_owned())),
        Some(b'n') => scan.null().then_some(serde_json::Value::Null),
        Some(b't' | b'f') => scan.bool().map(serde_json::Value::Bool),
        Some(b'-' | b'0'..=b'9') => match scan.number() {
            Some(ValueRef::Int(i)) => Some(serde_json::Value::from(i)),
            _ => None,
        },
        _ => None,
    };
    match quick {
        Some(json) if scan.finish().is_some() => json,
        // The raw text was checked by the scanner, so it reads back.
        _ => serde_json::from_str(raw).unwrap_or(serde_json::Value::Null),
    }
}

#[cfg(test)]
mod tests;
