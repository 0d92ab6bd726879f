//! Domain types of the registry. Each is built only through a parser that rejects bad input
//! ("parse, don't validate"); the store takes and returns these, never loose strings.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

mod families;
mod profiles;
mod references;

pub use families::{Contacts, Family, FamilyMember, ImportFamily, ImportSummary, NewFamily, NewMember, PedigreeRow};
// The samples module checks lineage texts too.
#[cfg(feature = "store")]
pub(crate) use profiles::check_lineage_text;
pub use profiles::{ProfileKind, StrProfile};
pub use references::{Consent, ConsentScope, NewReference, Reference, ReferenceProfile, Withdrawal};

/// Why a value is not acceptable, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field '{field}': {message}")]
pub struct FieldError {
    pub field: String,
    /// The reason in English, with the values at fault.
    pub message: String,
    /// The kind of reason, so that a reader in another language is told it in theirs.
    pub problem: Problem,
}

/// The kinds of refusal a person filling in a form meets most, each with its values; the rest
/// are `Other` (their English message is all there is).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Problem {
    #[default]
    Other,
    /// Nothing where a value is needed.
    Required,
    /// Longer than allowed: its length and the most, in characters.
    TooLong { len: usize, max: usize },
    /// A control character (other than line breaks and tabs).
    ControlCharacter,
    /// Not a date of the form YYYY, YYYY-MM or YYYY-MM-DD (or no such day).
    NotADate,
    /// Not a number.
    NotANumber,
    /// A number outside the range the field allows (a latitude beyond ±90).
    OutOfRange,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        FieldError {
            field: field.to_owned(),
            message: message.into(),
            problem: Problem::Other,
        }
    }

    /// The same refusal, of a known kind.
    pub fn because(mut self, problem: Problem) -> Self {
        self.problem = problem;
        self
    }
}

/// A date known to the year, the month or the day: "1946", "1946-02", "1946-02-11".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PartialDate {
    pub year: i32,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

impl FromStr for PartialDate {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let parts: Vec<&str> = s.trim().split('-').collect();
        let num = |p: &str, what: &str| -> Result<i64, String> {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("'{s}' is not a date (YYYY, YYYY-MM or YYYY-MM-DD): bad {what}"));
            }
            p.parse::<i64>().map_err(|_| format!("'{s}': {what} out of range"))
        };
        if parts.is_empty() || parts.len() > 3 || parts[0].len() != 4 {
            return Err(format!("'{s}' is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"));
        }
        let year = num(parts[0], "year")? as i32;
        if year < 1000 {
            return Err(format!(
                "'{s}': year {year:04} is not a year of a record (1000 or later)"
            ));
        }
        let month = parts.get(1).map(|p| num(p, "month")).transpose()?.map(|m| m as u8);
        let day = parts.get(2).map(|p| num(p, "day")).transpose()?.map(|d| d as u8);
        if let Some(m) = month {
            if !(1..=12).contains(&m) {
                return Err(format!("'{s}': month {m} is not 1–12"));
            }
            if let Some(d) = day {
                if d == 0 || d > days_in_month(year, m) {
                    return Err(format!("'{s}': day {d} is not in that month"));
                }
            }
        }
        Ok(PartialDate { year, month, day })
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
            if let Some(d) = self.day {
                write!(f, "-{d:02}")?;
            }
        }
        Ok(())
    }
}

impl TryFrom<String> for PartialDate {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<PartialDate> for String {
    fn from(d: PartialDate) -> String {
        d.to_string()
    }
}

/// How a name relates to the person's name as first recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NameKind {
    /// As in the source (for example the kanji of a Japanese death register).
    Primary,
    /// The same name in another script (kana reading, romaji, hangul).
    Transliteration,
    /// A spelling found elsewhere, possibly wrong.
    Variant,
}

/// A name in one script: text, ISO 15924 script code (`Jpan`, `Hira`, `Kana`, `Latn`, `Kore`, `Hang`,
/// `Cyrl`, …) and optionally a BCP 47 language tag. Read from JSON through [`Name::new`], so that a
/// request body is held to the same rules as every other way in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "NameFields")]
pub struct Name {
    pub text: String,
    pub script: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    pub kind: NameKind,
}

/// A name as JSON has it, before [`Name::new`] checks it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NameFields {
    text: String,
    script: String,
    #[serde(default)]
    lang: Option<String>,
    kind: NameKind,
}

impl TryFrom<NameFields> for Name {
    type Error = FieldError;
    fn try_from(f: NameFields) -> Result<Name, FieldError> {
        Name::new(&f.text, &f.script, f.lang.as_deref(), f.kind)
    }
}

impl Name {
    /// A name; the script code must be four ASCII letters (ISO 15924), the text not empty, at most
    /// 500 characters, on one line.
    pub fn new(text: &str, script: &str, lang: Option<&str>, kind: NameKind) -> Result<Name, FieldError> {
        let text = text.trim();
        check_line("name", text, 500)?;
        if script.len() != 4 || !script.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(FieldError::new(
                "script",
                format!("'{script}' is not an ISO 15924 code such as Jpan or Latn"),
            ));
        }
        let mut s = script.to_ascii_lowercase();
        s[..1].make_ascii_uppercase();
        if let Some(l) = lang {
            if l.is_empty() || l.len() > 35 || !l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                return Err(FieldError::new(
                    "lang",
                    format!("'{l}' is not a language tag such as ja or ko-Latn"),
                ));
            }
        }
        Ok(Name {
            text: text.to_owned(),
            script: s,
            lang: lang.map(str::to_owned),
            kind,
        })
    }

    /// The script a text is written in, guessed from its letters: what users type in a search box.
    pub fn guess_script(text: &str) -> &'static str {
        let mut han = false;
        let mut kana = false;
        let mut hangul = false;
        let mut latin = false;
        let mut cyrillic = false;
        for c in text.chars() {
            match c as u32 {
                0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F => kana = true,
                0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0xF900..=0xFAFF => han = true,
                0xAC00..=0xD7AF | 0x1100..=0x11FF | 0x3130..=0x318F => hangul = true,
                0x0400..=0x04FF => cyrillic = true,
                _ if c.is_ascii_alphabetic() || ('\u{C0}'..='\u{24F}').contains(&c) => latin = true,
                _ => {}
            }
        }
        match (han, kana, hangul, cyrillic, latin) {
            (_, _, true, ..) => "Kore",
            (true, true, ..) => "Jpan",
            (true, ..) => "Hani",
            (false, true, ..) => "Kana",
            (.., true, _) => "Cyrl",
            _ => "Latn",
        }
    }
}

words! {
    /// A person's sex as recorded.
    pub enum Sex {
        Male = "male",
        Female = "female",
        Unknown = "unknown",
    }
    parse: none;
}

impl FromStr for Sex {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "m" | "male" | "1" => Ok(Sex::Male),
            "f" | "female" | "2" => Ok(Sex::Female),
            "" | "u" | "unknown" | "0" => Ok(Sex::Unknown),
            other => Err(format!("'{other}' is not a sex (male, female or unknown)")),
        }
    }
}

words! {
    /// Where a person stands on the way home. Statuses only move forward, one step or more at a
    /// time, each move with a reason.
    #[derive(PartialOrd, Ord)]
    pub enum PersonStatus {
        Missing = "missing",
        Located = "located",
        Recovered = "recovered",
        Sampled = "sampled",
        Candidate = "candidate",
        Identified = "identified",
        Returned = "returned",
    }
    parse: folded, "a status (missing, located, recovered, sampled, candidate, identified, returned)";
}

impl PersonStatus {
    pub const ALL: [PersonStatus; 7] = [
        PersonStatus::Missing,
        PersonStatus::Located,
        PersonStatus::Recovered,
        PersonStatus::Sampled,
        PersonStatus::Candidate,
        PersonStatus::Identified,
        PersonStatus::Returned,
    ];
}

/// A point on the map and how precisely it is known, in metres. Read from JSON through
/// [`Coordinates::new`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "CoordinateFields")]
pub struct Coordinates {
    pub lat: f64,
    pub lon: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision_m: Option<f64>,
}

/// Coordinates as JSON has them, before [`Coordinates::new`] checks them.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CoordinateFields {
    lat: f64,
    lon: f64,
    #[serde(default)]
    precision_m: Option<f64>,
}

impl TryFrom<CoordinateFields> for Coordinates {
    type Error = FieldError;
    fn try_from(f: CoordinateFields) -> Result<Coordinates, FieldError> {
        Coordinates::new(f.lat, f.lon, f.precision_m)
    }
}

impl Coordinates {
    pub fn new(lat: f64, lon: f64, precision_m: Option<f64>) -> Result<Coordinates, FieldError> {
        if !(-90.0..=90.0).contains(&lat) {
            return Err(
                FieldError::new("lat", format!("{lat} is not a latitude (−90 to 90)")).because(Problem::OutOfRange)
            );
        }
        if !(-180.0..=180.0).contains(&lon) {
            return Err(
                FieldError::new("lon", format!("{lon} is not a longitude (−180 to 180)")).because(Problem::OutOfRange),
            );
        }
        if let Some(p) = precision_m {
            if !(0.0..=1_000_000.0).contains(&p) {
                return Err(FieldError::new(
                    "precision_m",
                    format!("{p} is not a distance in metres"),
                ));
            }
        }
        Ok(Coordinates { lat, lon, precision_m })
    }
}

/// A place: a name as recorded and, where known, coordinates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Place {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coordinates: Option<Coordinates>,
}

/// Where a fact came from: a register, a list, a witness.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub citation: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The most names a record holds (every script and variant of one person's name fits many times).
pub const MAX_NAMES: usize = 50;
/// The most sources a record cites.
pub const MAX_SOURCES: usize = 100;
/// Characters of a note or of a free-text field that may span lines.
pub const MAX_NOTE_CHARS: usize = 20_000;

/// What every record with names needs: an external id of 1–200 characters and 1 to [`MAX_NAMES`]
/// names.
fn check_key_and_names(external_id: &str, names: &[Name]) -> Result<(), FieldError> {
    self::external_id(external_id)?;
    if names.is_empty() {
        return Err(FieldError::new("names", "at least one name is needed").because(Problem::Required));
    }
    if names.len() > MAX_NAMES {
        return Err(FieldError::new(
            "names",
            format!("{} names; at most {MAX_NAMES}", names.len()),
        ));
    }
    Ok(())
}

/// A place's name and sources' texts: on one line, not too long.
fn check_place(field: &str, place: Option<&Place>) -> Result<(), FieldError> {
    match place.and_then(|p| p.name.as_deref()) {
        Some(name) => check_line(field, name, 500),
        None => Ok(()),
    }
}

fn check_sources(sources: &[Source]) -> Result<(), FieldError> {
    if sources.len() > MAX_SOURCES {
        return Err(FieldError::new(
            "sources",
            format!("{} sources; at most {MAX_SOURCES}", sources.len()),
        ));
    }
    for s in sources {
        check_text("sources.citation", &s.citation, 2_000)?;
        if s.citation.trim().is_empty() {
            return Err(FieldError::new("sources.citation", "is empty").because(Problem::Required));
        }
        if let Some(note) = &s.note {
            check_text("sources.note", note, MAX_NOTE_CHARS)?;
        }
    }
    Ok(())
}

/// Text of at most `max` characters with no control characters but line breaks and tabs (NUL and
/// escape sequences never reach a page, a report or PostgreSQL, which refuses NUL in text).
pub fn check_text(field: &str, value: &str, max: usize) -> Result<(), FieldError> {
    if let Some(c) = value
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(
            FieldError::new(field, format!("holds the control character U+{:04X}", u32::from(c)))
                .because(Problem::ControlCharacter),
        );
    }
    let n = value.chars().count();
    if n > max {
        return Err(FieldError::new(field, format!("is {n} characters long; at most {max}"))
            .because(Problem::TooLong { len: n, max }));
    }
    Ok(())
}

/// [`check_text`] on one line, not empty once trimmed: names, ids, labels.
pub fn check_line(field: &str, value: &str, max: usize) -> Result<(), FieldError> {
    if value.trim().is_empty() {
        return Err(FieldError::new(field, "is empty").because(Problem::Required));
    }
    if value.contains(['\n', '\r']) {
        return Err(FieldError::new(field, "must be on one line"));
    }
    check_text(field, value, max)
}

/// A missing or deceased person, as submitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPerson {
    /// The id in the programme's own lists (unique).
    pub external_id: String,
    pub names: Vec<Name>,
    pub sex: Sex,
    #[serde(default)]
    pub birth: Option<PartialDate>,
    #[serde(default)]
    pub death: Option<PartialDate>,
    #[serde(default)]
    pub death_place: Option<Place>,
    #[serde(default)]
    pub sources: Vec<Source>,
}

impl NewPerson {
    /// Checks what the types alone do not: an external id and at least one name.
    pub fn check(&self) -> Result<(), FieldError> {
        check_key_and_names(&self.external_id, &self.names)?;
        check_place("death_place", self.death_place.as_ref())?;
        check_sources(&self.sources)?;
        if let (Some(b), Some(d)) = (self.birth, self.death) {
            if d.year < b.year {
                return Err(FieldError::new("death", format!("{d} is before the birth, {b}")));
            }
        }
        Ok(())
    }
}

/// A person as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub id: i64,
    #[serde(flatten)]
    pub data: NewPerson,
    pub status: PersonStatus,
    /// Incremented by every change; an update must name the version it read.
    pub version: i64,
}

words! {
    /// What is known of a burial site.
    pub enum SiteStatus {
        Known = "known",
        Surveyed = "surveyed",
        Inaccessible = "inaccessible",
        Farmland = "farmland",
        Relocated = "relocated",
        Exhumed = "exhumed",
    }
    parse: folded, "a site status (known, surveyed, inaccessible, farmland, relocated, exhumed)";
}

/// A burial site, as submitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSite {
    pub external_id: String,
    pub names: Vec<Name>,
    #[serde(default)]
    pub coordinates: Option<Coordinates>,
    pub status: SiteStatus,
    /// Estimated number of people buried there.
    #[serde(default)]
    pub estimated_count: Option<u32>,
    #[serde(default)]
    pub notes: Option<String>,
}

impl NewSite {
    pub fn check(&self) -> Result<(), FieldError> {
        check_key_and_names(&self.external_id, &self.names)?;
        if let Some(notes) = &self.notes {
            check_text("notes", notes, MAX_NOTE_CHARS)?;
        }
        if let Some(n) = self.estimated_count {
            if n > 1_000_000 {
                return Err(FieldError::new(
                    "estimated_count",
                    format!("{n} is more than 1,000,000 people"),
                ));
            }
        }
        Ok(())
    }
}

/// A burial site as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Site {
    pub id: i64,
    #[serde(flatten)]
    pub data: NewSite,
    /// Where the graves were moved to, when the site was relocated.
    pub relocated_to: Option<i64>,
    pub version: i64,
}

/// Text that must not be empty once trimmed, and at most `max` characters.
pub(crate) fn required_text(field: &str, value: &str, max: usize) -> Result<(), FieldError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(FieldError::new(field, "is empty").because(Problem::Required));
    }
    check_text(field, v, max)
}

/// Optional text: when given, the same rules as [`required_text`].
pub(crate) fn optional_text(field: &str, value: Option<&str>, max: usize) -> Result<(), FieldError> {
    value.map_or(Ok(()), |v| required_text(field, v, max))
}

/// An external id: 1–200 characters, as for persons and sites.
pub(crate) fn external_id(value: &str) -> Result<(), FieldError> {
    let id = value.trim();
    if id.is_empty() || id.len() > 200 {
        return Err(FieldError::new("external_id", "must be 1–200 characters"));
    }
    check_line("external_id", id, 200)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_dates_parse_and_print() {
        for s in ["1946", "1946-02", "1946-02-11", "1948-02-29"] {
            assert_eq!(s.parse::<PartialDate>().unwrap().to_string(), s);
        }
        for bad in [
            "46",
            "1946-13",
            "1946-02-30",
            "1947-02-29",
            "1946/02",
            "abcd",
            "1946-2x",
        ] {
            assert!(bad.parse::<PartialDate>().is_err(), "{bad}");
        }
    }

    #[test]
    fn scripts_are_guessed_from_the_letters() {
        assert_eq!(Name::guess_script("山田太郎"), "Hani");
        assert_eq!(Name::guess_script("やまだ たろう"), "Kana");
        assert_eq!(Name::guess_script("山田たろう"), "Jpan");
        assert_eq!(Name::guess_script("Yamada Taro"), "Latn");
        assert_eq!(Name::guess_script("김철수"), "Kore");
    }

    #[test]
    fn statuses_are_ordered_along_the_way_home() {
        assert!(PersonStatus::Missing < PersonStatus::Located && PersonStatus::Identified < PersonStatus::Returned);
        assert_eq!("Sampled".parse::<PersonStatus>().unwrap(), PersonStatus::Sampled);
    }
}
