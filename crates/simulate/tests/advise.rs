//! Advice on whom to sample: closer relatives rank higher.

use kinship::{Chromosome, Conditions, Marker, MemberSpec, Pedigree, Sex, Typing};
use simulate::{advise, default_candidates, AdviceOptions, FamilyPlan};

fn markers() -> Vec<Marker> {
    // 15 markers of 8 alleles with uneven frequencies.
    let weights = [1.0, 2.0, 4.0, 6.0, 5.0, 3.0, 2.0, 1.0];
    let total: f64 = weights.iter().sum();
    (0..15)
        .map(|k| {
            let alleles = weights
                .iter()
                .enumerate()
                .map(|(a, w)| (format!("{}", 10 + a), w / total))
                .collect();
            Marker::without_mutation(&format!("M{k}"), alleles, Chromosome::Autosomal).unwrap()
        })
        .collect()
}

/// A missing brother MP with a living sister S1, and a first cousin CO through the father's
/// brother UN; the grandparents and parents are dead.
fn family() -> Pedigree {
    use Sex::{Female as F, Male as M};
    Pedigree::new(vec![
        MemberSpec::new("GF", None, None, M),
        MemberSpec::new("GM", None, None, F),
        MemberSpec::new("FA", Some("GF"), Some("GM"), M),
        MemberSpec::new("MO", None, None, F),
        MemberSpec::new("MP", Some("FA"), Some("MO"), M),
        MemberSpec::new("S1", Some("FA"), Some("MO"), F),
        MemberSpec::new("UN", Some("GF"), Some("GM"), M),
        MemberSpec::new("AU", None, None, F),
        MemberSpec::new("CO", Some("UN"), Some("AU"), M),
    ])
    .unwrap()
}

#[test]
fn a_full_sibling_ranks_above_a_first_cousin() {
    let ped = family();
    let m = markers();
    let typings = vec![vec![Typing::Untyped; ped.len()]; m.len()];
    let mp = ped.index_of("MP").unwrap();
    let plan = FamilyPlan::new(ped.clone(), typings, mp, vec![]).unwrap();
    let candidates = [
        ped.index_of("CO").unwrap(),
        ped.index_of("S1").unwrap(),
        ped.index_of("MO").unwrap(),
    ];
    let options = AdviceOptions {
        log10_threshold: 2.0,
        runs: 400,
        ..AdviceOptions::default()
    };
    let advice = advise(&plan, &m, &Conditions::default(), &candidates, &options).unwrap();
    let rank = |id: &str| advice.candidates.iter().position(|c| c.id == id).unwrap();
    assert!(rank("S1") < rank("CO"), "{advice:?}");
    let power = |id: &str| &advice.candidates[rank(id)].power;
    let (sib, cousin) = (power("S1"), power("CO"));
    assert!(
        sib.above_threshold.fraction() > cousin.above_threshold.fraction() + 0.2,
        "{sib:?} {cousin:?}"
    );
    assert!(sib.median_log10_lr > cousin.median_log10_lr);
    // Siblings and cousins may share no allele, so alone they exclude nobody; a mother does.
    assert_eq!(sib.exclusion_power, Some(0.0));
    assert_eq!(cousin.exclusion_power, Some(0.0));
    assert!(power("MO").exclusion_power.unwrap() > 0.5, "{:?}", power("MO"));
    // With no references, the LR is 1 in every run.
    assert_eq!(advice.current.above_threshold.hits, 0);
    assert_eq!(advice.current.median_log10_lr, 0.0);
}

#[test]
fn default_candidates_are_the_untyped_who_are_not_missing() {
    let ped = family();
    let m = markers();
    let mut typings = vec![vec![Typing::Untyped; ped.len()]; m.len()];
    let s1 = ped.index_of("S1").unwrap();
    for t in &mut typings {
        t[s1] = Typing::Pair(2, 3);
    }
    let plan = FamilyPlan::new(ped.clone(), typings, ped.index_of("MP").unwrap(), vec![]).unwrap();
    let ids: Vec<&str> = default_candidates(&plan)
        .into_iter()
        .map(|i| ped.member(i).id.as_str())
        .collect();
    assert_eq!(ids, ["GF", "GM", "FA", "MO", "UN", "AU", "CO"]);
}
