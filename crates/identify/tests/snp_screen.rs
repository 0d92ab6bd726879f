//! The SNP screen: the bit-packed first pass equals the plain per-SNP loop exactly, and on
//! simulated relatives among unrelated people the first pass keeps the relatives and the exact
//! chain ranks them.

#[path = "support/snp_sim.rs"]
mod snp_sim;

use identify::snp_screen::{
    first_pass, pair_counts, reference_pair_counts, rescore, PackedGenotypes, SnpScreenOptions, DEFAULT_MIN_KINSHIP,
};
use kinship::{MapFunction, Relationship};
use proptest::prelude::*;

fn matrix(snps: usize, rows: std::ops::Range<usize>) -> impl Strategy<Value = Vec<Vec<Option<u8>>>> {
    proptest::collection::vec(
        proptest::collection::vec(prop_oneof![Just(None), (0u8..3).prop_map(Some)], snps),
        rows,
    )
}

type Calls = Vec<Vec<Option<u8>>>;

fn case() -> impl Strategy<Value = (Calls, Calls, usize)> {
    // SNP counts around and between multiples of 64, so the last word's padding is exercised.
    prop_oneof![1usize..8, 60usize..70, 120usize..260]
        .prop_flat_map(|snps| (matrix(snps, 1..7), matrix(snps, 1..7), 1usize..4))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn packed_counts_and_estimates_equal_the_per_snp_loop((s, r, threads) in case()) {
        let snps = s[0].len();
        let ps = PackedGenotypes::from_calls("sample", snps, &s).unwrap();
        let pr = PackedGenotypes::from_calls("reference", snps, &r).unwrap();
        for (i, a) in s.iter().enumerate() {
            for (k, call) in a.iter().enumerate() {
                prop_assert_eq!(ps.call(i, k), *call);
            }
        }
        let options = SnpScreenOptions { min_kinship: f64::NEG_INFINITY, threads };
        let pass = first_pass(&ps, &pr, &options).unwrap();
        prop_assert_eq!(pass.pairs, (s.len() * r.len()) as u64);
        let mut expected = Vec::new();
        for (i, a) in s.iter().enumerate() {
            for (j, b) in r.iter().enumerate() {
                let reference = reference_pair_counts(a, b);
                prop_assert_eq!(pair_counts(&ps, i, &pr, j), reference);
                if let Some(k) = reference.kinship() {
                    expected.push((i, j, reference, k));
                }
            }
        }
        let got: Vec<_> = pass
            .kept
            .iter()
            .map(|p| (p.sample as usize, p.reference as usize, p.counts, p.kinship()))
            .collect();
        prop_assert_eq!(got, expected);
    }
}

#[test]
fn bad_calls_and_lengths_are_refused_with_the_sample_and_snp() {
    let e = PackedGenotypes::from_calls("sample", 3, &[vec![Some(0), Some(3), None]]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "sample sample 0, SNP 1: ALT allele count 3 (expected 0, 1, 2 or missing)"
    );
    let e = PackedGenotypes::from_calls("reference", 3, &[vec![Some(0); 3], vec![None; 2]]).unwrap_err();
    assert_eq!(e.to_string(), "reference sample 1: 2 calls where the panel has 3 SNPs");
    let ps = PackedGenotypes::from_calls("sample", 3, &[vec![Some(0); 3]]).unwrap();
    let pr = PackedGenotypes::from_calls("reference", 4, &[vec![Some(0); 4]]).unwrap();
    assert!(first_pass(&ps, &pr, &SnpScreenOptions::default()).is_err());
    let nan = SnpScreenOptions {
        min_kinship: f64::NAN,
        threads: 1,
    };
    assert!(first_pass(&ps, &ps, &nan).is_err());
}

/// 5th-degree pairs (second cousins) are kept at the default threshold about four times in five
/// (the calibration in docs/benchmarks.md measured 79%); the estimate's sampling error on 3,930
/// SNPs does not allow more without keeping most unrelated pairs.
#[test]
fn most_fifth_degree_pairs_pass_the_default_threshold() {
    let chromosomes = snp_sim::force_chromosomes();
    let snps: usize = chromosomes.iter().map(Vec::len).sum();
    let mut rng = simulate::Rng::seed_from(5);
    let pairs = 60;
    let kept = (0..pairs)
        .filter(|_| {
            let (a, b) = snp_sim::related(&chromosomes, Relationship::new(3, 3, true), 0.02, &mut rng);
            let pa = PackedGenotypes::from_calls("sample", snps, &[a]).unwrap();
            let pb = PackedGenotypes::from_calls("reference", snps, &[b]).unwrap();
            pair_counts(&pa, 0, &pb, 0)
                .kinship()
                .is_some_and(|k| k >= DEFAULT_MIN_KINSHIP)
        })
        .count();
    // 79% of 60 is 47.4, binomial sd 3.2.
    assert!(kept >= 40, "{kept} of {pairs} second cousins kept");
}

/// Relatives planted among unrelated people on the FORCE panel (2% of calls missing): the first
/// pass at the default threshold keeps the close ones, and the exact chain (best relationship
/// against unrelated) ranks degrees 1–3 above every unrelated pair kept, with the right
/// relationship, and the kept 5th-degree pairs above most unrelated pairs kept.
#[test]
fn simulated_relatives_are_kept_and_ranked_by_the_exact_chain() {
    let chromosomes = snp_sim::force_chromosomes();
    let snps: usize = chromosomes.iter().map(Vec::len).sum();
    assert_eq!(snps, 3930);
    let mut rng = simulate::Rng::seed_from(20261203);
    let planted = [
        ("parent-child", Relationship::new(1, 0, true)),
        ("full siblings", Relationship::new(1, 1, true)),
        ("first cousins", Relationship::new(2, 2, true)),
        ("second cousins", Relationship::new(3, 3, true)),
        ("second cousins", Relationship::new(3, 3, true)),
        ("second cousins", Relationship::new(3, 3, true)),
        ("second cousins", Relationship::new(3, 3, true)),
    ];
    let n = 24;
    let mut samples: Vec<Vec<Option<u8>>> = (0..n)
        .map(|_| snp_sim::unrelated(&chromosomes, 0.02, &mut rng))
        .collect();
    let mut references: Vec<Vec<Option<u8>>> = (0..n)
        .map(|_| snp_sim::unrelated(&chromosomes, 0.02, &mut rng))
        .collect();
    // Relatives at (3i, 3i+1): spread over both threads' shares.
    let mut truth = Vec::new();
    for (i, (name, rel)) in planted.iter().enumerate() {
        let (a, b) = snp_sim::related(&chromosomes, *rel, 0.02, &mut rng);
        samples[3 * i] = a;
        references[3 * i + 1] = b;
        truth.push(((3 * i as u32, 3 * i as u32 + 1), *name, rel.degree()));
    }
    let ps = PackedGenotypes::from_calls("sample", snps, &samples).unwrap();
    let pr = PackedGenotypes::from_calls("reference", snps, &references).unwrap();
    let options = SnpScreenOptions {
        min_kinship: DEFAULT_MIN_KINSHIP,
        threads: 2,
    };
    let pass = first_pass(&ps, &pr, &options).unwrap();
    let is_kept = |pair: (u32, u32)| pass.kept.iter().any(|p| (p.sample, p.reference) == pair);
    let mut fifth_kept = 0;
    for (pair, name, degree) in &truth {
        let counts = pair_counts(&ps, pair.0 as usize, &pr, pair.1 as usize);
        eprintln!("{name}: {counts:?}, kinship {:?}", counts.kinship());
        if *degree <= 3 {
            assert!(is_kept(*pair), "{name} {pair:?} not kept");
        } else {
            fifth_kept += usize::from(is_kept(*pair));
        }
    }
    assert!(fifth_kept >= 2, "{fifth_kept} of 4 second cousins kept");
    assert!(pass.kept.len() < n * n, "{} of {} kept", pass.kept.len(), n * n);
    let rescored = rescore(&chromosomes, MapFunction::Haldane, &ps, &pr, 0.001, &pass.kept, 2).unwrap();
    assert_eq!(rescored.len(), pass.kept.len());
    let is_planted = |s: u32, r: u32| truth.iter().any(|(p, ..)| *p == (s, r));
    let mut unrelated: Vec<f64> = rescored
        .iter()
        .filter(|p| !is_planted(p.sample, p.reference))
        .map(|p| p.best_ln_lr)
        .collect();
    unrelated.sort_by(f64::total_cmp);
    let (median, max) = (unrelated[unrelated.len() / 2], unrelated[unrelated.len() - 1]);
    for (pair, name, degree) in &truth {
        let Some(p) = rescored.iter().find(|p| (p.sample, p.reference) == *pair) else {
            continue;
        };
        let log10 = p.best_ln_lr / std::f64::consts::LN_10;
        eprintln!(
            "{name}: kinship {:.4}, best {} log10 LR {log10:.1}",
            p.kinship,
            p.best_name()
        );
        if *degree <= 3 {
            assert!(p.best_ln_lr > max, "{name} below an unrelated pair");
            assert_eq!(p.best_name(), *name);
        } else {
            assert!(
                p.best_ln_lr > median,
                "{name}: log10 LR {log10} below the unrelated median"
            );
        }
    }
    eprintln!(
        "kept {} of {} pairs; unrelated kept: median log10 LR {:.2}, max {:.2}",
        pass.kept.len(),
        pass.pairs,
        median / std::f64::consts::LN_10,
        max / std::f64::consts::LN_10
    );
}
