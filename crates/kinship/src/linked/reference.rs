//! The reference linked likelihood: every inheritance vector at every marker, jointly.
//!
//! Exponential on purpose: no pruning, no founder-phase symmetry, no patterns, no forward
//! recursion. Every meiosis of every non-founder is a bit; every path of inheritance vectors
//! along the markers is weighted by its prior (1/2 per bit at the first marker, r or 1 − r per
//! bit and interval) and by the emission at each marker, which sums over every REF/ALT labelling
//! of every founder allele. It shares with the chain only the model's inputs (recombination
//! fractions from the map, genotype likelihoods). The property tests hold the chain to it.

use super::{check_evidence, intervals, GenotypeLikelihoods, LinkageError, LinkedMarker, MapFunction};
use crate::pedigree::{Pedigree, Sex};

/// Refuses cases with more (path, founder labelling) combinations than this.
pub const MAX_PATHS: u64 = 1 << 24;

/// P(evidence | pedigree) on one chromosome (not logged), by enumeration.
pub fn brute_force_linked(
    ped: &Pedigree,
    markers: &[LinkedMarker],
    evidence: &[Vec<Option<GenotypeLikelihoods>>],
    map: MapFunction,
) -> Result<f64, LinkageError> {
    let mut total = 0.0;
    each_path(ped, markers, evidence, map, |_, _, w| total += w)?;
    Ok(total)
}

/// P(IBD = 0, 1, 2 between members `a` and `b` | evidence) at each marker, by enumeration: the
/// weight of every path split by the number of founder alleles the two share at the marker.
pub fn brute_force_ibd(
    ped: &Pedigree,
    markers: &[LinkedMarker],
    evidence: &[Vec<Option<GenotypeLikelihoods>>],
    map: MapFunction,
    a: usize,
    b: usize,
) -> Result<Vec<[f64; 3]>, LinkageError> {
    let mut out = vec![[0.0; 3]; markers.len()];
    let mut total = 0.0;
    each_path(ped, markers, evidence, map, |path, alleles, w| {
        total += w;
        for (k, &v) in path.iter().enumerate() {
            let (x, y) = (alleles[v][a], alleles[v][b]);
            let shared = if (x[0] == y[0] && x[1] == y[1]) || (x[0] == y[1] && x[1] == y[0]) {
                2
            } else {
                usize::from(x.iter().any(|l| y.contains(l)))
            };
            out[k][shared] += w;
        }
    })?;
    if total == 0.0 {
        return Err(LinkageError::Impossible {
            marker: markers.first().map_or_else(String::new, |m| m.name.clone()),
        });
    }
    Ok(out.into_iter().map(|p| p.map(|x| x / total)).collect())
}

/// Calls `visit(path, alleles, weight)` for every path of inheritance vectors, where
/// `alleles[v][member]` are the member's founder-allele labels under vector `v` and `weight` is
/// the path's prior times its emissions.
fn each_path(
    ped: &Pedigree,
    markers: &[LinkedMarker],
    evidence: &[Vec<Option<GenotypeLikelihoods>>],
    map: MapFunction,
    mut visit: impl FnMut(&[usize], &[Vec<[usize; 2]>], f64),
) -> Result<(), LinkageError> {
    check_evidence(ped.len(), markers, evidence)?;
    let rs = intervals(markers, map)?;
    let non_founders: Vec<usize> = (0..ped.len()).filter(|&i| !ped.member(i).is_founder()).collect();
    let founders: Vec<usize> = (0..ped.len()).filter(|&i| ped.member(i).is_founder()).collect();
    let nbits = 2 * non_founders.len();
    let nfa = 2 * founders.len();
    let states = 1u64.checked_shl(nbits as u32).unwrap_or(u64::MAX);
    let labellings = 1u64.checked_shl(nfa as u32).unwrap_or(u64::MAX);
    let paths = (0..markers.len()).try_fold(1u64, |acc, _| acc.checked_mul(states));
    let work =
        paths.and_then(|p| p.checked_add(states.saturating_mul(labellings).saturating_mul(markers.len() as u64)));
    if work.is_none_or(|w| w > MAX_PATHS) {
        return Err(LinkageError::TooComplex {
            what: "more enumerated paths".into(),
            limit: MAX_PATHS,
        });
    }
    // Sex of the parent transmitting each bit: bit 2j from the father, 2j + 1 from the mother.
    let male_bit: Vec<bool> = (0..nbits).map(|b| b % 2 == 0).collect();
    debug_assert!(non_founders
        .iter()
        .all(|&c| ped.member(c).father.is_some_and(|f| ped.member(f).sex == Sex::Male)));

    // emission[k][v]: P(evidence at marker k | inheritance vector v).
    let mut emission = vec![vec![0.0; states as usize]; markers.len()];
    let mut alleles_of = Vec::with_capacity(states as usize);
    for v in 0..states as usize {
        // Founder-allele labels of every member under v: parents before children.
        let mut alleles = vec![[0usize; 2]; ped.len()];
        for &i in ped.topological_order() {
            let m = ped.member(i);
            alleles[i] = match (m.father, m.mother) {
                (Some(f), Some(mo)) => {
                    let j = non_founders.iter().position(|&c| c == i).unwrap_or(0);
                    [alleles[f][(v >> (2 * j)) & 1], alleles[mo][(v >> (2 * j + 1)) & 1]]
                }
                _ => {
                    let f = founders.iter().position(|&x| x == i).unwrap_or(0);
                    [2 * f, 2 * f + 1]
                }
            };
        }
        for (k, (marker, row)) in markers.iter().zip(evidence).enumerate() {
            let p = marker.freq_alt;
            let mut total = 0.0;
            for lab in 0..labellings as usize {
                let alt = |a: usize| (lab >> a) & 1;
                let mut w = 1.0;
                for a in 0..nfa {
                    w *= if alt(a) == 1 { p } else { 1.0 - p };
                }
                for (i, e) in row.iter().enumerate() {
                    if let Some(e) = e {
                        w *= e.values()[alt(alleles[i][0]) + alt(alleles[i][1])];
                    }
                }
                total += w;
            }
            emission[k][v] = total;
        }
        alleles_of.push(alleles);
    }
    let prior = 0.5f64.powi(nbits as i32);
    let mut path = vec![0usize; markers.len()];
    if markers.is_empty() {
        visit(&path, &alleles_of, 1.0);
        return Ok(());
    }
    loop {
        let mut w = prior * emission[0][path[0]];
        for k in 1..markers.len() {
            let (rf, rm) = rs[k - 1];
            let changed = path[k - 1] ^ path[k];
            for (b, &male) in male_bit.iter().enumerate() {
                let r = if male { rm } else { rf };
                w *= if (changed >> b) & 1 == 1 { r } else { 1.0 - r };
            }
            w *= emission[k][path[k]];
        }
        visit(&path, &alleles_of, w);
        // Next path.
        let mut k = 0;
        loop {
            if k == path.len() {
                return Ok(());
            }
            path[k] += 1;
            if (path[k] as u64) < states {
                break;
            }
            path[k] = 0;
            k += 1;
        }
    }
}
