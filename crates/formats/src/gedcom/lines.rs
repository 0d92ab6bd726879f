//! The GEDCOM line grammar, shared by 5.5.1 and 7.0: `level [@xref@] tag [value]`, built into a
//! tree of records. `CONT` and `CONC` lines are kept with the line they continue, so that the
//! version-dependent `@@` escape can be undone line by line (see [`Node::text`]).

use super::{GedcomError, Version};

/// One line with its sub-lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Node {
    pub line: usize,
    pub xref: Option<String>,
    pub tag: String,
    /// The value as written (escapes not undone).
    pub raw: String,
    /// `CONT` (true: a line break first) and `CONC` (false) pieces, raw.
    pub continuations: Vec<(bool, String)>,
    pub children: Vec<Node>,
}

impl Node {
    /// The value with its continuations joined and the `@@` escape undone for `version`: in 7.0
    /// only a leading `@@` stands for `@`; in 5.5.1 every `@@` does.
    pub fn text(&self, version: Version) -> String {
        let mut out = unescape(&self.raw, version);
        for (line_break, piece) in &self.continuations {
            if *line_break {
                out.push('\n');
            }
            out.push_str(&unescape(piece, version));
        }
        out
    }

    /// The first sub-line with this tag.
    pub fn first(&self, tag: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.tag == tag)
    }

    /// The text of the first sub-line with this tag, if it has one.
    pub fn child_text(&self, tag: &str, version: Version) -> Option<String> {
        self.first(tag).map(|c| c.text(version)).filter(|t| !t.is_empty())
    }

    pub fn error(&self, message: impl Into<String>) -> GedcomError {
        GedcomError::new(self.line, &self.tag, message)
    }

    /// The record this line points at (`@I1@` → `I1`), or `None` for the 7.0 null pointer `@VOID@`.
    pub fn pointer(&self) -> Result<Option<String>, GedcomError> {
        let v = self.raw.trim();
        match v.strip_prefix('@').and_then(|r| r.strip_suffix('@')) {
            Some("VOID") => Ok(None),
            Some(x) if valid_xref(x) => Ok(Some(x.to_owned())),
            _ => Err(self.error(format!("'{v}' is not a pointer to a record (@XREF@)"))),
        }
    }
}

fn unescape(raw: &str, version: Version) -> String {
    match version {
        Version::V7 => match raw.strip_prefix("@@") {
            Some(rest) => format!("@{rest}"),
            None => raw.to_owned(),
        },
        Version::V551 => raw.replace("@@", "@"),
    }
}

/// An xref without its `@`s: not empty, no `@`, no control characters, not the 5.5.1 escape `#…`.
pub(crate) fn valid_xref(x: &str) -> bool {
    !x.is_empty() && !x.starts_with('#') && !x.chars().any(|c| c == '@' || c.is_control() || c == ' ')
}

fn valid_tag(t: &str) -> bool {
    !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// One line split into its parts; `None` for a blank line (5.5.1 tolerates them).
fn split_line(number: usize, line: &str) -> Result<Option<(usize, Node)>, GedcomError> {
    // 5.5.1 lets leading white space be ignored.
    let s = line.trim_start_matches([' ', '\t']);
    if s.is_empty() {
        return Ok(None);
    }
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Err(GedcomError::new(number, "", "a line must start with its level number"));
    }
    if digits > 2 || (digits == 2 && s.starts_with('0')) {
        return Err(GedcomError::new(
            number,
            "",
            format!("'{}' is not a level (0 to 99, no leading zero)", &s[..digits]),
        ));
    }
    let level: usize = s[..digits].parse().expect("one or two ASCII digits");
    let rest = s[digits..]
        .strip_prefix(' ')
        .ok_or_else(|| GedcomError::new(number, "", "a space must follow the level number"))?;
    let (xref, rest) = if let Some(after) = rest.strip_prefix('@') {
        let end = after
            .find('@')
            .ok_or_else(|| GedcomError::new(number, "", "the record id (@XREF@) has no closing @"))?;
        let x = &after[..end];
        if !valid_xref(x) {
            return Err(GedcomError::new(number, "", format!("'@{x}@' is not a record id")));
        }
        let rest = after[end + 1..]
            .strip_prefix(' ')
            .ok_or_else(|| GedcomError::new(number, "", "a space must follow the record id"))?;
        (Some(x.to_owned()), rest)
    } else {
        (None, rest)
    };
    let (tag, value) = match rest.split_once(' ') {
        Some((t, v)) => (t, v),
        None => (rest, ""),
    };
    if !valid_tag(tag) {
        return Err(GedcomError::new(
            number,
            "",
            format!("'{tag}' is not a tag (letters, digits and _)"),
        ));
    }
    Ok(Some((
        level,
        Node {
            line: number,
            xref,
            tag: tag.to_owned(),
            raw: value.to_owned(),
            continuations: Vec::new(),
            children: Vec::new(),
        },
    )))
}

/// The records of a GEDCOM text (level-0 lines with their sub-lines). A byte-order mark is
/// skipped; lines end with LF, CRLF or CR.
pub(crate) fn parse_records(text: &str) -> Result<Vec<Node>, GedcomError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    // stack[k] is the open line at level k.
    let mut stack: Vec<Node> = Vec::new();
    let close = |stack: &mut Vec<Node>, records: &mut Vec<Node>| {
        let node = stack.pop().expect("closing an open line");
        match stack.last_mut() {
            Some(parent) => parent.children.push(node),
            None => records.push(node),
        }
    };
    let mut number = 0;
    for physical in text.split('\n') {
        // A lone CR also ends a line (old Macintosh files).
        let physical = physical.strip_suffix('\r').unwrap_or(physical);
        for line in physical.split('\r') {
            number += 1;
            let Some((level, node)) = split_line(number, line)? else {
                continue;
            };
            if level > stack.len() {
                let why = match stack.len() {
                    0 => "the first line of a record must be at level 0".to_owned(),
                    n => format!("level {level} follows level {}: one level deeper at most", n - 1),
                };
                return Err(node.error(why));
            }
            while stack.len() > level {
                close(&mut stack, &mut records);
            }
            if node.tag == "CONT" || node.tag == "CONC" {
                let parent = stack
                    .last_mut()
                    .ok_or_else(|| node.error("a continuation line cannot start a record"))?;
                parent.continuations.push((node.tag == "CONT", node.raw));
                continue;
            }
            stack.push(node);
        }
    }
    while !stack.is_empty() {
        close(&mut stack, &mut records);
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_make_a_tree_with_continuations() {
        let r =
            parse_records("\u{feff}0 HEAD\r\n1 GEDC\r\n2 VERS 7.0\r\n0 @N1@ SNOTE a\r\n1 CONT b\r\n1 CONC c\n0 TRLR")
                .unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].children[0].children[0].raw, "7.0");
        assert_eq!(r[1].xref.as_deref(), Some("N1"));
        assert_eq!(r[1].text(Version::V7), "a\nbc");
        assert_eq!(r[2].line, 7);
    }

    #[test]
    fn escapes_differ_by_version() {
        let r = parse_records("0 @N@ SNOTE @@me and a@@b\n1 CONT @@@@x").unwrap();
        assert_eq!(r[0].text(Version::V7), "@me and a@@b\n@@@x");
        assert_eq!(r[0].text(Version::V551), "@me and a@b\n@@x");
    }

    /// FamilySearch's escapes.ged: `@@` only at the start of a line's value stands for `@`.
    #[test]
    fn the_published_escapes_file() {
        let r = parse_records(include_str!("../../tests/data/gedcom/escapes.ged")).unwrap();
        let note = |x: &str| {
            r.iter()
                .find(|n| n.xref.as_deref() == Some(x))
                .unwrap()
                .text(Version::V7)
        };
        assert_eq!(note("N01"), "@ one leading");
        assert_eq!(note("N02"), "@one leading no space");
        assert_eq!(note("N05"), "doubled @@ internal has two @ characters, not escaped");
        assert_eq!(note("N08"), "single@internal no space");
        assert_eq!(
            note("N19"),
            "@ at at front and @ inside line and \n@ at after CONT and @ inside CONT's line too."
        );
        let i1 = &r[1].children[1];
        assert_eq!(
            i1.text(Version::V7),
            "me@example.com is an example email address.\n@me and @I are example social media handles.\n\
             @@@@ has four @ characters where only the first is escaped."
        );
    }

    #[test]
    fn bad_lines_name_their_number() {
        for (text, line) in [
            ("0 HEAD\nx NAME", 2),
            ("0 HEAD\n2 GEDC", 2),
            ("0 HEAD\n01 GEDC", 2),
            ("0 HEAD\n1 @I1 INDI", 2),
            ("0 HEAD\n\n1 NA-ME x", 3),
            ("1 HEAD", 1),
            ("0 CONT x", 1),
        ] {
            assert_eq!(parse_records(text).unwrap_err().line, line, "{text:?}");
        }
    }
}
