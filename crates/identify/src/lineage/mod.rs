//! Lineage markers: Y-STR haplotypes (the paternal line) and mtDNA (the maternal line).
//!
//! A lineage marker is inherited whole from one parent, so a victim and a relative on the same line share it
//! except for mutations, and so do many unrelated people of the same line. The evidence of a match is therefore
//! weighed by how common the haplotype is in a reference database, counted directly:
//!
//! * [`ystr`]: [`YHaplotype`] (locus → [`YAllele`], multi-copy loci as multisets), the reference database
//!   [`YDatabase`], and [`compare_y`] with a mutation allowance ([`LineageTolerance`]).
//! * [`mtdna`]: [`MtProfile`] (variants from the rCRS, with the [`Coverage`] that was sequenced), the reference
//!   database [`MtDatabase`], and [`compare_mt`] over the region both profiles cover ([`MtOptions`]: C-stretch
//!   length heteroplasmy ignored by default).
//! * [`freq`]: frequencies by counting ([`count_y`], [`count_mt`]), the Clopper–Pearson upper bound
//!   ([`clopper_pearson_upper`]), and the [`LineageReport`] of a victim against a family reference
//!   ([`y_report`], [`mt_report`]): verdict, counts, estimates and the likelihood ratio.
//!
//! Verdicts ([`LineageVerdict`]) and what they mean for the LR:
//!
//! | verdict                | meaning                                                      | LR                    |
//! |------------------------|--------------------------------------------------------------|-----------------------|
//! | `Match`                | identical where both are typed                               | 1 / frequency         |
//! | `MatchWithinTolerance` | differences, all within the tolerance (possible mutations)   | none: expert review   |
//! | `Mismatch`             | differences beyond the tolerance                             | 0 (exclusion)         |
//! | `Inconclusive`         | too little typed in common to compare                        | none                  |
//!
//! Nothing here reads files or tables. The reference databases are tab-separated files read by `formats`
//! (`read_y_database`, `read_mt_database`: header, fields, unique ids, with the one line splitter of that
//! crate); [`YDatabase::from_rows`] and [`MtDatabase::from_rows`] parse their values, and no input makes
//! any function panic.

pub mod freq;
pub mod mtdna;
pub mod ystr;

pub use freq::{
    clopper_pearson_upper, count_mt, count_y, mt_report, y_report, FrequencyEstimate, HaplotypeCounts,
    HaplotypeFrequency, LineageComparison, LineageReport, CLOPPER_PEARSON_TAIL,
};
pub use mtdna::{
    compare_mt, Bases, Change, Coverage, MtComparison, MtDatabase, MtDifference, MtEntry, MtOptions, MtProfile, MtRow,
    Site, Variant, RCRS_LENGTH,
};
pub use ystr::{
    compare_y, LineageTolerance, LocusComparison, YAllele, YComparison, YDatabase, YEntry, YHaplotype, YRow,
};

/// The outcome of comparing a victim's lineage profile with a relative's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineageVerdict {
    /// No difference where both are typed.
    Match,
    /// Differences, each within the tolerance and not more of them than it allows: possibly mutations on the
    /// line between the two. Not an identification by itself; for expert review.
    MatchWithinTolerance,
    /// Differences beyond the tolerance: an exclusion.
    Mismatch,
    /// Too little typed in common (fewer shared loci, or a shorter shared region, than the minimum).
    Inconclusive,
}

impl std::fmt::Display for LineageVerdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LineageVerdict::Match => "match",
            LineageVerdict::MatchWithinTolerance => "match within tolerance",
            LineageVerdict::Mismatch => "mismatch",
            LineageVerdict::Inconclusive => "inconclusive",
        })
    }
}

/// Why a lineage profile or database cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineageError {
    /// A value of a reference database; `field` is the column (a locus name, `id`, `range`, `variants`).
    #[error("line {line}, field '{field}': {message}")]
    Database {
        line: usize,
        field: String,
        message: String,
    },
    /// A locus of a Y haplotype given as pairs or text.
    #[error("locus '{locus}': {message}")]
    Locus { locus: String, message: String },
    /// A Y-STR allele label.
    #[error("allele '{allele}': {message}")]
    Allele { allele: String, message: String },
    /// One mtDNA variant token.
    #[error("variant '{token}': {message}")]
    Variant { token: String, message: String },
    /// One range of an mtDNA coverage region.
    #[error("coverage '{token}': {message}")]
    Coverage { token: String, message: String },
}

impl LineageError {
    fn database(line: usize, field: impl Into<String>, message: impl Into<String>) -> Self {
        LineageError::Database {
            line,
            field: field.into(),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_name_line_field_and_token() {
        assert_eq!(
            LineageError::database(3, "DYS19", "bad").to_string(),
            "line 3, field 'DYS19': bad"
        );
        let e = "16223X".parse::<Variant>().unwrap_err();
        assert!(e.to_string().starts_with("variant '16223X': "), "{e}");
    }
}
