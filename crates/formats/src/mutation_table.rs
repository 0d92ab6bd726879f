//! Per-marker mutation models: a tab-separated table with the header
//!
//! ```text
//! marker  model  rate_female  rate_male  rate2  range
//! D3S1358 stepwise  0.001  0.004  0.00001  0.5
//! TH01    equal     0.0005 0.002
//! SYN1    trivial
//! ```
//!
//! Models (case-insensitive): `trivial` (or `none`), `equal`, `proportional`, `stepwise`, `onestep`.
//! `rate2` and `range` are used by `stepwise` only and default to 0 and 0.5; empty cells and `NA` mean
//! "not given", and trailing empty cells may be left out. The `rate2` and `range` columns may also be
//! left out of the header. Lines split on tabs, or on white space when the header has no tab. Blank
//! lines and lines starting with `#` are skipped.

use std::collections::HashSet;

use kinship::MutationModel;

use crate::freqs::FreqError;
use crate::text::{content_lines, is_na, Delimiter};

/// The error of [`read_mutation_table`]: the same shape as a frequency-file error.
pub type MutationTableError = FreqError;

/// The mutation models of one marker, for mothers and for fathers.
#[derive(Debug, Clone, PartialEq)]
pub struct MutationRow {
    /// 1-based line number in the file.
    pub line: usize,
    pub marker: String,
    pub female: MutationModel,
    pub male: MutationModel,
}

const COLUMNS: [&str; 6] = ["marker", "model", "rate_female", "rate_male", "rate2", "range"];

/// Default `rate2` of the stepwise model.
pub const DEFAULT_RATE2: f64 = 0.0;
/// Default `range` of the stepwise model.
pub const DEFAULT_RANGE: f64 = 0.5;

/// Reads a mutation table. Rows come back in file order; a marker may appear only once.
pub fn read_mutation_table(text: &str) -> Result<Vec<MutationRow>, MutationTableError> {
    let mut lines = content_lines(text);
    let expected_header = COLUMNS.join("\t");
    let (header_line, header) = lines.next().ok_or_else(|| {
        FreqError::new(
            1,
            "header",
            format!("the file is empty; expected the header {expected_header}"),
        )
    })?;
    let delim = Delimiter::of_header(header);
    let head = delim.fields(header);
    let header_ok = (4..=COLUMNS.len()).contains(&head.len())
        && head
            .iter()
            .zip(COLUMNS)
            .all(|(h, c)| h.eq_ignore_ascii_case(c) || (c == "marker" && h.eq_ignore_ascii_case("locus")));
    if !header_ok {
        return Err(FreqError::new(
            header_line,
            "header",
            format!("expected the header {expected_header}, found '{}'", head.join("\t")),
        ));
    }
    let ncol = head.len();

    let mut rows = Vec::new();
    let mut seen = HashSet::new();
    for (line, text) in lines {
        let mut fields = delim.fields(text);
        if fields.len() < 2 || fields.len() > ncol {
            return Err(FreqError::new(
                line,
                "columns",
                format!(
                    "expected 2 to {ncol} columns ({}), found {}",
                    COLUMNS[..ncol].join(", "),
                    fields.len()
                ),
            ));
        }
        fields.resize(COLUMNS.len(), "");
        let marker = fields[0];
        if marker.is_empty() {
            return Err(FreqError::new(line, "marker", "empty marker name"));
        }
        if !seen.insert(marker) {
            return Err(FreqError::new(
                line,
                "marker",
                format!("marker '{marker}' appears twice"),
            ));
        }
        let rate = |col: usize| optional_number(fields[col], line, COLUMNS[col]);
        let (rate_female, rate_male, rate2, range) = (rate(2)?, rate(3)?, rate(4)?, rate(5)?);
        let model_name = fields[1].to_ascii_lowercase();
        let needs_rates = |model: &str| -> Result<(f64, f64), FreqError> {
            let missing = |col: usize| {
                FreqError::new(
                    line,
                    COLUMNS[col],
                    format!("the {model} model needs a {}", COLUMNS[col]),
                )
            };
            Ok((
                rate_female.ok_or_else(|| missing(2))?,
                rate_male.ok_or_else(|| missing(3))?,
            ))
        };
        let (female, male) = match model_name.as_str() {
            "trivial" | "none" => (MutationModel::Trivial, MutationModel::Trivial),
            "equal" => {
                let (f, m) = needs_rates("equal")?;
                (MutationModel::Equal { rate: f }, MutationModel::Equal { rate: m })
            }
            "proportional" => {
                let (f, m) = needs_rates("proportional")?;
                (
                    MutationModel::Proportional { rate: f },
                    MutationModel::Proportional { rate: m },
                )
            }
            "onestep" => {
                let (f, m) = needs_rates("onestep")?;
                (MutationModel::OneStep { rate: f }, MutationModel::OneStep { rate: m })
            }
            "stepwise" => {
                let (f, m) = needs_rates("stepwise")?;
                let rate2 = rate2.unwrap_or(DEFAULT_RATE2);
                let range = range.unwrap_or(DEFAULT_RANGE);
                (
                    MutationModel::Stepwise { rate: f, rate2, range },
                    MutationModel::Stepwise { rate: m, rate2, range },
                )
            }
            _ => {
                return Err(FreqError::new(
                    line,
                    "model",
                    format!(
                        "unknown model '{}'; use trivial, equal, proportional, stepwise or onestep",
                        fields[1]
                    ),
                ))
            }
        };
        rows.push(MutationRow {
            line,
            marker: marker.to_string(),
            female,
            male,
        });
    }
    Ok(rows)
}

/// An empty or `NA` cell is None. Rates must lie in [0, 1]; `range` must be positive.
fn optional_number(cell: &str, line: usize, field: &str) -> Result<Option<f64>, FreqError> {
    if cell.is_empty() || is_na(cell) {
        return Ok(None);
    }
    let x = cell
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| FreqError::new(line, field, format!("'{cell}' is not a number")))?;
    if field == "range" {
        if x <= 0.0 {
            return Err(FreqError::new(line, field, format!("range {cell} must be positive")));
        }
    } else if !(0.0..=1.0).contains(&x) {
        return Err(FreqError::new(line, field, format!("{field} {cell} is outside [0, 1]")));
    }
    Ok(Some(x))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "marker\tmodel\trate_female\trate_male\trate2\trange\n";

    fn read(body: &str) -> Result<Vec<MutationRow>, FreqError> {
        read_mutation_table(&format!("{HEADER}{body}"))
    }

    fn assert_err(body: &str, line: usize, field: &str) {
        let e = read(body).expect_err("should fail");
        assert_eq!((e.line, e.field.as_str()), (line, field), "{body:?}: {e}");
    }

    #[test]
    fn every_model() {
        let rows = read(
            "D3S1358\tstepwise\t0.001\t0.004\t0.00001\t0.3\n\
             TH01\tEqual\t0.0005\t0.002\tNA\tNA\n\
             \n# comment\n\
             Penta E\tPROPORTIONAL\t0.001\t0.002\t\t\n\
             SYN1\ttrivial\n\
             SYN2\tnone\t\t\t\t\n\
             SYN3\tonestep\t0.01\t0.02\n\
             SYN4\tstepwise\t0.001\t0.002\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 7);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].marker, "D3S1358");
        assert_eq!(
            rows[0].female,
            MutationModel::Stepwise {
                rate: 0.001,
                rate2: 0.00001,
                range: 0.3
            }
        );
        assert_eq!(
            rows[0].male,
            MutationModel::Stepwise {
                rate: 0.004,
                rate2: 0.00001,
                range: 0.3
            }
        );
        assert_eq!(rows[1].female, MutationModel::Equal { rate: 0.0005 });
        assert_eq!(rows[1].male, MutationModel::Equal { rate: 0.002 });
        assert_eq!((rows[2].line, rows[2].marker.as_str()), (6, "Penta E"));
        assert_eq!(rows[2].male, MutationModel::Proportional { rate: 0.002 });
        assert_eq!(rows[3].female, MutationModel::Trivial);
        assert_eq!(rows[4].male, MutationModel::Trivial);
        assert_eq!(rows[5].female, MutationModel::OneStep { rate: 0.01 });
        assert_eq!(
            rows[6].male,
            MutationModel::Stepwise {
                rate: 0.002,
                rate2: 0.0,
                range: 0.5
            }
        );
    }

    #[test]
    fn short_header_and_whitespace_split() {
        let rows = read_mutation_table("MARKER MODEL RATE_FEMALE RATE_MALE\nM1 equal 0.1 0.2\n").unwrap();
        assert_eq!(rows[0].male, MutationModel::Equal { rate: 0.2 });
        // Without rate2 and range columns a stepwise row takes the defaults.
        let rows = read_mutation_table("marker\tmodel\trate_female\trate_male\nM1\tstepwise\t0.1\t0.2\n").unwrap();
        assert_eq!(
            rows[0].female,
            MutationModel::Stepwise {
                rate: 0.1,
                rate2: 0.0,
                range: 0.5
            }
        );
    }

    #[test]
    fn header_only_is_empty() {
        assert_eq!(read("").unwrap(), []);
    }

    #[test]
    fn errors_name_line_and_field() {
        assert_err("M1\tequal\t0.1\t1.5\n", 2, "rate_male");
        assert_err("M1\tequal\tx\t0.1\n", 2, "rate_female");
        assert_err("M1\tequal\t-0.1\t0.1\n", 2, "rate_female");
        assert_err("M1\tstepwise\t0.1\t0.1\t2\n", 2, "rate2");
        assert_err("M1\tstepwise\t0.1\t0.1\t0\t0\n", 2, "range");
        assert_err("M1\tstepwise\t0.1\t0.1\t0\tinf\n", 2, "range");
        assert_err("M1\tequal\t\t0.1\n", 2, "rate_female");
        assert_err("M1\tequal\t0.1\n", 2, "rate_male");
        assert_err("M1\tcustom\t0.1\t0.1\n", 2, "model");
        assert_err("M1\tequal\t0.1\t0.1\n\nM1\tequal\t0.1\t0.1\n", 4, "marker");
        assert_err("M1\n", 2, "columns");
        assert_err("M1\tequal\t0.1\t0.1\t0\t0.5\textra\n", 2, "columns");
        assert_err("\tequal\t0.1\t0.1\n", 2, "marker");
    }

    #[test]
    fn header_errors() {
        for text in ["", "\n# nothing\n"] {
            let e = read_mutation_table(text).unwrap_err();
            assert_eq!((e.line, e.field.as_str()), (1, "header"));
        }
        let e = read_mutation_table("\nmarker\tmodel\trate_male\trate_female\n").unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (2, "header"));
        let e = read_mutation_table("M1\tequal\t0.1\t0.1\n").unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (1, "header"));
    }
}
