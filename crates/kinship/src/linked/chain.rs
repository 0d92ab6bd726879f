//! The Lander–Green chain: a forward algorithm over inheritance vectors along one chromosome.
//!
//! States. Each meiosis of a kept non-founder is one bit (0: the parent's paternal allele, 1: its
//! maternal one). Two exact reductions shrink the space:
//!
//! * Pruning: members with no evidence and no kept descendant are dropped (repeatedly); they
//!   carry no information.
//! * Founder-phase symmetry: a founder's two alleles are exchangeable, so flipping every meiosis
//!   of one founder leaves every emission unchanged. The chain runs on the classes: each founder's
//!   first meiosis (its pivot) is fixed to 0. In the quotient, the pivot's recombination becomes
//!   "flip all the founder's other meiosis bits at once", with the founder's recombination
//!   fraction. A founder with one child loses its only bit this way.
//!
//! Transitions. Every move is "with probability r, XOR the state with a mask" (one bit, or a
//! founder's other bits). The moves commute, so one interval is a sequence of them: O(n·2^n) per
//! interval with only non-negative sums (no cancellation, unlike a Walsh–Hadamard transform), not
//! the 4^n of a dense matrix. An interval with r = 1/2 in both sexes makes the state uniform, so
//! markers that far apart give exactly the product of their single-marker likelihoods.
//!
//! Emissions. Given an inheritance vector, each typed member carries two founder alleles; the
//! likelihood sums over the ALT/REF labels of those founder alleles, which splits into the
//! connected components of the graph whose nodes are founder alleles and whose edges are typed
//! members. Many states give the same graph up to renaming the founder alleles (which are i.i.d.),
//! so the graph of each state is stored in a canonical form once ("pattern"), and each marker's
//! emission is computed once per pattern.
//!
//! Scaling. The forward vector is renormalised after every marker and the logs of the factors
//! summed, so thousands of markers do not underflow.

use std::collections::HashMap;

use super::{check_evidence, intervals, GenotypeLikelihoods, LinkageError, LinkedMarker, MapFunction};
use crate::pedigree::{Pedigree, Sex};

/// The chain refuses more inheritance-vector bits than this (after the reductions): 2^22 states.
pub const MAX_STATE_BITS: usize = 22;
/// A connected component of founder alleles with more alleles than this is refused (its
/// emission sums over 2^k labellings).
pub const MAX_COMPONENT_ALLELES: usize = 20;

/// ln P(evidence | pedigree) on one chromosome; −∞ when the evidence is impossible.
///
/// `evidence[marker][member]`; markers in map order.
pub fn ln_likelihood_linked(
    ped: &Pedigree,
    markers: &[LinkedMarker],
    evidence: &[Vec<Option<GenotypeLikelihoods>>],
    map: MapFunction,
) -> Result<f64, LinkageError> {
    check_evidence(ped.len(), markers, evidence)?;
    let typed: Vec<bool> = (0..ped.len())
        .map(|i| evidence.iter().any(|row| row[i].is_some()))
        .collect();
    LinkedChain::new(ped, &typed)?.ln_likelihood(markers, evidence, map)
}

/// The state space of one pedigree with a fixed set of typed members, reusable across
/// chromosomes (and its buffers across calls).
#[derive(Debug, Clone)]
pub struct LinkedChain {
    ids: Vec<String>,
    /// Members with evidence somewhere, by pedigree index.
    typed_flag: Vec<bool>,
    /// The typed members in pedigree order: the order of the pairs in a pattern.
    typed: Vec<usize>,
    bits: u32,
    /// Transition moves: with r of the sex, XOR the state with the mask.
    moves: Vec<(usize, bool)>,
    /// The patterns' canonical founder-allele pairs, two labels per typed member.
    patterns: Vec<Vec<u16>>,
    state_pattern: Vec<u32>,
    alpha: Vec<f64>,
    emission: Vec<f64>,
    lik: Vec<Option<[f64; 3]>>,
    scratch: Scratch,
}

/// Where a meiosis takes its allele from: the parent's paternal allele always (a pivot), or the
/// allele a state bit picks.
#[derive(Debug, Clone, Copy)]
enum Source {
    Pivot,
    Bit(u32),
}

impl LinkedChain {
    /// Builds the reduced state space of `ped` for the members with `typed[i]`.
    pub fn new(ped: &Pedigree, typed: &[bool]) -> Result<LinkedChain, LinkageError> {
        let n = ped.len();
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, m) in ped.members().iter().enumerate() {
            for p in [m.father, m.mother].into_iter().flatten() {
                children[p].push(i);
            }
        }
        // Pruning: children before parents.
        let mut keep: Vec<bool> = typed.to_vec();
        for &i in ped.topological_order().iter().rev() {
            if children[i].iter().any(|&c| keep[c]) {
                keep[i] = true;
            }
        }
        // Founder alleles and meiosis sources.
        let mut founder_of = vec![u16::MAX; n];
        let mut founders = 0u16;
        let mut sources: Vec<[Source; 2]> = vec![[Source::Pivot; 2]; n];
        let mut founder_mask = vec![0usize; n];
        let mut founder_has_pivot = vec![false; n];
        let mut moves: Vec<(usize, bool)> = Vec::new();
        let mut bits = 0u32;
        for &i in ped.topological_order() {
            if !keep[i] {
                continue;
            }
            let m = ped.member(i);
            let (Some(f), Some(mo)) = (m.father, m.mother) else {
                founder_of[i] = founders;
                founders =
                    founders
                        .checked_add(1)
                        .filter(|&f| f < u16::MAX / 2)
                        .ok_or_else(|| LinkageError::TooComplex {
                            what: "more founders".into(),
                            limit: u64::from(u16::MAX / 2),
                        })?;
                continue;
            };
            for (slot, parent) in [f, mo].into_iter().enumerate() {
                let male = ped.member(parent).sex == Sex::Male;
                let parent_is_founder = ped.member(parent).is_founder();
                if parent_is_founder && !founder_has_pivot[parent] {
                    founder_has_pivot[parent] = true;
                    sources[i][slot] = Source::Pivot;
                    continue;
                }
                if bits as usize >= MAX_STATE_BITS {
                    return Err(LinkageError::TooComplex {
                        what: "more inheritance-vector bits".into(),
                        limit: MAX_STATE_BITS as u64,
                    });
                }
                sources[i][slot] = Source::Bit(bits);
                moves.push((1 << bits, male));
                if parent_is_founder {
                    founder_mask[parent] |= 1 << bits;
                }
                bits += 1;
            }
        }
        for (i, &mask) in founder_mask.iter().enumerate() {
            if mask != 0 {
                moves.push((mask, ped.member(i).sex == Sex::Male));
            }
        }
        let typed_list: Vec<usize> = (0..n).filter(|&i| typed[i]).collect();
        let states = 1usize << bits;
        let mut labels = vec![[0u16; 2]; n];
        let mut index: HashMap<Vec<u16>, u32> = HashMap::new();
        let mut patterns: Vec<Vec<u16>> = Vec::new();
        let mut state_pattern = Vec::with_capacity(states);
        let mut rename = vec![u16::MAX; 2 * usize::from(founders)];
        let mut key: Vec<u16> = Vec::with_capacity(2 * typed_list.len());
        for s in 0..states {
            for &i in ped.topological_order() {
                if !keep[i] {
                    continue;
                }
                let m = ped.member(i);
                labels[i] = match (m.father, m.mother) {
                    (Some(f), Some(mo)) => {
                        let pick = |parent: usize, src: Source| match src {
                            Source::Pivot => labels[parent][0],
                            Source::Bit(b) => labels[parent][(s >> b) & 1],
                        };
                        [pick(f, sources[i][0]), pick(mo, sources[i][1])]
                    }
                    _ => [2 * founder_of[i], 2 * founder_of[i] + 1],
                };
            }
            rename.iter_mut().for_each(|r| *r = u16::MAX);
            key.clear();
            let mut next = 0u16;
            for &i in &typed_list {
                for l in labels[i] {
                    let r = &mut rename[usize::from(l)];
                    if *r == u16::MAX {
                        *r = next;
                        next += 1;
                    }
                    key.push(*r);
                }
            }
            let p = match index.get(&key) {
                Some(&p) => p,
                None => {
                    let p = patterns.len() as u32;
                    index.insert(key.clone(), p);
                    patterns.push(key.clone());
                    p
                }
            };
            state_pattern.push(p);
        }
        Ok(LinkedChain {
            ids: ped.members().iter().map(|m| m.id.clone()).collect(),
            typed_flag: typed.to_vec(),
            typed: typed_list,
            bits,
            moves,
            emission: vec![0.0; patterns.len()],
            patterns,
            state_pattern,
            alpha: vec![0.0; states],
            lik: Vec::new(),
            scratch: Scratch::default(),
        })
    }

    /// Inheritance-vector bits after the reductions (the chain has 2^bits states).
    pub fn state_bits(&self) -> usize {
        self.bits as usize
    }

    /// Distinct emission patterns (founder-allele graphs up to renaming).
    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// ln P(evidence | pedigree) on one chromosome; −∞ when the evidence is impossible.
    pub fn ln_likelihood(
        &mut self,
        markers: &[LinkedMarker],
        evidence: &[Vec<Option<GenotypeLikelihoods>>],
        map: MapFunction,
    ) -> Result<f64, LinkageError> {
        check_evidence(self.ids.len(), markers, evidence)?;
        let rs = intervals(markers, map)?;
        for (m, row) in markers.iter().zip(evidence) {
            if let Some(i) = (0..row.len()).find(|&i| row[i].is_some() && !self.typed_flag[i]) {
                return Err(LinkageError::NotInChain {
                    marker: m.name.clone(),
                    member: self.ids[i].clone(),
                });
            }
        }
        let states = self.alpha.len();
        let uniform = 1.0 / states as f64;
        self.alpha.iter_mut().for_each(|a| *a = uniform);
        let mut ln = 0.0;
        for (k, (marker, row)) in markers.iter().zip(evidence).enumerate() {
            if k > 0 {
                transition(&self.moves, &mut self.alpha, rs[k - 1], Some(1.0));
            }
            if !self.emit(marker, row)? {
                continue;
            }
            let mut sum = 0.0;
            for (a, &p) in self.alpha.iter_mut().zip(&self.state_pattern) {
                *a *= self.emission[p as usize];
                sum += *a;
            }
            if sum == 0.0 {
                return Ok(f64::NEG_INFINITY);
            }
            ln += sum.ln();
            let inv = 1.0 / sum;
            self.alpha.iter_mut().for_each(|a| *a *= inv);
        }
        Ok(ln)
    }

    /// P(IBD = 0, 1, 2 between members `a` and `b` | all the evidence) at every marker, by the
    /// forward–backward algorithm. IBD counts the founder alleles the two carry in common (the
    /// largest matching of their two alleles), so an inbred member's two copies count once each.
    /// Both must have been typed when the chain was built.
    pub fn ibd_posteriors(
        &mut self,
        markers: &[LinkedMarker],
        evidence: &[Vec<Option<GenotypeLikelihoods>>],
        map: MapFunction,
        a: usize,
        b: usize,
    ) -> Result<Vec<[f64; 3]>, LinkageError> {
        check_evidence(self.ids.len(), markers, evidence)?;
        let rs = intervals(markers, map)?;
        let slot = |i: usize| {
            self.typed
                .iter()
                .position(|&t| t == i)
                .ok_or_else(|| LinkageError::NotInChain {
                    marker: markers.first().map_or_else(String::new, |m| m.name.clone()),
                    member: self.ids.get(i).cloned().unwrap_or_default(),
                })
        };
        let (ja, jb) = (slot(a)?, slot(b)?);
        let ibd_of_pattern: Vec<usize> = self
            .patterns
            .iter()
            .map(|p| shared_alleles([p[2 * ja], p[2 * ja + 1]], [p[2 * jb], p[2 * jb + 1]]))
            .collect();
        let states = self.alpha.len();
        let cells = states.saturating_mul(markers.len());
        if cells > 1 << 24 {
            return Err(LinkageError::TooComplex {
                what: format!("{cells} stored forward probabilities"),
                limit: 1 << 24,
            });
        }
        // Forward, every marker's normalised vector kept.
        let mut forward = vec![0.0; cells];
        let mut emissions: Vec<Option<Vec<f64>>> = Vec::with_capacity(markers.len());
        let mut alpha = vec![1.0 / states as f64; states];
        for (k, (marker, row)) in markers.iter().zip(evidence).enumerate() {
            if k > 0 {
                transition(&self.moves, &mut alpha, rs[k - 1], Some(1.0));
            }
            if self.emit(marker, row)? {
                let e: Vec<f64> = self.state_pattern.iter().map(|&p| self.emission[p as usize]).collect();
                alpha.iter_mut().zip(&e).for_each(|(a, x)| *a *= x);
                emissions.push(Some(e));
            } else {
                emissions.push(None);
            }
            let sum: f64 = alpha.iter().sum();
            if sum == 0.0 {
                return Err(LinkageError::Impossible {
                    marker: marker.name.clone(),
                });
            }
            alpha.iter_mut().for_each(|x| *x /= sum);
            forward[k * states..(k + 1) * states].copy_from_slice(&alpha);
        }
        // Backward, combined with the forward vectors as it goes.
        let mut out = vec![[0.0; 3]; markers.len()];
        let mut beta = vec![1.0; states];
        for k in (0..markers.len()).rev() {
            if k + 1 < markers.len() {
                if let Some(e) = &emissions[k + 1] {
                    beta.iter_mut().zip(e).for_each(|(b, x)| *b *= x);
                }
                transition(&self.moves, &mut beta, rs[k], None);
                let sum: f64 = beta.iter().sum();
                beta.iter_mut().for_each(|x| *x /= sum);
            }
            let mut post = [0.0; 3];
            for (s, (&f, &b)) in forward[k * states..(k + 1) * states].iter().zip(&beta).enumerate() {
                post[ibd_of_pattern[self.state_pattern[s] as usize]] += f * b;
            }
            let total: f64 = post.iter().sum();
            out[k] = post.map(|x| x / total);
        }
        Ok(out)
    }

    /// Fills `self.emission` (one value per pattern) for one marker; false when nobody is typed
    /// there (every emission 1).
    fn emit(&mut self, marker: &LinkedMarker, row: &[Option<GenotypeLikelihoods>]) -> Result<bool, LinkageError> {
        self.lik.clear();
        self.lik.extend(self.typed.iter().map(|&i| row[i].map(|g| g.values())));
        if self.lik.iter().all(Option::is_none) {
            return Ok(false);
        }
        let q = [1.0 - marker.freq_alt, marker.freq_alt];
        for (e, pattern) in self.emission.iter_mut().zip(&self.patterns) {
            *e = self.scratch.pattern_likelihood(pattern, &self.lik, q)?;
        }
        Ok(true)
    }
}

/// How many founder alleles two members share: the largest matching of their allele labels.
fn shared_alleles(x: [u16; 2], y: [u16; 2]) -> usize {
    if (x[0] == y[0] && x[1] == y[1]) || (x[0] == y[1] && x[1] == y[0]) {
        2
    } else if x.iter().any(|l| y.contains(l)) {
        1
    } else {
        0
    }
}

/// One interval on a vector `v`: every move with its sex's recombination fraction. With r = 1/2
/// in both sexes every state becomes the mean: `total / len` when the vector's sum is known to be
/// `total` (a normalised forward vector: exactly uniform, so unlinked markers give exactly the
/// single-marker product), else the computed mean.
fn transition(moves: &[(usize, bool)], v: &mut [f64], (r_female, r_male): (f64, f64), total: Option<f64>) {
    if r_female == 0.5 && r_male == 0.5 {
        let mean = total.unwrap_or_else(|| v.iter().sum::<f64>()) / v.len() as f64;
        v.iter_mut().for_each(|a| *a = mean);
        return;
    }
    for &(mask, male) in moves {
        let r = if male { r_male } else { r_female };
        if r == 0.0 {
            continue;
        }
        let stay = 1.0 - r;
        let low = mask & mask.wrapping_neg();
        for s in 0..v.len() {
            if s & low != 0 {
                continue;
            }
            let t = s ^ mask;
            let (a, b) = (v[s], v[t]);
            v[s] = stay * a + r * b;
            v[t] = r * a + stay * b;
        }
    }
}

/// Buffers of the emission sum.
#[derive(Debug, Clone, Default)]
struct Scratch {
    parent: Vec<u16>,
    local: Vec<u16>,
    component_of: Vec<u32>,
    labels: Vec<Vec<u16>>,
    edges: Vec<Vec<(u16, u16, [f64; 3])>>,
}

impl Scratch {
    fn find(&mut self, mut x: u16) -> u16 {
        while self.parent[usize::from(x)] != x {
            let p = self.parent[usize::from(x)];
            self.parent[usize::from(x)] = self.parent[usize::from(p)];
            x = p;
        }
        x
    }

    /// Σ over ALT/REF labels of the founder alleles of ∏ P(label) ∏ P(data_i | genotype_i), for
    /// the typed members of one pattern (`lik` in the pattern's member order; `None`: no data here).
    fn pattern_likelihood(
        &mut self,
        pattern: &[u16],
        lik: &[Option<[f64; 3]>],
        q: [f64; 2],
    ) -> Result<f64, LinkageError> {
        let n_labels = pattern.iter().map(|&l| usize::from(l) + 1).max().unwrap_or(0);
        self.parent.clear();
        self.parent.extend(0..n_labels as u16);
        for (j, l) in lik.iter().enumerate() {
            if l.is_some() {
                let (a, b) = (self.find(pattern[2 * j]), self.find(pattern[2 * j + 1]));
                if a != b {
                    self.parent[usize::from(a)] = b;
                }
            }
        }
        // Components: labels and edges of each root.
        self.component_of.clear();
        self.component_of.resize(n_labels, u32::MAX);
        let mut components = 0usize;
        for (j, l) in lik.iter().enumerate() {
            let Some(values) = *l else { continue };
            let root = self.find(pattern[2 * j]);
            let c = match self.component_of[usize::from(root)] {
                u32::MAX => {
                    self.component_of[usize::from(root)] = components as u32;
                    if self.labels.len() <= components {
                        self.labels.push(Vec::new());
                        self.edges.push(Vec::new());
                    }
                    self.labels[components].clear();
                    self.edges[components].clear();
                    components += 1;
                    components - 1
                }
                c => c as usize,
            };
            self.edges[c].push((pattern[2 * j], pattern[2 * j + 1], values));
        }
        let mut total = 1.0;
        for c in 0..components {
            // Local numbering of the component's labels.
            self.local.clear();
            self.local.resize(n_labels, u16::MAX);
            let labels = &mut self.labels[c];
            for e in self.edges[c].iter_mut() {
                for l in [&mut e.0, &mut e.1] {
                    let slot = &mut self.local[usize::from(*l)];
                    if *slot == u16::MAX {
                        *slot = labels.len() as u16;
                        labels.push(*l);
                    }
                    *l = *slot;
                }
            }
            let k = labels.len();
            if k > MAX_COMPONENT_ALLELES {
                return Err(LinkageError::TooComplex {
                    what: format!("{k} founder alleles linked by typed members"),
                    limit: MAX_COMPONENT_ALLELES as u64,
                });
            }
            let edges = &self.edges[c];
            let sum = match edges[..] {
                [(a, b, e)] if a == b => q[0] * e[0] + q[1] * e[2],
                [(_, _, e)] => q[0] * q[0] * e[0] + 2.0 * q[0] * q[1] * e[1] + q[1] * q[1] * e[2],
                _ => {
                    let mut sum = 0.0;
                    for x in 0..1usize << k {
                        let mut w = 1.0;
                        for l in 0..k {
                            w *= q[(x >> l) & 1];
                        }
                        for &(a, b, e) in edges {
                            w *= e[((x >> a) & 1) + ((x >> b) & 1)];
                        }
                        sum += w;
                    }
                    sum
                }
            };
            total *= sum;
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pedigree::MemberSpec;
    use crate::{brute_force_linked, Chromosome, Conditions, Engine, Marker, Typing};

    fn cousins() -> Pedigree {
        let s = |id: &str, f: Option<&str>, m: Option<&str>, sex| MemberSpec::new(id, f, m, sex);
        Pedigree::new(vec![
            s("GF", None, None, Sex::Male),
            s("GM", None, None, Sex::Female),
            s("A", Some("GF"), Some("GM"), Sex::Male),
            s("B", Some("GF"), Some("GM"), Sex::Female),
            s("SA", None, None, Sex::Female),
            s("SB", None, None, Sex::Male),
            s("C1", Some("A"), Some("SA"), Sex::Male),
            s("C2", Some("SB"), Some("B"), Sex::Female),
        ])
        .unwrap()
    }

    fn markers(cms: &[f64]) -> Vec<LinkedMarker> {
        cms.iter()
            .enumerate()
            .map(|(k, &cm)| LinkedMarker {
                name: format!("m{k}"),
                freq_alt: 0.1 + 0.08 * k as f64,
                cm_female: cm,
                cm_male: cm * 0.7,
            })
            .collect()
    }

    /// Genotypes of C1 and C2 (ALT counts) at each marker, the others untyped.
    fn evidence(ped: &Pedigree, calls: &[(usize, usize)], error: f64) -> Vec<Vec<Option<GenotypeLikelihoods>>> {
        calls
            .iter()
            .map(|&(a, b)| {
                let mut row = vec![None; ped.len()];
                row[6] = Some(GenotypeLikelihoods::from_call(a, error).unwrap());
                row[7] = Some(GenotypeLikelihoods::from_call(b, error).unwrap());
                row
            })
            .collect()
    }

    const CALLS: [(usize, usize); 5] = [(0, 1), (2, 2), (1, 1), (0, 0), (1, 2)];

    #[test]
    fn cousins_reduce_to_four_bits_and_agree_with_enumeration() {
        let ped = cousins();
        let ev = evidence(&ped, &CALLS[..2], 0.01);
        let m = markers(&[0.0, 3.0]);
        let typed: Vec<bool> = (0..8).map(|i| i >= 6).collect();
        let chain = LinkedChain::new(&ped, &typed).unwrap();
        assert_eq!(chain.state_bits(), 4);
        let fast = ln_likelihood_linked(&ped, &m, &ev, MapFunction::Haldane).unwrap();
        let slow = brute_force_linked(&ped, &m, &ev, MapFunction::Haldane).unwrap();
        assert!((fast.exp() - slow).abs() <= 1e-12 * slow, "{} vs {slow}", fast.exp());
    }

    #[test]
    fn far_apart_markers_give_exactly_the_unlinked_product() {
        let ped = cousins();
        let ev = evidence(&ped, &CALLS, 0.0);
        let m = markers(&[0.0, 1e4, 2e4, 3e4, 4e4]);
        let linked = ln_likelihood_linked(&ped, &m, &ev, MapFunction::Kosambi).unwrap();
        let product: f64 = (0..m.len())
            .map(|k| ln_likelihood_linked(&ped, &m[k..=k], &ev[k..=k], MapFunction::Haldane).unwrap())
            .sum();
        assert_eq!(linked, product);
    }

    #[test]
    fn unlinked_chain_equals_the_str_engine() {
        let ped = cousins();
        let ev = evidence(&ped, &CALLS, 0.0);
        let m = markers(&[0.0, 1e4, 2e4, 3e4, 4e4]);
        let chain = ln_likelihood_linked(&ped, &m, &ev, MapFunction::Haldane).unwrap();
        let mut engine = Engine::new();
        let mut str_total = 0.0;
        for (marker, &(a, b)) in m.iter().zip(&CALLS) {
            let snp = Marker::without_mutation(
                &marker.name,
                vec![("R".into(), 1.0 - marker.freq_alt), ("A".into(), marker.freq_alt)],
                Chromosome::Autosomal,
            )
            .unwrap();
            let call = |alt: usize| Typing::Pair(usize::from(alt == 2), usize::from(alt >= 1));
            let mut typings = vec![Typing::Untyped; ped.len()];
            typings[6] = call(a);
            typings[7] = call(b);
            str_total += engine
                .ln_likelihood(&ped, &snp, &typings, &Conditions::default())
                .unwrap();
        }
        assert!(
            (chain - str_total).abs() <= 1e-12 * str_total.abs(),
            "{chain} vs {str_total}"
        );
    }

    #[test]
    fn impossible_evidence_is_minus_infinity() {
        // Father 0/0, son 1/1 at e = 0.
        let s = |id: &str, f: Option<&str>, m: Option<&str>, sex| MemberSpec::new(id, f, m, sex);
        let ped = Pedigree::new(vec![
            s("F", None, None, Sex::Male),
            s("M", None, None, Sex::Female),
            s("C", Some("F"), Some("M"), Sex::Male),
        ])
        .unwrap();
        let g = |a| Some(GenotypeLikelihoods::from_call(a, 0.0).unwrap());
        let ev = vec![vec![g(0), None, g(1)], vec![g(0), None, g(2)]];
        let m = markers(&[0.0, 1.0]);
        assert_eq!(
            ln_likelihood_linked(&ped, &m, &ev, MapFunction::Haldane),
            Ok(f64::NEG_INFINITY)
        );
        assert_eq!(brute_force_linked(&ped, &m, &ev, MapFunction::Haldane), Ok(0.0));
    }
}
