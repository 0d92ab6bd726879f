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

use crate::evidence::{Evidence, EvidenceContext, Genotype, HEMI};
use crate::marker::{Chromosome, Marker};
use crate::mutation::{MutationMatrix, MutationModel};
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
    let mut out = Vec::with_capacity(ped.len());
    read_evidence_into(ped, marker, typings, cond, &mut out)?;
    Ok(out)
}

fn read_evidence_into(
    ped: &Pedigree,
    marker: &Marker,
    typings: &[Typing],
    cond: &Conditions,
    out: &mut Vec<Evidence>,
) -> Result<(), LikelihoodError> {
    out.clear();
    check_conditions(cond)?;
    if typings.len() != ped.len() {
        return Err(LikelihoodError::TypingCount {
            marker: marker.name().to_owned(),
            typings: typings.len(),
            members: ped.len(),
        });
    }
    for (m, &t) in ped.members().iter().zip(typings) {
        let ev = {
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
            Evidence::read(t, &ctx, cond.dropout_of(&m.id), cond.dropin)?
        };
        out.push(ev);
    }
    Ok(())
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

/// X markers need every member's sex: a male has one allele, a female two.
pub(crate) fn check_sexes_at_x(ped: &Pedigree, marker: &Marker) -> Result<(), LikelihoodError> {
    if marker.chromosome() == Chromosome::X {
        if let Some(m) = ped.members().iter().find(|m| m.sex == Sex::Unknown) {
            return Err(LikelihoodError::UnknownSexOnX {
                marker: marker.name().to_owned(),
                member: m.id.clone(),
            });
        }
    }
    Ok(())
}

/// Members that matter: the typed and their ancestors. The rest sum out to 1.
fn relevant_members(ped: &Pedigree, evidence: &[Evidence], keep: &mut Vec<bool>) {
    keep.clear();
    keep.extend(evidence.iter().map(|e| !e.is_nothing()));
    for &i in ped.topological_order().iter().rev() {
        if keep[i] {
            let m = ped.member(i);
            for p in [m.father, m.mother].into_iter().flatten() {
                keep[p] = true;
            }
        }
    }
}

/// The allele space of one computation: the marker's own, or with unseen alleles merged.
#[derive(Clone, Copy)]
struct Space<'a> {
    freqs: &'a [f64],
    female: &'a MutationMatrix,
    male: &'a MutationMatrix,
    silent: Option<usize>,
}

/// Buffers for merging the alleles nobody shows into one.
#[derive(Debug, Default)]
struct Lumping {
    seen: Vec<bool>,
    kept: Vec<usize>,
    unseen: Vec<usize>,
    map: Vec<usize>,
    freqs: Vec<f64>,
    female: MutationMatrix,
    male: MutationMatrix,
    active: bool,
    silent: Option<usize>,
}

impl Lumping {
    /// Decides whether to lump at this marker and, if so, rewrites `evidence` into the lumped space.
    fn prepare(&mut self, marker: &Marker, evidence: &mut [Evidence], keep: &[bool]) {
        let n = marker.alleles().len();
        self.seen.clear();
        self.seen.resize(n, false);
        for (e, _) in evidence.iter().zip(keep).filter(|(_, &k)| k) {
            for a in e.alleles() {
                self.seen[a] = true;
            }
        }
        if let Some(s) = marker.silent() {
            self.seen[s] = true;
        }
        self.unseen.clear();
        self.unseen.extend((0..n).filter(|&a| !self.seen[a]));
        let lumpable = marker.female_matrix().is_lumpable() && marker.male_matrix().is_lumpable();
        self.active = lumpable && self.unseen.len() >= 2;
        if !self.active {
            return;
        }
        self.kept.clear();
        self.kept.extend((0..n).filter(|&a| self.seen[a]));
        self.map.clear();
        self.map.resize(n, self.kept.len());
        for (new, &old) in self.kept.iter().enumerate() {
            self.map[old] = new;
        }
        let f = marker.freqs();
        self.freqs.clear();
        self.freqs.extend(self.kept.iter().map(|&a| f[a]));
        self.freqs.push(self.unseen.iter().map(|&a| f[a]).sum());
        marker
            .female_matrix()
            .lump_into(&self.kept, &self.unseen, &mut self.female);
        marker.male_matrix().lump_into(&self.kept, &self.unseen, &mut self.male);
        self.silent = marker.silent().map(|s| self.map[s]);
        for e in evidence.iter_mut() {
            *e = e.remap(&self.map);
        }
    }

    fn space<'a>(&'a self, marker: &'a Marker) -> Space<'a> {
        if self.active {
            Space {
                freqs: &self.freqs,
                female: &self.female,
                male: &self.male,
                silent: self.silent,
            }
        } else {
            Space {
                freqs: marker.freqs(),
                female: marker.female_matrix(),
                male: marker.male_matrix(),
                silent: marker.silent(),
            }
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Factor {
    /// Variable ids; the last varies fastest in `data`.
    scope: Vec<usize>,
    data: Vec<f64>,
}

/// What the network is built for.
#[derive(Debug, Clone, Copy)]
struct BuildMode {
    /// Founders stay as genotype variables, to be summed jointly under theta.
    theta: bool,
    /// A member whose genotype variables are kept to the end (genotype tables).
    query: Option<usize>,
}

/// How a member is represented: a founder genotype variable, or allele variables.
#[derive(Debug, Clone, Copy)]
enum Node {
    Dropped,
    Founder(usize),
    /// (paternal allele var, maternal allele var); no paternal for males at X markers.
    NonFounder(Option<usize>, usize),
    /// An untyped founder with a single child, summed out in advance (no theta).
    FreeFounder,
}

/// The network of one computation and the buffers of its elimination, kept between calls so that
/// a run over many markers allocates little.
#[derive(Debug, Default)]
struct Network {
    dims: Vec<usize>,
    /// True for founder genotype variables, false for non-founder allele variables.
    founder: Vec<bool>,
    /// Start of each variable's domain in `genotypes` (founders) or `alleles` (non-founders).
    domain: Vec<usize>,
    genotypes: Vec<Genotype>,
    alleles: Vec<usize>,
    factors: Vec<Factor>,
    /// Spent factors whose buffers can be reused.
    pool: Vec<Factor>,
    touching: Vec<Factor>,
    nodes: Vec<Node>,
    kept_children: Vec<usize>,
    candidates: Vec<Genotype>,
    alive: Vec<bool>,
    stamp: Vec<u32>,
    stride: Vec<usize>,
    offsets: Vec<usize>,
    counters: Vec<usize>,
}

/// A likelihood engine with buffers reused across calls. Results do not depend on what it
/// computed before.
#[derive(Debug, Default)]
pub struct Engine {
    evidence: Vec<Evidence>,
    keep: Vec<bool>,
    lumping: Lumping,
    network: Network,
}

/// ln P(typings | pedigree) at one marker.
pub fn ln_likelihood(
    ped: &Pedigree,
    marker: &Marker,
    typings: &[Typing],
    cond: &Conditions,
) -> Result<f64, LikelihoodError> {
    Engine::default().ln_likelihood(ped, marker, typings, cond)
}

impl Engine {
    pub fn new() -> Self {
        Engine::default()
    }

    /// Builds the network over the members kept and their evidence, in the marker's allele space as
    /// the lumping left it; the network and that space, to solve in.
    fn build_network<'a>(
        &'a mut self,
        ped: &Pedigree,
        marker: &'a Marker,
        mode: BuildMode,
    ) -> (&'a mut Network, Space<'a>) {
        let space = self.lumping.space(marker);
        self.network
            .build(ped, marker.chromosome(), space, &self.evidence, &self.keep, mode);
        (&mut self.network, space)
    }

    /// ln P(typings | pedigree) at one marker; −∞ when the typings are impossible.
    pub fn ln_likelihood(
        &mut self,
        ped: &Pedigree,
        marker: &Marker,
        typings: &[Typing],
        cond: &Conditions,
    ) -> Result<f64, LikelihoodError> {
        read_evidence_into(ped, marker, typings, cond, &mut self.evidence)?;
        check_sexes_at_x(ped, marker)?;
        if cond.theta == 0.0 && ped.members().iter().all(|m| m.is_founder()) {
            return Ok(ln_unrelated(ped, marker, &self.evidence));
        }
        relevant_members(ped, &self.evidence, &mut self.keep);
        self.lumping.prepare(marker, &mut self.evidence, &self.keep);
        let (net, space) = self.build_network(
            ped,
            marker,
            BuildMode {
                theta: cond.theta > 0.0,
                query: None,
            },
        );
        net.solve(space, cond.theta, marker.name())
    }

    /// P(all typings, `member` has genotype g) for every genotype g of the marker.
    ///
    /// This is the table that screening is built on: divided by its sum it is the distribution
    /// of the member's genotype given everyone else's typings. Works in the marker's full allele
    /// space (no lumping), since the genotypes asked about may carry any allele. Theta is not
    /// supported here: under theta the member's alleles are not separable from the founders'.
    pub fn genotype_table(
        &mut self,
        ped: &Pedigree,
        marker: &Marker,
        typings: &[Typing],
        cond: &Conditions,
        member: usize,
    ) -> Result<GenotypeTable, LikelihoodError> {
        if cond.theta > 0.0 {
            return Err(LikelihoodError::Unsupported {
                what: "genotype tables under theta".to_owned(),
            });
        }
        read_evidence_into(ped, marker, typings, cond, &mut self.evidence)?;
        let hemizygous = marker.chromosome() == Chromosome::X && ped.member(member).sex == Sex::Male;
        check_sexes_at_x(ped, marker)?;
        relevant_members(ped, &self.evidence, &mut self.keep);
        // The member and its ancestors stay even when nobody below it is typed.
        let mut stack = vec![member];
        while let Some(i) = stack.pop() {
            if !self.keep[i] || i == member {
                self.keep[i] = true;
                let m = ped.member(i);
                stack.extend([m.father, m.mother].into_iter().flatten());
            }
        }
        let n = marker.alleles().len();
        // Alleles nobody shows can be merged and split again afterwards when every such allele
        // reaches the member as an independent draw from p: under parent-independent mutation
        // (none, or proportional) and when the member's two alleles cannot be copies of one
        // ancestral allele (the member is not inbred).
        let parent_independent =
            |m: &MutationModel| matches!(m, MutationModel::Trivial | MutationModel::Proportional { .. });
        if parent_independent(marker.female_model())
            && parent_independent(marker.male_model())
            && !is_inbred(ped, member)
        {
            self.lumping.prepare(marker, &mut self.evidence, &self.keep);
        } else {
            self.lumping.active = false;
        }
        let (net, space) = self.build_network(
            ped,
            marker,
            BuildMode {
                theta: false,
                query: Some(member),
            },
        );
        let (ln_scale, lumped) = net.solve_query(member, space.freqs.len(), hemizygous, marker.name())?;
        let values = if self.lumping.active {
            self.lumping.split(marker, &lumped, hemizygous)
        } else {
            lumped
        };
        Ok(GenotypeTable {
            n,
            hemizygous,
            ln_scale,
            values,
        })
    }
}

/// Whether the member's parents are related, so that its two alleles may be copies of one.
fn is_inbred(ped: &Pedigree, member: usize) -> bool {
    let m = ped.member(member);
    let (Some(f), Some(mo)) = (m.father, m.mother) else {
        return false;
    };
    let ancestors = |start: usize| {
        let mut seen = vec![false; ped.len()];
        let mut stack = vec![start];
        while let Some(i) = stack.pop() {
            if !seen[i] {
                seen[i] = true;
                let x = ped.member(i);
                stack.extend([x.father, x.mother].into_iter().flatten());
            }
        }
        seen
    };
    let (a, b) = (ancestors(f), ancestors(mo));
    a.iter().zip(&b).any(|(&x, &y)| x && y)
}

impl Lumping {
    /// Spreads a genotype table over merged alleles back over the marker's own alleles: the lump's
    /// share goes to its members in proportion to their frequencies.
    fn split(&self, marker: &Marker, lumped: &[f64], hemizygous: bool) -> Vec<f64> {
        let n = marker.alleles().len();
        let nl = self.kept.len() + 1;
        let lump = self.kept.len();
        let p = marker.freqs();
        let p_lump = self.freqs[lump];
        let lindex = |a: usize, b: usize| {
            let (a, b) = (a.min(b), a.max(b));
            a * nl - a * (a + 1) / 2 + b
        };
        if hemizygous {
            return (0..n)
                .map(|a| {
                    if self.map[a] == lump {
                        lumped[lump] * p[a] / p_lump
                    } else {
                        lumped[self.map[a]]
                    }
                })
                .collect();
        }
        let mut out = Vec::with_capacity(n * (n + 1) / 2);
        for a in 0..n {
            for b in a..n {
                let (la, lb) = (self.map[a], self.map[b]);
                out.push(match (la == lump, lb == lump) {
                    (false, false) => lumped[lindex(la, lb)],
                    (true, false) => lumped[lindex(lump, lb)] * p[a] / p_lump,
                    (false, true) => lumped[lindex(la, lump)] * p[b] / p_lump,
                    (true, true) => {
                        let share = if a == b { p[a] * p[a] } else { 2.0 * p[a] * p[b] };
                        lumped[lindex(lump, lump)] * share / (p_lump * p_lump)
                    }
                });
            }
        }
        out
    }
}

/// P(typings, member = g) for every genotype g, as `exp(ln_scale) * values[index(g)]`.
#[derive(Debug, Clone, PartialEq)]
pub struct GenotypeTable {
    n: usize,
    hemizygous: bool,
    ln_scale: f64,
    values: Vec<f64>,
}

impl GenotypeTable {
    /// Index of genotype {a, b} (or allele a for a hemizygous member) in `values`.
    pub fn index(&self, a: usize, b: usize) -> usize {
        if self.hemizygous {
            a
        } else {
            let (a, b) = (a.min(b), a.max(b));
            // Genotypes are listed (0,0), (0,1), …, (0,n-1), (1,1), …
            a * self.n - a * (a + 1) / 2 + b
        }
    }
    /// Number of alleles of the marker.
    pub fn alleles(&self) -> usize {
        self.n
    }
    pub fn is_hemizygous(&self) -> bool {
        self.hemizygous
    }
    /// The natural log of the common factor of all values.
    pub fn ln_scale(&self) -> f64 {
        self.ln_scale
    }
    /// Scaled joint probabilities, in the order of [`Self::index`].
    pub fn values(&self) -> &[f64] {
        &self.values
    }
    /// ln P(typings), the sum over the member's genotypes.
    pub fn ln_total(&self) -> f64 {
        let s: f64 = self.values.iter().sum();
        if s > 0.0 {
            self.ln_scale + s.ln()
        } else {
            f64::NEG_INFINITY
        }
    }
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

impl Network {
    fn clear(&mut self) {
        self.dims.clear();
        self.founder.clear();
        self.domain.clear();
        self.genotypes.clear();
        self.alleles.clear();
        let spent = std::mem::take(&mut self.factors);
        self.pool.extend(spent);
    }

    fn new_factor(&mut self, scope: &[usize]) -> Factor {
        let mut f = self.pool.pop().unwrap_or_default();
        f.scope.clear();
        f.scope.extend_from_slice(scope);
        f.data.clear();
        f
    }

    fn founder_domain(&self, v: usize) -> &[Genotype] {
        &self.genotypes[self.domain[v]..self.domain[v] + self.dims[v]]
    }

    fn allele_domain(&self, v: usize) -> &[usize] {
        &self.alleles[self.domain[v]..self.domain[v] + self.dims[v]]
    }

    fn build(
        &mut self,
        ped: &Pedigree,
        chrom: Chromosome,
        space: Space<'_>,
        evidence: &[Evidence],
        keep: &[bool],
        mode: BuildMode,
    ) {
        let BuildMode { theta, query } = mode;
        self.clear();
        let n = space.freqs.len();
        self.nodes.clear();
        self.nodes.resize(ped.len(), Node::Dropped);
        self.kept_children.clear();
        self.kept_children.resize(ped.len(), 0);
        for (i, m) in ped.members().iter().enumerate() {
            if keep[i] {
                for p in [m.father, m.mother].into_iter().flatten() {
                    self.kept_children[p] += 1;
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
            let mut candidates = std::mem::take(&mut self.candidates);
            ev.candidates_into(n, hemizygous(i), space.silent, space.freqs, &mut candidates);
            match (member.father, member.mother) {
                (Some(f), Some(m)) => {
                    // Both allele variables take the alleles of the possible genotypes.
                    let start = self.alleles.len();
                    for a in 0..n {
                        if candidates.iter().any(|g| g.contains(a)) {
                            self.alleles.push(a);
                        }
                    }
                    let len = self.alleles.len() - start;
                    let new_var = |net: &mut Network| {
                        net.dims.push(len);
                        net.founder.push(false);
                        net.domain.push(start);
                        net.dims.len() - 1
                    };
                    let pat = (!hemizygous(i)).then(|| new_var(self));
                    let mat = new_var(self);
                    if let Some(pat) = pat {
                        self.add_transmission(self.nodes[f], pat, space.male, space.freqs);
                    }
                    self.add_transmission(self.nodes[m], mat, space.female, space.freqs);
                    if !ev.is_nothing() {
                        let factor = match pat {
                            Some(pat) => {
                                let mut factor = self.new_factor(&[pat, mat]);
                                let values = self.allele_domain(mat);
                                for &x in values {
                                    for &y in values {
                                        factor.data.push(ev.probability(
                                            Genotype::pair(x, y),
                                            space.silent,
                                            space.freqs,
                                        ));
                                    }
                                }
                                factor
                            }
                            None => {
                                let mut factor = self.new_factor(&[mat]);
                                for &x in self.allele_domain(mat) {
                                    factor.data.push(ev.probability(
                                        Genotype::hemizygous(x),
                                        space.silent,
                                        space.freqs,
                                    ));
                                }
                                factor
                            }
                        };
                        self.factors.push(factor);
                    }
                    self.nodes[i] = Node::NonFounder(pat, mat);
                }
                _ if !theta && ev.is_nothing() && self.kept_children[i] == 1 && query != Some(i) => {
                    // An untyped founder with one child only passes on an allele drawn from p·M.
                    self.nodes[i] = Node::FreeFounder;
                }
                _ => {
                    let weight = |g: Genotype| {
                        let obs = ev.probability(g, space.silent, space.freqs);
                        let order = if !g.is_hemizygous() && g.a != g.b { 2.0 } else { 1.0 };
                        let prior = if theta {
                            1.0
                        } else if g.is_hemizygous() {
                            space.freqs[g.a]
                        } else {
                            space.freqs[g.a] * space.freqs[g.b]
                        };
                        obs * order * prior
                    };
                    if !theta && self.kept_children[i] == 0 && query != Some(i) {
                        // A founder with no kept children contributes a constant.
                        let mut factor = self.new_factor(&[]);
                        factor.data.push(candidates.iter().map(|&g| weight(g)).sum());
                        self.factors.push(factor);
                    } else {
                        let var = self.dims.len();
                        self.dims.push(candidates.len());
                        self.founder.push(true);
                        self.domain.push(self.genotypes.len());
                        self.genotypes.extend_from_slice(&candidates);
                        let mut factor = self.new_factor(&[var]);
                        factor.data.extend(candidates.iter().map(|&g| weight(g)));
                        self.factors.push(factor);
                        self.nodes[i] = Node::Founder(var);
                    }
                }
            }
            self.candidates = candidates;
        }
    }

    /// Adds P(child allele variable `child` | parent) through matrix `mm`.
    fn add_transmission(&mut self, parent: Node, child: usize, mm: &MutationMatrix, freqs: &[f64]) {
        let mut factor;
        let child_values = self.allele_domain(child);
        match parent {
            Node::Founder(g) => {
                factor = self.new_factor(&[g, child]);
                let child_values = self.allele_domain(child);
                for geno in self.founder_domain(g) {
                    for &c in child_values {
                        factor.data.push(if geno.is_hemizygous() {
                            mm.get(geno.a, c)
                        } else {
                            0.5 * (mm.get(geno.a, c) + mm.get(geno.b, c))
                        });
                    }
                }
            }
            Node::NonFounder(Some(pat), mat) => {
                let _ = child_values;
                factor = self.new_factor(&[pat, mat, child]);
                let child_values = self.allele_domain(child);
                for &x in self.allele_domain(pat) {
                    for &y in self.allele_domain(mat) {
                        for &c in child_values {
                            factor.data.push(0.5 * (mm.get(x, c) + mm.get(y, c)));
                        }
                    }
                }
            }
            Node::NonFounder(None, mat) => {
                factor = self.new_factor(&[mat, child]);
                let child_values = self.allele_domain(child);
                for &y in self.allele_domain(mat) {
                    for &c in child_values {
                        factor.data.push(mm.get(y, c));
                    }
                }
            }
            Node::FreeFounder => {
                factor = self.new_factor(&[child]);
                let child_values = self.allele_domain(child);
                for &c in child_values {
                    factor
                        .data
                        .push(freqs.iter().enumerate().map(|(a, p)| p * mm.get(a, c)).sum());
                }
            }
            Node::Dropped => unreachable!("parents of kept members are kept"),
        }
        self.factors.push(factor);
    }

    fn solve(&mut self, space: Space<'_>, theta: f64, marker: &str) -> Result<f64, LikelihoodError> {
        let nvars = self.dims.len();
        // Under theta the founders are summed last, jointly.
        let founder = std::mem::take(&mut self.founder);
        let eliminated = self.eliminate_all(|v| theta > 0.0 && founder[v], marker);
        self.founder = founder;
        let Some(mut ln_scale) = eliminated? else {
            return Ok(f64::NEG_INFINITY);
        };
        // Constants left over, and under theta the founder factors.
        let mut k = 0;
        while k < self.factors.len() {
            if self.factors[k].scope.is_empty() {
                let c = self.factors.swap_remove(k);
                let x = c.data[0];
                self.pool.push(c);
                if x == 0.0 {
                    return Ok(f64::NEG_INFINITY);
                }
                ln_scale += x.ln();
            } else {
                k += 1;
            }
        }
        if self.factors.is_empty() {
            return Ok(ln_scale);
        }
        debug_assert!(theta > 0.0);
        let founders: Vec<usize> = (0..nvars).filter(|&v| self.alive[v]).collect();
        Ok(ln_scale + ln_theta_sum(self, &founders, space, theta, marker)?)
    }

    /// Eliminates every variable but the query member's and returns ln scale and the table of
    /// P(data, member = g) over its genotypes (`n` alleles).
    fn solve_query(
        &mut self,
        member: usize,
        n: usize,
        hemizygous: bool,
        marker: &str,
    ) -> Result<(f64, Vec<f64>), LikelihoodError> {
        let (keep_a, keep_b) = match self.nodes[member] {
            Node::Founder(v) => (v, None),
            Node::NonFounder(Some(p), m) => (p, Some(m)),
            Node::NonFounder(None, m) => (m, None),
            Node::Dropped | Node::FreeFounder => unreachable!("the query member has variables"),
        };
        let size = if hemizygous { n } else { n * (n + 1) / 2 };
        let Some(ln_scale) = self.eliminate_all(|v| v == keep_a || Some(v) == keep_b, marker)? else {
            return Ok((f64::NEG_INFINITY, vec![0.0; size]));
        };
        // What is left: constants and factors over the query variables.
        let mut table = vec![0.0; size];
        let index = |a: usize, b: usize| {
            if hemizygous {
                a
            } else {
                let (a, b) = (a.min(b), a.max(b));
                a * n - a * (a + 1) / 2 + b
            }
        };
        let value = |factors: &[Factor], assign: &[(usize, usize)]| -> f64 {
            let mut prod = 1.0;
            for f in factors {
                let mut idx = 0;
                for &u in &f.scope {
                    let pos = assign
                        .iter()
                        .find(|(var, _)| *var == u)
                        .map(|&(_, k)| k)
                        .expect("query scope");
                    idx = idx * self.dims[u] + pos;
                }
                prod *= f.data[idx];
            }
            prod
        };
        match (self.nodes[member], keep_b) {
            (Node::Founder(v), _) => {
                for (k, g) in self.founder_domain(v).iter().enumerate() {
                    table[index(g.a, if g.is_hemizygous() { g.a } else { g.b })] += value(&self.factors, &[(v, k)]);
                }
            }
            (_, Some(m)) => {
                for (kp, &x) in self.allele_domain(keep_a).iter().enumerate() {
                    for (km, &y) in self.allele_domain(m).iter().enumerate() {
                        table[index(x, y)] += value(&self.factors, &[(keep_a, kp), (m, km)]);
                    }
                }
            }
            (_, None) => {
                for (k, &x) in self.allele_domain(keep_a).iter().enumerate() {
                    table[index(x, x)] += value(&self.factors, &[(keep_a, k)]);
                }
            }
        }
        Ok((ln_scale, table))
    }

    /// Eliminates every variable that `keep` does not hold back, smallest table first. Returns the
    /// log of the scale taken out, or `None` when the data are impossible.
    fn eliminate_all(&mut self, keep: impl Fn(usize) -> bool, marker: &str) -> Result<Option<f64>, LikelihoodError> {
        let nvars = self.dims.len();
        let mut ln_scale = 0.0;
        self.alive.clear();
        self.alive.resize(nvars, true);
        self.stamp.clear();
        self.stamp.resize(nvars, 0);
        let mut generation = 0u32;
        loop {
            let mut best: Option<(usize, usize)> = None;
            for v in 0..nvars {
                if !self.alive[v] || keep(v) {
                    continue;
                }
                generation += 1;
                let cells = self.elimination_cells(v, generation);
                if best.is_none_or(|(_, c)| cells < c) {
                    best = Some((v, cells));
                }
            }
            let Some((v, cells)) = best else {
                return Ok(Some(ln_scale));
            };
            if cells > MAX_TABLE {
                return Err(LikelihoodError::TooComplex {
                    marker: marker.to_owned(),
                    cells,
                });
            }
            self.alive[v] = false;
            match self.eliminate(v) {
                Some(x) => ln_scale += x,
                None => return Ok(None),
            }
        }
    }

    /// Cells of the table visited when eliminating `v`: the product of the domains of its
    /// neighbours and itself. `stamp` marks the variables already counted with `generation`.
    fn elimination_cells(&mut self, v: usize, generation: u32) -> usize {
        let mut cells = 1usize;
        for f in self.factors.iter().filter(|f| f.scope.contains(&v)) {
            for &u in &f.scope {
                if self.stamp[u] != generation {
                    self.stamp[u] = generation;
                    cells = cells.saturating_mul(self.dims[u]);
                }
            }
        }
        cells
    }

    /// Multiplies the factors that mention `v` and sums `v` out. Returns the log of the scale
    /// taken out of the new factor, or `None` if the new factor is all zero.
    fn eliminate(&mut self, v: usize) -> Option<f64> {
        let mut touching = std::mem::take(&mut self.touching);
        touching.clear();
        let mut k = 0;
        while k < self.factors.len() {
            if self.factors[k].scope.contains(&v) {
                touching.push(self.factors.swap_remove(k));
            } else {
                k += 1;
            }
        }
        let mut result = self.pool.pop().unwrap_or_default();
        let outer = &mut result.scope;
        outer.clear();
        outer.extend(
            touching
                .iter()
                .flat_map(|f| f.scope.iter().copied())
                .filter(|&u| u != v),
        );
        outer.sort_unstable();
        outer.dedup();
        let dims = &self.dims;
        let nf = touching.len();
        // stride[pos * nf + f]: how far factor f's index moves when variable `pos` of the outer
        // scope (or `v`, at the end) steps by one.
        let stride = &mut self.stride;
        stride.clear();
        stride.resize((outer.len() + 1) * nf, 0);
        for (f, factor) in touching.iter().enumerate() {
            let mut acc = 1;
            for &u in factor.scope.iter().rev() {
                let pos = if u == v {
                    outer.len()
                } else {
                    outer.binary_search(&u).expect("outer holds every variable")
                };
                stride[pos * nf + f] = acc;
                acc *= dims[u];
            }
        }
        let (outer_stride, v_stride) = stride.split_at(outer.len() * nf);
        let dv = dims[v];
        let total: usize = outer.iter().map(|&u| dims[u]).product();
        let out = &mut result.data;
        out.clear();
        out.resize(total, 0.0);
        let offsets = &mut self.offsets;
        offsets.clear();
        offsets.resize(nf, 0);
        let counters = &mut self.counters;
        counters.clear();
        counters.resize(outer.len(), 0);
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
        self.pool.append(&mut touching);
        self.touching = touching;
        if max == 0.0 {
            self.pool.push(result);
            return None;
        }
        if max != 1.0 {
            let inv = 1.0 / max;
            out.iter_mut().for_each(|x| *x *= inv);
        }
        self.factors.push(result);
        Some(max.ln())
    }
}

/// ln Σ over founder genotypes of Π factors × P(founder alleles as one Balding–Nichols sequence).
fn ln_theta_sum(
    net: &Network,
    founders: &[usize],
    space: Space<'_>,
    theta: f64,
    marker: &str,
) -> Result<f64, LikelihoodError> {
    let n = space.freqs.len();
    let factors = &net.factors;
    let genos = |v: usize| net.founder_domain(v);
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
    let strides: Vec<Vec<usize>> = factors
        .iter()
        .map(|f| {
            let mut s = vec![0; f.scope.len()];
            let mut acc = 1;
            for k in (0..f.scope.len()).rev() {
                s[k] = acc;
                acc *= dims[f.scope[k]];
            }
            s
        })
        .collect();
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
    let var_genos: Vec<&[Genotype]> = varying.iter().map(|&u| genos(u)).collect();
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
