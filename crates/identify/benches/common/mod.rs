//! Simulation helpers shared by the benchmarks (each bench uses a part of them): a seeded generator, the benchmark markers and
//! gene dropping without mutation.

#![allow(dead_code)]

use std::path::Path;

use kinship::{Chromosome, Marker, Pedigree};

/// splitmix64: a small, seeded generator, so every run simulates the same data.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E3779B97F4A7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
        z ^ (z >> 31)
    }
    pub fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The 23 autosomal STRs of PowerPlex Fusion 6C with the norSTR East Asia frequencies, no mutations.
pub fn markers() -> Vec<Marker> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../homeward/tests/data/bench/duo_nomut/freqs.tsv");
    let db = formats::read_frequencies(&std::fs::read_to_string(path).unwrap()).unwrap();
    db.markers
        .iter()
        .map(|m| Marker::without_mutation(&m.name, m.alleles.clone(), Chromosome::Autosomal).unwrap())
        .collect()
}

pub fn draw(rng: &mut Rng, marker: &Marker) -> usize {
    let u = rng.uniform();
    let mut acc = 0.0;
    for (i, p) in marker.freqs().iter().enumerate() {
        acc += p;
        if u < acc {
            return i;
        }
    }
    marker.freqs().len() - 1
}

/// Gene dropping without mutation: genotypes of every member, parents first.
pub fn drop_genes(rng: &mut Rng, ped: &Pedigree, marker: &Marker) -> Vec<(usize, usize)> {
    let mut g = vec![(0, 0); ped.len()];
    for &i in ped.topological_order() {
        let m = ped.member(i);
        g[i] = match (m.father, m.mother) {
            (Some(f), Some(mo)) => {
                let from = |rng: &mut Rng, (a, b): (usize, usize)| if rng.next() & 1 == 0 { a } else { b };
                (from(rng, g[f]), from(rng, g[mo]))
            }
            _ => (draw(rng, marker), draw(rng, marker)),
        };
    }
    g
}
