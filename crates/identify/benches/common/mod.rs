//! Simulation helpers shared by the benchmarks (each bench uses a part of them): simulate's seeded
//! generator, the benchmark markers and gene dropping without mutation.

#![allow(dead_code)]

use std::path::Path;

use kinship::{Chromosome, Marker, Pedigree};
use simulate::{GeneDropper, Genotype};

/// The benchmarks draw from simulate's generator, seeded, so every run simulates the same data.
pub use simulate::Rng;

/// The 23 autosomal STRs of PowerPlex Fusion 6C with the norSTR East Asia frequencies, no mutations.
pub fn markers() -> Vec<Marker> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../homeward/tests/data/bench/duo_nomut/freqs.tsv");
    let db = formats::read_frequencies(&std::fs::read_to_string(path).unwrap()).unwrap();
    db.markers
        .iter()
        .map(|m| Marker::without_mutation(&m.name, m.alleles.clone(), Chromosome::Autosomal).unwrap())
        .collect()
}

/// Gene dropping through simulate's dropper (the markers have no mutation model): every member's
/// genotype at every marker, `[marker][member]`, as the unordered allele pair a clean typing shows.
pub fn drop_genes(rng: &mut Rng, ped: &Pedigree, markers: &[Marker]) -> Vec<Vec<(usize, usize)>> {
    let dropper = GeneDropper::new(markers, 0.0).expect("θ = 0 is valid");
    let genotypes = dropper
        .drop_pedigree(ped, rng)
        .expect("the benchmark markers are autosomal");
    genotypes
        .iter()
        .map(|row| row.iter().map(Genotype::unordered).collect())
        .collect()
}
