//! The proleptic Gregorian calendar in days since the epoch, with the names and week
//! rules of Java's `GregorianCalendar` in an English (`en`, `en-US`) locale.

pub(super) const MONTHS: [&str; 12] = [
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

/// Sunday first: index `Calendar.DAY_OF_WEEK - 1`.
pub(super) const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// `Calendar.ERA`: BC, AD.
pub(super) const ERAS: [&str; 2] = ["BC", "AD"];

/// `Calendar.AM_PM`: AM, PM.
pub(super) const AM_PM: [&str; 2] = ["AM", "PM"];

/// The first day of a week (`Calendar.getFirstDayOfWeek`, Sunday) and the days of a
/// year's or month's first week (`getMinimalDaysInFirstWeek`, 1), as for `en-US`.
const FIRST_DAY_OF_WEEK: i64 = 1;
const MINIMAL_DAYS_IN_FIRST_WEEK: i64 = 1;

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

/// The day since the epoch of a proleptic Gregorian date (`month` 1 to 12).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The first day of `month` (0 for January, any number: 12 is next January) of `year`.
pub(super) fn first_of_month(year: i64, month: i64) -> i64 {
    days_from_civil(year + month.div_euclid(12), month.rem_euclid(12) + 1, 1)
}

/// `Calendar.DAY_OF_WEEK` of a day since the epoch: 1 for Sunday to 7 for Saturday.
pub(super) fn day_of_week(days: i64) -> i64 {
    // The epoch was a Thursday.
    (days + 4).rem_euclid(7) + 1
}

/// The day of week `dow` (1 for Sunday) on or before `days`.
pub(super) fn day_of_week_on_or_before(days: i64, dow: i64) -> i64 {
    days - (day_of_week(days) - dow).rem_euclid(7)
}

/// The week of the period (year or month) starting on `first` that `days` falls in, as
/// `GregorianCalendar.getWeekNumber` counts.
fn week_number(first: i64, days: i64) -> i64 {
    let mut first_week = day_of_week_on_or_before(first + 6, FIRST_DAY_OF_WEEK);
    if first_week - first >= MINIMAL_DAYS_IN_FIRST_WEEK {
        first_week -= 7;
    }
    (days - first_week).div_euclid(7) + 1
}

/// `Calendar.WEEK_OF_YEAR` and the week-based year of a day (`w`, `Y`).
pub(super) fn week_of_year(days: i64) -> (i64, i64) {
    let (year, month, _) = civil_from_days(days);
    let jan1 = days_from_civil(year, 1, 1);
    let mut week = week_number(jan1, days);
    if week == 0 {
        week = week_number(days_from_civil(year - 1, 1, 1), jan1 - 1);
    } else if week >= 52 {
        let next_jan1 = days_from_civil(year + 1, 1, 1);
        let next_first_week = day_of_week_on_or_before(next_jan1 + 6, FIRST_DAY_OF_WEEK);
        if next_first_week - next_jan1 >= MINIMAL_DAYS_IN_FIRST_WEEK && days >= next_first_week - 7 {
            week = 1;
        }
    }
    let week_year = match (month, week) {
        (1, w) if w >= 52 => year - 1,
        (m, 1) if m != 1 => year + 1,
        _ => year,
    };
    (week, week_year)
}

/// `Calendar.WEEK_OF_MONTH` of a day (`W`).
pub(super) fn week_of_month(days: i64) -> i64 {
    let (year, month, _) = civil_from_days(days);
    week_number(days_from_civil(year, month, 1), days)
}
