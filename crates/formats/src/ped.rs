//! The pedtools "ped" table: one row per person with parents, sex and a genotype per marker.
//!
//! ```text
//! id  fid  mid  sex  D3S1358  Penta E
//! AF  0    0    1    14/15    -/-
//! CH  AF   MO   2    15/16    12/12
//! ```
//!
//! Fields are separated by tabs, so marker names may contain spaces (`Penta E`); only when the header
//! holds no tab at all is every line split on runs of whitespace instead. A leading `famid` column
//! (also `fam` or `family`) is recognised from the header. Blank lines and lines starting with `#` are
//! skipped. Duplicate ids and unknown parents are left to `kinship::Pedigree`, which is why every row
//! keeps its line number.

use std::collections::HashSet;
use std::fmt;

use kinship::Sex;

use crate::text::{content_lines, is_na, Delimiter};

/// A parsed ped file: marker names in header order and the rows in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PedFile {
    pub markers: Vec<String>,
    pub rows: Vec<PedRow>,
}

/// One person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PedRow {
    /// 1-based line number in the file.
    pub line: usize,
    /// Some when the file has a leading famid column and the cell is not empty.
    pub famid: Option<String>,
    pub id: String,
    /// None for `0` (or an empty cell).
    pub father: Option<String>,
    pub mother: Option<String>,
    pub sex: Sex,
    /// One per marker, in header order.
    pub genotypes: Vec<RawGenotype>,
}

/// A genotype cell as written, before alleles are matched to a marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawGenotype {
    /// `-/-`, `-`, `0/0`, `0`, `NA` or an empty cell.
    Missing,
    /// `14/15`, `14/14`; the alleles in the order written.
    Pair(String, String),
    /// `14/-` or `-/14`: one allele known, the other not.
    OneAndMissing(String),
    /// A lone `12`: a hemizygous male at an X marker, or a single allele seen with possible dropout.
    Single(String),
}

impl fmt::Display for RawGenotype {
    /// The form [`write_ped`] writes: `-/-`, `a/b`, `a/-` or `a`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RawGenotype::Missing => f.write_str("-/-"),
            RawGenotype::Pair(a, b) => write!(f, "{a}/{b}"),
            RawGenotype::OneAndMissing(a) => write!(f, "{a}/-"),
            RawGenotype::Single(a) => f.write_str(a),
        }
    }
}

/// Why a ped file cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, field '{field}': {message}")]
pub struct PedError {
    pub line: usize,
    pub field: String,
    pub message: String,
}

impl PedError {
    fn new(line: usize, field: impl Into<String>, message: impl Into<String>) -> Self {
        PedError {
            line,
            field: field.into(),
            message: message.into(),
        }
    }
}

const FAMID_NAMES: &[&str] = &["famid", "fam", "family"];
const ID_NAMES: &[&str] = &["id", "iid", "ind", "indiv", "individual", "name", "person"];
const FID_NAMES: &[&str] = &["fid", "father", "fa", "dad", "pid", "paternal"];
const MID_NAMES: &[&str] = &["mid", "mother", "mo", "mom", "mum", "maternal"];
const SEX_NAMES: &[&str] = &["sex", "gender"];

fn is_one_of(field: &str, names: &[&str]) -> bool {
    names.iter().any(|n| field.eq_ignore_ascii_case(n))
}

/// Reads a ped table.
pub fn read_ped(text: &str) -> Result<PedFile, PedError> {
    let mut lines = content_lines(text);
    let (header_line, header) = lines.next().ok_or_else(|| {
        PedError::new(
            1,
            "header",
            "the file is empty; expected a header line 'id fid mid sex <markers>'",
        )
    })?;

    let delim = Delimiter::of_header(header);
    let head = delim.fields(header);
    let has_famid = head.first().is_some_and(|f| is_one_of(f, FAMID_NAMES));
    let fixed = if has_famid { 5 } else { 4 };
    let expected_fixed = if has_famid {
        "famid, id, fid, mid, sex"
    } else {
        "id, fid, mid, sex"
    };
    if head.len() < fixed {
        return Err(PedError::new(
            header_line,
            "header",
            format!(
                "expected the columns {expected_fixed} and then the markers, found {} column(s)",
                head.len()
            ),
        ));
    }
    let o = fixed - 4;
    for (i, (names, what)) in [
        (ID_NAMES, "id"),
        (FID_NAMES, "fid"),
        (MID_NAMES, "mid"),
        (SEX_NAMES, "sex"),
    ]
    .into_iter()
    .enumerate()
    {
        if !is_one_of(head[o + i], names) {
            return Err(PedError::new(
                header_line,
                "header",
                format!(
                    "column {} is '{}', expected '{what}' (the header must start with {expected_fixed})",
                    o + i + 1,
                    head[o + i]
                ),
            ));
        }
    }

    let mut markers = Vec::with_capacity(head.len() - fixed);
    let mut seen = HashSet::new();
    for (col, name) in head.iter().enumerate().skip(fixed) {
        if name.is_empty() {
            return Err(PedError::new(
                header_line,
                "header",
                format!("column {} has no marker name", col + 1),
            ));
        }
        if !seen.insert(*name) {
            return Err(PedError::new(
                header_line,
                *name,
                "marker name appears twice in the header",
            ));
        }
        markers.push(name.to_string());
    }

    let ncol = fixed + markers.len();
    let mut rows = Vec::new();
    for (line, text) in lines {
        let mut fields = delim.split(text);
        if fields.len() > ncol && fields[ncol..].iter().all(|f| f.is_empty()) {
            fields.truncate(ncol);
        }
        if fields.len() != ncol {
            return Err(PedError::new(
                line,
                "columns",
                format!("expected {ncol} columns as in the header, found {}", fields.len()),
            ));
        }
        let famid = if has_famid && !fields[0].is_empty() {
            Some(fields[0].to_string())
        } else {
            None
        };
        let id = fields[o];
        if id.is_empty() || id == "0" {
            return Err(PedError::new(line, "id", format!("'{id}' is not a valid id")));
        }
        let parent = |s: &str| (!s.is_empty() && s != "0").then(|| s.to_string());
        let sex = match fields[o + 3] {
            "1" => Sex::Male,
            "2" => Sex::Female,
            "0" => Sex::Unknown,
            other => {
                return Err(PedError::new(
                    line,
                    "sex",
                    format!("'{other}' is not a sex; use 1 (male), 2 (female) or 0 (unknown)"),
                ))
            }
        };
        let genotypes = fields[fixed..]
            .iter()
            .zip(&markers)
            .map(|(cell, marker)| parse_genotype(cell).map_err(|m| PedError::new(line, marker.as_str(), m)))
            .collect::<Result<Vec<_>, _>>()?;
        rows.push(PedRow {
            line,
            famid,
            id: id.to_string(),
            father: parent(fields[o + 1]),
            mother: parent(fields[o + 2]),
            sex,
            genotypes,
        });
    }
    Ok(PedFile { markers, rows })
}

/// An allele written as unknown: `-`, `0` or `NA`.
fn is_missing_allele(s: &str) -> bool {
    s == "-" || s == "0" || is_na(s)
}

/// Parses one genotype cell (already trimmed).
fn parse_genotype(cell: &str) -> Result<RawGenotype, String> {
    if cell.is_empty() || is_missing_allele(cell) {
        return Ok(RawGenotype::Missing);
    }
    if cell.chars().any(char::is_whitespace) {
        return Err(format!("genotype '{cell}' contains white space; write alleles as a/b"));
    }
    let parts: Vec<&str> = cell.split('/').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(format!(
            "genotype '{cell}' has an empty allele; write '-' for an unknown allele"
        ));
    }
    match parts[..] {
        [single] => Ok(RawGenotype::Single(single.to_string())),
        [a, b] => Ok(match (is_missing_allele(a), is_missing_allele(b)) {
            (true, true) => RawGenotype::Missing,
            (false, true) => RawGenotype::OneAndMissing(a.to_string()),
            (true, false) => RawGenotype::OneAndMissing(b.to_string()),
            (false, false) => RawGenotype::Pair(a.to_string(), b.to_string()),
        }),
        _ => Err(format!("genotype '{cell}' has more than two alleles; expected a/b")),
    }
}

/// Writes a ped table, tab-separated, in the form [`read_ped`] reads. A famid column is written
/// when any row has a famid. Missing genotypes are written `-/-` and missing parents `0`.
pub fn write_ped(ped: &PedFile) -> String {
    let has_famid = ped.rows.iter().any(|r| r.famid.is_some());
    let mut out = String::new();
    let mut header: Vec<&str> = Vec::with_capacity(ped.markers.len() + 5);
    if has_famid {
        header.push("famid");
    }
    header.extend(["id", "fid", "mid", "sex"]);
    header.extend(ped.markers.iter().map(String::as_str));
    out.push_str(&header.join("\t"));
    out.push('\n');
    for row in &ped.rows {
        let mut fields: Vec<String> = Vec::with_capacity(row.genotypes.len() + 5);
        if has_famid {
            fields.push(row.famid.clone().unwrap_or_default());
        }
        fields.push(row.id.clone());
        fields.push(row.father.clone().unwrap_or_else(|| "0".to_string()));
        fields.push(row.mother.clone().unwrap_or_else(|| "0".to_string()));
        fields.push(
            match row.sex {
                Sex::Male => "1",
                Sex::Female => "2",
                Sex::Unknown => "0",
            }
            .to_string(),
        );
        fields.extend(row.genotypes.iter().map(RawGenotype::to_string));
        out.push_str(&fields.join("\t"));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(a: &str, b: &str) -> RawGenotype {
        RawGenotype::Pair(a.to_string(), b.to_string())
    }

    fn err(text: &str) -> PedError {
        read_ped(text).expect_err("should fail")
    }

    /// Reading `text` fails at `line`, in `field`.
    fn assert_err(text: &str, line: usize, field: &str) {
        let e = err(text);
        assert_eq!((e.line, e.field.as_str()), (line, field), "{text:?}: {e}");
    }

    #[test]
    fn reads_tab_separated_trio_with_space_in_marker_name() {
        let text = "id\tfid\tmid\tsex\tD3S1358\tPenta E\r\nAF\t0\t0\t1\t14/15\t-/-\r\nMO\t0\t0\t2\t15/15\t9.3/X\r\n\
                    CH\tAF\tMO\t0\t14/-\t12\r\n";
        let ped = read_ped(text).unwrap();
        assert_eq!(ped.markers, ["D3S1358", "Penta E"]);
        assert_eq!(ped.rows.len(), 3);
        let ch = &ped.rows[2];
        assert_eq!(ch.line, 4);
        assert_eq!(ch.famid, None);
        assert_eq!(ch.id, "CH");
        assert_eq!(ch.father.as_deref(), Some("AF"));
        assert_eq!(ch.mother.as_deref(), Some("MO"));
        assert_eq!(ch.sex, Sex::Unknown);
        assert_eq!(
            ch.genotypes,
            [
                RawGenotype::OneAndMissing("14".into()),
                RawGenotype::Single("12".into())
            ]
        );
        assert_eq!(ped.rows[0].father, None);
        assert_eq!(ped.rows[0].sex, Sex::Male);
        assert_eq!(ped.rows[0].genotypes, [pair("14", "15"), RawGenotype::Missing]);
        assert_eq!(ped.rows[1].sex, Sex::Female);
        assert_eq!(ped.rows[1].genotypes[1], pair("9.3", "X"));
    }

    #[test]
    fn missing_genotype_spellings() {
        for cell in ["-/-", "-", "0/0", "NA", "", "0", "NA/NA", "-/0"] {
            assert_eq!(parse_genotype(cell), Ok(RawGenotype::Missing), "{cell:?}");
        }
        assert_eq!(parse_genotype("-/14"), Ok(RawGenotype::OneAndMissing("14".into())));
        assert_eq!(parse_genotype("24.2/-"), Ok(RawGenotype::OneAndMissing("24.2".into())));
        assert_eq!(parse_genotype("14/14"), Ok(pair("14", "14")));
        assert_eq!(parse_genotype("15/14"), Ok(pair("15", "14")));
    }

    #[test]
    fn empty_cell_in_tab_file_is_missing() {
        let ped = read_ped("id\tfid\tmid\tsex\tM1\tM2\nA\t0\t0\t1\t\t10/11\n").unwrap();
        assert_eq!(ped.rows[0].genotypes, [RawGenotype::Missing, pair("10", "11")]);
    }

    #[test]
    fn whitespace_separated_when_header_has_no_tab() {
        let text = "id fid mid sex M1 M2\n# a comment\n\nA   0 0 1  10/11 -/-\nB\tA 0  2 10/10 11\n";
        let ped = read_ped(text).unwrap();
        assert_eq!(ped.markers, ["M1", "M2"]);
        assert_eq!(ped.rows[0].line, 4);
        assert_eq!(ped.rows[1].line, 5);
        assert_eq!(ped.rows[1].father.as_deref(), Some("A"));
        assert_eq!(
            ped.rows[1].genotypes,
            [pair("10", "10"), RawGenotype::Single("11".into())]
        );
    }

    #[test]
    fn famid_column() {
        for name in ["famid", "FAMID", "fam", "Family"] {
            let text = format!("{name}\tid\tfid\tmid\tsex\tM1\nF1\tA\t0\t0\t1\t7/8\n\tB\t0\t0\t2\t-/-\n");
            let ped = read_ped(&text).unwrap();
            assert_eq!(ped.markers, ["M1"]);
            assert_eq!(ped.rows[0].famid.as_deref(), Some("F1"));
            assert_eq!(ped.rows[0].id, "A");
            assert_eq!(ped.rows[0].genotypes, [pair("7", "8")]);
            assert_eq!(ped.rows[1].famid, None);
        }
    }

    #[test]
    fn no_markers_is_fine() {
        let ped = read_ped("id\tfid\tmid\tsex\nA\t0\t0\t1\n").unwrap();
        assert!(ped.markers.is_empty());
        assert_eq!(ped.rows[0].genotypes, []);
    }

    #[test]
    fn trailing_empty_cells_are_ignored() {
        let ped = read_ped("id\tfid\tmid\tsex\tM1\t\nA\t0\t0\t1\t7/8\t\t\n").unwrap();
        assert_eq!(ped.markers, ["M1"]);
        assert_eq!(ped.rows[0].genotypes, [pair("7", "8")]);
    }

    #[test]
    fn duplicate_ids_and_unknown_parents_are_left_to_kinship() {
        let ped = read_ped("id\tfid\tmid\tsex\nA\tX\tY\t1\nA\t0\t0\t1\n").unwrap();
        assert_eq!(ped.rows.len(), 2);
        assert_eq!(ped.rows[1].line, 3);
    }

    #[test]
    fn bad_sex_names_sex_field() {
        let e = err("id\tfid\tmid\tsex\tM1\nA\t0\t0\t1\t7/8\nB\t0\t0\tM\t7/8\n");
        assert_eq!((e.line, e.field.as_str()), (3, "sex"));
        assert!(e.message.contains("'M'"), "{e}");
        assert_eq!(e.to_string(), format!("line 3, field 'sex': {}", e.message));
    }

    #[test]
    fn malformed_genotypes_name_the_marker() {
        for cell in ["14/15/16", "14//", "14/", "/14", "14 /15", "1 4"] {
            let text = format!("id\tfid\tmid\tsex\tM1\tPenta E\nA\t0\t0\t1\t7/8\t{cell}\n");
            let e = err(&text);
            assert_eq!((e.line, e.field.as_str()), (2, "Penta E"), "{cell:?}: {e}");
        }
    }

    #[test]
    fn wrong_column_count() {
        let e = err("id\tfid\tmid\tsex\tM1\tM2\nA\t0\t0\t1\t7/8\n");
        assert_eq!((e.line, e.field.as_str()), (2, "columns"));
        assert!(e.message.contains("expected 6") && e.message.contains("found 5"), "{e}");
        assert_err("id\tfid\tmid\tsex\tM1\nA\t0\t0\t1\t7/8\t9/9\n", 2, "columns");
    }

    #[test]
    fn duplicate_marker_in_header() {
        assert_err("\n# comment\nid\tfid\tmid\tsex\tM1\tM2\tM1\n", 3, "M1");
    }

    #[test]
    fn empty_file_or_missing_header() {
        for text in ["", "\n\n", "# only a comment\n"] {
            let e = err(text);
            assert_eq!((e.line, e.field.as_str()), (1, "header"), "{text:?}");
        }
        assert_err("A\t0\t0\t1\t10/11\n", 1, "header");
        assert_err("id\tfid\tmid\n", 1, "header");
    }

    #[test]
    fn bad_ids() {
        assert_err("id\tfid\tmid\tsex\n0\t0\t0\t1\n", 2, "id");
        assert_err("id\tfid\tmid\tsex\n\tA\tB\t1\n", 2, "id");
    }

    #[test]
    fn round_trip() {
        let text = "famid\tid\tfid\tmid\tsex\tD3S1358\tPenta E\tDXS10135\n\
                    F\tAF\t0\t0\t1\t14/15\t-/-\t18\n\
                    \tMO\t0\t0\t2\t15/15\t9.3/X\t18/-\n\
                    F\tCH\tAF\tMO\t0\t14/-\t5/24.2\t-\n";
        let ped = read_ped(text).unwrap();
        let written = write_ped(&ped);
        assert_eq!(read_ped(&written).unwrap(), ped);
        assert_eq!(written, text.replace("\t-\n", "\t-/-\n"));

        let plain = read_ped("id fid mid sex M1\nA 0 0 1 7/8\nB 0 0 0 -\n").unwrap();
        let written = write_ped(&plain);
        assert_eq!(written, "id\tfid\tmid\tsex\tM1\nA\t0\t0\t1\t7/8\nB\t0\t0\t0\t-/-\n");
        assert_eq!(read_ped(&written).unwrap(), plain);
    }
}
