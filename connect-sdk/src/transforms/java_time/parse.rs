//! Parsing, as `SimpleDateFormat.parse(String)` in UTC: lenient (a 13th month is next
//! January), names matched ignoring case, spaces before a number skipped, text after
//! the pattern ignored, and the fields resolved as `GregorianCalendar` does (the latest
//! of day of month, day of week in month and day of year wins; `h` with `a` or `H`,
//! whichever came last).

use super::calendar::{AM_PM, ERAS, MONTHS, WEEKDAYS, civil_from_days, days_from_civil, first_of_month};
use super::fields::{Field, Fields, resolve};
use super::{DateFormat, Piece};

/// Why a text gives no timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unparsed {
    /// The text does not match the pattern (Java's `ParseException`).
    NoMatch,
    /// The pattern has a letter Java parses but connect-sdk does not (`w`, `W`, `Y`).
    Unsupported(char),
}

impl DateFormat {
    /// The milliseconds since the epoch that `text` gives in this format (UTC unless it
    /// names a zone); fields the pattern lacks are the epoch's.
    pub(crate) fn parse(&self, text: &str) -> Result<i64, Unparsed> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        self.parse_at(text, now)
    }

    /// [`DateFormat::parse`] with two-digit years read in the century from 80 years
    /// before `now` on, as `SimpleDateFormat` does.
    pub(crate) fn parse_at(&self, text: &str, now: i64) -> Result<i64, Unparsed> {
        if let Some(letter) = self.pieces.iter().find_map(|p| match p {
            Piece::Field(c @ ('w' | 'W' | 'Y'), _) => Some(*c),
            _ => None,
        }) {
            return Err(Unparsed::Unsupported(letter));
        }
        let text: Vec<char> = text.chars().collect();
        let mut fields = Fields::default();
        let mut ambiguous_year = false;
        let century = century_start(now);
        let mut pos = 0;
        for (i, piece) in self.pieces.iter().enumerate() {
            match piece {
                Piece::Literal(s) => {
                    for c in s.chars() {
                        if text.get(pos) != Some(&c) {
                            return Err(Unparsed::NoMatch);
                        }
                        pos += 1;
                    }
                }
                Piece::Field(letter, width) => {
                    let obey_width = matches!(self.pieces.get(i + 1), Some(Piece::Field(next, next_width))
                        if obeys_width(*next, *next_width));
                    let field = FieldParse {
                        text: &text,
                        letter: *letter,
                        width: *width,
                        obey_width,
                        century_year: century.0,
                    };
                    pos = field
                        .parse(pos, &mut fields, &mut ambiguous_year)
                        .ok_or(Unparsed::NoMatch)?;
                }
            }
        }
        // `DateFormat.parse(String)` fails only when nothing was read.
        if pos == 0 {
            return Err(Unparsed::NoMatch);
        }
        let millis = resolve(&fields, 0);
        if ambiguous_year && millis < century.1 {
            return Ok(resolve(&fields, 100));
        }
        Ok(millis)
    }
}

/// Whether a numeric field followed by a field of `next` repeated `width` times takes
/// exactly its own width of text (`SimpleDateFormat.shouldObeyCount`): `yyyyMMdd`.
fn obeys_width(next: char, width: usize) -> bool {
    match next {
        'M' | 'L' => width <= 2,
        'y' | 'd' | 'k' | 'H' | 'm' | 's' | 'S' | 'D' | 'F' | 'w' | 'W' | 'h' | 'K' | 'Y' | 'u' => true,
        _ => false,
    }
}

/// The year and instant (milliseconds) 80 years before `now`: two-digit years are read
/// as the first such year from then on.
fn century_start(now: i64) -> (i64, i64) {
    let days = now.div_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    let start_year = year - 80;
    let month_length = first_of_month(start_year, month) - first_of_month(start_year, month - 1);
    let start = days_from_civil(start_year, month, day.min(month_length));
    (start_year, start * 86_400_000 + now.rem_euclid(86_400_000))
}

/// One field of the pattern read from a text.
pub(super) struct FieldParse<'t> {
    pub(super) text: &'t [char],
    letter: char,
    pub(super) width: usize,
    obey_width: bool,
    century_year: i64,
}

impl FieldParse<'_> {
    /// Reads the field at `start` into `fields`: the position after it, or none.
    fn parse(&self, start: usize, fields: &mut Fields, ambiguous_year: &mut bool) -> Option<usize> {
        let text = self.text;
        let mut pos = start;
        while matches!(text.get(pos), Some(' ' | '\t')) {
            pos += 1;
        }
        if pos >= text.len() {
            return None;
        }
        let number = || self.number(start, pos);
        // Names are matched where the field starts, spaces and all.
        match self.letter {
            'G' => self.names(start, (Field::Era, 0), &[&ERAS], fields),
            'M' | 'L' if self.width >= 3 => {
                let short = MONTHS.map(|m| &m[..3]);
                self.names(start, (Field::Month, 0), &[&MONTHS, &short], fields)
            }
            'E' => {
                let short = WEEKDAYS.map(|d| &d[..3]);
                self.names(start, (Field::DayOfWeek, 1), &[&WEEKDAYS, &short], fields)
            }
            'a' => self.names(start, (Field::AmPm, 0), &[&AM_PM], fields),
            'z' | 'Z' => self.zone(start, pos, fields),
            'X' => self.iso_zone(pos, fields),
            letter => {
                let (mut value, end) = number()?;
                let field = match letter {
                    'y' => {
                        let two_digits = end - pos == 2 && text[pos..end].iter().all(char::is_ascii_digit);
                        if self.width <= 2 && two_digits {
                            let start_in_century = self.century_year.rem_euclid(100);
                            *ambiguous_year = value == start_in_century;
                            value += self.century_year.div_euclid(100) * 100
                                + if value < start_in_century { 100 } else { 0 };
                        }
                        Field::Year
                    }
                    'M' | 'L' => {
                        value -= 1;
                        Field::Month
                    }
                    'd' => Field::DayOfMonth,
                    'D' => Field::DayOfYear,
                    'F' => Field::DayOfWeekInMonth,
                    'u' => {
                        // Monday 1 to Sunday 7, as `Calendar` numbers it (others as they are).
                        value = match value {
                            7 => 1,
                            1..=6 => value + 1,
                            other => other,
                        };
                        Field::DayOfWeek
                    }
                    'h' | 'K' => {
                        if letter == 'h' && value == 12 {
                            value = 0;
                        }
                        Field::Hour
                    }
                    'k' | 'H' => {
                        if letter == 'k' && value == 24 {
                            value = 0;
                        }
                        Field::HourOfDay
                    }
                    'm' => Field::Minute,
                    's' => Field::Second,
                    _ => Field::Milli,
                };
                fields.set(field, value);
                Some(end)
            }
        }
    }

    /// A number (`DecimalFormat`: an optional minus sign and digits) at `pos`, within
    /// the field's width from `start` when it abuts the next numeric field.
    fn number(&self, start: usize, pos: usize) -> Option<(i64, usize)> {
        let limit = if self.obey_width {
            let limit = start + self.width;
            if limit > self.text.len() {
                return None;
            }
            limit
        } else {
            self.text.len()
        };
        let region = self.text.get(pos..limit)?;
        let negative = region.first() == Some(&'-');
        let digits = region[usize::from(negative)..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits == 0 {
            return None;
        }
        let from = pos + usize::from(negative);
        let value = self.text[from..from + digits].iter().try_fold(0i64, |v, c| {
            v.checked_mul(10)?.checked_add(i64::from(*c as u8 - b'0'))
        });
        // Java's fields are `int`s: a `long` is cut to its low 32 bits, a larger number
        // (a `double`) to the nearest `int`.
        let value = match (value, negative) {
            (Some(v), false) => i64::from(v as i32),
            (Some(v), true) => i64::from(-v as i32),
            (None, false) => i64::from(i32::MAX),
            (None, true) => i64::from(i32::MIN),
        };
        Some((value, from + digits))
    }

    /// The longest of `names` (the first list tried first, case ignored) at `pos`: the
    /// field's value is its index from `first` (1 for Sunday).
    fn names(
        &self,
        pos: usize,
        (field, first): (Field, i64),
        lists: &[&[&str]],
        fields: &mut Fields,
    ) -> Option<usize> {
        for names in lists {
            let best = names
                .iter()
                .enumerate()
                .filter(|(_, name)| self.matches_at(pos, name))
                .max_by_key(|(_, name)| name.len());
            if let Some((index, name)) = best {
                fields.set(field, first + index as i64);
                return Some(pos + name.chars().count());
            }
        }
        None
    }

    pub(super) fn matches_at(&self, pos: usize, name: &str) -> bool {
        let mut at = pos;
        for c in name.chars() {
            match self.text.get(at) {
                Some(t) if t.eq_ignore_ascii_case(&c) => at += 1,
                _ => return false,
            }
        }
        true
    }
}
