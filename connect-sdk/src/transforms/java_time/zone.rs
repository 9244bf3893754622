//! The zone fields `z`, `Z` and `X` of a parsed text, as `SimpleDateFormat` reads them.

use super::fields::{Field, Fields};
use super::parse::FieldParse;

impl FieldParse<'_> {
    /// `z` and `Z`: `+hhmm`, `GMT`, `GMT+h:mm` or UTC's names (other zone names are not
    /// read), at `pos` past the spaces from `start` (`GMT` only right at `start`).
    pub(super) fn zone(&self, start: usize, pos: usize, fields: &mut Fields) -> Option<usize> {
        let sign = |c: Option<&char>| match c {
            Some('+') => 1,
            Some('-') => -1,
            _ => 0,
        };
        match sign(self.text.get(pos)) {
            0 if matches!(self.text.get(pos), Some('G' | 'g')) && self.matches_at(start, "GMT") => {
                let after = start + 3;
                match sign(self.text.get(after)) {
                    0 => {
                        fields.set(Field::ZoneOffset, 0);
                        Some(after)
                    }
                    s => self.numeric_zone(after + 1, s, 0, true, fields),
                }
            }
            0 => {
                let name = ["Coordinated Universal Time", "UTC"]
                    .into_iter()
                    .find(|name| self.matches_at(pos, name))?;
                fields.set(Field::ZoneOffset, 0);
                Some(pos + name.len())
            }
            s => self.numeric_zone(pos + 1, s, 0, false, fields),
        }
    }

    /// `X`, `XX`, `XXX`: `Z`, or `+hh`, `+hhmm`, `+hh:mm` by the width.
    pub(super) fn iso_zone(&self, pos: usize, fields: &mut Fields) -> Option<usize> {
        let sign = match self.text.get(pos)? {
            'Z' => {
                fields.set(Field::ZoneOffset, 0);
                return Some(pos + 1);
            }
            '+' => 1,
            '-' => -1,
            _ => return None,
        };
        self.numeric_zone(pos + 1, sign, self.width, self.width == 3, fields)
    }

    /// An offset of hours and minutes (`SimpleDateFormat.subParseNumericZone`): hours
    /// only for `width` 1, a colon between them when `colon`, one hour digit only with
    /// a colon in a `GMT` offset (`width` 0).
    fn numeric_zone(
        &self,
        start: usize,
        sign: i64,
        width: usize,
        colon: bool,
        fields: &mut Fields,
    ) -> Option<usize> {
        let digit = |at: usize| self.text.get(at).and_then(|c| c.to_digit(10));
        let mut at = start;
        let mut hours = i64::from(digit(at)?);
        at += 1;
        self.text.get(at)?;
        match digit(at) {
            Some(d) => {
                hours = hours * 10 + i64::from(d);
                at += 1;
            }
            None if width > 0 || !colon => return None,
            None => {}
        }
        if hours > 23 {
            return None;
        }
        let mut minutes = 0;
        if width != 1 {
            if colon {
                if self.text.get(at)? != &':' {
                    return None;
                }
                at += 1;
            }
            minutes = i64::from(digit(at)?) * 10 + i64::from(digit(at + 1)?);
            at += 2;
            if minutes > 59 {
                return None;
            }
        }
        fields.set(Field::ZoneOffset, sign * (hours * 60 + minutes) * 60_000);
        Some(at)
    }
}
