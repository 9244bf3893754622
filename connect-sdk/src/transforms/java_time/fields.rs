//! The calendar fields a parsed text sets, and the instant they give, as Java's
//! `CalendarBuilder` and `GregorianCalendar` resolve them.

use super::calendar::{day_of_week_on_or_before, days_from_civil, first_of_month};

/// The calendar fields a text sets, as `Calendar` numbers them where it matters.
#[derive(Clone, Copy)]
pub(super) enum Field {
    Era,
    Year,
    /// 0 for January.
    Month,
    DayOfMonth,
    DayOfYear,
    /// 1 for Sunday.
    DayOfWeek,
    DayOfWeekInMonth,
    AmPm,
    /// `h` (12 read as 0) and `K`.
    Hour,
    /// `H` and `k` (24 read as 0).
    HourOfDay,
    Minute,
    Second,
    Milli,
    /// Milliseconds east of UTC.
    ZoneOffset,
}

/// The fields set, each with its value and when it was set (0: never), as Java's
/// `CalendarBuilder` stamps them.
#[derive(Default)]
pub(super) struct Fields {
    values: [(i64, u32); 14],
    next_stamp: u32,
}

impl Fields {
    pub(super) fn set(&mut self, field: Field, value: i64) {
        self.next_stamp += 1;
        self.values[field as usize] = (value, self.next_stamp);
    }

    fn stamp(&self, field: Field) -> u32 {
        self.values[field as usize].1
    }

    fn get(&self, field: Field) -> Option<i64> {
        let (value, stamp) = self.values[field as usize];
        (stamp > 0).then_some(value)
    }
}

/// The later of two stamps, or none unless both are set (`Calendar.aggregateStamp`).
fn both(a: u32, b: u32) -> u32 {
    if a == 0 || b == 0 { 0 } else { a.max(b) }
}

/// The instant the fields give, as `GregorianCalendar.computeTime` resolves them, the
/// year moved on by `extra_years`.
pub(super) fn resolve(fields: &Fields, extra_years: i64) -> i64 {
    let mut year = fields.get(Field::Year).unwrap_or(1970) + extra_years;
    if fields.get(Field::Era) == Some(0) {
        year = 1 - year;
    }
    // The day: the latest complete group of day fields (`Calendar.selectFields`).
    let dow = fields.stamp(Field::DayOfWeek);
    let mut dom = fields.stamp(Field::DayOfMonth);
    let mut dowim = both(fields.stamp(Field::DayOfWeekInMonth), dow);
    let doy = fields.stamp(Field::DayOfYear);
    let mut best = dom.max(dowim).max(doy);
    if best == 0 {
        // No complete group: a day of week alone is one in the month's first week.
        dowim = fields.stamp(Field::DayOfWeekInMonth).max(dow);
        best = dowim;
        if best == 0 {
            dom = fields.stamp(Field::Month);
            best = dom;
        }
    }
    let month = fields.get(Field::Month).unwrap_or(0);
    let days = if best == dom {
        first_of_month(year, month) + fields.get(Field::DayOfMonth).map_or(0, |d| d - 1)
    } else if best == dowim {
        let weekday = fields.get(Field::DayOfWeek).unwrap_or(1);
        let nth = fields.get(Field::DayOfWeekInMonth).unwrap_or(1);
        let first = first_of_month(year, month);
        if nth >= 0 {
            day_of_week_on_or_before(first + 7 * nth - 1, weekday)
        } else {
            let last = first_of_month(year, month + 1) - 1;
            day_of_week_on_or_before(last + 7 * (nth + 1), weekday)
        }
    } else {
        days_from_civil(year, 1, 1) + fields.get(Field::DayOfYear).unwrap_or(1) - 1
    };
    // The hour: `H` or `h` with `a`, whichever was set last.
    let hour_of_day = fields.stamp(Field::HourOfDay);
    let mut best = both(fields.stamp(Field::Hour), fields.stamp(Field::AmPm)).max(hour_of_day);
    if best == 0 {
        best = fields.stamp(Field::Hour).max(fields.stamp(Field::AmPm));
    }
    let hours = if best == 0 {
        0
    } else if best == hour_of_day {
        fields.get(Field::HourOfDay).unwrap_or(0)
    } else {
        fields.get(Field::Hour).unwrap_or(0) + 12 * fields.get(Field::AmPm).unwrap_or(0)
    };
    let minutes = (days * 24 + hours) * 60 + fields.get(Field::Minute).unwrap_or(0);
    minutes * 60_000 + fields.get(Field::Second).unwrap_or(0) * 1000 + fields.get(Field::Milli).unwrap_or(0)
        - fields.get(Field::ZoneOffset).unwrap_or(0)
}
