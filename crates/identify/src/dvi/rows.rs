//! Conditional LRs of every victim at one missing person at once.
//!
//! For family `f` with some victims already placed on its missing persons (`placed`), and a
//! missing person `k` not among them, the *row* holds, for every victim v,
//!
//! ```text
//! ln [ P(references, placed victims, v at k) / (P(references, placed victims) · P(v)) ]
//! ```
//!
//! the LR of "v is k" given the family and the victims placed in it. With nobody placed it is
//! the pairwise LR. Per marker the engine gives P(data, k = g) for every genotype g once
//! ([`kinship::Engine::genotype_table`]); a victim's term is then the sum over the genotypes its
//! typing allows, weighted by P(typing | g) (its own singleton table, so partial profiles,
//! dropout and silent alleles are read as the engine reads them). One row costs one table per
//! marker instead of one pedigree likelihood per victim and marker.
//!
//! Under theta, or with X-chromosomal markers, the tables do not apply and each victim is
//! computed with the engine (same numbers, slower).

use kinship::{Chromosome, Conditions, Engine, Marker, Pedigree, Typing};

use super::{hw, DviCase, DviError, Evaluator};

/// A victim's typing at one marker as weights over the marker's genotypes.
#[derive(Debug, Clone)]
pub(crate) enum Weights {
    Untyped,
    /// (genotype index, P(typing | g) · HW(g) / P(typing)); empty when the typing is impossible.
    Over(Vec<(usize, f64)>),
}

/// The weights of the typing of the one member of `ped` (a singleton pedigree) under `conditions`:
/// its own genotype table, so that partial profiles, dropout and silent alleles are read as the
/// engine reads them.
pub(crate) fn typing_weights(
    engine: &mut Engine,
    ped: &Pedigree,
    marker: &Marker,
    typing: Typing,
    conditions: &Conditions,
) -> Result<Weights, DviError> {
    if !typing.is_typed() {
        return Ok(Weights::Untyped);
    }
    let table = engine.genotype_table(ped, marker, &[typing], conditions, 0)?;
    let values = table.values();
    let total: f64 = values.iter().sum();
    let mut w = Vec::new();
    if total > 0.0 {
        for (g, &x) in values.iter().enumerate() {
            if x > 0.0 {
                w.push((g, x / total));
            }
        }
    }
    Ok(Weights::Over(w))
}

/// Computes rows for one case; keeps the engine's buffers and the victims' weights.
pub(crate) struct Rows<'a> {
    case: &'a DviCase,
    engine: Engine,
    /// `weights[v][marker]`; empty when the engine path is used.
    weights: Vec<Vec<Weights>>,
    /// ln P(victim's data) per victim, over the case's markers.
    victim_ll: Vec<f64>,
    fast: bool,
    typings: Vec<Typing>,
    conditions: Conditions,
    per_genotype: Vec<f64>,
}

/// One row: per victim, ln LR and the markers at which the LR is 0.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub ln_lr: Vec<f64>,
    pub zero_markers: Vec<u32>,
}

impl<'a> Rows<'a> {
    pub fn new(case: &'a DviCase, victim_ll: Vec<f64>) -> Result<Self, DviError> {
        let fast = case.conditions().theta == 0.0 && case.markers().iter().all(|m| m.chromosome() != Chromosome::X);
        let mut engine = Engine::new();
        let mut weights = Vec::new();
        if fast {
            for (v, victim) in case.victims().iter().enumerate() {
                let ped = Pedigree::singletons([(victim.id.clone(), victim.sex)]).expect("one member");
                let conditions = case.victim_conditions(v);
                let mut per_marker = Vec::with_capacity(case.markers().len());
                for (t, marker) in case.markers().iter().enumerate() {
                    per_marker.push(typing_weights(
                        &mut engine,
                        &ped,
                        marker,
                        victim.typings[t],
                        &conditions,
                    )?);
                }
                weights.push(per_marker);
            }
        }
        Ok(Rows {
            case,
            engine,
            weights,
            victim_ll,
            fast,
            typings: Vec::new(),
            conditions: Conditions::default(),
            per_genotype: Vec::new(),
        })
    }

    pub fn case(&self) -> &'a DviCase {
        self.case
    }

    /// Whether rows are computed from genotype tables (no theta, no X-chromosomal marker); only
    /// then are the victims' weights kept.
    pub fn by_tables(&self) -> bool {
        self.fast
    }

    /// Victim `v`'s weights at marker `t` of the case (only when [`Self::by_tables`]).
    pub fn weights(&self, v: usize, t: usize) -> &Weights {
        &self.weights[v][t]
    }

    pub fn engine(&mut self) -> &mut Engine {
        &mut self.engine
    }

    /// The row of missing person `k` of family `f`, with `placed` ((missing index, victim)) in
    /// the family, computed with `markers` (the case's, or the same without mutations).
    pub fn row(&mut self, f: usize, placed: &[(usize, usize)], k: usize, markers: &[Marker]) -> Result<Row, DviError> {
        if !self.fast {
            return self.row_by_engine(f, placed, k, markers);
        }
        let case = self.case;
        let fam = &case.families()[f];
        let member = fam.missing[k];
        self.conditions = case.family_conditions(f);
        for &(mk, v) in placed {
            let id = &fam.pedigree.member(fam.missing[mk]).id;
            match case.conditions().dropout_of(&case.victims()[v].id) {
                Some(d) => self.conditions.dropout.insert(id.clone(), d),
                None => self.conditions.dropout.remove(id),
            };
        }
        let nv = case.victims().len();
        let mut ln_lr = vec![0.0; nv];
        let mut zero_markers = vec![0u32; nv];
        for (t, marker) in markers.iter().enumerate() {
            self.typings.clear();
            self.typings.extend_from_slice(&fam.typings[t]);
            for &(mk, v) in placed {
                self.typings[fam.missing[mk]] = case.victims()[v].typings[t];
            }
            let table = self
                .engine
                .genotype_table(&fam.pedigree, marker, &self.typings, &self.conditions, member)?;
            let values = table.values();
            let total: f64 = values.iter().sum();
            if total == 0.0 {
                // The family's own data are impossible at this marker (as may be without
                // mutations, when exclusions are counted): so is every victim at k.
                for v in 0..nv {
                    ln_lr[v] = f64::NEG_INFINITY;
                    zero_markers[v] += 1;
                }
                continue;
            }
            // q(g) = P(data, k = g) / (P(data) · HW(g)).
            let n = marker.alleles().len();
            let freqs = marker.freqs();
            self.per_genotype.clear();
            self.per_genotype.resize(values.len(), 0.0);
            for a in 0..n {
                for b in a..n {
                    let g = table.index(a, b);
                    self.per_genotype[g] = values[g] / total / hw(freqs, a, b);
                }
            }
            for v in 0..nv {
                let Weights::Over(w) = &self.weights[v][t] else {
                    continue;
                };
                let s: f64 = w.iter().map(|&(g, x)| x * self.per_genotype[g]).sum();
                if s > 0.0 {
                    ln_lr[v] += s.ln();
                } else {
                    ln_lr[v] = f64::NEG_INFINITY;
                    zero_markers[v] += 1;
                }
            }
        }
        Ok(Row { ln_lr, zero_markers })
    }

    /// ln LR of the victims with `wanted[v] > −∞` only (the others −∞), each by the engine.
    pub fn conditional_by_engine(
        &mut self,
        f: usize,
        placed: &[(usize, usize)],
        k: usize,
        markers: &[Marker],
        wanted: &[f64],
    ) -> Result<Vec<f64>, DviError> {
        let case = self.case;
        let mut eval = Evaluator::new(case);
        let base = eval.family(f, placed, markers, None)?;
        let mut out = vec![f64::NEG_INFINITY; case.victims().len()];
        let mut with = placed.to_vec();
        for (v, &w) in wanted.iter().enumerate() {
            if w == f64::NEG_INFINITY || placed.iter().any(|&(_, u)| u == v) || base == f64::NEG_INFINITY {
                continue;
            }
            with.push((k, v));
            let l = eval.family(f, &with, markers, None)?;
            with.pop();
            if l > f64::NEG_INFINITY {
                out[v] = l - base - self.victim_ll[v];
            }
        }
        Ok(out)
    }

    /// The same row, each victim by the engine: for theta and X-chromosomal markers.
    fn row_by_engine(
        &mut self,
        f: usize,
        placed: &[(usize, usize)],
        k: usize,
        markers: &[Marker],
    ) -> Result<Row, DviError> {
        let case = self.case;
        let mut eval = Evaluator::new(case);
        let base = eval.family(f, placed, markers, None)?;
        let nv = case.victims().len();
        let mut ln_lr = vec![0.0; nv];
        let mut zero_markers = vec![0u32; nv];
        let mut with = placed.to_vec();
        let mut per_marker = Vec::new();
        for v in 0..nv {
            if placed.iter().any(|&(_, u)| u == v) {
                ln_lr[v] = f64::NEG_INFINITY;
                continue;
            }
            with.push((k, v));
            per_marker.clear();
            let l = eval.family(f, &with, markers, Some(&mut per_marker))?;
            with.pop();
            zero_markers[v] = per_marker.iter().filter(|&&x| x == f64::NEG_INFINITY).count() as u32;
            ln_lr[v] = if l == f64::NEG_INFINITY || base == f64::NEG_INFINITY {
                f64::NEG_INFINITY
            } else {
                l - base - self.victim_ll[v]
            };
        }
        Ok(Row { ln_lr, zero_markers })
    }
}
