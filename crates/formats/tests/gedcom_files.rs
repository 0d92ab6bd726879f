//! The published GEDCOM test files (see `tests/data/gedcom/README.md`) read as their content says,
//! and survive a round trip through the writer.

use std::path::PathBuf;

use formats::gedcom::{
    read_gedcom, write_gedcom, AdoptedBy, DatePoint, DateValue, GedDate, GedSex, GedcomFile, LinkStatus, Pedi, Version,
};

fn data(name: &str) -> String {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "data", "gedcom", name]
        .iter()
        .collect();
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn assert_round_trips(f: &GedcomFile) {
    let written = write_gedcom(f);
    let again = read_gedcom(&written).unwrap_or_else(|e| panic!("{e}\n{written}"));
    assert_eq!(again.content(), f.clone().content(), "{written}");
}

fn exact(day: Option<u8>, month: Option<&str>, year: u32) -> Option<DateValue> {
    Some(DateValue::Exact(DatePoint {
        day,
        month: month.map(str::to_owned),
        ..DatePoint::year(year)
    }))
}

#[test]
fn minimal70_has_nothing_but_a_header() {
    let f = read_gedcom(&data("minimal70.ged")).unwrap();
    assert_eq!(f.version, Version::V7);
    assert!(f.individuals.is_empty() && f.families.is_empty() && f.warnings.is_empty());
    assert_round_trips(&f);
}

#[test]
fn maximal70_individuals_families_and_links() {
    let text = data("maximal70.ged");
    assert!(text.starts_with('\u{feff}'), "the published file has a byte-order mark");
    let f = read_gedcom(&text).unwrap();
    assert_eq!(f.version, Version::V7);
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
    let xrefs: Vec<&str> = f.individuals.iter().map(|i| i.xref.as_str()).collect();
    assert_eq!(xrefs, ["I1", "I2", "I3", "I4"]);
    assert_eq!(f.families.len(), 2);

    let i1 = f.individual("I1").unwrap();
    assert_eq!(i1.line, 233);
    assert_eq!(i1.names.len(), 4);
    let n = &i1.names[0];
    assert_eq!(n.value, "Lt. Cmndr. Joseph \"John\" /de Allen/ jr.");
    assert_eq!(i1.display(), "Lt. Cmndr. Joseph \"John\" de Allen jr.");
    assert_eq!(n.kind.as_deref(), Some("OTHER"));
    assert_eq!(
        (n.given.as_deref(), n.surname.as_deref()),
        (Some("Joseph"), Some("Allen"))
    );
    assert_eq!(n.variants.len(), 2);
    assert_eq!(n.variants[0].value, "npfx John /spfx Doe/ nsfx");
    assert_eq!(n.variants[0].lang.as_deref(), Some("en-GB"));
    assert_eq!(n.variants[0].surname.as_deref(), Some("Doe"));
    assert_eq!(
        (n.variants[1].value.as_str(), n.variants[1].lang.as_deref()),
        ("John /Doe/", Some("en-CA"))
    );
    let kinds: Vec<Option<&str>> = i1.names.iter().map(|n| n.kind.as_deref()).collect();
    assert_eq!(kinds, [Some("OTHER"), Some("BIRTH"), Some("AKA"), Some("IMMIGRANT")]);
    assert_eq!(i1.sex, Some(GedSex::Male));
    let date = |e: &Option<formats::gedcom::Event>| e.as_ref().unwrap().date.clone().unwrap().value;
    assert_eq!(date(&i1.birth), exact(Some(1), Some("JAN"), 2000));
    assert_eq!(date(&i1.death), exact(Some(28), Some("MAR"), 2022));
    assert_eq!(date(&i1.burial), exact(Some(30), Some("MAR"), 2022));
    assert_eq!(i1.death.as_ref().unwrap().place.as_ref().unwrap().name, "Somewhere");
    // Three FAMC @VOID@ are no links; the two to @F2@ are adoption (proven) and a disproven birth.
    let links: Vec<(&str, Pedi, Option<LinkStatus>, usize)> = i1
        .child_of
        .iter()
        .map(|l| (l.family.as_str(), l.pedi, l.status, l.line))
        .collect();
    assert_eq!(
        links,
        [
            ("F2", Pedi::Adopted, Some(LinkStatus::Proven), 449),
            ("F2", Pedi::Birth, Some(LinkStatus::Disproven), 452)
        ]
    );
    let sexes: Vec<Option<GedSex>> = f.individuals.iter().map(|i| i.sex).collect();
    assert_eq!(
        sexes,
        [
            Some(GedSex::Male),
            Some(GedSex::Female),
            Some(GedSex::Intersex),
            Some(GedSex::Unknown)
        ]
    );
    assert_eq!(f.individual("I3").unwrap().display(), "@I3@", "no NAME");
    assert!(i1.adoptions.is_empty(), "three ADOP events with FAMC @VOID@");

    let f1 = f.family("F1").unwrap();
    assert_eq!(f1.husband, Some((137, "I1".to_owned())));
    assert_eq!(f1.wife, Some((139, "I2".to_owned())));
    assert_eq!(f1.children, [(141, "I4".to_owned())], "CHIL @VOID@ is no child");
    let f2 = f.family("F2").unwrap();
    assert_eq!((f2.husband.as_ref(), f2.wife.as_ref()), (None, None));
    assert_eq!(f2.children, [(232, "I1".to_owned())]);

    // I4 is the biological child of I1 and I2; I1's links to F2 (adopted; birth DISPROVEN) are not
    // genetic, and F2 has no partners to relate I1 to.
    let p = f.pedigree().unwrap();
    assert_eq!(p.parents.len(), 1);
    let i4 = &p.parents["I4"];
    assert_eq!(
        (i4.father.as_deref(), i4.mother.as_deref(), i4.line),
        (Some("I1"), Some("I2"), 528)
    );
    assert!(p.others.is_empty());
    let warned: Vec<usize> = p.warnings.iter().map(|w| w.line).collect();
    assert_eq!(warned, [449, 452]);
    assert!(p.warnings[1].message.contains("DISPROVEN"), "{}", p.warnings[1]);
    assert_round_trips(&f);
}

#[test]
fn remarriage_as_one_family_and_as_two() {
    let one = read_gedcom(&data("remarriage1.ged")).unwrap();
    let two = read_gedcom(&data("remarriage2.ged")).unwrap();
    for f in [&one, &two] {
        let names: Vec<String> = f.individuals.iter().map(|i| i.display()).collect();
        assert_eq!(names, ["John Q Public", "Jane Doe", "Mary Roe"]);
        let mary = f.individual("I3").unwrap();
        assert_eq!(mary.sex, None);
        assert_eq!(
            mary.death.as_ref().unwrap().date.as_ref().unwrap().value,
            exact(Some(1), Some("MAR"), 1914)
        );
        assert!(f.pedigree().unwrap().parents.is_empty(), "no children");
        assert_round_trips(f);
    }
    let couples = |f: &GedcomFile| -> Vec<(String, String)> {
        f.families
            .iter()
            .map(|x| (x.husband.clone().unwrap().1, x.wife.clone().unwrap().1))
            .collect()
    };
    assert_eq!(couples(&one), [("I1".into(), "I2".into()), ("I1".into(), "I3".into())]);
    assert_eq!(
        couples(&two),
        [
            ("I1".into(), "I2".into()),
            ("I1".into(), "I3".into()),
            ("I1".into(), "I2".into())
        ]
    );
}

#[test]
fn void_pointers_are_no_links() {
    let f = read_gedcom(&data("voidptr.ged")).unwrap();
    let john = f.individual("I1").unwrap();
    assert_eq!(john.display(), "John Smith");
    assert!(john.child_of.is_empty(), "FAMC @VOID@");
    let fam = f.family("F1").unwrap();
    assert_eq!(fam.husband.as_ref().unwrap().1, "I1");
    assert!(fam.children.is_empty(), "CHIL @VOID@");
    assert_round_trips(&f);
}

#[test]
fn escapes_file_reads() {
    let f = read_gedcom(&data("escapes.ged")).unwrap();
    assert_eq!(f.individuals.len(), 1);
    assert_eq!(f.individuals[0].display(), "John Doe");
}

#[test]
fn the_5_5_1_sample_with_its_adoptive_family() {
    let text = data("sample551.ged");
    assert!(text.contains("\r\n"));
    let f = read_gedcom(&text).unwrap();
    assert_eq!(f.version, Version::V551);
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
    let names: Vec<String> = f.individuals.iter().map(|i| i.display()).collect();
    assert_eq!(names, ["Robert Eugene Williams", "Mary Ann Wilson", "Joe Williams"]);
    let robert = f.individual("1").unwrap();
    let birth = robert.birth.as_ref().unwrap();
    assert_eq!(birth.date.as_ref().unwrap().value, exact(Some(2), Some("OCT"), 1822));
    assert_eq!(birth.place.as_ref().unwrap().name, "Weston, Madison, Connecticut");
    assert_eq!(
        robert.death.as_ref().unwrap().place.as_ref().unwrap().name,
        "Stamford, Fairfield, CT"
    );
    let burial = robert.burial.as_ref().unwrap();
    assert_eq!(burial.date, None);
    assert_eq!(burial.place.as_ref().unwrap().name, "Spring Hill Cem., Stamford, CT");
    let mary = f.individual("2").unwrap();
    assert_eq!(
        mary.birth.as_ref().unwrap().date,
        Some(GedDate {
            value: Some(DateValue::Before(DatePoint::year(1828))),
            phrase: None
        })
    );
    let joe = f.individual("3").unwrap();
    let links: Vec<(&str, Pedi, usize)> = joe
        .child_of
        .iter()
        .map(|l| (l.family.as_str(), l.pedi, l.line))
        .collect();
    assert_eq!(links, [("4", Pedi::Birth, 46), ("9", Pedi::Adopted, 47)]);
    let adoptions: Vec<(&str, AdoptedBy, usize)> = joe
        .adoptions
        .iter()
        .map(|a| (a.family.as_str(), a.by, a.line))
        .collect();
    assert_eq!(
        adoptions,
        [("9", AdoptedBy::Both, 50)],
        "ADOP with FAMC @9@ and no ADOP value"
    );

    let p = f.pedigree().unwrap();
    let parents = &p.parents["3"];
    assert_eq!(
        (parents.father.as_deref(), parents.mother.as_deref()),
        (Some("1"), Some("2"))
    );
    assert_eq!(p.others.len(), 1);
    let adoption = &p.others[0];
    assert_eq!(
        (
            adoption.child.as_str(),
            adoption.parent.as_str(),
            adoption.family.as_str(),
            adoption.pedi,
            adoption.line
        ),
        ("3", "1", "9", Pedi::Adopted, 47)
    );
    assert_eq!(p.warnings.len(), 1);
    assert!(p.warnings[0].message.contains("adopted link"), "{}", p.warnings[0]);
    assert_round_trips(&f);
}
