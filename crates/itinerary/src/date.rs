//! Calendar dates (proleptic Gregorian), just enough to name the days of a mission window.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// A calendar date (the arithmetic is `jiff`'s, as everywhere else in Homeward).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(jiff::civil::Date);

/// Why a text is not a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{text}' is not a date (YYYY-MM-DD): {why}")]
pub struct DateError {
    pub text: String,
    pub why: &'static str,
}

impl Date {
    /// The date of `year`-`month`-`day`, if there is one (years −9999 to 9999).
    pub fn new(year: i64, month: u32, day: u32) -> Option<Date> {
        let year = i16::try_from(year).ok()?;
        let month = i8::try_from(month).ok()?;
        let day = i8::try_from(day).ok()?;
        jiff::civil::Date::new(year, month, day).ok().map(Date)
    }

    /// Year, month (1–12) and day (1–31).
    pub fn ymd(self) -> (i64, u32, u32) {
        let d = self.0;
        (
            i64::from(d.year()),
            d.month().unsigned_abs().into(),
            d.day().unsigned_abs().into(),
        )
    }

    /// The date `days` later (the last day jiff knows, 9999-12-31, at the most).
    pub fn plus_days(self, days: u32) -> Date {
        let later = jiff::Span::new()
            .try_days(i64::from(days))
            .ok()
            .and_then(|span| self.0.checked_add(span).ok());
        Date(later.unwrap_or(jiff::civil::Date::MAX))
    }
}

impl FromStr for Date {
    type Err = DateError;

    fn from_str(text: &str) -> Result<Date, DateError> {
        let error = |why| DateError {
            text: text.to_owned(),
            why,
        };
        let parts: Vec<&str> = text.trim().split('-').collect();
        let [y, m, d] = parts.as_slice() else {
            return Err(error("expected three parts separated by '-'"));
        };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(error("expected four, two and two digits"));
        }
        let number = |s: &str| -> Result<u32, DateError> {
            if s.bytes().all(|b| b.is_ascii_digit()) {
                s.parse().map_err(|_| error("not a number"))
            } else {
                Err(error("not a number"))
            }
        };
        let (year, month, day) = (number(y)?, number(m)?, number(d)?);
        Date::new(i64::from(year), month, day).ok_or_else(|| error("no such day"))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Written out independently of jiff, for the walk over four centuries.
    fn days_in_month(year: i64, month: u32) -> u32 {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        match month {
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => 31,
        }
    }

    #[test]
    fn known_day_numbers() {
        // Independent values: Unix day numbers of well-known dates.
        let epoch = Date::new(1970, 1, 1).unwrap();
        let unix_day = |d: Date| i64::from(epoch.0.until(d.0).unwrap().get_days());
        assert_eq!(unix_day(epoch), 0);
        assert_eq!(unix_day(Date::new(2000, 3, 1).unwrap()), 11_017);
        assert_eq!(unix_day(Date::new(1953, 7, 27).unwrap()), -6_002);
        assert_eq!(unix_day(Date::new(2026, 11, 28).unwrap()), 20_785);
        assert_eq!(epoch.plus_days(20_785), Date::new(2026, 11, 28).unwrap());
    }

    #[test]
    fn parse_add_and_print() {
        let d: Date = "2024-02-28".parse().unwrap();
        assert_eq!(d.plus_days(1).to_string(), "2024-02-29");
        assert_eq!(d.plus_days(2).to_string(), "2024-03-01");
        assert_eq!(
            "2023-12-31".parse::<Date>().unwrap().plus_days(1).to_string(),
            "2024-01-01"
        );
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-1-01",
            "24-01-01",
            "2024-01-0x",
            "",
            "2024-00-10",
        ] {
            assert!(bad.parse::<Date>().is_err(), "{bad}");
        }
    }

    #[test]
    fn every_day_of_four_centuries_round_trips() {
        let mut day = Date::new(1900, 1, 1).unwrap();
        let mut expected = (1900, 1, 1);
        for _ in 0..146_097 {
            assert_eq!(day.ymd(), expected);
            assert_eq!(Date::new(expected.0, expected.1, expected.2), Some(day));
            day = day.plus_days(1);
            let (y, m, d) = expected;
            expected = if d < days_in_month(y, m) {
                (y, m, d + 1)
            } else if m < 12 {
                (y, m + 1, 1)
            } else {
                (y + 1, 1, 1)
            };
        }
    }
}
