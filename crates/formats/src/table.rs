//! The one CSV/TSV table reader: a header row naming the columns, then records, read with the `csv`
//! crate so that quoted fields may hold the delimiter, quotes (`""`) and line breaks.
//!
//! The header is checked before any record is looked at: every column named, none twice, the
//! required ones present and (when the caller lists them) every one known. A record with another
//! number of fields than the header is an error, so no value lands in the wrong column. Values are
//! trimmed; an empty cell is the same as a missing column.
//!
//! Errors name the file by the label the caller gives (this crate never opens files), the line, and
//! the column: `sites.csv: line 3, column 'lat': 'north' is not a number`.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

/// What a table must look like, and how its errors name the file and the header's columns.
#[derive(Debug, Clone, Copy)]
pub struct TableSpec<'a> {
    /// Names the file in errors (its path, as the user wrote it).
    pub label: &'a str,
    /// `b','` for CSV, `b'\t'` for TSV.
    pub delimiter: u8,
    /// Every column the header may name, or `None` for any.
    pub known: Option<&'a [&'a str]>,
    /// Columns the header must name.
    pub required: &'a [&'a str],
    /// How a header fault names its column: `column` (`column 'C'`) or `field` (`field 'C'`, as the
    /// persons import has always said).
    pub header_word: &'a str,
}

impl<'a> TableSpec<'a> {
    /// A comma-separated table with `label`, `known` and `required` columns; header faults say `column`.
    pub fn csv(label: &'a str, known: Option<&'a [&'a str]>, required: &'a [&'a str]) -> Self {
        TableSpec {
            label,
            delimiter: b',',
            known,
            required,
            header_word: "column",
        }
    }
}

/// Why a table or one of its values cannot be read: the file's label, the line, where on the line
/// (`column 'C'`, `field 'C'`, `column N`; none when the fault is the line's structure) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableError {
    pub label: String,
    pub line: u64,
    pub place: Option<String>,
    pub message: String,
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.place {
            Some(place) => write!(f, "{}: line {}, {place}: {}", self.label, self.line, self.message),
            None => write!(f, "{}: line {}: {}", self.label, self.line, self.message),
        }
    }
}

impl std::error::Error for TableError {}

/// A table read whole: its header and its records with the line each starts on.
#[derive(Debug, Clone)]
pub struct Table {
    label: String,
    headers: Vec<String>,
    rows: Vec<(u64, csv::StringRecord)>,
}

/// One record of a [`Table`].
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    table: &'a Table,
    /// The line the record starts on.
    pub line: u64,
    record: &'a csv::StringRecord,
}

impl Table {
    /// Reads `text` as `spec` says; leading byte-order marks go first (all of them, as the line splitter
    /// of the other readers removes them), so none ends up in the first column's name.
    pub fn read(text: &str, spec: &TableSpec<'_>) -> Result<Table, TableError> {
        let label = spec.label;
        let error = |line: u64, place: Option<String>, message: String| TableError {
            label: label.to_owned(),
            line,
            place,
            message,
        };
        let header_error =
            |column: &str, message: String| error(1, Some(format!("{} '{column}'", spec.header_word)), message);
        let text = text.trim_start_matches('\u{feff}');
        let mut reader = csv_reader(text, spec.delimiter, Layout::Table);
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| error(1, None, e.to_string()))?
            .iter()
            .map(|h| h.trim().to_owned())
            .collect();
        let mut seen = HashSet::new();
        for (i, h) in headers.iter().enumerate() {
            if h.is_empty() {
                return Err(error(
                    1,
                    Some(format!("column {}", i + 1)),
                    "the column has no name (the first row names every column)".to_owned(),
                ));
            }
            if !seen.insert(h.as_str()) {
                return Err(header_error(h, "the column is given twice".to_owned()));
            }
            if let Some(known) = spec.known {
                if !known.contains(&h.as_str()) {
                    return Err(header_error(h, format!("unknown column (known: {})", known.join(", "))));
                }
            }
        }
        for r in spec.required {
            if !headers.iter().any(|h| h == r) {
                return Err(header_error(r, "required column missing".to_owned()));
            }
        }
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                error(line, None, e.to_string())
            })?;
            let line = record.position().map_or(0, |p| start_line(text, p));
            rows.push((line, record));
        }
        Ok(Table {
            label: label.to_owned(),
            headers,
            rows,
        })
    }

    /// The label errors name the file by.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The column names, trimmed, in file order.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The records, in file order.
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(move |(line, record)| Row {
            table: self,
            line: *line,
            record,
        })
    }

    /// The record at `index` (0: the first after the header).
    pub fn row(&self, index: usize) -> Option<Row<'_>> {
        self.rows.get(index).map(|(line, record)| Row {
            table: self,
            line: *line,
            record,
        })
    }

    /// The number of records.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are no records.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// An error at `line`, in `column`.
    pub fn error(&self, line: u64, column: &str, message: impl fmt::Display) -> TableError {
        TableError {
            label: self.label.clone(),
            line,
            place: Some(format!("column '{column}'")),
            message: message.to_string(),
        }
    }

    fn index(&self, column: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == column)
    }
}

impl<'a> Row<'a> {
    /// The trimmed value of `column`, `None` if the column is absent or the cell empty.
    pub fn get(&self, column: &str) -> Option<&'a str> {
        self.table
            .index(column)
            .and_then(|i| self.record.get(i))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    /// The value of `column`; empty or absent is an error.
    pub fn required(&self, column: &str) -> Result<&'a str, TableError> {
        self.get(column).ok_or_else(|| self.error(column, "is empty"))
    }

    /// An error in `column` of this record.
    pub fn error(&self, column: &str, message: impl fmt::Display) -> TableError {
        self.table.error(self.line, column, message)
    }

    /// The value of `column` parsed; the parser's error is the message.
    pub fn parse<T: FromStr>(&self, column: &str) -> Result<Option<T>, TableError>
    where
        T::Err: fmt::Display,
    {
        self.get(column)
            .map(|v| v.parse::<T>().map_err(|e| self.error(column, e)))
            .transpose()
    }

    /// The value of `column` as a finite number.
    pub fn number(&self, column: &str) -> Result<Option<f64>, TableError> {
        self.get(column)
            .map(|v| {
                v.parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| self.error(column, format!("'{v}' is not a number")))
            })
            .transpose()
    }

    /// The value of `column` as yes or no (also y/n, true/false, t/f, 1/0, any case).
    pub fn flag(&self, column: &str) -> Result<Option<bool>, TableError> {
        self.get(column)
            .map(|v| match v.to_ascii_lowercase().as_str() {
                "yes" | "y" | "true" | "t" | "1" => Ok(true),
                "no" | "n" | "false" | "f" | "0" => Ok(false),
                _ => Err(self.error(column, format!("'{v}' is not yes or no"))),
            })
            .transpose()
    }
}

/// How a text is laid out for [`csv_reader`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// A header row, then records as wide as it ([`Table`]: no value may land in the wrong column).
    Table,
    /// Records of any width, the header row among them ([`records`]: the line readers check the
    /// width themselves, with their own messages).
    Records,
}

/// The one `csv` configuration of this crate: `delimiter`, quotes honoured (`""` inside a quoted
/// field is one quote), CR, LF and CRLF ending records, lines counted at every LF.
fn csv_reader(text: &str, delimiter: u8, layout: Layout) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(layout == Layout::Table)
        .flexible(layout == Layout::Records)
        .from_reader(text.as_bytes())
}

/// The line a record read at `position` starts on. The csv crate gives the position before the blank
/// lines it skips ahead of a record, so those are counted here.
fn start_line(text: &str, position: &csv::Position) -> u64 {
    let from = usize::try_from(position.byte()).unwrap_or(usize::MAX);
    let skipped = text
        .get(from..)
        .unwrap_or_default()
        .bytes()
        .take_while(|b| matches!(b, b'\r' | b'\n'))
        .filter(|&b| b == b'\n')
        .count();
    position.line() + skipped as u64
}

/// One record of [`records`]: the line of the file it starts on and its fields, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    pub(crate) line: usize,
    pub(crate) fields: Vec<String>,
}

impl Record {
    /// The fields as `&str`, for readers that match on them.
    pub(crate) fn fields(&self) -> Vec<&str> {
        self.fields.iter().map(String::as_str).collect()
    }
}

/// A record that could not be split: the line it starts on and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordError {
    pub(crate) line: usize,
    pub(crate) message: String,
}

/// The records of `text` split on `delimiter` (`b','` or `b'\t'`) exactly as [`Table::read`] splits
/// them, for the readers whose header is not a plain list of column names (frequency ladders,
/// GeneMapper exports). `text` starts at line `first_line` of its file, so every record names the
/// file's line. Records may differ in width; records with nothing but blanks are skipped, as the line
/// readers skip blank lines.
pub(crate) fn records(
    text: &str,
    first_line: usize,
    delimiter: u8,
) -> impl Iterator<Item = Result<Record, RecordError>> + '_ {
    let text = text.trim_start_matches('\u{feff}');
    // The csv crate counts from line 1 of what it is given.
    let file_line = move |line: u64| first_line + usize::try_from(line).unwrap_or(usize::MAX).saturating_sub(1);
    csv_reader(text, delimiter, Layout::Records)
        .into_records()
        .filter_map(move |record| match record {
            Ok(record) => {
                let line = file_line(record.position().map_or(1, |p| start_line(text, p)));
                let fields: Vec<String> = record.iter().map(|f| f.trim().to_owned()).collect();
                fields
                    .iter()
                    .any(|f| !f.is_empty())
                    .then_some(Ok(Record { line, fields }))
            }
            Err(e) => Some(Err(RecordError {
                line: file_line(e.position().map_or(1, |p| p.line())),
                message: e.to_string(),
            })),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, known: Option<&[&str]>, required: &[&str]) -> Result<Table, String> {
        Table::read(text, &TableSpec::csv("t.csv", known, required)).map_err(|e| e.to_string())
    }

    /// Text, known columns, required columns, the error expected.
    type HeaderCase<'a> = (&'a str, Option<&'a [&'a str]>, &'a [&'a str], &'a str);

    #[test]
    fn header_faults_name_file_line_and_column() {
        let cases: [HeaderCase<'_>; 4] = [
            (
                "a,,b\n1,2,3\n",
                None,
                &[],
                "t.csv: line 1, column 2: the column has no name (the first row names every column)",
            ),
            (
                "a,b,a\n",
                None,
                &[],
                "t.csv: line 1, column 'a': the column is given twice",
            ),
            (
                "a,c\n",
                Some(&["a", "b"]),
                &[],
                "t.csv: line 1, column 'c': unknown column (known: a, b)",
            ),
            (
                "a\n",
                None,
                &["a", "b"],
                "t.csv: line 1, column 'b': required column missing",
            ),
        ];
        for (text, known, required, message) in cases {
            assert_eq!(read(text, known, required).unwrap_err(), message);
        }
        let spec = TableSpec {
            header_word: "field",
            ..TableSpec::csv("p.csv", None, &[])
        };
        let e = Table::read("name,name\n", &spec).unwrap_err();
        assert_eq!(e.to_string(), "p.csv: line 1, field 'name': the column is given twice");
    }

    #[test]
    fn a_record_with_another_number_of_fields_names_its_line() {
        let e = read("a,b\n1,2\n1,2,3\n", None, &[]).unwrap_err();
        assert!(e.starts_with("t.csv: line 3: CSV error: "), "{e}");
    }

    /// `formats` split comma-separated lines at every comma before this reader existed; a spreadsheet
    /// quotes a value that holds one, and the value stays whole.
    #[test]
    fn quoted_values_keep_their_commas_quotes_and_line_breaks() {
        let t = read(
            "id,name,notes\nS1,\"Fukuryu, north\",\"said \"\"here\"\"\nand there\"\nS2,x,\n",
            None,
            &[],
        )
        .unwrap();
        let rows: Vec<Row<'_>> = t.rows().collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].get("name"), Some("Fukuryu, north"));
        assert_eq!(rows[0].get("notes"), Some("said \"here\"\nand there"));
        assert_eq!((rows[0].line, rows[1].line), (2, 4));
        let t = read("id,name\n\nS1,x\n\r\n\nS2,y\n", None, &[]).unwrap();
        let lines: Vec<u64> = t.rows().map(|r| r.line).collect();
        assert_eq!(lines, [3, 6], "blank lines before a record count");
        assert_eq!(rows[1].get("notes"), None, "an empty cell is a missing value");
        assert_eq!(rows[1].get("absent"), None);
    }

    #[test]
    fn values_parse_with_errors_naming_the_cell() {
        let t = read("n,f,s\n1.5,yes,x\nNaN,maybe,\n", None, &[]).unwrap();
        let rows: Vec<Row<'_>> = t.rows().collect();
        assert_eq!(rows[0].number("n"), Ok(Some(1.5)));
        assert_eq!(rows[0].flag("f"), Ok(Some(true)));
        assert_eq!(
            rows[0].parse::<u32>("n").unwrap_err().to_string(),
            "t.csv: line 2, column 'n': invalid digit found in string"
        );
        assert_eq!(
            rows[1].number("n").unwrap_err().to_string(),
            "t.csv: line 3, column 'n': 'NaN' is not a number"
        );
        assert_eq!(
            rows[1].flag("f").unwrap_err().to_string(),
            "t.csv: line 3, column 'f': 'maybe' is not yes or no"
        );
        assert_eq!(
            rows[1].required("s").unwrap_err().to_string(),
            "t.csv: line 3, column 's': is empty"
        );
    }

    #[test]
    fn records_honour_quotes_skip_blank_rows_and_name_the_file_line() {
        let text = "a,\"b, c\",\"say \"\"d\"\"\"\n  ,  \n\ne,\"f\ng\"\nh\n";
        let got: Vec<Record> = records(text, 10, b',').collect::<Result<_, _>>().unwrap();
        let want = [
            (10, vec!["a", "b, c", "say \"d\""]),
            (13, vec!["e", "f\ng"]),
            (15, vec!["h"]),
        ];
        assert_eq!(got.len(), want.len());
        for (record, (line, fields)) in got.iter().zip(want) {
            assert_eq!((record.line, record.fields()), (line, fields));
        }
    }

    #[test]
    fn every_byte_order_mark_goes_and_tabs_delimit_a_tsv() {
        let t = read("\u{feff}\u{feff}a,b\n1,2\n", None, &["a"]).unwrap();
        assert_eq!(t.headers(), ["a", "b"]);
        let spec = TableSpec {
            delimiter: b'\t',
            ..TableSpec::csv("t.tsv", None, &[])
        };
        let t = Table::read("a\tb\n1,5\t2\n", &spec).unwrap();
        assert_eq!(t.row(0).and_then(|r| r.get("a")), Some("1,5"));
    }
}
