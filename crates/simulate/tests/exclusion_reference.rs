//! Exact exclusion power (genotype tables, grouped by what a genotype shows) against a reference
//! that asks the likelihood engine about every typing an unrelated person can show, on random
//! families, typed data, silent alleles and X markers.

use kinship::{Chromosome, Conditions, Engine, Marker, Sex, Typing};
use proptest::prelude::*;
use simulate::{
    exclusion_power, typings_of, FamilyPlan, FamilyShape, GeneDropper, Genotype, Rng, DEFAULT_CONFIGURATION_LIMIT,
};

fn marker(alleles: usize, silent: bool, x: bool) -> Marker {
    let mut list: Vec<(String, f64)> = (0..alleles).map(|a| (format!("{}", 10 + a), 1.0 + a as f64)).collect();
    if silent {
        list.push(("Silent".to_owned(), 0.5));
    }
    let total: f64 = list.iter().map(|(_, w)| w).sum();
    let list = list.into_iter().map(|(l, w)| (l, w / total)).collect();
    Marker::without_mutation("M", list, if x { Chromosome::X } else { Chromosome::Autosomal }).unwrap()
}

/// Σ over the typings t an unrelated person of the missing person's sex can show of
/// P(t) · [L(data, missing person typed t) = 0], P(t) summed over the genotypes showing t.
fn reference(plan: &FamilyPlan, marker: &Marker) -> f64 {
    let ped = plan.pedigree();
    let hemizygous = marker.chromosome() == Chromosome::X && ped.member(plan.missing()).sex == Sex::Male;
    let n = marker.alleles().len();
    let p = marker.freqs();
    let mut shown: Vec<(Typing, f64)> = Vec::new();
    let mut add = |g: Genotype, prob: f64| {
        let t = g.typing(marker);
        match shown.iter_mut().find(|(s, _)| *s == t) {
            Some(entry) => entry.1 += prob,
            None => shown.push((t, prob)),
        }
    };
    for a in 0..n {
        if hemizygous {
            add(Genotype::Hemizygous(a), p[a]);
        } else {
            for b in a..n {
                let prob = if a == b { p[a] * p[a] } else { 2.0 * p[a] * p[b] };
                add(
                    Genotype::Diploid {
                        paternal: a,
                        maternal: b,
                    },
                    prob,
                );
            }
        }
    }
    let mut engine = Engine::new();
    shown
        .into_iter()
        .filter(|&(t, _)| {
            let mut typings = plan.typings()[0].clone();
            typings[plan.missing()] = t;
            engine
                .ln_likelihood(ped, marker, &typings, &Conditions::default())
                .unwrap()
                == f64::NEG_INFINITY
        })
        .map(|(_, prob)| prob)
        .sum()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn exact_exclusion_power_equals_the_likelihood_reference(
        shape in 0..FamilyShape::ALL.len(),
        alleles in 2usize..6,
        silent in any::<bool>(),
        x in any::<bool>(),
        seed in any::<u64>(),
        typed_mask in any::<u16>(),
    ) {
        let template = FamilyShape::ALL[shape].template();
        let (ped, missing, _) = template.resolve().unwrap();
        let m = [marker(alleles, silent, x)];
        // Type a random subset of the others with genotypes dropped through the pedigree, so
        // the data are consistent.
        let dropper = GeneDropper::new(&m, 0.0).unwrap();
        let g = dropper.drop_pedigree(&ped, &mut Rng::seed_from(seed)).unwrap();
        let typings = typings_of(&m, &g, |i| i != missing[0] && typed_mask & (1 << i) != 0);
        let plan = FamilyPlan::new(ped, typings, missing[0], vec![]).unwrap();
        let exact = exclusion_power(&plan, &m, &Conditions::default(), DEFAULT_CONFIGURATION_LIMIT).unwrap();
        let reference = reference(&plan, &m[0]);
        prop_assert!((exact.total - reference).abs() < 1e-12, "{} vs {}", exact.total, reference);
    }
}
