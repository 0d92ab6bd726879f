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

/// A victim with a missing person `(family, index in its missing list)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pair {
    victim: usize,
    family: usize,
    missing: usize,
}

/// What the classes decide for one missing person or one victim.
enum Decision {
    /// Undisputed or probable: the pair named, with its pairwise LR.
    Identified(Pair, ConclusionClass, Option<f64>),
    /// Excluded, no match or inconclusive, with the best candidate pair and its LR, if any.
    Unresolved(ConclusionClass, Option<(Pair, f64)>),
}

/// The classes in the order they are tried (see the module doc), the same for a missing person (AM)
/// and a victim (PM): `undisputed` is the joint search's undisputed pair with its ln LR, `assigned` the
/// best joint assignment's pair, `candidates` every pair with its pairwise LR, `glr` the generalised LR.
fn decide(
    undisputed: Option<(Pair, f64)>,
    assigned: Option<Pair>,
    candidates: impl Iterator<Item = (Pair, f64)>,
    glr: Option<f64>,
    lr_of: impl Fn(Pair) -> Option<f64>,
    t: Thresholds,
) -> Decision {
    if let Some((pair, ln_lr)) = undisputed {
        return Decision::Identified(pair, ConclusionClass::Undisputed, Some(ln_lr.exp()));
    }
    let probable =
        |pair: &Pair| lr_of(*pair).is_some_and(|lr| lr >= t.probable) && glr.is_some_and(|g| g >= t.probable);
    if let Some(pair) = assigned.filter(probable) {
        return Decision::Identified(pair, ConclusionClass::Probable, lr_of(pair));
    }
    let top = candidates
        .filter(|&(_, lr)| lr > 0.0)
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let class = match top {
        None => ConclusionClass::Excluded,
        Some((_, lr)) if lr < NO_MATCH_BELOW => ConclusionClass::NoMatch,
        Some(_) => ConclusionClass::Inconclusive,
    };
    Decision::Unresolved(class, top)
}

/// The pairs of `pairwise` that `keep` keeps, with their LRs (those not impossible to compute).
fn pair_lrs<'a>(
    pairwise: &'a [PairwiseLr],
    keep: impl Fn(&PairwiseLr) -> bool + 'a,
) -> impl Iterator<Item = (Pair, f64)> + 'a {
    pairwise.iter().filter(move |p| keep(p)).filter_map(|p| {
        let pair = Pair {
            victim: p.victim,
            family: p.family,
            missing: p.missing,
        };
        p.lr().map(|lr| (pair, lr))
    })
}

impl Conclusion {
    /// The conclusion naming an identified pair.
    fn identified(pair: Pair, class: ConclusionClass, lr: Option<f64>, glr: Option<f64>) -> Conclusion {
        Conclusion {
            family: pair.family,
            missing: Some(pair.missing),
            victim: Some(pair.victim),
            class,
            lr,
            glr,
            comment: None,
        }
    }
}

/// One conclusion per missing person (AM-centric), then one per victim (PM-centric).
pub fn conclusions(
    case: &DviCase,
    pairwise: &[PairwiseLr],
    joint: &JointResult,
    t: Thresholds,
) -> (Vec<Conclusion>, Vec<Conclusion>) {
    let best = joint.assignments.first();
    let lr_of = |pair: Pair| {
        pairwise
            .iter()
            .find(|p| p.victim == pair.victim && p.family == pair.family && p.missing == pair.missing)
            .and_then(PairwiseLr::lr)
    };
    let undisputed = |keep: &dyn Fn(&Pair) -> bool| {
        joint.undisputed.iter().find_map(|u| {
            let pair = Pair {
                victim: u.victim,
                family: u.family,
                missing: u.missing,
            };
            keep(&pair).then_some((pair, u.ln_lr))
        })
    };
    let am = case
        .missing_persons()
        .map(|(f, k)| {
            let assigned = best
                .and_then(|a| a.pairs.iter().position(|p| *p == Some((f, k))))
                .map(|victim| Pair {
                    victim,
                    family: f,
                    missing: k,
                });
            let glr = joint.glr_missing(f, k);
            match decide(
                undisputed(&|p| p.family == f && p.missing == k),
                assigned,
                pair_lrs(pairwise, move |p| p.family == f && p.missing == k),
                glr,
                lr_of,
                t,
            ) {
                Decision::Identified(pair, class, lr) => Conclusion::identified(pair, class, lr, glr),
                Decision::Unresolved(class, top) => Conclusion {
                    family: f,
                    missing: Some(k),
                    victim: None,
                    class,
                    lr: top.map(|(_, lr)| lr),
                    glr,
                    comment: top.map(|(p, _)| format!("Best: {}", case.victims()[p.victim].id)),
                },
            }
        })
        .collect();
    let pm = (0..case.victims().len())
        .map(|v| {
            let assigned = best.and_then(|a| a.pairs[v]).map(|(family, missing)| Pair {
                victim: v,
                family,
                missing,
            });
            let glr = joint.glr_victim(v);
            match decide(
                undisputed(&|p| p.victim == v),
                assigned,
                pair_lrs(pairwise, move |p| p.victim == v),
                glr,
                lr_of,
                t,
            ) {
                Decision::Identified(pair, class, lr) => Conclusion::identified(pair, class, lr, glr),
                Decision::Unresolved(class, top) => Conclusion {
                    family: top.map_or(0, |(p, _)| p.family),
                    missing: None,
                    victim: Some(v),
                    class,
                    lr: top.map(|(_, lr)| lr),
                    glr,
                    comment: top.map(|(p, _)| format!("Best: {}", case.missing_id(p.family, p.missing))),
                },
            }
        })
        .collect();
    (am, pm)
}
