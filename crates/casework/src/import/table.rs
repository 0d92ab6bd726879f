//! The CSV tables of the imports: a file read whole, its header checked (every column named, none
//! twice, the required ones present, unknown ones refused where the columns are fixed), and its
//! rows with the line each starts on, so that every error names the file, line and column.

use std::collections::{HashMap, HashSet};
use std::fmt::Display;

use anyhow::Result;
use registry::model::FieldError;

use crate::input_error;

/// A CSV file read whole: its header and its records with the line each starts on.
pub(crate) struct Table {
    pub(crate) path: String,
    pub(crate) headers: Vec<String>,
    rows: Vec<(u64, csv::StringRecord)>,
}

/// One record of a [`Table`].
pub(crate) struct Row<'a> {
    table: &'a Table,
    pub(crate) line: u64,
    record: &'a csv::StringRecord,
}

pub(crate) fn cell_error(path: &str, line: u64, column: &str, message: impl Display) -> anyhow::Error {
    input_error!("{path}: line {line}, column '{column}': {message}")
}

/// The error for a header cell left empty, the column counted from 1.
fn unnamed_column(path: &str, index: usize) -> anyhow::Error {
    input_error!(
        "{path}: line 1, column {}: the column has no name (the first row names every column)",
        index + 1
    )
}

impl Table {
    /// Reads the text of a file; `shown` names it in errors. Header names must be unique and not
    /// empty, the `required` columns present, and (unless `known` is `None`) every column one of
    /// `known`.
    pub(crate) fn parse(shown: &str, text: &str, known: Option<&[&str]>, required: &[&str]) -> Result<Table> {
        Table::parse_naming(shown, text, known, required, "column")
    }

    /// As [`Table::parse`], with header faults naming the column as `{header_word} 'C'`: the
    /// persons import has always said `field 'C'`, as its row errors do.
    pub(crate) fn parse_naming(
        shown: &str,
        text: &str,
        known: Option<&[&str]>,
        required: &[&str],
        header_word: &str,
    ) -> Result<Table> {
        let header_error =
            |column: &str, message: &dyn Display| input_error!("{shown}: line 1, {header_word} '{column}': {message}");
        let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| input_error!("{shown}: line 1: {e}"))?
            .iter()
            .map(|h| h.trim().to_owned())
            .collect();
        let mut seen = HashSet::new();
        for (i, h) in headers.iter().enumerate() {
            if h.is_empty() {
                return Err(unnamed_column(shown, i));
            }
            if !seen.insert(h.as_str()) {
                return Err(header_error(h, &"the column is given twice"));
            }
            if let Some(known) = known {
                if !known.contains(&h.as_str()) {
                    return Err(header_error(
                        h,
                        &format_args!("unknown column (known: {})", known.join(", ")),
                    ));
                }
            }
        }
        for r in required {
            if !headers.iter().any(|h| h == r) {
                return Err(header_error(r, &"required column missing"));
            }
        }
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                input_error!("{shown}: line {line}: {e}")
            })?;
            let line = record.position().map_or(0, |p| p.line());
            rows.push((line, record));
        }
        Ok(Table {
            path: shown.to_owned(),
            headers,
            rows,
        })
    }

    pub(crate) fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(move |(line, record)| Row {
            table: self,
            line: *line,
            record,
        })
    }

    fn index(&self, column: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == column)
    }
}

impl<'a> Row<'a> {
    /// The trimmed value of `column`, `None` if the column is absent or the cell empty.
    pub(crate) fn get(&self, column: &str) -> Option<&'a str> {
        self.table
            .index(column)
            .and_then(|i| self.record.get(i))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    pub(crate) fn required(&self, column: &str) -> Result<&'a str> {
        self.get(column).ok_or_else(|| self.error(column, "is empty"))
    }

    pub(crate) fn error(&self, column: &str, message: impl Display) -> anyhow::Error {
        cell_error(&self.table.path, self.line, column, message)
    }

    /// A [`FieldError`] from a registry parser, its field taken as the column name.
    pub(crate) fn field_error(&self, e: FieldError) -> anyhow::Error {
        self.error(&e.field, e.message)
    }

    pub(crate) fn parse<T: std::str::FromStr>(&self, column: &str) -> Result<Option<T>>
    where
        T::Err: Display,
    {
        self.get(column)
            .map(|v| v.parse::<T>().map_err(|e| self.error(column, e)))
            .transpose()
    }

    pub(crate) fn number(&self, column: &str) -> Result<Option<f64>> {
        self.get(column)
            .map(|v| {
                v.parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| self.error(column, format!("'{v}' is not a number")))
            })
            .transpose()
    }

    pub(crate) fn flag(&self, column: &str) -> Result<Option<bool>> {
        self.get(column)
            .map(|v| match v.to_ascii_lowercase().as_str() {
                "yes" | "y" | "true" | "t" | "1" => Ok(true),
                "no" | "n" | "false" | "f" | "0" => Ok(false),
                _ => Err(self.error(column, format!("'{v}' is not yes or no"))),
            })
            .transpose()
    }
}

/// Rejects a second row with the same key, naming both lines.
pub(crate) fn unique_key(seen: &mut HashMap<String, u64>, row: &Row<'_>, column: &str, key: &str) -> Result<()> {
    if let Some(first) = seen.insert(key.to_owned(), row.line) {
        return Err(row.error(column, format!("'{key}' is also on line {first}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::import::profiles::Profiles;
    use crate::import::sites::Sites;
    use crate::import::Import;

    #[test]
    fn a_header_cell_left_empty_is_named_by_its_position() {
        // Found by fuzzing: the error named no column.
        let e = Sites
            .check("sites.csv", "external_id,name,,lat\nS1,x,,1\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("sites.csv: line 1, column 3: the column has no name"), "{e}");
        let e = Profiles.check("p.csv", " ,external_id\n").unwrap_err().to_string();
        assert!(e.contains("line 1, column 1:"), "{e}");
    }
}
