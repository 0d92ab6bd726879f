//! Calendar dates (proleptic Gregorian), just enough to name the days of a mission window.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// A calendar date, stored as the number of days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    days: i64,
}

/// Why a text is not a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{text}' is not a date (YYYY-MM-DD): {why}")]
pub struct DateError {
    pub text: String,
    pub why: &'static str,
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 31,
    }
}

impl Date {
    /// The date of `year`-`month`-`day`, if there is one.
    pub fn new(year: i64, month: u32, day: u32) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        // Days from civil (H. Hinnant): years start in March so that the leap day comes last.
        let y = if month <= 2 { year - 1 } else { year };
        let era = y.div_euclid(400);
        let year_of_era = y - era * 400;
        let shifted_month = i64::from((month + 9) % 12);
        let day_of_year = (153 * shifted_month + 2) / 5 + i64::from(day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        Some(Date {
            days: era * 146_097 + day_of_era - 719_468,
        })
    }

    /// Year, month (1–12) and day (1–31).
    pub fn ymd(self) -> (i64, u32, u32) {
        let z = self.days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z - era * 146_097;
        let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let shifted_month = (5 * day_of_year + 2) / 153;
        let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
        let month = if shifted_month < 10 {
            shifted_month + 3
        } else {
            shifted_month - 9
        } as u32;
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        (year, month, day)
    }

    /// The date `days` later.
    pub fn plus_days(self, days: u32) -> Date {
        Date {
            days: self.days + i64::from(days),
        }
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

    #[test]
    fn known_day_numbers() {
        // Independent values: Unix day numbers of well-known dates.
        assert_eq!(Date::new(1970, 1, 1).unwrap().days, 0);
        assert_eq!(Date::new(2000, 3, 1).unwrap().days, 11_017);
        assert_eq!(Date::new(1953, 7, 27).unwrap().days, -6_002);
        assert_eq!(Date::new(2026, 11, 28).unwrap().days, 20_785);
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
