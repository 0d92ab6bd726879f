//! Checks shared by the fuzz targets: what every reader in `formats` promises about its errors and
//! its writers.

use std::fmt::{Debug, Display};

use formats::{
    CmfError, FamError, FreqError, FrequencyDb, GeneMapperError, LineageDbError, PanelError, PedError, StriderError,
    VcfError,
};

/// The fuzz input as text. The CLI rejects a file that is not UTF-8 before any reader sees it, so a
/// lossy conversion only widens what reaches the reader: every `&str` must be handled.
pub fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// An error must name a line of the file and a field (column, marker or element): `line` is in
/// 1..=the number of lines, `field` is not empty, and the message shows both.
pub fn assert_error_names_line_and_field(input: &str, line: usize, field: &str, message: &str) {
    assert_error_names_line(input.split('\n').count(), line, message);
    assert!(!field.trim().is_empty(), "error names no field: {message}");
    assert!(
        message.contains(field),
        "message does not show the field '{field}': {message}"
    );
}

/// An error must name a line of the file: `line` is in 1..=`lines` (the file's line count as its
/// reader counts lines) and the message shows `line N`.
pub fn assert_error_names_line(lines: usize, line: usize, message: &str) {
    assert!(
        (1..=lines).contains(&line),
        "error line {line} is outside the file's {lines} line(s): {message}"
    );
    assert!(
        message.contains(&format!("line {line}")),
        "message does not show line {line}: {message}"
    );
}

/// A reader's error that names a line and a field (column, marker or element).
pub trait LineAndField: Display {
    fn line(&self) -> usize;
    fn field(&self) -> &str;
}

/// Implements [`LineAndField`] for error types whose field is named `$field`.
macro_rules! line_and_field {
    ($($error:ty: $field:ident),* $(,)?) => {$(
        impl LineAndField for $error {
            fn line(&self) -> usize {
                self.line
            }
            fn field(&self) -> &str {
                &self.$field
            }
        }
    )*};
}

line_and_field!(
    FreqError: field,
    PedError: field,
    FamError: field,
    LineageDbError: field,
    VcfError: field,
    GeneMapperError: column,
    PanelError: column,
    CmfError: element,
    StriderError: element,
);

/// Reads the fuzz input with `read`; an error must name a line and field
/// ([`assert_error_names_line_and_field`]). Returns what it read, for the target's own checks.
pub fn read_checked<T, E: LineAndField>(data: &[u8], read: impl FnOnce(&str) -> Result<T, E>) -> Option<T> {
    let input = text(data);
    match read(&input) {
        Err(e) => {
            assert_error_names_line_and_field(&input, e.line(), e.field(), &e.to_string());
            None
        }
        Ok(value) => Some(value),
    }
}

/// A writer's output must read back (`read`) to the same `content` as what it wrote; `writer` names
/// the writer in the panic. Returns the text written and the value read back.
pub fn assert_reads_back<T, E: Display, C: PartialEq + Debug>(
    value: &T,
    writer: &str,
    write: impl Fn(&T) -> String,
    read: impl Fn(&str) -> Result<T, E>,
    content: impl Fn(&T) -> C,
) -> (String, T) {
    let written = write(value);
    let again = read(&written).unwrap_or_else(|e| panic!("{writer} output does not read back: {e}\n{written}"));
    assert_eq!(content(&again), content(value), "{written}");
    (written, again)
}

/// A frequency database without the line numbers, which depend on the form written: its markers,
/// frequencies, sample sizes and metadata, which every writer keeps.
pub fn freq_content(db: &FrequencyDb) -> FrequencyDb {
    let mut db = db.clone();
    db.clear_lines();
    db
}

/// An error of a `homeward import` CSV reader (`FILE: line N, column 'C': …`) must name a line of
/// the file and, unless the fault is the file's structure (a row with another number of fields,
/// reported by the CSV parser), the column or columns at fault.
pub fn assert_csv_error_names_line_and_column(input: &str, message: &str) {
    let line = message
        .split("line ")
        .nth(1)
        .and_then(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<usize>().ok()
        })
        .unwrap_or_else(|| panic!("error names no line: {message}"));
    // The CSV parser counts lines by `\n`.
    assert_error_names_line(input.split('\n').count(), line, message);
    let structural = message.contains("CSV error");
    let numbered_column = message
        .match_indices("column ")
        .any(|(i, m)| message[i + m.len()..].starts_with(|c: char| c.is_ascii_digit()));
    let names_columns = numbered_column
        || ["column '", "field '", "columns '", "no marker columns"]
            .iter()
            .any(|c| message.contains(c));
    assert!(structural || names_columns, "error names no column: {message}");
}
