//! Frequency databases with their metadata survive read → write → read in every form that has a
//! writer: Familias list, ladder and STRidER XML.

use formats::{
    read_frequencies, read_strider, write_ladder, write_list, write_strider, FreqMetadata, FrequencyDb, MarkerFreqs,
};
use proptest::prelude::*;

/// Everything but line numbers, which differ between the forms.
fn content(db: &FrequencyDb) -> FrequencyDb {
    let mut db = db.clone();
    db.clear_lines();
    db
}

fn text_value() -> impl Strategy<Value = String> {
    "[A-Za-z0-9 ,.():/&<>é-]{1,24}"
        .prop_map(|s| s.trim().to_owned())
        .prop_filter("not empty", |s| !s.is_empty())
}

fn marker() -> impl Strategy<Value = MarkerFreqs> {
    (
        "[A-Z][A-Za-z0-9_]{1,7}( [A-Z])?",
        prop::collection::vec(("[0-9]{1,2}(\\.[1-3])?|X|Y|<6|>30", 0.0f64..=1.0), 1..8),
        prop::option::of(1u64..1_000_000),
    )
        .prop_map(|(name, raw, sample_size)| {
            let mut seen = std::collections::HashSet::new();
            let alleles = raw.into_iter().filter(|(a, _)| seen.insert(a.clone())).collect();
            MarkerFreqs {
                name,
                line: 0,
                alleles,
                sample_size,
            }
        })
}

fn database() -> impl Strategy<Value = FrequencyDb> {
    (
        prop::collection::vec(marker(), 1..6),
        prop::option::of(text_value()),
        prop::option::of(text_value()),
        prop::option::of(text_value()),
    )
        .prop_map(|(mut markers, population, source, licence)| {
            let mut seen = std::collections::HashSet::new();
            markers.retain(|m| seen.insert(m.name.clone()));
            FrequencyDb {
                markers,
                metadata: FreqMetadata {
                    population,
                    source,
                    licence,
                },
            }
        })
}

proptest! {
    #[test]
    fn list_and_ladder_forms_round_trip(db in database()) {
        for text in [write_list(&db), write_ladder(&db)] {
            let back = read_frequencies(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            prop_assert_eq!(content(&back), content(&db), "{}", text);
        }
    }

    #[test]
    fn strider_round_trips(dbs in prop::collection::vec(database(), 1..4), shared in prop::collection::vec(0usize..3, 12)) {
        // Populations share markers, as in a real export: rename some markers from a small pool.
        // ('-' is not in the generated names, so a pooled name is never taken already.)
        let mut dbs = dbs;
        let mut pool = shared.iter().cycle();
        for db in &mut dbs {
            let mut used = std::collections::HashSet::new();
            for m in &mut db.markers {
                let pooled = format!("Shared-{}", pool.next().expect("cycle"));
                if used.insert(pooled.clone()) {
                    m.name = pooled;
                }
            }
        }
        // STRidER names each population and gives its source; it has no licence.
        let mut names = std::collections::HashSet::new();
        let dbs: Vec<FrequencyDb> = dbs
            .into_iter()
            .enumerate()
            .filter_map(|(i, mut db)| {
                let name = db.metadata.population.clone().unwrap_or_else(|| format!("P{i}"));
                db.metadata = FreqMetadata { population: Some(name.clone()), source: Some("STRidER".into()), licence: None };
                names.insert(name).then_some(db)
            })
            .collect();
        let text = write_strider(&dbs);
        let back = read_strider(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        // One marker order for the whole file: compare each population's markers by name.
        let sorted = |db: &FrequencyDb| {
            let mut db = content(db);
            db.markers.sort_by(|a, b| a.name.cmp(&b.name));
            db
        };
        // and populations by name: the file orders them by where each first appears.
        let mut back: Vec<FrequencyDb> = back.iter().map(sorted).collect();
        let mut want: Vec<FrequencyDb> = dbs.iter().map(sorted).collect();
        back.sort_by(|a, b| a.metadata.population.cmp(&b.metadata.population));
        want.sort_by(|a, b| a.metadata.population.cmp(&b.metadata.population));
        prop_assert_eq!(back, want, "{}", text);
    }

    #[test]
    fn strider_keeps_the_order_of_populations_and_of_their_markers(
        markers in prop::collection::vec(marker(), 1..8),
        masks in prop::collection::vec(prop::collection::vec(any::<bool>(), 8), 1..5),
        validity in prop::option::of("20[0-9]{2}-[01][0-9]-[0-3][0-9]T08:50:05\\+02:00"),
    ) {
        // As a STRidER file has them: every population's markers in the one order of the file, and
        // the populations in the order in which each first appears.
        let mut seen = std::collections::HashSet::new();
        let markers: Vec<MarkerFreqs> = markers.into_iter().filter(|m| seen.insert(m.name.clone())).collect();
        let mut chosen: Vec<Vec<usize>> = masks
            .iter()
            .map(|mask| (0..markers.len()).filter(|&j| mask[j]).collect::<Vec<_>>())
            .filter(|js| !js.is_empty())
            .collect();
        prop_assume!(!chosen.is_empty());
        chosen.sort_by_key(|js| js[0]);
        let source = match &validity {
            Some(v) => format!("STRidER, validity {v}"),
            None => "STRidER".to_owned(),
        };
        let dbs: Vec<FrequencyDb> = chosen
            .iter()
            .enumerate()
            .map(|(i, js)| FrequencyDb {
                markers: js.iter().map(|&j| markers[j].clone()).collect(),
                metadata: FreqMetadata { population: Some(format!("P{i}")), source: Some(source.clone()), licence: None },
            })
            .collect();
        let text = write_strider(&dbs);
        let back = read_strider(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let back: Vec<FrequencyDb> = back.iter().map(content).collect();
        let want: Vec<FrequencyDb> = dbs.iter().map(content).collect();
        prop_assert_eq!(back, want, "{}", text);
    }
}
