//! Conclusions per missing person and per victim, from the pairwise and joint results.
//!
//! The classes, in the order they are tried:
//! * **Undisputed**: the pair was fixed as undisputed (pairwise LR ≥ T and ≥ T times every
//!   competing LR of the same victim and missing person).
//! * **Probable**: the best joint assignment makes the pair, its pairwise LR is ≥ T2 and its
//!   generalised LR (best assignment with the identification against the best without) ≥ T2.
//! * **Excluded**: every candidate is ruled out (sex, or impossible pairwise LR).
//! * **No match**: no candidate has a pairwise LR of 1 or more.
//! * **Inconclusive**: anything else; the comment names the best candidate.

use super::{DviCase, JointResult, PairwiseLr};

/// "No match" means no candidate has an LR of 1 or more; an LR of 1 computed another way may come
/// out a rounding error below it, which must not change the class.
const NO_MATCH_BELOW: f64 = 1.0 - 1e-9;

/// Thresholds of the conclusion classes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// T: undisputed (and the joint search's undisputed step).
    pub undisputed: f64,
    /// T2: probable.
    pub probable: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            undisputed: 1e4,
            probable: 1e3,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConclusionClass {
    Undisputed,
    Probable,
    Inconclusive,
    NoMatch,
    Excluded,
}

impl ConclusionClass {
    pub fn label(&self) -> &'static str {
        match self {
            ConclusionClass::Undisputed => "Undisputed",
            ConclusionClass::Probable => "Probable",
            ConclusionClass::Inconclusive => "Inconclusive",
            ConclusionClass::NoMatch => "No match",
            ConclusionClass::Excluded => "Excluded",
        }
    }
}

/// The conclusion for one missing person (or, PM-centric, one victim).
#[derive(Debug, Clone, PartialEq)]
pub struct Conclusion {
    pub family: usize,
    /// Index into the family's missing list; `None` in a victim's conclusion without a match.
    pub missing: Option<usize>,
    /// The identified (or best) victim.
    pub victim: Option<usize>,
    pub class: ConclusionClass,
    /// Pairwise LR of the pair the conclusion is about.
    pub lr: Option<f64>,
    pub glr: Option<f64>,
    pub comment: Option<String>,
}

/// One conclusion per missing person (AM-centric), then one per victim (PM-centric).
pub fn conclusions(
    case: &DviCase,
    pairwise: &[PairwiseLr],
    joint: &JointResult,
    t: Thresholds,
) -> (Vec<Conclusion>, Vec<Conclusion>) {
    let best = joint.assignments.first();
    let lr_of = |v: usize, f: usize, k: usize| {
        pairwise
            .iter()
            .find(|p| p.victim == v && p.family == f && p.missing == k)
            .and_then(PairwiseLr::lr)
    };
    let mut am = Vec::new();
    for (f, k) in case.missing_persons() {
        let candidates: Vec<(usize, f64)> = pairwise
            .iter()
            .filter(|p| p.family == f && p.missing == k)
            .filter_map(|p| p.lr().map(|lr| (p.victim, lr)))
            .collect();
        let top = candidates
            .iter()
            .copied()
            .filter(|&(_, lr)| lr > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        let assigned = best.and_then(|a| a.pairs.iter().position(|p| *p == Some((f, k))));
        let glr = joint.glr_missing(f, k);
        let conclusion = if let Some(u) = joint.undisputed.iter().find(|u| u.family == f && u.missing == k) {
            Conclusion {
                family: f,
                missing: Some(k),
                victim: Some(u.victim),
                class: ConclusionClass::Undisputed,
                lr: Some(u.ln_lr.exp()),
                glr,
                comment: None,
            }
        } else if let Some(v) = assigned
            .filter(|&v| lr_of(v, f, k).is_some_and(|lr| lr >= t.probable) && glr.is_some_and(|g| g >= t.probable))
        {
            Conclusion {
                family: f,
                missing: Some(k),
                victim: Some(v),
                class: ConclusionClass::Probable,
                lr: lr_of(v, f, k),
                glr,
                comment: None,
            }
        } else {
            let class = match top {
                None => ConclusionClass::Excluded,
                Some((_, lr)) if lr < NO_MATCH_BELOW => ConclusionClass::NoMatch,
                Some(_) => ConclusionClass::Inconclusive,
            };
            Conclusion {
                family: f,
                missing: Some(k),
                victim: None,
                class,
                lr: top.map(|(_, lr)| lr),
                glr,
                comment: top.map(|(v, _)| format!("Best: {}", case.victims()[v].id)),
            }
        };
        am.push(conclusion);
    }
    let mut pm = Vec::new();
    for v in 0..case.victims().len() {
        let candidates: Vec<(usize, usize, f64)> = pairwise
            .iter()
            .filter(|p| p.victim == v)
            .filter_map(|p| p.lr().map(|lr| (p.family, p.missing, lr)))
            .collect();
        let top = candidates
            .iter()
            .copied()
            .filter(|c| c.2 > 0.0)
            .max_by(|a, b| a.2.total_cmp(&b.2));
        let glr = joint.glr_victim(v);
        let conclusion = if let Some(u) = joint.undisputed.iter().find(|u| u.victim == v) {
            Conclusion {
                family: u.family,
                missing: Some(u.missing),
                victim: Some(v),
                class: ConclusionClass::Undisputed,
                lr: Some(u.ln_lr.exp()),
                glr,
                comment: None,
            }
        } else if let Some((f, k)) = best
            .and_then(|a| a.pairs[v])
            .filter(|&(f, k)| lr_of(v, f, k).is_some_and(|lr| lr >= t.probable) && glr.is_some_and(|g| g >= t.probable))
        {
            Conclusion {
                family: f,
                missing: Some(k),
                victim: Some(v),
                class: ConclusionClass::Probable,
                lr: lr_of(v, f, k),
                glr,
                comment: None,
            }
        } else {
            let class = match top {
                None => ConclusionClass::Excluded,
                Some((_, _, lr)) if lr < NO_MATCH_BELOW => ConclusionClass::NoMatch,
                Some(_) => ConclusionClass::Inconclusive,
            };
            Conclusion {
                family: top.map_or(0, |c| c.0),
                missing: None,
                victim: Some(v),
                class,
                lr: top.map(|c| c.2),
                glr,
                comment: top.map(|(f, k, _)| format!("Best: {}", case.missing_id(f, k))),
            }
        };
        pm.push(conclusion);
    }
    (am, pm)
}
