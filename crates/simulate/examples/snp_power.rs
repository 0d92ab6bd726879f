//! Power and calibration of linked-SNP kinship LRs on the bundled FORCE panel:
//! `cargo run --release -p simulate --example snp_power -- [PAIRS] [SEED]`.
//!
//! For first cousins, second cousins and great-avuncular pairs (great-uncle and great-nephew):
//! pairs gene-dropped with crossovers through the relationship's pedigree (deCODE 2019
//! sex-specific map, Haldane), the LR of the relationship against unrelated computed by the linked
//! chain, with full genotypes (no error) and with 1× sequencing (Poisson depth 1, read error 0.01,
//! likelihoods from the read counts). Prints the fraction with LR ≥ 10^4, the median log10 LR,
//! and, on as many unrelated pairs, the fraction with LR above 10, 100 and 10^4 (Turing's bound:
//! at most 1/t). For comparison, the same related pairs' complete profiles at the 23 STRs of
//! crates/homeward/tests/data/bench/duo_nomut/freqs.tsv (no mutation; drawn from their own random
//! stream, so the SNP figures do not depend on them): the rate of LR ≥ 10^4 with STRs alone and
//! with STRs and SNPs together (independent marker sets: the LRs multiply). Markdown.

mod common;

use std::time::Instant;

use kinship::{
    likelihood_ratio, Conditions, GenotypeLikelihoods, Hypothesis, LinkedChain, LinkedMarker, MapFunction, Marker,
    Pedigree, Relationship, Sex, Typing,
};
use simulate::{drop_linked_snps, read_likelihoods, typings_of, GeneDropper, Rng};

const PANEL: &str = include_str!("../../homeward/data/snp/force-autosomal.tsv");

/// log10 LR of the relationship against unrelated on complete STR profiles of the pair.
fn str_log10_lr(markers: &[Marker], dropper: &GeneDropper<'_>, hyp: &Hypotheses, rng: &mut Rng) -> f64 {
    let g = dropper.drop_pedigree(&hyp.h1, rng).expect("drop");
    let (ia, ib) = hyp.h1_ab;
    let h1 = typings_of(markers, &g, |i| i == ia || i == ib);
    let h2: Vec<Vec<Typing>> = h1.iter().map(|row| vec![row[ia], row[ib]]).collect();
    likelihood_ratio(
        markers,
        Hypothesis {
            pedigree: &hyp.h1,
            typings: &h1,
        },
        Hypothesis {
            pedigree: &hyp.h2,
            typings: &h2,
        },
        &Conditions::default(),
    )
    .expect("STR likelihoods")
    .log10_lr()
}

/// The panel as chromosomes of linked markers, sex-specific map.
fn chromosomes() -> Vec<Vec<LinkedMarker>> {
    let panel = formats::read_snp_panel(PANEL).expect("the bundled panel parses");
    let mut out: Vec<(String, Vec<LinkedMarker>)> = Vec::new();
    for s in &panel.snps {
        let m = LinkedMarker {
            name: s.marker.clone(),
            freq_alt: s.freq_alt,
            cm_female: s.cm_female.unwrap_or(s.cm),
            cm_male: s.cm_male.unwrap_or(s.cm),
        };
        match out.iter_mut().find(|(c, _)| *c == s.chrom) {
            Some((_, v)) => v.push(m),
            None => out.push((s.chrom.clone(), vec![m])),
        }
    }
    out.into_iter().map(|(_, v)| v).collect()
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Data {
    Genotypes,
    Reads1x,
}

/// The evidence of members `a`, `b` of the simulated genotypes, as `[marker][member of a 2-person
/// or relationship pedigree]` with `a` and `b` at `(ia, ib)`.
fn evidence(
    genotypes: &[Vec<u8>],
    (a, b): (usize, usize),
    (ia, ib, len): (usize, usize, usize),
    data: Data,
    rng: &mut Rng,
) -> Vec<Vec<Option<GenotypeLikelihoods>>> {
    genotypes
        .iter()
        .map(|row| {
            let mut out = vec![None; len];
            for (g, i) in [(row[a], ia), (row[b], ib)] {
                out[i] = match data {
                    Data::Genotypes => GenotypeLikelihoods::from_call(usize::from(g), 0.0).ok(),
                    Data::Reads1x => read_likelihoods(g, 1.0, 0.01, rng),
                };
            }
            out
        })
        .collect()
}

struct Hypotheses {
    h1: Pedigree,
    h1_ab: (usize, usize),
    h2: Pedigree,
}

fn log10_lr(
    chromosomes: &[Vec<LinkedMarker>],
    hyp: &Hypotheses,
    per_chrom: &[Vec<Vec<u8>>],
    truth_ab: (usize, usize),
    data: Data,
    rng: &mut Rng,
) -> f64 {
    let typed1: Vec<bool> = (0..hyp.h1.len())
        .map(|i| i == hyp.h1_ab.0 || i == hyp.h1_ab.1)
        .collect();
    let mut c1 = LinkedChain::new(&hyp.h1, &typed1).expect("small pedigree");
    let mut c2 = LinkedChain::new(&hyp.h2, &[true, true]).expect("two persons");
    let mut ln = 0.0;
    for (markers, genotypes) in chromosomes.iter().zip(per_chrom) {
        let e1 = evidence(genotypes, truth_ab, (hyp.h1_ab.0, hyp.h1_ab.1, hyp.h1.len()), data, rng);
        let e2: Vec<Vec<Option<GenotypeLikelihoods>>> =
            e1.iter().map(|row| vec![row[hyp.h1_ab.0], row[hyp.h1_ab.1]]).collect();
        ln += c1.ln_likelihood(markers, &e1, MapFunction::Haldane).expect("chain")
            - c2.ln_likelihood(markers, &e2, MapFunction::Haldane).expect("chain");
    }
    ln / std::f64::consts::LN_10
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let [pairs, seed] = common::whole_number_args("snp_power [PAIRS] [SEED]", [500, 20_261_202]);
    let pairs = pairs as usize;
    let chromosomes = chromosomes();
    let str_markers = common::str_markers();
    let dropper = GeneDropper::new(&str_markers, 0.0).expect("dropper");
    let n: usize = chromosomes.iter().map(Vec::len).sum();
    println!(
        "FORCE panel: {n} SNPs on {} chromosomes; {pairs} pairs per row; seed {seed}\n",
        chromosomes.len()
    );
    let unrelated = Pedigree::singletons([("X".to_owned(), Sex::Male), ("Y".to_owned(), Sex::Male)]).expect("two ids");
    let relationships = [
        ("first cousins", Relationship::new(2, 2, true)),
        ("second cousins", Relationship::new(3, 3, true)),
        ("great-avuncular", Relationship::new(3, 1, true)),
    ];
    println!("| relationship | data | P(LR ≥ 10^4 \\| related) | median log10 LR (related) | P(LR > 10 \\| unrelated) | P(LR > 100 \\| unrelated) | P(LR > 10^4 \\| unrelated) | STRs alone: P(LR ≥ 10^4) | STRs + SNPs: P(LR ≥ 10^4) | time |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (name, rel) in relationships {
        let (h1, ia, ib) = rel.pedigree(("X", Sex::Male), ("Y", Sex::Male)).expect("pedigree");
        let hyp = Hypotheses {
            h1: h1.clone(),
            h1_ab: (ia, ib),
            h2: unrelated.clone(),
        };
        for data in [Data::Genotypes, Data::Reads1x] {
            let started = Instant::now();
            let mut rng = Rng::seed_from(seed);
            let mut str_rng = Rng::stream(seed, 1);
            let mut related = Vec::with_capacity(pairs);
            let mut strs = Vec::with_capacity(pairs);
            let mut both = Vec::with_capacity(pairs);
            let mut null = Vec::with_capacity(pairs);
            for _ in 0..pairs {
                let g: Vec<Vec<Vec<u8>>> = chromosomes
                    .iter()
                    .map(|m| drop_linked_snps(&h1, m, MapFunction::Haldane, &mut rng).expect("drop"))
                    .collect();
                let snp = log10_lr(&chromosomes, &hyp, &g, (ia, ib), data, &mut rng);
                let str_lr = str_log10_lr(&str_markers, &dropper, &hyp, &mut str_rng);
                related.push(snp);
                strs.push(str_lr);
                both.push(snp + str_lr);
                let u: Vec<Vec<Vec<u8>>> = chromosomes
                    .iter()
                    .map(|m| drop_linked_snps(&unrelated, m, MapFunction::Haldane, &mut rng).expect("drop"))
                    .collect();
                null.push(log10_lr(&chromosomes, &hyp, &u, (0, 1), data, &mut rng));
            }
            let frac = |v: &[f64], t: f64| v.iter().filter(|&&x| x >= t).count() as f64 / v.len() as f64;
            let above = |v: &[f64], t: f64| v.iter().filter(|&&x| x > t).count() as f64 / v.len() as f64;
            println!(
                "| {name} | {} | {:.3} | {:.2} | {:.4} | {:.4} | {:.4} | {:.4} | {:.3} | {:.1} s |",
                match data {
                    Data::Genotypes => "genotypes, no error",
                    Data::Reads1x => "1× reads, error 0.01",
                },
                frac(&related, 4.0),
                median(&mut related),
                above(&null, 1.0),
                above(&null, 2.0),
                above(&null, 4.0),
                frac(&strs, 4.0),
                frac(&both, 4.0),
                started.elapsed().as_secs_f64()
            );
        }
    }
}
