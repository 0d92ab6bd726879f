//! A small element tree read with quick-xml, shared by the XML formats (CODIS CMF, STRidER).
//!
//! The files are small (a batch of profiles, one frequency database), so reading them whole into a
//! tree and then checking the tree keeps each format's rules in one readable place. Every element
//! keeps the line its start tag ends on, so that errors can name it.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// Nesting deeper than this is refused rather than followed: no format here goes past four levels.
const MAX_DEPTH: usize = 64;

/// An element: its local name (namespace prefix dropped), attributes, child elements and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Element {
    pub name: String,
    pub line: usize,
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Element>,
    /// The element's own text (CDATA included), trimmed.
    pub text: String,
}

/// Why a file is not well-formed XML, or where a format's rule is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub line: usize,
    pub element: String,
    pub message: String,
}

impl Problem {
    pub fn at(element: &Element, message: impl Into<String>) -> Problem {
        Problem {
            line: element.line,
            element: element.name.clone(),
            message: message.into(),
        }
    }
}

/// Counts lines as the reader moves forward through the text.
struct Lines<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
}

impl Lines<'_> {
    /// The line of byte offset `pos` (offsets only move forward; a smaller one gives the last line).
    fn at(&mut self, pos: u64) -> usize {
        let pos = usize::try_from(pos).unwrap_or(usize::MAX).min(self.bytes.len());
        if pos > self.pos {
            self.line += self.bytes[self.pos..pos].iter().filter(|&&b| b == b'\n').count();
            self.pos = pos;
        }
        self.line
    }
}

fn local_name(start: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(start.local_name().as_ref()).into_owned()
}

/// The element of a start tag. `parent` names the enclosing element for a tag without a usable
/// name (`< x>`, `<p:>`, a control character), which an error must still be able to name.
fn element(start: &BytesStart<'_>, line: usize, parent: &str) -> Result<Element, Problem> {
    let name = local_name(start);
    if name.is_empty() || name.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(Problem {
            line,
            element: parent.to_owned(),
            message: format!(
                "a tag without a valid element name: <{}>",
                String::from_utf8_lossy(start.as_ref()).trim().escape_debug()
            ),
        });
    }
    let mut attributes = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| Problem {
            line,
            element: name.clone(),
            message: format!("bad attribute: {e}"),
        })?;
        let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
        let value = attr.unescape_value().map_err(|e| Problem {
            line,
            element: name.clone(),
            message: format!("attribute {key}: {e}"),
        })?;
        attributes.push((key, value.trim().to_owned()));
    }
    Ok(Element {
        name,
        line,
        attributes,
        children: Vec::new(),
        text: String::new(),
    })
}

/// Reads the one root element of `text` with everything under it.
pub(crate) fn parse(text: &str) -> Result<Element, Problem> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = Reader::from_str(text);
    // Not trimmed here: text may come in pieces, and the spaces between them count. Each element's
    // text is trimmed as a whole when it closes.
    reader.config_mut().trim_text(false);
    let mut lines = Lines {
        bytes: text.as_bytes(),
        pos: 0,
        line: 1,
    };
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let open_name = |stack: &[Element]| stack.last().map_or_else(|| "document".to_owned(), |e| e.name.clone());
    loop {
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => {
                return Err(Problem {
                    line: lines.at(reader.error_position()),
                    element: open_name(&stack),
                    message: format!("not well-formed XML: {e}"),
                })
            }
        };
        // The line where the event ends: for a start tag, the line of its `>`.
        let line = lines.at(reader.buffer_position().saturating_sub(1));
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                let empty = matches!(event, Event::Empty(_));
                let el = element(start, line, &open_name(&stack))?;
                if stack.is_empty() && root.is_some() {
                    return Err(Problem {
                        line,
                        element: el.name,
                        message: "a second root element; an XML file has one".into(),
                    });
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(Problem::at(&el, format!("nested deeper than {MAX_DEPTH} elements")));
                }
                stack.push(el);
                if empty {
                    close(&mut stack, &mut root);
                }
            }
            Event::End(_) => close(&mut stack, &mut root),
            Event::Text(t) => {
                let s = t.unescape().map_err(|e| Problem {
                    line,
                    element: open_name(&stack),
                    message: format!("bad text: {e}"),
                })?;
                add_text(&mut stack, &s, line)?;
            }
            Event::CData(c) => {
                let s = String::from_utf8_lossy(&c).into_owned();
                add_text(&mut stack, &s, line)?;
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(Problem {
            line: lines.at(text.len() as u64),
            element: open.name.clone(),
            message: format!("element opened on line {} is not closed", open.line),
        });
    }
    root.ok_or_else(|| Problem {
        line: 1,
        element: "document".into(),
        message: "no XML element found".into(),
    })
}

fn close(stack: &mut Vec<Element>, root: &mut Option<Element>) {
    if let Some(mut done) = stack.pop() {
        let trimmed = done.text.trim();
        if trimmed.len() != done.text.len() {
            done.text = trimmed.to_owned();
        }
        match stack.last_mut() {
            Some(parent) => parent.children.push(done),
            None => *root = Some(done),
        }
    }
}

fn add_text(stack: &mut [Element], s: &str, line: usize) -> Result<(), Problem> {
    match stack.last_mut() {
        Some(el) => {
            // Trimmed once the element closes: text may come in pieces (text, CDATA, text).
            el.text.push_str(s);
            Ok(())
        }
        None if s.trim().is_empty() => Ok(()),
        None => Err(Problem {
            line,
            element: "document".into(),
            message: format!("text '{}' outside the root element", s.trim()),
        }),
    }
}

impl Element {
    /// The value of an attribute (matched by local name, any namespace prefix dropped).
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k.rsplit(':').next() == Some(name) && !k.starts_with("xmlns"))
            .map(|(_, v)| v.as_str())
    }

    /// Refuses attributes other than `known` (namespace declarations and `xsi:` ones are allowed).
    pub fn only_attributes(&self, known: &[&str]) -> Result<(), Problem> {
        for (key, _) in &self.attributes {
            let allowed =
                key == "xmlns" || key.starts_with("xmlns:") || key.starts_with("xsi:") || known.contains(&key.as_str());
            if !allowed {
                let expected = if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                };
                return Err(Problem::at(
                    self,
                    format!("unknown attribute {key} (expected: {expected})"),
                ));
            }
        }
        Ok(())
    }

    /// Refuses child elements other than `known`, and text in an element meant to hold elements.
    pub fn only_children(&self, known: &[&str]) -> Result<(), Problem> {
        if let Some(child) = self.children.iter().find(|c| !known.contains(&c.name.as_str())) {
            return Err(Problem::at(
                child,
                format!("unexpected element in <{}> (expected: {})", self.name, known.join(", ")),
            ));
        }
        if !self.text.is_empty() {
            return Err(Problem::at(self, format!("unexpected text '{}'", self.text)));
        }
        Ok(())
    }

    /// The text of the one child `name`, if there is one; several are an error, as is a child that
    /// holds elements.
    pub fn optional_text(&self, name: &str) -> Result<Option<&Element>, Problem> {
        let mut found = self.children.iter().filter(|c| c.name == name);
        let first = found.next();
        if let Some(second) = found.next() {
            return Err(Problem::at(second, format!("<{name}> given twice in <{}>", self.name)));
        }
        if let Some(el) = first {
            if let Some(inner) = el.children.first() {
                return Err(Problem::at(inner, format!("<{name}> holds text, not elements")));
            }
        }
        Ok(first)
    }

    /// The non-empty text of the one child `name`.
    pub fn required_text(&self, name: &str) -> Result<&Element, Problem> {
        match self.optional_text(name)? {
            Some(el) if el.text.is_empty() => Err(Problem::at(el, "is empty")),
            Some(el) => Ok(el),
            None => Err(Problem::at(self, format!("<{name}> is missing"))),
        }
    }
}

/// `true`/`false` (also `1`/`0`), as XML Schema writes booleans.
pub(crate) fn parse_bool(element: &Element, attribute: &str, value: &str) -> Result<bool, Problem> {
    match value {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(Problem::at(
            element,
            format!("attribute {attribute}: '{value}' is not true or false"),
        )),
    }
}

/// Text for an element or a double-quoted attribute, with `& < > " '` escaped.
pub(crate) fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_with_lines_text_and_entities() {
        let text = "<?xml version=\"1.0\"?>\n<a xmlns=\"urn:x\">\n  <b k=\"1 &amp; 2\">x &lt;6</b>\n  <c/>\n  <d><![CDATA[<7]]></d>\n  <e> a <![CDATA[b]]> c </e>\n</a>\n";
        let root = parse(text).unwrap();
        assert_eq!(root.name, "a");
        assert_eq!(root.line, 2);
        let names: Vec<&str> = root.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["b", "c", "d", "e"]);
        assert_eq!(root.children[0].line, 3);
        assert_eq!(root.children[0].attribute("k"), Some("1 & 2"));
        assert_eq!(root.children[0].text, "x <6");
        assert_eq!(root.children[1].line, 4);
        assert_eq!(root.children[2].text, "<7");
        assert_eq!(root.children[3].text, "a b c");
    }

    #[test]
    fn malformed_documents_name_line_and_element() {
        let e = parse("<a>\n<b>\n</a>\n").unwrap_err();
        assert_eq!((e.line, e.element.as_str()), (3, "b"), "{e:?}");
        let e = parse("<a>\n<b>x</b>\n").unwrap_err();
        assert_eq!(e.element, "a", "{e:?}");
        assert!(e.message.contains("not closed"), "{e:?}");
        let e = parse("<a/>\n<b/>\n").unwrap_err();
        assert_eq!((e.line, e.element.as_str()), (2, "b"));
        let e = parse("").unwrap_err();
        assert_eq!(e.element, "document");
        let e = parse("<a>&bogus;</a>").unwrap_err();
        assert_eq!(e.element, "a");
        let e = parse("hello <a/>").unwrap_err();
        assert_eq!(e.element, "document");
    }

    #[test]
    fn tag_without_a_valid_name_names_the_enclosing_element() {
        // Found by fuzzing: the error named an empty element (`element <>`).
        let e = parse("<a>\n<b>\n< x=\"1\">2</ x>\n</b>\n</a>").unwrap_err();
        assert_eq!((e.line, e.element.as_str()), (3, "b"), "{e:?}");
        assert!(e.message.contains("without a valid element name"), "{e:?}");
        let e = parse("<p:>1</p:>").unwrap_err();
        assert_eq!((e.line, e.element.as_str()), (1, "document"), "{e:?}");
        let e = parse("<a><p:\u{b} x=\"1\"/></a>").unwrap_err();
        assert_eq!((e.line, e.element.as_str()), (1, "a"), "{e:?}");
    }
}
