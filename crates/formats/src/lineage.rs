//! Reference databases of lineage markers, tab-separated: Y-STR haplotypes ([`read_y_database`]) and
//! mtDNA profiles ([`read_mt_database`]).
//!
//! This module reads the table: the header, one record per line, unique ids, as many fields as the
//! header. The values stay text as written (trimmed): the allele notation (`11,14`, `13.2`) and the
//! variant and coverage notation (`16223T 315.1C`, `16024-16365`) are parsed by `identify::lineage`
//! (`YDatabase::from_rows`, `MtDatabase::from_rows`), which names the line and column given here. That
//! split keeps `identify` free of any reader and this crate free of the lineage types.
//!
//! Blank lines and `#` comment lines are skipped anywhere. Lines come from the one line splitter of
//! this crate (every leading byte-order mark and every trailing `\r` removed).

use std::collections::{HashMap, HashSet};

use crate::text::{numbered_lines, Delimiter};

/// Why a lineage database cannot be read: the line and the field (a column name, or `column N`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, field '{field}': {message}")]
pub struct LineageDbError {
    pub line: usize,
    pub field: String,
    pub message: String,
}

impl LineageDbError {
    fn new(line: usize, field: impl Into<String>, message: impl Into<String>) -> Self {
        LineageDbError {
            line,
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A Y-STR reference database as written: the locus columns of the header and the records in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct YStrDatabase {
    /// The line of the header.
    pub header_line: usize,
    /// The locus columns, in header order (unique, not empty).
    pub loci: Vec<String>,
    pub records: Vec<YStrRecord>,
}

/// One haplotype of a Y-STR database as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YStrRecord {
    pub id: String,
    /// The line of the database text it came from.
    pub line: usize,
    /// One value per locus column, in header order, trimmed (empty, `-` or `NA`: not typed).
    pub values: Vec<String>,
}

/// An mtDNA reference database as written: the names the header gives its coverage and variants columns
/// (errors about their values name them), and the records in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MtDnaDatabase {
    pub range_column: String,
    pub variants_column: String,
    pub records: Vec<MtDnaRecord>,
}

/// One profile of an mtDNA database as written, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MtDnaRecord {
    pub id: String,
    /// The line of the database text it came from.
    pub line: usize,
    /// The coverage, such as `16024-16365 73-340`.
    pub range: String,
    /// The variants from the rCRS, such as `263G 315.1C` (empty or `rCRS`: none).
    pub variants: String,
}

/// The header and the records of a tab-separated lineage table with an id column: every record has as many
/// fields as the header and a unique, non-empty id.
struct Table<'a> {
    header_line: usize,
    header: Vec<&'a str>,
    /// (line, fields)
    rows: Vec<(usize, Vec<&'a str>)>,
}

/// The name of column `i` for an error: its header name, or `column N` if the header leaves it unnamed.
fn column_label(header: &[&str], i: usize) -> String {
    match header.get(i) {
        Some(name) if !name.is_empty() => (*name).to_owned(),
        _ => format!("column {}", i + 1),
    }
}

/// A line the database readers skip: blank, or a `#` comment.
fn is_skipped(line: &str) -> bool {
    let line = line.trim();
    line.is_empty() || line.starts_with('#')
}

impl<'a> Table<'a> {
    /// Splits `text`; `expected` is the header the error for a file without one shows. `columns` checks the
    /// header (given its line) and finds the id column and whatever else its reader needs.
    fn read<T>(
        text: &'a str,
        expected: &str,
        columns: impl FnOnce(usize, &[&str]) -> Result<(usize, T), LineageDbError>,
    ) -> Result<(Table<'a>, T), LineageDbError> {
        let mut lines = numbered_lines(text).filter(|(_, l)| !is_skipped(l));
        let Some((header_line, header)) = lines.next() else {
            return Err(LineageDbError::new(
                1,
                "id",
                format!("no header line (expected {expected})"),
            ));
        };
        let header = Delimiter::Tab.split(header);
        let (id_col, found) = columns(header_line, &header)?;
        let mut rows = Vec::new();
        let mut ids: HashMap<&str, usize> = HashMap::new();
        for (n, line) in lines {
            let fields = Delimiter::Tab.split(line);
            if fields.len() != header.len() {
                let field = if fields.len() < header.len() {
                    column_label(&header, fields.len())
                } else {
                    format!("column {}", header.len() + 1)
                };
                return Err(LineageDbError::new(
                    n,
                    field,
                    format!("the line has {} fields and the header {}", fields.len(), header.len()),
                ));
            }
            let id = fields[id_col];
            if id.is_empty() {
                return Err(LineageDbError::new(n, header[id_col], "empty id"));
            }
            if let Some(first) = ids.insert(id, n) {
                return Err(LineageDbError::new(
                    n,
                    header[id_col],
                    format!("id '{id}' is already on line {first}"),
                ));
            }
            rows.push((n, fields));
        }
        Ok((
            Table {
                header_line,
                header,
                rows,
            },
            found,
        ))
    }
}

/// Reads a Y-STR reference database from tab-separated text.
///
/// The first line that is not blank or a `#` comment is the header, `id<TAB>locus1<TAB>locus2…`, every locus
/// named once; then one haplotype per line with as many fields as the header. Ids must be unique. Every error
/// names the line and the field (the locus).
pub fn read_y_database(text: &str) -> Result<YStrDatabase, LineageDbError> {
    let (table, _) = Table::read(text, "id<TAB>locus1<TAB>…", |line, header| {
        let first = header[0];
        if !first.eq_ignore_ascii_case("id") {
            let field = if first.is_empty() { "id" } else { first };
            return Err(LineageDbError::new(
                line,
                field,
                "the first column of the header must be 'id'",
            ));
        }
        if header.len() < 2 {
            return Err(LineageDbError::new(line, "id", "the header names no locus"));
        }
        let mut seen = HashSet::new();
        for (i, locus) in header.iter().enumerate().skip(1) {
            if locus.is_empty() {
                return Err(LineageDbError::new(
                    line,
                    column_label(header, i),
                    "the column has no name (the header names every locus)",
                ));
            }
            if !seen.insert(*locus) {
                return Err(LineageDbError::new(line, *locus, "locus named twice in the header"));
            }
        }
        Ok((0, ()))
    })?;
    Ok(YStrDatabase {
        header_line: table.header_line,
        loci: table.header[1..].iter().map(|l| (*l).to_owned()).collect(),
        records: table
            .rows
            .into_iter()
            .map(|(line, fields)| YStrRecord {
                id: fields[0].to_owned(),
                line,
                values: fields[1..].iter().map(|v| (*v).to_owned()).collect(),
            })
            .collect(),
    })
}

/// Reads an mtDNA reference database from tab-separated text.
///
/// The first line that is not blank or a `#` comment is the header. It must have the columns `id`, `range` (or
/// `coverage`) and `variants`, in any order and any case; other columns (a haplogroup, say) are ignored. Then
/// one profile per line with as many fields as the header. Ids must be unique. Every error names the line and
/// the field.
pub fn read_mt_database(text: &str) -> Result<MtDnaDatabase, LineageDbError> {
    let (table, (id_col, range_col, variants_col)) = Table::read(text, "id<TAB>range<TAB>variants", |line, header| {
        let find = |names: &[&str]| {
            header
                .iter()
                .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
                .ok_or_else(|| LineageDbError::new(line, names[0], "no such column in the header"))
        };
        let id = find(&["id"])?;
        Ok((id, (id, find(&["range", "coverage"])?, find(&["variants"])?)))
    })?;
    Ok(MtDnaDatabase {
        range_column: table.header[range_col].to_owned(),
        variants_column: table.header[variants_col].to_owned(),
        records: table
            .rows
            .into_iter()
            .map(|(line, fields)| MtDnaRecord {
                id: fields[id_col].to_owned(),
                line,
                range: fields[range_col].to_owned(),
                variants: fields[variants_col].to_owned(),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const Y_DB: &str = "\
# a small database
id\tDYS19\tDYS385\tDYS390

H1\t14\t11,14\t24
H2\t15\t11-14\t-
H3\t14\t\t24\r
";

    #[test]
    fn y_database_reads_the_table() {
        let db = read_y_database(Y_DB).unwrap();
        assert_eq!(db.header_line, 2);
        assert_eq!(db.loci, ["DYS19", "DYS385", "DYS390"]);
        assert_eq!(db.records.len(), 3);
        assert_eq!(db.records[0].line, 4);
        assert_eq!(db.records[1].values, ["15", "11-14", "-"]);
        assert_eq!(db.records[2].values, ["14", "", "24"]);
    }

    #[test]
    fn y_database_errors_name_line_and_field() {
        let cases = [
            ("", "line 1, field 'id': no header line (expected id<TAB>locus1<TAB>…)"),
            (
                "name\tDYS19\n",
                "line 1, field 'name': the first column of the header must be 'id'",
            ),
            ("id\n", "line 1, field 'id': the header names no locus"),
            (
                "id\tDYS19\tDYS19\n",
                "line 1, field 'DYS19': locus named twice in the header",
            ),
            (
                "id\tDYS19\tDYS390\nA\t14\n",
                "line 2, field 'DYS390': the line has 2 fields and the header 3",
            ),
            (
                "id\tDYS19\nA\t14\t15\n",
                "line 2, field 'column 3': the line has 3 fields and the header 2",
            ),
            (
                "id\tDYS19\nA\t14\nA\t15\n",
                "line 3, field 'id': id 'A' is already on line 2",
            ),
            ("id\tDYS19\n\t14\n", "line 2, field 'id': empty id"),
            // Found by the fuzz contract (every error names a field): an unnamed column is named by number.
            (
                "id\t\tDYS19\n",
                "line 1, field 'column 2': the column has no name (the header names every locus)",
            ),
            (
                "\tDYS19\n",
                "line 1, field 'id': the first column of the header must be 'id'",
            ),
        ];
        for (text, message) in cases {
            assert_eq!(read_y_database(text).unwrap_err().to_string(), message, "{text:?}");
        }
    }

    /// The copy of the line splitter these readers had in `identify` removed one mark and one `\r`; a file
    /// saved twice by a careless editor has two of each.
    #[test]
    fn every_byte_order_mark_and_carriage_return_goes() {
        let db = read_y_database("\u{feff}\u{feff}id\tDYS19\r\r\nA\t14\r\r\n").unwrap();
        assert_eq!(db.loci, ["DYS19"]);
        assert_eq!(db.records[0].values, ["14"]);
        let db = read_mt_database("\u{feff}\u{feff}id\trange\tvariants\r\r\nE1\t1-100\t73G\r\r\n").unwrap();
        assert_eq!(
            (db.records[0].range.as_str(), db.records[0].variants.as_str()),
            ("1-100", "73G")
        );
    }

    const MT_DB: &str = "\
id\thaplogroup\trange\tvariants
E1\tH\t16024-16365 73-340\t263G 315.1C
E2\tH1\t16024-16365 73-340\trCRS

# comment
E3\tU5\t16024-576\t16270T 73G 263G 315.1C\r
";

    #[test]
    fn mt_database_reads_the_table() {
        let db = read_mt_database(MT_DB).unwrap();
        assert_eq!(
            (db.range_column.as_str(), db.variants_column.as_str()),
            ("range", "variants")
        );
        assert_eq!(db.records.len(), 3);
        assert_eq!(db.records[2].line, 6);
        assert_eq!(db.records[2].id, "E3");
        assert_eq!(db.records[2].range, "16024-576");
        assert_eq!(db.records[2].variants, "16270T 73G 263G 315.1C");
    }

    #[test]
    fn mt_database_errors_name_line_and_field() {
        let cases = [
            (
                "",
                "line 1, field 'id': no header line (expected id<TAB>range<TAB>variants)",
            ),
            ("id\tvariants\n", "line 1, field 'range': no such column in the header"),
            (
                "id\trange\tvariants\nA\t1-100\n",
                "line 2, field 'variants': the line has 2 fields and the header 3",
            ),
            (
                "ID\trange\tvariants\nA\t1-100\t\nA\t1-100\t\n",
                "line 3, field 'ID': id 'A' is already on line 2",
            ),
            (
                "id\trange\t\tvariants\nA\t1-100\n",
                "line 2, field 'column 3': the line has 2 fields and the header 4",
            ),
        ];
        for (text, message) in cases {
            assert_eq!(read_mt_database(text).unwrap_err().to_string(), message, "{text:?}");
        }
    }
}
