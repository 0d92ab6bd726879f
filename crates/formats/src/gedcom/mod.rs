//! GEDCOM 7.0 and 5.5.1 family trees: the individuals (names in several scripts, sex, birth, death
//! and burial with date and place), the families (partners and children) and how each child
//! belongs to a family: by birth, adoption, fostering, sealing or otherwise (`FAMC` with `PEDI`,
//! and in 7.0 also `STAT`). Everything else in a file (sources, notes, media, other events,
//! extension tags such as `_UID`) is skipped.
//!
//! [`read_gedcom`] reads the text (a byte-order mark, LF, CRLF or CR line ends); [`write_gedcom`]
//! writes the same subset back in the file's version, so that reading what was written gives the
//! same [`GedcomFile`] (line numbers aside). [`GedcomFile::pedigree`] separates the biological
//! links, the only ones a genetic pedigree may use, from the others.
//!
//! Files must be UTF-8 (or ASCII); ANSEL and UTF-16 files must be converted first.

mod date;
mod lines;
mod pedigree;
mod write;

use std::collections::{BTreeMap, HashMap, HashSet};

pub use date::{parse_date, Calendar, DatePoint, DateValue, GedDate};
pub use pedigree::{GeneticParents, NonGeneticLink, Pedigree};
pub use write::write_gedcom;

use lines::{parse_records, Node};

/// Why a GEDCOM file cannot be read: the line (1-based), the tag of that line (empty when the
/// line itself is malformed) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}{}: {message}", if tag.is_empty() { String::new() } else { format!(", {tag}") })]
pub struct GedcomError {
    pub line: usize,
    pub tag: String,
    pub message: String,
}

impl GedcomError {
    fn new(line: usize, tag: &str, message: impl Into<String>) -> GedcomError {
        GedcomError {
            line,
            tag: tag.to_owned(),
            message: message.into(),
        }
    }
}

/// Something read but not as written, for the user to know: a date kept as a phrase, a sex taken
/// from a partner's role, a link left out of the genetic pedigree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GedcomWarning {
    pub line: usize,
    pub tag: String,
    pub message: String,
}

impl std::fmt::Display for GedcomWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, {}: {}", self.line, self.tag, self.message)
    }
}

/// The GEDCOM version of a file: 7.0 (and 7.x), or 5.5.1 (and the 5.5 family, whose lineage-linked
/// form it reads the same way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    V551,
    V7,
}

/// `SEX`: M, F, X (intersex, 7.0) or U (unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GedSex {
    Male,
    Female,
    Intersex,
    Unknown,
}

impl GedSex {
    fn code(self) -> &'static str {
        match self {
            GedSex::Male => "M",
            GedSex::Female => "F",
            GedSex::Intersex => "X",
            GedSex::Unknown => "U",
        }
    }
}

/// What a name variant is: a translation (7.0 `TRAN`, by language tag such as `ja-Latn` or
/// `ja-Hrkt`), a romanised form (5.5.1 `ROMN`, by method such as `romaji`) or a phonetic one (5.5.1
/// `FONE`, by method such as `kana`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VariantKind {
    Translation,
    Romanized,
    Phonetic,
}

impl VariantKind {
    fn tag(self) -> &'static str {
        match self {
            VariantKind::Translation => "TRAN",
            VariantKind::Romanized => "ROMN",
            VariantKind::Phonetic => "FONE",
        }
    }
}

/// The same name in another script or spelling.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NameVariant {
    pub kind: VariantKind,
    /// As written, surname between slashes (`/山田/ 太郎`).
    pub value: String,
    /// `LANG` (7.0 translations).
    pub lang: Option<String>,
    /// `TYPE` (5.5.1: `romaji`, `kana`, `pinyin`, …).
    pub method: Option<String>,
    pub given: Option<String>,
    pub surname: Option<String>,
}

/// One `NAME` of an individual; the first is the preferred one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersonalName {
    /// As written, surname between slashes (`Robert Eugene /Williams/`).
    pub value: String,
    /// `TYPE`: BIRTH, AKA, MAIDEN, MARRIED, IMMIGRANT, PROFESSIONAL, OTHER, or free text (5.5.1).
    pub kind: Option<String>,
    pub given: Option<String>,
    pub surname: Option<String>,
    pub variants: Vec<NameVariant>,
}

/// The name without its slashes and with single spaces: `Joe /Williams/` → `Joe Williams`.
pub fn display_name(value: &str) -> String {
    value.replace('/', " ").split_whitespace().collect::<Vec<_>>().join(" ")
}

impl PersonalName {
    pub fn display(&self) -> String {
        display_name(&self.value)
    }
}

/// A place: its name (`PLAC`, jurisdictions separated by commas) and the `MAP` coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub name: String,
    /// Decimal degrees, north positive (`LATI N18.15`).
    pub latitude: Option<f64>,
    /// Decimal degrees, east positive (`LONG W73.5` is −73.5).
    pub longitude: Option<f64>,
}

/// A birth, death or burial: that it happened, and when and where if known.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub line: usize,
    pub date: Option<GedDate>,
    pub place: Option<Place>,
}

/// How a child belongs to a family (`PEDI`); a link without `PEDI` is by birth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pedi {
    Birth,
    Adopted,
    Foster,
    Sealing,
    Other,
}

impl Pedi {
    pub fn as_str(self) -> &'static str {
        match self {
            Pedi::Birth => "BIRTH",
            Pedi::Adopted => "ADOPTED",
            Pedi::Foster => "FOSTER",
            Pedi::Sealing => "SEALING",
            Pedi::Other => "OTHER",
        }
    }
}

/// How certain a child's link to a family is (7.0 `FAMC.STAT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkStatus {
    Proven,
    Challenged,
    Disproven,
}

impl LinkStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkStatus::Proven => "PROVEN",
            LinkStatus::Challenged => "CHALLENGED",
            LinkStatus::Disproven => "DISPROVEN",
        }
    }
}

/// An individual's link to the family it is a child of (`FAMC`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildLink {
    pub line: usize,
    /// The family's xref, without the `@`s.
    pub family: String,
    pub pedi: Pedi,
    pub status: Option<LinkStatus>,
}

/// Who adopted a child into a family, by an `ADOP` event's `FAMC` (`ADOP BOTH`, `HUSB` or `WIFE`;
/// both when not said).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdoptedBy {
    Both,
    Husband,
    Wife,
}

impl AdoptedBy {
    fn code(self) -> &'static str {
        match self {
            AdoptedBy::Both => "BOTH",
            AdoptedBy::Husband => "HUSB",
            AdoptedBy::Wife => "WIFE",
        }
    }
}

/// An adoption event naming the adoptive family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adoption {
    pub line: usize,
    pub family: String,
    pub by: AdoptedBy,
}

/// An `INDI` record.
#[derive(Debug, Clone, PartialEq)]
pub struct Individual {
    pub line: usize,
    /// Without the `@`s.
    pub xref: String,
    pub names: Vec<PersonalName>,
    pub sex: Option<GedSex>,
    pub birth: Option<Event>,
    pub death: Option<Event>,
    pub burial: Option<Event>,
    pub child_of: Vec<ChildLink>,
    /// `ADOP` events that name the family (`FAMC`), which make its links adoptive.
    pub adoptions: Vec<Adoption>,
}

impl Individual {
    /// The preferred name for display, or the xref when the individual has none.
    pub fn display(&self) -> String {
        self.names
            .first()
            .map(PersonalName::display)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("@{}@", self.xref))
    }
}

/// A `FAM` record: a couple (either may be missing) and their children, each with the line of its
/// `CHIL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Family {
    pub line: usize,
    pub xref: String,
    pub husband: Option<(usize, String)>,
    pub wife: Option<(usize, String)>,
    pub children: Vec<(usize, String)>,
    /// How a child is related to the husband and to the wife, where the file says so on the
    /// `CHIL` line with the extensions `_FREL` and `_MREL` (Family Tree Maker, Ancestry: `Natural`,
    /// `Adopted`, `Step`, `Foster`, …), by child xref, as written.
    pub parent_relations: BTreeMap<String, (Option<String>, Option<String>)>,
}

/// A GEDCOM file, as far as Homeward reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct GedcomFile {
    pub version: Version,
    pub individuals: Vec<Individual>,
    pub families: Vec<Family>,
    pub warnings: Vec<GedcomWarning>,
}

impl GedcomFile {
    pub fn individual(&self, xref: &str) -> Option<&Individual> {
        self.individuals.iter().find(|i| i.xref == xref)
    }

    pub fn family(&self, xref: &str) -> Option<&Family> {
        self.families.iter().find(|f| f.xref == xref)
    }

    /// The content alone: line numbers set to 0 and warnings dropped, which is what writing and
    /// reading again keeps.
    pub fn content(mut self) -> GedcomFile {
        self.warnings.clear();
        for i in &mut self.individuals {
            i.line = 0;
            for e in [&mut i.birth, &mut i.death, &mut i.burial].into_iter().flatten() {
                e.line = 0;
            }
            for l in &mut i.child_of {
                l.line = 0;
            }
            for a in &mut i.adoptions {
                a.line = 0;
            }
        }
        for f in &mut self.families {
            f.line = 0;
            for p in [&mut f.husband, &mut f.wife].into_iter().flatten() {
                p.0 = 0;
            }
            for c in &mut f.children {
                c.0 = 0;
            }
        }
        self
    }
}

struct Reader {
    version: Version,
    warnings: Vec<GedcomWarning>,
}

impl Reader {
    fn warn(&mut self, node: &Node, message: impl Into<String>) {
        self.warnings.push(GedcomWarning {
            line: node.line,
            tag: node.tag.clone(),
            message: message.into(),
        });
    }

    fn text(&self, node: &Node) -> String {
        node.text(self.version)
    }

    fn child_text(&self, node: &Node, tag: &str) -> Option<String> {
        node.child_text(tag, self.version)
    }

    fn variant(&self, node: &Node, kind: VariantKind) -> NameVariant {
        NameVariant {
            kind,
            value: self.text(node),
            lang: self.child_text(node, "LANG"),
            method: self.child_text(node, "TYPE"),
            given: self.child_text(node, "GIVN"),
            surname: self.child_text(node, "SURN"),
        }
    }

    fn name(&self, node: &Node) -> PersonalName {
        let mut variants = Vec::new();
        for c in &node.children {
            let kind = match c.tag.as_str() {
                "TRAN" => VariantKind::Translation,
                "ROMN" => VariantKind::Romanized,
                "FONE" => VariantKind::Phonetic,
                _ => continue,
            };
            variants.push(self.variant(c, kind));
        }
        PersonalName {
            value: self.text(node),
            kind: self.child_text(node, "TYPE"),
            given: self.child_text(node, "GIVN"),
            surname: self.child_text(node, "SURN"),
            variants,
        }
    }

    fn coordinate(&self, node: &Node, positive: char, negative: char, limit: f64) -> Result<f64, GedcomError> {
        let v = self.text(node);
        let v = v.trim();
        let bad = || {
            node.error(format!(
                "'{v}' is not a coordinate ({positive} or {negative} and decimal degrees up to {limit})"
            ))
        };
        let mut chars = v.chars();
        let sign = match chars.next().map(|c| c.to_ascii_uppercase()) {
            Some(c) if c == positive => 1.0,
            Some(c) if c == negative => -1.0,
            _ => return Err(bad()),
        };
        let rest = chars.as_str();
        if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return Err(bad());
        }
        let x: f64 = rest.parse().map_err(|_| bad())?;
        if !(0.0..=limit).contains(&x) {
            return Err(bad());
        }
        Ok(sign * x)
    }

    fn place(&self, node: &Node) -> Result<Place, GedcomError> {
        let (mut latitude, mut longitude) = (None, None);
        if let Some(map) = node.first("MAP") {
            if let Some(n) = map.first("LATI") {
                latitude = Some(self.coordinate(n, 'N', 'S', 90.0)?);
            }
            if let Some(n) = map.first("LONG") {
                longitude = Some(self.coordinate(n, 'E', 'W', 180.0)?);
            }
        }
        Ok(Place {
            name: self.text(node),
            latitude,
            longitude,
        })
    }

    fn event(&mut self, node: &Node) -> Result<Event, GedcomError> {
        let date = match node.first("DATE") {
            None => None,
            Some(d) => {
                let text = self.text(d);
                let phrase = self.child_text(d, "PHRASE");
                Some(match parse_date(&text, phrase) {
                    Some(date) => date,
                    None => {
                        self.warn(d, format!("'{text}' is not a GEDCOM date; kept as a date phrase"));
                        GedDate {
                            value: None,
                            phrase: Some(text),
                        }
                    }
                })
            }
        };
        let place = node.first("PLAC").map(|p| self.place(p)).transpose()?;
        Ok(Event {
            line: node.line,
            date,
            place,
        })
    }

    fn individual(&mut self, node: &Node, xref: String) -> Result<Individual, GedcomError> {
        let mut ind = Individual {
            line: node.line,
            xref,
            names: Vec::new(),
            sex: None,
            birth: None,
            death: None,
            burial: None,
            child_of: Vec::new(),
            adoptions: Vec::new(),
        };
        for c in &node.children {
            match c.tag.as_str() {
                "NAME" => ind.names.push(self.name(c)),
                "SEX" => {
                    if ind.sex.is_some() {
                        return Err(c.error("an individual has one SEX"));
                    }
                    ind.sex = Some(match self.text(c).trim().to_ascii_uppercase().as_str() {
                        "M" => GedSex::Male,
                        "F" => GedSex::Female,
                        "X" => GedSex::Intersex,
                        "U" | "" => GedSex::Unknown,
                        other => return Err(c.error(format!("'{other}' is not a sex (M, F, X or U)"))),
                    });
                }
                // The first of each event is the one recorded; files may give alternatives.
                "BIRT" if ind.birth.is_none() => ind.birth = Some(self.event(c)?),
                "DEAT" if ind.death.is_none() => ind.death = Some(self.event(c)?),
                "BURI" if ind.burial.is_none() => ind.burial = Some(self.event(c)?),
                "ADOP" => {
                    let Some(famc) = c.first("FAMC") else { continue };
                    let Some(family) = famc.pointer()? else { continue };
                    let by = match famc.first("ADOP") {
                        None => AdoptedBy::Both,
                        Some(a) => match self.text(a).trim().to_ascii_uppercase().as_str() {
                            "BOTH" | "" => AdoptedBy::Both,
                            "HUSB" => AdoptedBy::Husband,
                            "WIFE" => AdoptedBy::Wife,
                            other => return Err(a.error(format!("'{other}' is not who adopted (BOTH, HUSB or WIFE)"))),
                        },
                    };
                    ind.adoptions.push(Adoption {
                        line: famc.line,
                        family,
                        by,
                    });
                }
                "FAMC" => {
                    let Some(family) = c.pointer()? else { continue };
                    let pedi = match c.first("PEDI") {
                        None => Pedi::Birth,
                        Some(p) => match self.text(p).trim().to_ascii_uppercase().as_str() {
                            "BIRTH" => Pedi::Birth,
                            "ADOPTED" => Pedi::Adopted,
                            "FOSTER" => Pedi::Foster,
                            "SEALING" => Pedi::Sealing,
                            "OTHER" => Pedi::Other,
                            other => {
                                return Err(p.error(format!(
                                    "'{other}' is not a pedigree link (BIRTH, ADOPTED, FOSTER, SEALING, OTHER)"
                                )))
                            }
                        },
                    };
                    let status = match c.first("STAT") {
                        None => None,
                        Some(s) => Some(match self.text(s).trim().to_ascii_uppercase().as_str() {
                            "PROVEN" => LinkStatus::Proven,
                            "CHALLENGED" => LinkStatus::Challenged,
                            "DISPROVEN" => LinkStatus::Disproven,
                            other => {
                                return Err(s.error(format!(
                                    "'{other}' is not a link status (PROVEN, CHALLENGED, DISPROVEN)"
                                )))
                            }
                        }),
                    };
                    ind.child_of.push(ChildLink {
                        line: c.line,
                        family,
                        pedi,
                        status,
                    });
                }
                _ => {}
            }
        }
        Ok(ind)
    }

    fn family(&mut self, node: &Node, xref: String) -> Result<Family, GedcomError> {
        let mut fam = Family {
            line: node.line,
            xref,
            husband: None,
            wife: None,
            children: Vec::new(),
            parent_relations: BTreeMap::new(),
        };
        for c in &node.children {
            match c.tag.as_str() {
                "HUSB" | "WIFE" => {
                    let slot = if c.tag == "HUSB" {
                        &mut fam.husband
                    } else {
                        &mut fam.wife
                    };
                    if slot.is_some() {
                        return Err(c.error(format!("a family has one {}", c.tag)));
                    }
                    *slot = c.pointer()?.map(|x| (c.line, x));
                }
                "CHIL" => {
                    if let Some(x) = c.pointer()? {
                        let rel = (self.child_text(c, "_FREL"), self.child_text(c, "_MREL"));
                        if rel != (None, None) {
                            fam.parent_relations.insert(x.clone(), rel);
                        }
                        fam.children.push((c.line, x));
                    }
                }
                _ => {}
            }
        }
        Ok(fam)
    }
}

fn version_of(head: &Node) -> Result<(Version, Option<GedcomWarning>), GedcomError> {
    let Some(vers) = head.first("GEDC").and_then(|g| g.first("VERS")) else {
        let w = GedcomWarning {
            line: head.line,
            tag: "HEAD".into(),
            message: "no GEDC.VERS; read as GEDCOM 5.5.1".into(),
        };
        return Ok((Version::V551, Some(w)));
    };
    let v = vers.raw.trim();
    if v.starts_with("7.") {
        Ok((Version::V7, None))
    } else if v.starts_with("5.") {
        Ok((Version::V551, None))
    } else {
        Err(vers.error(format!("GEDCOM {v} is not read (7.0 and 5.5.1 are)")))
    }
}

/// Reads a GEDCOM 7.0 or 5.5.1 file (see the module documentation for what is kept).
pub fn read_gedcom(text: &str) -> Result<GedcomFile, GedcomError> {
    let records = parse_records(text)?;
    let head = match records.first() {
        Some(h) if h.tag == "HEAD" => h,
        Some(other) => return Err(other.error("a GEDCOM file starts with a HEAD record")),
        None => {
            return Err(GedcomError::new(
                1,
                "",
                "the file is empty (a GEDCOM file starts with 0 HEAD)",
            ))
        }
    };
    let (version, warning) = version_of(head)?;
    let mut reader = Reader {
        version,
        warnings: warning.into_iter().collect(),
    };
    let trailer = records.iter().position(|r| r.tag == "TRLR");
    match trailer {
        None => {
            let last = records.last().expect("HEAD is there");
            return Err(GedcomError::new(
                last.line,
                &last.tag,
                "no TRLR record after this one: the file may be cut short",
            ));
        }
        Some(t) if t + 1 < records.len() => {
            return Err(records[t + 1].error("a record after the TRLR (end of file) record"));
        }
        Some(_) => {}
    }
    let mut individuals = Vec::new();
    let mut families = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for r in &records[1..] {
        if !matches!(r.tag.as_str(), "INDI" | "FAM") {
            continue;
        }
        let xref = r
            .xref
            .clone()
            .ok_or_else(|| r.error(format!("a {} record needs an id (0 @XREF@ {})", r.tag, r.tag)))?;
        if let Some(first) = seen.insert(xref.clone(), r.line) {
            return Err(r.error(format!("@{xref}@ is also the id of the record on line {first}")));
        }
        if r.tag == "INDI" {
            individuals.push(reader.individual(r, xref)?);
        } else {
            families.push(reader.family(r, xref)?);
        }
    }
    let people: HashSet<&str> = individuals.iter().map(|i| i.xref.as_str()).collect();
    let fams: HashSet<&str> = families.iter().map(|f| f.xref.as_str()).collect();
    for i in &individuals {
        let families = i.child_of.iter().map(|l| (l.line, &l.family));
        for (line, family) in families.chain(i.adoptions.iter().map(|a| (a.line, &a.family))) {
            if !fams.contains(family.as_str()) {
                return Err(GedcomError::new(
                    line,
                    "FAMC",
                    format!("@{family}@ is not a family (FAM record) of this file"),
                ));
            }
        }
    }
    for f in &families {
        let pointers = f
            .husband
            .iter()
            .map(|p| ("HUSB", p))
            .chain(f.wife.iter().map(|p| ("WIFE", p)));
        for (tag, (line, x)) in pointers.chain(f.children.iter().map(|p| ("CHIL", p))) {
            if !people.contains(x.as_str()) {
                return Err(GedcomError::new(
                    *line,
                    tag,
                    format!("@{x}@ is not an individual (INDI record) of this file"),
                ));
            }
        }
    }
    Ok(GedcomFile {
        version,
        individuals,
        families,
        warnings: reader.warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const JAPANESE: &str = "0 HEAD
1 GEDC
2 VERS 7.0
0 @I1@ INDI
1 NAME /山田/ 太郎
2 GIVN 太郎
2 SURN 山田
2 TRAN /やまだ/ たろう
3 LANG ja-Hrkt
2 TRAN /Yamada/ Tarō
3 LANG ja-Latn
3 GIVN Tarō
3 SURN Yamada
1 SEX M
1 _UID 1234
2 _X nested extension
1 DEAT
2 DATE ABT 1945
2 PLAC Iwo Jima, Tokyo, Japan
3 MAP
4 LATI N24.78
4 LONG E141.32
0 TRLR
";

    #[test]
    fn names_in_several_scripts_and_an_event_with_a_place() {
        let f = read_gedcom(JAPANESE).unwrap();
        let i = &f.individuals[0];
        assert_eq!(i.display(), "山田 太郎");
        let n = &i.names[0];
        assert_eq!((n.given.as_deref(), n.surname.as_deref()), (Some("太郎"), Some("山田")));
        assert_eq!(n.variants.len(), 2);
        assert_eq!(n.variants[0].value, "/やまだ/ たろう");
        assert_eq!(n.variants[0].lang.as_deref(), Some("ja-Hrkt"));
        assert_eq!(n.variants[1].surname.as_deref(), Some("Yamada"));
        let death = i.death.as_ref().unwrap();
        assert_eq!(
            death.date.as_ref().unwrap().value,
            Some(DateValue::About(DatePoint::year(1945)))
        );
        let place = death.place.as_ref().unwrap();
        assert_eq!((place.latitude, place.longitude), (Some(24.78), Some(141.32)));
        assert!(f.warnings.is_empty());
    }

    /// GEDCOM 7 makes HUSB and WIFE partner slots, whatever the sex.
    #[test]
    fn a_couple_of_two_men() {
        let text = "0 HEAD\n1 GEDC\n2 VERS 7.0\n0 @I1@ INDI\n1 NAME John /Doe/\n1 SEX M\n1 FAMS @F1@\n\
                    0 @I2@ INDI\n1 NAME Richard /Roe/\n1 SEX M\n1 FAMS @F1@\n0 @F1@ FAM\n1 HUSB @I1@\n1 WIFE @I2@\n0 TRLR\n";
        let f = read_gedcom(text).unwrap();
        let fam = f.family("F1").unwrap();
        assert_eq!(
            (
                fam.husband.as_ref().unwrap().1.as_str(),
                fam.wife.as_ref().unwrap().1.as_str()
            ),
            ("I1", "I2")
        );
        assert_eq!(f.individual("I2").unwrap().sex, Some(GedSex::Male));
        let p = f.pedigree().unwrap();
        assert!(p.parents.is_empty() && p.others.is_empty() && p.warnings.is_empty());
    }

    #[test]
    fn romanised_and_phonetic_names_of_5_5_1() {
        let text = "0 HEAD\n1 GEDC\n2 VERS 5.5.1\n1 CHAR UTF-8\n0 @I1@ INDI\n1 NAME 山田 /花子/\n2 ROMN Yamada /Hanako/\n3 TYPE romaji\n2 FONE やまだ /はなこ/\n3 TYPE kana\n1 SEX F\n0 TRLR\n";
        let f = read_gedcom(text).unwrap();
        let v = &f.individuals[0].names[0].variants;
        assert_eq!(
            (v[0].kind, v[0].method.as_deref()),
            (VariantKind::Romanized, Some("romaji"))
        );
        assert_eq!(
            (v[1].kind, v[1].value.as_str()),
            (VariantKind::Phonetic, "やまだ /はなこ/")
        );
    }

    #[test]
    fn errors_name_the_line_and_tag() {
        let cases = [
            (JAPANESE.replace("4 LATI N24.78", "4 LATI 24.78"), 21, "LATI"),
            (JAPANESE.replace("1 SEX M", "1 SEX male"), 14, "SEX"),
            (JAPANESE.replace("0 TRLR\n", ""), 4, "INDI"),
            (JAPANESE.replace("0 @I1@ INDI", "0 INDI"), 4, "INDI"),
            (JAPANESE.replace("1 SEX M", "1 FAMC @F9@"), 14, "FAMC"),
            (JAPANESE.replace("1 SEX M", "1 FAMC I9"), 14, "FAMC"),
            (JAPANESE.replace("2 VERS 7.0", "2 VERS 4.0"), 3, "VERS"),
            (JAPANESE.replace("0 HEAD", "0 @I0@ INDI"), 1, "INDI"),
        ];
        for (text, line, tag) in cases {
            let e = read_gedcom(&text).unwrap_err();
            assert_eq!((e.line, e.tag.as_str()), (line, tag), "{e}");
        }
        let e = read_gedcom("").unwrap_err();
        assert_eq!(e.line, 1);
        let two = "0 HEAD\n0 @I1@ INDI\n0 @I1@ INDI\n0 TRLR";
        assert!(read_gedcom(two)
            .unwrap_err()
            .to_string()
            .starts_with("line 3, INDI: @I1@ is also"));
    }

    #[test]
    fn a_date_that_is_not_gedcom_is_kept_as_a_phrase_with_a_warning() {
        let f = read_gedcom(&JAPANESE.replace("ABT 1945", "abt. 1945")).unwrap();
        let d = f.individuals[0].death.as_ref().unwrap().date.as_ref().unwrap();
        assert_eq!((d.value.as_ref(), d.phrase.as_deref()), (None, Some("abt. 1945")));
        assert_eq!(f.warnings.len(), 1);
        assert_eq!((f.warnings[0].line, f.warnings[0].tag.as_str()), (18, "DATE"));
    }
}
