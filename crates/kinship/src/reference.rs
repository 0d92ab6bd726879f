//! The reference likelihood: plain enumeration of every genotype of every member.
//!
//! Exponential and slow on purpose: no lumping, no pruning, no elimination order. It is the
//! yardstick the fast engine is property-tested against, so it shares nothing with it beyond the
//! observation model and the mutation matrices.

use crate::engine::{check_sexes_at_x, read_evidence};
use crate::evidence::{all_genotypes, Genotype};
use crate::marker::{Chromosome, Marker};
use crate::pedigree::{Pedigree, Sex};
use crate::typing::{Conditions, Typing};
use crate::LikelihoodError;

/// Refuses pedigrees with more genotype combinations than this.
pub const MAX_COMBINATIONS: u128 = 50_000_000;

/// P(typings | pedigree) at one marker, by enumerating every genotype of every member.
pub fn brute_force_likelihood(
    ped: &Pedigree,
    marker: &Marker,
    typings: &[Typing],
    cond: &Conditions,
) -> Result<f64, LikelihoodError> {
    let evidence = read_evidence(ped, marker, typings, cond)?;
    let x = marker.chromosome() == Chromosome::X;
    check_sexes_at_x(ped, marker)?;
    let n = marker.alleles().len();
    let freqs = marker.freqs();
    let silent = marker.silent();
    let hemi = |i: usize| x && ped.member(i).sex == Sex::Male;
    // Candidate genotypes of each member with their observation probabilities.
    let candidates: Vec<Vec<(Genotype, f64)>> = (0..ped.len())
        .map(|i| {
            all_genotypes(n, hemi(i))
                .into_iter()
                .map(|g| (g, evidence[i].probability(g, silent, freqs)))
                .filter(|&(_, p)| p > 0.0)
                .collect()
        })
        .collect();
    let combos = candidates
        .iter()
        .fold(1u128, |acc, c| acc.saturating_mul(c.len() as u128));
    if combos > MAX_COMBINATIONS {
        return Err(LikelihoodError::TooComplex {
            marker: marker.name().to_owned(),
            cells: combos.min(usize::MAX as u128) as usize,
        });
    }
    let mut choice = vec![0usize; ped.len()];
    let mut total = 0.0;
    if candidates.iter().any(Vec::is_empty) {
        return Ok(0.0);
    }
    loop {
        let genotypes: Vec<Genotype> = choice.iter().enumerate().map(|(i, &c)| candidates[i][c].0).collect();
        let mut p: f64 = choice.iter().enumerate().map(|(i, &c)| candidates[i][c].1).product();
        p *= founder_probability(ped, &genotypes, freqs, cond.theta);
        for (i, m) in ped.members().iter().enumerate() {
            if let (Some(f), Some(mo)) = (m.father, m.mother) {
                p *= child_probability(genotypes[i], genotypes[f], genotypes[mo], marker);
            }
        }
        total += p;
        // Next combination.
        let mut k = 0;
        loop {
            if k == choice.len() {
                return Ok(total);
            }
            choice[k] += 1;
            if choice[k] < candidates[k].len() {
                break;
            }
            choice[k] = 0;
            k += 1;
        }
    }
}

/// P(founder genotypes): Hardy–Weinberg, or one Balding–Nichols sequence of all founder alleles.
fn founder_probability(ped: &Pedigree, genotypes: &[Genotype], freqs: &[f64], theta: f64) -> f64 {
    let mut prob = 1.0;
    let mut seq: Vec<usize> = Vec::new();
    for (i, m) in ped.members().iter().enumerate() {
        if !m.is_founder() {
            continue;
        }
        let g = genotypes[i];
        if g.is_hemizygous() {
            seq.push(g.a);
        } else {
            seq.push(g.a);
            seq.push(g.b);
            if g.a != g.b {
                prob *= 2.0;
            }
        }
    }
    // Sequential sampling: the k-th allele after m draws, m_a of them equal to a.
    let mut drawn: Vec<usize> = Vec::new();
    for &a in &seq {
        let m = drawn.len() as f64;
        let ma = drawn.iter().filter(|&&x| x == a).count() as f64;
        prob *= (ma * theta + (1.0 - theta) * freqs[a]) / (1.0 + (m - 1.0) * theta);
        drawn.push(a);
    }
    prob
}

/// P(child genotype | parents' genotypes).
fn child_probability(child: Genotype, father: Genotype, mother: Genotype, marker: &Marker) -> f64 {
    let from = |parent: Genotype, allele: usize, male: bool| {
        let mm = if male {
            marker.male_matrix()
        } else {
            marker.female_matrix()
        };
        if parent.is_hemizygous() {
            mm.get(parent.a, allele)
        } else {
            0.5 * (mm.get(parent.a, allele) + mm.get(parent.b, allele))
        }
    };
    if child.is_hemizygous() {
        return from(mother, child.a, false);
    }
    let (x, y) = (child.a, child.b);
    if x == y {
        from(father, x, true) * from(mother, x, false)
    } else {
        from(father, x, true) * from(mother, y, false) + from(father, y, true) * from(mother, x, false)
    }
}
