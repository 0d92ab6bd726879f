//! A PDF writer for plain documents (headings, paragraphs, label–value facts, tables, signature
//! lines), in Japanese and in Latin script: the printed form of reports that families and
//! programmes keep.
//!
//! The text is set in one of the standard Japanese fonts every PDF reader knows without embedding
//! (`HeiseiKakuGo-W5`, Adobe-Japan1, encoding `UniJIS-UCS2-HW-H`: two bytes a character, the
//! character's UTF-16 code, ASCII at half width). Readers substitute an installed Japanese font
//! (Noto Sans CJK, Hiragino, MS Gothic); a `ToUnicode` map makes the text searchable and copyable
//! as written. Characters beyond the Basic Multilingual Plane, which UCS-2 cannot carry, are
//! written as 〓 (the geta mark, the Japanese typesetter's sign for a missing glyph).
//!
//! The output is 7-bit ASCII (text in hex strings, no compression), A4, and the same for the same
//! document: no creation date, no random ids.

use std::fmt::Write;

/// A document: a title, its blocks in order, and a watermark (e.g. "DRAFT") drawn on every page
/// when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Document {
    pub title: String,
    /// The BCP 47 language of the text ("ja", "en"), for readers and screen readers.
    pub lang: String,
    pub watermark: Option<String>,
    pub blocks: Vec<Block>,
    /// Printed at the foot of every page, before "page / pages".
    pub footer: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Heading(String),
    Paragraph(String),
    /// Label and value rows, the labels in a column of their own.
    Facts(Vec<(String, String)>),
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// A line to sign above each label ("Reviewer", "Date").
    Signatures(Vec<String>),
}

const PAGE_WIDTH: f64 = 595.0;
const PAGE_HEIGHT: f64 = 842.0;
const MARGIN: f64 = 56.0;
const TEXT_WIDTH: f64 = PAGE_WIDTH - 2.0 * MARGIN;
const BODY: f64 = 10.0;
const LEADING: f64 = 1.5;
const LABEL_WIDTH: f64 = 150.0;
const FONT: &str = "HeiseiKakuGo-W5";

/// A character's advance in thousandths of the font size: half width for ASCII (the CMap's
/// half-width glyphs, CIDs 231–325), full width for everything else (an upper bound for the
/// proportional Latin letters with accents, so that lines never overflow).
fn advance(c: char) -> f64 {
    if (' '..='~').contains(&c) {
        500.0
    } else {
        1000.0
    }
}

fn width(text: &str, size: f64) -> f64 {
    text.chars().map(advance).sum::<f64>() * size / 1000.0
}

/// The text as lines no wider than `max`: broken at spaces between Latin words, anywhere between
/// other characters (as Japanese is), and inside a word only when the word alone is too wide.
/// Line breaks in the text are kept.
pub fn wrap(text: &str, size: f64, max: f64) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        // Tokens: a run of non-space ASCII (a word), a space, or any other single character.
        let mut tokens: Vec<String> = Vec::new();
        for c in paragraph.chars() {
            let word_char = c.is_ascii() && c != ' ';
            match tokens.last_mut() {
                Some(last) if word_char && last.chars().all(|l| l.is_ascii() && l != ' ') => last.push(c),
                _ => tokens.push(c.to_string()),
            }
        }
        let mut line = String::new();
        for token in tokens {
            if width(&line, size) + width(&token, size) <= max {
                line.push_str(&token);
                continue;
            }
            if token == " " {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            if !line.trim().is_empty() {
                // Kinsoku: closing punctuation never starts a line; the character before it goes
                // down with it.
                let mut carried = String::new();
                if token.chars().next().is_some_and(closes) && line.chars().count() > 1 {
                    carried.extend(line.pop().filter(|c| *c != ' '));
                }
                lines.push(std::mem::take(&mut line).trim_end().to_owned());
                line = carried;
            } else {
                line.clear();
            }
            for c in token.chars() {
                if !line.is_empty() && width(&line, size) + advance(c) * size / 1000.0 > max {
                    lines.push(std::mem::take(&mut line));
                }
                line.push(c);
            }
        }
        lines.push(line.trim_end().to_owned());
    }
    lines
}

/// Punctuation that may not begin a line in Japanese (JIS X 4051's closing brackets, full stops
/// and commas, and the small kana's companions most often met).
fn closes(c: char) -> bool {
    "。、，．・：；？！）」』】〕〉》ー…‥ぁぃぅぇぉっゃゅょァィゥェォッャュョ".contains(c)
}

/// Text as the file writes it: a PDF hex string of UCS-2 codes (for a reader that searches a
/// written file for a text).
pub fn encode_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 4 + 2);
    out.push('<');
    for c in text.chars() {
        let code = u16::try_from(u32::from(c))
            .ok()
            .filter(|u| !(0xD800..0xE000).contains(u))
            .unwrap_or(0x3013);
        let _ = write!(out, "{code:04X}");
    }
    out.push('>');
    out
}

/// Text for the document information dictionary: UTF-16BE with its byte-order mark, in hex.
fn info_string(text: &str) -> String {
    let mut out = String::from("<FEFF");
    for unit in text.encode_utf16() {
        let _ = write!(out, "{unit:04X}");
    }
    out.push('>');
    out
}

/// Pages being laid out: the content stream of each, and where the next line goes.
struct Layout {
    pages: Vec<String>,
    y: f64,
}

impl Layout {
    fn new() -> Layout {
        Layout {
            pages: vec![String::new()],
            y: PAGE_HEIGHT - MARGIN,
        }
    }

    fn page(&mut self) -> &mut String {
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Room for `height` more points on this page, else a new page.
    fn need(&mut self, height: f64) {
        if self.y - height < MARGIN + 20.0 {
            self.pages.push(String::new());
            self.y = PAGE_HEIGHT - MARGIN;
        }
    }

    fn text_at(&mut self, x: f64, y: f64, size: f64, text: &str) {
        let run = encode_text(text);
        let _ = writeln!(self.page(), "BT /F1 {size} Tf {x:.2} {y:.2} Td {run} Tj ET");
    }

    fn rule(&mut self, x1: f64, x2: f64, y: f64) {
        let _ = writeln!(self.page(), "{x1:.2} {y:.2} m {x2:.2} {y:.2} l S");
    }

    /// Lines of text at `x`, a new page when they do not fit.
    fn lines(&mut self, x: f64, size: f64, lines: &[String]) {
        let step = size * LEADING;
        for line in lines {
            self.need(step);
            self.y -= step;
            let y = self.y;
            self.text_at(x, y, size, line);
        }
    }

    /// A row of cells (each cell's lines at its column's x), kept on one page.
    fn row(&mut self, cells: &[(f64, Vec<String>)], size: f64) {
        let step = size * LEADING;
        let height = cells.iter().map(|(_, l)| l.len()).max().unwrap_or(1) as f64 * step;
        self.need(height);
        let top = self.y;
        for (x, lines) in cells {
            let mut y = top;
            for line in lines {
                y -= step;
                self.text_at(*x, y, size, line);
            }
        }
        self.y = top - height;
    }
}

/// The document as a PDF file (7-bit text).
pub fn write_pdf(doc: &Document) -> String {
    let mut layout = Layout::new();
    layout.lines(MARGIN, 16.0, &wrap(&doc.title, 16.0, TEXT_WIDTH));
    layout.y -= 6.0;
    for block in &doc.blocks {
        match block {
            Block::Heading(text) => {
                layout.need(40.0);
                layout.y -= 8.0;
                layout.lines(MARGIN, 12.0, &wrap(text, 12.0, TEXT_WIDTH));
                layout.rule(MARGIN, PAGE_WIDTH - MARGIN, layout.y - 3.0);
                layout.y -= 4.0;
            }
            Block::Paragraph(text) => {
                layout.lines(MARGIN, BODY, &wrap(text, BODY, TEXT_WIDTH));
                layout.y -= 4.0;
            }
            Block::Facts(rows) => {
                for (label, value) in rows {
                    let cells = [
                        (MARGIN, wrap(label, BODY, LABEL_WIDTH - 8.0)),
                        (MARGIN + LABEL_WIDTH, wrap(value, BODY, TEXT_WIDTH - LABEL_WIDTH)),
                    ];
                    layout.row(&cells, BODY);
                }
                layout.y -= 4.0;
            }
            Block::Table { header, rows } => {
                let columns = header.len().max(1);
                let column = TEXT_WIDTH / columns as f64;
                let cells = |row: &[String]| -> Vec<(f64, Vec<String>)> {
                    (0..columns)
                        .map(|k| {
                            let text = row.get(k).map_or("", String::as_str);
                            (MARGIN + k as f64 * column, wrap(text, BODY, column - 6.0))
                        })
                        .collect()
                };
                layout.row(&cells(header), BODY);
                layout.rule(MARGIN, PAGE_WIDTH - MARGIN, layout.y - 2.0);
                layout.y -= 2.0;
                for row in rows {
                    layout.row(&cells(row), BODY);
                }
                layout.y -= 4.0;
            }
            Block::Signatures(labels) => {
                for label in labels {
                    layout.need(48.0);
                    layout.y -= 32.0;
                    let y = layout.y;
                    layout.rule(MARGIN, MARGIN + 240.0, y);
                    layout.y -= 2.0;
                    layout.lines(MARGIN, 9.0, &wrap(label, 9.0, 240.0));
                }
            }
        }
    }
    let count = layout.pages.len();
    let mut pages = Vec::with_capacity(count);
    for (k, body) in layout.pages.into_iter().enumerate() {
        let mut content = String::new();
        if let Some(mark) = &doc.watermark {
            // Light grey, diagonal, under the text.
            let size = (700.0 / (width(mark, 1.0).max(1.0))).min(110.0);
            let _ = writeln!(
                content,
                "q 0.85 g BT /F1 {size:.1} Tf 0.7071 0.7071 -0.7071 0.7071 150 250 Tm {} Tj ET Q",
                encode_text(mark)
            );
        }
        content.push_str("0.5 w\n");
        content.push_str(&body);
        let foot = format!("{}    {} / {}", doc.footer, k + 1, count);
        let _ = writeln!(
            content,
            "BT /F1 8 Tf {MARGIN:.2} {:.2} Td {} Tj ET",
            MARGIN - 24.0,
            encode_text(foot.trim_start())
        );
        pages.push(content);
    }
    assemble(doc, &pages)
}

/// The ToUnicode map: every two-byte code is its own UTF-16 unit (ranges may not cross a first
/// byte, hence one a first byte; the surrogates are never written).
fn to_unicode() -> String {
    let mut ranges = String::new();
    let firsts: Vec<u16> = (0u16..=0xFF).filter(|b| !(0xD8..0xE0).contains(b)).collect();
    for chunk in firsts.chunks(100) {
        let _ = writeln!(ranges, "{} beginbfrange", chunk.len());
        for b in chunk {
            let _ = writeln!(ranges, "<{b:02X}00> <{b:02X}FF> <{b:02X}00>");
        }
        ranges.push_str("endbfrange\n");
    }
    format!(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Homeward-UCS2 def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n{ranges}\
         endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    )
}

/// The objects in order, their offsets in the cross-reference table.
fn assemble(doc: &Document, pages: &[String]) -> String {
    // 1 catalog, 2 page tree, 3 font, 4 CID font, 5 descriptor, 6 ToUnicode, 7 info, then a page
    // and its content per page.
    let page_ids: Vec<usize> = (0..pages.len()).map(|k| 8 + 2 * k).collect();
    let mut objects: Vec<String> = vec![
        format!("<< /Type /Catalog /Pages 2 0 R /Lang {} >>", info_string(&doc.lang)),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            page_ids
                .iter()
                .map(|id| format!("{id} 0 R"))
                .collect::<Vec<_>>()
                .join(" "),
            pages.len()
        ),
        format!(
            "<< /Type /Font /Subtype /Type0 /BaseFont /{FONT} /Encoding /UniJIS-UCS2-HW-H \
             /DescendantFonts [4 0 R] /ToUnicode 6 0 R >>"
        ),
        format!(
            "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /{FONT} \
             /CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) /Supplement 2 >> \
             /FontDescriptor 5 0 R /DW 1000 /W [231 325 500] >>"
        ),
        format!(
            "<< /Type /FontDescriptor /FontName /{FONT} /Flags 4 /FontBBox [-92 -250 1010 922] \
             /ItalicAngle 0 /Ascent 752 /Descent -221 /CapHeight 737 /StemV 114 >>"
        ),
        stream(&to_unicode()),
        format!(
            "<< /Title {} /Producer {} >>",
            info_string(&doc.title),
            info_string("Homeward")
        ),
    ];
    for (k, content) in pages.iter().enumerate() {
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] \
             /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
            page_ids[k] + 1
        ));
        objects.push(stream(content));
    }
    let mut out = String::from("%PDF-1.7\n");
    let mut offsets = Vec::with_capacity(objects.len());
    for (k, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        let _ = write!(out, "{} 0 obj\n{body}\nendobj\n", k + 1);
    }
    let xref = out.len();
    let _ = write!(out, "xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for offset in offsets {
        let _ = writeln!(out, "{offset:010} 00000 n ");
    }
    let _ = write!(
        out,
        "trailer\n<< /Size {} /Root 1 0 R /Info 7 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    );
    out
}

fn stream(content: &str) -> String {
    format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(blocks: usize) -> Document {
        let mut doc = Document {
            title: "身元判明通知 Identification report".into(),
            lang: "ja".into(),
            watermark: Some("草案 DRAFT".into()),
            footer: "Homeward #12".into(),
            blocks: vec![Block::Heading("遺骨".into())],
        };
        for k in 0..blocks {
            doc.blocks.push(Block::Facts(vec![
                ("氏名".into(), format!("山崎 信子 {k}")),
                ("LR".into(), "3.2 × 10^9".into()),
            ]));
            doc.blocks.push(Block::Paragraph("ご遺族の皆様へ。".repeat(20)));
        }
        doc.blocks.push(Block::Table {
            header: vec!["Marker".into(), "Alleles".into()],
            rows: vec![vec!["D8S1179".into(), "12/14".into()]],
        });
        doc.blocks
            .push(Block::Signatures(vec!["Reviewer 1".into(), "Reviewer 2".into()]));
        doc
    }

    /// The cross-reference table, read back: every object where it says, in order.
    fn check_structure(pdf: &str) -> usize {
        assert!(pdf.is_ascii());
        assert!(pdf.starts_with("%PDF-1.7\n") && pdf.ends_with("%%EOF\n"));
        let start: usize = pdf
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let table = &pdf[start..];
        assert!(table.starts_with("xref\n0 "));
        let count: usize = table
            .lines()
            .nth(1)
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        for (k, line) in table.lines().skip(3).take(count - 1).enumerate() {
            let offset: usize = line[..10].parse().unwrap();
            assert!(
                pdf[offset..].starts_with(&format!("{} 0 obj\n", k + 1)),
                "object {}",
                k + 1
            );
        }
        // Every stream's length is its content's.
        for (k, _) in pdf.match_indices("/Length ") {
            let rest = &pdf[k + 8..];
            let length: usize = rest[..rest.find(' ').unwrap()].parse().unwrap();
            let body = &rest[rest.find("stream\n").unwrap() + 7..];
            assert_eq!(&body[length..length + 10], "\nendstream");
        }
        pdf.matches("/Type /Page ").count()
    }

    #[test]
    fn a_document_is_well_formed_and_paged() {
        let short = write_pdf(&sample(1));
        assert_eq!(check_structure(&short), 1);
        let long = write_pdf(&sample(40));
        let pages = check_structure(&long);
        assert!(pages > 3, "{pages}");
        assert!(long.contains(&format!("/Count {pages}")));
        // The foot of the last page says how many there are.
        assert!(long.contains(&encode_text(&format!("Homeward #12    {pages} / {pages}"))));
        // The watermark on every page, and the same bytes for the same document.
        assert_eq!(long.matches(&encode_text("草案 DRAFT")).count(), pages);
        assert_eq!(long, write_pdf(&sample(40)));
    }

    #[test]
    fn text_is_written_as_ucs2_codes() {
        assert_eq!(encode_text("山A"), "<5C710041>");
        // Beyond the BMP: the geta mark.
        assert_eq!(encode_text("𠮷"), "<3013>");
        assert_eq!(info_string("𠮷"), "<FEFFD842DFB7>");
        let pdf = write_pdf(&sample(1));
        assert!(pdf.contains(&encode_text("山崎 信子 0")));
        assert!(pdf.contains("/Encoding /UniJIS-UCS2-HW-H"));
    }

    #[test]
    fn lines_fit_and_keep_every_character() {
        let text = "The remains were recovered at the burial site of 富坪 in 1946; \
                    ご遺族の皆様に謹んでお知らせいたします。 Supercalifragilisticexpialidociousxxxxxxxxxxxxxxxxxxxxxx";
        for max in [60.0, 120.0, 300.0] {
            let lines = wrap(text, 10.0, max);
            for line in &lines {
                assert!(width(line, 10.0) <= max + 1e-9, "{line:?} wider than {max}");
            }
            let joined: String = lines.concat().chars().filter(|c| *c != ' ').collect();
            let original: String = text.chars().filter(|c| *c != ' ').collect();
            assert_eq!(joined, original);
        }
        // A full stop never starts a line: the character before it comes down with it.
        let lines = wrap("あいうえお。", 10.0, 50.0);
        assert_eq!(lines, ["あいうえ", "お。"]);
        // Latin words are not broken when they fit on a line of their own.
        assert_eq!(wrap("alpha beta gamma", 10.0, 60.0), ["alpha beta", "gamma"]);
        assert_eq!(wrap("a\nb", 10.0, 60.0), ["a", "b"]);
    }
}
