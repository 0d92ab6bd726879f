//! Line and field splitting shared by the readers.

/// The lines of `text` with 1-based numbers, leading byte-order marks and trailing `\r` removed. All
/// leading marks go (a file saved twice by a careless editor has two), so none ends up in a name; all
/// trailing carriage returns go (`\r\r\n` is what a CRLF file gets after a second CRLF conversion), so
/// no value ends in one that a writer would put back as part of its line ending.
pub(crate) fn numbered_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let text = text.trim_start_matches('\u{feff}');
    text.split('\n')
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim_end_matches('\r')))
}

/// The lines that hold data, numbered as [`numbered_lines`] numbers them: blank lines and `#` comment
/// lines left out.
pub(crate) fn content_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    numbered_lines(text).filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
}

/// `text` from the start of its line `line` (1-based, counted as [`numbered_lines`] counts).
pub(crate) fn from_line(text: &str, line: usize) -> &str {
    let text = text.trim_start_matches('\u{feff}');
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    &text[start..]
}

/// How the fields of a line are separated, in the line readers that do not read CSV (comma-separated
/// text, where quotes matter, goes through the table reader in `table.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delimiter {
    Tab,
    /// Runs of spaces or tabs.
    Whitespace,
}

impl Delimiter {
    /// How a table whose header line is `header` separates its fields: tabs if the header has one,
    /// else runs of white space (pedtools writes either).
    pub(crate) fn of_header(header: &str) -> Delimiter {
        if header.contains('\t') {
            Delimiter::Tab
        } else {
            Delimiter::Whitespace
        }
    }

    /// The fields of `line` as [`Delimiter::split`] gives them, without the empty ones at the end
    /// (trailing tabs).
    pub(crate) fn fields(self, line: &str) -> Vec<&str> {
        let mut fields = self.split(line);
        trim_trailing_empty(&mut fields);
        fields
    }

    /// The fields of `line`, each trimmed. With `Whitespace` there are no empty fields.
    pub(crate) fn split(self, line: &str) -> Vec<&str> {
        match self {
            Delimiter::Tab => line.split('\t').map(str::trim).collect(),
            Delimiter::Whitespace => line.split_whitespace().collect(),
        }
    }
}

/// Drops empty fields from the end.
pub(crate) fn trim_trailing_empty<S: AsRef<str>>(fields: &mut Vec<S>) {
    while fields.last().is_some_and(|f| f.as_ref().is_empty()) {
        fields.pop();
    }
}

/// `NA` (any case) as written by R and spreadsheets for a missing value.
pub(crate) fn is_na(field: &str) -> bool {
    field.eq_ignore_ascii_case("na")
}
