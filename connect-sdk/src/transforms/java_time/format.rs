//! Formatting, as `SimpleDateFormat.format` in UTC.

use super::calendar::{
    AM_PM, ERAS, MONTHS, WEEKDAYS, civil_from_days, day_of_week, days_from_civil, week_of_month, week_of_year,
};
use super::{DateFormat, Piece};

const MILLIS_PER_DAY: i64 = 86_400_000;

impl DateFormat {
    /// `millis` since the epoch, formatted in UTC.
    pub(crate) fn format(&self, millis: i64) -> String {
        let days = millis.div_euclid(MILLIS_PER_DAY);
        let in_day = millis.rem_euclid(MILLIS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let hour = in_day / 3_600_000;
        let dow = day_of_week(days);
        let mut out = String::new();
        for piece in &self.pieces {
            let (letter, width) = match piece {
                Piece::Literal(s) => {
                    out.push_str(s);
                    continue;
                }
                Piece::Field(letter, width) => (*letter, *width),
            };
            let text = |long: &str, short_at_most_3: bool| -> String {
                if short_at_most_3 && width < 4 {
                    long[..3].to_owned()
                } else {
                    long.to_owned()
                }
            };
            let number = match letter {
                'G' => {
                    out.push_str(ERAS[usize::from(year > 0)]);
                    continue;
                }
                // The year of the era (1 BC is year 0), two digits for `yy`.
                'y' | 'Y' => {
                    let y = if letter == 'y' { year } else { week_of_year(days).1 };
                    let of_era = if y > 0 { y } else { 1 - y };
                    if width == 2 { of_era % 100 } else { of_era }
                }
                'M' | 'L' if width >= 3 => {
                    out.push_str(&text(MONTHS[month as usize - 1], true));
                    continue;
                }
                'M' | 'L' => month,
                'w' => week_of_year(days).0,
                'W' => week_of_month(days),
                'D' => days - days_from_civil(year, 1, 1) + 1,
                'd' => day,
                'F' => (day - 1) / 7 + 1,
                'E' => {
                    out.push_str(&text(WEEKDAYS[dow as usize - 1], true));
                    continue;
                }
                // Monday 1 to Sunday 7.
                'u' => (dow + 5) % 7 + 1,
                'a' => {
                    out.push_str(AM_PM[usize::from(hour >= 12)]);
                    continue;
                }
                'H' => hour,
                'k' => (hour + 23) % 24 + 1,
                'K' => hour % 12,
                'h' => (hour + 11) % 12 + 1,
                'm' => in_day / 60_000 % 60,
                's' => in_day / 1000 % 60,
                'S' => in_day % 1000,
                'z' => {
                    out.push_str(if width >= 4 {
                        "Coordinated Universal Time"
                    } else {
                        "UTC"
                    });
                    continue;
                }
                'Z' => {
                    out.push_str("+0000");
                    continue;
                }
                // 'X': ISO 8601 writes a zero offset as `Z` in every width.
                _ => {
                    out.push('Z');
                    continue;
                }
            };
            out.push_str(&format!("{number:0width$}"));
        }
        out
    }
}
