//! The CSV tables of the imports, read by the one table reader, `formats::Table` (quote-aware;
//! header checked: every column named, none twice, the required ones present, unknown ones refused
//! where the columns are fixed). This layer turns its errors into bad input (exit code 2) naming the
//! file, line and column, and adds the checks the imports share (a key given twice).

use std::collections::HashMap;
use std::fmt::Display;

use anyhow::Result;
use formats::{TableError, TableSpec};
use registry::model::FieldError;

use crate::input_error;

/// A table's fault as bad input; its message names the file, line and column.
fn bad(e: TableError) -> anyhow::Error {
    input_error!("{e}")
}

/// A CSV file read whole.
pub(crate) struct Table {
    pub(crate) path: String,
    inner: formats::Table,
}

/// One record of a [`Table`].
pub(crate) struct Row<'a> {
    pub(crate) line: u64,
    inner: formats::Row<'a>,
}

/// The error of the cell in `column` on `line` of the file `path`.
pub(crate) fn cell_error(path: &str, line: u64, column: &str, message: impl Display) -> anyhow::Error {
    input_error!("{path}: line {line}, column '{column}': {message}")
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
        let spec = TableSpec {
            header_word,
            ..TableSpec::csv(shown, known, required)
        };
        Ok(Table {
            path: shown.to_owned(),
            inner: formats::Table::read(text, &spec).map_err(bad)?,
        })
    }

    pub(crate) fn headers(&self) -> &[String] {
        self.inner.headers()
    }

    pub(crate) fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.inner.rows().map(|inner| Row {
            line: inner.line,
            inner,
        })
    }
}

impl<'a> Row<'a> {
    /// The trimmed value of `column`, `None` if the column is absent or the cell empty.
    pub(crate) fn get(&self, column: &str) -> Option<&'a str> {
        self.inner.get(column)
    }

    pub(crate) fn required(&self, column: &str) -> Result<&'a str> {
        self.inner.required(column).map_err(bad)
    }

    pub(crate) fn error(&self, column: &str, message: impl Display) -> anyhow::Error {
        bad(self.inner.error(column, message))
    }

    /// A [`FieldError`] from a registry parser, its field taken as the column name.
    pub(crate) fn field_error(&self, e: FieldError) -> anyhow::Error {
        self.error(&e.field, e.message)
    }

    pub(crate) fn parse<T: std::str::FromStr>(&self, column: &str) -> Result<Option<T>>
    where
        T::Err: Display,
    {
        self.inner.parse(column).map_err(bad)
    }

    pub(crate) fn number(&self, column: &str) -> Result<Option<f64>> {
        self.inner.number(column).map_err(bad)
    }

    pub(crate) fn flag(&self, column: &str) -> Result<Option<bool>> {
        self.inner.flag(column).map_err(bad)
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
