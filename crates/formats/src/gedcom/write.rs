//! Writes the subset of GEDCOM that [`super::read_gedcom`] reads, in the file's version: `@`
//! escaped as that version wants, line breaks as `CONT`, and (5.5.1) long lines cut with `CONC`.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::{ChildLink, Event, GedDate, GedcomFile, Individual, NameVariant, PersonalName, Place, Version};

/// 5.5.1 limits a line to 255 characters; values are cut well before (an escaped `@` takes two).
const CONC_AT: usize = 120;

struct Out {
    version: Version,
    text: String,
}

impl Out {
    fn escape(&self, piece: &str) -> String {
        match self.version {
            Version::V7 if piece.starts_with('@') => format!("@{piece}"),
            Version::V7 => piece.to_owned(),
            Version::V551 => piece.replace('@', "@@"),
        }
    }

    fn raw(&mut self, level: usize, tag: &str, value: &str) {
        if value.is_empty() {
            writeln!(self.text, "{level} {tag}").expect("writing to a String");
        } else {
            writeln!(self.text, "{level} {tag} {value}").expect("writing to a String");
        }
    }

    /// A text value: each line of it escaped, the first on the tag's line, the others as `CONT`.
    fn line(&mut self, level: usize, tag: &str, value: &str) {
        for (k, line) in value.split('\n').enumerate() {
            let pieces = match self.version {
                Version::V551 => cut(line, CONC_AT),
                Version::V7 => vec![line],
            };
            for (j, piece) in pieces.into_iter().enumerate() {
                let escaped = self.escape(piece);
                match (k, j) {
                    (0, 0) => self.raw(level, tag, &escaped),
                    (_, 0) => self.raw(level + 1, "CONT", &escaped),
                    _ => self.raw(level + 1, "CONC", &escaped),
                }
            }
        }
    }

    fn opt(&mut self, level: usize, tag: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.line(level, tag, v);
        }
    }

    fn variant(&mut self, level: usize, v: &NameVariant) {
        self.line(level, v.kind.tag(), &v.value);
        self.opt(level + 1, "LANG", v.lang.as_deref());
        self.opt(level + 1, "TYPE", v.method.as_deref());
        self.opt(level + 1, "GIVN", v.given.as_deref());
        self.opt(level + 1, "SURN", v.surname.as_deref());
    }

    fn name(&mut self, n: &PersonalName) {
        self.line(1, "NAME", &n.value);
        self.opt(2, "TYPE", n.kind.as_deref());
        self.opt(2, "GIVN", n.given.as_deref());
        self.opt(2, "SURN", n.surname.as_deref());
        for v in &n.variants {
            self.variant(2, v);
        }
    }

    fn place(&mut self, p: &Place) {
        self.line(2, "PLAC", &p.name);
        if p.latitude.is_none() && p.longitude.is_none() {
            return;
        }
        self.raw(3, "MAP", "");
        let coordinate = |x: f64, positive: char, negative: char| {
            format!("{}{}", if x.is_sign_negative() { negative } else { positive }, x.abs())
        };
        if let Some(x) = p.latitude {
            self.raw(4, "LATI", &coordinate(x, 'N', 'S'));
        }
        if let Some(x) = p.longitude {
            self.raw(4, "LONG", &coordinate(x, 'E', 'W'));
        }
    }

    fn event(&mut self, tag: &str, e: &Event) {
        // An event known only to have happened is written `Y`, as both versions say.
        let value = if e.date.is_none() && e.place.is_none() { "Y" } else { "" };
        self.raw(1, tag, value);
        if let Some(d) = &e.date {
            match self.version {
                Version::V7 => {
                    self.line(2, "DATE", &d.to_gedcom(Version::V7));
                    if let Some(p) = &d.phrase {
                        self.line(3, "PHRASE", p);
                    }
                }
                // The calendar escape (`@#DJULIAN@`) is written as it is; only the phrase's `@`s are
                // doubled.
                Version::V551 => {
                    let escaped = GedDate {
                        value: d.value.clone(),
                        phrase: d.phrase.as_ref().map(|p| p.replace('@', "@@")),
                    };
                    let text = escaped.to_gedcom(Version::V551);
                    for (k, line) in text.split('\n').enumerate() {
                        if k == 0 {
                            self.raw(2, "DATE", line);
                        } else {
                            self.raw(3, "CONT", line);
                        }
                    }
                }
            }
        }
        if let Some(p) = &e.place {
            self.place(p);
        }
    }

    fn child_link(&mut self, l: &ChildLink) {
        self.raw(1, "FAMC", &format!("@{}@", l.family));
        self.raw(2, "PEDI", l.pedi.as_str());
        if let Some(s) = l.status {
            self.raw(2, "STAT", s.as_str());
        }
    }

    fn individual(&mut self, partner_in: &HashMap<&str, Vec<&str>>, i: &Individual) {
        self.raw(0, &format!("@{}@", i.xref), "INDI");
        for n in &i.names {
            self.name(n);
        }
        if let Some(s) = i.sex {
            self.raw(1, "SEX", s.code());
        }
        for (tag, e) in [("BIRT", &i.birth), ("DEAT", &i.death), ("BURI", &i.burial)] {
            if let Some(e) = e {
                self.event(tag, e);
            }
        }
        for l in &i.child_of {
            self.child_link(l);
        }
        for a in &i.adoptions {
            self.raw(1, "ADOP", "");
            self.raw(2, "FAMC", &format!("@{}@", a.family));
            self.raw(3, "ADOP", a.by.code());
        }
        // The partner links the families imply, as both versions want them.
        for f in partner_in.get(i.xref.as_str()).into_iter().flatten() {
            self.raw(1, "FAMS", &format!("@{f}@"));
        }
    }
}

/// Cuts a line into pieces of at most `limit` characters, at a point between two non-space
/// characters where there is one (readers that trim values would lose spaces at the cut).
fn cut(line: &str, limit: usize) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = line;
    while rest.chars().count() > limit {
        let bounds: Vec<usize> = rest.char_indices().map(|(i, _)| i).take(limit + 1).collect();
        let at = (1..=limit)
            .rev()
            .map(|k| bounds[k])
            .find(|&b| !rest[..b].ends_with(' ') && !rest[b..].starts_with(' '))
            .unwrap_or(bounds[limit]);
        pieces.push(&rest[..at]);
        rest = &rest[at..];
    }
    pieces.push(rest);
    pieces
}

/// The file as GEDCOM text in its version: header, individuals, families, trailer.
pub fn write_gedcom(file: &GedcomFile) -> String {
    let mut out = Out {
        version: file.version,
        text: String::new(),
    };
    out.raw(0, "HEAD", "");
    out.raw(1, "GEDC", "");
    match file.version {
        Version::V7 => out.raw(2, "VERS", "7.0"),
        Version::V551 => {
            out.raw(2, "VERS", "5.5.1");
            out.raw(2, "FORM", "LINEAGE-LINKED");
            out.raw(1, "CHAR", "UTF-8");
            out.raw(1, "SOUR", "HOMEWARD");
        }
    }
    let mut partner_in: HashMap<&str, Vec<&str>> = HashMap::new();
    for f in &file.families {
        for (_, x) in f.husband.iter().chain(f.wife.iter()) {
            partner_in.entry(x.as_str()).or_default().push(f.xref.as_str());
        }
    }
    for i in &file.individuals {
        out.individual(&partner_in, i);
    }
    for f in &file.families {
        out.raw(0, &format!("@{}@", f.xref), "FAM");
        if let Some((_, x)) = &f.husband {
            out.raw(1, "HUSB", &format!("@{x}@"));
        }
        if let Some((_, x)) = &f.wife {
            out.raw(1, "WIFE", &format!("@{x}@"));
        }
        for (_, x) in &f.children {
            out.raw(1, "CHIL", &format!("@{x}@"));
            if let Some((frel, mrel)) = f.parent_relations.get(x) {
                out.opt(2, "_FREL", frel.as_deref());
                out.opt(2, "_MREL", mrel.as_deref());
            }
        }
    }
    out.raw(0, "TRLR", "");
    out.text
}

#[cfg(test)]
mod tests {
    use super::cut;

    #[test]
    fn cuts_between_letters() {
        let long = "ab ".repeat(100);
        let pieces = cut(&long, 50);
        assert_eq!(pieces.concat(), long);
        assert!(pieces.iter().all(|p| p.chars().count() <= 50 && !p.is_empty()));
        assert!(pieces[..pieces.len() - 1].iter().all(|p| !p.ends_with(' ')));
        assert_eq!(cut(&" ".repeat(30), 10).concat(), " ".repeat(30));
        assert_eq!(cut("山田太郎", 2), vec!["山田", "太郎"]);
    }
}
