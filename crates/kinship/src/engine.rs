//! The fast likelihood: variable elimination over a gene-level network.
//!
//! Each founder is one variable, its unordered genotype; each non-founder has two variables, the
//! alleles it received from its father and from its mother (one, from the mother, for a male at
//! an X marker). Factors are the founder priors, the transmissions (through the mutation matrix
//! of the parent's sex) and the observations. Typed members have their domains cut down to what
//! the typing allows, untyped members with no typed descendant are dropped, and under lumpable
//! models the alleles nobody shows are merged into one. Variables are eliminated greedily, the
//! one whose elimination touches the smallest table first.
//!
//! Under theta the founders' alleles are not independent: they are one Balding–Nichols
//! sequence, whose probability depends only on the allele counts. The non-founders are
//! eliminated first and the founders last, jointly, weighting each combination of founder
//! genotypes by that sequence probability. Merging unseen alleles stays exact under theta
//! because the Balding–Nichols sequence is a Dirichlet–multinomial, which aggregates.

use std::borrow::Cow;

use crate::evidence::{Evidence, EvidenceContext, Genotype, HEMI};
use crate::marker::{Chromosome, Marker};
use crate::mutation::MutationMatrix;
use crate::pedigree::{Pedigree, Sex};
use crate::typing::{Conditions, Typing};
use crate::LikelihoodError;

/// Largest table the elimination may build, in cells.
const MAX_TABLE: usize = 1 << 27;
/// Largest number of founder-genotype combinations summed under theta.
const MAX_THETA_COMBINATIONS: usize = 1 << 31;

/// The evidence of every member of a pedigree at one marker, checked against the conditions.
pub(crate) fn read_evidence(
    ped: &Pedigree,
    marker: &Marker,
    typings: &[Typing],
    cond: &Conditions,
) -> Result<Vec<Evidence>, LikelihoodError> {
    check_conditions(cond)?;
    if typings.len() != ped.len() {
        return Err(LikelihoodError::TypingCount {
            marker: marker.name().to_owned(),
            typings: typings.len(),
            members: ped.len(),
        });
    }
    ped.members()
        .iter()
        .zip(typings)
        .map(|(m, &t)| {
            for a in t.alleles() {
                if a >= marker.alleles().len() {
                    return Err(LikelihoodError::AlleleIndex {
                        marker: marker.name().to_owned(),
                        member: m.id.clone(),
                        index: a,
                    });
                }
            }
            let ctx = EvidenceContext {
                marker: marker.name(),
                member: &m.id,
                chromosome: marker.chromosome(),
                sex: m.sex,
                silent: marker.silent(),
            };
            Evidence::read(t, &ctx, cond.dropout_of(&m.id), cond.dropin)
        })
        .collect()
}

pub(crate) fn check_conditions(cond: &Conditions) -> Result<(), LikelihoodError> {
    let check = |what: String, v: f64, upper_open: bool| {
        let ok = v >= 0.0 && if upper_open { v < 1.0 } else { v <= 1.0 };
        if ok {
            Ok(())
        } else {
            Err(LikelihoodError::BadProbability { what, value: v })
        }
    };
    check("theta".into(), cond.theta, true)?;
    check("drop-in probability".into(), cond.dropin, false)?;
    for (id, &d) in &cond.dropout {
        check(format!("dropout probability of '{id}'"), d, false)?;
    }
    Ok(())
}

/// Members that matter: the typed and their ancestors. The rest sum out to 1.
pub(crate) fn relevant_members(ped: &Pedigree, evidence: &[Evidence]) -> Vec<bool> {
    let mut keep: Vec<bool> = evidence.iter().map(|e| !e.is_nothing()).collect();
    for &i in ped.topological_order().iter().rev() {
        if keep[i] {
            let m = ped.member(i);
            for p in [m.father, m.mother].into_iter().flatten() {
                keep[p] = true;
            }
        }
    }
    keep
}

/// The allele space of one computation: the marker's, or with unseen alleles merged.
struct AlleleSpace<'m> {
    freqs: Cow<'m, [f64]>,
    female: Cow<'m, MutationMatrix>,
    male: Cow<'m, MutationMatrix>,
    silent: Option<usize>,
    /// Original allele index -> index in this space.
    map: Vec<usize>,
}

fn allele_space<'m>(marker: &'m Marker, evidence: &[Evidence], keep: &[bool]) -> AlleleSpace<'m> {
    let n = marker.alleles().len();
    let mut seen = vec![false; n];
    for (e, _) in evidence.iter().zip(keep).filter(|(_, &k)| k) {
        for a in e.alleles() {
            seen[a] = true;
        }
    }
    if let Some(s) = marker.silent() {
        seen[s] = true;
    }
    let unseen: Vec<usize> = (0..n).filter(|&a| !seen[a]).collect();
    let lumpable = marker.female_matrix().is_lumpable() && marker.male_matrix().is_lumpable();
    if !lumpable || unseen.len() < 2 {
        return AlleleSpace {
            freqs: Cow::Borrowed(marker.freqs()),
            female: Cow::Borrowed(marker.female_matrix()),
            male: Cow::Borrowed(marker.male_matrix()),
            silent: marker.silent(),
            map: (0..n).collect(),
        };
    }
    let kept: Vec<usize> = (0..n).filter(|&a| seen[a]).collect();
    let mut map = vec![kept.len(); n];
    for (new, &old) in kept.iter().enumerate() {
        map[old] = new;
    }
    let mut freqs: Vec<f64> = kept.iter().map(|&a| marker.freqs()[a]).collect();
    freqs.push(unseen.iter().map(|&a| marker.freqs()[a]).sum());
    AlleleSpace {
        freqs: Cow::Owned(freqs),
        female: Cow::Owned(marker.female_matrix().lumped(&kept, &unseen)),
        male: Cow::Owned(marker.male_matrix().lumped(&kept, &unseen)),
        silent: marker.silent().map(|s| map[s]),
        map,
    }
}

#[derive(Debug, Clone)]
struct Factor {
    /// Variable ids; the last varies fastest in `data`.
    scope: Vec<usize>,
    data: Vec<f64>,
}

impl Factor {
    fn strides(&self, dims: &[usize]) -> Vec<usize> {
        let mut s = vec![0; self.scope.len()];
        let mut acc = 1;
        for k in (0..self.scope.len()).rev() {
            s[k] = acc;
            acc *= dims[self.scope[k]];
        }
        s
    }
}

/// What each variable stands for.
enum VarKind {
    /// A founder's unordered genotype.
    Founder(Vec<Genotype>),
    /// An allele received by a non-founder.
    Allele(Vec<usize>),
}

struct Network {
    dims: Vec<usize>,
    kinds: Vec<VarKind>,
    factors: Vec<Factor>,
}

/// How a member is represented: a founder genotype variable, or allele variables.
#[derive(Clone, Copy)]
enum Node {
    Dropped,
    Founder(usize),
    /// (paternal allele var, maternal allele var); no paternal for males at X markers.
    NonFounder(Option<usize>, usize),
    /// An untyped founder with a single child, summed out in advance (no theta).
    FreeFounder,
}

/// ln P(typings | pedigree) at one marker.
pub fn ln_likelihood(
    ped: &Pedigree,
    marker: &Marker,
    typings: &[Typing],
    cond: &Conditions,
) -> Result<f64, LikelihoodError> {
    let evidence = read_evidence(ped, marker, typings, cond)?;
    if marker.chromosome() == Chromosome::X {
        if let Some(m) = ped.members().iter().find(|m| m.sex == Sex::Unknown) {
            return Err(LikelihoodError::UnknownSexOnX {
                marker: marker.name().to_owned(),
                member: m.id.clone(),
            });
        }
    }
    if cond.theta == 0.0 && ped.members().iter().all(|m| m.is_founder()) {
        return Ok(ln_unrelated(ped, marker, &evidence));
    }
    let keep = relevant_members(ped, &evidence);
    let space = allele_space(marker, &evidence, &keep);
    let evidence: Vec<Evidence> = evidence.iter().map(|e| e.remap(&space.map)).collect();
    let net = build_network(ped, marker.chromosome(), &space, &evidence, &keep, cond.theta > 0.0);
    solve(net, &space, cond.theta, marker.name())
}

/// Unrelated members without theta: each is Hardy–Weinberg on their own.
fn ln_unrelated(ped: &Pedigree, marker: &Marker, evidence: &[Evidence]) -> f64 {
    let freqs = marker.freqs();
    let mut ln = 0.0;
    for (m, ev) in ped.members().iter().zip(evidence) {
        let hemizygous = marker.chromosome() == Chromosome::X && m.sex == Sex::Male;
        let p: f64 = match *ev {
            Evidence::Nothing => continue,
            Evidence::Exact { a, b } if a == b && marker.silent().is_none() => freqs[a] * freqs[a],
            Evidence::Exact { a, b } if a != b => 2.0 * freqs[a] * freqs[b],
            Evidence::Hemizygous(a) => freqs[a],
            _ => ev
                .candidates(freqs.len(), hemizygous, marker.silent(), freqs)
                .into_iter()
                .map(|g| {
                    let prior = if g.is_hemizygous() {
                        freqs[g.a]
                    } else if g.a == g.b {
                        freqs[g.a] * freqs[g.a]
                    } else {
                        2.0 * freqs[g.a] * freqs[g.b]
                    };
                    prior * ev.probability(g, marker.silent(), freqs)
                })
                .sum(),
        };
        if p == 0.0 {
            return f64::NEG_INFINITY;
        }
        ln += p.ln();
    }
    ln
}

fn build_network(
    ped: &Pedigree,
    chrom: Chromosome,
    space: &AlleleSpace,
    evidence: &[Evidence],
    keep: &[bool],
    theta: bool,
) -> Network {
    let n = space.freqs.len();
    let mut net = Network {
        dims: vec![],
        kinds: vec![],
        factors: vec![],
    };
    let mut nodes = vec![Node::Dropped; ped.len()];
    let mut kept_children = vec![0usize; ped.len()];
    for (i, m) in ped.members().iter().enumerate() {
        if keep[i] {
            for p in [m.father, m.mother].into_iter().flatten() {
                kept_children[p] += 1;
            }
        }
    }
    let hemizygous = |i: usize| chrom == Chromosome::X && ped.member(i).sex == Sex::Male;
    for &i in ped.topological_order() {
        if !keep[i] {
            continue;
        }
        let member = ped.member(i);
        let ev = &evidence[i];
        let genotypes = ev.candidates(n, hemizygous(i), space.silent, &space.freqs);
        match (member.father, member.mother) {
            (Some(f), Some(m)) => {
                let mut allowed = vec![false; n];
                for g in &genotypes {
                    allowed[g.a] = true;
                    if g.b != HEMI {
                        allowed[g.b] = true;
                    }
                }
                let values: Vec<usize> = (0..n).filter(|&a| allowed[a]).collect();
                let new_var = |net: &mut Network| {
                    net.dims.push(values.len());
                    net.kinds.push(VarKind::Allele(values.clone()));
                    net.dims.len() - 1
                };
                let pat = (!hemizygous(i)).then(|| new_var(&mut net));
                let mat = new_var(&mut net);
                if let Some(pat) = pat {
                    add_transmission(&mut net, nodes[f], pat, &space.male, &space.freqs);
                }
                add_transmission(&mut net, nodes[m], mat, &space.female, &space.freqs);
                if !ev.is_nothing() {
                    let table = match pat {
                        Some(pat) => {
                            let mut data = Vec::with_capacity(values.len() * values.len());
                            for &x in &values {
                                for &y in &values {
                                    data.push(ev.probability(Genotype::pair(x, y), space.silent, &space.freqs));
                                }
                            }
                            Factor {
                                scope: vec![pat, mat],
                                data,
                            }
                        }
                        None => Factor {
                            scope: vec![mat],
                            data: values
                                .iter()
                                .map(|&x| ev.probability(Genotype::hemizygous(x), space.silent, &space.freqs))
                                .collect(),
                        },
                    };
                    net.factors.push(table);
                }
                nodes[i] = Node::NonFounder(pat, mat);
            }
            _ if !theta && ev.is_nothing() && kept_children[i] == 1 => {
                // An untyped founder with one child only passes on an allele drawn from p·M.
                nodes[i] = Node::FreeFounder;
            }
            _ => {
                let var = net.dims.len();
                let data: Vec<f64> = genotypes
                    .iter()
                    .map(|&g| {
                        let obs = ev.probability(g, space.silent, &space.freqs);
                        let order = if !g.is_hemizygous() && g.a != g.b { 2.0 } else { 1.0 };
                        let prior = if theta {
                            1.0
                        } else if g.is_hemizygous() {
                            space.freqs[g.a]
                        } else {
                            space.freqs[g.a] * space.freqs[g.b]
                        };
                        obs * order * prior
                    })
                    .collect();
                if !theta && kept_children[i] == 0 {
                    // A founder with no kept children contributes a constant.
                    net.factors.push(Factor { scope: vec![], data: vec![data.iter().sum()] });
                    continue;
                }
                net.dims.push(genotypes.len());
                net.kinds.push(VarKind::Founder(genotypes));
                net.factors.push(Factor { scope: vec![var], data });
                nodes[i] = Node::Founder(var);
            }
        }
    }
    net
}

/// Adds P(child allele variable `child` | parent) through matrix `mm`.
fn add_transmission(net: &mut Network, parent: Node, child: usize, mm: &MutationMatrix, freqs: &[f64]) {
    let child_values = match &net.kinds[child] {
        VarKind::Allele(v) => v.clone(),
        VarKind::Founder(_) => unreachable!("a child variable is an allele"),
    };
    let factor = match parent {
        Node::Founder(g) => {
            let VarKind::Founder(genos) = &net.kinds[g] else {
                unreachable!()
            };
            let mut data = Vec::with_capacity(genos.len() * child_values.len());
            for geno in genos {
                for &c in &child_values {
                    data.push(if geno.is_hemizygous() {
                        mm.get(geno.a, c)
                    } else {
                        0.5 * (mm.get(geno.a, c) + mm.get(geno.b, c))
                    });
                }
            }
            Factor {
                scope: vec![g, child],
                data,
            }
        }
        Node::NonFounder(Some(pat), mat) => {
            let (VarKind::Allele(pv), VarKind::Allele(mv)) = (&net.kinds[pat], &net.kinds[mat]) else {
                unreachable!()
            };
            let mut data = Vec::with_capacity(pv.len() * mv.len() * child_values.len());
            for &x in pv {
                for &y in mv {
                    for &c in &child_values {
                        data.push(0.5 * (mm.get(x, c) + mm.get(y, c)));
                    }
                }
            }
            Factor {
                scope: vec![pat, mat, child],
                data,
            }
        }
        Node::NonFounder(None, mat) => {
            let VarKind::Allele(mv) = &net.kinds[mat] else {
                unreachable!()
            };
            let mut data = Vec::with_capacity(mv.len() * child_values.len());
            for &y in mv {
                for &c in &child_values {
                    data.push(mm.get(y, c));
                }
            }
            Factor {
                scope: vec![mat, child],
                data,
            }
        }
        Node::FreeFounder => Factor {
            scope: vec![child],
            data: child_values.iter().map(|&c| freqs.iter().enumerate().map(|(a, p)| p * mm.get(a, c)).sum()).collect(),
        },
        Node::Dropped => unreachable!("parents of kept members are kept"),
    };
    net.factors.push(factor);
}

fn solve(mut net: Network, space: &AlleleSpace, theta: f64, marker: &str) -> Result<f64, LikelihoodError> {
    let nvars = net.dims.len();
    let mut ln_scale = 0.0;
    let mut alive = vec![true; nvars];
    let founder: Vec<bool> = net.kinds.iter().map(|k| matches!(k, VarKind::Founder(_))).collect();
    // Under theta the founders are summed last, jointly.
    let eliminable = |v: usize| !(theta > 0.0 && founder[v]);
    let mut stamp = vec![0u32; nvars];
    let mut generation = 0u32;
    loop {
        let mut best: Option<(usize, usize)> = None;
        for v in (0..nvars).filter(|&v| alive[v] && eliminable(v)) {
            generation += 1;
            let cells = elimination_cells(&net, v, &mut stamp, generation);
            if best.is_none_or(|(_, c)| cells < c) {
                best = Some((v, cells));
            }
        }
        let Some((v, cells)) = best else {
            break;
        };
        if cells > MAX_TABLE {
            return Err(LikelihoodError::TooComplex {
                marker: marker.to_owned(),
                cells,
            });
        }
        alive[v] = false;
        match eliminate(&mut net, v) {
            Some(s) => ln_scale += s,
            None => return Ok(f64::NEG_INFINITY),
        }
    }
    // Constants left over, and under theta the founder factors.
    let (constants, rest): (Vec<Factor>, Vec<Factor>) = net.factors.drain(..).partition(|f| f.scope.is_empty());
    for c in constants {
        let x = c.data[0];
        if x == 0.0 {
            return Ok(f64::NEG_INFINITY);
        }
        ln_scale += x.ln();
    }
    if rest.is_empty() {
        return Ok(ln_scale);
    }
    debug_assert!(theta > 0.0);
    let founders: Vec<usize> = (0..nvars).filter(|&v| alive[v]).collect();
    Ok(ln_scale + ln_theta_sum(&net, &founders, &rest, space, theta, marker)?)
}

/// Cells of the table visited when eliminating `v`: the product of the domains of its neighbours and itself.
///
/// `stamp` marks the variables already counted in this call with `generation`.
fn elimination_cells(net: &Network, v: usize, stamp: &mut [u32], generation: u32) -> usize {
    let mut cells = 1usize;
    for f in net.factors.iter().filter(|f| f.scope.contains(&v)) {
        for &u in &f.scope {
            if stamp[u] != generation {
                stamp[u] = generation;
                cells = cells.saturating_mul(net.dims[u]);
            }
        }
    }
    cells
}

/// Multiplies the factors that mention `v` and sums `v` out. Returns the log of the scale taken
/// out of the new factor, or `None` if the new factor is all zero.
fn eliminate(net: &mut Network, v: usize) -> Option<f64> {
    let mut touching: Vec<Factor> = Vec::new();
    let mut k = 0;
    while k < net.factors.len() {
        if net.factors[k].scope.contains(&v) {
            touching.push(net.factors.swap_remove(k));
        } else {
            k += 1;
        }
    }
    let mut outer: Vec<usize> = touching.iter().flat_map(|f| f.scope.iter().copied()).filter(|&u| u != v).collect();
    outer.sort_unstable();
    outer.dedup();
    let dims = &net.dims;
    let nf = touching.len();
    // stride[pos * nf + f]: how far factor f's index moves when outer variable `pos` steps by one.
    let mut stride = vec![0usize; (outer.len() + 1) * nf];
    for (f, factor) in touching.iter().enumerate() {
        let mut acc = 1;
        for &u in factor.scope.iter().rev() {
            let pos = if u == v { outer.len() } else { outer.binary_search(&u).expect("outer holds every variable") };
            stride[pos * nf + f] = acc;
            acc *= dims[u];
        }
    }
    let (outer_stride, v_stride) = stride.split_at(outer.len() * nf);
    let dv = dims[v];
    let total: usize = outer.iter().map(|&u| dims[u]).product();
    let mut out = vec![0.0; total];
    let mut offsets = vec![0usize; nf];
    let mut counters = vec![0usize; outer.len()];
    let mut max = 0.0f64;
    for cell in out.iter_mut() {
        let mut sum = 0.0;
        for k in 0..dv {
            let mut prod = 1.0;
            for f in 0..nf {
                prod *= touching[f].data[offsets[f] + k * v_stride[f]];
            }
            sum += prod;
        }
        *cell = sum;
        max = max.max(sum);
        // Advance the odometer over the outer variables, last fastest.
        let mut pos = outer.len();
        while pos > 0 {
            pos -= 1;
            counters[pos] += 1;
            let row = &outer_stride[pos * nf..(pos + 1) * nf];
            for f in 0..nf {
                offsets[f] += row[f];
            }
            if counters[pos] < dims[outer[pos]] {
                break;
            }
            for f in 0..nf {
                offsets[f] -= dims[outer[pos]] * row[f];
            }
            counters[pos] = 0;
        }
    }
    if max == 0.0 {
        return None;
    }
    if max != 1.0 {
        let inv = 1.0 / max;
        out.iter_mut().for_each(|x| *x *= inv);
    }
    net.factors.push(Factor { scope: outer, data: out });
    Some(max.ln())
}

/// ln Σ over founder genotypes of Π factors × P(founder alleles as one Balding–Nichols sequence).
fn ln_theta_sum(
    net: &Network,
    founders: &[usize],
    factors: &[Factor],
    space: &AlleleSpace,
    theta: f64,
    marker: &str,
) -> Result<f64, LikelihoodError> {
    let n = space.freqs.len();
    let genos = |v: usize| match &net.kinds[v] {
        VarKind::Founder(g) => g,
        VarKind::Allele(_) => unreachable!("only founders are left"),
    };
    // Counts of the founders whose genotype is fixed, and the total number of founder alleles.
    let mut base = vec![0usize; n];
    let mut total_alleles = 0usize;
    let mut varying = Vec::new();
    for &v in founders {
        let g = genos(v);
        let copies = if g[0].is_hemizygous() { 1 } else { 2 };
        total_alleles += copies;
        if g.len() == 1 {
            base[g[0].a] += 1;
            if copies == 2 {
                base[g[0].b] += 1;
            }
        } else {
            varying.push(v);
        }
    }
    let term = |i: usize, a: usize| i as f64 * theta + (1.0 - theta) * space.freqs[a];
    let mut ln_const = 0.0;
    for (a, &c) in base.iter().enumerate() {
        ln_const += (0..c).map(|i| term(i, a).ln()).sum::<f64>();
    }
    ln_const -= (0..total_alleles)
        .map(|m| ((1.0 - theta) + m as f64 * theta).ln())
        .sum::<f64>();
    // ratio[a][k]: the factor for k more copies of allele a on top of the fixed ones.
    let max_extra = 2 * varying.len();
    let ratio: Vec<Vec<f64>> = (0..n)
        .map(|a| {
            let mut r = Vec::with_capacity(max_extra + 1);
            let mut acc = 1.0;
            r.push(acc);
            for k in 0..max_extra {
                acc *= term(base[a] + k, a);
                r.push(acc);
            }
            r
        })
        .collect();
    let combos = varying.iter().fold(1usize, |acc, &v| acc.saturating_mul(net.dims[v]));
    if combos > MAX_THETA_COMBINATIONS {
        return Err(LikelihoodError::TooComplex {
            marker: marker.to_owned(),
            cells: combos,
        });
    }
    // Odometer over the varying founders; fixed founders have a single value, offset 0.
    let dims = &net.dims;
    let nf = factors.len();
    let strides: Vec<Vec<usize>> = factors.iter().map(|f| f.strides(dims)).collect();
    let pos_strides: Vec<Vec<usize>> = varying
        .iter()
        .map(|&u| {
            (0..nf)
                .map(|f| {
                    factors[f]
                        .scope
                        .iter()
                        .position(|&x| x == u)
                        .map_or(0, |k| strides[f][k])
                })
                .collect()
        })
        .collect();
    let var_dims: Vec<usize> = varying.iter().map(|&u| dims[u]).collect();
    let var_genos: Vec<&Vec<Genotype>> = varying.iter().map(|&u| genos(u)).collect();
    let mut offsets = vec![0usize; nf];
    let mut counters = vec![0usize; varying.len()];
    let mut extra = vec![0usize; n];
    let mut touched: Vec<usize> = Vec::with_capacity(max_extra);
    let mut sum = 0.0;
    for _ in 0..combos {
        let mut prod = 1.0;
        for f in 0..nf {
            prod *= factors[f].data[offsets[f]];
        }
        if prod != 0.0 {
            for (p, &c) in counters.iter().enumerate() {
                let g = var_genos[p][c];
                for a in [g.a, g.b] {
                    if a != HEMI {
                        if extra[a] == 0 {
                            touched.push(a);
                        }
                        extra[a] += 1;
                    }
                }
            }
            let mut w = 1.0;
            for &a in &touched {
                w *= ratio[a][extra[a]];
                extra[a] = 0;
            }
            touched.clear();
            sum += prod * w;
        }
        let mut pos = varying.len();
        while pos > 0 {
            pos -= 1;
            counters[pos] += 1;
            for f in 0..nf {
                offsets[f] += pos_strides[pos][f];
            }
            if counters[pos] < var_dims[pos] {
                break;
            }
            for f in 0..nf {
                offsets[f] -= var_dims[pos] * pos_strides[pos][f];
            }
            counters[pos] = 0;
        }
    }
    Ok(if sum > 0.0 {
        sum.ln() + ln_const
    } else {
        f64::NEG_INFINITY
    })
}
