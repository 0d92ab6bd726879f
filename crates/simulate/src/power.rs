//! The power of a family's references: how surely they exclude an unrelated person, and how
//! large the likelihood ratio is when the person of interest (POI) is the missing person.
//!
//! Exact values enumerate genotypes; simulated ones draw the missing person and the references
//! still to be sampled jointly, conditional on what is already typed (genotype tables of the
//! engine, one member after another) or, where nothing is typed at a marker, by gene dropping.

use std::collections::HashMap;

use kinship::{Chromosome, Conditions, Engine, Marker, MemberSpec, Pedigree, Sex, Typing};

use crate::drop::GeneDropper;
use crate::genotype::Genotype;
use crate::parallel::map_runs;
use crate::rng::Rng;
use crate::SimulateError;

/// Default cap on the genotype configurations an exact computation enumerates per marker.
pub const DEFAULT_CONFIGURATION_LIMIT: usize = 200_000;

/// A family as planned: its pedigree, what is typed already, the missing person, and the
/// relatives whose samples are to be taken (untyped now, simulated).
#[derive(Debug, Clone, PartialEq)]
pub struct FamilyPlan {
    pedigree: Pedigree,
    typings: Vec<Vec<Typing>>,
    missing: usize,
    to_sample: Vec<usize>,
}

impl FamilyPlan {
    /// `typings[marker][member]` are the references' data (all untyped for planning before any
    /// sampling). The missing person and the members to sample must be untyped.
    pub fn new(
        pedigree: Pedigree,
        typings: Vec<Vec<Typing>>,
        missing: usize,
        to_sample: Vec<usize>,
    ) -> Result<FamilyPlan, SimulateError> {
        let plan_error = |problem: String| SimulateError::Plan { problem };
        if let Some(row) = typings.iter().position(|t| t.len() != pedigree.len()) {
            return Err(plan_error(format!(
                "marker {}: {} typings for a pedigree of {} members",
                row + 1,
                typings[row].len(),
                pedigree.len()
            )));
        }
        if missing >= pedigree.len() {
            return Err(plan_error(format!("missing person {missing} is not a member")));
        }
        let untyped = |i: usize| typings.iter().all(|t| !t[i].is_typed());
        let id = |i: usize| pedigree.member(i).id.clone();
        if !untyped(missing) {
            return Err(plan_error(format!("the missing person '{}' is typed", id(missing))));
        }
        for (n, &s) in to_sample.iter().enumerate() {
            if s >= pedigree.len() {
                return Err(plan_error(format!("member {s} to sample is not a member")));
            }
            if s == missing || to_sample[..n].contains(&s) {
                return Err(plan_error(format!(
                    "'{}' is listed twice among the missing person and the members to sample",
                    id(s)
                )));
            }
            if !untyped(s) {
                return Err(plan_error(format!("'{}' is to be sampled but is typed already", id(s))));
            }
        }
        Ok(FamilyPlan {
            pedigree,
            typings,
            missing,
            to_sample,
        })
    }

    /// The same plan with `member` also to be sampled.
    pub fn with_sample(&self, member: usize) -> Result<FamilyPlan, SimulateError> {
        let mut to_sample = self.to_sample.clone();
        to_sample.push(member);
        FamilyPlan::new(self.pedigree.clone(), self.typings.clone(), self.missing, to_sample)
    }

    pub fn pedigree(&self) -> &Pedigree {
        &self.pedigree
    }
    pub fn typings(&self) -> &[Vec<Typing>] {
        &self.typings
    }
    pub fn missing(&self) -> usize {
        self.missing
    }
    pub fn to_sample(&self) -> &[usize] {
        &self.to_sample
    }

    fn check_markers(&self, markers: &[Marker]) -> Result<(), SimulateError> {
        if self.typings.len() != markers.len() {
            return Err(SimulateError::Plan {
                problem: format!("{} rows of typings for {} markers", self.typings.len(), markers.len()),
            });
        }
        Ok(())
    }
}

/// Exclusion power: per marker, and over all markers (1 − Π (1 − e_m), since an unrelated
/// person's genotypes at unlinked markers are independent).
#[derive(Debug, Clone, PartialEq)]
pub struct ExclusionPower {
    pub per_marker: Vec<f64>,
    pub total: f64,
}

impl ExclusionPower {
    fn from_markers(per_marker: Vec<f64>) -> ExclusionPower {
        let kept: f64 = per_marker.iter().map(|e| 1.0 - e).product();
        ExclusionPower {
            per_marker,
            total: 1.0 - kept,
        }
    }
}

/// A fraction estimated from `runs` independent simulations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimulatedFraction {
    pub runs: usize,
    pub hits: usize,
}

impl SimulatedFraction {
    pub fn fraction(&self) -> f64 {
        self.hits as f64 / self.runs as f64
    }
    /// The binomial standard error, sqrt(p (1 − p) / runs).
    pub fn standard_error(&self) -> f64 {
        let p = self.fraction();
        (p * (1.0 - p) / self.runs as f64).sqrt()
    }
}

/// The simulated distribution of log10 LR when the POI is the missing person.
#[derive(Debug, Clone, PartialEq)]
pub struct LrDistribution {
    pub runs: usize,
    pub seed: u64,
    /// Ascending; −∞ for an LR of 0 (possible with mutation-free models on impossible data).
    log10_lrs: Vec<f64>,
}

impl LrDistribution {
    pub fn log10_lrs(&self) -> &[f64] {
        &self.log10_lrs
    }

    /// The empirical q-quantile of log10 LR (nearest rank), `q` in [0, 1].
    pub fn quantile(&self, q: f64) -> f64 {
        let n = self.log10_lrs.len();
        let rank = ((q.clamp(0.0, 1.0) * n as f64).ceil() as usize).clamp(1, n);
        self.log10_lrs[rank - 1]
    }

    /// How many runs gave log10 LR above `log10_threshold`.
    pub fn above(&self, log10_threshold: f64) -> SimulatedFraction {
        let below = self.log10_lrs.partition_point(|&x| x <= log10_threshold);
        SimulatedFraction {
            runs: self.runs,
            hits: self.runs - below,
        }
    }
}

/// The exact distribution of log10 LR at each marker: (log10 LR, probability) pairs.
#[derive(Debug, Clone, PartialEq)]
pub struct ExactLrDistribution {
    pub per_marker: Vec<Vec<(f64, f64)>>,
}

impl ExactLrDistribution {
    /// P(log10 LR > `log10_threshold`) over all markers, by enumerating every combination of
    /// the markers' outcomes (at most `limit`).
    pub fn probability_above(&self, log10_threshold: f64, limit: usize) -> Result<f64, SimulateError> {
        let count = self
            .per_marker
            .iter()
            .try_fold(1usize, |acc, m| acc.checked_mul(m.len()).filter(|&c| c <= limit));
        let Some(_) = count else {
            return Err(SimulateError::TooManyConfigurations { limit });
        };
        fn walk(markers: &[Vec<(f64, f64)>], sum: f64, prob: f64, t: f64) -> f64 {
            match markers.split_first() {
                None => {
                    if sum > t {
                        prob
                    } else {
                        0.0
                    }
                }
                Some((first, rest)) => first.iter().map(|&(l, p)| walk(rest, sum + l, prob * p, t)).sum(),
            }
        }
        Ok(walk(&self.per_marker, 0.0, 1.0, log10_threshold))
    }
}

/// Every genotype of a member at a marker, in the order of `kinship::GenotypeTable::index`.
pub(crate) fn genotype_list(marker: &Marker, hemizygous: bool) -> Vec<Genotype> {
    let n = marker.alleles().len();
    if hemizygous {
        (0..n).map(Genotype::Hemizygous).collect()
    } else {
        (0..n)
            .flat_map(|a| {
                (a..n).map(move |b| Genotype::Diploid {
                    paternal: a,
                    maternal: b,
                })
            })
            .collect()
    }
}

/// P(g) for a person from the population (Hardy–Weinberg, no θ).
fn population_probability(marker: &Marker, g: Genotype) -> f64 {
    let p = marker.freqs();
    match g {
        Genotype::Hemizygous(a) => p[a],
        Genotype::Diploid {
            paternal: a,
            maternal: b,
        } if a == b => p[a] * p[a],
        Genotype::Diploid {
            paternal: a,
            maternal: b,
        } => 2.0 * p[a] * p[b],
    }
}

fn is_hemizygous(marker: &Marker, sex: Sex) -> bool {
    marker.chromosome() == Chromosome::X && sex == Sex::Male
}

/// The typings a member can show at a marker, each with its population probability.
pub(crate) fn observable_typings(marker: &Marker, hemizygous: bool) -> Vec<(Typing, f64)> {
    let mut out: Vec<(Typing, f64)> = Vec::new();
    let mut index: HashMap<Typing, usize> = HashMap::new();
    for g in genotype_list(marker, hemizygous) {
        let t = g.typing(marker);
        let p = population_probability(marker, g);
        match index.get(&t) {
            Some(&i) => out[i].1 += p,
            None => {
                index.insert(t, out.len());
                out.push((t, p));
            }
        }
    }
    out
}

/// Conditions without θ: genotype tables do not support it, and whether data are possible does
/// not depend on it.
fn without_theta(cond: &Conditions) -> Conditions {
    Conditions {
        theta: 0.0,
        ..cond.clone()
    }
}

/// Draws the typings of chosen members jointly, given the plan's data.
struct Sampler<'a> {
    plan: &'a FamilyPlan,
    markers: &'a [Marker],
    members: Vec<usize>,
    cond: Conditions,
    dropper: GeneDropper<'a>,
    typed: Vec<bool>,
    /// Per marker and member sex (hemizygous or not), the genotypes in table order.
    genotypes: Vec<[Vec<Genotype>; 2]>,
    /// The first member's table at typed markers: it depends only on the plan's data.
    first: Vec<Option<Vec<f64>>>,
}

impl<'a> Sampler<'a> {
    fn new(
        plan: &'a FamilyPlan,
        markers: &'a [Marker],
        cond: &Conditions,
        members: Vec<usize>,
        engine: &mut Engine,
    ) -> Result<Self, SimulateError> {
        plan.check_markers(markers)?;
        let dropper = GeneDropper::new(markers, cond.theta)?;
        dropper.check_sexes(&plan.pedigree)?;
        let typed: Vec<bool> = plan.typings.iter().map(|t| t.iter().any(Typing::is_typed)).collect();
        if cond.theta > 0.0 && typed.iter().any(|&t| t) && !members.is_empty() {
            return Err(SimulateError::Unsupported {
                what: "simulation conditional on typed references under theta".to_owned(),
            });
        }
        let genotypes = markers
            .iter()
            .map(|m| [genotype_list(m, false), genotype_list(m, true)])
            .collect();
        let mut sampler = Sampler {
            plan,
            markers,
            members,
            cond: without_theta(cond),
            dropper,
            typed,
            genotypes,
            first: Vec::new(),
        };
        let mut first = Vec::with_capacity(markers.len());
        for k in 0..markers.len() {
            first.push(match sampler.members.first() {
                Some(&j) if sampler.typed[k] => Some(sampler.table(engine, k, &plan.typings[k], j)?),
                _ => None,
            });
        }
        sampler.first = first;
        Ok(sampler)
    }

    /// P(data, member = g) for every genotype g, in table order.
    fn table(
        &self,
        engine: &mut Engine,
        k: usize,
        typings: &[Typing],
        member: usize,
    ) -> Result<Vec<f64>, SimulateError> {
        let t = engine.genotype_table(&self.plan.pedigree, &self.markers[k], typings, &self.cond, member)?;
        if t.values().iter().all(|&v| v == 0.0) {
            return Err(SimulateError::Impossible {
                what: format!(
                    "the typed references' data at marker '{}' (a mutation model may be needed)",
                    self.markers[k].name()
                ),
            });
        }
        Ok(t.values().to_vec())
    }

    /// Sets the sampled members' typings in `typings` (a copy of the plan's data): each member
    /// in turn from its distribution given the data and the members drawn before it. Drawing a
    /// genotype and recording what it shows gives the joint distribution of the typings.
    fn sample(&self, engine: &mut Engine, rng: &mut Rng, typings: &mut [Vec<Typing>]) -> Result<(), SimulateError> {
        let ped = &self.plan.pedigree;
        let mut urn = Vec::new();
        let mut dropped = Vec::new();
        for (k, marker) in self.markers.iter().enumerate() {
            if !self.typed[k] {
                self.dropper.drop_marker(k, ped, rng, &mut urn, &mut dropped);
                for &j in &self.members {
                    typings[k][j] = dropped[j].typing(marker);
                }
                continue;
            }
            for (n, &j) in self.members.iter().enumerate() {
                let owned;
                let weights = match (n, &self.first[k]) {
                    (0, Some(cached)) => cached,
                    _ => {
                        owned = self.table(engine, k, &typings[k], j)?;
                        &owned
                    }
                };
                let hemizygous = is_hemizygous(marker, ped.member(j).sex);
                let g = self.genotypes[k][usize::from(hemizygous)][rng.weighted(weights)];
                typings[k][j] = g.typing(marker);
            }
        }
        Ok(())
    }
}

/// Likelihood ratios of "the POI is the missing person" against "the POI is unrelated".
struct LrComputer {
    /// The family with the POI added as an unrelated founder.
    h2: Pedigree,
}

impl LrComputer {
    fn new(plan: &FamilyPlan) -> Result<LrComputer, SimulateError> {
        let ped = &plan.pedigree;
        let mut poi = "POI".to_owned();
        while ped.index_of(&poi).is_some() {
            poi.push('_');
        }
        let mut specs: Vec<MemberSpec> = ped
            .members()
            .iter()
            .map(|m| MemberSpec {
                id: m.id.clone(),
                father: m.father.map(|f| ped.member(f).id.clone()),
                mother: m.mother.map(|f| ped.member(f).id.clone()),
                sex: m.sex,
            })
            .collect();
        specs.push(MemberSpec::new(&poi, None, None, ped.member(plan.missing).sex));
        let h2 = Pedigree::new(specs).map_err(|e| SimulateError::Plan { problem: e.to_string() })?;
        Ok(LrComputer { h2 })
    }

    /// ln LR at one marker; `typings` has the POI's typing in the missing person's place.
    fn ln_lr_marker(
        &self,
        engine: &mut Engine,
        plan: &FamilyPlan,
        marker: &Marker,
        typings: &[Typing],
        cond: &Conditions,
    ) -> Result<f64, SimulateError> {
        let ln_h1 = engine.ln_likelihood(&plan.pedigree, marker, typings, cond)?;
        if ln_h1 == f64::NEG_INFINITY {
            return Ok(f64::NEG_INFINITY);
        }
        let mut h2_typings = Vec::with_capacity(typings.len() + 1);
        h2_typings.extend_from_slice(typings);
        h2_typings[plan.missing] = Typing::Untyped;
        h2_typings.push(typings[plan.missing]);
        let ln_h2 = engine.ln_likelihood(&self.h2, marker, &h2_typings, cond)?;
        if ln_h2 == f64::NEG_INFINITY {
            return Err(SimulateError::Impossible {
                what: format!("the data under H2 at marker '{}'", marker.name()),
            });
        }
        Ok(ln_h1 - ln_h2)
    }
}

/// Exact exclusion power: the probability that a person from the population (Hardy–Weinberg,
/// the missing person's sex) has likelihood 0 under "is the missing person", given the typed
/// data, averaged over the typings of the members still to sample (enumerated, at most `limit`
/// configurations per marker). Use markers without mutation for the classical figure: with
/// mutation almost nothing is impossible.
pub fn exclusion_power(
    plan: &FamilyPlan,
    markers: &[Marker],
    cond: &Conditions,
    limit: usize,
) -> Result<ExclusionPower, SimulateError> {
    plan.check_markers(markers)?;
    let cond0 = without_theta(cond);
    let mut engine = Engine::new();
    let ped = &plan.pedigree;
    let mp_hemizygous = |m: &Marker| is_hemizygous(m, ped.member(plan.missing).sex);
    let mut per_marker = Vec::with_capacity(markers.len());
    for (k, marker) in markers.iter().enumerate() {
        let genotypes = genotype_list(marker, mp_hemizygous(marker));
        let configurations = configurations(&mut engine, plan, marker, k, &plan.to_sample, &cond0, limit)?;
        let mut excluded = 0.0;
        for (typings, prob) in configurations {
            let table = engine.genotype_table(ped, marker, &typings, &cond0, plan.missing)?;
            // Group the POI's genotypes by what they show; a typing is excluded when every
            // genotype showing it is impossible.
            let mut shown: HashMap<Typing, (f64, bool)> = HashMap::new();
            for (g, &value) in genotypes.iter().zip(table.values()) {
                let entry = shown.entry(g.typing(marker)).or_insert((0.0, false));
                entry.0 += population_probability(marker, *g);
                entry.1 |= value > 0.0;
            }
            // A person whose alleles are all silent shows a blank profile, which excludes nobody.
            let mass: f64 = shown
                .iter()
                .filter(|(t, (_, possible))| !possible && t.is_typed())
                .map(|(_, (p, _))| p)
                .sum();
            excluded += prob * mass;
        }
        per_marker.push(excluded);
    }
    Ok(ExclusionPower::from_markers(per_marker))
}

/// Every combination of typings of `members` at marker `k`, with its probability given the
/// plan's data: P(data, combination) / P(data), each from the likelihood engine.
fn configurations(
    engine: &mut Engine,
    plan: &FamilyPlan,
    marker: &Marker,
    k: usize,
    members: &[usize],
    cond: &Conditions,
    limit: usize,
) -> Result<Vec<(Vec<Typing>, f64)>, SimulateError> {
    let ped = &plan.pedigree;
    let base = &plan.typings[k];
    if marker.silent().is_some() && !members.is_empty() {
        // A blank typing (two silent alleles) is read by the engine as "not typed", so its
        // probability cannot be had from the likelihood of the typings.
        return Err(SimulateError::Unsupported {
            what: format!(
                "exact enumeration of typings at marker '{}', which has a silent allele",
                marker.name()
            ),
        });
    }
    let ln_data = engine.ln_likelihood(ped, marker, base, cond)?;
    if ln_data == f64::NEG_INFINITY {
        return Err(SimulateError::Impossible {
            what: format!("the typed data at marker '{}'", marker.name()),
        });
    }
    let options: Vec<Vec<Typing>> = members
        .iter()
        .map(|&j| {
            observable_typings(marker, is_hemizygous(marker, ped.member(j).sex))
                .into_iter()
                .map(|(t, _)| t)
                .collect()
        })
        .collect();
    let count = options
        .iter()
        .try_fold(1usize, |acc, o| acc.checked_mul(o.len()).filter(|&c| c <= limit));
    if count.is_none() {
        return Err(SimulateError::TooManyConfigurations { limit });
    }
    let mut out = Vec::new();
    let mut choice = vec![0usize; members.len()];
    loop {
        let mut typings = base.clone();
        for (n, &j) in members.iter().enumerate() {
            typings[j] = options[n][choice[n]];
        }
        let ln = engine.ln_likelihood(ped, marker, &typings, cond)?;
        if ln > f64::NEG_INFINITY {
            out.push((typings, (ln - ln_data).exp()));
        }
        // Next combination, odometer style.
        let mut n = 0;
        loop {
            if n == members.len() {
                return Ok(out);
            }
            choice[n] += 1;
            if choice[n] < options[n].len() {
                break;
            }
            choice[n] = 0;
            n += 1;
        }
    }
}

/// Exclusion power by simulation: the members to sample drawn given the data, an unrelated
/// person drawn from the population, and the likelihood of "the person is the missing person"
/// checked for 0 at every marker. Independent of [`exclusion_power`] (no genotype tables in the
/// test, only likelihoods).
pub fn simulated_exclusion_power(
    plan: &FamilyPlan,
    markers: &[Marker],
    cond: &Conditions,
    runs: usize,
    seed: u64,
) -> Result<SimulatedFraction, SimulateError> {
    let mut engine = Engine::new();
    let sampler = Sampler::new(plan, markers, cond, plan.to_sample.clone(), &mut engine)?;
    let population = GeneDropper::new(markers, 0.0)?;
    let poi_ped = Pedigree::singletons([("POI".to_owned(), plan.pedigree.member(plan.missing).sex)])
        .map_err(|e| SimulateError::Plan { problem: e.to_string() })?;
    let cond0 = without_theta(cond);
    let excluded = map_runs(runs, seed, |engine, rng, _| {
        let mut typings = plan.typings.clone();
        sampler.sample(engine, rng, &mut typings)?;
        let poi = population.drop_pedigree(&poi_ped, rng)?;
        for (k, marker) in markers.iter().enumerate() {
            typings[k][plan.missing] = poi[k][0].typing(marker);
            if engine.ln_likelihood(&plan.pedigree, marker, &typings[k], &cond0)? == f64::NEG_INFINITY {
                return Ok(true);
            }
        }
        Ok(false)
    })?;
    Ok(SimulatedFraction {
        runs,
        hits: excluded.into_iter().filter(|&e| e).count(),
    })
}

/// The distribution of the LR when the POI is the missing person: the missing person and the
/// members to sample drawn jointly given the typed data (or unconditionally where nothing is
/// typed), the POI typed completely, and the LR of "POI is the missing person" against "POI is
/// unrelated" from the likelihood engine. `runs` runs from `seed`; the same on any thread count.
pub fn lr_distribution(
    plan: &FamilyPlan,
    markers: &[Marker],
    cond: &Conditions,
    runs: usize,
    seed: u64,
) -> Result<LrDistribution, SimulateError> {
    if runs == 0 {
        return Err(SimulateError::Plan {
            problem: "0 runs".to_owned(),
        });
    }
    let mut engine = Engine::new();
    let mut members = vec![plan.missing];
    members.extend_from_slice(&plan.to_sample);
    let sampler = Sampler::new(plan, markers, cond, members, &mut engine)?;
    let lr = LrComputer::new(plan)?;
    let mut log10_lrs = map_runs(runs, seed, |engine, rng, _| {
        let mut typings = plan.typings.clone();
        sampler.sample(engine, rng, &mut typings)?;
        let mut ln_lr = 0.0;
        for (k, marker) in markers.iter().enumerate() {
            ln_lr += lr.ln_lr_marker(engine, plan, marker, &typings[k], cond)?;
            if ln_lr == f64::NEG_INFINITY {
                break;
            }
        }
        Ok(ln_lr / std::f64::consts::LN_10)
    })?;
    log10_lrs.sort_by(f64::total_cmp);
    Ok(LrDistribution { runs, seed, log10_lrs })
}

/// The exact distribution of the LR at each marker when the POI is the missing person, by
/// enumerating the typings of the missing person and the members to sample (at most `limit`
/// configurations per marker).
pub fn exact_lr_distribution(
    plan: &FamilyPlan,
    markers: &[Marker],
    cond: &Conditions,
    limit: usize,
) -> Result<ExactLrDistribution, SimulateError> {
    plan.check_markers(markers)?;
    let mut engine = Engine::new();
    let lr = LrComputer::new(plan)?;
    let mut members = vec![plan.missing];
    members.extend_from_slice(&plan.to_sample);
    let mut per_marker = Vec::with_capacity(markers.len());
    for (k, marker) in markers.iter().enumerate() {
        let mut outcomes = Vec::new();
        for (typings, prob) in configurations(&mut engine, plan, marker, k, &members, cond, limit)? {
            let ln = lr.ln_lr_marker(&mut engine, plan, marker, &typings, cond)?;
            outcomes.push((ln / std::f64::consts::LN_10, prob));
        }
        per_marker.push(outcomes);
    }
    Ok(ExactLrDistribution { per_marker })
}

/// The markers with their mutation models replaced by none: for exclusion power, which counts
/// impossibilities.
pub fn without_mutation(markers: &[Marker]) -> Vec<Marker> {
    markers
        .iter()
        .map(|m| {
            let alleles = m.alleles().iter().cloned().zip(m.freqs().iter().copied()).collect();
            Marker::without_mutation(m.name(), alleles, m.chromosome())
                .expect("a valid marker's alleles and frequencies stay valid")
        })
        .collect()
}
