//! GeneMapper / GeneMarker allele tables, as the sequencers' software exports them: one row per
//! sample and marker, columns `Sample Name`, `Marker`, `Allele 1` … `Allele n`, and often others
//! (`Sample File`, `Panel`, `Dye`, `Size 1`, `Height 1`, …), which are ignored. Tab-separated as
//! exported; comma-separated files are read too.
//!
//! The amelogenin row (marker `AMEL`, `Amelogenin`, `AM` or `AMELOGENIN`) gives the sex the
//! profile shows, to be checked against the sex recorded for the sample or donor
//! ([`GeneMapperProfile::check_sex`]).

use std::collections::BTreeMap;

use crate::table::records;
use crate::text::numbered_lines;

/// Why an allele table cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column '{column}': {message}")]
pub struct GeneMapperError {
    pub line: usize,
    pub column: String,
    pub message: String,
}

fn err(line: usize, column: &str, message: impl Into<String>) -> GeneMapperError {
    GeneMapperError {
        line,
        column: column.to_owned(),
        message: message.into(),
    }
}

/// The sex an amelogenin result shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmelogeninSex {
    /// X only.
    Female,
    /// X and Y.
    Male,
    /// Y only, or nothing readable: dropout or a problem, not a sex.
    Unclear,
}

/// One sample's alleles, marker by marker (amelogenin kept apart).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GeneMapperProfile {
    pub sample: String,
    /// The line of the sample's first row.
    pub line: usize,
    /// Alleles as called, in the order of the columns; off-ladder calls (`OL`) kept as written.
    pub markers: BTreeMap<String, Vec<String>>,
    /// The amelogenin alleles (`X`, `Y`), if the table has them.
    pub amelogenin: Option<Vec<String>>,
    /// The line of each marker's row, and of the amelogenin row.
    pub marker_lines: BTreeMap<String, usize>,
    pub amelogenin_line: Option<usize>,
}

impl GeneMapperProfile {
    /// The sex amelogenin shows, if typed.
    pub fn amelogenin_sex(&self) -> Option<AmelogeninSex> {
        let a = self.amelogenin.as_ref()?;
        let has = |x: &str| a.iter().any(|v| v.eq_ignore_ascii_case(x));
        Some(match (has("X"), has("Y")) {
            (true, true) => AmelogeninSex::Male,
            (true, false) => AmelogeninSex::Female,
            _ => AmelogeninSex::Unclear,
        })
    }

    /// Compares amelogenin with the recorded sex (`male` / `female`); an error says what disagrees.
    /// A male with only X may be a Y deletion, so that is reported too, for the analyst to judge.
    pub fn check_sex(&self, recorded_male: bool) -> Result<(), String> {
        match (self.amelogenin_sex(), recorded_male) {
            (None, _) | (Some(AmelogeninSex::Male), true) | (Some(AmelogeninSex::Female), false) => Ok(()),
            (Some(AmelogeninSex::Male), false) => Err(format!(
                "sample '{}': amelogenin shows X and Y, but the sex recorded is female",
                self.sample
            )),
            (Some(AmelogeninSex::Female), true) => Err(format!(
                "sample '{}': amelogenin shows X only, but the sex recorded is male (or an AMELY deletion)",
                self.sample
            )),
            (Some(AmelogeninSex::Unclear), _) => Err(format!(
                "sample '{}': amelogenin result is unclear ({:?})",
                self.sample, self.amelogenin
            )),
        }
    }
}

fn is_amelogenin(marker: &str) -> bool {
    ["amel", "amelogenin", "am"].contains(&marker.to_ascii_lowercase().as_str())
}

/// Reads an allele table into one profile per sample, in order of first appearance. Fields are split
/// by formats' one quote-aware reader ([`crate::table`]), so a quoted sample name may hold the
/// delimiter (`"Smith, J"`).
pub fn read_genemapper(text: &str) -> Result<Vec<GeneMapperProfile>, GeneMapperError> {
    let (_, first) = numbered_lines(text)
        .find(|(_, l)| !l.trim().is_empty())
        .ok_or_else(|| err(1, "header", "the file is empty"))?;
    let delimiter = if first.contains('\t') { b'\t' } else { b',' };
    let mut records = records(text, 1, delimiter).map(|r| r.map_err(|e| err(e.line, "columns", e.message)));
    let header = records.next().ok_or_else(|| err(1, "header", "the file is empty"))??;
    let header_line = header.line;
    let names = header.fields();
    let find = |wanted: &str| names.iter().position(|n| n.eq_ignore_ascii_case(wanted));
    let sample_col = find("Sample Name").ok_or_else(|| err(header_line, "Sample Name", "required column missing"))?;
    let marker_col = find("Marker").ok_or_else(|| err(header_line, "Marker", "required column missing"))?;
    // Allele columns in numeric order: "Allele 1", "Allele 2", …
    let mut allele_cols: Vec<(u32, usize)> = names
        .iter()
        .enumerate()
        .filter_map(|(i, n)| {
            let rest = n.strip_prefix("Allele ").or_else(|| n.strip_prefix("allele "))?;
            rest.trim().parse::<u32>().ok().map(|k| (k, i))
        })
        .collect();
    allele_cols.sort_unstable();
    if allele_cols.is_empty() {
        return Err(err(
            header_line,
            "Allele 1",
            "no allele columns (Allele 1, Allele 2, …)",
        ));
    }
    let mut profiles: Vec<GeneMapperProfile> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for record in records {
        let record = record?;
        let line = record.line;
        let get = |i: usize| record.fields.get(i).map_or("", String::as_str);
        let sample = get(sample_col);
        if sample.is_empty() {
            return Err(err(line, "Sample Name", "is empty"));
        }
        let marker = get(marker_col);
        if marker.is_empty() {
            return Err(err(line, "Marker", "is empty"));
        }
        let mut alleles = Vec::new();
        for &(k, col) in &allele_cols {
            let a = get(col);
            if a.is_empty() {
                continue;
            }
            let ok = a.len() <= 20
                && a.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'<' | b'>'));
            if !ok {
                return Err(err(
                    line,
                    &format!("Allele {k}"),
                    format!("'{a}' is not an allele call"),
                ));
            }
            alleles.push(a.to_owned());
        }
        let p = *index.entry(sample.to_owned()).or_insert_with(|| {
            profiles.push(GeneMapperProfile {
                sample: sample.to_owned(),
                line,
                ..Default::default()
            });
            profiles.len() - 1
        });
        let profile = &mut profiles[p];
        if is_amelogenin(marker) {
            if profile.amelogenin.is_some() {
                return Err(err(
                    line,
                    "Marker",
                    format!("sample '{sample}' has two amelogenin rows"),
                ));
            }
            profile.amelogenin = Some(alleles);
            profile.amelogenin_line = Some(line);
        } else if profile.markers.insert(marker.to_owned(), alleles).is_some() {
            return Err(err(
                line,
                "Marker",
                format!("sample '{sample}' has marker '{marker}' twice"),
            ));
        } else {
            profile.marker_lines.insert(marker.to_owned(), line);
        }
    }
    Ok(profiles)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "Sample File\tSample Name\tPanel\tMarker\tDye\tAllele 1\tAllele 2\tAllele 3\tSize 1\tHeight 1
a.fsa\tV-001\tGF\tD3S1358\tB\t15\t16\t\t120.1\t1800
a.fsa\tV-001\tGF\tAMEL\tB\tX\tY\t\t100.2\t2100
a.fsa\tV-001\tGF\tTH01\tB\t9.3\t\t\t180.0\t900
b.fsa\tR-002\tGF\tD3S1358\tB\t14\tOL\t\t119.0\t700
b.fsa\tR-002\tGF\tAmelogenin\tB\tX\t\t\t100.1\t1500
";

    #[test]
    fn reads_samples_markers_and_amelogenin() {
        let p = read_genemapper(TABLE).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].sample, "V-001");
        assert_eq!(p[0].markers["D3S1358"], vec!["15", "16"]);
        assert_eq!(p[0].markers["TH01"], vec!["9.3"], "a homozygote or dropout: one call");
        assert_eq!(p[0].amelogenin_sex(), Some(AmelogeninSex::Male));
        assert_eq!(p[1].markers["D3S1358"], vec!["14", "OL"], "off-ladder calls are kept");
        assert_eq!(p[1].amelogenin_sex(), Some(AmelogeninSex::Female));
        assert_eq!((p[0].marker_lines["TH01"], p[0].amelogenin_line), (4, Some(3)));
        assert!(p[0].check_sex(true).is_ok());
        assert!(p[0].check_sex(false).unwrap_err().contains("X and Y"));
        assert!(p[1].check_sex(true).unwrap_err().contains("X only"));
    }

    #[test]
    fn comma_separated_exports_read_the_same() {
        let csv = TABLE.replace('\t', ",");
        assert_eq!(read_genemapper(&csv).unwrap(), read_genemapper(TABLE).unwrap());
    }

    /// Spreadsheets quote a value that holds the delimiter; the name stays whole and the columns
    /// after it stay in place.
    #[test]
    fn a_quoted_sample_name_keeps_its_comma() {
        let csv = "Sample Name,Marker,Allele 1,Allele 2\n\"Smith, J\",D3S1358,15,16\n\"Smith, J\",TH01,\"9.3\",\n";
        let p = read_genemapper(csv).unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].sample, "Smith, J");
        assert_eq!(p[0].markers["D3S1358"], vec!["15", "16"]);
        assert_eq!(
            (p[0].markers["TH01"].clone(), p[0].marker_lines["TH01"]),
            (vec!["9.3".to_owned()], 3)
        );
        let bad = csv.replace("\"9.3\"", "\"9 3\"");
        let e = read_genemapper(&bad).unwrap_err();
        assert_eq!(e.to_string(), "line 3, column 'Allele 1': '9 3' is not an allele call");
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = read_genemapper("Sample\tMarker\tAllele 1\n").unwrap_err();
        assert_eq!((e.line, e.column.as_str()), (1, "Sample Name"));
        let e = read_genemapper("Sample Name\tMarker\n").unwrap_err();
        assert_eq!(e.column, "Allele 1");
        let bad = TABLE.replace("\t9.3\t", "\t9 3\t");
        let e = read_genemapper(&bad).unwrap_err();
        assert_eq!((e.line, e.column.as_str()), (4, "Allele 1"));
        let twice = format!("{TABLE}c.fsa\tV-001\tGF\tTH01\tB\t9\t\t\t1\t1\n");
        let e = read_genemapper(&twice).unwrap_err();
        assert_eq!((e.line, e.column.as_str()), (7, "Marker"));
        let e = read_genemapper("").unwrap_err();
        assert_eq!(e.line, 1);
    }
}
