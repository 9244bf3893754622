//! Java's `SimpleDateFormat` patterns (`yyyyMMdd`, `EEE, d MMM yyyy hh:mm:ss a Z`) in
//! UTC, as an English (`en`, `en-US`) JVM formats and (leniently) parses them, for the
//! transforms that format and parse timestamps.
//!
//! Every pattern letter Java knows is formatted (`G y Y M L w W D d F E u a H k K h m
//! s S z Z X`); parsing takes all but the week fields `w`, `W` and `Y`, and of zone
//! names only UTC's and `GMT` (offsets in every form). Dates are proleptic Gregorian:
//! Java's calendar is Julian before October 1582.

mod calendar;
mod fields;
mod format;
mod parse;
mod zone;

#[cfg(test)]
mod tests;

pub(crate) use calendar::civil_from_days;
pub(crate) use parse::Unparsed;

use crate::error::{Error, Result};

/// The pattern letters of `SimpleDateFormat`; any other ASCII letter is illegal.
const PATTERN_LETTERS: &str = "GyMdkHmsSEDFwWahKzZYuXL";

/// One piece of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    /// A pattern letter repeated `width` times.
    Field(char, usize),
}

/// A parsed `SimpleDateFormat` pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DateFormat {
    pattern: String,
    pieces: Vec<Piece>,
}

impl DateFormat {
    /// The format `pattern` says, for the config `key` named in errors.
    pub(crate) fn new(key: &str, pattern: &str) -> Result<Self> {
        Self::of_pattern(pattern).map_err(|reason| Error::config(key, pattern, reason))
    }

    /// The format `pattern` says, or why Java's `SimpleDateFormat` refuses it (the
    /// message of its `IllegalArgumentException`).
    pub(crate) fn of_pattern(pattern: &str) -> std::result::Result<Self, String> {
        let mut pieces = Vec::new();
        let mut chars = pattern.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\'' => {
                    let mut literal = String::new();
                    if chars.peek() == Some(&'\'') {
                        chars.next();
                        literal.push('\'');
                    } else {
                        loop {
                            match chars.next() {
                                None => return Err("Unterminated quote".to_owned()),
                                Some('\'') if chars.peek() == Some(&'\'') => {
                                    chars.next();
                                    literal.push('\'');
                                }
                                Some('\'') => break,
                                Some(c) => literal.push(c),
                            }
                        }
                    }
                    pieces.push(Piece::Literal(literal));
                }
                c if PATTERN_LETTERS.contains(c) => {
                    let mut width = 1;
                    while chars.peek() == Some(&c) {
                        chars.next();
                        width += 1;
                    }
                    if c == 'X' && width > 3 {
                        return Err(format!("invalid ISO 8601 format: length={width}"));
                    }
                    pieces.push(Piece::Field(c, width));
                }
                c if c.is_ascii_alphabetic() => {
                    return Err(format!("Illegal pattern character '{c}'"));
                }
                c => pieces.push(Piece::Literal(c.to_string())),
            }
        }
        Ok(DateFormat {
            pattern: pattern.to_owned(),
            pieces,
        })
    }

    /// The pattern, as written.
    pub(crate) fn pattern(&self) -> &str {
        &self.pattern
    }
}
