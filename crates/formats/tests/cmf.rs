//! CODIS CMF 3.2: the specification's own example file, a hand-written missing-persons file, and
//! read → write → read on generated files.

use std::path::PathBuf;

use formats::{read_cmf, write_cmf, Allele, CmfFile, Locus, Relationship, Specimen, SpecimenCategory, SpecimenRole};
use proptest::prelude::*;

fn data(name: &str) -> String {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "data", "cmf", name]
        .iter()
        .collect();
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The file without the line numbers, which differ between a file and its rewrite.
fn without_lines(mut f: CmfFile) -> CmfFile {
    for s in &mut f.specimens {
        s.line = 0;
        for l in &mut s.loci {
            l.line = 0;
        }
    }
    f
}

fn values(locus: &Locus) -> Vec<&str> {
    locus.alleles.iter().map(|a| a.value.as_str()).collect()
}

#[test]
fn the_specifications_example_file() {
    let f = read_cmf(&data("cmf32-appendix-a.xml")).unwrap();
    assert_eq!(f.header_version, "3.2");
    assert_eq!(f.message_type, "Import");
    assert_eq!(f.destination_ori, "IADCI0000");
    assert_eq!(f.source_lab, "IADCI0000");
    assert_eq!(f.submit_by_user_id, "KEllis");
    assert_eq!(f.submit_date_time, "2002-02-14T21:51:44");
    assert_eq!(f.batch_id.as_deref(), Some("GEL2004_10_04_101"));
    assert_eq!(f.kit.as_deref(), Some("PowerPlex 16"));
    assert_eq!(f.specimens.len(), 2);
    let (a, b) = (&f.specimens[0], &f.specimens[1]);
    assert_eq!(
        (a.source_id.as_deref(), a.case_id.as_deref()),
        (Some("Yes"), Some("FL2004_10_04_ABC"))
    );
    assert!(a.partial);
    assert_eq!(a.id, "IMP_0001A");
    assert_eq!(a.category.0, "Forensic, Unknown");
    assert_eq!(a.category.role(), SpecimenRole::Other);
    assert_eq!(a.comment.as_deref(), Some("Off-ladder allele value observed for FGA."));
    assert_eq!((a.line, a.loci.len(), b.loci.len()), (11, 13, 16));
    let d13 = &a.loci[1];
    assert_eq!((d13.name.as_str(), d13.line), ("D13S317", 26));
    assert_eq!(d13.batch_id.as_deref(), Some("GEL2004_10_05_67"));
    assert_eq!(d13.kit.as_deref(), Some("PowerPlex 1.2"));
    assert_eq!(d13.reading_date_time.as_deref(), Some("2002-02-13T21:50:42"));
    assert_eq!(
        d13.alleles,
        [
            Allele {
                value: "8".into(),
                required: false
            },
            Allele {
                value: "9".into(),
                required: true
            }
        ]
    );
    // Off-ladder values and microvariants exactly as written.
    assert_eq!(values(&b.loci[0]), ["<6", "8.2"]);
    assert_eq!(values(&b.loci[1]), ["13", ">15"]);
    assert_eq!(values(&b.loci[2]), ["6", "7", "13.1", "14.2"]);
    assert_eq!(values(&b.loci[4]), ["<25", "28", "29"]);
    assert_eq!(b.loci[14].name, "Penta D");
    assert_eq!(values(&b.loci[14]), ["7.3", ">17"]);
    assert_eq!(b.loci[2].reading_by, "CLEE");
    assert_eq!(without_lines(read_cmf(&write_cmf(&f)).unwrap()), without_lines(f));
}

#[test]
fn a_missing_persons_file() {
    let f = read_cmf(&data("missing-persons.xml")).unwrap();
    let roles: Vec<SpecimenRole> = f.specimens.iter().map(|s| s.category.role()).collect();
    assert_eq!(
        roles,
        [
            SpecimenRole::UnidentifiedRemains,
            SpecimenRole::Relative(Relationship::Mother),
            SpecimenRole::Relative(Relationship::Sibling)
        ]
    );
    assert_eq!(values(&f.specimens[0].loci[1]), ["<6", "9.3"]);
    assert_eq!(values(&f.specimens[0].loci[2]), ["22", ">30"]);
    assert_eq!(f.specimens[1].case_id.as_deref(), Some("FAM-1"));
}

// ---- generated files ----

/// Text as CMF carries it: trimmed, not empty, with characters XML must escape.
fn field() -> impl Strategy<Value = String> {
    "[A-Za-z0-9&<>\"' ,._()/é-]{0,14}"
        .prop_map(|s| s.trim().to_owned())
        .prop_filter("not empty", |s| !s.is_empty())
}

fn allele() -> impl Strategy<Value = Allele> {
    ("(<|>)?[0-9]{1,2}(\\.[0-9])?|X|Y|OL", any::<bool>()).prop_map(|(value, required)| Allele { value, required })
}

fn locus() -> impl Strategy<Value = Locus> {
    (
        field(),
        prop::option::of(field()),
        prop::option::of(field()),
        field(),
        prop::option::of(field()),
        prop::collection::vec(allele(), 0..4),
    )
        .prop_map(|(name, batch_id, kit, reading_by, reading_date_time, alleles)| Locus {
            line: 0,
            name,
            batch_id,
            kit,
            reading_by,
            reading_date_time,
            alleles,
        })
}

fn category() -> impl Strategy<Value = SpecimenCategory> {
    prop_oneof![
        Just("Unidentified Human (Remains)".to_owned()),
        Just("Missing Person".to_owned()),
        Just("Biological Father".to_owned()),
        Just("Biological Child".to_owned()),
        field(),
    ]
    .prop_map(SpecimenCategory)
}

fn specimen() -> impl Strategy<Value = Specimen> {
    (
        field(),
        category(),
        prop::option::of(field()),
        prop::option::of(field()),
        any::<bool>(),
        prop::option::of(field()),
        prop::collection::vec(locus(), 0..4),
    )
        .prop_map(|(id, category, source_id, case_id, partial, comment, mut loci)| {
            // Locus names are unique within a specimen.
            let mut seen = std::collections::HashSet::new();
            loci.retain(|l| seen.insert(l.name.clone()));
            Specimen {
                line: 0,
                source_id,
                case_id,
                partial,
                id,
                category,
                comment,
                loci,
            }
        })
}

fn cmf_file() -> impl Strategy<Value = CmfFile> {
    (
        prop::collection::vec(field(), 5),
        prop::option::of(field()),
        prop::option::of(field()),
        prop::collection::vec(specimen(), 0..5),
    )
        .prop_map(|(h, batch_id, kit, mut specimens)| {
            let mut seen = std::collections::HashSet::new();
            specimens.retain(|s| seen.insert(s.id.clone()));
            CmfFile {
                header_version: "3.2".into(),
                message_type: h[0].clone(),
                destination_ori: h[1].clone(),
                source_lab: h[2].clone(),
                submit_by_user_id: h[3].clone(),
                submit_date_time: h[4].clone(),
                batch_id,
                kit,
                specimens,
            }
        })
}

proptest! {
    #[test]
    fn read_write_read_gives_the_same_file(file in cmf_file()) {
        let text = write_cmf(&file);
        let back = read_cmf(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(without_lines(back.clone()), file);
        // Writing what was read gives the same text again.
        prop_assert_eq!(write_cmf(&back), text);
    }
}
