//! The joint search against the enumeration of every assignment, on random small cases with
//! several missing persons per family, ids shared between families, mutation models, victims'
//! and references' dropout, and prior odds.

use identify::dvi::reference::{enumerate_assignments, undisputed_by_reduction};
use identify::dvi::{joint, pairwise_lrs, DisableMutations, DviCase, Family, JointOptions, Victim};
use kinship::{Chromosome, Conditions, Marker, MemberSpec, MutationModel, Pedigree, Sex, Typing};
use proptest::prelude::*;

mod common;
use common::{random_markers, random_victims, reference_typings, Mixer};

/// Family shapes with their typed references and missing persons. Every family uses the same
/// member names, as real reference pedigrees do.
fn shape(kind: u8) -> (Vec<MemberSpec>, Vec<&'static str>, Vec<&'static str>) {
    let m = |s: &str, fa: Option<&str>, mo: Option<&str>, sex| MemberSpec::new(s, fa, mo, sex);
    match kind {
        // Two missing brothers and their typed mother.
        0 => (
            vec![
                m("Father", None, None, Sex::Male),
                m("Mother", None, None, Sex::Female),
                m("B1", Some("Father"), Some("Mother"), Sex::Male),
                m("B2", Some("Father"), Some("Mother"), Sex::Male),
            ],
            vec!["Mother"],
            vec!["B1", "B2"],
        ),
        // A missing father and son; the son's typed mother.
        1 => (
            vec![
                m("Father", None, None, Sex::Male),
                m("Mother", None, None, Sex::Female),
                m("Son", Some("Father"), Some("Mother"), Sex::Male),
            ],
            vec!["Mother"],
            vec!["Father", "Son"],
        ),
        // A missing couple and their missing child; a typed second child.
        2 => (
            vec![
                m("Father", None, None, Sex::Male),
                m("Mother", None, None, Sex::Female),
                m("C1", Some("Father"), Some("Mother"), Sex::Female),
                m("C2", Some("Father"), Some("Mother"), Sex::Male),
            ],
            vec!["C2"],
            vec!["Father", "Mother", "C1"],
        ),
        // Both parents and a child typed, another child missing: the references themselves may
        // need a mutation.
        4 => (
            vec![
                m("Father", None, None, Sex::Male),
                m("Mother", None, None, Sex::Female),
                m("C1", Some("Father"), Some("Mother"), Sex::Male),
                m("C2", Some("Father"), Some("Mother"), Sex::Female),
            ],
            vec!["Father", "Mother", "C2"],
            vec!["C1"],
        ),
        // Three missing brothers (exchangeable), their typed mother.
        5 => {
            let (mut specs, refs, mut missing) = shape(0);
            specs.push(m("B3", Some("Father"), Some("Mother"), Sex::Male));
            missing.push("B3");
            (specs, refs, missing)
        }
        // Two missing brothers told apart by the typed son of one of them: not exchangeable.
        6 => {
            let (mut specs, mut refs, missing) = shape(0);
            specs.push(m("Wife", None, None, Sex::Female));
            specs.push(m("Son", Some("B2"), Some("Wife"), Sex::Male));
            refs.push("Son");
            (specs, refs, missing)
        }
        // One missing child of a typed father.
        _ => (
            vec![
                m("Father", None, None, Sex::Male),
                m("Mother", None, None, Sex::Female),
                m("C1", Some("Father"), Some("Mother"), Sex::Male),
            ],
            vec!["Father"],
            vec!["C1"],
        ),
    }
}

type FamilyDraw = (u8, u64, Option<f64>);
type VictimDraw = (bool, u64, Option<f64>);

fn case_strategy() -> impl Strategy<Value = DviCase> {
    (
        prop::collection::vec(prop::collection::vec(0.05..1.0f64, 3..5), 1..3),
        0u8..3,
        prop::collection::vec((0u8..7, any::<u64>(), prop::option::weighted(0.2, 0.05..0.4f64)), 1..3),
        prop::collection::vec(
            (any::<bool>(), any::<u64>(), prop::option::weighted(0.25, 0.05..0.5f64)),
            1..7,
        ),
        prop::sample::select(vec![0.0, 0.0, 0.0, 0.05]),
    )
        .prop_map(|(marker_freqs, model, families, victims, theta)| {
            let mut case = build(&marker_freqs, model, &families, &victims);
            if theta > 0.0 {
                // Under theta the rows are computed by the engine, victim by victim.
                let mut conditions = case.conditions().clone();
                conditions.theta = theta;
                case = DviCase::new(
                    case.markers().to_vec(),
                    case.victims().to_vec(),
                    case.families().to_vec(),
                    conditions,
                )
                .unwrap();
            }
            case
        })
}

fn build(marker_freqs: &[Vec<f64>], model: u8, families: &[FamilyDraw], victims: &[VictimDraw]) -> DviCase {
    let markers: Vec<Marker> = random_markers(marker_freqs, model, 0.02, "L");
    let mut mixer = Mixer::new();
    let fams: Vec<Family> = families
        .iter()
        .enumerate()
        .map(|(f, &(kind, seed, dropout))| {
            let (specs, refs, missing) = shape(kind);
            let pedigree = Pedigree::new(specs).unwrap();
            let typings = reference_typings(&markers, &pedigree, |id| refs.contains(&id), &mut mixer, seed);
            Family {
                id: format!("F{f}"),
                missing: missing.iter().map(|m| pedigree.index_of(m).unwrap()).collect(),
                dropout: dropout.map(|d| (refs[0].to_owned(), d)).into_iter().collect(),
                pedigree,
                typings,
            }
        })
        .collect();
    let mut conditions = Conditions::default();
    // The victims' ids are the families' member names: ids are scoped, victims apart.
    let id = |v: usize| ["Father", "Mother", "B1", "C1", "C2", "Son"][v % 6].to_owned();
    let vics = random_victims(&markers, victims, id, 6, &mut mixer, &mut conditions);
    DviCase::new(markers, vics, fams, conditions).unwrap()
}

fn ln_sum(xs: impl Iterator<Item = f64>) -> f64 {
    let xs: Vec<f64> = xs.collect();
    let max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max == f64::NEG_INFINITY {
        return max;
    }
    max + xs.iter().map(|x| (x - max).exp()).sum::<f64>().ln()
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    a == b || (a - b).abs() <= tol * a.abs().max(b.abs()).max(1e-300)
}

/// An enumerated assignment: pairs, ln L, posterior.
type Row = (Vec<Option<(usize, usize)>>, f64, f64);

/// Every assignment's posterior and every marginal, from the enumeration.
fn reference(case: &DviCase, odds: f64) -> (Vec<Row>, f64) {
    let all = enumerate_assignments(case, DisableMutations::Never).unwrap();
    let ln_w: Vec<f64> = all
        .iter()
        .map(|a| a.loglik + odds.ln() * a.pairs.iter().filter(|p| p.is_some()).count() as f64)
        .collect();
    let ln_z = ln_sum(ln_w.iter().copied());
    let null = all.iter().find(|a| a.pairs.iter().all(Option::is_none)).unwrap().loglik;
    (
        all.iter()
            .zip(&ln_w)
            .map(|(a, &w)| (a.pairs.clone(), a.loglik, (w - ln_z).exp()))
            .collect(),
        null,
    )
}

fn check_exact(case: &DviCase, odds: f64) -> Result<(), TestCaseError> {
    let (all, null) = reference(case, odds);
    let options = JointOptions {
        top: 100_000,
        tolerance: 0.0,
        identification_odds: odds,
        ..JointOptions::default()
    };
    let got = match joint(case, &options) {
        Err(identify::dvi::DviError::FamilyImpossible { .. }) => {
            // Only when the references are impossible under the model.
            prop_assert_eq!(null, f64::NEG_INFINITY);
            return Ok(());
        }
        other => other.unwrap(),
    };
    // The pairwise table of the run is the engine's, pair by pair.
    let engine = pairwise_lrs(case).unwrap();
    prop_assert_eq!(got.pairwise.len(), engine.len());
    for (a, b) in got.pairwise.iter().zip(&engine) {
        prop_assert_eq!((a.victim, a.family, a.missing), (b.victim, b.family, b.missing));
        prop_assert_eq!(a.exclusions, b.exclusions);
        match (a.ln_lr, b.ln_lr) {
            (Some(x), Some(y)) => prop_assert!(x == y || (x - y).abs() <= 1e-9 * y.abs().max(1.0), "{} vs {}", x, y),
            (x, y) => prop_assert_eq!(x, y),
        }
    }
    prop_assert_eq!(got.bound, 0.0);
    prop_assert!(got.complete && got.top_exact);
    prop_assert!(close(got.ln_null, null, 1e-12));
    let possible: Vec<_> = all.iter().filter(|a| a.1 > f64::NEG_INFINITY).collect();
    prop_assert_eq!(got.assignments.len(), possible.len());
    for a in &got.assignments {
        let want = possible
            .iter()
            .find(|w| w.0 == a.pairs)
            .expect("listed assignment is admissible");
        prop_assert!(close(a.loglik, want.1, 1e-9), "loglik {} vs {}", a.loglik, want.1);
        prop_assert!(
            close(a.posterior, want.2, 1e-9),
            "posterior {} vs {}",
            a.posterior,
            want.2
        );
        prop_assert!(close(a.ln_lr, want.1 - null, 1e-9) || (a.ln_lr - (want.1 - null)).abs() < 1e-9);
    }
    for w in 1..got.assignments.len() {
        prop_assert!(got.assignments[w - 1].posterior >= got.assignments[w].posterior);
    }
    // Distinct assignments: exchangeable missing persons' orderings are listed one by one.
    let mut listed: Vec<_> = got.assignments.iter().map(|a| a.pairs.clone()).collect();
    listed.sort();
    listed.dedup();
    prop_assert_eq!(listed.len(), got.assignments.len());
    for f in 0..case.families().len() {
        for k in 0..case.families()[f].missing.len() {
            for (v, prob) in got.missing_marginals(f, k) {
                let want: f64 = all
                    .iter()
                    .filter(|a| match v {
                        Some(v) => a.0[v] == Some((f, k)),
                        None => a.0.iter().all(|p| *p != Some((f, k))),
                    })
                    .map(|a| a.2)
                    .sum();
                prop_assert!(
                    (prob - want).abs() <= 1e-9,
                    "marginal of missing {:?}: {} vs {}",
                    (f, k, v),
                    prob,
                    want
                );
            }
        }
    }
    for v in 0..case.victims().len() {
        for (p, prob) in got.marginals(v) {
            let want: f64 = all.iter().filter(|a| a.0[v] == p).map(|a| a.2).sum();
            prop_assert!(
                (prob - want).abs() <= 1e-9,
                "marginal of victim {} at {:?}: {} vs {}",
                v,
                p,
                prob,
                want
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn the_search_equals_the_enumeration(case in case_strategy(), odds in prop::sample::select(vec![1.0, 0.1])) {
        check_exact(&case, odds)?;
    }

    // Thresholds that are no ratio of small integers: an LR exactly T times its rival (a
    // heterozygote against the homozygote of one of its alleles is 2×) is decided by rounding.
    #[test]
    fn undisputed_pairs_equal_those_of_the_reduced_cases(case in case_strategy(), threshold in prop::sample::select(vec![3.3, 10.7, 1000.3])) {
        let Ok(got) = joint(&case, &JointOptions { undisputed: Some(threshold), ..JointOptions::default() }) else { return Ok(()) };
        let want = undisputed_by_reduction(&case, threshold).unwrap();
        prop_assert_eq!(got.undisputed.len(), want.len());
        for (a, b) in got.undisputed.iter().zip(&want) {
            prop_assert_eq!((a.victim, a.family, a.missing), (b.victim, b.family, b.missing));
            prop_assert!((a.ln_lr - b.ln_lr).abs() <= 1e-9 * b.ln_lr.abs().max(1.0), "{} vs {}", a.ln_lr, b.ln_lr);
        }
    }

    #[test]
    fn posteriors_found_with_a_tolerance_are_within_its_bound(case in case_strategy()) {
        let (all, _) = reference(&case, 1.0);
        let options = JointOptions { top: 1000, tolerance: 1e-3, ..JointOptions::default() };
        let Ok(got) = joint(&case, &options) else { return Ok(()) };
        prop_assert!(got.bound <= 1e-3 * (1.0 + 1e-9));
        for a in &got.assignments {
            let want = all.iter().find(|w| w.0 == a.pairs).unwrap().2;
            // Found mass ≤ true mass ≤ found mass × (1 + bound).
            prop_assert!(a.posterior >= want * (1.0 - 1e-9), "{} vs {}", a.posterior, want);
            prop_assert!(a.posterior <= want * (1.0 + got.bound) * (1.0 + 1e-9), "{} vs {}", a.posterior, want);
        }
        // The list is a prefix of the true ranking: nothing unlisted is heavier than a listed
        // one (an assignment using a left-out placement included).
        for (i, a) in got.assignments.iter().enumerate() {
            let w = want_of(&all, a);
            let heavier = all.iter().filter(|x| x.2 > w * (1.0 + 1e-9)).count();
            prop_assert!(heavier <= i, "{} heavier than listed assignment {}", heavier, i);
        }
        if got.top_exact {
            let mut best: Vec<f64> = all.iter().map(|a| a.2).collect();
            best.sort_by(|a, b| b.total_cmp(a));
            for (a, w) in got.assignments.iter().zip(&best) {
                prop_assert!(close(want_of(&all, a), *w, 1e-9), "not the K best");
            }
        }
    }
}

fn want_of(all: &[Row], a: &identify::dvi::Assignment) -> f64 {
    all.iter().find(|w| w.0 == a.pairs).unwrap().2
}

/// Joint and pairwise tables of one run never contradict each other: an assignment made only of
/// pairings with non-zero pairwise LR has non-zero likelihood.
#[test]
fn pairings_with_non_zero_lr_give_assignments_with_non_zero_likelihood() {
    // Brothers B1, B2 of a typed mother; victim V matches B1 only through a mutation.
    let markers = vec![Marker::new(
        "L0",
        vec![
            ("10".into(), 0.25),
            ("11".into(), 0.25),
            ("12".into(), 0.25),
            ("13".into(), 0.25),
        ],
        Chromosome::Autosomal,
        MutationModel::Equal { rate: 0.01 },
        MutationModel::Equal { rate: 0.01 },
    )
    .unwrap()];
    let (specs, _, _) = shape(0);
    let pedigree = Pedigree::new(specs).unwrap();
    let mother = pedigree.index_of("Mother").unwrap();
    let mut typings = vec![vec![Typing::Untyped; pedigree.len()]];
    typings[0][mother] = Typing::Pair(0, 0);
    let family = Family {
        id: "F".into(),
        missing: vec![pedigree.index_of("B1").unwrap(), pedigree.index_of("B2").unwrap()],
        pedigree,
        typings,
        dropout: Default::default(),
    };
    let victim = Victim {
        id: "V".into(),
        sex: Sex::Male,
        typings: vec![Typing::Pair(2, 3)],
    };
    let case = DviCase::new(markers, vec![victim], vec![family], Conditions::default()).unwrap();
    for disable in [DisableMutations::Never, DisableMutations::WhenConsistent] {
        let got = joint(
            &case,
            &JointOptions {
                disable_mutations: disable,
                top: 10,
                ..JointOptions::default()
            },
        )
        .unwrap();
        let pair = got.pairwise.iter().find(|p| p.missing == 0).unwrap();
        let with = got.assignments.iter().find(|a| a.pairs[0] == Some((0, 0)));
        match disable {
            DisableMutations::Never => {
                assert!(pair.ln_lr.unwrap() > f64::NEG_INFINITY);
                assert!(with.is_some_and(|a| a.posterior > 0.0), "{got:?}");
                assert!(!got.mutations_disabled[0]);
            }
            _ => {
                // On request the shortcut is taken, and said so: both tables use it.
                assert!(got.mutations_disabled[0]);
                assert_eq!(pair.ln_lr, Some(f64::NEG_INFINITY));
                assert!(with.is_none());
            }
        }
    }
}
