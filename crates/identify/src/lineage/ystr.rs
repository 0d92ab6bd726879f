//! Y-STR haplotypes: parsing, the reference database, and comparison on the paternal line.
//!
//! A haplotype maps a locus name to a [`YAllele`]; a locus that was not typed is absent. An allele is one or
//! more copies: single-copy loci have one (`14`, `13.2`), multi-copy loci such as DYS385a/b several, written
//! `11,14` or `11-14` and compared as a sorted multiset (so `14,11` is `11,14`). Write every copy a lab
//! reports: `11,11` and `11` are different alleles.
//!
//! Not typed is written as an empty field, `-` or `NA` (any case), both in [`YHaplotype::parse`] and in the
//! database.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use super::{LineageError, LineageVerdict};

/// One copy of a Y-STR allele: a repeat number with an optional microvariant part, or another label.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum AlleleCopy {
    /// `repeats` full repeats and `partial` extra bases (0: none), as in `13.2`.
    Repeat { repeats: u32, partial: u32 },
    /// A label that is not a repeat number, such as an off-ladder code (`OL`); compared as written.
    Other(String),
}

impl AlleleCopy {
    fn parse(label: &str) -> Result<Self, String> {
        if label.is_empty() {
            return Err("empty allele copy".to_owned());
        }
        if label.starts_with(|c: char| c.is_ascii_digit()) {
            let (whole, partial) = match label.split_once('.') {
                Some((w, p)) => (w, Some(p)),
                None => (label, None),
            };
            let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            if !all_digits(whole) || !partial.is_none_or(all_digits) {
                return Err(format!("'{label}' is not a repeat number (such as 14 or 13.2)"));
            }
            let repeats = whole
                .parse::<u32>()
                .map_err(|_| format!("repeat number '{whole}' is too large"))?;
            let partial = match partial {
                None => 0,
                Some(p) => match p.parse::<u32>() {
                    Ok(0) => return Err(format!("write '{repeats}' rather than '{label}'")),
                    Ok(p) => p,
                    Err(_) => return Err(format!("microvariant part '{p}' is too large")),
                },
            };
            return Ok(AlleleCopy::Repeat { repeats, partial });
        }
        if label.starts_with(|c: char| c.is_ascii_alphabetic())
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
        {
            return Ok(AlleleCopy::Other(label.to_owned()));
        }
        Err(format!(
            "'{label}' is not an allele label (a repeat number such as 14 or 13.2, or letters, digits and dots)"
        ))
    }

    /// Repeats between two copies, if both are repeat numbers with the same microvariant part.
    fn step(&self, other: &AlleleCopy) -> Option<u32> {
        match (self, other) {
            (
                AlleleCopy::Repeat {
                    repeats: r1,
                    partial: p1,
                },
                AlleleCopy::Repeat {
                    repeats: r2,
                    partial: p2,
                },
            ) if p1 == p2 => Some(r1.abs_diff(*r2)),
            _ => None,
        }
    }
}

impl fmt::Display for AlleleCopy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AlleleCopy::Repeat { repeats, partial: 0 } => write!(f, "{repeats}"),
            AlleleCopy::Repeat { repeats, partial } => write!(f, "{repeats}.{partial}"),
            AlleleCopy::Other(label) => f.write_str(label),
        }
    }
}

/// The allele of one Y-STR locus: one copy, or several for a multi-copy locus, kept sorted.
///
/// Copies are repeat numbers (`14`, `13.2`, leading zeros dropped) or labels starting with a letter
/// (letters, digits, dots; compared as written). Several copies are separated by `,` or `-`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YAllele {
    /// Sorted; never empty.
    copies: Vec<AlleleCopy>,
}

impl YAllele {
    /// Parses `14`, `13.2`, `11,14` or `11-14`.
    pub fn parse(text: &str) -> Result<Self, LineageError> {
        let err = |message: String| LineageError::Allele {
            allele: text.to_owned(),
            message,
        };
        let text_trimmed = text.trim();
        if text_trimmed.is_empty() {
            return Err(err("empty allele".to_owned()));
        }
        let mut copies = text_trimmed
            .split([',', '-'])
            .map(|c| AlleleCopy::parse(c.trim()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(err)?;
        copies.sort();
        Ok(YAllele { copies })
    }

    /// The number of copies (1 for a single-copy locus).
    pub fn copy_count(&self) -> usize {
        self.copies.len()
    }

    /// Repeats between two alleles: `Some(0)` if equal; `Some(d)` if they have the same number of copies and
    /// differ in exactly one copy, whose two values are repeat numbers with the same microvariant part
    /// (`14`→`15`, `13.2`→`15.2`, `11,14`→`11,15`), `d` being the difference of the repeat numbers; `None`
    /// otherwise (a non-numeric label, a microvariant difference such as `13`→`13.2`, a different number of
    /// copies, or more than one copy changed).
    pub fn step(&self, other: &YAllele) -> Option<u32> {
        if self == other {
            return Some(0);
        }
        if self.copies.len() != other.copies.len() {
            return None;
        }
        // Multiset difference of two sorted lists.
        let (mut only_self, mut only_other) = (Vec::new(), Vec::new());
        let (mut i, mut j) = (0, 0);
        while i < self.copies.len() && j < other.copies.len() {
            match self.copies[i].cmp(&other.copies[j]) {
                std::cmp::Ordering::Equal => {
                    i += 1;
                    j += 1;
                }
                std::cmp::Ordering::Less => {
                    only_self.push(&self.copies[i]);
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    only_other.push(&other.copies[j]);
                    j += 1;
                }
            }
        }
        only_self.extend(&self.copies[i..]);
        only_other.extend(&other.copies[j..]);
        match (only_self.as_slice(), only_other.as_slice()) {
            ([a], [b]) => a.step(b),
            _ => None,
        }
    }
}

impl FromStr for YAllele {
    type Err = LineageError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        YAllele::parse(s)
    }
}

impl fmt::Display for YAllele {
    /// Copies in order, separated by `,`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, copy) in self.copies.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{copy}")?;
        }
        Ok(())
    }
}

/// Whether a field means "not typed": empty, `-` or `NA`.
fn is_untyped(value: &str) -> bool {
    let value = value.trim();
    value.is_empty() || value == "-" || value.eq_ignore_ascii_case("na")
}

/// Checks a locus name: not empty, no control characters, no `=` or `;` (the text form's separators).
fn check_locus_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        Err("empty locus name".to_owned())
    } else if name.chars().any(|c| c.is_control() || c == '=' || c == ';') {
        Err("a locus name cannot hold control characters, '=' or ';'".to_owned())
    } else {
        Ok(())
    }
}

/// A Y-STR haplotype: typed loci by name (names compared exactly, after trimming), each with its allele.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct YHaplotype {
    loci: BTreeMap<String, YAllele>,
}

impl YHaplotype {
    /// Builds a haplotype from (locus, allele) pairs. An empty, `-` or `NA` allele means not typed (the locus is
    /// left out). A locus named twice, a bad locus name or a bad allele is an error naming the locus.
    pub fn parse(pairs: &[(&str, &str)]) -> Result<Self, LineageError> {
        let mut loci = BTreeMap::new();
        let mut seen = std::collections::HashSet::new();
        for &(locus, value) in pairs {
            let locus = locus.trim();
            let err = |message: String| LineageError::Locus {
                locus: locus.to_owned(),
                message,
            };
            check_locus_name(locus).map_err(err)?;
            if !seen.insert(locus) {
                return Err(err("locus given twice".to_owned()));
            }
            if is_untyped(value) {
                continue;
            }
            let allele = YAllele::parse(value).map_err(|e| err(e.to_string()))?;
            loci.insert(locus.to_owned(), allele);
        }
        Ok(YHaplotype { loci })
    }

    /// The allele at `locus`, if typed.
    pub fn get(&self, locus: &str) -> Option<&YAllele> {
        self.loci.get(locus)
    }

    /// Typed loci and alleles, by locus name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &YAllele)> {
        self.loci.iter().map(|(l, a)| (l.as_str(), a))
    }

    /// The typed loci, by name.
    pub fn loci(&self) -> impl Iterator<Item = &str> {
        self.loci.keys().map(String::as_str)
    }

    /// The number of typed loci.
    pub fn len(&self) -> usize {
        self.loci.len()
    }

    /// Whether no locus is typed.
    pub fn is_empty(&self) -> bool {
        self.loci.is_empty()
    }

    /// The same haplotype typed only at those of `loci` it has.
    pub fn restricted<'a>(&self, loci: impl IntoIterator<Item = &'a str>) -> YHaplotype {
        YHaplotype {
            loci: loci
                .into_iter()
                .filter_map(|l| self.loci.get_key_value(l))
                .map(|(l, a)| (l.clone(), a.clone()))
                .collect(),
        }
    }

    /// Whether `other` is typed at every locus of `self` with the same allele.
    pub(crate) fn is_matched_by(&self, other: &YHaplotype) -> bool {
        self.loci.iter().all(|(l, a)| other.loci.get(l) == Some(a))
    }

    /// Whether `other` is typed at every locus of `self`.
    pub(crate) fn is_covered_by(&self, other: &YHaplotype) -> bool {
        self.loci.keys().all(|l| other.loci.contains_key(l))
    }
}

impl FromStr for YHaplotype {
    type Err = LineageError;

    /// Parses the text form written by `Display`: `DYS19=14; DYS385=11,14` (empty pieces skipped).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut pairs = Vec::new();
        for piece in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (locus, allele) = piece.split_once('=').ok_or_else(|| LineageError::Locus {
                locus: piece.to_owned(),
                message: "expected locus=allele".to_owned(),
            })?;
            pairs.push((locus, allele));
        }
        YHaplotype::parse(&pairs)
    }
}

impl fmt::Display for YHaplotype {
    /// `DYS19=14; DYS385=11,14`, by locus name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (locus, allele)) in self.loci.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{locus}={allele}")?;
        }
        Ok(())
    }
}

/// One haplotype of a reference database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YEntry {
    pub id: String,
    /// The line of the database text it came from.
    pub line: usize,
    pub haplotype: YHaplotype,
}

/// A Y-STR reference database: the locus columns of the header, and the haplotypes in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct YDatabase {
    pub loci: Vec<String>,
    pub entries: Vec<YEntry>,
}

impl YDatabase {
    /// The haplotypes, in file order.
    pub fn haplotypes(&self) -> impl Iterator<Item = &YHaplotype> {
        self.entries.iter().map(|e| &e.haplotype)
    }
}

/// One haplotype of a Y-STR reference database as a reader split it (`formats::read_y_database`, which checks
/// the table: header, field counts, unique ids).
#[derive(Debug, Clone, Copy)]
pub struct YRow<'a> {
    pub id: &'a str,
    /// The line of the database text it came from.
    pub line: usize,
    /// One value per locus, in the order of the loci (empty, `-` or `NA`: not typed).
    pub values: &'a [String],
}

impl YDatabase {
    /// The typed database from the header's loci and the rows of a database read as text. Every locus name is
    /// checked (an error names `header_line` and the locus), every allele parsed (an error names the row's line
    /// and the locus).
    pub fn from_rows<'a>(
        header_line: usize,
        loci: &[String],
        rows: impl IntoIterator<Item = YRow<'a>>,
    ) -> Result<YDatabase, LineageError> {
        let mut seen = std::collections::HashSet::new();
        for locus in loci {
            check_locus_name(locus).map_err(|m| LineageError::database(header_line, locus.as_str(), m))?;
            if !seen.insert(locus.as_str()) {
                return Err(LineageError::database(
                    header_line,
                    locus.as_str(),
                    "locus named twice in the header",
                ));
            }
        }
        let mut entries = Vec::new();
        for row in rows {
            if row.values.len() != loci.len() {
                return Err(LineageError::database(
                    row.line,
                    "id",
                    format!("the row has {} values for {} loci", row.values.len(), loci.len()),
                ));
            }
            let mut haplotype = BTreeMap::new();
            for (locus, value) in loci.iter().zip(row.values) {
                if is_untyped(value) {
                    continue;
                }
                let allele = YAllele::parse(value)
                    .map_err(|e| LineageError::database(row.line, locus.as_str(), e.to_string()))?;
                haplotype.insert(locus.clone(), allele);
            }
            entries.push(YEntry {
                id: row.id.to_owned(),
                line: row.line,
                haplotype: YHaplotype { loci: haplotype },
            });
        }
        Ok(YDatabase {
            loci: loci.to_vec(),
            entries,
        })
    }
}

/// How far two haplotypes may differ and still be called a match within tolerance, and how many loci they must
/// share to be compared at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineageTolerance {
    /// The most mismatching loci allowed.
    pub max_mismatches: usize,
    /// The largest step allowed at each mismatching locus (see [`YAllele::step`]); a mismatch with no step
    /// (a microvariant or copy-number difference) is never within tolerance.
    pub max_step: u32,
    /// Fewer shared loci than this (and never fewer than one) make the comparison inconclusive.
    pub min_shared_loci: usize,
}

impl LineageTolerance {
    /// No mismatch allowed.
    pub fn exact(min_shared_loci: usize) -> Self {
        LineageTolerance {
            max_mismatches: 0,
            max_step: 0,
            min_shared_loci,
        }
    }
}

impl Default for LineageTolerance {
    /// One single-step mismatch allowed (sent for expert review rather than excluded: Y-STR mutation rates are
    /// a few per thousand per locus and generation, so with 20 or more loci and several generations a
    /// one-step difference between true relatives is not rare), and at least 8 shared loci (the minimal
    /// haplotype, with DYS385a/b as one multi-copy locus).
    fn default() -> Self {
        LineageTolerance {
            max_mismatches: 1,
            max_step: 1,
            min_shared_loci: 8,
        }
    }
}

/// One locus typed in both haplotypes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocusComparison {
    pub locus: String,
    pub a: YAllele,
    pub b: YAllele,
    /// `Some(0)` when equal; see [`YAllele::step`].
    pub step: Option<u32>,
}

impl LocusComparison {
    /// Whether the two alleles are equal.
    pub fn is_match(&self) -> bool {
        self.a == self.b
    }
}

impl fmt::Display for LocusComparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} / {}", self.locus, self.a, self.b)?;
        match self.step {
            Some(0) => Ok(()),
            Some(1) => f.write_str(" (1 step)"),
            Some(s) => write!(f, " ({s} steps)"),
            None => f.write_str(" (not a stepwise difference)"),
        }
    }
}

/// The comparison of two Y haplotypes over the loci typed in both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YComparison {
    pub shared_loci: usize,
    pub matching_loci: usize,
    pub mismatching_loci: usize,
    /// Every shared locus, by name.
    pub loci: Vec<LocusComparison>,
    /// Loci typed only in the first haplotype, and only in the second.
    pub only_in_a: Vec<String>,
    pub only_in_b: Vec<String>,
    pub tolerance: LineageTolerance,
    pub verdict: LineageVerdict,
}

impl YComparison {
    /// The shared loci where the alleles differ.
    pub fn mismatches(&self) -> impl Iterator<Item = &LocusComparison> {
        self.loci.iter().filter(|l| !l.is_match())
    }
}

/// Compares two haplotypes on the paternal line over the loci typed in both.
///
/// The verdict: [`Inconclusive`](LineageVerdict::Inconclusive) if they share fewer than
/// `tolerance.min_shared_loci` loci (or none); else [`Match`](LineageVerdict::Match) if no shared locus differs;
/// else [`MatchWithinTolerance`](LineageVerdict::MatchWithinTolerance) if at most `max_mismatches` differ and
/// each by a known step of at most `max_step`; else [`Mismatch`](LineageVerdict::Mismatch). Symmetric: swapping
/// `a` and `b` swaps the alleles in the details and changes nothing else.
pub fn compare_y(a: &YHaplotype, b: &YHaplotype, tolerance: LineageTolerance) -> YComparison {
    let mut loci = Vec::new();
    let mut only_in_a = Vec::new();
    for (locus, allele_a) in &a.loci {
        match b.loci.get(locus) {
            Some(allele_b) => loci.push(LocusComparison {
                locus: locus.clone(),
                a: allele_a.clone(),
                b: allele_b.clone(),
                step: allele_a.step(allele_b),
            }),
            None => only_in_a.push(locus.clone()),
        }
    }
    let only_in_b = b.loci.keys().filter(|l| !a.loci.contains_key(*l)).cloned().collect();
    let shared_loci = loci.len();
    let mismatching_loci = loci.iter().filter(|l| !l.is_match()).count();
    let within = |l: &LocusComparison| l.step.is_some_and(|s| s <= tolerance.max_step);
    let verdict = if shared_loci == 0 || shared_loci < tolerance.min_shared_loci {
        LineageVerdict::Inconclusive
    } else if mismatching_loci == 0 {
        LineageVerdict::Match
    } else if mismatching_loci <= tolerance.max_mismatches && loci.iter().all(|l| l.is_match() || within(l)) {
        LineageVerdict::MatchWithinTolerance
    } else {
        LineageVerdict::Mismatch
    };
    YComparison {
        shared_loci,
        matching_loci: shared_loci - mismatching_loci,
        mismatching_loci,
        loci,
        only_in_a,
        only_in_b,
        tolerance,
        verdict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allele(s: &str) -> YAllele {
        YAllele::parse(s).unwrap()
    }

    fn hap(text: &str) -> YHaplotype {
        text.parse().unwrap()
    }

    #[test]
    fn alleles_parse_and_normalise() {
        assert_eq!(allele("14").to_string(), "14");
        assert_eq!(allele(" 013.2 ").to_string(), "13.2");
        assert_eq!(allele("14-11").to_string(), "11,14");
        assert_eq!(allele("11, 14"), allele("14-11"));
        assert_eq!(allele("OL").to_string(), "OL");
        assert_eq!(allele("9,10").to_string(), "9,10", "numeric order, not text order");
        assert_eq!(allele("11,11").copy_count(), 2);
        assert_ne!(allele("11,11"), allele("11"));
    }

    #[test]
    fn bad_alleles_are_errors_naming_the_allele() {
        for bad in ["", "1x", "14.0", "11,,14", "11-", "13.2.1", "99999999999", ">20", "1 4"] {
            let e = YAllele::parse(bad).unwrap_err();
            assert!(matches!(e, LineageError::Allele { .. }), "{bad}: {e}");
        }
        assert_eq!(
            YAllele::parse("14.0").unwrap_err().to_string(),
            "allele '14.0': write '14' rather than '14.0'"
        );
    }

    #[test]
    fn steps() {
        let step = |a: &str, b: &str| allele(a).step(&allele(b));
        assert_eq!(step("14", "14"), Some(0));
        assert_eq!(step("14", "15"), Some(1));
        assert_eq!(step("17", "14"), Some(3));
        assert_eq!(step("13.2", "15.2"), Some(2));
        assert_eq!(step("13", "13.2"), None, "microvariant difference");
        assert_eq!(step("OL", "14"), None);
        assert_eq!(step("11,14", "11,15"), Some(1), "one copy of a multi-copy locus");
        assert_eq!(step("11,14", "10,14"), Some(1));
        assert_eq!(step("11,14", "12,15"), None, "two copies changed");
        assert_eq!(step("11,14", "11"), None, "copy number");
        assert_eq!(step("11,11", "11,12"), Some(1));
    }

    #[test]
    fn haplotype_from_pairs() {
        let h = YHaplotype::parse(&[("DYS19", "14"), (" DYS385 ", "14-11"), ("DYS390", ""), ("DYS391", "-")]).unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(h.get("DYS385"), Some(&allele("11,14")));
        assert_eq!(h.get("DYS390"), None);
        assert_eq!(h.to_string(), "DYS19=14; DYS385=11,14");
        assert_eq!(h.to_string().parse::<YHaplotype>().unwrap(), h);
    }

    #[test]
    fn haplotype_errors_name_the_locus() {
        let e = YHaplotype::parse(&[("DYS19", "14"), ("DYS19", "")]).unwrap_err();
        assert_eq!(e.to_string(), "locus 'DYS19': locus given twice");
        let e = YHaplotype::parse(&[("DYS19", "1x")]).unwrap_err();
        assert!(e.to_string().starts_with("locus 'DYS19': allele '1x': "), "{e}");
        assert!(YHaplotype::parse(&[("", "14")]).is_err());
        assert!("DYS19 14".parse::<YHaplotype>().is_err());
    }

    #[test]
    fn comparison_counts_and_verdicts() {
        let a = hap("L1=14; L2=11,14; L3=24; L4=10; L5=13");
        let b = hap("L1=15; L2=11,14; L3=24; L4=10; L6=12");
        let tol = LineageTolerance {
            max_mismatches: 1,
            max_step: 1,
            min_shared_loci: 4,
        };
        let c = compare_y(&a, &b, tol);
        assert_eq!((c.shared_loci, c.matching_loci, c.mismatching_loci), (4, 3, 1));
        assert_eq!(c.only_in_a, ["L5"]);
        assert_eq!(c.only_in_b, ["L6"]);
        assert_eq!(
            c.mismatches().map(|l| l.to_string()).collect::<Vec<_>>(),
            ["L1 14 / 15 (1 step)"]
        );
        assert_eq!(c.verdict, LineageVerdict::MatchWithinTolerance);
        assert_eq!(
            compare_y(&a, &b, LineageTolerance::exact(4)).verdict,
            LineageVerdict::Mismatch
        );
        assert_eq!(
            compare_y(
                &a,
                &b,
                LineageTolerance {
                    min_shared_loci: 5,
                    ..tol
                }
            )
            .verdict,
            LineageVerdict::Inconclusive
        );
        assert_eq!(compare_y(&a, &a, tol).verdict, LineageVerdict::Match);

        let far = hap("L1=16; L2=11,14; L3=24; L4=10");
        assert_eq!(compare_y(&a, &far, tol).verdict, LineageVerdict::Mismatch, "two steps");
        let micro = hap("L1=14.2; L2=11,14; L3=24; L4=10");
        assert_eq!(compare_y(&a, &micro, tol).verdict, LineageVerdict::Mismatch, "no step");
        let two = hap("L1=15; L2=11,15; L3=24; L4=10");
        assert_eq!(
            compare_y(&a, &two, tol).verdict,
            LineageVerdict::Mismatch,
            "two mismatches"
        );
        let two_allowed = LineageTolerance {
            max_mismatches: 2,
            ..tol
        };
        assert_eq!(
            compare_y(&a, &two, two_allowed).verdict,
            LineageVerdict::MatchWithinTolerance
        );
    }

    #[test]
    fn nothing_shared_is_inconclusive_even_with_no_minimum() {
        let c = compare_y(&hap("L1=14"), &hap("L2=14"), LineageTolerance::exact(0));
        assert_eq!(c.shared_loci, 0);
        assert_eq!(c.verdict, LineageVerdict::Inconclusive);
    }
}
