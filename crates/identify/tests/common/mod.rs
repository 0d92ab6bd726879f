//! Random cases shared by the property tests: markers from drawn weights, a seeded mixer, and
//! genotypes from its numbers.

#![allow(dead_code)]

use identify::dvi::Victim;
use kinship::{Chromosome, Conditions, Marker, MutationModel, Pedigree, Sex, Typing};

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

/// The references' typings of a family, `typings[marker][member]`: members for whom `is_reference` holds
/// get a genotype from the mixer stirred by `seed`, the others none.
pub fn reference_typings(
    markers: &[Marker],
    pedigree: &Pedigree,
    is_reference: impl Fn(&str) -> bool,
    mixer: &mut Mixer,
    seed: u64,
) -> Vec<Vec<Typing>> {
    markers
        .iter()
        .map(|mk| {
            pedigree
                .members()
                .iter()
                .map(|m| {
                    if is_reference(&m.id) {
                        genotype(mixer.next(seed), mk)
                    } else {
                        Typing::Untyped
                    }
                })
                .collect()
        })
        .collect()
}

/// Victims drawn as (male, seed, dropout), named by `id`: at each marker one draw in `untyped_one_in` leaves
/// it untyped, one a single allele where the victim has dropout, the rest a genotype. Each victim's dropout
/// goes into `conditions`.
pub fn random_victims(
    markers: &[Marker],
    draws: &[(bool, u64, Option<f64>)],
    id: impl Fn(usize) -> String,
    untyped_one_in: u64,
    mixer: &mut Mixer,
    conditions: &mut Conditions,
) -> Vec<Victim> {
    draws
        .iter()
        .enumerate()
        .map(|(v, &(male, seed, dropout))| {
            let id = id(v);
            if let Some(d) = dropout {
                conditions.dropout.insert(id.clone(), d);
            }
            let typings = markers
                .iter()
                .map(|mk| match mixer.next(seed) % untyped_one_in {
                    0 => Typing::Untyped,
                    1 if dropout.is_some() => Typing::Single((mixer.next(seed) % mk.alleles().len() as u64) as usize),
                    _ => genotype(mixer.next(seed), mk),
                })
                .collect();
            Victim {
                id,
                sex: if male { Sex::Male } else { Sex::Female },
                typings,
            }
        })
        .collect()
}
