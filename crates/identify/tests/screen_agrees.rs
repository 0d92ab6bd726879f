//! Screening against the exact pairwise LRs of the dvir path, on random cases.

use identify::dvi::{pairwise_lrs, DviCase, Family};
use identify::screen::{screen, ScreenOptions, ScreenTables};
use kinship::{Conditions, Marker, MemberSpec, Pedigree, Sex};
use proptest::prelude::*;

mod common;
use common::{random_markers, random_victims, reference_typings, Mixer};

/// Reference-family shapes: (members as (id, father, mother, sex), missing id).
fn shape(kind: u8, f: usize, missing_sex: Sex) -> (Vec<MemberSpec>, String) {
    let id = |s: &str| format!("f{f}_{s}");
    let m = |s: &str, fa: Option<&str>, mo: Option<&str>, sex: Sex| MemberSpec {
        id: id(s),
        father: fa.map(id),
        mother: mo.map(id),
        sex,
    };
    let members = match kind {
        0 => vec![
            m("R", None, None, Sex::Male),
            m("W", None, None, Sex::Female),
            m("MP", Some("R"), Some("W"), missing_sex),
        ],
        1 => vec![
            m("FA", None, None, Sex::Male),
            m("MO", None, None, Sex::Female),
            m("R", Some("FA"), Some("MO"), Sex::Female),
            m("MP", Some("FA"), Some("MO"), missing_sex),
        ],
        2 => vec![
            m("MP", None, None, Sex::Male),
            m("W", None, None, Sex::Female),
            m("R", Some("MP"), Some("W"), Sex::Male),
        ],
        3 => vec![
            m("FA", None, None, Sex::Male),
            m("M1", None, None, Sex::Female),
            m("M2", None, None, Sex::Female),
            m("R", Some("FA"), Some("M1"), Sex::Male),
            m("MP", Some("FA"), Some("M2"), missing_sex),
        ],
        _ => vec![
            m("R", None, None, Sex::Male),
            m("GM", None, None, Sex::Female),
            m("F", Some("R"), Some("GM"), Sex::Male),
            m("MO", None, None, Sex::Female),
            m("R2", Some("F"), Some("MO"), Sex::Female),
            m("MP", Some("F"), Some("MO"), missing_sex),
        ],
    };
    (members, id("MP"))
}

fn case_strategy() -> impl Strategy<Value = DviCase> {
    (
        prop::collection::vec(prop::collection::vec(0.05..1.0f64, 3..6), 1..4),
        0u8..3,
        prop::collection::vec((0u8..5, any::<bool>(), any::<u64>()), 1..4),
        prop::collection::vec(
            (any::<bool>(), any::<u64>(), prop::option::weighted(0.25, 0.05..0.5f64)),
            1..5,
        ),
    )
        .prop_map(|(marker_freqs, model, families, victims)| {
            let markers: Vec<Marker> = random_markers(&marker_freqs, model, 0.01, "M");
            let mut mixer = Mixer::new();
            let fams: Vec<Family> = families
                .iter()
                .enumerate()
                .map(|(f, &(kind, male, seed))| {
                    let sex = if male { Sex::Male } else { Sex::Female };
                    let (specs, missing_id) = shape(kind, f, sex);
                    let pedigree = Pedigree::new(specs).unwrap();
                    let missing = vec![pedigree.index_of(&missing_id).unwrap()];
                    let is_reference = |id: &str| id.ends_with("_R") || id.ends_with("_R2");
                    let typings = reference_typings(&markers, &pedigree, is_reference, &mut mixer, seed);
                    Family {
                        id: format!("F{f}"),
                        pedigree,
                        typings,
                        missing,
                        dropout: Default::default(),
                    }
                })
                .collect();
            let mut conditions = Conditions::default();
            let vics = random_victims(&markers, &victims, |v| format!("V{v}"), 5, &mut mixer, &mut conditions);
            DviCase::new(markers, vics, fams, conditions).unwrap()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn screening_reports_the_exact_pairwise_lr(case in case_strategy()) {
        let pairwise = pairwise_lrs(&case).unwrap();
        let tables = ScreenTables::build(&case, 2).unwrap();
        let options = ScreenOptions {
            top_per_victim: 100,
            top_per_missing: 100,
            min_log10_lr: f64::NEG_INFINITY,
            threads: 2,
        };
        let result = screen(&case, &tables, &options, &|_, _| {}).unwrap();
        for p in &pairwise {
            let m = tables.missing().iter().position(|&x| x == (p.family, p.missing)).unwrap();
            let hit = result.hits.iter().find(|h| h.victim == p.victim && h.missing == m);
            match (p.ln_lr, hit) {
                (None, None) => {}
                (Some(ln), Some(h)) => {
                    let want = ln / std::f64::consts::LN_10;
                    let ok = (want == f64::NEG_INFINITY && h.log10_lr == f64::NEG_INFINITY)
                        || (h.log10_lr - want).abs() <= 1e-9 * want.abs().max(1.0);
                    prop_assert!(ok, "victim {} missing {}: screen {} vs pairwise {}", p.victim, m, h.log10_lr, want);
                    prop_assert_eq!(Some(h.exclusions as usize), p.exclusions);
                }
                (a, b) => prop_assert!(false, "victim {} missing {}: pairwise {:?}, screen {:?}", p.victim, m, a, b),
            }
        }
    }
}
