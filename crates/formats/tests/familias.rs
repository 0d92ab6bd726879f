//! Familias `.fam` files: real public files, and generated data that must survive write → read.

use formats::familias::{
    Database, Dvi, DviFamily, DviGenotype, DviPedigree, DviPerson, FamFile, FamModel, FamPedigree, Genotype, Locus,
    Mutation, Person, Relation, Relations, Setting,
};
use formats::{read_fam, write_fam};
use kinship::Sex;
use proptest::prelude::*;

fn data(name: &str) -> String {
    let path = format!("{}/tests/data/familias/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Reads `text`, writes it, reads that again: the same data, and writing is stable.
fn assert_rewrites_to_same_data(text: &str) -> FamFile {
    let mut first = read_fam(text).unwrap();
    let written = write_fam(&first);
    let mut second = read_fam(&written).unwrap_or_else(|e| panic!("{e}\n{written}"));
    assert_eq!(write_fam(&second), written);
    first.clear_lines();
    second.clear_lines();
    assert_eq!(first, second);
    read_fam(text).unwrap()
}

#[test]
fn paternity_case_from_pedfamilias() {
    let f = assert_rewrites_to_same_data(&data("paternity.fam"));
    assert_eq!(f.version, "3.3.1");
    let names: Vec<(&str, Sex, usize)> = f
        .persons
        .iter()
        .map(|p| (p.name.as_str(), p.sex, p.genotypes.len()))
        .collect();
    assert_eq!(
        names,
        [("AF", Sex::Male, 10), ("MO", Sex::Female, 0), ("CH", Sex::Male, 10)]
    );
    assert_eq!(
        f.persons[0].genotypes[2],
        Genotype {
            allele1: 7,
            allele2: 13,
            locus: 2
        }
    );
    assert_eq!(f.pedigrees.len(), 2);
    assert_eq!(
        (f.pedigrees[0].name.as_str(), f.pedigrees[1].name.as_str()),
        ("H1", "H2")
    );
    assert_eq!(
        f.pedigrees[0].own.relations,
        [Relation { parent: 0, child: 2 }, Relation { parent: 1, child: 2 }]
    );
    assert!(f.pedigrees[1].own.relations.is_empty());
    assert_eq!(f.database.name.as_deref(), Some("unknown"));
    assert_eq!(f.database.loci.len(), 10);
    let d3 = &f.database.loci[0];
    assert_eq!(d3.name, "D3S1358");
    assert_eq!(d3.alleles.len(), 12);
    assert_eq!(d3.alleles[0], ("10".to_owned(), 5.21594e-5));
    assert_eq!(
        (d3.female, d3.male),
        (
            Mutation {
                model: FamModel::ExtendedStepwise,
                rate: 0.001,
                range: 0.1,
                rate2: 1e-6
            },
            Mutation {
                model: FamModel::ExtendedStepwise,
                rate: 0.002,
                range: 0.1,
                rate2: 1e-6
            }
        )
    );
    assert_eq!(d3.database_size, 1000);
    assert_eq!(f.database.loci[9].name, "CSF1PO");
    assert!(f.dvi.is_none());
    assert_eq!(f.setting(&["Advanced", "Other"], "NumberOfDecimals"), Some("10"));
}

#[test]
fn dvi_example_from_dvir() {
    let f = assert_rewrites_to_same_data(&data("dvi-example.fam"));
    assert_eq!(f.version, "3.3 (DVI)");
    assert!(f.persons.is_empty() && f.pedigrees.is_empty());
    let dvi = f.dvi.as_ref().unwrap();
    let victims: Vec<&str> = dvi.unidentified.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(victims, ["V1", "V2", "V3"]);
    assert_eq!(
        dvi.unidentified[2].genotypes,
        [DviGenotype {
            marker: "L1".into(),
            allele1: "1".into(),
            allele2: "2".into()
        }]
    );
    assert_eq!(dvi.notes, [""]);
    let fam = &dvi.families[0];
    assert_eq!(fam.name, "Reference family 1");
    assert_eq!(fam.persons.len(), 4);
    assert_eq!((fam.persons[0].name.as_str(), fam.persons[0].sex), ("R", Sex::Female));
    assert!(fam.persons[1].genotypes.is_empty());
    assert_eq!(fam.pedigrees[0].name, "Reference pedigree");
    assert!(fam.pedigrees[0].relations.is_empty());
    assert_eq!(
        fam.pedigrees[1].relations[1],
        ("Missing person".to_owned(), "Missing male 2".to_owned())
    );
    assert_eq!(f.setting(&["Prior"], "Size"), Some("3"));
    assert_eq!(f.setting(&["Advanced", "Direct/Identity"], "Dropout"), Some("0"));
}

#[test]
fn the_written_real_files_are_the_originals_up_to_number_spelling() {
    // Familias writes 1e-006 and 0.0 where Rust writes 0.000001 and 0; everything else is kept.
    for name in ["paternity.fam", "dvi-example.fam"] {
        let text = data(name);
        let written = write_fam(&read_fam(&text).unwrap());
        let original: Vec<&str> = text.lines().collect();
        let ours: Vec<&str> = written.lines().collect();
        assert_eq!(original.len(), ours.len(), "{name}");
        for (a, b) in original.iter().zip(&ours) {
            let same_number = matches!((a.parse::<f64>(), b.parse::<f64>()), (Ok(x), Ok(y)) if x == y);
            assert!(a == b || same_number, "{name}: '{a}' written as '{b}'");
        }
    }
}

// ---- generated data -------------------------------------------------------------------------

fn word() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_.][A-Za-z0-9 _.-]{0,8}[A-Za-z0-9_.]"
}

fn prob() -> impl Strategy<Value = f64> {
    prop_oneof![Just(0.0), 0.0..=1.0f64, Just(1e-6)]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let model = prop_oneof![
        Just(FamModel::Equal),
        Just(FamModel::Proportional),
        Just(FamModel::StepwiseUnstationary),
        Just(FamModel::StepwiseStationary),
        Just(FamModel::ExtendedStepwise),
    ];
    (model, prob(), 0.0..2.0f64, prob()).prop_map(|(model, rate, range, rate2)| Mutation {
        model,
        rate,
        range,
        rate2,
    })
}

fn locus() -> impl Strategy<Value = Locus> {
    (
        word(),
        mutation(),
        mutation(),
        prop::option::of(prob()),
        0u64..5000,
        prob(),
        prob(),
        prop::collection::vec((word(), prob()), 1..5),
    )
        .prop_map(
            |(name, female, male, silent, database_size, dropout, minor_allele_frequency, alleles)| Locus {
                line: 0,
                name,
                female,
                male,
                silent,
                database_size,
                dropout,
                minor_allele_frequency,
                alleles,
            },
        )
}

fn sex() -> impl Strategy<Value = Sex> {
    prop_oneof![Just(Sex::Male), Just(Sex::Female)]
}

fn person(loci: Vec<Locus>) -> impl Strategy<Value = Person> {
    let genotype = (0..loci.len()).prop_flat_map(move |locus| {
        let n = loci[locus].alleles.len() + usize::from(loci[locus].silent.is_some());
        (0..n, 0..n).prop_map(move |(allele1, allele2)| Genotype {
            allele1,
            allele2,
            locus,
        })
    });
    (
        word(),
        sex(),
        any::<bool>(),
        prop::collection::vec(genotype, 0..4),
        (any::<bool>(), -5i64..5, any::<bool>()),
    )
        .prop_map(|(name, sex, consider_dropout, genotypes, flags)| Person {
            line: 0,
            name,
            sex,
            consider_dropout,
            genotypes,
            flags,
        })
}

/// Relations among `shared` persons plus the relation set's own extras.
fn relations(shared: usize) -> impl Strategy<Value = Relations> {
    (0usize..3, 0usize..3).prop_flat_map(move |(extra_females, extra_males)| {
        let n = shared + extra_females + extra_males;
        let rel = (0..n.max(1), 0..n.max(1)).prop_map(|(parent, child)| Relation { parent, child });
        let count = if n == 0 { 0..1 } else { 0..5 };
        prop::collection::vec(rel, count).prop_map(move |relations| Relations {
            extra_females,
            extra_males,
            relations,
        })
    })
}

fn dvi_person() -> impl Strategy<Value = DviPerson> {
    let genotype = (word(), word(), word()).prop_map(|(marker, allele1, allele2)| DviGenotype {
        marker,
        allele1,
        allele2,
    });
    (
        word(),
        prop_oneof![Just(Sex::Male), Just(Sex::Female), Just(Sex::Unknown)],
        prop::collection::vec(genotype, 0..3),
    )
        .prop_map(|(name, sex, genotypes)| DviPerson {
            line: 0,
            name,
            sex,
            genotypes,
        })
}

fn dvi() -> impl Strategy<Value = Dvi> {
    let pedigree = (word(), prop::collection::vec((word(), word()), 0..3)).prop_map(|(name, relations)| DviPedigree {
        line: 0,
        name,
        relations,
    });
    let family = (
        word(),
        prop::collection::vec(dvi_person(), 0..3),
        prop::collection::vec(pedigree, 0..3),
    )
        .prop_map(|(name, persons, pedigrees)| DviFamily {
            line: 0,
            name,
            persons,
            pedigrees,
        });
    (
        prop::collection::vec(dvi_person(), 0..3),
        prop::collection::vec(prop_oneof![Just(String::new()), "[a-z][a-z ]{0,6}[a-z]"], 0..3),
        prop::collection::vec(family, 0..3),
    )
        .prop_map(|(unidentified, notes, families)| Dvi {
            unidentified,
            notes,
            families,
        })
}

fn setting() -> impl Strategy<Value = Setting> {
    let section = prop::collection::vec(prop_oneof![word(), Just("Direct/Identity".to_owned())], 1..3)
        .prop_filter("[DVI] is its own section", |s| s[0] != "DVI");
    (
        section,
        "[A-Za-z][A-Za-z0-9]{0,8}",
        prop_oneof![word(), Just(String::new())],
    )
        .prop_map(|(section, key, value)| Setting { section, key, value })
}

fn fam_file() -> impl Strategy<Value = FamFile> {
    prop::collection::vec(locus(), 1..4).prop_flat_map(|loci| {
        let persons = prop::collection::vec(person(loci.clone()), 0..4);
        let database =
            (prop_oneof![Just(0.0), 0.0..0.5f64], prop::option::of(word())).prop_map(move |(theta, name)| Database {
                theta,
                name,
                loci: loci.clone(),
            });
        (persons, database).prop_flat_map(|(persons, database)| {
            let n = persons.len();
            relations(n).prop_flat_map(move |known| {
                let shared = n + known.extra_females + known.extra_males;
                let pedigree = (word(), relations(shared)).prop_map(|(name, own)| FamPedigree { line: 0, name, own });
                (
                    word(),
                    word(),
                    prop_oneof![Just("3.3.1".to_owned()), Just("3.3 (DVI)".to_owned())],
                    prop::collection::vec(pedigree, 0..3),
                    prop::option::of(dvi()),
                    prop::collection::vec(setting(), 0..5),
                    Just((persons.clone(), database.clone(), known.clone())),
                )
                    .prop_map(
                        |(title, remark, version, pedigrees, dvi, settings, (persons, database, known))| FamFile {
                            title,
                            remark,
                            version,
                            persons,
                            known,
                            pedigrees,
                            database,
                            dvi,
                            settings,
                        },
                    )
            })
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn generated_files_survive_write_then_read(file in fam_file()) {
        let text = write_fam(&file);
        let mut back = read_fam(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        back.clear_lines();
        prop_assert_eq!(back, file);
    }
}

/// A line the reader might trip over.
fn odd_line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("#TRUE#".to_owned()),
        Just("#FALSE#".to_owned()),
        Just("18446744073709551615".to_owned()),
        Just("-1 (Consider dropouts)".to_owned()),
        Just("1 Direct".to_owned()),
        Just("[DVI]".to_owned()),
        Just("[[[Person 1 ]]]".to_owned()),
        Just("nPersons= 2".to_owned()),
        Just("nSystems= 9".to_owned()),
        Just("Parent= Missing person".to_owned()),
        Just("[[Reference Families]]".to_owned()),
        Just("3\t(DatabaseSize = x , Dropout probability = 2 )".to_owned()),
        "[0-9]{1,3}".prop_map(|s| s),
        "[ -~]{0,12}".prop_map(|s| s),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// Real files with lines replaced, removed or added: data or an error, never a panic.
    #[test]
    fn damaged_real_files_never_panic(
        which in 0..2usize,
        edits in prop::collection::vec((0..400usize, 0..3u8, odd_line()), 1..6),
    ) {
        let text = data(["paternity.fam", "dvi-example.fam"][which]);
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        for (at, kind, line) in edits {
            let at = at % lines.len().max(1);
            match kind {
                0 if !lines.is_empty() => lines[at] = line,
                1 if !lines.is_empty() => {
                    lines.remove(at);
                }
                _ => lines.insert(at, line),
            }
        }
        let _ = read_fam(&lines.join("\n"));
    }
}
