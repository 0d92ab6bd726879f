//! mtDNA profiles written as differences from the revised Cambridge Reference Sequence (rCRS), with the region
//! that was sequenced, and their comparison on the maternal line.
//!
//! # Variant notation
//!
//! Tokens are separated by white space, `,` or `;`:
//!
//! * substitution: position and base, `16223T`; the reference base may be written in front, `C16223T`, and is
//!   dropped (it is checked only against the new base: `A73A` is an error);
//! * heteroplasmy: an IUPAC code for the new base, `16093Y` (C/T). Two-base codes (R Y S W K M), three-base
//!   codes (B H V) and `N` are accepted; `D` is read as a deletion (as in `249d`), never as A/G/T;
//! * insertion: `315.1C` (the first base inserted after position 315), `315.2C`, …;
//! * deletion: `523del`, `523d` or `523-` (a reference base may be in front, `A249d`); a run `522-523del` is the
//!   deletions `522del 523del`;
//! * `rCRS` alone: no difference from the reference.
//!
//! Bases may be lower case. The profile is a set of variants sorted by position (insertions after their
//! position); a site listed twice with different changes is an error. Written form: `73G 263G 315.1C 16223T`.
//!
//! The rCRS sequence itself is not built in, so a substitution to the reference base cannot be detected (write
//! only differences), and an ambiguity code at a site where the other profile has no variant is taken to include
//! the reference base (a heteroplasmy is written as the reference and the variant base).
//!
//! # Coverage
//!
//! Inclusive ranges, `16024-16365 73-340`; a range whose start is after its end runs across the origin
//! (`16024-576` is `16024-16569` and `1-576`); a single position is a range of one. Positions run from 1 to
//! [`RCRS_LENGTH`]. Every variant must lie in the coverage; an insertion `N.k` lies where position `N` does.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use super::{LineageError, LineageVerdict};

/// The length of the rCRS (GenBank NC_012920): positions run from 1 to this.
pub const RCRS_LENGTH: u32 = 16569;

/// The homopolymeric C-stretches where insertions are length heteroplasmy and their placement depends on the
/// alignment: HVS-II 303–315 and HVS-I 16184–16193 (inclusive).
pub const C_STRETCHES: [(u32, u32); 2] = [(303, 315), (16184, 16193)];

/// One or more bases at a site: a single base, or an IUPAC ambiguity code for a heteroplasmy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bases(u8);

impl Bases {
    pub const A: Bases = Bases(1);
    pub const C: Bases = Bases(2);
    pub const G: Bases = Bases(4);
    pub const T: Bases = Bases(8);

    /// IUPAC codes for each non-empty set, indexed by the bit set (A=1, C=2, G=4, T=8).
    const CODES: [char; 16] = [
        '?', 'A', 'C', 'M', 'G', 'R', 'S', 'V', 'T', 'W', 'Y', 'H', 'K', 'D', 'B', 'N',
    ];

    /// The bases of an IUPAC code (either case), except `D`, which notation uses for a deletion.
    pub fn from_code(code: char) -> Option<Bases> {
        let code = code.to_ascii_uppercase();
        if code == 'D' {
            return None;
        }
        Bases::CODES
            .iter()
            .position(|&c| c == code && c != '?')
            .and_then(|i| u8::try_from(i).ok())
            .map(Bases)
    }

    /// The IUPAC code (upper case).
    pub fn code(self) -> char {
        Bases::CODES[usize::from(self.0 & 15)]
    }

    /// Whether more than one base is possible (a heteroplasmy or `N`).
    pub fn is_ambiguous(self) -> bool {
        self.0.count_ones() > 1
    }

    /// Whether the two sets share a base.
    pub fn intersects(self, other: Bases) -> bool {
        self.0 & other.0 != 0
    }
}

/// What a variant does at its site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Change {
    /// The base (or bases, for a heteroplasmy) found there: a substitution, or the inserted base.
    Base(Bases),
    /// The reference base is missing.
    Deletion,
}

/// A place on the rCRS: a position, or the `insertion`-th base inserted after it (0: the position itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Site {
    pub position: u32,
    pub insertion: u32,
}

impl Site {
    /// Whether this is an insertion in one of the [`C_STRETCHES`].
    pub fn is_c_stretch_insertion(self) -> bool {
        self.insertion > 0 && C_STRETCHES.iter().any(|&(s, e)| (s..=e).contains(&self.position))
    }
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.insertion {
            0 => write!(f, "{}", self.position),
            k => write!(f, "{}.{k}", self.position),
        }
    }
}

/// One difference from the rCRS. Built only by parsing (or [`Variant::new`]), so its position is on the rCRS
/// and an insertion is never a deletion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Variant {
    site: Site,
    change: Change,
}

impl Variant {
    /// A variant at `site`; `None` if the position is off the rCRS or an insertion is a deletion.
    pub fn new(site: Site, change: Change) -> Option<Variant> {
        let on_rcrs = (1..=RCRS_LENGTH).contains(&site.position);
        let valid = on_rcrs && !(site.insertion > 0 && change == Change::Deletion);
        valid.then_some(Variant { site, change })
    }

    pub fn site(&self) -> Site {
        self.site
    }

    pub fn change(&self) -> Change {
        self.change
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.change {
            Change::Base(b) => write!(f, "{}{}", self.site, b.code()),
            Change::Deletion => write!(f, "{}del", self.site),
        }
    }
}

impl FromStr for Variant {
    type Err = LineageError;

    /// One variant; a run of deletions (`522-523del`) is several and so an error here.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let token = s.trim();
        match parse_token(token)?.as_slice() {
            [v] => Ok(*v),
            _ => Err(variant_error(token, "a run of deletions is several variants")),
        }
    }
}

fn variant_error(token: &str, message: impl Into<String>) -> LineageError {
    LineageError::Variant {
        token: token.to_owned(),
        message: message.into(),
    }
}

/// Splits `text` at the leading ASCII digits.
fn leading_digits(text: &str) -> (&str, &str) {
    let end = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    text.split_at(end)
}

/// A position on the rCRS from its digits.
fn rcrs_position(digits: &str) -> Result<u32, String> {
    match digits.parse::<u32>() {
        Ok(p) if (1..=RCRS_LENGTH).contains(&p) => Ok(p),
        _ => Err(format!("position {digits} is not on the rCRS (1 to {RCRS_LENGTH})")),
    }
}

/// Parses one token of the variant notation (see the module documentation) into one or more variants.
fn parse_token(token: &str) -> Result<Vec<Variant>, LineageError> {
    let err = |m: String| variant_error(token, m);
    let mut rest = token;

    let mut reference = None;
    if let Some(c) = rest.chars().next().filter(char::is_ascii_alphabetic) {
        match c.to_ascii_uppercase() {
            'A' => reference = Some(Bases::A),
            'C' => reference = Some(Bases::C),
            'G' => reference = Some(Bases::G),
            'T' => reference = Some(Bases::T),
            _ => {
                return Err(err(
                    "expected a position, optionally after the reference base (A, C, G or T)".to_owned(),
                ))
            }
        }
        rest = &rest[1..];
    }

    let (digits, after) = leading_digits(rest);
    if digits.is_empty() {
        return Err(err("expected a position".to_owned()));
    }
    let position = rcrs_position(digits).map_err(err)?;
    rest = after;

    let mut insertion = 0;
    let mut end = position;
    let mut is_run = false;
    if let Some(after_dot) = rest.strip_prefix('.') {
        let (digits, after) = leading_digits(after_dot);
        insertion = match digits.parse::<u32>() {
            Ok(k) if k >= 1 => k,
            Ok(_) => return Err(err("insertions are numbered from 1 (315.1C)".to_owned())),
            Err(_) if digits.is_empty() => return Err(err("expected the insertion number after '.'".to_owned())),
            Err(_) => return Err(err(format!("insertion number {digits} is too large"))),
        };
        rest = after;
    } else if let Some(after_dash) = rest
        .strip_prefix('-')
        .filter(|r| r.starts_with(|c: char| c.is_ascii_digit()))
    {
        let (digits, after) = leading_digits(after_dash);
        end = rcrs_position(digits).map_err(err)?;
        if end < position {
            return Err(err(format!("the run of deletions ends at {end}, before it starts")));
        }
        is_run = true;
        rest = after;
    }

    let change = if rest == "-" || rest == "d" || rest == "D" || rest.eq_ignore_ascii_case("del") {
        Change::Deletion
    } else {
        let mut chars = rest.chars();
        match (chars.next(), chars.next()) {
            (None, _) => return Err(err("no base after the position".to_owned())),
            (Some(c), None) => match Bases::from_code(c) {
                Some(b) => Change::Base(b),
                None => return Err(err(format!("'{c}' is not a base or an IUPAC code"))),
            },
            _ => {
                return Err(err(format!(
                    "'{rest}' is not a change: expected a base (A, C, G, T or an IUPAC code), 'del' or '-'"
                )))
            }
        }
    };

    if insertion > 0 {
        if change == Change::Deletion {
            return Err(err("an insertion cannot be a deletion".to_owned()));
        }
        if reference.is_some() {
            return Err(err("an insertion has no reference base".to_owned()));
        }
    }
    if is_run && change != Change::Deletion {
        return Err(err("a run of positions is only for deletions (522-523del)".to_owned()));
    }
    if let (Some(r), Change::Base(b)) = (reference, change) {
        if r == b {
            return Err(err("the new base is the reference base".to_owned()));
        }
    }
    Ok((position..=end)
        .map(|position| Variant {
            site: Site { position, insertion },
            change,
        })
        .collect())
}

/// Parses a list of variant tokens (see the module documentation), in any order.
fn parse_variants(text: &str) -> Result<Vec<Variant>, LineageError> {
    let tokens: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|t| !t.is_empty())
        .collect();
    if let [only] = tokens.as_slice() {
        if only.eq_ignore_ascii_case("rcrs") {
            return Ok(Vec::new());
        }
    }
    let mut variants = Vec::new();
    for token in tokens {
        if token.eq_ignore_ascii_case("rcrs") {
            return Err(variant_error(token, "rCRS (no variant) cannot be listed with variants"));
        }
        variants.extend(parse_token(token)?);
    }
    Ok(variants)
}

/// The region of the rCRS that was sequenced: disjoint inclusive ranges, sorted, adjacent ones merged.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Coverage {
    ranges: Vec<(u32, u32)>,
}

impl Coverage {
    /// The whole rCRS.
    pub fn full() -> Coverage {
        Coverage {
            ranges: vec![(1, RCRS_LENGTH)],
        }
    }

    /// Parses `16024-16365 73-340` (see the module documentation). At least one range is required.
    pub fn parse(text: &str) -> Result<Coverage, LineageError> {
        let err = |token: &str, message: String| LineageError::Coverage {
            token: token.to_owned(),
            message,
        };
        let mut ranges = Vec::new();
        for token in text
            .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
            .filter(|t| !t.is_empty())
        {
            let (start, end) = match token.split_once('-') {
                Some((s, e)) => (s, e),
                None => (token, token),
            };
            let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            if !all_digits(start) || !all_digits(end) {
                return Err(err(
                    token,
                    "expected a range of positions such as 16024-16365".to_owned(),
                ));
            }
            let start = rcrs_position(start).map_err(|m| err(token, m))?;
            let end = rcrs_position(end).map_err(|m| err(token, m))?;
            if start <= end {
                ranges.push((start, end));
            } else {
                ranges.push((start, RCRS_LENGTH));
                ranges.push((1, end));
            }
        }
        if ranges.is_empty() {
            return Err(err(text.trim(), "no range".to_owned()));
        }
        Ok(Coverage::normalised(ranges))
    }

    /// Sorts and merges overlapping or adjacent ranges, each with start ≤ end.
    fn normalised(mut ranges: Vec<(u32, u32)>) -> Coverage {
        ranges.sort_unstable();
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
        for (s, e) in ranges {
            match merged.last_mut() {
                Some(last) if s <= last.1.saturating_add(1) => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        Coverage { ranges: merged }
    }

    /// The ranges, sorted and disjoint.
    pub fn ranges(&self) -> &[(u32, u32)] {
        &self.ranges
    }

    /// The number of positions covered.
    pub fn len(&self) -> u32 {
        self.ranges.iter().map(|&(s, e)| e - s + 1).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Whether `position` is covered.
    pub fn contains(&self, position: u32) -> bool {
        let i = self.ranges.partition_point(|&(_, e)| e < position);
        self.ranges.get(i).is_some_and(|&(s, _)| s <= position)
    }

    /// The positions covered by both.
    pub fn intersection(&self, other: &Coverage) -> Coverage {
        let mut out = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < self.ranges.len() && j < other.ranges.len() {
            let (s1, e1) = self.ranges[i];
            let (s2, e2) = other.ranges[j];
            let (s, e) = (s1.max(s2), e1.min(e2));
            if s <= e {
                out.push((s, e));
            }
            if e1 < e2 {
                i += 1;
            } else {
                j += 1;
            }
        }
        Coverage { ranges: out }
    }

    /// Whether every position of `other` is covered by `self`.
    pub fn covers(&self, other: &Coverage) -> bool {
        self.intersection(other) == *other
    }
}

impl FromStr for Coverage {
    type Err = LineageError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Coverage::parse(s)
    }
}

impl fmt::Display for Coverage {
    /// `73-340 16024-16365`; a single position alone.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, &(s, e)) in self.ranges.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            if s == e {
                write!(f, "{s}")?;
            } else {
                write!(f, "{s}-{e}")?;
            }
        }
        Ok(())
    }
}

/// An mtDNA profile: the variants from the rCRS, sorted by site (one change per site), and the coverage.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MtProfile {
    variants: Vec<Variant>,
    coverage: Coverage,
}

impl MtProfile {
    /// Parses the variants (`16223T 73G 315.1C 523del`) and the coverage (`16024-16365 73-340`).
    pub fn parse(variants: &str, coverage: &str) -> Result<MtProfile, LineageError> {
        let coverage = Coverage::parse(coverage)?;
        MtProfile::new(parse_variants(variants)?, coverage)
    }

    /// A profile from variants in any order. Identical repeats are merged; a site with two different changes,
    /// or a variant outside the coverage, is an error naming the variant.
    pub fn new(variants: impl IntoIterator<Item = Variant>, coverage: Coverage) -> Result<MtProfile, LineageError> {
        let mut variants: Vec<Variant> = variants.into_iter().collect();
        variants.sort_unstable();
        variants.dedup();
        for pair in variants.windows(2) {
            if pair[0].site == pair[1].site {
                return Err(variant_error(
                    &pair[1].to_string(),
                    format!("site {} is also given as {}", pair[1].site, pair[0]),
                ));
            }
        }
        if let Some(v) = variants.iter().find(|v| !coverage.contains(v.site.position)) {
            return Err(variant_error(
                &v.to_string(),
                format!("position {} is outside the coverage ({coverage})", v.site.position),
            ));
        }
        Ok(MtProfile { variants, coverage })
    }

    /// The variants, sorted by site.
    pub fn variants(&self) -> &[Variant] {
        &self.variants
    }

    pub fn coverage(&self) -> &Coverage {
        &self.coverage
    }

    /// The change at `site`, if any (`None`: as the rCRS, or no inserted base).
    pub fn get(&self, site: Site) -> Option<Change> {
        self.variants
            .binary_search_by(|v| v.site.cmp(&site))
            .ok()
            .map(|i| self.variants[i].change)
    }

    /// The profile over the part of `region` it covers.
    pub fn restricted(&self, region: &Coverage) -> MtProfile {
        let coverage = self.coverage.intersection(region);
        let variants = self
            .variants
            .iter()
            .filter(|v| coverage.contains(v.site.position))
            .copied()
            .collect();
        MtProfile { variants, coverage }
    }

    /// The variants as written, `73G 263G 315.1C 16223T` (empty if none).
    pub fn variants_text(&self) -> String {
        let texts: Vec<String> = self.variants.iter().map(Variant::to_string).collect();
        texts.join(" ")
    }
}

impl fmt::Display for MtProfile {
    /// `73G 263G 16223T (coverage 73-340 16024-16365)`; `rCRS (coverage …)` without variants.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.variants.is_empty() {
            f.write_str("rCRS")?;
        } else {
            f.write_str(&self.variants_text())?;
        }
        write!(f, " (coverage {})", self.coverage)
    }
}

/// One mtDNA profile of a reference database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MtEntry {
    pub id: String,
    /// The line of the database text it came from.
    pub line: usize,
    pub profile: MtProfile,
}

/// An mtDNA reference database, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MtDatabase {
    pub entries: Vec<MtEntry>,
}

impl MtDatabase {
    /// The profiles, in file order.
    pub fn profiles(&self) -> impl Iterator<Item = &MtProfile> {
        self.entries.iter().map(|e| &e.profile)
    }
}

/// One profile of an mtDNA reference database as a reader split it (`formats::read_mt_database`, which checks
/// the table: header, field counts, unique ids).
#[derive(Debug, Clone, Copy)]
pub struct MtRow<'a> {
    pub id: &'a str,
    /// The line of the database text it came from.
    pub line: usize,
    /// The coverage (`16024-16365 73-340`).
    pub range: &'a str,
    /// The variants (`263G 315.1C`; empty or `rCRS`: none).
    pub variants: &'a str,
}

impl MtDatabase {
    /// The typed database from the rows of a database read as text; an error names the row's line and the
    /// column the header gives the range (`range_field`) or the variants (`variants_field`).
    pub fn from_rows<'a>(
        range_field: &str,
        variants_field: &str,
        rows: impl IntoIterator<Item = MtRow<'a>>,
    ) -> Result<MtDatabase, LineageError> {
        let mut entries = Vec::new();
        for row in rows {
            let coverage =
                Coverage::parse(row.range).map_err(|e| LineageError::database(row.line, range_field, e.to_string()))?;
            let profile = parse_variants(row.variants)
                .and_then(|variants| MtProfile::new(variants, coverage))
                .map_err(|e| LineageError::database(row.line, variants_field, e.to_string()))?;
            entries.push(MtEntry {
                id: row.id.to_owned(),
                line: row.line,
                profile,
            });
        }
        Ok(MtDatabase { entries })
    }
}

/// How mtDNA profiles are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MtOptions {
    /// Ignore insertions in the [`C_STRETCHES`] (303–315 and 16184–16193): length heteroplasmy there varies
    /// within a person and its notation depends on the alignment, so forensic practice (SWGDAM interpretation
    /// guidelines) does not count it as a difference. Substitutions there (such as `16189C`) still count.
    pub ignore_c_stretch: bool,
    /// The most differences for [`MatchWithinTolerance`](LineageVerdict::MatchWithinTolerance); more is a
    /// [`Mismatch`](LineageVerdict::Mismatch).
    pub max_differences: usize,
    /// A shared region with fewer positions than this (or none) makes the comparison
    /// [`Inconclusive`](LineageVerdict::Inconclusive).
    pub min_shared_length: u32,
}

impl Default for MtOptions {
    /// C-stretch insertions ignored; one difference allowed for review, which is the SWGDAM reading (one
    /// difference: inconclusive; two or more: exclusion); at least 100 shared positions (a sanity floor, not a
    /// standard: set it to the laboratory's policy).
    fn default() -> Self {
        MtOptions {
            ignore_c_stretch: true,
            max_differences: 1,
            min_shared_length: 100,
        }
    }
}

/// A site where two profiles differ, with the change each has there (`None`: as the rCRS, or no insertion).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MtDifference {
    pub site: Site,
    pub a: Option<Change>,
    pub b: Option<Change>,
}

impl fmt::Display for MtDifference {
    /// `16223T / rCRS`, `315.1C / no insertion`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let side = |change: Option<Change>| match change.and_then(|c| Variant::new(self.site, c)) {
            Some(v) => v.to_string(),
            None if self.site.insertion > 0 => "no insertion".to_owned(),
            None => "rCRS".to_owned(),
        };
        write!(f, "{} / {}", side(self.a), side(self.b))
    }
}

/// The comparison of two mtDNA profiles over the region both cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MtComparison {
    /// The positions both profiles cover.
    pub shared: Coverage,
    /// `shared.len()`.
    pub shared_length: u32,
    /// Sites in the shared region where the profiles differ, by site.
    pub differences: Vec<MtDifference>,
    /// Differing C-stretch insertions not counted (empty unless `ignore_c_stretch`).
    pub ignored: Vec<MtDifference>,
    pub options: MtOptions,
    pub verdict: LineageVerdict,
}

/// Whether two changes at one site agree. `None` is the reference base (a position) or no inserted base (an
/// insertion). Ambiguity codes agree with any base they include, and with the reference base when the other
/// profile has no variant there (the rCRS is not built in; see the module documentation).
fn agrees(site: Site, a: Option<Change>, b: Option<Change>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(Change::Deletion), Some(Change::Deletion)) => true,
        (Some(Change::Base(x)), Some(Change::Base(y))) => x.intersects(y),
        (Some(Change::Base(x)), None) | (None, Some(Change::Base(x))) => site.insertion == 0 && x.is_ambiguous(),
        _ => false,
    }
}

/// Compares two profiles over the positions both cover, counting the sites where they differ.
///
/// A site agrees when both have the same change, or neither has one. An ambiguity code (heteroplasmy) agrees
/// with any base it includes, and with the reference base when the other profile has no variant there (see the
/// module documentation); an ambiguous insertion is still an insertion. With
/// [`MtOptions::ignore_c_stretch`], differing C-stretch insertions go to `ignored` instead of `differences`.
///
/// The verdict: [`Inconclusive`](LineageVerdict::Inconclusive) if the shared region is empty or shorter than
/// `options.min_shared_length`; else [`Match`](LineageVerdict::Match) with no difference,
/// [`MatchWithinTolerance`](LineageVerdict::MatchWithinTolerance) with at most `options.max_differences`, and
/// [`Mismatch`](LineageVerdict::Mismatch) with more. Symmetric in `a` and `b`.
pub fn compare_mt(a: &MtProfile, b: &MtProfile, options: MtOptions) -> MtComparison {
    let shared = a.coverage.intersection(&b.coverage);
    let sites: BTreeSet<Site> = a
        .variants
        .iter()
        .chain(&b.variants)
        .map(|v| v.site)
        .filter(|s| shared.contains(s.position))
        .collect();
    let mut differences = Vec::new();
    let mut ignored = Vec::new();
    for site in sites {
        let (ca, cb) = (a.get(site), b.get(site));
        if agrees(site, ca, cb) {
            continue;
        }
        let difference = MtDifference { site, a: ca, b: cb };
        if options.ignore_c_stretch && site.is_c_stretch_insertion() {
            ignored.push(difference);
        } else {
            differences.push(difference);
        }
    }
    let shared_length = shared.len();
    let verdict = if shared_length == 0 || shared_length < options.min_shared_length {
        LineageVerdict::Inconclusive
    } else if differences.is_empty() {
        LineageVerdict::Match
    } else if differences.len() <= options.max_differences {
        LineageVerdict::MatchWithinTolerance
    } else {
        LineageVerdict::Mismatch
    };
    MtComparison {
        shared,
        shared_length,
        differences,
        ignored,
        options,
        verdict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variants(text: &str) -> String {
        MtProfile::parse(text, "1-16569").unwrap().variants_text()
    }

    fn profile(variants: &str, coverage: &str) -> MtProfile {
        MtProfile::parse(variants, coverage).unwrap()
    }

    const HVS: &str = "16024-16365 73-340";

    #[test]
    fn variants_parse_normalise_and_sort() {
        assert_eq!(
            variants("16223T 73G 263G 315.1C 16189C 309.1C 523del"),
            "73G 263G 309.1C 315.1C 523del 16189C 16223T"
        );
        assert_eq!(variants("A73G, C16223t; 16093y"), "73G 16093Y 16223T");
        assert_eq!(
            variants("523- 524d A249D 8281-8283del"),
            "249del 523del 524del 8281del 8282del 8283del"
        );
        assert_eq!(variants("315.2C 315.1C 310T"), "310T 315.1C 315.2C");
        assert_eq!(variants("rCRS"), "");
        assert_eq!(variants(""), "");
        assert_eq!(variants("16223T 16223T"), "16223T", "identical repeats merge");
        assert_eq!(variants("16519N 16183M"), "16183M 16519N");
    }

    #[test]
    fn bad_variants_are_errors_naming_the_token() {
        let cases = [
            ("16223X", "'X' is not a base or an IUPAC code"),
            ("16223", "no base after the position"),
            ("T", "expected a position"),
            (
                "X73G",
                "expected a position, optionally after the reference base (A, C, G or T)",
            ),
            ("0A", "position 0 is not on the rCRS (1 to 16569)"),
            ("16570A", "position 16570 is not on the rCRS (1 to 16569)"),
            ("99999999999A", "position 99999999999 is not on the rCRS (1 to 16569)"),
            ("315.0C", "insertions are numbered from 1 (315.1C)"),
            ("315.C", "expected the insertion number after '.'"),
            ("315.1del", "an insertion cannot be a deletion"),
            ("C315.1C", "an insertion has no reference base"),
            ("523-520del", "the run of deletions ends at 520, before it starts"),
            ("522-523T", "a run of positions is only for deletions (522-523del)"),
            ("A73A", "the new base is the reference base"),
            (
                "73GG",
                "'GG' is not a change: expected a base (A, C, G, T or an IUPAC code), 'del' or '-'",
            ),
            ("73é", "'é' is not a base or an IUPAC code"),
        ];
        for (token, message) in cases {
            let e = MtProfile::parse(token, "1-16569").unwrap_err();
            assert_eq!(e.to_string(), format!("variant '{token}': {message}"));
        }
        let e = MtProfile::parse("16223T 16223C", "1-16569").unwrap_err();
        assert_eq!(e.to_string(), "variant '16223T': site 16223 is also given as 16223C");
        let e = MtProfile::parse("73G 16223T", "16024-16365").unwrap_err();
        assert_eq!(
            e.to_string(),
            "variant '73G': position 73 is outside the coverage (16024-16365)"
        );
        assert!(MtProfile::parse("rCRS 73G", "1-16569").is_err());
        assert!("522-523del".parse::<Variant>().is_err());
        assert_eq!("A73G".parse::<Variant>().unwrap().to_string(), "73G");
    }

    #[test]
    fn iupac_codes() {
        assert_eq!(Bases::from_code('Y'), Some(Bases(Bases::C.0 | Bases::T.0)));
        assert_eq!(Bases::from_code('r').map(Bases::code), Some('R'));
        assert_eq!(Bases::from_code('D'), None);
        assert_eq!(Bases::from_code('?'), None);
        for c in "ACGTRYSWKMBHVN".chars() {
            assert_eq!(Bases::from_code(c).map(Bases::code), Some(c));
        }
        assert!(!Bases::A.is_ambiguous());
        assert!(Bases::from_code('N').unwrap().is_ambiguous());
    }

    #[test]
    fn coverage_parses_wraps_and_merges() {
        let c = Coverage::parse(HVS).unwrap();
        assert_eq!(c.ranges(), [(73, 340), (16024, 16365)]);
        assert_eq!(c.len(), 268 + 342);
        assert_eq!(c.to_string(), "73-340 16024-16365");
        let wrap = Coverage::parse("16024-576").unwrap();
        assert_eq!(wrap.ranges(), [(1, 576), (16024, 16569)]);
        assert_eq!(wrap.len(), 1122);
        assert_eq!(Coverage::parse("1-10, 11-20;15-30 40").unwrap().to_string(), "1-30 40");
        assert!(c.contains(73) && c.contains(340) && !c.contains(341) && !c.contains(72) && !c.contains(16569));
        assert_eq!(wrap.intersection(&c).to_string(), "73-340 16024-16365");
        assert!(wrap.covers(&c) && !c.covers(&wrap));
        let e = Coverage::parse("16024-99999").unwrap_err();
        assert_eq!(
            e.to_string(),
            "coverage '16024-99999': position 99999 is not on the rCRS (1 to 16569)"
        );
        assert_eq!(Coverage::parse(" ").unwrap_err().to_string(), "coverage '': no range");
        assert!(Coverage::parse("73-").is_err());
        assert!(Coverage::parse("a-b").is_err());
    }

    fn diff_count(a: &MtProfile, b: &MtProfile, options: MtOptions) -> usize {
        compare_mt(a, b, options).differences.len()
    }

    #[test]
    fn comparison_over_the_shared_region() {
        let options = MtOptions {
            min_shared_length: 1,
            ..MtOptions::default()
        };
        let a = profile("16223T 16311C 73G 263G", HVS);
        let b = profile("16223T 73G 263G", "16024-16300 1-576");
        let c = compare_mt(&a, &b, options);
        assert_eq!(c.shared.to_string(), "73-340 16024-16300");
        assert_eq!(c.shared_length, 268 + 277);
        assert!(c.differences.is_empty(), "16311 lies outside b's coverage");
        assert_eq!(c.verdict, LineageVerdict::Match);

        let b = profile("16223T 16311C 73G", HVS);
        let c = compare_mt(&a, &b, options);
        assert_eq!(c.differences.len(), 1);
        assert_eq!(c.differences[0].to_string(), "263G / rCRS");
        assert_eq!(c.verdict, LineageVerdict::MatchWithinTolerance);

        let b = profile("16311C 73G 263A", HVS);
        let c = compare_mt(&a, &b, options);
        assert_eq!(
            c.differences.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
            ["263G / 263A", "16223T / rCRS"]
        );
        assert_eq!(c.verdict, LineageVerdict::Mismatch);

        assert_eq!(
            diff_count(&profile("523del", "1-600"), &profile("", "1-600"), options),
            1
        );
        assert_eq!(
            diff_count(&profile("523del", "1-600"), &profile("523A", "1-600"), options),
            1
        );
        assert_eq!(
            diff_count(&profile("523del", "1-600"), &profile("523-", "1-600"), options),
            0
        );
    }

    #[test]
    fn heteroplasmy_matches_either_base() {
        let options = MtOptions {
            min_shared_length: 1,
            ..MtOptions::default()
        };
        let het = profile("16093Y 16223T", HVS);
        for other in ["16093C 16223T", "16223T", "16093Y 16223T", "16093N 16223T"] {
            assert_eq!(diff_count(&het, &profile(other, HVS), options), 0, "{other}");
        }
        for other in ["16093A 16223T", "16093R 16223T", "16093del 16223T"] {
            assert_eq!(diff_count(&het, &profile(other, HVS), options), 1, "{other}");
        }
        // An ambiguous insertion is still an insertion.
        assert_eq!(
            diff_count(&profile("573.1M", "1-600"), &profile("", "1-600"), options),
            1
        );
    }

    #[test]
    fn c_stretch_insertions_are_ignored_by_default() {
        let a = profile("309.1C 315.1C 16189C 16193.1C", HVS);
        let b = profile("315.1C 16189C", HVS);
        let c = compare_mt(&a, &b, MtOptions::default());
        assert!(c.differences.is_empty());
        assert_eq!(c.ignored.len(), 2);
        assert_eq!(c.verdict, LineageVerdict::Match);
        let strict = MtOptions {
            ignore_c_stretch: false,
            max_differences: 0,
            ..MtOptions::default()
        };
        let c = compare_mt(&a, &b, strict);
        assert_eq!(c.differences.len(), 2);
        assert!(c.ignored.is_empty());
        assert_eq!(c.verdict, LineageVerdict::Mismatch);
        // Substitutions in the stretch count; insertions just outside it count.
        assert_eq!(
            diff_count(&profile("16189C", HVS), &profile("", HVS), MtOptions::default()),
            1
        );
        assert_eq!(
            diff_count(&profile("302.1C", HVS), &profile("", HVS), MtOptions::default()),
            1
        );
        assert_eq!(
            diff_count(&profile("16194.1C", HVS), &profile("", HVS), MtOptions::default()),
            1
        );
    }

    #[test]
    fn too_little_shared_is_inconclusive() {
        let a = profile("16223T", "16024-16365");
        let b = profile("73G", "73-340");
        let c = compare_mt(&a, &b, MtOptions::default());
        assert_eq!(c.shared_length, 0);
        assert_eq!(c.verdict, LineageVerdict::Inconclusive);
        let b = profile("", "16300-16365");
        let c = compare_mt(&a, &b, MtOptions::default());
        assert_eq!(c.shared_length, 66);
        assert_eq!(c.verdict, LineageVerdict::Inconclusive);
        let zero = MtOptions {
            min_shared_length: 0,
            ..MtOptions::default()
        };
        assert_eq!(compare_mt(&a, &b, zero).verdict, LineageVerdict::Match);
    }

    #[test]
    fn restriction() {
        let a = profile("16223T 73G 263G", HVS);
        let r = a.restricted(&Coverage::parse("1-200").unwrap());
        assert_eq!(r.to_string(), "73G (coverage 73-200)");
        assert_eq!(
            r.get(Site {
                position: 73,
                insertion: 0
            }),
            Some(Change::Base(Bases::G))
        );
        assert_eq!(
            r.get(Site {
                position: 263,
                insertion: 0
            }),
            None
        );
    }
}
