//! What Java 17's `SimpleDateFormat` (an `en` JVM, time zone UTC) gives for the same
//! patterns and instants; the goldens of `tests/kafka_goldens.rs` check more through
//! Kafka's transforms.

use super::calendar::days_from_civil;
use super::*;

/// 2023-11-14T22:13:20.123Z, a Tuesday.
const TUESDAY_EVENING: i64 = 1_700_000_000_123;
/// 2023-12-31T00:30:05.007Z, a Sunday in the first week of 2024.
const NEW_YEARS_EVE: i64 = 1_703_982_605_007;
/// When two-digit years are read.
const NOW: i64 = TUESDAY_EVENING;

fn format(pattern: &str, millis: i64) -> String {
    DateFormat::new("k", pattern).unwrap().format(millis)
}

fn parse(pattern: &str, text: &str) -> Result<i64, Unparsed> {
    DateFormat::new("k", pattern).unwrap().parse_at(text, NOW)
}

#[test]
fn formats_and_parses_as_simple_date_format_in_utc() {
    let f = DateFormat::new("k", "yyyy-MM-dd'T'HH:mm:ss.SSS").unwrap();
    assert_eq!(f.format(TUESDAY_EVENING), "2023-11-14T22:13:20.123");
    assert_eq!(f.parse("2023-11-14T22:13:20.123"), Ok(TUESDAY_EVENING));
    assert_eq!(format("yyyyMMdd", 0), "19700101");
    assert_eq!(parse("yyyyMMdd", "20231114"), Ok(1_699_920_000_000));
    assert_eq!(format("dd MMM yy", -86_400_000), "31 Dec 69");
    assert_eq!(
        parse("yyyy-MM-dd HH:mm:ss", "2023-11-14 22:13:20"),
        Ok(1_700_000_000_000)
    );
    for days in [-800_000, -1, 0, 59, 60, 365, 11_016, 2_932_896] {
        let (y, m, d) = civil_from_days(days);
        assert_eq!(days_from_civil(y, m, d), days);
    }
}

#[test]
fn formats_every_letter_java_knows() {
    let all = "G yyyy yy MMMM MMM MM L LLLL|EEE EEEE u uu D DDD F w ww W Y YY|a h hh K k kk H|z zzzz Z ZZZZ X XX XXX";
    assert_eq!(
        format(all, TUESDAY_EVENING),
        "AD 2023 23 November Nov 11 11 November|Tue Tuesday 2 02 318 318 2 46 46 3 2023 23|\
         PM 10 10 10 22 22 22|UTC Coordinated Universal Time +0000 +0000 Z Z Z"
    );
    assert_eq!(
        format(all, NEW_YEARS_EVE),
        "AD 2023 23 December Dec 12 12 December|Sun Sunday 7 07 365 365 5 1 01 6 2024 24|\
         AM 12 12 0 24 24 0|UTC Coordinated Universal Time +0000 +0000 Z Z Z"
    );
    assert_eq!(
        format("EEE, d MMM yyyy hh:mm:ss a Z", 0),
        "Thu, 1 Jan 1970 12:00:00 AM +0000"
    );
}

#[test]
fn refuses_what_java_refuses_naming_the_letter() {
    assert_eq!(
        DateFormat::of_pattern("yyyy-QQ").unwrap_err(),
        "Illegal pattern character 'Q'"
    );
    assert_eq!(DateFormat::of_pattern("'a").unwrap_err(), "Unterminated quote");
    assert_eq!(
        DateFormat::of_pattern("XXXX").unwrap_err(),
        "invalid ISO 8601 format: length=4"
    );
    assert_eq!(parse("yyyy-ww", "2023-46"), Err(Unparsed::Unsupported('w')));
}

#[test]
fn parses_text_fields_zones_and_twelve_hour_clocks() {
    let cases = [
        (
            "EEE, d MMM yyyy hh:mm:ss a Z",
            "Tue, 14 Nov 2023 10:13:20 PM +0000",
            1_700_000_000_000,
        ),
        (
            "EEE, d MMM yyyy hh:mm:ss a Z",
            "tue, 14 nov 2023 10:13:20 pm +0100",
            1_699_996_400_000,
        ),
        // The day of week is read but the day of month decides.
        (
            "EEE, d MMM yyyy hh:mm:ss a Z",
            "Wed, 14 Nov 2023 12:13:20 AM -0130",
            1_699_926_200_000,
        ),
        (
            "yyyy-MM-dd HH:mm:ss",
            "2023-11-14 22:13:20 trailing",
            1_700_000_000_000,
        ),
        ("yyyy-MM-dd HH:mm:ss", "2023-11-14  22:13:20", 1_700_000_000_000),
        ("yyyy-DDD", "2023-318", 1_699_920_000_000),
        ("yyyyDDD", "2023318", 1_699_920_000_000),
        ("EEE HH:mm", "Tue 10:00", 468_000_000),
        ("yyyy MMM EEE", "2023 Nov Tue", 1_699_315_200_000),
        ("yyyy MMM F EEE", "2023 Nov 2 Tue", 1_699_920_000_000),
        (
            "yyyy-MM-dd'T'HH:mm:ss.SSSX",
            "2023-11-14T22:13:20.123Z",
            TUESDAY_EVENING,
        ),
        (
            "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
            "2023-11-14T23:13:20.123+01:00",
            TUESDAY_EVENING,
        ),
        (
            "yyyy-MM-dd'T'HH:mm:ss.SSSXX",
            "2023-11-14T23:13:20.123+0100",
            TUESDAY_EVENING,
        ),
        (
            "yyyy-MM-dd'T'HH:mm:ss.SSSX",
            "2023-11-14T23:13:20.123+01",
            TUESDAY_EVENING,
        ),
        ("yyyy-MM-dd HH:mm z", "2023-11-14 22:13 UTC", 1_699_999_980_000),
        (
            "yyyy-MM-dd HH:mm z",
            "2023-11-14 22:13 GMT+01:00",
            1_699_996_380_000,
        ),
        (
            "yyyy-MM-dd HH:mm z",
            "2023-11-14 22:13 Coordinated Universal Time",
            1_699_999_980_000,
        ),
        ("yyyy-MM-dd HH:mm z", "2023-11-14 22:13 +0100", 1_699_996_380_000),
        ("yyyy-MM-dd HH:mm Z", "2023-11-14 22:13 GMT", 1_699_999_980_000),
        ("yyyy-MM-dd kk:mm", "2023-11-14 24:13", 1_699_920_780_000),
        ("yyyy-MM-dd KK:mm a", "2023-11-14 11:13 PM", 1_700_003_580_000),
        ("yyyy-MM-dd hh:mm", "2023-11-14 12:13", 1_699_920_780_000),
        ("yyyy-MM-dd a", "2023-11-14 PM", 1_699_963_200_000),
        ("yyyy-MM u", "2023-11 2", 1_699_315_200_000),
        ("G yyyy-MM-dd", "AD 2023-11-14", 1_699_920_000_000),
        // Lenient: month 13 is next January.
        ("yyyy-MM-dd", "2023-13-40", 1_707_436_800_000),
        ("yyyy-MM-dd", "2023--11-14", 1_642_118_400_000),
        ("yyyyMMdd", "2023111", 1_698_796_800_000),
        ("yyyy-MMM-dd", "2023-November-14", 1_699_920_000_000),
        ("dd MMMM", "14 Nov", 27_388_800_000),
        ("HH 'o''clock'", "22 o'clock", 79_200_000),
        // Two digits: the century from 1943-11-14T22:13:20.123Z (80 years before NOW) on.
        ("dd/MM/yy", "14/11/23", 1_699_920_000_000),
        ("dd/MM/yy", "14/11/43", 2_331_072_000_000),
        ("dd/MM/yy", "15/11/43", -824_601_600_000),
        ("dd/MM/yy", "14/11/42", 2_299_536_000_000),
        ("dd/MM/yy", "14/11/44", -793_065_600_000),
        ("dd/MM/yy", "14/11/2023", 1_699_920_000_000),
    ];
    for (pattern, text, millis) in cases {
        assert_eq!(parse(pattern, text), Ok(millis), "{pattern} | {text}");
    }
    for (pattern, text) in [
        ("yyyy-MM-dd HH:mm:ss", "2023-11-14 22:13"),
        ("yyyy-MM-dd", "2023-+11-14"),
        ("yyyy-MMM-dd", "2023-11-14"),
        ("yyyy-MM-dd HH:mm z", "2023-11-14 22:13 +1"),
        ("", ""),
    ] {
        assert_eq!(parse(pattern, text), Err(Unparsed::NoMatch), "{pattern} | {text}");
    }
}
