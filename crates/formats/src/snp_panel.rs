//! SNP panel files: one biallelic SNP per line with its chromosome, physical and genetic position,
//! its two alleles and the frequency of the second.
//!
//! ```text
//! marker     chrom  pos_bp   cm        ref  alt  freq_alt  cm_female  cm_male  freq_alt:EAS
//! rs9442372  1      1083324  0         G    A    0.389     0          0        0.41
//! rs4648727  1      1844830  0.180381  C    A    0.363     0.01662    0.344142 0.30
//! ```
//!
//! Tab-separated, with a header naming the columns in any order. Required: `marker`, `chrom`,
//! `pos_bp`, `cm`, `ref`, `alt`, `freq_alt`. Optional: `cm_female` and `cm_male` (together: a
//! sex-specific map), and any number of `freq_alt:POP` columns (the frequency of `alt` in population
//! `POP`; `NA` or an empty cell where it is unknown). Other columns are ignored. Blank lines and lines
//! starting with `#` are skipped.
//!
//! Within a chromosome, lines must be sorted by `pos_bp`, and genetic positions may not decrease
//! along them; marker names are unique. Chromosomes may come in any order.

use std::collections::{HashMap, HashSet};

use kinship::LinkedMarker;

use crate::text::{content_lines, is_na, Delimiter};

/// Why a panel file cannot be read: the line and the column at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column '{column}': {message}")]
pub struct PanelError {
    pub line: usize,
    pub column: String,
    pub message: String,
}

impl PanelError {
    fn new(line: usize, column: impl Into<String>, message: impl Into<String>) -> Self {
        PanelError {
            line,
            column: column.into(),
            message: message.into(),
        }
    }
}

/// One SNP of a panel.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelSnp {
    /// 1-based line number in the file.
    pub line: usize,
    pub marker: String,
    pub chrom: String,
    pub pos_bp: u64,
    /// Sex-averaged genetic position (cM).
    pub cm: f64,
    /// Sex-specific genetic positions (cM), when the panel has both columns.
    pub cm_female: Option<f64>,
    pub cm_male: Option<f64>,
    pub reference: String,
    pub alt: String,
    /// Frequency of `alt` (the `freq_alt` column).
    pub freq_alt: f64,
    /// Frequency of `alt` per population, in the order of [`SnpPanel::populations`]; `None` for `NA`.
    pub population_freqs: Vec<Option<f64>>,
}

/// A panel: its SNPs in file order and the populations of its `freq_alt:POP` columns.
#[derive(Debug, Clone, PartialEq)]
pub struct SnpPanel {
    pub populations: Vec<String>,
    pub snps: Vec<PanelSnp>,
}

impl SnpPanel {
    /// Whether the panel gives a sex-specific map.
    pub fn has_sex_specific_map(&self) -> bool {
        self.snps.first().is_some_and(|s| s.cm_female.is_some())
    }

    /// The frequency of `alt` of `snp` in `population` (`None`: the `freq_alt` column).
    ///
    /// Returns `Err` with the population list when the panel has no such column, `Ok(None)` when
    /// the cell is `NA`.
    pub fn frequency(&self, snp: &PanelSnp, population: Option<&str>) -> Result<Option<f64>, String> {
        match population {
            None => Ok(Some(snp.freq_alt)),
            Some(p) => match self.populations.iter().position(|q| q == p) {
                Some(i) => Ok(snp.population_freqs[i]),
                None if self.populations.is_empty() => {
                    Err("the panel has no per-population frequency columns (freq_alt:POP)".to_owned())
                }
                None => Err(format!("the panel's populations are {}", self.populations.join(", "))),
            },
        }
    }
}

const REQUIRED: [&str; 7] = ["marker", "chrom", "pos_bp", "cm", "ref", "alt", "freq_alt"];

/// Reads a panel file.
pub fn read_snp_panel(text: &str) -> Result<SnpPanel, PanelError> {
    let mut lines = content_lines(text);
    let (header_line, header) = lines.next().ok_or_else(|| {
        PanelError::new(
            1,
            "header",
            format!("the file is empty; expected the header {}", REQUIRED.join("\t")),
        )
    })?;
    let head = Delimiter::Tab.split(header);
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, name) in head.iter().enumerate() {
        if name.is_empty() {
            continue;
        }
        if index.insert(name, i).is_some() {
            return Err(PanelError::new(
                header_line,
                *name,
                "the column appears twice in the header",
            ));
        }
    }
    let col = |name: &str| -> Result<usize, PanelError> {
        index.get(name).copied().ok_or_else(|| {
            PanelError::new(
                header_line,
                name,
                format!(
                    "the header has no column '{name}' (required, tab-separated: {})",
                    REQUIRED.join(", ")
                ),
            )
        })
    };
    let [c_marker, c_chrom, c_pos, c_cm, c_ref, c_alt, c_freq] = [
        col("marker")?,
        col("chrom")?,
        col("pos_bp")?,
        col("cm")?,
        col("ref")?,
        col("alt")?,
        col("freq_alt")?,
    ];
    let sex_cols = match (index.get("cm_female"), index.get("cm_male")) {
        (Some(&f), Some(&m)) => Some((f, m)),
        (None, None) => None,
        (Some(_), None) => {
            return Err(PanelError::new(
                header_line,
                "cm_male",
                "cm_female is given without cm_male",
            ))
        }
        (None, Some(_)) => {
            return Err(PanelError::new(
                header_line,
                "cm_female",
                "cm_male is given without cm_female",
            ))
        }
    };
    let mut populations = Vec::new();
    let mut pop_cols = Vec::new();
    for (i, name) in head.iter().enumerate() {
        if let Some(pop) = name.strip_prefix("freq_alt:") {
            if pop.is_empty() {
                return Err(PanelError::new(
                    header_line,
                    *name,
                    "a population column needs a name: freq_alt:POP",
                ));
            }
            populations.push(pop.to_owned());
            pop_cols.push(i);
        }
    }

    let mut snps: Vec<PanelSnp> = Vec::new();
    let mut names = HashSet::new();
    // Per chromosome: the last SNP's index in `snps`.
    let mut last_on: HashMap<String, usize> = HashMap::new();
    for (line, text) in lines {
        let fields = Delimiter::Tab.split(text);
        let cell = |c: usize, name: &str| -> Result<&str, PanelError> {
            match fields.get(c) {
                Some(v) if !v.is_empty() => Ok(v),
                _ => Err(PanelError::new(line, name, "the cell is empty")),
            }
        };
        let number = |c: usize, name: &str| -> Result<f64, PanelError> {
            let v = cell(c, name)?;
            v.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| PanelError::new(line, name, format!("'{v}' is not a number")))
        };
        let frequency = |c: usize, name: &str| -> Result<f64, PanelError> {
            let f = number(c, name)?;
            if (0.0..=1.0).contains(&f) {
                Ok(f)
            } else {
                Err(PanelError::new(line, name, format!("frequency {f} is outside [0, 1]")))
            }
        };
        let marker = cell(c_marker, "marker")?;
        if !names.insert(marker.to_owned()) {
            return Err(PanelError::new(
                line,
                "marker",
                format!("marker '{marker}' appears twice"),
            ));
        }
        let chrom = cell(c_chrom, "chrom")?;
        let pos = cell(c_pos, "pos_bp")?;
        let pos_bp: u64 = pos
            .parse()
            .map_err(|_| PanelError::new(line, "pos_bp", format!("'{pos}' is not a whole number of base pairs")))?;
        let cm = number(c_cm, "cm")?;
        let (cm_female, cm_male) = match sex_cols {
            Some((f, m)) => (Some(number(f, "cm_female")?), Some(number(m, "cm_male")?)),
            None => (None, None),
        };
        let allele = |c: usize, name: &str| -> Result<String, PanelError> {
            let a = cell(c, name)?;
            if a.chars().all(|ch| ch.is_ascii_alphabetic()) {
                Ok(a.to_ascii_uppercase())
            } else {
                Err(PanelError::new(
                    line,
                    name,
                    format!("'{a}' is not an allele (bases, e.g. A, C, G, T)"),
                ))
            }
        };
        let reference = allele(c_ref, "ref")?;
        let alt = allele(c_alt, "alt")?;
        if reference == alt {
            return Err(PanelError::new(line, "alt", format!("alt '{alt}' equals ref")));
        }
        let freq_alt = frequency(c_freq, "freq_alt")?;
        let mut population_freqs = Vec::with_capacity(pop_cols.len());
        for (&c, pop) in pop_cols.iter().zip(&populations) {
            let name = format!("freq_alt:{pop}");
            population_freqs.push(match fields.get(c) {
                None => None,
                Some(v) if v.is_empty() || is_na(v) => None,
                Some(_) => Some(frequency(c, &name)?),
            });
        }
        let snp = PanelSnp {
            line,
            marker: marker.to_owned(),
            chrom: chrom.to_owned(),
            pos_bp,
            cm,
            cm_female,
            cm_male,
            reference,
            alt,
            freq_alt,
            population_freqs,
        };
        if let Some(&prev) = last_on.get(chrom) {
            check_order(&snps[prev], &snp)?;
        }
        last_on.insert(chrom.to_owned(), snps.len());
        snps.push(snp);
    }
    Ok(SnpPanel { populations, snps })
}

/// The SNPs of one chromosome in map order, as the linked chain takes them.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelChromosome {
    /// The chromosome's name without a `chr` prefix.
    pub name: String,
    pub markers: Vec<LinkedMarker>,
    /// Each marker's index in [`SnpPanel::snps`].
    pub snps: Vec<usize>,
}

impl SnpPanel {
    /// The panel's SNPs grouped by chromosome (in order of first appearance, `chr5` = `5`), each
    /// with the ALT frequency of `population` (`None`: `freq_alt`) and its genetic position in
    /// each sex (the sex-averaged `cm` in both unless `sex_specific` and the panel has both
    /// columns). Errors name the line and the column: a frequency missing, or of 0 or 1 (a
    /// monomorphic SNP carries no information), and SNPs on X, Y or the mitochondrion.
    pub fn linked_chromosomes(
        &self,
        population: Option<&str>,
        sex_specific: bool,
    ) -> Result<Vec<PanelChromosome>, PanelError> {
        let column = population.map_or("freq_alt".to_owned(), |p| format!("freq_alt:{p}"));
        let mut chromosomes: Vec<PanelChromosome> = Vec::new();
        for (i, snp) in self.snps.iter().enumerate() {
            let freq = self
                .frequency(snp, population)
                .map_err(|why| PanelError::new(1, column.as_str(), why))?;
            let freq = match freq {
                Some(f) if f > 0.0 && f < 1.0 => f,
                Some(f) => {
                    return Err(PanelError::new(
                        snp.line,
                        column.as_str(),
                        format!(
                            "frequency {f} of '{}' must lie strictly between 0 and 1 (a monomorphic SNP carries no information; remove it)",
                            snp.marker
                        ),
                    ))
                }
                None => {
                    return Err(PanelError::new(
                        snp.line,
                        column.as_str(),
                        format!("no frequency for '{}'", snp.marker),
                    ))
                }
            };
            if let Some(what) = non_autosomal(&snp.chrom) {
                return Err(PanelError::new(
                    snp.line,
                    "chrom",
                    format!(
                        "chromosome '{}' is {what}; only autosomal SNPs are supported",
                        snp.chrom
                    ),
                ));
            }
            let name = normalise_chrom(&snp.chrom);
            let c = match chromosomes.iter().position(|c| c.name == name) {
                Some(c) => c,
                None => {
                    chromosomes.push(PanelChromosome {
                        name: name.to_owned(),
                        markers: Vec::new(),
                        snps: Vec::new(),
                    });
                    chromosomes.len() - 1
                }
            };
            let (cm_female, cm_male) = match (sex_specific, snp.cm_female, snp.cm_male) {
                (true, Some(f), Some(m)) => (f, m),
                _ => (snp.cm, snp.cm),
            };
            chromosomes[c].markers.push(LinkedMarker {
                name: snp.marker.clone(),
                freq_alt: freq,
                cm_female,
                cm_male,
            });
            chromosomes[c].snps.push(i);
        }
        Ok(chromosomes)
    }
}

/// `chr5` and `5` name the same chromosome.
pub fn normalise_chrom(chrom: &str) -> &str {
    chrom
        .strip_prefix("chr")
        .or_else(|| chrom.strip_prefix("CHR"))
        .or_else(|| chrom.strip_prefix("Chr"))
        .unwrap_or(chrom)
}

fn non_autosomal(chrom: &str) -> Option<&'static str> {
    match normalise_chrom(chrom).to_ascii_uppercase().as_str() {
        "X" | "23" => Some("the X chromosome"),
        "Y" | "24" => Some("the Y chromosome"),
        "M" | "MT" | "25" | "26" => Some("mitochondrial"),
        _ => None,
    }
}

/// Positions along one chromosome: physical strictly increasing, genetic not decreasing.
fn check_order(prev: &PanelSnp, snp: &PanelSnp) -> Result<(), PanelError> {
    if snp.pos_bp <= prev.pos_bp {
        return Err(PanelError::new(
            snp.line,
            "pos_bp",
            format!(
                "position {} on chromosome {} is not after {} of '{}' (line {}); sort the panel by chromosome and position",
                snp.pos_bp, snp.chrom, prev.pos_bp, prev.marker, prev.line
            ),
        ));
    }
    for (name, a, b) in [
        ("cm", Some(prev.cm), Some(snp.cm)),
        ("cm_female", prev.cm_female, snp.cm_female),
        ("cm_male", prev.cm_male, snp.cm_male),
    ] {
        if let (Some(a), Some(b)) = (a, b) {
            if b < a {
                return Err(PanelError::new(
                    snp.line,
                    name,
                    format!(
                        "genetic position {b} cM is before {a} cM of '{}' (line {}), the SNP before it on chromosome {}",
                        prev.marker, prev.line, snp.chrom
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PANEL: &str = "marker\tchrom\tpos_bp\tcm\tref\talt\tfreq_alt\tnote\tfreq_alt:EAS\n\
                         rs1\t1\t100\t0.5\tA\tG\t0.25\tx\t0.3\n\
                         rs2\t1\t200\t0.7\tc\tt\t0.5\ty\tNA\n\
                         rs3\t2\t50\t1.0\tG\tT\t0.1\t\t0.2\n";

    #[test]
    fn reads_columns_populations_and_ignores_extra_columns() {
        let p = read_snp_panel(PANEL).unwrap();
        assert_eq!(p.populations, vec!["EAS"]);
        assert_eq!(p.snps.len(), 3);
        assert_eq!(p.snps[1].reference, "C");
        assert_eq!(p.snps[1].population_freqs, vec![None]);
        assert_eq!(p.snps[2].line, 4);
        assert_eq!(p.frequency(&p.snps[0], Some("EAS")), Ok(Some(0.3)));
        assert!(p.frequency(&p.snps[0], Some("AFR")).is_err());
        assert!(!p.has_sex_specific_map());
    }

    #[test]
    fn errors_name_line_and_column() {
        // What is changed in PANEL, and the line and column the error names.
        let cases = [
            ("200\t0.7", "90\t0.7", 3, "pos_bp"),
            ("200\t0.7", "200\t0.1", 3, "cm"),
            ("0.25", "1.5", 2, "freq_alt"),
            ("\tcm\t", "\tcentimorgan\t", 1, "cm"),
            ("rs2", "rs1", 3, "marker"),
            ("\t0.2\n", "\tx\n", 4, "freq_alt:EAS"),
        ];
        for (from, to, line, column) in cases {
            let e = read_snp_panel(&PANEL.replace(from, to)).unwrap_err();
            assert_eq!((e.line, e.column.as_str()), (line, column), "{from:?} → {to:?}: {e}");
        }
    }

    #[test]
    fn reads_the_bundled_force_panel() {
        let text = include_str!("../../homeward/data/snp/force-autosomal.tsv");
        let p = read_snp_panel(text).unwrap();
        assert_eq!(p.snps.len(), 3930);
        assert!(p.has_sex_specific_map());
    }
}
