//! Any tree the model can hold is written and read back unchanged (line numbers aside), in both
//! versions: names in several scripts with `@`, line breaks and long values, every date form,
//! places with coordinates, and every kind of child link.

use std::collections::BTreeMap;

use formats::gedcom::{
    read_gedcom, write_gedcom, AdoptedBy, Adoption, Calendar, ChildLink, DatePoint, DateValue, Event, Family, GedDate,
    GedSex, GedcomFile, Individual, LinkStatus, NameVariant, Pedi, PersonalName, Place, VariantKind, Version,
};
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    // Latin, kanji, kana, escapes, slashes, spaces, line breaks; long runs for 5.5.1 CONC.
    let piece = prop_oneof![
        "[A-Za-z]{1,8}",
        "[山田太郎花子]{1,4}",
        "[やまだたろう]{1,4}",
        Just("@".to_owned()),
        Just("@@".to_owned()),
        Just("/".to_owned()),
        Just(" ".to_owned()),
        Just("\n".to_owned()),
        "[a-z ]{100,200}",
    ];
    prop::collection::vec(piece, 0..6).prop_map(|v| v.concat())
}

fn some_text() -> impl Strategy<Value = Option<String>> {
    prop::option::of(text().prop_filter("a sub-line's value is not empty", |t| !t.is_empty()))
}

fn point() -> impl Strategy<Value = DatePoint> {
    let calendar = prop_oneof![
        Just(Calendar::Gregorian),
        Just(Calendar::Julian),
        Just(Calendar::Hebrew),
        Just(Calendar::FrenchRepublican),
        Just(Calendar::Other("_UNKNOWN".into())),
    ];
    (
        calendar,
        0u32..3000,
        any::<bool>(),
        0usize..13,
        1u8..=31,
        0usize..3,
        prop::option::of(1u8..100),
    )
        .prop_map(|(calendar, year, bce, month, day, precision, dual)| {
            let months: Vec<String> = match &calendar {
                Calendar::Gregorian | Calendar::Julian => [
                    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
                ]
                .map(String::from)
                .to_vec(),
                Calendar::Hebrew => ["TSH", "CSH", "ADR", "ADS", "ELL"].map(String::from).to_vec(),
                Calendar::FrenchRepublican => ["VEND", "BRUM", "COMP"].map(String::from).to_vec(),
                Calendar::Other(_) => vec!["_MONTH".into()],
            };
            let month = (precision > 0).then(|| months[month % months.len()].clone());
            DatePoint {
                dual_year: dual.filter(|_| calendar == Calendar::Gregorian).map(|d| d.to_string()),
                calendar,
                year,
                day: (precision > 1).then_some(day),
                month,
                bce,
            }
        })
}

fn date() -> impl Strategy<Value = GedDate> {
    let value = prop_oneof![
        point().prop_map(DateValue::Exact),
        point().prop_map(DateValue::About),
        point().prop_map(DateValue::Calculated),
        point().prop_map(DateValue::Estimated),
        point().prop_map(DateValue::Before),
        point().prop_map(DateValue::After),
        point().prop_map(DateValue::From),
        point().prop_map(DateValue::To),
        (point(), point()).prop_map(|(a, b)| DateValue::Between(a, b)),
        (point(), point()).prop_map(|(a, b)| DateValue::FromTo(a, b)),
    ];
    let phrase = prop::option::of("[A-Za-z@() ]{1,20}");
    (prop::option::of(value), phrase).prop_map(|(value, phrase)| GedDate { value, phrase })
}

fn event() -> impl Strategy<Value = Event> {
    let place = (
        text(),
        prop::option::of(-90.0f64..=90.0),
        prop::option::of(-180.0f64..=180.0),
    )
        .prop_map(|(name, latitude, longitude)| Place {
            name,
            latitude,
            longitude,
        });
    (prop::option::of(date()), prop::option::of(place)).prop_map(|(date, place)| Event { line: 0, date, place })
}

fn name() -> impl Strategy<Value = PersonalName> {
    let variant = (
        prop_oneof![
            Just(VariantKind::Translation),
            Just(VariantKind::Romanized),
            Just(VariantKind::Phonetic)
        ],
        text(),
        prop::option::of(prop_oneof![Just("ja-Latn".to_owned()), Just("ja-Hrkt".to_owned())]),
        prop::option::of(prop_oneof![Just("romaji".to_owned()), Just("kana".to_owned())]),
        some_text(),
        some_text(),
    )
        .prop_map(|(kind, value, lang, method, given, surname)| NameVariant {
            kind,
            value,
            lang,
            method,
            given,
            surname,
        });
    (
        text(),
        prop::option::of(prop_oneof![Just("BIRTH".to_owned()), Just("AKA".to_owned())]),
        some_text(),
        some_text(),
        prop::collection::vec(variant, 0..3),
    )
        .prop_map(|(value, kind, given, surname, variants)| PersonalName {
            value,
            kind,
            given,
            surname,
            variants,
        })
}

fn tree() -> impl Strategy<Value = GedcomFile> {
    (1usize..6, 1usize..4).prop_flat_map(|(people, families)| {
        let sex = prop::option::of(prop_oneof![
            Just(GedSex::Male),
            Just(GedSex::Female),
            Just(GedSex::Intersex),
            Just(GedSex::Unknown)
        ]);
        let link = (
            0..families,
            prop_oneof![
                Just(Pedi::Birth),
                Just(Pedi::Adopted),
                Just(Pedi::Foster),
                Just(Pedi::Sealing),
                Just(Pedi::Other)
            ],
            prop::option::of(prop_oneof![
                Just(LinkStatus::Proven),
                Just(LinkStatus::Challenged),
                Just(LinkStatus::Disproven)
            ]),
        )
            .prop_map(|(f, pedi, status)| ChildLink {
                line: 0,
                family: format!("F{f}"),
                pedi,
                status,
            });
        let adoption = (
            0..families,
            prop_oneof![Just(AdoptedBy::Both), Just(AdoptedBy::Husband), Just(AdoptedBy::Wife)],
        )
            .prop_map(|(f, by)| Adoption {
                line: 0,
                family: format!("F{f}"),
                by,
            });
        let individual = (
            prop::collection::vec(name(), 0..3),
            sex,
            prop::option::of(event()),
            prop::option::of(event()),
            prop::option::of(event()),
            prop::collection::vec(link, 0..3),
            prop::collection::vec(adoption, 0..2),
        );
        let relation = prop::option::of(prop_oneof![
            Just("Natural".to_owned()),
            Just("Adopted".to_owned()),
            Just("Step".to_owned())
        ]);
        let family = (
            prop::option::of(0..people),
            prop::option::of(0..people),
            prop::collection::vec((0..people, relation.clone(), relation), 0..3),
        );
        (
            prop_oneof![Just(Version::V7), Just(Version::V551)],
            prop::collection::vec(individual, people),
            prop::collection::vec(family, families),
        )
            .prop_map(|(version, inds, fams)| GedcomFile {
                version,
                individuals: inds
                    .into_iter()
                    .enumerate()
                    .map(
                        |(k, (names, sex, birth, death, burial, child_of, adoptions))| Individual {
                            line: 0,
                            xref: format!("I{k}"),
                            names,
                            sex,
                            birth,
                            death,
                            burial,
                            child_of,
                            adoptions,
                        },
                    )
                    .collect(),
                families: fams
                    .into_iter()
                    .enumerate()
                    .map(|(k, (h, w, c))| {
                        // A child's _FREL/_MREL: the last listing of the child gives them.
                        let mut parent_relations = BTreeMap::new();
                        for (child, frel, mrel) in &c {
                            let key = format!("I{child}");
                            parent_relations.remove(&key);
                            if frel.is_some() || mrel.is_some() {
                                parent_relations.insert(key, (frel.clone(), mrel.clone()));
                            }
                        }
                        Family {
                            line: 0,
                            xref: format!("F{k}"),
                            husband: h.map(|h| (0, format!("I{h}"))),
                            wife: w.map(|w| (0, format!("I{w}"))),
                            children: c.into_iter().map(|(c, _, _)| (0, format!("I{c}"))).collect(),
                            parent_relations,
                        }
                    })
                    .collect(),
                warnings: Vec::new(),
            })
    })
}

/// Run on a thread with a large stack: the nested strategies' value trees are deep in debug builds.
#[test]
fn read_write_read_is_the_identity() {
    let run = || {
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
            cases: 300,
            ..ProptestConfig::default()
        });
        runner.run(&tree(), |f| {
            let written = write_gedcom(&f);
            let read = read_gedcom(&written).map_err(|e| TestCaseError::fail(format!("{e}\n{written}")))?;
            prop_assert!(read.warnings.is_empty(), "{:?}", read.warnings);
            prop_assert_eq!(read.content(), f, "{}", written);
            Ok(())
        })
    };
    let result = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(run)
        .expect("spawning the test thread")
        .join()
        .expect("the property test thread");
    if let Err(e) = result {
        panic!("{e}");
    }
}
