//! CODIS Common Message Format (CMF) 3.2 import files: the XML that laboratories exchange with
//! CODIS, one file per batch of specimens.
//!
//! ```text
//! <CODISImportFile xmlns="urn:CODISImportFile-schema">
//!   <HEADERVERSION>3.2</HEADERVERSION> <MESSAGETYPE>Import</MESSAGETYPE>
//!   <DESTINATIONORI>…</DESTINATIONORI> <SOURCELAB>…</SOURCELAB>
//!   <SUBMITBYUSERID>…</SUBMITBYUSERID> <SUBMITDATETIME>2002-02-14T21:51:44</SUBMITDATETIME>
//!   <BATCHID>…</BATCHID>? <KIT>…</KIT>?
//!   <SPECIMEN SOURCEID="…"? CASEID="…"? PARTIAL="true"?>
//!     <SPECIMENID>…</SPECIMENID> <SPECIMENCATEGORY>…</SPECIMENCATEGORY> <SPECIMENCOMMENT>…</SPECIMENCOMMENT>?
//!     <LOCUS BATCHID="…"? KIT="…"?>
//!       <LOCUSNAME>…</LOCUSNAME> <READINGBY>…</READINGBY> <READINGDATETIME>…</READINGDATETIME>?
//!       <ALLELE ALLELEREQUIRED="true"?><ALLELEVALUE>9.3</ALLELEVALUE></ALLELE>…
//! ```
//!
//! The layout follows the example file of Appendix A of the CODIS Interface Specification (CMF 3.2),
//! as reproduced in NCBI's OSIRIS (see `tests/data/cmf/README.md`). Values are kept exactly as
//! written (trimmed): allele values such as `9.3`, `<6` or `>17` are text, never numbers, so
//! nothing is rounded; the specimen category is kept as written and classified by
//! [`SpecimenCategory::role`]. Unknown elements and attributes are refused rather than dropped, so
//! that a file read and written again loses nothing.

use std::collections::HashSet;

use crate::xml::{self, escape, parse_bool, Element, Problem};

/// Why a CMF file cannot be read: the line and the element at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, element <{element}>: {message}")]
pub struct CmfError {
    pub line: usize,
    pub element: String,
    pub message: String,
}

impl From<Problem> for CmfError {
    fn from(p: Problem) -> Self {
        CmfError {
            line: p.line,
            element: p.element,
            message: p.message,
        }
    }
}

/// A CMF import file: the header and its specimens in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmfFile {
    /// `3.2`.
    pub header_version: String,
    pub message_type: String,
    pub destination_ori: String,
    /// The submitting laboratory (its ORI).
    pub source_lab: String,
    pub submit_by_user_id: String,
    pub submit_date_time: String,
    pub batch_id: Option<String>,
    pub kit: Option<String>,
    pub specimens: Vec<Specimen>,
}

/// One specimen with its typed loci.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Specimen {
    /// The line of the `<SPECIMEN>` start tag (0 for specimens not read from a file).
    pub line: usize,
    pub source_id: Option<String>,
    pub case_id: Option<String>,
    pub partial: bool,
    pub id: String,
    pub category: SpecimenCategory,
    pub comment: Option<String>,
    pub loci: Vec<Locus>,
}

/// One locus of a specimen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locus {
    /// The line of the `<LOCUS>` start tag (0 when not read from a file).
    pub line: usize,
    pub name: String,
    pub batch_id: Option<String>,
    pub kit: Option<String>,
    pub reading_by: String,
    pub reading_date_time: Option<String>,
    pub alleles: Vec<Allele>,
}

/// An allele value as written (`14`, `9.3`, `<6`, `>17`, `X`), and whether CODIS must match it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allele {
    pub value: String,
    pub required: bool,
}

/// The specimen category as written in `<SPECIMENCATEGORY>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecimenCategory(pub String);

/// What a specimen is, for identification: the missing-person categories of NDIS, the others
/// (forensic, offender, …) as [`SpecimenRole::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecimenRole {
    /// A direct reference of the missing person (personal effects, a stored sample).
    MissingPerson,
    /// Unidentified human remains.
    UnidentifiedRemains,
    /// A relative of a missing person, with the relationship to them.
    Relative(Relationship),
    Other,
}

/// How a relative is related to the missing person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relationship {
    Mother,
    Father,
    Child,
    Sibling,
    Spouse,
    MaternalRelative,
    PaternalRelative,
    /// "Relative of Missing Person" without the relationship.
    Unspecified,
}

impl Relationship {
    /// The CMF category a relative of this kind is written with.
    pub fn category(self) -> &'static str {
        match self {
            Relationship::Mother => "Biological Mother",
            Relationship::Father => "Biological Father",
            Relationship::Child => "Biological Child",
            Relationship::Sibling => "Biological Sibling",
            Relationship::Spouse => "Spouse",
            Relationship::MaternalRelative => "Maternal Relative",
            Relationship::PaternalRelative => "Paternal Relative",
            Relationship::Unspecified => "Relative of Missing Person",
        }
    }
}

impl SpecimenCategory {
    /// Classifies the category, ignoring case and runs of spaces.
    pub fn role(&self) -> SpecimenRole {
        let words: Vec<String> = self.0.split_whitespace().map(str::to_lowercase).collect();
        let key = words.join(" ");
        let relative = |r| SpecimenRole::Relative(r);
        match key.as_str() {
            "missing person" | "reference missing person" => SpecimenRole::MissingPerson,
            "unidentified human (remains)" | "unidentified human remains" | "unidentified human" => {
                SpecimenRole::UnidentifiedRemains
            }
            "biological mother" | "mother" => relative(Relationship::Mother),
            "biological father" | "father" => relative(Relationship::Father),
            "biological child" | "child" => relative(Relationship::Child),
            "biological sibling" | "sibling" => relative(Relationship::Sibling),
            "spouse" => relative(Relationship::Spouse),
            "maternal relative" => relative(Relationship::MaternalRelative),
            "paternal relative" => relative(Relationship::PaternalRelative),
            "relative of missing person" | "relatives of missing person" | "relative" => {
                relative(Relationship::Unspecified)
            }
            _ => SpecimenRole::Other,
        }
    }
}

/// The longest allele value CMF carries.
const MAX_ALLELE_LEN: usize = 10;

/// An allele value: letters, digits and `.`, optionally after `<` or `>` (off-ladder).
fn check_allele(value: &str) -> Result<(), String> {
    let body = value.strip_prefix(['<', '>']).unwrap_or(value);
    let ok = !body.is_empty()
        && value.len() <= MAX_ALLELE_LEN
        && body.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "'{value}' is not an allele value (such as 14, 9.3, <6, >17 or X; at most {MAX_ALLELE_LEN} characters)"
        ))
    }
}

const ROOT: &str = "CODISImportFile";
const HEADER: [&str; 9] = [
    "HEADERVERSION",
    "MESSAGETYPE",
    "DESTINATIONORI",
    "SOURCELAB",
    "SUBMITBYUSERID",
    "SUBMITDATETIME",
    "BATCHID",
    "KIT",
    "SPECIMEN",
];

fn required(el: &Element, name: &str) -> Result<String, Problem> {
    Ok(el.required_text(name)?.text.clone())
}

fn optional(el: &Element, name: &str) -> Result<Option<String>, Problem> {
    Ok(el
        .optional_text(name)?
        .map(|c| c.text.clone())
        .filter(|t| !t.is_empty()))
}

fn optional_attribute(el: &Element, name: &str) -> Option<String> {
    el.attribute(name).filter(|v| !v.is_empty()).map(str::to_owned)
}

/// Reads a CMF 3.2 file.
pub fn read_cmf(text: &str) -> Result<CmfFile, CmfError> {
    let root = xml::parse(text)?;
    if root.name != ROOT {
        return Err(Problem::at(
            &root,
            format!("not a CODIS import file (the root element should be <{ROOT}>)"),
        )
        .into());
    }
    root.only_attributes(&[])?;
    root.only_children(&HEADER)?;
    let version = root.required_text("HEADERVERSION")?;
    if version.text != "3.2" {
        return Err(Problem::at(version, format!("version '{}': only CMF 3.2 is read", version.text)).into());
    }
    let mut specimens = Vec::new();
    let mut ids = HashSet::new();
    for el in root.children.iter().filter(|c| c.name == "SPECIMEN") {
        let specimen = read_specimen(el)?;
        if !ids.insert(specimen.id.clone()) {
            return Err(Problem::at(el, format!("specimen '{}' is given twice", specimen.id)).into());
        }
        specimens.push(specimen);
    }
    Ok(CmfFile {
        header_version: version.text.clone(),
        message_type: required(&root, "MESSAGETYPE")?,
        destination_ori: required(&root, "DESTINATIONORI")?,
        source_lab: required(&root, "SOURCELAB")?,
        submit_by_user_id: required(&root, "SUBMITBYUSERID")?,
        submit_date_time: required(&root, "SUBMITDATETIME")?,
        batch_id: optional(&root, "BATCHID")?,
        kit: optional(&root, "KIT")?,
        specimens,
    })
}

fn read_specimen(el: &Element) -> Result<Specimen, Problem> {
    el.only_attributes(&["SOURCEID", "CASEID", "PARTIAL"])?;
    el.only_children(&["SPECIMENID", "SPECIMENCATEGORY", "SPECIMENCOMMENT", "LOCUS"])?;
    let partial = match el.attribute("PARTIAL") {
        Some(v) => parse_bool(el, "PARTIAL", v)?,
        None => false,
    };
    let id = required(el, "SPECIMENID")?;
    let mut loci = Vec::new();
    let mut names = HashSet::new();
    for locus in el.children.iter().filter(|c| c.name == "LOCUS") {
        let locus = read_locus(locus)?;
        if !names.insert(locus.name.clone()) {
            return Err(Problem {
                line: locus.line,
                element: "LOCUS".into(),
                message: format!("locus {} is given twice for specimen '{id}'", locus.name),
            });
        }
        loci.push(locus);
    }
    Ok(Specimen {
        line: el.line,
        source_id: optional_attribute(el, "SOURCEID"),
        case_id: optional_attribute(el, "CASEID"),
        partial,
        category: SpecimenCategory(required(el, "SPECIMENCATEGORY")?),
        comment: optional(el, "SPECIMENCOMMENT")?,
        id,
        loci,
    })
}

fn read_locus(el: &Element) -> Result<Locus, Problem> {
    el.only_attributes(&["BATCHID", "KIT"])?;
    el.only_children(&["LOCUSNAME", "READINGBY", "READINGDATETIME", "ALLELE"])?;
    let mut alleles = Vec::new();
    for a in el.children.iter().filter(|c| c.name == "ALLELE") {
        a.only_attributes(&["ALLELEREQUIRED"])?;
        a.only_children(&["ALLELEVALUE"])?;
        let required = match a.attribute("ALLELEREQUIRED") {
            Some(v) => parse_bool(a, "ALLELEREQUIRED", v)?,
            None => false,
        };
        let value = a.required_text("ALLELEVALUE")?;
        check_allele(&value.text).map_err(|m| Problem::at(value, m))?;
        alleles.push(Allele {
            value: value.text.clone(),
            required,
        });
    }
    Ok(Locus {
        line: el.line,
        name: required(el, "LOCUSNAME")?,
        batch_id: optional_attribute(el, "BATCHID"),
        kit: optional_attribute(el, "KIT"),
        reading_by: required(el, "READINGBY")?,
        reading_date_time: optional(el, "READINGDATETIME")?,
        alleles,
    })
}

/// Writes a CMF 3.2 file (UTF-8, two-space indentation). Reading it back gives the same
/// [`CmfFile`], line numbers aside.
pub fn write_cmf(file: &CmfFile) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<CODISImportFile xmlns=\"urn:CODISImportFile-schema\">\n");
    let field = |out: &mut String, indent: usize, name: &str, value: &str| {
        out.push_str(&format!("{:indent$}<{name}>{}</{name}>\n", "", escape(value)));
    };
    let attr = |out: &mut String, name: &str, value: &Option<String>| {
        if let Some(v) = value {
            out.push_str(&format!(" {name}=\"{}\"", escape(v)));
        }
    };
    field(&mut out, 2, "HEADERVERSION", &file.header_version);
    field(&mut out, 2, "MESSAGETYPE", &file.message_type);
    field(&mut out, 2, "DESTINATIONORI", &file.destination_ori);
    field(&mut out, 2, "SOURCELAB", &file.source_lab);
    field(&mut out, 2, "SUBMITBYUSERID", &file.submit_by_user_id);
    field(&mut out, 2, "SUBMITDATETIME", &file.submit_date_time);
    if let Some(b) = &file.batch_id {
        field(&mut out, 2, "BATCHID", b);
    }
    if let Some(k) = &file.kit {
        field(&mut out, 2, "KIT", k);
    }
    for s in &file.specimens {
        out.push_str("  <SPECIMEN");
        attr(&mut out, "SOURCEID", &s.source_id);
        attr(&mut out, "CASEID", &s.case_id);
        if s.partial {
            out.push_str(" PARTIAL=\"true\"");
        }
        out.push_str(">\n");
        field(&mut out, 4, "SPECIMENID", &s.id);
        field(&mut out, 4, "SPECIMENCATEGORY", &s.category.0);
        if let Some(c) = &s.comment {
            field(&mut out, 4, "SPECIMENCOMMENT", c);
        }
        for l in &s.loci {
            out.push_str("    <LOCUS");
            attr(&mut out, "BATCHID", &l.batch_id);
            attr(&mut out, "KIT", &l.kit);
            out.push_str(">\n");
            field(&mut out, 6, "LOCUSNAME", &l.name);
            field(&mut out, 6, "READINGBY", &l.reading_by);
            if let Some(t) = &l.reading_date_time {
                field(&mut out, 6, "READINGDATETIME", t);
            }
            for a in &l.alleles {
                out.push_str(if a.required {
                    "      <ALLELE ALLELEREQUIRED=\"true\">\n"
                } else {
                    "      <ALLELE>\n"
                });
                field(&mut out, 8, "ALLELEVALUE", &a.value);
                out.push_str("      </ALLELE>\n");
            }
            out.push_str("    </LOCUS>\n");
        }
        out.push_str("  </SPECIMEN>\n");
    }
    out.push_str("</CODISImportFile>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "<CODISImportFile xmlns=\"urn:CODISImportFile-schema\">\n<HEADERVERSION>3.2</HEADERVERSION>\n\
        <MESSAGETYPE>Import</MESSAGETYPE>\n<DESTINATIONORI>X</DESTINATIONORI>\n<SOURCELAB>LAB</SOURCELAB>\n\
        <SUBMITBYUSERID>me</SUBMITBYUSERID>\n<SUBMITDATETIME>2024-01-01T00:00:00</SUBMITDATETIME>\n";

    fn with_specimen(specimen: &str) -> String {
        format!("{HEAD}{specimen}</CODISImportFile>\n")
    }

    fn specimen(locus: &str) -> String {
        format!(
            "<SPECIMEN CASEID=\"F1\">\n<SPECIMENID>S1</SPECIMENID>\n<SPECIMENCATEGORY>Biological Mother</SPECIMENCATEGORY>\n\
             {locus}</SPECIMEN>\n"
        )
    }

    fn locus(values: &[&str]) -> String {
        let alleles: String = values
            .iter()
            .map(|v| format!("<ALLELE><ALLELEVALUE>{v}</ALLELEVALUE></ALLELE>\n"))
            .collect();
        format!("<LOCUS>\n<LOCUSNAME>TH01</LOCUSNAME>\n<READINGBY>me</READINGBY>\n{alleles}</LOCUS>\n")
    }

    fn assert_err(text: &str, line: usize, element: &str) -> CmfError {
        let e = read_cmf(text).expect_err("should fail");
        assert_eq!((e.line, e.element.as_str()), (line, element), "{e}");
        e
    }

    #[test]
    fn reads_a_relative_with_off_ladder_and_microvariant_alleles() {
        let f = read_cmf(&with_specimen(&specimen(&locus(&["&lt;6", "9.3", "&gt;17"])))).unwrap();
        assert_eq!(f.source_lab, "LAB");
        assert_eq!(f.batch_id, None);
        let s = &f.specimens[0];
        assert_eq!((s.id.as_str(), s.case_id.as_deref(), s.line), ("S1", Some("F1"), 8));
        assert_eq!(s.category.role(), SpecimenRole::Relative(Relationship::Mother));
        let values: Vec<&str> = s.loci[0].alleles.iter().map(|a| a.value.as_str()).collect();
        assert_eq!(values, ["<6", "9.3", ">17"]);
        assert_eq!(s.loci[0].line, 11);
    }

    #[test]
    fn categories() {
        let role = |c: &str| SpecimenCategory(c.into()).role();
        assert_eq!(role("Unidentified Human (Remains)"), SpecimenRole::UnidentifiedRemains);
        assert_eq!(role("missing  person"), SpecimenRole::MissingPerson);
        assert_eq!(
            role("Biological Sibling"),
            SpecimenRole::Relative(Relationship::Sibling)
        );
        assert_eq!(
            role("Relative of Missing Person"),
            SpecimenRole::Relative(Relationship::Unspecified)
        );
        assert_eq!(role("Forensic, Unknown"), SpecimenRole::Other);
        for r in [
            Relationship::Mother,
            Relationship::Father,
            Relationship::Child,
            Relationship::Sibling,
            Relationship::Spouse,
            Relationship::MaternalRelative,
            Relationship::PaternalRelative,
            Relationship::Unspecified,
        ] {
            assert_eq!(role(r.category()), SpecimenRole::Relative(r));
        }
    }

    #[test]
    fn malformed_files_name_the_element_and_line() {
        assert_err(
            "<CODISImportFile>\n<HEADERVERSION>3.2</HEADERVERSION>",
            2,
            "CODISImportFile",
        );
        assert_err("<Other/>", 1, "Other");
        let e = assert_err(&with_specimen(&specimen(&locus(&["1 2"]))), 14, "ALLELEVALUE");
        assert!(e.message.contains("'1 2'"), "{e}");
        assert_eq!(
            read_cmf(&with_specimen(&specimen(&locus(&["<"])))).unwrap_err().line,
            14
        );
        assert_err(&with_specimen(&specimen(&locus(&["&lt;"]))), 14, "ALLELEVALUE");
        assert_err(&with_specimen(&specimen(&locus(&["12345678901"]))), 14, "ALLELEVALUE");
        assert_err(&with_specimen(&specimen(&locus(&[""]))), 14, "ALLELEVALUE");
        // A second TH01 in one specimen.
        let two = format!("{}{}", locus(&["9"]), locus(&["10"]));
        let e = assert_err(&with_specimen(&specimen(&two)), 16, "LOCUS");
        assert!(e.message.contains("TH01"), "{e}");
        // Missing fields.
        assert_err(
            &with_specimen("<SPECIMEN>\n<SPECIMENID>S1</SPECIMENID>\n</SPECIMEN>\n"),
            8,
            "SPECIMEN",
        );
        assert_err(
            &with_specimen("").replace("<SOURCELAB>LAB</SOURCELAB>", "<SOURCELAB></SOURCELAB>"),
            5,
            "SOURCELAB",
        );
        assert_err(
            &format!("{HEAD}</CODISImportFile>").replace("3.2", "3.0"),
            2,
            "HEADERVERSION",
        );
        // Unknown elements and attributes.
        assert_err(&with_specimen("<SPECIMEN COLOR=\"red\"></SPECIMEN>\n"), 8, "SPECIMEN");
        assert_err(&with_specimen("<SPECIMENS/>\n"), 8, "SPECIMENS");
        let bad = specimen(&locus(&["9"])).replace("<ALLELE>", "<ALLELE ALLELEREQUIRED=\"maybe\">");
        assert_err(&with_specimen(&bad), 14, "ALLELE");
        let dup = format!("{}{}", specimen(""), specimen(""));
        assert_err(&with_specimen(&dup), 12, "SPECIMEN");
    }

    #[test]
    fn writes_what_it_reads() {
        let text = with_specimen(&specimen(&locus(&["&lt;6", "9.3"])));
        let f = read_cmf(&text).unwrap();
        let written = write_cmf(&f);
        assert!(written.contains("<ALLELEVALUE>&lt;6</ALLELEVALUE>"), "{written}");
        let mut again = read_cmf(&written).unwrap();
        let mut f = f;
        for s in f.specimens.iter_mut().chain(again.specimens.iter_mut()) {
            s.line = 0;
            for l in &mut s.loci {
                l.line = 0;
            }
        }
        assert_eq!(again, f);
    }
}
