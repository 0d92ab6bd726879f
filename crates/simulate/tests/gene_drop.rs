//! Gene dropping against the likelihood engine: the empirical frequency of every joint genotype
//! configuration of a few members converges to its probability under `kinship` (chi-square with
//! a generous bound and a fixed seed), with mutation, X markers and θ. A negative control in each
//! test shows the bound can fail.

use std::collections::HashMap;

use kinship::{Chromosome, Conditions, Engine, Marker, MemberSpec, MutationModel, Pedigree, Sex, Typing};
use simulate::{GeneDropper, Genotype, Rng};

fn marker(chromosome: Chromosome, female: MutationModel, male: MutationModel) -> Marker {
    Marker::new(
        "M",
        vec![("10".into(), 0.5), ("11".into(), 0.3), ("12".into(), 0.2)],
        chromosome,
        female,
        male,
    )
    .unwrap()
}

/// Pearson's statistic with cells of expected count below 5 pooled, and its degrees of freedom.
fn chi_square(observed: &[usize], probs: &[f64], n: usize) -> (f64, usize) {
    let (mut stat, mut cells) = (0.0, 0);
    let (mut pooled_o, mut pooled_e) = (0.0, 0.0);
    for (&o, &p) in observed.iter().zip(probs) {
        let e = p * n as f64;
        if e < 5.0 {
            pooled_o += o as f64;
            pooled_e += e;
        } else {
            stat += (o as f64 - e).powi(2) / e;
            cells += 1;
        }
    }
    if pooled_e > 0.0 {
        stat += (pooled_o - pooled_e).powi(2) / pooled_e.max(1e-300);
        cells += 1;
    }
    (stat, cells - 1)
}

/// Far in the tail of chi-square(df): mean df, sd sqrt(2 df); 6 sd above.
fn bound(df: usize) -> f64 {
    df as f64 + 6.0 * (2.0 * df as f64).sqrt()
}

/// Every configuration of the `watched` members' typings, its probability under the engine and
/// how often `n` gene drops produced it.
fn compare(
    ped: &Pedigree,
    marker: &Marker,
    watched: &[usize],
    theta: f64,
    n: usize,
    seed: u64,
) -> (Vec<usize>, Vec<f64>) {
    let markers = std::slice::from_ref(marker);
    let dropper = GeneDropper::new(markers, theta).unwrap();
    let mut rng = Rng::seed_from(seed);
    let mut counts: HashMap<Vec<Typing>, usize> = HashMap::new();
    for _ in 0..n {
        let g = dropper.drop_pedigree(ped, &mut rng).unwrap();
        let key: Vec<Typing> = watched.iter().map(|&i| g[0][i].typing(marker)).collect();
        *counts.entry(key).or_default() += 1;
    }
    // Every configuration: the product of each watched member's possible typings.
    let alleles = marker.alleles().len();
    let options = |i: usize| -> Vec<Typing> {
        if marker.chromosome() == Chromosome::X && ped.member(i).sex == Sex::Male {
            (0..alleles).map(Typing::Single).collect()
        } else {
            (0..alleles)
                .flat_map(|a| (a..alleles).map(move |b| Typing::Pair(a, b)))
                .collect()
        }
    };
    let mut configs: Vec<Vec<Typing>> = vec![vec![]];
    for &i in watched {
        configs = configs
            .into_iter()
            .flat_map(|c| {
                options(i).into_iter().map(move |t| {
                    let mut c = c.clone();
                    c.push(t);
                    c
                })
            })
            .collect();
    }
    let cond = Conditions {
        theta,
        ..Conditions::default()
    };
    let mut engine = Engine::new();
    let mut observed = Vec::new();
    let mut probs = Vec::new();
    for c in &configs {
        let mut typings = vec![Typing::Untyped; ped.len()];
        for (&i, &t) in watched.iter().zip(c) {
            typings[i] = t;
        }
        probs.push(engine.ln_likelihood(ped, marker, &typings, &cond).unwrap().exp());
        observed.push(counts.get(c).copied().unwrap_or(0));
    }
    let total: f64 = probs.iter().sum();
    assert!((total - 1.0).abs() < 1e-9, "configurations cover everything: {total}");
    assert_eq!(
        observed.iter().sum::<usize>(),
        n,
        "every draw is one of the configurations"
    );
    (observed, probs)
}

fn trio() -> Pedigree {
    Pedigree::new(vec![
        MemberSpec::new("FA", None, None, Sex::Male),
        MemberSpec::new("MO", None, None, Sex::Female),
        MemberSpec::new("SON", Some("FA"), Some("MO"), Sex::Male),
        MemberSpec::new("DAU", Some("FA"), Some("MO"), Sex::Female),
    ])
    .unwrap()
}

fn check(observed: &[usize], probs: &[f64], n: usize, wrong: &[f64]) {
    let (stat, df) = chi_square(observed, probs, n);
    assert!(stat < bound(df), "chi-square {stat} with {df} df");
    let (stat, df) = chi_square(observed, wrong, n);
    assert!(stat > bound(df), "the negative control passes too: {stat} with {df} df");
}

#[test]
fn parent_child_frequencies_match_the_engine_with_sex_specific_mutation() {
    let n = 200_000;
    let m = marker(
        Chromosome::Autosomal,
        MutationModel::Equal { rate: 0.01 },
        MutationModel::Equal { rate: 0.05 },
    );
    let ped = trio();
    let (observed, probs) = compare(&ped, &m, &[0, 2], 0.0, n, 11);
    // Negative control: the same configurations with the sexes' rates swapped.
    let swapped = marker(
        Chromosome::Autosomal,
        MutationModel::Equal { rate: 0.05 },
        MutationModel::Equal { rate: 0.01 },
    );
    let (_, wrong) = compare(&ped, &swapped, &[0, 2], 0.0, 1, 0);
    check(&observed, &probs, n, &wrong);
}

#[test]
fn x_marker_frequencies_match_the_engine() {
    let n = 200_000;
    let m = marker(
        Chromosome::X,
        MutationModel::Trivial,
        MutationModel::Equal { rate: 0.05 },
    );
    let ped = trio();
    // Father (hemizygous), son (his mother's copy only) and daughter.
    let (observed, probs) = compare(&ped, &m, &[0, 2, 3], 0.0, n, 12);
    let (stat, df) = chi_square(&observed, &probs, n);
    assert!(stat < bound(df), "chi-square {stat} with {df} df");
    // Father and daughter: she carries his only copy. Negative control: the product of their
    // marginal distributions, which ignores that.
    let (pair, pair_probs) = compare(&ped, &m, &[0, 3], 0.0, n, 13);
    let daughters = pair_probs.len() / 3;
    let father = |i: usize| pair_probs[i * daughters..(i + 1) * daughters].iter().sum::<f64>();
    let daughter = |j: usize| (0..3).map(|i| pair_probs[i * daughters + j]).sum::<f64>();
    let independent: Vec<f64> = (0..pair_probs.len())
        .map(|c| father(c / daughters) * daughter(c % daughters))
        .collect();
    check(&pair, &pair_probs, n, &independent);
}

#[test]
fn founders_under_theta_follow_balding_nichols() {
    let n = 200_000;
    let m = marker(Chromosome::Autosomal, MutationModel::Trivial, MutationModel::Trivial);
    let ped = trio();
    // Both parents (two founders sharing the urn) and a child.
    let (observed, probs) = compare(&ped, &m, &[0, 1, 2], 0.1, n, 14);
    let (_, without_theta) = compare(&ped, &m, &[0, 1, 2], 0.0, 1, 0);
    check(&observed, &probs, n, &without_theta);
}

#[test]
fn single_founder_under_theta_matches_the_closed_form() {
    // P(aa) = p_a (θ + (1 − θ) p_a), P(ab) = 2 (1 − θ) p_a p_b: an independent check of the urn.
    let theta = 0.2;
    let m = marker(Chromosome::Autosomal, MutationModel::Trivial, MutationModel::Trivial);
    let p = m.freqs().to_vec();
    let ped = Pedigree::singletons([("A".to_owned(), Sex::Female)]).unwrap();
    let (observed, _) = compare(&ped, &m, &[0], theta, 100_000, 15);
    let mut closed = Vec::new();
    let mut hardy_weinberg = Vec::new();
    for a in 0..3 {
        for b in a..3 {
            if a == b {
                closed.push(p[a] * (theta + (1.0 - theta) * p[a]));
                hardy_weinberg.push(p[a] * p[a]);
            } else {
                closed.push(2.0 * (1.0 - theta) * p[a] * p[b]);
                hardy_weinberg.push(2.0 * p[a] * p[b]);
            }
        }
    }
    check(&observed, &closed, 100_000, &hardy_weinberg);
}

#[test]
fn without_mutation_every_child_carries_one_allele_of_each_parent() {
    let markers: Vec<Marker> = (0..5)
        .map(|k| {
            let chromosome = if k == 4 { Chromosome::X } else { Chromosome::Autosomal };
            let alleles = (0..6).map(|a| (format!("{}", 10 + a), 1.0 / 6.0)).collect();
            Marker::without_mutation(&format!("M{k}"), alleles, chromosome).unwrap()
        })
        .collect();
    let ped = Pedigree::new(vec![
        MemberSpec::new("GF", None, None, Sex::Male),
        MemberSpec::new("GM", None, None, Sex::Female),
        MemberSpec::new("FA", Some("GF"), Some("GM"), Sex::Male),
        MemberSpec::new("AU", Some("GF"), Some("GM"), Sex::Female),
        MemberSpec::new("MO", None, None, Sex::Female),
        MemberSpec::new("C1", Some("FA"), Some("MO"), Sex::Male),
        MemberSpec::new("C2", Some("FA"), Some("MO"), Sex::Female),
        MemberSpec::new("C3", Some("FA"), Some("AU"), Sex::Female),
    ])
    .unwrap();
    let dropper = GeneDropper::new(&markers, 0.05).unwrap();
    let mut rng = Rng::seed_from(16);
    for _ in 0..2_000 {
        let g = dropper.drop_pedigree(&ped, &mut rng).unwrap();
        for (k, at_marker) in g.iter().enumerate() {
            for (i, m) in ped.members().iter().enumerate() {
                let (Some(f), Some(mo)) = (m.father, m.mother) else {
                    continue;
                };
                let carries = |parent: usize, x: usize| {
                    let (alleles, copies) = at_marker[parent].alleles();
                    alleles[..copies].contains(&x)
                };
                match at_marker[i] {
                    Genotype::Diploid { paternal, maternal } => {
                        assert!(carries(f, paternal) && carries(mo, maternal), "marker {k}, {}", m.id);
                    }
                    Genotype::Hemizygous(a) => {
                        assert_eq!(k, 4);
                        assert!(carries(mo, a), "{}", m.id);
                    }
                }
            }
        }
    }
}
