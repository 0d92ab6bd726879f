//! Random cases shared by the property tests: markers from drawn weights, a seeded mixer, and
//! genotypes from its numbers.

#![allow(dead_code)]

use kinship::{Chromosome, Marker, MutationModel, Typing};

/// One marker per weight list (alleles `10`, `11`, …, frequencies the normalised weights), named
/// `{prefix}{i}`, all with model `model` (0 none, 1 equal, else stepwise) at `rate`.
pub fn random_markers(weights: &[Vec<f64>], model: u8, rate: f64, prefix: &str) -> Vec<Marker> {
    weights
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let total: f64 = w.iter().sum();
            let alleles = w
                .iter()
                .enumerate()
                .map(|(a, x)| (format!("{}", 10 + a), x / total))
                .collect();
            let model = match model {
                0 => MutationModel::Trivial,
                1 => MutationModel::Equal { rate },
                _ => MutationModel::Stepwise {
                    rate,
                    rate2: 0.0,
                    range: 0.5,
                },
            };
            Marker::new(
                &format!("{prefix}{i}"),
                alleles,
                Chromosome::Autosomal,
                model.clone(),
                model,
            )
            .unwrap()
        })
        .collect()
}

/// A deterministic stream of numbers stirred by the seeds it is given.
pub struct Mixer(u64);

impl Mixer {
    pub fn new() -> Mixer {
        Mixer(0x9E3779B97F4A7C15)
    }

    pub fn next(&mut self, seed: u64) -> u64 {
        self.0 ^= seed.wrapping_mul(0xBF58476D1CE4E5B9);
        self.0 = self.0.rotate_left(17).wrapping_mul(0x94D049BB133111EB);
        self.0
    }
}

/// A genotype of the marker from one number.
pub fn genotype(r: u64, m: &Marker) -> Typing {
    let n = m.alleles().len() as u64;
    Typing::Pair((r % n) as usize, ((r / n) % n) as usize)
}
