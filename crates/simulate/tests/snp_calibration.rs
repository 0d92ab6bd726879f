//! Calibration of linked-SNP LRs: on pairs gene-dropped unrelated, the first-cousin LR exceeds t
//! at most a fraction 1/t of the time (Turing's bound), with full genotypes and with 1× reads; and
//! the check is not vacuous (true cousins fail it). Chromosomes 1–4 of the bundled FORCE panel.

use kinship::{GenotypeLikelihoods, LinkedChain, LinkedMarker, MapFunction, Pedigree, Relationship, Sex};
use simulate::{drop_linked_snps, read_likelihoods, Rng};

const PANEL: &str = include_str!("../../homeward/data/snp/force-autosomal.tsv");

fn chromosomes() -> Vec<Vec<LinkedMarker>> {
    let panel = formats::read_snp_panel(PANEL).unwrap();
    ["1", "2", "3", "4"]
        .iter()
        .map(|c| {
            panel
                .snps
                .iter()
                .filter(|s| s.chrom == *c)
                .map(|s| LinkedMarker {
                    name: s.marker.clone(),
                    freq_alt: s.freq_alt,
                    cm_female: s.cm_female.unwrap(),
                    cm_male: s.cm_male.unwrap(),
                })
                .collect()
        })
        .collect()
}

/// log10 LR (first cousins against unrelated) of `pairs` pairs simulated through `truth`
/// (members `ta`, `tb`), with full genotypes or 1× reads.
fn log10_lrs(truth: &Pedigree, (ta, tb): (usize, usize), pairs: usize, reads: bool, seed: u64) -> Vec<f64> {
    let chromosomes = chromosomes();
    let (h1, ia, ib) = Relationship::new(2, 2, true)
        .pedigree(("X", Sex::Male), ("Y", Sex::Male))
        .unwrap();
    let h2 = Pedigree::singletons([("X".to_owned(), Sex::Male), ("Y".to_owned(), Sex::Male)]).unwrap();
    let typed: Vec<bool> = (0..h1.len()).map(|i| i == ia || i == ib).collect();
    let mut c1 = LinkedChain::new(&h1, &typed).unwrap();
    let mut c2 = LinkedChain::new(&h2, &[true, true]).unwrap();
    let mut rng = Rng::seed_from(seed);
    (0..pairs)
        .map(|_| {
            let mut ln = 0.0;
            for markers in &chromosomes {
                let g = drop_linked_snps(truth, markers, MapFunction::Haldane, &mut rng).unwrap();
                let mut e1 = Vec::with_capacity(g.len());
                let mut e2 = Vec::with_capacity(g.len());
                for row in &g {
                    let mut ev = |alt: u8| {
                        if reads {
                            read_likelihoods(alt, 1.0, 0.01, &mut rng)
                        } else {
                            GenotypeLikelihoods::from_call(usize::from(alt), 0.0).ok()
                        }
                    };
                    let (x, y) = (ev(row[ta]), ev(row[tb]));
                    let mut r = vec![None; h1.len()];
                    r[ia] = x;
                    r[ib] = y;
                    e1.push(r);
                    e2.push(vec![x, y]);
                }
                ln += c1.ln_likelihood(markers, &e1, MapFunction::Haldane).unwrap()
                    - c2.ln_likelihood(markers, &e2, MapFunction::Haldane).unwrap();
            }
            ln / std::f64::consts::LN_10
        })
        .collect()
}

/// The first t = 10^k (k = 1, 2) at which the count of LR > t exceeds n/t plus four binomial
/// standard deviations (plus one), if any.
fn violated(lrs: &[f64]) -> Option<u32> {
    let n = lrs.len() as f64;
    (1..=2)
        .find(|&k| {
            let p = 10f64.powi(-k);
            let count = lrs.iter().filter(|&&x| x > f64::from(k)).count() as f64;
            count > n * p + 4.0 * (n * p * (1.0 - p)).sqrt() + 1.0
        })
        .map(|k| k as u32)
}

#[test]
fn unrelated_pairs_respect_turings_bound_and_cousins_do_not() {
    let unrelated = Pedigree::singletons([("A".to_owned(), Sex::Male), ("B".to_owned(), Sex::Male)]).unwrap();
    for reads in [false, true] {
        let lrs = log10_lrs(&unrelated, (0, 1), 1000, reads, 11);
        assert_eq!(violated(&lrs), None, "reads {reads}");
    }
    let (cousins, a, b) = Relationship::new(2, 2, true)
        .pedigree(("A", Sex::Male), ("B", Sex::Male))
        .unwrap();
    let lrs = log10_lrs(&cousins, (a, b), 200, true, 12);
    assert_eq!(violated(&lrs), Some(1));
}
