//! GEDCOM dates: exact and partial dates (`1946`, `FEB 1946`, `11 FEB 1946`), in the Gregorian,
//! Julian, Hebrew, French Republican or an extension calendar, before the common era or not;
//! approximate (`ABT`, `CAL`, `EST`), ranges (`BEF`, `AFT`, `BET … AND …`), periods (`FROM … TO …`),
//! and phrases: 5.5.1 writes `INT date (phrase)` and `(phrase)`, 7.0 a `PHRASE` sub-line. Month and
//! keyword case is not significant (5.5.1 files often write `Oct`).

use std::fmt::Write as _;

use super::Version;

/// A calendar.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Calendar {
    Gregorian,
    Julian,
    Hebrew,
    FrenchRepublican,
    /// A 7.0 extension calendar (`_UNKNOWN`) or a 5.5.1 one without rules here (`ROMAN`,
    /// `UNKNOWN`), by its name.
    Other(String),
}

const GREGORIAN_MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const HEBREW_MONTHS: [&str; 13] = [
    "TSH", "CSH", "KSL", "TVT", "SHV", "ADR", "ADS", "NSN", "IYR", "SVN", "TMZ", "AAV", "ELL",
];
const FRENCH_MONTHS: [&str; 13] = [
    "VEND", "BRUM", "FRIM", "NIVO", "PLUV", "VENT", "GERM", "FLOR", "PRAI", "MESS", "THER", "FRUC", "COMP",
];

impl Calendar {
    fn months(&self) -> Option<&'static [&'static str]> {
        match self {
            Calendar::Gregorian | Calendar::Julian => Some(&GREGORIAN_MONTHS),
            Calendar::Hebrew => Some(&HEBREW_MONTHS),
            Calendar::FrenchRepublican => Some(&FRENCH_MONTHS),
            Calendar::Other(_) => None,
        }
    }

    /// The name as 7.0 writes it; 5.5.1 wraps it as `@#DNAME@` (with `FRENCH R`).
    fn name(&self) -> &str {
        match self {
            Calendar::Gregorian => "GREGORIAN",
            Calendar::Julian => "JULIAN",
            Calendar::Hebrew => "HEBREW",
            Calendar::FrenchRepublican => "FRENCH_R",
            Calendar::Other(name) => name,
        }
    }

    fn from_name(name: &str) -> Option<Calendar> {
        Some(match name {
            "GREGORIAN" => Calendar::Gregorian,
            "JULIAN" => Calendar::Julian,
            "HEBREW" => Calendar::Hebrew,
            "FRENCH_R" | "FRENCH R" => Calendar::FrenchRepublican,
            other if is_word(other) => Calendar::Other(other.to_owned()),
            _ => return None,
        })
    }
}

fn is_word(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        && !s.as_bytes()[0].is_ascii_digit()
}

/// One calendar date, as precise as it was recorded.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DatePoint {
    pub calendar: Calendar,
    pub year: u32,
    /// The month's GEDCOM code (`FEB`, `NSN`, `VEND`, or an extension's), upper case.
    pub month: Option<String>,
    /// Only with a month.
    pub day: Option<u8>,
    pub bce: bool,
    /// The second year of a 5.5.1 dual (Old Style/New Style) year such as `1731/32`, as written.
    pub dual_year: Option<String>,
}

impl DatePoint {
    /// A Gregorian year.
    pub fn year(year: u32) -> DatePoint {
        DatePoint {
            calendar: Calendar::Gregorian,
            year,
            month: None,
            day: None,
            bce: false,
            dual_year: None,
        }
    }

    /// As `YYYY`, `YYYY-MM` or `YYYY-MM-DD` when it is a Gregorian date of the common era.
    pub fn iso(&self) -> Option<String> {
        if self.calendar != Calendar::Gregorian || self.bce || self.year > 9999 {
            return None;
        }
        let mut out = format!("{:04}", self.year);
        if let Some(m) = &self.month {
            let m = GREGORIAN_MONTHS.iter().position(|x| x == m)? + 1;
            write!(out, "-{m:02}").expect("writing to a String");
            if let Some(d) = self.day {
                write!(out, "-{d:02}").expect("writing to a String");
            }
        }
        Some(out)
    }

    fn write(&self, version: Version, out: &mut String) {
        if self.calendar != Calendar::Gregorian {
            match version {
                Version::V7 => write!(out, "{} ", self.calendar.name()),
                Version::V551 => write!(out, "@#D{}@ ", self.calendar.name().replace("FRENCH_R", "FRENCH R")),
            }
            .expect("writing to a String");
        }
        if let Some(d) = self.day {
            write!(out, "{d} ").expect("writing to a String");
        }
        if let Some(m) = &self.month {
            write!(out, "{m} ").expect("writing to a String");
        }
        write!(out, "{}", self.year).expect("writing to a String");
        if let Some(d) = &self.dual_year {
            write!(out, "/{d}").expect("writing to a String");
        }
        if self.bce {
            out.push_str(match version {
                Version::V7 => " BCE",
                Version::V551 => " B.C.",
            });
        }
    }
}

/// How sure the date is, or which span it gives.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DateValue {
    Exact(DatePoint),
    About(DatePoint),
    Calculated(DatePoint),
    Estimated(DatePoint),
    Before(DatePoint),
    After(DatePoint),
    Between(DatePoint, DatePoint),
    From(DatePoint),
    To(DatePoint),
    FromTo(DatePoint, DatePoint),
}

impl DateValue {
    /// The GEDCOM text of the value for `version`.
    pub fn to_gedcom(&self, version: Version) -> String {
        let mut out = String::new();
        let one = |keyword: &str, p: &DatePoint, out: &mut String| {
            out.push_str(keyword);
            p.write(version, out);
        };
        match self {
            DateValue::Exact(p) => one("", p, &mut out),
            DateValue::About(p) => one("ABT ", p, &mut out),
            DateValue::Calculated(p) => one("CAL ", p, &mut out),
            DateValue::Estimated(p) => one("EST ", p, &mut out),
            DateValue::Before(p) => one("BEF ", p, &mut out),
            DateValue::After(p) => one("AFT ", p, &mut out),
            DateValue::From(p) => one("FROM ", p, &mut out),
            DateValue::To(p) => one("TO ", p, &mut out),
            DateValue::Between(a, b) => {
                one("BET ", a, &mut out);
                one(" AND ", b, &mut out);
            }
            DateValue::FromTo(a, b) => {
                one("FROM ", a, &mut out);
                one(" TO ", b, &mut out);
            }
        }
        out
    }
}

/// A date as recorded: a value, a phrase, or both (a phrase that the value interprets).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct GedDate {
    pub value: Option<DateValue>,
    pub phrase: Option<String>,
}

impl GedDate {
    /// The text of the `DATE` line for `version` (7.0 keeps the phrase on a `PHRASE` sub-line).
    pub fn to_gedcom(&self, version: Version) -> String {
        let value = self.value.as_ref().map(|v| v.to_gedcom(version));
        match (version, value, &self.phrase) {
            (Version::V551, Some(v), Some(p)) => format!("INT {v} ({p})"),
            (Version::V551, None, Some(p)) => format!("({p})"),
            (_, Some(v), _) => v,
            (_, None, _) => String::new(),
        }
    }
}

/// Reads a date point from upper-case tokens; `None` if they are not one.
fn point(tokens: &[&str]) -> Option<DatePoint> {
    let (calendar, mut rest) = match tokens.first() {
        Some(t) if t.starts_with("@#D") && t.ends_with('@') && t.len() > 4 => {
            (Calendar::from_name(&t[3..t.len() - 1])?, &tokens[1..])
        }
        Some(&t) if matches!(t, "GREGORIAN" | "JULIAN" | "HEBREW" | "FRENCH_R") || t.starts_with('_') => {
            (Calendar::from_name(t)?, &tokens[1..])
        }
        _ => (Calendar::Gregorian, tokens),
    };
    let mut bce = false;
    if let Some((last, before)) = rest.split_last() {
        if matches!(*last, "BCE" | "B.C." | "BC") {
            bce = true;
            rest = before;
        }
    }
    let (year_token, front) = rest.split_last()?;
    let (year, dual_year) = match year_token.split_once('/') {
        Some((y, d)) if calendar == Calendar::Gregorian && !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()) => {
            (y, Some(d.to_owned()))
        }
        Some(_) => return None,
        None => (*year_token, None),
    };
    if year.is_empty() || year.len() > 9 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: u32 = year.parse().ok()?;
    let valid_month = |m: &str| match calendar.months() {
        Some(months) => months.contains(&m),
        None => is_word(m),
    };
    let (day, month) = match front {
        [] => (None, None),
        [m] if valid_month(m) => (None, Some((*m).to_owned())),
        [d, m] if valid_month(m) => {
            let day: u8 = (d.len() <= 2 && d.bytes().all(|b| b.is_ascii_digit()))
                .then(|| d.parse().ok())
                .flatten()
                .filter(|d| (1..=31).contains(d))?;
            (Some(day), Some((*m).to_owned()))
        }
        _ => return None,
    };
    Some(DatePoint {
        calendar,
        year,
        month,
        day,
        bce,
        dual_year,
    })
}

fn value(tokens: &[&str]) -> Option<DateValue> {
    let split = |word: &str, tokens: &[&str]| -> Option<(DatePoint, DatePoint)> {
        let k = tokens.iter().position(|t| *t == word)?;
        Some((point(&tokens[..k])?, point(&tokens[k + 1..])?))
    };
    let (first, rest) = tokens.split_first()?;
    Some(match *first {
        "ABT" => DateValue::About(point(rest)?),
        "CAL" => DateValue::Calculated(point(rest)?),
        "EST" => DateValue::Estimated(point(rest)?),
        "BEF" => DateValue::Before(point(rest)?),
        "AFT" => DateValue::After(point(rest)?),
        "TO" => DateValue::To(point(rest)?),
        "BET" => {
            let (a, b) = split("AND", rest)?;
            DateValue::Between(a, b)
        }
        "FROM" if rest.contains(&"TO") => {
            let (a, b) = split("TO", rest)?;
            DateValue::FromTo(a, b)
        }
        "FROM" => DateValue::From(point(rest)?),
        _ => DateValue::Exact(point(tokens)?),
    })
}

/// Reads the text of a `DATE` line (with the 7.0 `PHRASE` sub-line's text, if any). `None` when
/// the text is not a GEDCOM date; the caller keeps it as a phrase and says so.
pub fn parse_date(text: &str, phrase: Option<String>) -> Option<GedDate> {
    let text = text.trim();
    if text.is_empty() {
        return Some(GedDate { value: None, phrase });
    }
    // 5.5.1 phrases: "(text)" and "INT date (text)".
    if let Some(inner) = text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        return Some(GedDate {
            value: None,
            phrase: Some(inner.to_owned()),
        });
    }
    let upper = text.to_uppercase().replace("@#DFRENCH R@", "@#DFRENCH_R@");
    let tokens: Vec<&str> = upper.split_whitespace().collect();
    if tokens.first() == Some(&"INT") {
        let open = text.find('(')?;
        let inner = text[open + 1..].strip_suffix(')')?;
        let upper_front = text[..open].to_uppercase().replace("@#DFRENCH R@", "@#DFRENCH_R@");
        let front: Vec<&str> = upper_front.split_whitespace().skip(1).collect();
        return Some(GedDate {
            value: Some(value(&front)?),
            phrase: Some(inner.to_owned()),
        });
    }
    Some(GedDate {
        value: Some(value(&tokens)?),
        phrase,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(cal: Calendar, year: u32, month: Option<&str>, day: Option<u8>, bce: bool) -> DatePoint {
        DatePoint {
            calendar: cal,
            year,
            month: month.map(str::to_owned),
            day,
            bce,
            dual_year: None,
        }
    }

    #[test]
    fn reads_the_forms_of_both_versions() {
        use Calendar::*;
        let cases = [
            ("1946", DateValue::Exact(DatePoint::year(1946))),
            (
                "Dec 1859",
                DateValue::Exact(p(Gregorian, 1859, Some("DEC"), None, false)),
            ),
            (
                "02 OCT 1822",
                DateValue::Exact(p(Gregorian, 1822, Some("OCT"), Some(2), false)),
            ),
            ("ABT 918 BCE", DateValue::About(p(Gregorian, 918, None, None, true))),
            ("abt 1850", DateValue::About(DatePoint::year(1850))),
            ("BEF 1828", DateValue::Before(DatePoint::year(1828))),
            (
                "AFT JULIAN 12 NOV 90",
                DateValue::After(p(Julian, 90, Some("NOV"), Some(12), false)),
            ),
            (
                "BET 1950 AND HEBREW 11 SVN 29",
                DateValue::Between(DatePoint::year(1950), p(Hebrew, 29, Some("SVN"), Some(11), false)),
            ),
            (
                "from 1900 to 1905",
                DateValue::FromTo(DatePoint::year(1900), DatePoint::year(1905)),
            ),
            (
                "TO FRENCH_R 23 COMP 38",
                DateValue::To(p(FrenchRepublican, 38, Some("COMP"), Some(23), false)),
            ),
            (
                "@#DFRENCH R@ VEND 33",
                DateValue::Exact(p(FrenchRepublican, 33, Some("VEND"), None, false)),
            ),
            (
                "@#DJULIAN@ 1 JAN 1700 B.C.",
                DateValue::Exact(p(Julian, 1700, Some("JAN"), Some(1), true)),
            ),
            (
                "_UNKNOWN 13 _MONTH 17",
                DateValue::Exact(p(Other("_UNKNOWN".into()), 17, Some("_MONTH"), Some(13), false)),
            ),
            ("CAL 1495", DateValue::Calculated(DatePoint::year(1495))),
            (
                "EST SEP 1230",
                DateValue::Estimated(p(Gregorian, 1230, Some("SEP"), None, false)),
            ),
        ];
        for (text, want) in cases {
            let d = parse_date(text, None).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(d.value.as_ref(), Some(&want), "{text}");
        }
        let dual = parse_date("11 FEB 1731/32", None).unwrap().value.unwrap();
        assert_eq!(dual.to_gedcom(Version::V551), "11 FEB 1731/32");
    }

    #[test]
    fn phrases_of_both_versions() {
        let d = parse_date("INT 1 JAN 1900 (New Year's Day)", None).unwrap();
        assert_eq!(
            d.value,
            Some(DateValue::Exact(p(
                Calendar::Gregorian,
                1900,
                Some("JAN"),
                Some(1),
                false
            )))
        );
        assert_eq!(d.phrase.as_deref(), Some("New Year's Day"));
        assert_eq!(d.to_gedcom(Version::V551), "INT 1 JAN 1900 (New Year's Day)");
        assert_eq!(d.to_gedcom(Version::V7), "1 JAN 1900");
        let d = parse_date("(during the war)", None).unwrap();
        assert_eq!((d.value, d.phrase.as_deref()), (None, Some("during the war")));
        let d = parse_date("", Some("No date phrase".into())).unwrap();
        assert_eq!(d.phrase.as_deref(), Some("No date phrase"));
    }

    #[test]
    fn rejects_what_is_not_a_date() {
        for text in [
            "abt. 1850",
            "32 JAN 1900",
            "1850?",
            "BET 1900",
            "FROM TO 1900",
            "JAN",
            "1 1900",
            "HEBREW 1 JAN 5",
        ] {
            assert!(parse_date(text, None).is_none(), "{text}");
        }
    }

    #[test]
    fn iso_form_of_gregorian_dates() {
        assert_eq!(
            p(Calendar::Gregorian, 1946, Some("FEB"), Some(11), false)
                .iso()
                .as_deref(),
            Some("1946-02-11")
        );
        assert_eq!(DatePoint::year(1946).iso().as_deref(), Some("1946"));
        assert_eq!(p(Calendar::Julian, 1946, None, None, false).iso(), None);
    }
}
