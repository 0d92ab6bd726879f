//! Simulated SNP genotypes on the bundled FORCE panel for the SNP-screen test and bench: the
//! panel read by `formats`, grouped by chromosome with the sex-averaged map, and pairs of samples
//! gene-dropped through a standard relationship's two-person pedigree (crossovers on the map) or
//! drawn unrelated.

#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;

use identify::snp_screen::SnpLayout;

use kinship::{LinkedMarker, MapFunction, Pedigree, Relationship, Sex};
use simulate::Rng;

/// The FORCE panel's chromosomes in file order, each in map order (sex-averaged cM).
pub fn force_chromosomes() -> Vec<Vec<LinkedMarker>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../homeward/data/snp/force-autosomal.tsv");
    let text = std::fs::read_to_string(&path).expect("the bundled FORCE panel");
    let panel = formats::read_snp_panel(&text).expect("a valid panel");
    let mut names: Vec<String> = Vec::new();
    let mut chromosomes: Vec<Vec<LinkedMarker>> = Vec::new();
    for snp in &panel.snps {
        let c = match names.iter().position(|n| *n == snp.chrom) {
            Some(c) => c,
            None => {
                names.push(snp.chrom.clone());
                chromosomes.push(Vec::new());
                names.len() - 1
            }
        };
        chromosomes[c].push(LinkedMarker {
            name: snp.marker.clone(),
            freq_alt: snp.freq_alt,
            cm_female: snp.cm,
            cm_male: snp.cm,
        });
    }
    chromosomes
}

/// The panel's ALT frequencies in the chromosomes' order, and the screen's layout of them.
pub fn layout(chromosomes: &[Vec<LinkedMarker>]) -> (Vec<f64>, Arc<SnpLayout>) {
    let freqs: Vec<f64> = chromosomes.iter().flatten().map(|m| m.freq_alt).collect();
    let layout = Arc::new(SnpLayout::new(&freqs).expect("frequencies in [0, 1]"));
    (freqs, layout)
}

/// One person's calls drawn from the frequencies, each untyped with probability `missing`.
pub fn unrelated(chromosomes: &[Vec<LinkedMarker>], missing: f64, rng: &mut Rng) -> Vec<Option<u8>> {
    chromosomes
        .iter()
        .flatten()
        .map(|m| {
            let g = u8::from(rng.bernoulli(m.freq_alt)) + u8::from(rng.bernoulli(m.freq_alt));
            (!rng.bernoulli(missing)).then_some(g)
        })
        .collect()
}

/// Two people related by `rel`, gene-dropped through its pedigree on every chromosome.
pub fn related(
    chromosomes: &[Vec<LinkedMarker>],
    rel: Relationship,
    missing: f64,
    rng: &mut Rng,
) -> (Vec<Option<u8>>, Vec<Option<u8>>) {
    let (ped, a, b): (Pedigree, usize, usize) = rel
        .pedigree(("A", Sex::Male), ("B", Sex::Male))
        .expect("a standard relationship");
    let (mut ga, mut gb) = (Vec::new(), Vec::new());
    for markers in chromosomes {
        let g = simulate::drop_linked_snps(&ped, markers, MapFunction::Haldane, rng).expect("gene dropping");
        for row in g {
            ga.push((!rng.bernoulli(missing)).then_some(row[a]));
            gb.push((!rng.bernoulli(missing)).then_some(row[b]));
        }
    }
    (ga, gb)
}
