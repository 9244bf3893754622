//! Java's `SimpleDateFormat` patterns (`yyyyMMdd`, `yyyy-MM-dd'T'HH:mm:ss.SSS`) in UTC,
//! for the transforms that format and parse timestamps.

use crate::error::{Error, Result};

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

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

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
                'y' | 'M' | 'd' | 'H' | 'm' | 's' | 'S' => {
                    let mut width = 1;
                    while chars.peek() == Some(&c) {
                        chars.next();
                        width += 1;
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

    /// `millis` since the epoch, formatted in UTC.
    pub(crate) fn format(&self, millis: i64) -> String {
        let days = millis.div_euclid(86_400_000);
        let in_day = millis.rem_euclid(86_400_000);
        let (year, month, day) = civil_from_days(days);
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Literal(s) => out.push_str(s),
                Piece::Field(c, width) => {
                    let value = match c {
                        'y' if *width == 2 => year.rem_euclid(100),
                        'y' => year,
                        'M' if *width >= 4 => {
                            out.push_str(MONTHS[month as usize - 1]);
                            continue;
                        }
                        'M' if *width == 3 => {
                            out.push_str(&MONTHS[month as usize - 1][..3]);
                            continue;
                        }
                        'M' => month,
                        'd' => day,
                        'H' => in_day / 3_600_000,
                        'm' => in_day / 60_000 % 60,
                        's' => in_day / 1000 % 60,
                        _ => in_day % 1000,
                    };
                    out.push_str(&format!("{value:0width$}", width = *width));
                }
            }
        }
        out
    }

    /// The milliseconds since the epoch that `text` gives in this format (UTC); fields
    /// the pattern lacks are the epoch's.
    pub(crate) fn parse(&self, text: &str) -> Option<i64> {
        let (mut year, mut month, mut day) = (1970i64, 1i64, 1i64);
        let (mut hour, mut minute, mut second, mut milli) = (0i64, 0i64, 0i64, 0i64);
        let mut rest = text;
        for (i, piece) in self.pieces.iter().enumerate() {
            match piece {
                Piece::Literal(s) => rest = rest.strip_prefix(s.as_str())?,
                Piece::Field(c, width) => {
                    // A field followed by another field takes exactly its width.
                    let next_is_field = matches!(self.pieces.get(i + 1), Some(Piece::Field(..)));
                    let take = if next_is_field {
                        *width
                    } else {
                        rest.find(|ch: char| !ch.is_ascii_digit()).unwrap_or(rest.len())
                    };
                    let (digits, tail) = rest.split_at(take.min(rest.len()));
                    rest = tail;
                    let value: i64 = digits.parse().ok()?;
                    match c {
                        'y' => year = value,
                        'M' => month = value,
                        'd' => day = value,
                        'H' => hour = value,
                        'm' => minute = value,
                        's' => second = value,
                        _ => milli = value,
                    }
                }
            }
        }
        if !rest.is_empty() {
            return None;
        }
        let days = days_from_civil(year, month, day);
        Some(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + milli)
    }
}

/// The proleptic Gregorian date of a day since the epoch.
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The day since the epoch of a proleptic Gregorian date.
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_as_simple_date_format_in_utc() {
        let f = DateFormat::new("k", "yyyy-MM-dd'T'HH:mm:ss.SSS").unwrap();
        assert_eq!(f.format(1_700_000_000_123), "2023-11-14T22:13:20.123");
        assert_eq!(f.parse("2023-11-14T22:13:20.123"), Some(1_700_000_000_123));
        assert_eq!(DateFormat::new("k", "yyyyMMdd").unwrap().format(0), "19700101");
        assert_eq!(
            DateFormat::new("k", "yyyyMMdd").unwrap().parse("20231114"),
            Some(1_699_920_000_000)
        );
        assert_eq!(
            DateFormat::new("k", "dd MMM yy").unwrap().format(-86_400_000),
            "31 Dec 69"
        );
        assert!(DateFormat::new("k", "yyyy-QQ").is_err());
        for days in [-800_000, -1, 0, 59, 60, 365, 11_016, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}

#[cfg(test)]
mod parse_tests {
    use super::*;

    #[test]
    fn parses_separated_fields() {
        let f = DateFormat::new("k", "yyyy-MM-dd HH:mm:ss").unwrap();
        assert_eq!(f.parse("2023-11-14 22:13:20"), Some(1_700_000_000_000));
    }
}
