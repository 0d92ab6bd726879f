//! Calibration: unrelated pairs exceed LR t at most a fraction 1/t of the time (Turing's bound),
//! with the bundled 23-marker frequencies; the pair LR table agrees with `likelihood_ratio`.

use kinship::{likelihood_ratio, unrelated_alternative, Chromosome, Conditions, Hypothesis, Marker, Pedigree, Typing};
use simulate::{calibrate, typings_of, GeneDropper, PairLrTable, PairRelationship, PairTruth, Rng};

const FREQS: &str = include_str!("../../homeward/tests/data/bench/duo_nomut/freqs.tsv");

fn markers() -> Vec<Marker> {
    formats::read_frequencies(FREQS)
        .unwrap()
        .markers
        .into_iter()
        .map(|m| Marker::without_mutation(&m.name, m.alleles, Chromosome::Autosomal).unwrap())
        .collect()
}

#[test]
fn the_pair_table_agrees_with_likelihood_ratio() {
    let mut m: Vec<Marker> = markers().into_iter().take(6).collect();
    // And a marker with a frequent silent allele: blanks and apparent homozygotes.
    let silent = vec![("10".into(), 0.3), ("11".into(), 0.3), ("Silent".into(), 0.4)];
    m.push(Marker::without_mutation("S", silent, Chromosome::Autosomal).unwrap());
    let dropper = GeneDropper::new(&m, 0.0).unwrap();
    let mut rng = Rng::seed_from(21);
    for relationship in PairRelationship::ALL {
        let table = PairLrTable::new(&m, relationship).unwrap();
        let (ped, a, b) = relationship.pedigree();
        for _ in 0..25 {
            // Related pairs, so that most LRs are far from 1 and differ between relationships.
            let g = dropper.drop_pedigree(&ped, &mut rng).unwrap();
            let typings = typings_of(&m, &g, |i| i == a || i == b);
            let h1 = Hypothesis {
                pedigree: &ped,
                typings: &typings,
            };
            let (h2_ped, h2_typings): (Pedigree, _) = unrelated_alternative(h1);
            let h2 = Hypothesis {
                pedigree: &h2_ped,
                typings: &h2_typings,
            };
            let reference = likelihood_ratio(&m, h1, h2, &Conditions::default()).unwrap().log10_lr();
            let ta: Vec<Typing> = typings.iter().map(|t| t[a]).collect();
            let tb: Vec<Typing> = typings.iter().map(|t| t[b]).collect();
            let fast = table.log10_lr(&ta, &tb).unwrap();
            assert!(
                (fast - reference).abs() < 1e-9 || (fast == reference),
                "{relationship:?}: {fast} vs {reference}"
            );
        }
    }
}

/// The count a fraction 1/t of `n` pairs would give, plus 4 binomial standard deviations: a
/// count above it is evidence (p < 1e-4) that P(LR > t | H2) exceeds 1/t.
fn turing_bound(n: usize, log10_t: f64) -> f64 {
    let p = 10f64.powf(-log10_t);
    let mean = n as f64 * p;
    mean + 4.0 * (mean * (1.0 - p)).sqrt() + 1.0
}

#[test]
fn unrelated_pairs_respect_turings_bound_and_related_pairs_do_not() {
    let m = markers();
    let thresholds = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    let n = 20_000;
    for relationship in PairRelationship::ALL {
        let table = PairLrTable::new(&m, relationship).unwrap();
        let h2 = calibrate(&m, &table, PairTruth::Unrelated, n, 31, &thresholds).unwrap();
        for &(t, count) in &h2.above {
            assert!(
                (count as f64) <= turing_bound(n, t),
                "{relationship:?}: {count} of {n} unrelated pairs above 10^{t}"
            );
        }
        // Negative control: the same check on true pairs fails, so it is not vacuous.
        let h1 = calibrate(&m, &table, PairTruth::Related, n, 32, &thresholds).unwrap();
        let (t, count) = h1.above[1];
        assert!(
            count as f64 > turing_bound(n, t),
            "{relationship:?}: {count} related pairs above 10^{t}"
        );
    }
}

#[test]
fn calibration_is_reproducible() {
    let m: Vec<Marker> = markers().into_iter().take(10).collect();
    let table = PairLrTable::new(&m, PairRelationship::HalfSiblings).unwrap();
    let a = calibrate(&m, &table, PairTruth::Unrelated, 3_000, 5, &[1.0]).unwrap();
    let b = calibrate(&m, &table, PairTruth::Unrelated, 3_000, 5, &[1.0]).unwrap();
    assert_eq!(a, b);
    assert!(a.mean_lr > 0.0 && a.max_log10_lr.is_finite());
}
