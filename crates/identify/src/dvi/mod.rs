//! Disaster-victim identification: victims (post-mortem samples) against reference families with
//! missing persons (ante-mortem data), by the method of the R package dvir.
//!
//! * [`pairwise_lrs`]: for every sex-compatible victim and missing person, the LR of "V is M"
//!   against "V is unrelated to M's family", and the markers that exclude the pair without
//!   mutations.
//! * [`joint`]: the best assignments of victims to missing persons (or to nobody), with their
//!   likelihood, LR against "nobody identified" and posterior over every admissible assignment,
//!   marginal pairing probabilities and generalised LRs, exact to a certified bound, by a search
//!   that uses the factorisation of the likelihood over families; dvir's undisputed pairs.
//! * [`reference`]: the same by enumerating every assignment, for tests.
//! * [`conclusions`]: per missing person and per victim, a conclusion class with the evidence
//!   behind it.

mod conclusions;
mod joint;
mod pairwise;
mod pool;
pub mod reference;
mod rows;
mod sibship;

pub use conclusions::{conclusions, Conclusion, ConclusionClass, Thresholds};
pub use joint::{joint, Assignment, DisableMutations, JointOptions, JointResult, JointTimings, UndisputedPair};
pub use pairwise::{pairwise_lrs, PairwiseLr};

use std::collections::{BTreeMap, HashSet};

use kinship::{Conditions, Engine, LikelihoodError, Marker, MutationModel, Pedigree, Sex, Typing};

/// A victim: one post-mortem sample, typed at the case's markers.
#[derive(Debug, Clone, PartialEq)]
pub struct Victim {
    pub id: String,
    pub sex: Sex,
    /// One typing per marker of the case.
    pub typings: Vec<Typing>,
}

/// A reference family: a pedigree with typed relatives and untyped missing persons.
///
/// Member ids are scoped by the family: two families may both have a `Father`.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    pub id: String,
    pub pedigree: Pedigree,
    /// `typings[marker][member]`.
    pub typings: Vec<Vec<Typing>>,
    /// Members of the pedigree who are missing, in the order they are reported.
    pub missing: Vec<usize>,
    /// Dropout probability of the family's members with degraded reference samples, by member id.
    pub dropout: BTreeMap<String, f64>,
}

/// A whole DVI problem.
///
/// `conditions` holds theta, drop-in, and the dropout probabilities of the *victims* by victim
/// id; family members' dropout is in [`Family::dropout`], since their ids are scoped by family.
#[derive(Debug, Clone, PartialEq)]
pub struct DviCase {
    markers: Vec<Marker>,
    victims: Vec<Victim>,
    families: Vec<Family>,
    conditions: Conditions,
}

/// Why a DVI problem cannot be solved.
#[derive(Debug, thiserror::Error)]
pub enum DviError {
    #[error("victim id '{id}' is used twice")]
    DuplicateVictim { id: String },
    #[error("reference family id '{id}' is used twice")]
    DuplicateFamily { id: String },
    #[error("family '{family}': missing person '{id}' is typed; missing persons must be untyped")]
    MissingTyped { family: String, id: String },
    #[error("family '{family}': '{id}' is listed as missing twice")]
    MissingTwice { family: String, id: String },
    #[error("{what}: {found} typings for {expected} markers")]
    TypingShape {
        what: String,
        found: usize,
        expected: usize,
    },
    #[error(
        "family '{family}': more than {limit} placements of candidate victims among its missing persons; raise the limit or narrow the problem"
    )]
    TooManyPlacements { family: String, limit: usize },
    #[error(
        "family '{family}': the references' profiles are impossible under the model (a mutation model may be needed)"
    )]
    FamilyImpossible { family: String },
    #[error("{what} is not supported")]
    Unsupported { what: String },
    #[error(transparent)]
    Likelihood(#[from] LikelihoodError),
}

/// Typings must come one per marker; `what` names the victim or family that has `found` instead.
fn check_typing_shape(what: impl FnOnce() -> String, found: usize, expected: usize) -> Result<(), DviError> {
    if found == expected {
        Ok(())
    } else {
        Err(DviError::TypingShape {
            what: what(),
            found,
            expected,
        })
    }
}

impl DviCase {
    /// Checks the problem: victim ids unique among victims, family ids unique, member ids unique
    /// within their family (the pedigree sees to that), untyped missing persons, one typing per
    /// marker.
    pub fn new(
        markers: Vec<Marker>,
        victims: Vec<Victim>,
        families: Vec<Family>,
        conditions: Conditions,
    ) -> Result<DviCase, DviError> {
        let mut ids = HashSet::new();
        for v in &victims {
            if !ids.insert(v.id.as_str()) {
                return Err(DviError::DuplicateVictim { id: v.id.clone() });
            }
            check_typing_shape(|| format!("victim '{}'", v.id), v.typings.len(), markers.len())?;
        }
        let mut family_ids = HashSet::new();
        for f in &families {
            if !family_ids.insert(f.id.as_str()) {
                return Err(DviError::DuplicateFamily { id: f.id.clone() });
            }
            check_typing_shape(|| format!("family '{}'", f.id), f.typings.len(), markers.len())?;
            let mut seen = HashSet::new();
            for &m in &f.missing {
                let id = &f.pedigree.member(m).id;
                if !seen.insert(m) {
                    return Err(DviError::MissingTwice {
                        family: f.id.clone(),
                        id: id.clone(),
                    });
                }
                if f.typings.iter().any(|t| t[m].is_typed()) {
                    return Err(DviError::MissingTyped {
                        family: f.id.clone(),
                        id: id.clone(),
                    });
                }
            }
        }
        Ok(DviCase {
            markers,
            victims,
            families,
            conditions,
        })
    }

    pub fn markers(&self) -> &[Marker] {
        &self.markers
    }
    pub fn victims(&self) -> &[Victim] {
        &self.victims
    }
    pub fn families(&self) -> &[Family] {
        &self.families
    }
    pub fn conditions(&self) -> &Conditions {
        &self.conditions
    }

    /// Every missing person as (family index, index into the family's missing list).
    pub fn missing_persons(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.families
            .iter()
            .enumerate()
            .flat_map(|(f, fam)| (0..fam.missing.len()).map(move |k| (f, k)))
    }

    /// The id of missing person `k` of family `f`.
    pub fn missing_id(&self, f: usize, k: usize) -> &str {
        let fam = &self.families[f];
        &fam.pedigree.member(fam.missing[k]).id
    }

    pub fn missing_sex(&self, f: usize, k: usize) -> Sex {
        let fam = &self.families[f];
        fam.pedigree.member(fam.missing[k]).sex
    }
}

/// Whether a victim of sex `v` can be a missing person of sex `m` (unknown fits either).
pub fn sex_compatible(v: Sex, m: Sex) -> bool {
    v == m || v == Sex::Unknown || m == Sex::Unknown
}

/// The Hardy–Weinberg probability of genotype a/b (the unrelated alternative's genotype weight), shared by the
/// rows and the screen so both divide by the same number.
pub(crate) fn hw(freqs: &[f64], a: usize, b: usize) -> f64 {
    if a == b {
        freqs[a] * freqs[a]
    } else {
        2.0 * freqs[a] * freqs[b]
    }
}

/// The same markers without mutation models: for counting exclusions, and for families whose
/// references need no mutation (dvir's `disableMutations`).
pub(crate) fn without_mutations(markers: &[Marker]) -> Vec<Marker> {
    markers
        .iter()
        .map(|m| {
            let alleles = m.alleles().iter().cloned().zip(m.freqs().iter().copied()).collect();
            Marker::new(
                m.name(),
                alleles,
                m.chromosome(),
                MutationModel::Trivial,
                MutationModel::Trivial,
            )
            .expect("a valid marker stays valid without mutations")
        })
        .collect()
}

/// Computes likelihoods of families with victims placed on missing persons.
pub(crate) struct Evaluator<'a> {
    case: &'a DviCase,
    engine: Engine,
    typings: Vec<Typing>,
    /// The conditions of the family being computed: its members' dropout, and that of the
    /// victims placed in it under the missing persons' ids.
    conditions: Conditions,
}

impl<'a> Evaluator<'a> {
    pub fn new(case: &'a DviCase) -> Self {
        Evaluator {
            case,
            engine: Engine::new(),
            typings: Vec::new(),
            conditions: case.conditions.clone(),
        }
    }

    /// ln L of victim `v` on its own, over `markers`.
    pub fn victim(&mut self, v: usize, markers: &[Marker]) -> Result<f64, LikelihoodError> {
        let victim = &self.case.victims[v];
        let ped = Pedigree::singletons([(victim.id.clone(), victim.sex)]).expect("one member");
        let conditions = self.case.victim_conditions(v);
        let mut total = 0.0;
        for (k, marker) in markers.iter().enumerate() {
            total += self
                .engine
                .ln_likelihood(&ped, marker, &[victim.typings[k]], &conditions)?;
        }
        Ok(total)
    }

    /// Sets `self.conditions` for family `f` with the victims of `placed` on its missing persons.
    fn prepare_conditions(&mut self, f: usize, placed: &[(usize, usize)]) {
        let fam = &self.case.families[f];
        self.conditions.dropout.clone_from(&fam.dropout);
        // The victims' dropout probabilities go with the missing persons they are placed on.
        for &(k, v) in placed {
            let id = &fam.pedigree.member(fam.missing[k]).id;
            match self.case.conditions.dropout_of(&self.case.victims[v].id) {
                Some(d) => self.conditions.dropout.insert(id.clone(), d),
                None => self.conditions.dropout.remove(id),
            };
        }
    }

    /// ln L of family `f` with victims placed on missing persons: `placed` holds (index into the
    /// family's missing list, victim). Per marker if `per_marker` is given.
    pub fn family(
        &mut self,
        f: usize,
        placed: &[(usize, usize)],
        markers: &[Marker],
        mut per_marker: Option<&mut Vec<f64>>,
    ) -> Result<f64, LikelihoodError> {
        self.prepare_conditions(f, placed);
        let fam = &self.case.families[f];
        let mut total = 0.0;
        for (k, marker) in markers.iter().enumerate() {
            self.typings.clear();
            self.typings.extend_from_slice(&fam.typings[k]);
            for &(mk, v) in placed {
                self.typings[fam.missing[mk]] = self.case.victims[v].typings[k];
            }
            let l = self
                .engine
                .ln_likelihood(&fam.pedigree, marker, &self.typings, &self.conditions)?;
            total += l;
            if let Some(out) = per_marker.as_deref_mut() {
                out.push(l);
            }
        }
        Ok(total)
    }
}

impl DviCase {
    /// The conditions under which victim `v` is computed on its own: theta, drop-in and its own
    /// dropout, keyed by its id.
    pub(crate) fn victim_conditions(&self, v: usize) -> Conditions {
        let id = &self.victims[v].id;
        Conditions {
            theta: self.conditions.theta,
            dropin: self.conditions.dropin,
            dropout: self
                .conditions
                .dropout_of(id)
                .map(|d| (id.clone(), d))
                .into_iter()
                .collect(),
        }
    }

    /// The conditions of family `f` with nobody placed: its members' own dropout.
    pub(crate) fn family_conditions(&self, f: usize) -> Conditions {
        Conditions {
            theta: self.conditions.theta,
            dropin: self.conditions.dropin,
            dropout: self.families[f].dropout.clone(),
        }
    }
}

/// Posterior probability of an identification from its LR and prior: LR·π / (LR·π + 1 − π).
pub fn posterior(lr: f64, prior: f64) -> f64 {
    if lr.is_infinite() {
        return 1.0;
    }
    lr * prior / (lr * prior + 1.0 - prior)
}
