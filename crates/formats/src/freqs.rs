//! Allele-frequency databases in three forms, told apart by [`detect_format`].
//!
//! * Long form: a header `marker<TAB>allele<TAB>freq` (or `frequency`), then one allele per line.
//! * Ladder form: CSV or TSV; the first column holds the allele, then one column per marker; an empty
//!   cell or `NA` means the allele does not exist for that marker.
//! * Familias list form: a line with the marker name, then `allele<TAB>frequency` lines (white space
//!   is accepted when there is no tab), usually a blank line between markers.
//!
//! Each marker keeps its alleles in file order, because a marker's allele set and order matter to the
//! mutation models. Frequencies must be numbers in [0, 1]; their sum is checked by `kinship`.
//!
//! **Metadata** travels beside the numbers in `#` comment lines at the top of the file (before the
//! first marker), in every form:
//!
//! ```text
//! # population: Norway
//! # source: Dupuy et al. (2013), norSTR
//! # licence: MIT
//! # N: 1043              (the sample size, in individuals, of every marker)
//! # N Penta E: 512       (the sample size of one marker, over the line above)
//! ```
//!
//! Other comment lines at the top are free text and ignored. The sample size N is what the
//! minimum-frequency rule ([`crate::min_freq`]) needs. STRidER XML files carry the same data in
//! their own elements ([`crate::strider`]).

use std::cmp::Ordering;
use std::collections::HashSet;

use crate::table::{records, Record};
use crate::text::{from_line, is_na, numbered_lines, trim_trailing_empty, Delimiter};

/// An allele-frequency database: markers in file order, and what is known of where it comes from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FrequencyDb {
    pub markers: Vec<MarkerFreqs>,
    pub metadata: FreqMetadata,
}

/// Where a frequency database comes from. Each value is one line of text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FreqMetadata {
    /// The population sampled.
    pub population: Option<String>,
    /// The publication or database the numbers come from.
    pub source: Option<String>,
    /// The terms under which the numbers may be used.
    pub licence: Option<String>,
}

/// The alleles of one marker with their frequencies, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkerFreqs {
    pub name: String,
    /// The line where the marker is named (its header line for the ladder form, its first allele
    /// line for the long form).
    pub line: usize,
    pub alleles: Vec<(String, f64)>,
    /// N: how many individuals were typed for this marker, when the file says.
    pub sample_size: Option<u64>,
}

impl FrequencyDb {
    /// Sets every marker's line to 0. The lines depend on the form a database was read from, so a
    /// read → write → read round trip keeps everything else (as `FamFile::clear_lines` for `.fam`).
    pub fn clear_lines(&mut self) {
        self.markers.iter_mut().for_each(|m| m.line = 0);
    }

    /// The marker with this exact name.
    pub fn get(&self, marker: &str) -> Option<&MarkerFreqs> {
        self.markers.iter().find(|m| m.name == marker)
    }
}

/// The three file forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FreqFormat {
    /// Familias list form.
    List,
    /// One column per marker, one row per allele.
    Ladder,
    /// One line per (marker, allele).
    Long,
}

/// Why a frequency file (or a mutation table) cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, field '{field}': {message}")]
pub struct FreqError {
    pub line: usize,
    pub field: String,
    pub message: String,
}

impl FreqError {
    pub(crate) fn new(line: usize, field: impl Into<String>, message: impl Into<String>) -> Self {
        FreqError {
            line,
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The lines after the leading block of blank and `#` comment lines.
fn data_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    numbered_lines(text).skip_while(|(_, l)| {
        let l = l.trim();
        l.is_empty() || l.starts_with('#')
    })
}

/// The metadata in the leading comment lines, and the sample sizes they give: one for every
/// marker (`# N: 1043`) and per marker (`# N Penta E: 512`, with its line).
#[derive(Default)]
struct Header {
    metadata: FreqMetadata,
    all_markers: Option<u64>,
    per_marker: Vec<(usize, String, u64)>,
}

fn read_header(text: &str) -> Result<Header, FreqError> {
    let mut h = Header::default();
    for (line, text) in numbered_lines(text) {
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let Some(comment) = text.strip_prefix('#') else { break };
        let Some((key, value)) = comment.split_once(':') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim().to_owned());
        let sample_size = |field: &str| {
            value.parse::<u64>().ok().filter(|&n| n > 0).ok_or_else(|| {
                FreqError::new(
                    line,
                    field,
                    format!("sample size '{value}' is not a positive whole number"),
                )
            })
        };
        match key.to_ascii_lowercase().as_str() {
            "population" => h.metadata.population = Some(value),
            "source" => h.metadata.source = Some(value),
            "licence" | "license" => h.metadata.licence = Some(value),
            "n" => h.all_markers = Some(sample_size("N")?),
            _ => {
                if let Some(marker) = key.strip_prefix("N ").map(str::trim).filter(|m| !m.is_empty()) {
                    let n = sample_size(marker)?;
                    h.per_marker.push((line, marker.to_owned(), n));
                }
            }
        }
    }
    Ok(h)
}

impl Header {
    fn apply(self, mut db: FrequencyDb) -> Result<FrequencyDb, FreqError> {
        db.metadata = self.metadata;
        for m in &mut db.markers {
            m.sample_size = self.all_markers;
        }
        for (line, marker, n) in self.per_marker {
            let m = db.markers.iter_mut().find(|m| m.name == marker).ok_or_else(|| {
                FreqError::new(line, marker.as_str(), "sample size given for a marker not in the file")
            })?;
            m.sample_size = Some(n);
        }
        Ok(db)
    }
}

/// The metadata comment lines [`read_frequencies`] reads back.
fn write_header(db: &FrequencyDb) -> String {
    let mut out = String::new();
    let meta = &db.metadata;
    for (key, value) in [
        ("population", &meta.population),
        ("source", &meta.source),
        ("licence", &meta.licence),
    ] {
        if let Some(v) = value {
            out.push_str(&format!("# {key}: {v}\n"));
        }
    }
    let first = db.markers.first().and_then(|m| m.sample_size);
    if first.is_some() && db.markers.iter().all(|m| m.sample_size == first) {
        out.push_str(&format!("# N: {}\n", first.unwrap_or_default()));
    } else {
        for m in &db.markers {
            if let Some(n) = m.sample_size {
                out.push_str(&format!("# N {}: {n}\n", m.name));
            }
        }
    }
    out
}

/// Decides the form from the first non-blank line after the comments: a long-form header means [`FreqFormat::Long`]; a line
/// with a comma or tab and at least two fields that is not a list-form allele line (`allele<TAB>number`)
/// means [`FreqFormat::Ladder`] (so does a first field `Allele`); anything else is [`FreqFormat::List`].
pub fn detect_format(text: &str) -> FreqFormat {
    let Some((_, first)) = data_lines(text).find(|(_, l)| !l.trim().is_empty()) else {
        return FreqFormat::List;
    };
    if long_header(first).is_some() {
        return FreqFormat::Long;
    }
    let Some(delimiter) = table_delimiter(first) else {
        return FreqFormat::List;
    };
    let mut fields = first_record(first, delimiter);
    trim_trailing_empty(&mut fields);
    let allele_line = fields.len() == 2 && fields[1].parse::<f64>().is_ok();
    if fields.len() >= 2 && (fields[0].eq_ignore_ascii_case("allele") || !allele_line) {
        FreqFormat::Ladder
    } else {
        FreqFormat::List
    }
}

/// Detects the form of `text` and parses it, with the metadata of its leading comment lines.
pub fn read_frequencies(text: &str) -> Result<FrequencyDb, FreqError> {
    read_frequencies_as(text, detect_format(text))
}

/// Parses `text` as the given form, without detection (for a caller that knows the form, and for
/// fuzzing each form's reader on its own), with the metadata of its leading comment lines.
pub fn read_frequencies_as(text: &str, format: FreqFormat) -> Result<FrequencyDb, FreqError> {
    let header = read_header(text)?;
    let db = match format {
        FreqFormat::List => read_list(text),
        FreqFormat::Ladder => read_ladder(text),
        FreqFormat::Long => read_long(text),
    }?;
    header.apply(db)
}

/// The delimiter of a ladder or long-form line with tabs (TSV) or commas (CSV); None for neither.
fn table_delimiter(line: &str) -> Option<u8> {
    if line.contains('\t') {
        Some(b'\t')
    } else if line.contains(',') {
        Some(b',')
    } else {
        None
    }
}

/// The fields of one line split by the table reader (quotes honoured), as the ladder and long-form
/// readers split their lines.
fn first_record(line: &str, delimiter: u8) -> Vec<String> {
    records(line, 1, delimiter)
        .next()
        .and_then(Result::ok)
        .map(|r| r.fields)
        .unwrap_or_default()
}

/// How the lines of a long-form file are split: as a CSV or TSV table, or at runs of white space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LongDelimiter {
    Table(u8),
    Whitespace,
}

/// The delimiter of a long-form header line, or None if `line` is not one.
fn long_header(line: &str) -> Option<LongDelimiter> {
    let (delim, mut fields) = match table_delimiter(line) {
        Some(d) => (LongDelimiter::Table(d), first_record(line, d)),
        None => (
            LongDelimiter::Whitespace,
            Delimiter::Whitespace
                .split(line)
                .into_iter()
                .map(str::to_owned)
                .collect(),
        ),
    };
    fields.iter_mut().for_each(|f| f.make_ascii_lowercase());
    trim_trailing_empty(&mut fields);
    let ok = fields.len() == 3
        && matches!(fields[0].as_str(), "marker" | "locus")
        && fields[1] == "allele"
        && matches!(fields[2].as_str(), "freq" | "frequency");
    ok.then_some(delim)
}

/// A frequency: a finite number in [0, 1], parsed at full precision.
pub(crate) fn parse_freq(cell: &str) -> Result<f64, String> {
    match cell.parse::<f64>() {
        Ok(x) if x.is_nan() || x.is_infinite() => Err(format!("frequency '{cell}' is not a finite number")),
        Ok(x) if x < 0.0 => Err(format!("frequency {cell} is negative")),
        Ok(x) if x > 1.0 => Err(format!("frequency {cell} is above 1")),
        Ok(x) => Ok(x),
        Err(_) => Err(format!("frequency '{cell}' is not a number")),
    }
}

/// Builds markers while checking for duplicate alleles.
struct Builder {
    markers: Vec<MarkerFreqs>,
    seen: Vec<HashSet<String>>,
}

impl Builder {
    fn new() -> Self {
        Builder {
            markers: Vec::new(),
            seen: Vec::new(),
        }
    }

    fn add_marker(&mut self, name: &str, line: usize) -> usize {
        self.markers.push(MarkerFreqs {
            name: name.to_string(),
            line,
            alleles: Vec::new(),
            sample_size: None,
        });
        self.seen.push(HashSet::new());
        self.markers.len() - 1
    }

    /// Adds an allele to marker `m`; `field` names the field for a duplicate-allele error.
    fn add_allele(&mut self, m: usize, allele: &str, freq: f64, line: usize, field: &str) -> Result<(), FreqError> {
        if !self.seen[m].insert(allele.to_string()) {
            return Err(FreqError::new(
                line,
                field,
                format!(
                    "allele '{allele}' is listed twice for marker '{}'",
                    self.markers[m].name
                ),
            ));
        }
        self.markers[m].alleles.push((allele.to_string(), freq));
        Ok(())
    }

    fn finish(self) -> Result<FrequencyDb, FreqError> {
        if let Some(m) = self.markers.iter().find(|m| m.alleles.is_empty()) {
            return Err(FreqError::new(m.line, m.name.as_str(), "marker has no alleles"));
        }
        Ok(FrequencyDb {
            markers: self.markers,
            metadata: FreqMetadata::default(),
        })
    }
}

/// The records of a ladder or long-form table from its header line on (the leading comment block
/// skipped), split by the table reader; a record that cannot be split names its line.
fn table_records(
    text: &str,
    header_line: usize,
    delimiter: u8,
) -> impl Iterator<Item = Result<Record, FreqError>> + '_ {
    records(from_line(text, header_line), header_line, delimiter)
        .map(|r| r.map_err(|e| FreqError::new(e.line, "columns", e.message)))
}

fn read_long(text: &str) -> Result<FrequencyDb, FreqError> {
    let mut lines = data_lines(text).filter(|(_, l)| !l.trim().is_empty());
    let (header_line, header) = lines
        .next()
        .ok_or_else(|| FreqError::new(1, "header", "the file is empty"))?;
    let delim = long_header(header)
        .ok_or_else(|| FreqError::new(header_line, "header", "expected the header marker<TAB>allele<TAB>freq"))?;
    let rows: Vec<Record> = match delim {
        LongDelimiter::Table(d) => table_records(text, header_line, d).skip(1).collect::<Result<_, _>>()?,
        LongDelimiter::Whitespace => lines
            .map(|(line, text)| Record {
                line,
                fields: Delimiter::Whitespace
                    .split(text)
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
            })
            .collect(),
    };
    let mut b = Builder::new();
    for row in &rows {
        let line = row.line;
        let mut fields = row.fields();
        trim_trailing_empty(&mut fields);
        if fields.len() != 3 {
            return Err(FreqError::new(
                line,
                "columns",
                format!("expected 3 columns (marker, allele, freq), found {}", fields.len()),
            ));
        }
        let (marker, allele, freq) = (fields[0], fields[1], fields[2]);
        if marker.is_empty() {
            return Err(FreqError::new(line, "marker", "empty marker name"));
        }
        if allele.is_empty() {
            return Err(FreqError::new(line, "allele", "empty allele"));
        }
        let freq = parse_freq(freq).map_err(|m| FreqError::new(line, "freq", format!("marker '{marker}': {m}")))?;
        let m = match b.markers.iter().position(|x| x.name == marker) {
            Some(m) => m,
            None => b.add_marker(marker, line),
        };
        b.add_allele(m, allele, freq, line, "allele")?;
    }
    if b.markers.is_empty() {
        return Err(FreqError::new(header_line, "header", "no alleles after the header"));
    }
    b.finish()
}

fn read_ladder(text: &str) -> Result<FrequencyDb, FreqError> {
    let mut lines = data_lines(text).filter(|(_, l)| !l.trim().is_empty());
    let (header_line, header) = lines
        .next()
        .ok_or_else(|| FreqError::new(1, "header", "the file is empty"))?;
    let delimiter = table_delimiter(header).unwrap_or(b',');
    let mut records = table_records(text, header_line, delimiter);
    let header = records.next().transpose()?.unwrap_or(Record {
        line: header_line,
        fields: Vec::new(),
    });
    let mut head = header.fields();
    trim_trailing_empty(&mut head);
    let allele_field = match head.first() {
        Some(f) if !f.is_empty() => f.to_string(),
        _ => "Allele".to_string(),
    };
    if head.len() < 2 {
        return Err(FreqError::new(
            header_line,
            "header",
            "expected an allele column and at least one marker column",
        ));
    }
    let mut b = Builder::new();
    let mut names = HashSet::new();
    for (col, name) in head.iter().enumerate().skip(1) {
        if name.is_empty() {
            return Err(FreqError::new(
                header_line,
                "header",
                format!("column {} has no marker name", col + 1),
            ));
        }
        if !names.insert(*name) {
            return Err(FreqError::new(
                header_line,
                *name,
                "marker name appears twice in the header",
            ));
        }
        b.add_marker(name, header_line);
    }
    let nmark = head.len() - 1;
    for record in records {
        let record = record?;
        let line = record.line;
        let fields = record.fields();
        // A tab inside a comma-separated cell is a broken export, and no ladder could write it back.
        if let Some(col) = fields.iter().position(|f| f.contains('\t')) {
            let field = head.get(col).copied().filter(|h| !h.is_empty()).unwrap_or("columns");
            return Err(FreqError::new(
                line,
                field,
                format!("column {} holds a tab inside a comma-separated cell", col + 1),
            ));
        }
        if fields.len() < nmark + 1 {
            return Err(FreqError::new(
                line,
                "columns",
                format!(
                    "expected {} columns as in the header, found {}",
                    nmark + 1,
                    fields.len()
                ),
            ));
        }
        if let Some(extra) = fields[nmark + 1..].iter().position(|f| !f.is_empty()) {
            return Err(FreqError::new(
                line,
                "columns",
                format!(
                    "column {} holds '{}' but the header has only {} columns",
                    nmark + 2 + extra,
                    fields[nmark + 1 + extra],
                    nmark + 1
                ),
            ));
        }
        let allele = fields[0];
        let cells = &fields[1..=nmark];
        if allele.is_empty() {
            if cells.iter().all(|c| c.is_empty()) {
                continue;
            }
            return Err(FreqError::new(
                line,
                allele_field.as_str(),
                "empty allele in a row with frequencies",
            ));
        }
        for (m, cell) in cells.iter().enumerate() {
            if cell.is_empty() || is_na(cell) {
                continue;
            }
            let freq = parse_freq(cell).map_err(|msg| FreqError::new(line, head[m + 1], msg))?;
            b.add_allele(m, allele, freq, line, head[m + 1])?;
        }
    }
    b.finish()
}

/// The fields of a list-form allele line: any line with a tab, or a line of two white-space separated
/// tokens of which the second is a number. None for a marker-name line.
fn list_allele(line: &str) -> Option<Vec<&str>> {
    if line.contains('\t') {
        return Some(Delimiter::Tab.split(line));
    }
    let fields = Delimiter::Whitespace.split(line);
    (fields.len() == 2 && fields[1].parse::<f64>().is_ok()).then_some(fields)
}

fn read_list(text: &str) -> Result<FrequencyDb, FreqError> {
    let mut b = Builder::new();
    let mut names = HashSet::new();
    let mut current: Option<usize> = None;
    for (line, text) in data_lines(text) {
        if text.trim().is_empty() {
            current = None;
            continue;
        }
        match list_allele(text) {
            None => {
                let name = text.trim();
                if !names.insert(name.to_string()) {
                    return Err(FreqError::new(line, name, "marker appears twice in the file"));
                }
                current = Some(b.add_marker(name, line));
            }
            Some(mut fields) => {
                let Some(m) = current else {
                    let message = if b.markers.is_empty() {
                        "allele line before any marker name"
                    } else {
                        "allele line after a blank line; expected a marker name"
                    };
                    return Err(FreqError::new(line, "marker", message));
                };
                let marker = b.markers[m].name.clone();
                trim_trailing_empty(&mut fields);
                if fields.len() != 2 || fields[0].is_empty() {
                    return Err(FreqError::new(
                        line,
                        marker,
                        format!("expected allele<TAB>frequency, found '{}'", text.trim()),
                    ));
                }
                let freq = parse_freq(fields[1]).map_err(|msg| FreqError::new(line, marker.as_str(), msg))?;
                b.add_allele(m, fields[0], freq, line, &marker)?;
            }
        }
    }
    if b.markers.is_empty() {
        return Err(FreqError::new(1, "marker", "the file holds no markers"));
    }
    b.finish()
}

/// Writes the Familias list form (after the metadata comment lines, if any): the marker name, `allele<TAB>frequency` lines, a blank line between
/// markers. Frequencies are written in the shortest form that reads back to the same number.
pub fn write_list(db: &FrequencyDb) -> String {
    let mut out = write_header(db);
    for (i, m) in db.markers.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&m.name);
        out.push('\n');
        for (allele, freq) in &m.alleles {
            out.push_str(&format!("{allele}\t{freq}\n"));
        }
    }
    out
}

/// Natural order of allele labels: numbers by value first, then other labels case-insensitively.
fn allele_order(a: &str, b: &str) -> Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.total_cmp(&y).then_with(|| a.cmp(b)),
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        (Err(_), Err(_)) => a.to_lowercase().cmp(&b.to_lowercase()).then_with(|| b.cmp(a)),
    }
}

/// A label as a TSV ladder cell, quoted as the table reader unquotes it: a label with a quote, tab or
/// line break goes in quotes with its quotes doubled (`"x"` is written `"""x"""`).
fn ladder_cell(label: &str) -> std::borrow::Cow<'_, str> {
    if label.contains(['"', '\t', '\n', '\r']) {
        format!("\"{}\"", label.replace('"', "\"\"")).into()
    } else {
        label.into()
    }
}

/// Writes the ladder form as TSV (after the metadata comment lines, if any): an `Allele` column, then one column per marker. Rows follow the
/// natural allele order (numbers by value, then letters) when every marker lists its alleles in that
/// order; otherwise rows are merged so that each marker's own allele order survives a round trip (an
/// allele label may then appear on more than one row).
pub fn write_ladder(db: &FrequencyDb) -> String {
    let n = db.markers.len();
    let sorted_everywhere = db.markers.iter().all(|m| {
        m.alleles
            .windows(2)
            .all(|w| allele_order(&w[0].0, &w[1].0) == Ordering::Less)
    });
    let mut rows: Vec<(&str, Vec<Option<f64>>)> = Vec::new();
    if sorted_everywhere {
        let mut labels: Vec<&str> = db
            .markers
            .iter()
            .flat_map(|m| m.alleles.iter().map(|(a, _)| a.as_str()))
            .collect();
        labels.sort_by(|a, b| allele_order(a, b));
        labels.dedup();
        rows = labels.into_iter().map(|a| (a, vec![None; n])).collect();
        for (j, m) in db.markers.iter().enumerate() {
            for (allele, freq) in &m.alleles {
                let i = rows
                    .binary_search_by(|(a, _)| allele_order(a, allele))
                    .expect("every allele has a row");
                rows[i].1[j] = Some(*freq);
            }
        }
    } else {
        // Merge marker by marker: reuse the next free row with the same label after the previous
        // allele's row, or insert a row right there.
        for (j, m) in db.markers.iter().enumerate() {
            let mut pos = 0;
            for (allele, freq) in &m.alleles {
                let found = rows[pos..]
                    .iter()
                    .position(|(a, cells)| a == allele && cells[j].is_none())
                    .map(|k| pos + k);
                let i = found.unwrap_or_else(|| {
                    rows.insert(pos, (allele.as_str(), vec![None; n]));
                    pos
                });
                rows[i].1[j] = Some(*freq);
                pos = i + 1;
            }
        }
    }
    let mut out = write_header(db);
    out.push_str("Allele");
    for m in &db.markers {
        out.push('\t');
        out.push_str(&ladder_cell(&m.name));
    }
    out.push('\n');
    for (allele, cells) in rows {
        out.push_str(&ladder_cell(allele));
        for cell in cells {
            out.push('\t');
            if let Some(f) = cell {
                out.push_str(&f.to_string());
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(markers: &[(&str, &[(&str, f64)])]) -> FrequencyDb {
        FrequencyDb {
            markers: markers
                .iter()
                .map(|(name, alleles)| MarkerFreqs {
                    name: name.to_string(),
                    line: 0,
                    alleles: alleles.iter().map(|(a, f)| (a.to_string(), *f)).collect(),
                    sample_size: None,
                })
                .collect(),
            metadata: FreqMetadata::default(),
        }
    }

    /// Names and alleles, without line numbers (which differ between forms).
    fn content(db: &FrequencyDb) -> Vec<(String, Vec<(String, f64)>)> {
        db.markers.iter().map(|m| (m.name.clone(), m.alleles.clone())).collect()
    }

    fn err(text: &str) -> FreqError {
        read_frequencies(text).expect_err("should fail")
    }

    fn assert_err(text: &str, line: usize, field: &str) {
        let e = err(text);
        assert_eq!((e.line, e.field.as_str()), (line, field), "{text:?}: {e}");
    }

    fn assert_round_trips(db: &FrequencyDb) {
        let list = write_list(db);
        assert_eq!(detect_format(&list), FreqFormat::List, "{list}");
        assert_eq!(content(&read_frequencies(&list).unwrap()), content(db), "{list}");
        let ladder = write_ladder(db);
        assert_eq!(detect_format(&ladder), FreqFormat::Ladder, "{ladder}");
        assert_eq!(content(&read_frequencies(&ladder).unwrap()), content(db), "{ladder}");
    }

    #[test]
    fn detection() {
        assert_eq!(detect_format("marker\tallele\tfreq\nM\t1\t1\n"), FreqFormat::Long);
        assert_eq!(detect_format("\n\nMarker\tAllele\tFrequency\n"), FreqFormat::Long);
        assert_eq!(detect_format("marker,allele,freq\n"), FreqFormat::Long);
        assert_eq!(detect_format("Allele,SYN4M,SYN3\n9,0.25,\n"), FreqFormat::Ladder);
        assert_eq!(detect_format("Allele\tPenta E\n"), FreqFormat::Ladder);
        assert_eq!(detect_format("Allele\t12\n"), FreqFormat::Ladder);
        assert_eq!(detect_format("D1S1656\n10\t0.001\n"), FreqFormat::List);
        assert_eq!(detect_format("Penta E\n5\t0.07\n"), FreqFormat::List);
        assert_eq!(detect_format("10\t0.5\n"), FreqFormat::List);
        assert_eq!(detect_format(""), FreqFormat::List);
    }

    #[test]
    fn long_form() {
        let text = "marker\tallele\tfreq\nM1\t9\t0.3029670530917228\nPenta E\t5\t0.5\nM1\t10\t0.6970329469082772\n\
                    Penta E\t6\t0.5\n";
        let db = read_frequencies(text).unwrap();
        assert_eq!(db.markers.len(), 2);
        let m1 = db.get("M1").unwrap();
        assert_eq!(m1.line, 2);
        assert_eq!(
            m1.alleles,
            [
                ("9".to_string(), 0.3029670530917228),
                ("10".to_string(), 0.6970329469082772)
            ]
        );
        assert_eq!(db.markers[1].name, "Penta E");
        assert_eq!(db.markers[1].line, 3);
        assert!(db.get("M2").is_none());
    }

    #[test]
    fn ladder_form_csv() {
        let text =
            "Allele,SYN4M,SYN3,\r\n9,0.25,,\r\n9.3,0.15,NA,\r\n10,0.35,0.2,\r\n,,,\r\n11,0.25,0.3\r\n12,,0.5,\r\n";
        let db = read_frequencies(text).unwrap();
        assert_eq!(content(&db), content(&db_syn()));
        assert_eq!(db.markers[0].line, 1);
        assert_eq!(db.markers[1].line, 1);
    }

    fn db_syn() -> FrequencyDb {
        db(&[
            ("SYN4M", &[("9", 0.25), ("9.3", 0.15), ("10", 0.35), ("11", 0.25)]),
            ("SYN3", &[("10", 0.2), ("11", 0.3), ("12", 0.5)]),
        ])
    }

    #[test]
    fn ladder_form_tsv_with_quotes() {
        let text = "\"Allele\"\t\"Penta E\"\n\"5\"\t0.5\n6\t\"0.5\"\n";
        let parsed = read_frequencies(text).unwrap();
        assert_eq!(
            content(&parsed),
            content(&db(&[("Penta E", &[("5", 0.5), ("6", 0.5)])]))
        );
    }

    /// A spreadsheet quotes a CSV value that holds a comma; the reader keeps it whole, as every
    /// table in formats is split by the one reader in `table.rs`.
    #[test]
    fn quoted_csv_values_keep_their_commas() {
        let ladder = "# source: a survey, 2013\n\nAllele,\"Penta E, v2\",B\n\n\"5\",0.5,1\n6,0.5,\n";
        let db = read_frequencies(ladder).unwrap();
        assert_eq!(
            content(&db),
            content(&self::db(&[
                ("Penta E, v2", &[("5", 0.5), ("6", 0.5)]),
                ("B", &[("5", 1.0)])
            ]))
        );
        assert_eq!(db.markers[0].line, 3);
        assert_err(&ladder.replace("6,0.5", "6,x"), 6, "Penta E, v2");
        let long = "marker,allele,freq\n\"M, 1\",9,0.5\n\"M, 1\",\"9,3\",0.5\n";
        assert_eq!(detect_format(long), FreqFormat::Long);
        let db = read_frequencies(long).unwrap();
        assert_eq!(
            content(&db),
            content(&self::db(&[("M, 1", &[("9", 0.5), ("9,3", 0.5)])]))
        );
        assert_err(&long.replace("\",0.5\n", "\",2\n"), 3, "freq");
    }

    #[test]
    fn list_form() {
        let text = "\u{feff}SYN_AG\nA\t0.3\nG\t0.7\n\nPenta E\n5 0.5\n6   0.5\nSYN3\n10\t0.2\n11\t0.3\n12\t0.5\n";
        let db = read_frequencies(text).unwrap();
        let names: Vec<&str> = db.markers.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["SYN_AG", "Penta E", "SYN3"]);
        assert_eq!(db.markers[1].line, 5);
        assert_eq!(db.markers[1].alleles, [("5".to_string(), 0.5), ("6".to_string(), 0.5)]);
        assert_eq!(db.markers[2].line, 8);
        assert_eq!(db.get("SYN_AG").unwrap().alleles[0], ("A".to_string(), 0.3));
    }

    #[test]
    fn every_leading_byte_order_mark_is_dropped() {
        let db = read_frequencies("\u{feff}\u{feff}M\n1\t1\n").unwrap();
        assert_eq!(db.markers[0].name, "M");
    }

    #[test]
    fn full_precision() {
        let text = "M\n1\t0.1\n2\t0.30000000000000004\n3\t0.3029670530917228\n4\t0.2970329469082772\n";
        let parsed = read_frequencies(text).unwrap();
        assert_eq!(parsed.markers[0].alleles[1].1, 0.30000000000000004);
        assert_ne!(parsed.markers[0].alleles[1].1, 0.3);
        assert_eq!(parsed.markers[0].alleles[2].1, 0.3029670530917228);
        assert_eq!(write_list(&parsed), text);
    }

    #[test]
    fn round_trips() {
        assert_round_trips(&db_syn());
        assert_round_trips(&db(&[
            ("SYN_AG", &[("A", 0.3), ("G", 0.7)]),
            ("SYN4L", &[("a", 0.1), ("b", 0.2), ("c", 0.3), ("d", 0.4)]),
            ("Penta E", &[("5", 0.3029670530917228), ("24.2", 1e-20), ("7", 0.0)]),
            ("SYN1", &[("X", 1.0)]),
        ]));
        // Conflicting allele orders between markers still survive a ladder round trip.
        assert_round_trips(&db(&[
            ("M1", &[("10", 0.5), ("9", 0.5)]),
            ("M2", &[("9", 0.25), ("10", 0.25), ("11", 0.5)]),
            ("M3", &[("11", 0.5), ("10", 0.5)]),
        ]));
    }

    #[test]
    fn metadata_in_header_comments() {
        let text = "# population: Norway\n# source: norSTR\n# a free comment\n# licence: MIT\n# N: 1043\n\
                    # N SYN3: 512\n\nSYN4M\n9\t0.5\n10\t0.5\n\nSYN3\n10\t1\n";
        let db = read_frequencies(text).unwrap();
        assert_eq!(db.metadata.population.as_deref(), Some("Norway"));
        assert_eq!(db.metadata.source.as_deref(), Some("norSTR"));
        assert_eq!(db.metadata.licence.as_deref(), Some("MIT"));
        assert_eq!(db.markers[0].sample_size, Some(1043));
        assert_eq!(db.markers[1].sample_size, Some(512));
        assert_eq!(db.markers[0].line, 8);
        // Every form carries it, and the writers write it back.
        for text in [write_list(&db), write_ladder(&db)] {
            let again = read_frequencies(&text).unwrap();
            assert_eq!(again.metadata, db.metadata, "{text}");
            let sizes: Vec<Option<u64>> = again.markers.iter().map(|m| m.sample_size).collect();
            assert_eq!(sizes, [Some(1043), Some(512)], "{text}");
        }
        let long = "# N: 10\nmarker\tallele\tfreq\nM\t1\t1\n";
        assert_eq!(read_frequencies(long).unwrap().markers[0].sample_size, Some(10));
        assert_eq!(detect_format(long), FreqFormat::Long);
    }

    #[test]
    fn bad_metadata_names_the_comment_line() {
        assert_err("# N: many\nM\n1\t1\n", 1, "N");
        assert_err("# N: 0\nM\n1\t1\n", 1, "N");
        assert_err("# population: X\n# N M: -3\nM\n1\t1\n", 2, "M");
        assert_err("# N TH01: 30\nM\n1\t1\n", 1, "TH01");
    }

    #[test]
    fn ladder_rows_in_natural_order() {
        let ladder = write_ladder(&db_syn());
        assert_eq!(
            ladder,
            "Allele\tSYN4M\tSYN3\n9\t0.25\t\n9.3\t0.15\t\n10\t0.35\t0.2\n11\t0.25\t0.3\n12\t\t0.5\n"
        );
        assert_eq!(
            write_list(&db_syn()),
            "SYN4M\n9\t0.25\n9.3\t0.15\n10\t0.35\n11\t0.25\n\nSYN3\n10\t0.2\n11\t0.3\n12\t0.5\n"
        );
    }

    #[test]
    fn bad_frequencies_name_line_and_marker() {
        // List form: the field is the marker name.
        assert_err("M1\n1\t0.5\n2\tabc\n", 3, "M1");
        assert_err("M1\n1\t0.5\n\nPenta E\n2\t-0.1\n", 5, "Penta E");
        assert_err("M1\n1\t1.5\n", 2, "M1");
        assert_err("M1\n1\tNaN\n", 2, "M1");
        // Ladder form: the field is the column's marker name.
        assert_err("Allele,A,B\n1,0.5,0.5\n2,0.5,x\n", 3, "B");
        assert_err("Allele\tA\tB\n1\t0.5\t1.01\n", 2, "B");
        // Long form: the field is the column.
        assert_err("marker\tallele\tfreq\nM\t1\t-1\n", 2, "freq");
        assert_err("marker\tallele\tfreq\nM\t1\t0.5\n\t2\t0.5\n", 3, "marker");
        assert_err("marker\tallele\tfreq\nM\t\t0.5\n", 2, "allele");
        assert_err("marker\tallele\tfreq\nM\t1\n", 2, "columns");
    }

    #[test]
    fn duplicate_alleles() {
        assert_err("M1\n1\t0.5\n1\t0.5\n", 3, "M1");
        assert_err("marker\tallele\tfreq\nM\t1\t0.5\nN\t1\t0.5\nM\t1\t0.5\n", 4, "allele");
        assert_err("Allele,A,B\n1,0.5,\n1,0.5,0.5\n", 3, "A");
        // The same label on two ladder rows is fine when no marker has it twice.
        assert!(read_frequencies("Allele,A,B\n1,0.5,\n2,0.5,0.5\n1,,0.5\n").is_ok());
    }

    #[test]
    fn markers_without_alleles() {
        assert_err("M1\n1\t1\n\nM2\n\nM3\n1\t1\n", 4, "M2");
        assert_err("M1\n1\t1\n\nM2\n", 4, "M2");
        assert_err("Allele,A,B\n1,1,\n", 1, "B");
    }

    #[test]
    fn tab_inside_a_comma_separated_ladder_cell_is_an_error() {
        assert_err("Allele,A,B\n1,0.5,0.5\n2\tx,0.5,0.5\n", 3, "Allele");
        assert_err("Allele,A,B\n1,0.5,0\t5\n", 2, "B");
    }

    #[test]
    fn quoted_labels_survive_a_ladder_round_trip() {
        assert_round_trips(&db(&[("\"M\"", &[("\"9\"", 0.5), ("10", 0.5)])]));
    }

    #[test]
    fn structural_errors() {
        assert_err("", 1, "marker");
        assert_err("10\t0.5\n", 1, "marker");
        assert_err("M1\n1\t0.5\n\n2\t0.5\n", 4, "marker");
        assert_err("M1\n1\t0.5\t0.2\n", 2, "M1");
        assert_err("M1\n1\t1\n\nM1\n2\t1\n", 4, "M1");
        assert_err("Allele,A,A\n1,0.5,0.5\n", 1, "A");
        assert_err("Allele,A,,B\n1,0.5,,0.5\n", 1, "header");
        assert_err("Allele,A\n1,0.5,0.5\n", 2, "columns");
        assert_err("Allele,A,B\n1,0.5\n", 2, "columns");
        assert_err("Allele,A\n,0.5\n", 2, "Allele");
        assert_err("marker\tallele\tfreq\n", 1, "header");
    }
}
