//! Joint identification: the assignments of victims to missing persons, exactly under the model
//! as given, without enumerating every assignment.
//!
//! The likelihood of an assignment factorises over the reference families: with `S_f` the
//! victims placed in family `f`,
//!
//! ```text
//! LR(assignment vs nobody identified) = Π_f R_f(S_f),   R_f(S) = L_f(S) / (L_f(∅) · Π_{v∈S} L_v)
//! ```
//!
//! so each family's factor depends only on which of its missing persons which victims are. The
//! solver
//!
//! 1. computes every family's *placements* (partial injections of candidate victims into its
//!    missing persons) with their exact factor, once; a placement whose factor is 0 has no
//!    admissible superset, so those are never computed. Victims on childless full siblings are
//!    computed from their parents' genotype tables, once per family (`sibship.rs`), the others by
//!    rows of conditional LRs (`rows.rs`) or the engine. Missing persons that the family's data
//!    cannot tell apart (childless full siblings of one sex, [`exchangeable_classes`]) form a
//!    class: a placement puts a *set* of victims on a class, computed once, and stands for every
//!    ordering of them over the class's members (each a distinct assignment of the same factor);
//! 2. leaves out placements so light that every assignment using them weighs, with a certified
//!    bound, at most half the tolerance of the total ([`drop_light_placements`]);
//! 3. splits the case into connected components of the pairing graph (victims and families joined
//!    by a placement), which are independent;
//! 4. in each component sums the one-missing families exactly by dynamic programming over the
//!    victims (the *pool*, `pool.rs`), and walks the other families depth first, best placements
//!    first, adding at every leaf the pool's total, pairing masses and best LRs given the victims
//!    the leaf uses. A branch is cut only when an upper bound on all of its mass (its weight
//!    times, for every family still open, the sum of all of its placements, disjoint or not, and
//!    the pool's sum with every victim free, found and cut) is below a share of the mass found
//!    and the cut mass stays within the tolerance; the pool drops its negligible states within
//!    the tolerance too, with more states for the leaves that weigh more
//!    (`POOL_STATES`), and drops the lightest beyond them. The cut masses make the **certified
//!    bound**: the true total is between the mass found and the mass found times (1 + bound), so
//!    every posterior and marginal is exact to that relative bound;
//! 5. finds each component's K best by a separate branch and bound on one ordering's weight
//!    (exact when it ends within its node budget), and combines the components' lists into the K
//!    best assignments of the whole case.
//!
//! Memory grows with the placements, the pool's states (capped) and K, never with the number of
//! assignments. A time budget
//! stops the walk; the unexplored branches' upper bounds are then added to the bound and the
//! result says it is incomplete.
//!
//! The mutation models are used as given in every family. dvir's shortcut of switching them off
//! in families whose references are consistent without them is an explicit option
//! ([`DisableMutations`]), reported per family in [`JointResult::mutations_disabled`].

use std::collections::{BinaryHeap, HashMap, HashSet};
use std::time::Instant;

use kinship::Marker;

use super::pool::{Pool, PoolSum, POOL_MAX};
use super::rows::Rows;
use super::sibship::Sibship;
use super::{without_mutations, DviCase, DviError, Evaluator, Family, PairwiseLr};

/// A missing person as (family, index into its missing list).
pub type MissingRef = (usize, usize);

/// One victim's marginal posteriors: per missing person (or `None`, nobody), its probability.
pub type VictimMarginals = Vec<(Option<MissingRef>, f64)>;

/// When to switch mutation models off, family by family (dvir's `disableMutations`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DisableMutations {
    /// Keep the markers' models everywhere: the model as the user gave it.
    #[default]
    Never,
    /// Switch them off everywhere.
    Always,
    /// Switch them off in every family whose references are consistent without mutations
    /// (dvir's `jointDVI` default).
    WhenConsistent,
}

impl DisableMutations {
    pub fn label(&self) -> &'static str {
        match self {
            DisableMutations::Never => "never",
            DisableMutations::Always => "always",
            DisableMutations::WhenConsistent => "when-consistent",
        }
    }
}

/// Options of the joint search.
#[derive(Debug, Clone, PartialEq)]
pub struct JointOptions {
    /// Assignments reported, best first.
    pub top: usize,
    /// Pairings whose pairwise LR is at or below this are outside the hypotheses (0: only the
    /// impossible pairings, which changes no posterior). `None` keeps every sex-compatible
    /// pairing; a pairing with LR 0 still gives every assignment that makes it likelihood 0.
    pub limit: Option<f64>,
    /// Report undisputed pairs (dvir's step: pairwise LR at least this and at least this many
    /// times every other LR of the same victim or missing person, found one by one with the
    /// earlier ones placed). They are reported and used for conclusions; the posteriors are
    /// always over every admissible assignment. `None` to skip.
    pub undisputed: Option<f64>,
    pub disable_mutations: DisableMutations,
    /// Prior odds of each identification an assignment makes: an assignment with k pairs has
    /// prior weight `identification_odds^k`. 1 is dvir's flat prior over assignments.
    pub identification_odds: f64,
    /// The largest relative mass the search may leave unenumerated (certified). 0 enumerates
    /// every assignment of non-zero likelihood.
    pub tolerance: f64,
    /// Stop the search after this many seconds with the best found so far and the bound reached.
    pub max_seconds: Option<f64>,
    /// Refuse a family with more placements than this (each is a likelihood computation).
    pub max_placements: usize,
}

impl Default for JointOptions {
    fn default() -> Self {
        JointOptions {
            top: 10,
            limit: Some(0.0),
            undisputed: Some(1e4),
            disable_mutations: DisableMutations::Never,
            identification_odds: 1.0,
            tolerance: 1e-9,
            max_seconds: None,
            max_placements: 2_000_000,
        }
    }
}

/// A pair found undisputed by dvir's procedure.
#[derive(Debug, Clone, PartialEq)]
pub struct UndisputedPair {
    pub victim: usize,
    pub family: usize,
    pub missing: usize,
    /// ln of the pairwise LR when it was found (the earlier undisputed pairs placed).
    pub ln_lr: f64,
}

/// One assignment of every victim to a missing person `(family, index in its missing list)` or to nobody.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub pairs: Vec<Option<(usize, usize)>>,
    /// ln L of all the data under this assignment.
    pub loglik: f64,
    /// ln LR against "nobody identified".
    pub ln_lr: f64,
    /// Posterior probability over every admissible assignment (flat prior unless
    /// [`JointOptions::identification_odds`] says otherwise), exact to [`JointResult::bound`].
    pub posterior: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JointResult {
    pub undisputed: Vec<UndisputedPair>,
    /// The pairwise LRs the search used: each family with the markers it was computed with.
    pub pairwise: Vec<PairwiseLr>,
    /// Per family: whether its mutation models were switched off (only on request).
    pub mutations_disabled: Vec<bool>,
    /// The K best, best first.
    pub assignments: Vec<Assignment>,
    /// Certified relative bound on the posterior mass not enumerated: the total mass is at most
    /// `1 + bound` times the mass enumerated.
    pub bound: f64,
    /// False when the time budget stopped the search.
    pub complete: bool,
    /// Whether the listed assignments are certainly the K best: no cut branch of any component
    /// could hold an assignment heavier than that component's last listed one.
    pub top_exact: bool,
    /// Assignments visited, counted per connected component (the components' assignments
    /// combine freely, so the whole case has their product).
    pub enumerated: u64,
    /// ln L with nobody identified.
    pub ln_null: f64,
    /// Where the time went.
    pub timings: JointTimings,
    victim_marginals: Vec<VictimMarginals>,
    glr_missing: HashMap<(usize, usize), GlrValue>,
    glr_victim: Vec<GlrValue>,
    symmetric: Vec<((usize, usize), (usize, usize))>,
}

/// Seconds spent in each phase of [`joint`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct JointTimings {
    /// Pairwise LRs and undisputed pairs.
    pub pairwise: f64,
    /// Every family's placements.
    pub placements: f64,
    /// The search over the components, the K best, marginals and generalised LRs.
    pub search: f64,
}

/// A generalised LR, and whether the side "with" was only bounded from below (a cut branch may
/// have held a better assignment with the identification, so the GLR given is never too high).
#[derive(Debug, Clone, Copy, PartialEq)]
struct GlrValue {
    ln: Option<f64>,
}

impl JointResult {
    /// P(victim `v` is missing person m) for every m with non-zero probability; `None` = nobody.
    pub fn marginals(&self, v: usize) -> VictimMarginals {
        self.victim_marginals[v].clone()
    }

    /// P(missing person (family, k) is victim v), and `None` = not among the victims.
    pub fn missing_marginals(&self, family: usize, missing: usize) -> Vec<(Option<usize>, f64)> {
        let mut out = Vec::new();
        let mut identified = 0.0;
        for (v, marg) in self.victim_marginals.iter().enumerate() {
            if let Some(&(_, p)) = marg.iter().find(|(m, _)| *m == Some((family, missing))) {
                out.push((Some(v), p));
                identified += p;
            }
        }
        out.push((None, (1.0 - identified).max(0.0)));
        out
    }

    /// The generalised LR of a missing person being identified: the best assignment that
    /// identifies them against the best that does not. `None` if one side has no assignment.
    pub fn glr_missing(&self, family: usize, missing: usize) -> Option<f64> {
        self.glr_missing
            .get(&(family, missing))
            .and_then(|g| g.ln)
            .map(f64::exp)
    }

    /// The generalised LR of a victim being identified.
    pub fn glr_victim(&self, victim: usize) -> Option<f64> {
        self.glr_victim[victim].ln.map(f64::exp)
    }

    /// Missing persons of one family who can be swapped in the best assignment without changing
    /// its likelihood (twins, or relatives the data cannot tell apart).
    pub fn symmetric_pairs(&self) -> Vec<((usize, usize), (usize, usize))> {
        self.symmetric.clone()
    }
}

/// The undisputed pairs, and the best assignments with posteriors over every admissible one.
pub fn joint(case: &DviCase, options: &JointOptions) -> Result<JointResult, DviError> {
    let started = Instant::now();
    if !(options.tolerance >= 0.0 && options.tolerance.is_finite()) {
        return Err(DviError::Unsupported {
            what: format!("a tolerance of {}", options.tolerance),
        });
    }
    if !(options.identification_odds > 0.0 && options.identification_odds.is_finite()) {
        return Err(DviError::Unsupported {
            what: format!("identification odds of {}", options.identification_odds),
        });
    }
    let plain = without_mutations(case.markers());
    let mut eval = Evaluator::new(case);
    let mutations_disabled: Vec<bool> = (0..case.families().len())
        .map(|f| {
            Ok(match options.disable_mutations {
                DisableMutations::Never => false,
                DisableMutations::Always => true,
                DisableMutations::WhenConsistent => eval.family(f, &[], &plain, None)? > f64::NEG_INFINITY,
            })
        })
        .collect::<Result<_, DviError>>()?;
    let family_markers: Vec<&[Marker]> = mutations_disabled
        .iter()
        .map(|&off| if off { plain.as_slice() } else { case.markers() })
        .collect();
    let victim_ll: Vec<f64> = (0..case.victims().len())
        .map(|v| eval.victim(v, case.markers()))
        .collect::<Result<_, _>>()?;
    let family_ll: Vec<f64> = (0..case.families().len())
        .map(|f| eval.family(f, &[], family_markers[f], None))
        .collect::<Result<_, _>>()?;
    if let Some(f) = family_ll.iter().position(|&l| l == f64::NEG_INFINITY) {
        return Err(DviError::FamilyImpossible {
            family: case.families()[f].id.clone(),
        });
    }
    let ln_null = victim_ll.iter().sum::<f64>() + family_ll.iter().sum::<f64>();
    let mut rows = Rows::new(case, victim_ll.clone())?;
    let pairwise = pairwise_by_rows(case, &mut rows, &family_markers, &plain, &mutations_disabled)?;
    let undisputed = match options.undisputed {
        Some(t) => undisputed_pairs(case, &mut rows, &family_markers, &pairwise, t)?,
        None => Vec::new(),
    };

    // The pairings inside the hypotheses: non-zero LR, and above the user's limit.
    let ln_limit = options.limit.filter(|&l| l > 0.0).map(f64::ln);
    let ln_odds = options.identification_odds.ln();
    let nv = case.victims().len();
    let mut kept: Vec<Vec<Vec<f64>>> = case
        .families()
        .iter()
        .map(|fam| vec![vec![f64::NEG_INFINITY; nv]; fam.missing.len()])
        .collect();
    for p in &pairwise {
        if let Some(l) = p
            .ln_lr
            .filter(|&l| l > f64::NEG_INFINITY && ln_limit.is_none_or(|t| l > t))
        {
            kept[p.family][p.missing][p.victim] = l;
        }
    }
    let t_pairwise = started.elapsed().as_secs_f64();
    let deadline = options.max_seconds.map(|s| (started, s));
    let mut complete = true;
    let mut placements = Vec::with_capacity(case.families().len());
    for (f, family_kept) in kept.iter().enumerate() {
        let context = FamilyContext {
            f,
            markers: family_markers[f],
            ln_odds,
            max: options.max_placements,
            deadline,
        };
        let fp = family_placements(&mut rows, &context, family_kept, case.families())?;
        complete &= fp.complete;
        placements.push(fp);
    }
    // Half the tolerance may go to placements left out as too light (certified, see
    // `drop_light_placements`), the other half to the search's cuts.
    let (ln_pruned, ln_heaviest_dropped) = if complete {
        drop_light_placements(&mut placements, case.victims().len(), options.tolerance / 2.0)
    } else {
        (f64::NEG_INFINITY, f64::NEG_INFINITY)
    };
    let search_tolerance = if ln_pruned > f64::NEG_INFINITY {
        options.tolerance / 2.0
    } else {
        options.tolerance
    };
    let t_placements = started.elapsed().as_secs_f64();
    let components = components(case.victims().len(), &placements);
    let mut solved = Vec::with_capacity(components.len());
    let mut enumerated = 0u64;
    for comp in &components {
        let s = solve_component(comp, &placements, options.top, search_tolerance, deadline);
        complete &= s.complete;
        enumerated = enumerated.saturating_add(s.leaves);
        solved.push(s);
    }
    let ln_total: f64 = solved.iter().map(|s| s.ln_z).sum();
    let k = options.top.max(1);
    // Placements not all computed in time leave the K best uncertain too.
    let top_exact = placements.iter().all(|p| p.complete) && solved.iter().all(|s| s.top_complete);
    // Cut branches: each component's total is at most (1 + its share) times the mass found.
    // Dropped placements: they add at most `pruned` times the whole total (see
    // `drop_light_placements`).
    let pruned = ln_pruned.exp();
    // A family whose placements were not all computed in time leaves its mass unbounded.
    let unbounded = placements.iter().any(|p| !p.complete);
    let bound = if unbounded {
        f64::INFINITY
    } else {
        solved
            .iter()
            .map(|s| (ln_add(s.ln_cut, s.ln_pool_cut) - s.ln_z).exp())
            .fold(1.0, |acc, d| acc * (1.0 + d))
            / (1.0 - pruned)
            - 1.0
    };

    // The K best of the whole case from the components' lists.
    let weighed: Vec<(f64, Assignment)> = combine_top(&solved, options.top)
        .into_iter()
        .map(|choice| {
            let mut pairs = vec![None; case.victims().len()];
            let mut ln_lr = 0.0;
            let mut ln_w = 0.0;
            for (c, &i) in choice.iter().enumerate() {
                let leaf = &solved[c].top[i];
                ln_lr += leaf.ln_lr;
                ln_w += leaf.ln_w;
                for &(v, f, k) in &leaf.pairs {
                    pairs[v] = Some((f, k));
                }
            }
            (
                ln_w,
                Assignment {
                    pairs,
                    loglik: ln_null + ln_lr,
                    ln_lr,
                    posterior: (ln_w - ln_total).exp(),
                },
            )
        })
        .collect::<Vec<_>>();

    // An assignment using a left-out placement weighs at most `ln_heaviest_dropped` (see
    // `drop_light_placements`): only the listed ones that weigh more are certainly above every
    // such assignment, and the list is the K best only if K of them remain.
    let assignments: Vec<Assignment> = weighed
        .into_iter()
        .filter(|(ln_w, _)| *ln_w > ln_heaviest_dropped)
        .map(|(_, a)| a)
        .collect();
    let top_exact = top_exact && (ln_pruned == f64::NEG_INFINITY || assignments.len() == k);
    let mut victim_marginals: Vec<VictimMarginals> = vec![Vec::new(); case.victims().len()];
    for s in &solved {
        for (&(v, f, k), &ln) in &s.pairing_mass {
            victim_marginals[v].push((Some((f, k)), (ln - s.ln_z).exp()));
        }
    }
    for marg in &mut victim_marginals {
        marg.sort_by(|a, b| b.1.total_cmp(&a.1));
        let identified: f64 = marg.iter().map(|(_, p)| p).sum();
        marg.push((None, (1.0 - identified).max(0.0)));
    }

    let best = assignments.first();
    let (glr_missing, glr_victim) = generalised_lrs(case, &components, &solved, &placements, best, deadline);
    let symmetric = match best {
        Some(b) => symmetric_pairs(&mut eval, case, &family_markers, &family_ll, &victim_ll, b)?,
        None => Vec::new(),
    };
    let t_end = started.elapsed().as_secs_f64();
    Ok(JointResult {
        timings: JointTimings {
            pairwise: t_pairwise,
            placements: t_placements - t_pairwise,
            search: t_end - t_placements,
        },
        undisputed,
        pairwise,
        mutations_disabled,
        assignments,
        bound,
        complete,
        top_exact,
        enumerated,
        ln_null,
        victim_marginals,
        glr_missing,
        glr_victim,
        symmetric,
    })
}

/// One placement of victims in one family: `(index into the family's missing list, victim)`.
///
/// Within a class of exchangeable missing persons ([`exchangeable_classes`]) a placement is
/// canonical: the class's first members hold its victims in increasing order. It stands for
/// every ordering of those victims over the class's members (`ln_m` = ln of their number), each a
/// distinct assignment of the same factor.
#[derive(Debug, Clone)]
struct Placement {
    pairs: Vec<(usize, usize)>,
    /// ln R_f: the family's LR for this placement against nobody identified in it.
    ln_r: f64,
    /// ln of one ordering's weight in the posterior: `ln_r` plus the prior odds of its
    /// identifications.
    ln_w: f64,
    /// ln of the number of orderings the placement stands for.
    ln_m: f64,
}

impl Placement {
    /// ln of the posterior mass of all its orderings.
    fn ln_mass(&self) -> f64 {
        self.ln_w + self.ln_m
    }
}

/// A family's placements, heaviest first, with the suffix sums that bound the unexplored ones.
#[derive(Debug)]
struct FamilyPlacements {
    list: Vec<Placement>,
    /// False when the time budget stopped their computation.
    complete: bool,
    /// `ln_tail[j]` = ln Σ_{i ≥ j} exp(list[i].ln_mass()); one more entry, −∞, at the end.
    ln_tail: Vec<f64>,
    /// Per missing index, the members of its class of exchangeable missing persons, in order.
    classes: Vec<Vec<usize>>,
}

impl FamilyPlacements {
    fn ln_total(&self) -> f64 {
        self.ln_tail[0]
    }
    fn ln_max(&self) -> f64 {
        self.list.first().map_or(0.0, |p| p.ln_mass())
    }
    /// Whether some ordering of `p` leaves missing person `k` unidentified.
    fn can_leave_out(&self, p: &Placement, k: usize) -> bool {
        let class = &self.classes[k];
        p.pairs.iter().filter(|(kk, _)| class.contains(kk)).count() < class.len()
    }
}

/// Classes of exchangeable missing persons of a family, as the members of each missing index's
/// class (missing indices, in order). Two missing persons are exchangeable when swapping them is
/// an automorphism of the family's data: same sex, the same father and mother, no children, and
/// the same typings and dropout (missing persons are untyped). Swapping the victims placed on
/// them then leaves every likelihood unchanged.
fn exchangeable_classes(fam: &Family) -> Vec<Vec<usize>> {
    let ped = &fam.pedigree;
    let has_children = |i: usize| ped.members().iter().any(|m| m.father == Some(i) || m.mother == Some(i));
    let key = |k: usize| {
        let i = fam.missing[k];
        let m = ped.member(i);
        let typed: Vec<_> = fam.typings.iter().map(|t| t[i]).collect();
        (
            m.sex,
            m.father,
            m.mother,
            typed,
            fam.dropout.get(&m.id).map(|d| d.to_bits()),
        )
    };
    let swappable = |a: usize, b: usize| {
        let (ia, ib) = (fam.missing[a], fam.missing[b]);
        let (ma, mb) = (ped.member(ia), ped.member(ib));
        ma.father.is_some()
            && ma.mother.is_some()
            && !has_children(ia)
            && !has_children(ib)
            && key(a) == key(b)
            && mb.father.is_some()
    };
    let n = fam.missing.len();
    let mut classes: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut assigned = vec![false; n];
    for a in 0..n {
        if assigned[a] {
            continue;
        }
        let members: Vec<usize> = (a..n)
            .filter(|&b| b == a || (!assigned[b] && swappable(a, b)))
            .collect();
        for &b in &members {
            assigned[b] = true;
            classes[b] = members.clone();
        }
    }
    classes
}

/// ln of the number of injections of `s` victims into `m` places: m! / (m − s)!.
fn ln_orderings(m: usize, s: usize) -> f64 {
    ((m - s + 1)..=m).map(|x| (x as f64).ln()).sum()
}

struct FamilyContext<'a> {
    f: usize,
    markers: &'a [Marker],
    ln_odds: f64,
    max: usize,
    deadline: Option<(Instant, f64)>,
}

/// Every partial injection of the family's candidates into its missing persons, up to the
/// orderings within classes of exchangeable missing persons, with its exact factor: missing
/// persons decided in order, each node's row giving every victim's LR at the next missing person
/// given the victims placed so far. `kept[k][v]` is the pairwise ln LR of victim v at missing
/// person k, −∞ where the pairing is outside the hypotheses (the same for every member of a
/// class). A placement of likelihood 0 ends its branch: every superset has likelihood 0 too (its
/// data include the smaller one's).
fn family_placements(
    rows: &mut Rows<'_>,
    cx: &FamilyContext<'_>,
    kept: &[Vec<f64>],
    families: &[Family],
) -> Result<FamilyPlacements, DviError> {
    let classes = exchangeable_classes(&families[cx.f]);
    // The members of a class share their hypotheses (their pairwise LRs are equal but for
    // rounding, which must not break the symmetry at the limit).
    let kept: Vec<Vec<f64>> = (0..kept.len()).map(|k| kept[classes[k][0]].clone()).collect();
    let kept = kept.as_slice();
    let mut list = vec![Placement {
        pairs: Vec::new(),
        ln_r: 0.0,
        ln_w: 0.0,
        ln_m: 0.0,
    }];
    // The missing persons with the fewest candidates first: fewer nodes near the root; the
    // members of a class together, in their order.
    let mut order: Vec<usize> = (0..kept.len()).collect();
    order.sort_by_key(|&k| {
        (
            kept[k].iter().filter(|&&l| l > f64::NEG_INFINITY).count(),
            classes[k][0],
            k,
        )
    });
    // Victims on childless full siblings: from their parents' tables, when that applies.
    let candidates: Vec<usize> = (0..rows.case().victims().len())
        .filter(|&v| kept.iter().any(|row| row[v] > f64::NEG_INFINITY))
        .collect();
    let sibship = Sibship::new(rows, cx.f, cx.markers, &candidates)?;
    let mut walk = PlacementWalk {
        rows,
        sibship: sibship.as_ref(),
        cx,
        kept,
        order: &order,
        classes: &classes,
        families,
        current: Vec::new(),
        out: &mut list,
        nodes: 0,
        stopped: false,
    };
    walk.extend(0, 0.0)?;
    let complete = !walk.stopped;
    list.sort_by(|a, b| b.ln_mass().total_cmp(&a.ln_mass()));
    let mut ln_tail = vec![f64::NEG_INFINITY; list.len() + 1];
    for j in (0..list.len()).rev() {
        ln_tail[j] = ln_add(ln_tail[j + 1], list[j].ln_mass());
    }
    Ok(FamilyPlacements {
        list,
        complete,
        ln_tail,
        classes,
    })
}

/// The depth-first walk over one family's missing persons that lists its placements.
struct PlacementWalk<'w, 'r, 'c> {
    rows: &'w mut Rows<'r>,
    sibship: Option<&'w Sibship>,
    cx: &'w FamilyContext<'c>,
    kept: &'w [Vec<f64>],
    order: &'w [usize],
    classes: &'w [Vec<usize>],
    families: &'w [Family],
    current: Vec<(usize, usize)>,
    out: &'w mut Vec<Placement>,
    nodes: u64,
    stopped: bool,
}

impl PlacementWalk<'_, '_, '_> {
    fn extend(&mut self, level: usize, ln_r: f64) -> Result<(), DviError> {
        if level == self.order.len() || self.stopped {
            return Ok(());
        }
        self.nodes += 1;
        if let Some((start, seconds)) = self.cx.deadline {
            if self.nodes % 64 == 1 && start.elapsed().as_secs_f64() > seconds {
                self.stopped = true;
                return Ok(());
            }
        }
        let k = self.order[level];
        // Missing person k stays unidentified.
        self.extend(level + 1, ln_r)?;
        // Canonical within a class: member j holds a victim only if member j − 1 holds one, and
        // a later one.
        let class = &self.classes[k];
        let position = class.iter().position(|&x| x == k).unwrap_or(0);
        let after = if position == 0 {
            None
        } else {
            match self.current.iter().find(|&&(kk, _)| kk == class[position - 1]) {
                Some(&(_, u)) => Some(u),
                None => return Ok(()),
            }
        };
        let allowed = |v: usize| after.is_none_or(|u| v > u);
        let kept = &self.kept[k];
        let current = &self.current;
        let candidates = kept
            .iter()
            .enumerate()
            .filter(|&(v, &l)| l > f64::NEG_INFINITY && allowed(v) && current.iter().all(|&(_, u)| u != v))
            .count();
        if candidates == 0 {
            return Ok(());
        }
        // ln R_f of the current placement with each candidate v at k. With nobody placed yet
        // it is the pairwise LRs; with everyone on childless full siblings, from their
        // parents' tables. Otherwise by a row (the conditional LRs), which costs one genotype
        // table per marker for every victim at once; with few candidates left, their
        // likelihoods one by one cost less (the engine can merge unseen alleles, a table over
        // all genotypes cannot).
        let on_siblings = self
            .sibship
            .filter(|s| s.covers(k) && current.iter().all(|&(kk, _)| s.covers(kk)));
        let values: Vec<f64> = if current.is_empty() {
            kept.clone()
        } else if let Some(sibship) = on_siblings {
            let wanted: Vec<usize> = (0..kept.len())
                .filter(|&v| kept[v] > f64::NEG_INFINITY && allowed(v) && current.iter().all(|&(_, u)| u != v))
                .collect();
            let placed: Vec<usize> = current.iter().map(|&(_, u)| u).collect();
            let mut values = vec![f64::NEG_INFINITY; kept.len()];
            for (&v, x) in wanted.iter().zip(sibship.ln_ratios(&placed, &wanted)) {
                values[v] = x;
            }
            values
        } else {
            let row = if candidates <= ENGINE_UP_TO {
                let wanted: Vec<f64> = kept
                    .iter()
                    .enumerate()
                    .map(|(v, &l)| if allowed(v) { l } else { f64::NEG_INFINITY })
                    .collect();
                self.rows
                    .conditional_by_engine(self.cx.f, current, k, self.cx.markers, &wanted)?
            } else {
                self.rows.row(self.cx.f, current, k, self.cx.markers)?.ln_lr
            };
            row.iter().map(|&x| ln_r + x).collect()
        };
        for (v, &pairwise) in self.kept[k].iter().enumerate() {
            if pairwise == f64::NEG_INFINITY
                || !allowed(v)
                || self.current.iter().any(|&(_, u)| u == v)
                || values[v] == f64::NEG_INFINITY
            {
                continue;
            }
            if self.out.len() >= self.cx.max {
                return Err(DviError::TooManyPlacements {
                    family: self.families[self.cx.f].id.clone(),
                    limit: self.cx.max,
                });
            }
            self.current.push((k, v));
            let value = values[v];
            let mut pairs = self.current.clone();
            pairs.sort_unstable();
            let mut ln_m = 0.0;
            for (c, members) in self.classes.iter().enumerate() {
                if members[0] == c {
                    let placed = pairs.iter().filter(|(kk, _)| members.contains(kk)).count();
                    ln_m += ln_orderings(members.len(), placed);
                }
            }
            self.out.push(Placement {
                pairs,
                ln_r: value,
                ln_w: value + self.cx.ln_odds * self.current.len() as f64,
                ln_m,
            });
            self.extend(level + 1, value)?;
            self.current.pop();
            if self.stopped {
                return Ok(());
            }
        }
        Ok(())
    }
}

/// Candidates at a missing person up to which their conditional LRs are computed one by one.
const ENGINE_UP_TO: usize = 3;

/// Leaves out placements so light that all the assignments using them weigh together at most
/// `budget` of the whole posterior mass, and returns ln of that certified share. Every family
/// keeps its empty placement. Needs every placement of every family (the whole model).
///
/// Notation: Z is the total mass; Z(−g) that of the case without family g, Z(−g, −P) also without
/// the victims of placement P; m(P) a placement's mass (its orderings' weights). Then
/// Z = Σ_P m(P) · Z(−g, −P) over g's placements. Three bounds, each by comparing sums of
/// non-negative terms (an assignment of a smaller case is one of a larger case):
///
/// 1. Removing victim t costs at most a factor 1 + A_t, with A_t the mass of every placement
///    holding t in the families present: Z(X) ≤ (1 + A_t) · Z(X − t).
/// 2. Hence Z ≥ B_g · Z(−g), with B_g = Σ_{Q kept} m(Q) / Π_{t∈Q} (1 + A_t^{(−g)}) (A without
///    family g's own placements).
/// 3. A victim t wanted elsewhere makes Z(−g, −t) small: Z(−g) ≥ (1 + ρ_t^{(−g)}) · Z(−g, −t),
///    ρ_t^{(−g)} = Σ_{h≠g} [Σ_{P∋t in h} m(P) / Π_{s∈P−t} (1 + A_s^{(−h)})] / T_h^{¬t}, with
///    T_h^{¬t} the mass of h's placements without t.
///
/// So the assignments using a dropped placement P of g weigh at most
/// m(P) / (1 + max_{t∈P} ρ_t^{(−g)}) · Z(−g) ≤ [that / B_g] · Z, and summed over the dropped
/// placements of every family at most their sum S times Z: the total is at most the kept mass
/// divided by 1 − S.
///
/// Also returns ln of an upper bound on one ordering's weight of any assignment using a dropped
/// placement: per dropped placement, its weight times every other family's heaviest placement
/// disjoint from it (the others' disjoint from each other or not).
fn drop_light_placements(placements: &mut [FamilyPlacements], victims: usize, budget: f64) -> (f64, f64) {
    let families = placements.iter().filter(|p| p.list.len() > 1).count();
    if budget.is_nan() || budget <= 0.0 || families == 0 {
        return (f64::NEG_INFINITY, f64::NEG_INFINITY);
    }
    let heaviest: Vec<f64> = placements
        .iter()
        .map(|fp| fp.list.iter().map(|p| p.ln_w).fold(0.0, f64::max))
        .collect();
    let all_heaviest: f64 = heaviest.iter().sum();
    // The whole model's placements (victims, one ordering's weight), for the bound on a dropped
    // placement's assignments: the families sharing a victim with it can only use placements
    // disjoint from it. Heaviest first, so that the heaviest disjoint one is the first found.
    let original: Vec<Vec<(Vec<usize>, f64)>> = placements
        .iter()
        .map(|fp| {
            let mut list: Vec<(Vec<usize>, f64)> = fp
                .list
                .iter()
                .map(|p| (p.pairs.iter().map(|&(_, v)| v).collect(), p.ln_w))
                .collect();
            list.sort_by(|a, b| b.1.total_cmp(&a.1));
            list
        })
        .collect();
    let mut ln_heaviest_dropped = f64::NEG_INFINITY;
    let ln_budget = (budget / families as f64).ln();
    // c[t]: per family h, ln of the mass of h's placements holding t.
    let mut held: Vec<Vec<(usize, f64)>> = vec![Vec::new(); victims];
    for (h, fp) in placements.iter().enumerate() {
        let mut per_victim: HashMap<usize, f64> = HashMap::new();
        for p in &fp.list {
            for &(_, t) in &p.pairs {
                let e = per_victim.entry(t).or_insert(f64::NEG_INFINITY);
                *e = ln_add(*e, p.ln_mass());
            }
        }
        for (t, c) in per_victim {
            held[t].push((h, c));
        }
    }
    let ln_sum_except = |terms: &[(usize, f64)], g: usize| {
        terms
            .iter()
            .filter(|&&(h, _)| h != g)
            .fold(f64::NEG_INFINITY, |acc, &(_, c)| ln_add(acc, c))
    };
    // ln(1 + A_t^{(−g)}).
    let ln_one_plus = |x: f64| ln_add(0.0, x);
    let ln_removal = |t: usize, g: usize| ln_one_plus(ln_sum_except(&held[t], g));
    // e[t]: per family h, ln of h's term of ρ_t.
    let mut wanted: Vec<Vec<(usize, f64)>> = vec![Vec::new(); victims];
    for (h, fp) in placements.iter().enumerate() {
        let mut with: HashMap<usize, f64> = HashMap::new();
        let mut without: HashMap<usize, f64> = HashMap::new();
        let members: HashSet<usize> = fp.list.iter().flat_map(|p| p.pairs.iter().map(|&(_, v)| v)).collect();
        for p in &fp.list {
            for &t in &members {
                if p.pairs.iter().any(|&(_, v)| v == t) {
                    let discount: f64 = p
                        .pairs
                        .iter()
                        .filter(|&&(_, s)| s != t)
                        .map(|&(_, s)| ln_removal(s, h))
                        .sum();
                    let e = with.entry(t).or_insert(f64::NEG_INFINITY);
                    *e = ln_add(*e, p.ln_mass() - discount);
                } else {
                    let e = without.entry(t).or_insert(f64::NEG_INFINITY);
                    *e = ln_add(*e, p.ln_mass());
                }
            }
        }
        for (t, w) in with {
            // The empty placement is never with t: T_h^{¬t} ≥ 1.
            let rest = without.get(&t).copied().unwrap_or(0.0);
            wanted[t].push((h, w - rest));
        }
    }
    let mut ln_share = f64::NEG_INFINITY;
    for (g, fp) in placements.iter_mut().enumerate() {
        if fp.list.len() <= 1 {
            continue;
        }
        // Per placement: ln of its discounted mass (its term of B_g) and of its drop bound.
        let terms: Vec<(f64, f64)> = fp
            .list
            .iter()
            .map(|p| {
                let discount: f64 = p.pairs.iter().map(|&(_, t)| ln_removal(t, g)).sum();
                let rho = p
                    .pairs
                    .iter()
                    .map(|&(_, t)| ln_one_plus(ln_sum_except(&wanted[t], g)))
                    .fold(0.0, f64::max);
                (p.ln_mass() - discount, p.ln_mass() - rho)
            })
            .collect();
        let mut ln_b = terms.iter().fold(f64::NEG_INFINITY, |acc, &(d, _)| ln_add(acc, d));
        let mut by_bound: Vec<usize> = (0..fp.list.len()).filter(|&j| !fp.list[j].pairs.is_empty()).collect();
        by_bound.sort_by(|&a, &b| terms[a].1.total_cmp(&terms[b].1));
        let mut ln_w = f64::NEG_INFINITY;
        let mut dropped = vec![false; fp.list.len()];
        for j in by_bound {
            let (d, u) = terms[j];
            let next_w = ln_add(ln_w, u);
            // B_g over the placements kept: the sum less this one's term (never below the
            // empty placement's 1).
            let next_b = ln_sub(ln_b, d).max(0.0);
            if next_w - next_b > ln_budget {
                break;
            }
            ln_w = next_w;
            ln_b = next_b;
            dropped[j] = true;
        }
        if ln_w == f64::NEG_INFINITY {
            continue;
        }
        ln_share = ln_add(ln_share, ln_w - ln_b);
        for j in (0..fp.list.len()).filter(|&j| dropped[j]) {
            let p = &fp.list[j];
            let mut sharing: Vec<usize> = p
                .pairs
                .iter()
                .flat_map(|&(_, t)| held[t].iter().map(|&(h, _)| h))
                .filter(|&h| h != g)
                .collect();
            sharing.sort_unstable();
            sharing.dedup();
            let mut bound = p.ln_w + all_heaviest - heaviest[g];
            for h in sharing {
                // (The empty placement, weight 0, is disjoint from every other.)
                let disjoint = original[h]
                    .iter()
                    .find(|(vs, _)| vs.iter().all(|v| p.pairs.iter().all(|&(_, u)| u != *v)))
                    .map_or(0.0, |(_, w)| w.max(0.0));
                bound -= heaviest[h] - disjoint;
            }
            ln_heaviest_dropped = ln_heaviest_dropped.max(bound);
        }
        let mut j = 0;
        fp.list.retain(|_| {
            j += 1;
            !dropped[j - 1]
        });
        fp.ln_tail = vec![f64::NEG_INFINITY; fp.list.len() + 1];
        for j in (0..fp.list.len()).rev() {
            fp.ln_tail[j] = ln_add(fp.ln_tail[j + 1], fp.list[j].ln_mass());
        }
    }
    (ln_share, ln_heaviest_dropped)
}

/// ln(e^a − e^b) for b ≤ a (−∞ when equal).
fn ln_sub(a: f64, b: f64) -> f64 {
    if b == f64::NEG_INFINITY {
        a
    } else if b >= a {
        f64::NEG_INFINITY
    } else {
        a + (-(b - a).exp()).ln_1p()
    }
}

/// The pairwise LRs by rows, each family with its marker set, victim-major as
/// [`super::pairwise_lrs`] gives them; exclusions counted without mutations.
fn pairwise_by_rows(
    case: &DviCase,
    rows: &mut Rows<'_>,
    family_markers: &[&[Marker]],
    plain: &[Marker],
    mutations_disabled: &[bool],
) -> Result<Vec<PairwiseLr>, DviError> {
    let any_mutation = case
        .markers()
        .iter()
        .any(|m| !m.female_matrix().is_identity() || !m.male_matrix().is_identity());
    let missing: Vec<(usize, usize)> = case.missing_persons().collect();
    let mut computed = Vec::with_capacity(missing.len());
    for &(f, k) in &missing {
        let row = rows.row(f, &[], k, family_markers[f])?;
        let exclusions = if any_mutation && !mutations_disabled[f] {
            rows.row(f, &[], k, plain)?.zero_markers
        } else {
            row.zero_markers.clone()
        };
        computed.push((row.ln_lr, exclusions));
    }
    let mut out = Vec::with_capacity(case.victims().len() * missing.len());
    for (v, victim) in case.victims().iter().enumerate() {
        for (i, &(f, k)) in missing.iter().enumerate() {
            let compatible = super::sex_compatible(victim.sex, case.missing_sex(f, k));
            out.push(PairwiseLr {
                victim: v,
                family: f,
                missing: k,
                ln_lr: compatible.then_some(computed[i].0[v]),
                exclusions: compatible.then_some(computed[i].1[v] as usize),
            });
        }
    }
    Ok(out)
}

/// A connected component of the pairing graph: families (by index) and the victims they share.
#[derive(Debug)]
struct Component {
    families: Vec<usize>,
}

/// Families joined when some victim has a placement in both.
fn components(victims: usize, placements: &[FamilyPlacements]) -> Vec<Component> {
    let n = placements.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut first_family: Vec<Option<usize>> = vec![None; victims];
    for (f, fp) in placements.iter().enumerate() {
        for p in &fp.list {
            for &(_, v) in &p.pairs {
                match first_family[v] {
                    None => first_family[v] = Some(f),
                    Some(g) => {
                        let (a, b) = (root(&mut parent, f), root(&mut parent, g));
                        parent[a] = b;
                    }
                }
            }
        }
    }
    let mut by_root: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut order = Vec::new();
    for (f, fp) in placements.iter().enumerate() {
        // A family with no placement but the empty one contributes a factor 1: leave it out.
        if fp.list.len() <= 1 {
            continue;
        }
        let r = root(&mut parent, f);
        by_root
            .entry(r)
            .or_insert_with(|| {
                order.push(r);
                Vec::new()
            })
            .push(f);
    }
    order
        .into_iter()
        .map(|r| Component {
            families: by_root.remove(&r).unwrap_or_default(),
        })
        .collect()
}

/// A complete assignment of one component.
#[derive(Debug, Clone)]
struct Leaf {
    /// (victim, family, missing index).
    pairs: Vec<(usize, usize, usize)>,
    ln_lr: f64,
    ln_w: f64,
}

impl PartialEq for Leaf {
    fn eq(&self, other: &Self) -> bool {
        self.ln_w.total_cmp(&other.ln_w).is_eq()
    }
}
impl Eq for Leaf {}
impl PartialOrd for Leaf {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Leaf {
    /// Reversed, so that a max-heap of leaves keeps the lightest on top.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other.ln_w.total_cmp(&self.ln_w)
    }
}

/// What the walk of one component found.
#[derive(Debug)]
struct Solved {
    /// ln of the mass found.
    ln_z: f64,
    /// ln of the certified upper bound on the mass not enumerated.
    ln_cut: f64,
    /// Its best leaves, best first.
    top: Vec<Leaf>,
    /// ln of the mass of the leaves making each pairing (victim, family, missing).
    pairing_mass: HashMap<(usize, usize, usize), f64>,
    /// Best ln LR of a visited leaf making each pairing, and of one assigning each victim.
    best_with_pairing: HashMap<(usize, usize, usize), f64>,
    best_with_victim: HashMap<usize, f64>,
    /// Whether the K-best search ended (its list is then certainly the component's K best).
    top_complete: bool,
    /// ln of the certified upper bound on the mass the pool's programmes dropped.
    ln_pool_cut: f64,
    leaves: u64,
    complete: bool,
}

struct Walk<'a> {
    order: &'a [usize],
    placements: &'a [FamilyPlacements],
    /// `ln_rest[i]` = Σ_{j ≥ i} ln total of family order[j]: an upper bound on what they add.
    ln_rest: Vec<f64>,
    used: HashSet<usize>,
    path: Vec<usize>,
    ln_tau: f64,
    ln_tolerance: f64,
    /// The one-missing families summed by dynamic programming at every leaf of the walk.
    pool: Pool,
    /// The pool's sums by the pool victims the walk's families use.
    pool_sums: HashMap<Vec<usize>, std::rc::Rc<PoolSum>>,
    /// ln of the pool's sum found with every victim free (−∞ without a pool).
    ln_pool_free: f64,
    /// The share of its total each of the pool's programmes may drop.
    pool_budget: f64,
    found: Solved,
    deadline: Option<(Instant, f64)>,
    nodes: u64,
    stopped: bool,
}

fn solve_component(
    comp: &Component,
    placements: &[FamilyPlacements],
    top: usize,
    tolerance: f64,
    deadline: Option<(Instant, f64)>,
) -> Solved {
    // The pool: the one-missing families with the most placements, summed by dynamic
    // programming; the walk goes over the others.
    let mut singles: Vec<usize> = comp
        .families
        .iter()
        .copied()
        .filter(|&f| placements[f].classes.len() == 1 && placements[f].list.len() >= POOL_FROM)
        .collect();
    singles.sort_by_key(|&f| std::cmp::Reverse(placements[f].list.len()));
    singles.truncate(POOL_MAX);
    let pool = Pool::new(
        singles
            .iter()
            .map(|&f| {
                let pairings = placements[f]
                    .list
                    .iter()
                    .filter_map(|p| p.pairs.first().map(|&(_, v)| (v, p.ln_w, p.ln_r)))
                    .collect();
                (f, pairings)
            })
            .collect(),
    );
    // What the pool can add at a leaf: at most its sum with every victim free (a leaf's victims
    // only take matchings away), found and cut, and at most the product of its families' totals.
    let mut pool_sums: HashMap<Vec<usize>, std::rc::Rc<PoolSum>> = HashMap::new();
    let mut ln_pool_total: f64 = singles.iter().map(|&f| placements[f].ln_total()).sum();
    // Solved twice: the first sum found is a lower bound that lets the second keep fewer states
    // within the same budget; the leaves' sums start from it too (`Walk::leaf`).
    let mut ln_pool_free = f64::NEG_INFINITY;
    if !singles.is_empty() {
        let (_, fewest) = POOL_STATES[POOL_STATES.len() - 1];
        let first = pool.solve(&|_| false, tolerance / 2.0, f64::NEG_INFINITY, fewest);
        let free = pool.solve(&|_| false, tolerance / 2.0, first.ln_z, FREE_POOL_STATES);
        ln_pool_total = ln_pool_total.min(ln_add(free.ln_z, free.ln_cut));
        ln_pool_free = free.ln_z;
        pool_sums.insert(Vec::new(), std::rc::Rc::new(free));
    }
    // Most decisive families first, so that the mass found early is large and cuts come soon.
    let mut order: Vec<usize> = comp.families.iter().copied().filter(|f| !singles.contains(f)).collect();
    order.sort_by(|&a, &b| placements[b].ln_max().total_cmp(&placements[a].ln_max()));
    let mut ln_rest = vec![ln_pool_total; order.len() + 1];
    for i in (0..order.len()).rev() {
        ln_rest[i] = ln_rest[i + 1] + placements[order[i]].ln_total();
    }
    // Half the tolerance to the walk's cuts, half to the pool's.
    let ln_tolerance = if tolerance > 0.0 {
        (tolerance / 2.0).ln()
    } else {
        f64::NEG_INFINITY
    };
    let mut walk = Walk {
        order: &order,
        placements,
        ln_rest,
        used: HashSet::new(),
        path: Vec::with_capacity(order.len()),
        // A single cut may take at most a thousandth of the tolerance, so that many cuts fit.
        ln_tau: ln_tolerance - 1000f64.ln(),
        ln_tolerance,
        pool,
        pool_sums,
        ln_pool_free,
        pool_budget: tolerance / 2.0,
        found: Solved {
            ln_z: f64::NEG_INFINITY,
            ln_cut: f64::NEG_INFINITY,
            top: Vec::new(),
            top_complete: true,
            pairing_mass: HashMap::new(),
            best_with_pairing: HashMap::new(),
            best_with_victim: HashMap::new(),
            ln_pool_cut: f64::NEG_INFINITY,
            leaves: 0,
            complete: true,
        },
        deadline,
        nodes: 0,
        stopped: false,
    };
    walk.descend(0, 0.0, 0.0, 0.0);
    let mut found = walk.found;
    found.complete = !walk.stopped;
    // The K best by their own exact search. Each canonical leaf stands for at least one
    // ordering, so the K best orderings are among those of the K best leaves.
    let k = top.max(1);
    let (best, top_complete) = k_best(&comp.families, placements, k, deadline);
    let mut listed = Vec::with_capacity(k);
    for leaf in &best {
        if listed.len() == k {
            break;
        }
        orderings(leaf, placements, k - listed.len(), &mut listed);
    }
    found.top = listed;
    found.top_complete = top_complete;
    found
}

/// States per victim the pool's programme keeps at a leaf whose share of the mass found is at
/// least the first number (the heaviest first; the last for the others): its cut, measured on
/// the mass grave, is about 2e-4 of its sum at 4,096 states, 7e-6 at 16,384, 1e-7 at 65,536 and
/// 1.4e-8 at 131,072, so each leaf's cut weighs little in the whole.
const POOL_STATES: [(f64, usize); 5] = [
    (0.1, 1 << 17),
    (1e-2, 1 << 16),
    (1e-4, 1 << 14),
    (1e-7, 1 << 12),
    (0.0, 1 << 10),
];

/// States per victim of the pool's sum with every victim free (the walk's bound on what the
/// pool adds at a leaf: its cut, about 7e-6 of it on the mass grave, only loosens that bound).
const FREE_POOL_STATES: usize = 1 << 14;

/// The pool's sums kept at most, by the victims the walk's families use.
const POOL_CACHE: usize = 4096;

/// One-missing families with at least this many placements (the empty one included) go to the
/// pool.
const POOL_FROM: usize = 2;

/// Nodes the K-best search may visit per component before it gives up (its list is then the
/// best found, and not certified).
const TOP_NODES: u64 = 20_000_000;

/// The K best canonical leaves of a component by branch and bound on one ordering's weight:
/// a branch is cut only when its weight plus every open family's best placement (disjoint or
/// not) cannot beat the K-th best found. Returns them best first, and whether the search ended.
fn k_best(
    families: &[usize],
    placements: &[FamilyPlacements],
    k: usize,
    deadline: Option<(Instant, f64)>,
) -> (Vec<Leaf>, bool) {
    let mut order = families.to_vec();
    let best_w = |f: usize| {
        placements[f]
            .list
            .iter()
            .map(|p| p.ln_w)
            .fold(f64::NEG_INFINITY, f64::max)
    };
    order.sort_by(|&a, &b| best_w(b).total_cmp(&best_w(a)));
    let (lists, rest) = best_first(&order, placements, &|_, _| true, |p| p.ln_w);
    struct Search<'l, 'p> {
        order: &'l [usize],
        lists: &'l [Vec<&'p Placement>],
        rest: Vec<f64>,
        used: HashSet<usize>,
        path: Vec<&'p Placement>,
        heap: BinaryHeap<Leaf>,
        k: usize,
        nodes: u64,
        deadline: Option<(Instant, f64)>,
        stopped: bool,
    }
    impl Search<'_, '_> {
        fn threshold(&self) -> f64 {
            if self.heap.len() < self.k {
                f64::NEG_INFINITY
            } else {
                self.heap.peek().map_or(f64::NEG_INFINITY, |l| l.ln_w)
            }
        }
        fn go(&mut self, i: usize, ln_w: f64, ln_lr: f64) {
            self.nodes += 1;
            if self.nodes > TOP_NODES
                || (self.nodes.is_multiple_of(4096)
                    && self
                        .deadline
                        .is_some_and(|(start, s)| start.elapsed().as_secs_f64() > s))
            {
                self.stopped = true;
            }
            if self.stopped && !self.heap.is_empty() {
                return;
            }
            if i == self.lists.len() {
                let mut pairs: Vec<(usize, usize, usize)> = Vec::new();
                for (n, p) in self.path.iter().enumerate() {
                    pairs.extend(p.pairs.iter().map(|&(k, v)| (v, self.order[n], k)));
                }
                pairs.sort_unstable();
                self.heap.push(Leaf { pairs, ln_lr, ln_w });
                if self.heap.len() > self.k {
                    self.heap.pop();
                }
                return;
            }
            let lists = self.lists;
            for p in &lists[i] {
                if ln_w + p.ln_w + self.rest[i + 1] <= self.threshold() {
                    break;
                }
                if !take(&mut self.used, p) {
                    continue;
                }
                self.path.push(p);
                self.go(i + 1, ln_w + p.ln_w, ln_lr + p.ln_r);
                self.path.pop();
                release(&mut self.used, p);
                if self.stopped && !self.heap.is_empty() {
                    return;
                }
            }
        }
    }
    let mut search = Search {
        order: &order,
        lists: &lists,
        rest,
        used: HashSet::new(),
        path: Vec::new(),
        heap: BinaryHeap::new(),
        k,
        nodes: 0,
        deadline,
        stopped: false,
    };
    search.go(0, 0.0, 0.0);
    let mut best = search.heap.into_vec();
    best.sort_by(|a, b| b.ln_w.total_cmp(&a.ln_w));
    (best, !search.stopped)
}

impl Walk<'_> {
    fn time_is_up(&mut self) -> bool {
        if self.stopped {
            return true;
        }
        // Never stop before the first complete assignment (the greedy one, a few nodes away).
        if self.found.leaves == 0 {
            return false;
        }
        self.nodes += 1;
        // Every node with a pool (its leaves are dynamic programmes), else every 1024th.
        if self.nodes % 1024 == 1 || !self.pool.families.is_empty() {
            if let Some((start, seconds)) = self.deadline {
                if start.elapsed().as_secs_f64() > seconds {
                    self.stopped = true;
                }
            }
        }
        self.stopped
    }

    fn cut(&mut self, ln_mass: f64) {
        self.found.ln_cut = ln_add(self.found.ln_cut, ln_mass);
    }

    /// `ln_part_m`: ln of the mass of the partial assignment's orderings; `ln_part_w`: of one
    /// ordering's weight.
    fn descend(&mut self, i: usize, ln_part_m: f64, ln_part_w: f64, ln_part_lr: f64) {
        if i == self.order.len() {
            self.leaf(ln_part_m, ln_part_w, ln_part_lr);
            return;
        }
        let f = self.order[i];
        let placements = self.placements;
        let fp = &placements[f];
        for j in 0..fp.list.len() {
            if self.time_is_up() {
                self.cut(ln_part_m + fp.ln_tail[j] + self.ln_rest[i + 1]);
                return;
            }
            let p = &fp.list[j];
            let ln_ub = ln_part_m + p.ln_mass() + self.ln_rest[i + 1];
            if ln_ub < self.ln_tau + self.found.ln_z {
                // This and every lighter placement of the family: cut, if the budget allows.
                let ln_rest_mass = ln_part_m + fp.ln_tail[j] + self.ln_rest[i + 1];
                if ln_add(self.found.ln_cut, ln_rest_mass) <= self.ln_tolerance + self.found.ln_z {
                    self.cut(ln_rest_mass);
                    return;
                }
            }
            if !take(&mut self.used, p) {
                continue;
            }
            self.path.push(j);
            self.descend(i + 1, ln_part_m + p.ln_mass(), ln_part_w + p.ln_w, ln_part_lr + p.ln_r);
            self.path.pop();
            release(&mut self.used, p);
            if self.stopped {
                // The placements after j were not explored.
                self.cut(ln_part_m + fp.ln_tail[j + 1] + self.ln_rest[i + 1]);
                return;
            }
        }
    }

    /// A complete assignment of the component, standing for the orderings within classes.
    fn leaf(&mut self, ln_m: f64, _ln_w: f64, ln_lr: f64) {
        // The pool's sums with the victims this leaf uses left out, once per set of them.
        let key: Vec<usize> = self.pool.victims().filter(|v| self.used.contains(v)).collect();
        let sums = match self.pool_sums.get(&key) {
            Some(s) => s.clone(),
            None => {
                let used = &self.used;
                // The sum with these victims left out is at least the free one divided by each
                // one's removal factor.
                let ln_known = self.ln_pool_free - key.iter().map(|&v| self.pool.ln_removal(v)).sum::<f64>();
                // With few states first; again with more, from the sum found, when the leaf's share
                // of the mass found says that its cut may count and the time budget has room for
                // it (the time grows about in proportion to the states).
                let solve = |states: usize, ln_known: f64| {
                    std::rc::Rc::new(
                        self.pool
                            .solve(&|v| used.contains(&v), self.pool_budget, ln_known, states),
                    )
                };
                let (_, fewest) = POOL_STATES[POOL_STATES.len() - 1];
                let started = Instant::now();
                let mut s = solve(fewest, ln_known);
                let seconds_per_state = started.elapsed().as_secs_f64() / fewest as f64;
                let ln_share = ln_m + s.ln_z - self.found.ln_z;
                let affordable = |states: usize| {
                    self.deadline.is_none_or(|(start, limit)| {
                        start.elapsed().as_secs_f64() + 2.0 * seconds_per_state * states as f64 <= limit
                    })
                };
                if let Some(&(_, states)) = POOL_STATES
                    .iter()
                    .find(|&&(from, states)| ln_share >= from.ln() && affordable(states))
                {
                    if states > fewest {
                        s = solve(states, s.ln_z);
                    }
                }
                // Memory stays bounded: the cache is emptied when it grows large.
                if self.pool_sums.len() >= POOL_CACHE {
                    self.pool_sums.clear();
                }
                self.pool_sums.insert(key, s.clone());
                s
            }
        };
        let ln_m_all = ln_m + sums.ln_z;
        let ln_lr_all = ln_lr + sums.best_lr;
        self.found.ln_pool_cut = ln_add(self.found.ln_pool_cut, ln_m + sums.ln_cut);
        self.found.leaves += 1;
        self.found.ln_z = ln_add(self.found.ln_z, ln_m_all);
        let mut pairs = Vec::new();
        for (i, &j) in self.path.iter().enumerate() {
            let f = self.order[i];
            for &(k, v) in &self.placements[f].list[j].pairs {
                pairs.push((v, f, k));
            }
        }
        for &(v, f, k) in &pairs {
            // By symmetry every member of the class holds v in the same share of the orderings.
            let class = &self.placements[f].classes[k];
            let ln_share = ln_m_all - (class.len() as f64).ln();
            for &kk in class {
                self.found.add_pairing((v, f, kk), ln_share, ln_lr_all);
            }
        }
        for &(v, f, ln) in &sums.pairing_mass {
            self.found.add_pairing((v, f, 0), ln_m + ln, f64::NEG_INFINITY);
        }
        for &(v, f, best) in &sums.best_with {
            self.found.add_pairing((v, f, 0), f64::NEG_INFINITY, ln_lr + best);
        }
    }
}

impl Solved {
    /// Adds mass to a pairing, and a visited assignment's ln LR that makes it.
    fn add_pairing(&mut self, key: (usize, usize, usize), ln_mass: f64, ln_lr: f64) {
        if ln_mass > f64::NEG_INFINITY {
            let mass = self.pairing_mass.entry(key).or_insert(f64::NEG_INFINITY);
            *mass = ln_add(*mass, ln_mass);
        }
        if ln_lr > f64::NEG_INFINITY {
            let best = self.best_with_pairing.entry(key).or_insert(f64::NEG_INFINITY);
            *best = best.max(ln_lr);
            let best = self.best_with_victim.entry(key.0).or_insert(f64::NEG_INFINITY);
            *best = best.max(ln_lr);
        }
    }
}

/// Up to `limit` of the distinct assignments a canonical leaf stands for: its victims in every
/// class of exchangeable missing persons put over the class's members in every order.
fn orderings(leaf: &Leaf, placements: &[FamilyPlacements], limit: usize, out: &mut Vec<Leaf>) {
    // The classes holding victims: (family, members, victims in canonical order).
    let mut groups: Vec<(usize, &[usize], Vec<usize>)> = Vec::new();
    let mut fixed = Vec::new();
    for &(v, f, k) in &leaf.pairs {
        let class = placements[f].classes[k].as_slice();
        if class.len() == 1 {
            fixed.push((v, f, k));
            continue;
        }
        match groups.iter_mut().find(|(g, c, _)| *g == f && c[0] == class[0]) {
            Some((_, _, vs)) => vs.push(v),
            None => groups.push((f, class, vec![v])),
        }
    }
    // Per class, every injection of its victims into its members.
    let per_group: Vec<Vec<Vec<(usize, usize, usize)>>> = groups
        .iter()
        .map(|(f, members, victims)| {
            let mut all = vec![Vec::new()];
            for &v in victims {
                all = all
                    .into_iter()
                    .flat_map(|partial: Vec<(usize, usize, usize)>| {
                        members
                            .iter()
                            .filter(|&&k| partial.iter().all(|&(_, _, pk)| pk != k))
                            .map(|&k| {
                                let mut next = partial.clone();
                                next.push((v, *f, k));
                                next
                            })
                            .collect::<Vec<_>>()
                    })
                    .collect();
            }
            all
        })
        .collect();
    // Their product, odometer order, at most `limit`.
    let mut choice = vec![0usize; per_group.len()];
    for _ in 0..limit {
        let mut pairs = fixed.clone();
        for (g, &c) in choice.iter().enumerate() {
            pairs.extend_from_slice(&per_group[g][c]);
        }
        pairs.sort_unstable();
        out.push(Leaf {
            pairs,
            ln_lr: leaf.ln_lr,
            ln_w: leaf.ln_w,
        });
        let mut g = 0;
        loop {
            if g == choice.len() {
                return;
            }
            choice[g] += 1;
            if choice[g] < per_group[g].len() {
                break;
            }
            choice[g] = 0;
            g += 1;
        }
    }
}

/// The K best combinations of the components' lists: indices into each component's `top`.
fn combine_top(solved: &[Solved], k: usize) -> Vec<Vec<usize>> {
    if solved.iter().any(|s| s.top.is_empty()) {
        return Vec::new();
    }
    let score = |choice: &[usize]| -> f64 { choice.iter().enumerate().map(|(c, &i)| solved[c].top[i].ln_w).sum() };
    let start = vec![0; solved.len()];
    let mut heap: BinaryHeap<(OrdF64, Vec<usize>)> = BinaryHeap::new();
    let mut seen: HashSet<Vec<usize>> = HashSet::new();
    heap.push((OrdF64(score(&start)), start.clone()));
    seen.insert(start);
    let mut out = Vec::new();
    while let Some((_, choice)) = heap.pop() {
        for c in 0..choice.len() {
            if choice[c] + 1 < solved[c].top.len() {
                let mut next = choice.clone();
                next[c] += 1;
                if seen.insert(next.clone()) {
                    heap.push((OrdF64(score(&next)), next));
                }
            }
        }
        out.push(choice);
        if out.len() == k.max(1) {
            break;
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct OrdF64(f64);
impl Eq for OrdF64 {}
impl PartialOrd for OrdF64 {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for OrdF64 {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Marks a placement's victims used, unless one already is (then nothing changes).
fn take(used: &mut HashSet<usize>, p: &Placement) -> bool {
    if p.pairs.iter().any(|(_, v)| used.contains(v)) {
        return false;
    }
    used.extend(p.pairs.iter().map(|&(_, v)| v));
    true
}

/// Undoes [`take`].
fn release(used: &mut HashSet<usize>, p: &Placement) {
    for (_, v) in &p.pairs {
        used.remove(v);
    }
}

/// Each family's allowed placements, best first by `score`, and `rest[i]`: the sum of the best
/// scores of families i.. (a bound on what they can still add, disjoint or not).
type BestFirst<'p> = (Vec<Vec<&'p Placement>>, Vec<f64>);

fn best_first<'p>(
    order: &[usize],
    placements: &'p [FamilyPlacements],
    allowed: &dyn Fn(usize, &Placement) -> bool,
    score: fn(&Placement) -> f64,
) -> BestFirst<'p> {
    let lists: Vec<Vec<&Placement>> = order
        .iter()
        .map(|&f| {
            let mut by: Vec<&Placement> = placements[f].list.iter().filter(|p| allowed(f, p)).collect();
            by.sort_by(|a, b| score(b).total_cmp(&score(a)));
            by
        })
        .collect();
    let mut rest = vec![0.0; order.len() + 1];
    for i in (0..order.len()).rev() {
        rest[i] = rest[i + 1] + lists[i].first().map_or(f64::NEG_INFINITY, |p| score(p));
    }
    (lists, rest)
}

/// The best ln LR of a component's assignments under constraints, by branch and bound on the
/// families' best placements (exact: nothing is cut that could beat the best found).
/// Nodes one constrained search may visit before it gives up (its GLR is then not reported).
const GLR_NODES: u64 = 200_000;

fn best_constrained(
    order: &[usize],
    placements: &[FamilyPlacements],
    victims: usize,
    allowed: &dyn Fn(usize, &Placement) -> bool,
    deadline: Option<(Instant, f64)>,
) -> Option<f64> {
    // Past the time budget, no GLR that needs a search is reported.
    if deadline.is_some_and(|(start, s)| start.elapsed().as_secs_f64() > s) {
        return None;
    }
    // Each family's allowed placements by LR (not weight), once.
    let (lists, rest) = best_first(order, placements, allowed, |p| p.ln_r);
    struct Search<'l, 'p> {
        lists: &'l [Vec<&'p Placement>],
        rest: Vec<f64>,
        used: Vec<bool>,
        best: f64,
        nodes: u64,
    }
    impl Search<'_, '_> {
        /// False when the node budget ran out.
        fn go(&mut self, i: usize, ln: f64) -> bool {
            self.nodes += 1;
            if self.nodes > GLR_NODES {
                return false;
            }
            if i == self.lists.len() {
                self.best = self.best.max(ln);
                return true;
            }
            if ln + self.rest[i] <= self.best {
                return true;
            }
            for p in &self.lists[i] {
                if ln + p.ln_r + self.rest[i + 1] <= self.best {
                    break;
                }
                if p.pairs.iter().any(|&(_, v)| self.used[v]) {
                    continue;
                }
                for &(_, v) in &p.pairs {
                    self.used[v] = true;
                }
                let finished = self.go(i + 1, ln + p.ln_r);
                for &(_, v) in &p.pairs {
                    self.used[v] = false;
                }
                if !finished {
                    return false;
                }
            }
            true
        }
    }
    if rest[0] == f64::NEG_INFINITY {
        return Some(f64::NEG_INFINITY);
    }
    let mut search = Search {
        lists: &lists,
        rest,
        used: vec![false; victims],
        best: f64::NEG_INFINITY,
        nodes: 0,
    };
    search.go(0, 0.0).then_some(search.best)
}

/// Generalised LRs per missing person and per victim: the best assignment making the
/// identification against the best not making it. The side that the best assignment of the whole
/// case falls on is that assignment; the other side is an exact constrained search when it is
/// "without", and the best visited assignment (so the GLR is never overstated) when it is "with".
/// Past the time budget the searches are not run and those GLRs are not reported.
fn generalised_lrs(
    case: &DviCase,
    components: &[Component],
    solved: &[Solved],
    placements: &[FamilyPlacements],
    best: Option<&Assignment>,
    deadline: Option<(Instant, f64)>,
) -> (HashMap<(usize, usize), GlrValue>, Vec<GlrValue>) {
    let mut by_missing = HashMap::new();
    let mut by_victim = vec![GlrValue { ln: None }; case.victims().len()];
    let Some(best) = best else {
        return (by_missing, by_victim);
    };
    let ratio = |with: f64, without: f64| GlrValue {
        ln: (with > f64::NEG_INFINITY && without > f64::NEG_INFINITY).then_some(with - without),
    };
    for (comp, s) in components.iter().zip(solved) {
        let best_here: f64 = s.top.first().map_or(f64::NEG_INFINITY, |l| l.ln_lr);
        let members: HashSet<usize> = comp.families.iter().copied().collect();
        for &f in &comp.families {
            for k in 0..case.families()[f].missing.len() {
                let assigned = best.pairs.iter().position(|p| *p == Some((f, k)));
                let glr = if assigned.is_some() {
                    let without = best_constrained(
                        &comp.families,
                        placements,
                        case.victims().len(),
                        &|g, p| g != f || placements[f].can_leave_out(p, k),
                        deadline,
                    );
                    without.map_or(GlrValue { ln: None }, |w| ratio(best_here, w))
                } else {
                    let with = s
                        .best_with_pairing
                        .iter()
                        .filter(|((_, ff, kk), _)| *ff == f && *kk == k)
                        .map(|(_, &l)| l)
                        .fold(f64::NEG_INFINITY, f64::max);
                    ratio(with, best_here)
                };
                by_missing.insert((f, k), glr);
            }
        }
        let victims: HashSet<usize> = comp
            .families
            .iter()
            .flat_map(|&f| placements[f].list.iter().flat_map(|p| p.pairs.iter().map(|&(_, v)| v)))
            .collect();
        for v in victims {
            let glr = if best.pairs[v].is_some_and(|(f, _)| members.contains(&f)) {
                let without = best_constrained(
                    &comp.families,
                    placements,
                    case.victims().len(),
                    &|_, p| p.pairs.iter().all(|&(_, u)| u != v),
                    deadline,
                );
                without.map_or(GlrValue { ln: None }, |w| ratio(best_here, w))
            } else {
                let with = s.best_with_victim.get(&v).copied().unwrap_or(f64::NEG_INFINITY);
                ratio(with, best_here)
            };
            by_victim[v] = glr;
        }
    }
    // Families and victims outside every component: never identifiable, and the best leaves
    // them unidentified; their GLR has no "with" side.
    for f in 0..case.families().len() {
        for k in 0..case.families()[f].missing.len() {
            by_missing.entry((f, k)).or_insert(GlrValue { ln: None });
        }
    }
    (by_missing, by_victim)
}

/// Pairs of missing persons of one family whose victims in the best assignment can be swapped
/// without changing its likelihood.
fn symmetric_pairs(
    eval: &mut Evaluator<'_>,
    case: &DviCase,
    family_markers: &[&[Marker]],
    family_ll: &[f64],
    victim_ll: &[f64],
    best: &Assignment,
) -> Result<Vec<(MissingRef, MissingRef)>, DviError> {
    let mut out = Vec::new();
    for f in 0..case.families().len() {
        let placed: Vec<(usize, usize)> = best
            .pairs
            .iter()
            .enumerate()
            .filter_map(|(v, p)| p.filter(|&(pf, _)| pf == f).map(|(_, k)| (k, v)))
            .collect();
        if placed.len() < 2 {
            continue;
        }
        let base = eval.family(f, &placed, family_markers[f], None)?;
        for a in 0..placed.len() {
            for b in a + 1..placed.len() {
                let (ka, va) = placed[a];
                let (kb, vb) = placed[b];
                let sex = |v: usize| case.victims()[v].sex;
                if !super::sex_compatible(sex(va), case.missing_sex(f, kb))
                    || !super::sex_compatible(sex(vb), case.missing_sex(f, ka))
                {
                    continue;
                }
                let mut swapped = placed.clone();
                swapped[a].1 = placed[b].1;
                swapped[b].1 = placed[a].1;
                let other = eval.family(f, &swapped, family_markers[f], None)?;
                let scale = (base - family_ll[f] - placed.iter().map(|&(_, v)| victim_ll[v]).sum::<f64>())
                    .abs()
                    .max(1.0);
                if base > f64::NEG_INFINITY && (other - base).abs() <= 1e-9 * scale {
                    let (ka, kb) = (placed[a].0.min(placed[b].0), placed[a].0.max(placed[b].0));
                    out.push(((f, ka), (f, kb)));
                }
            }
        }
    }
    Ok(out)
}

/// ln(e^a + e^b) without overflow.
fn ln_add(a: f64, b: f64) -> f64 {
    let (hi, lo) = if a >= b { (a, b) } else { (b, a) };
    if lo == f64::NEG_INFINITY {
        hi
    } else {
        hi + (lo - hi).exp().ln_1p()
    }
}

/// dvir's undisputed pairs: one at a time, each found with the earlier ones placed in their
/// families, by the pairwise LRs of the victims and missing persons left. Only the family of a
/// pair just fixed changes, so only its rows are computed again.
fn undisputed_pairs(
    case: &DviCase,
    rows: &mut Rows<'_>,
    family_markers: &[&[Marker]],
    pairwise: &[PairwiseLr],
    threshold: f64,
) -> Result<Vec<UndisputedPair>, DviError> {
    let t = threshold.ln();
    let mut table: Vec<PairwiseLr> = pairwise.to_vec();
    let mut fixed: Vec<Vec<(usize, usize)>> = vec![Vec::new(); case.families().len()];
    let mut victim_done = vec![false; case.victims().len()];
    let mut out = Vec::new();
    let nv = case.victims().len();
    let column_of: Vec<usize> = {
        // Missing persons in family order, as the table lists them within a victim.
        let mut start = Vec::with_capacity(case.families().len());
        let mut acc = 0;
        for fam in case.families() {
            start.push(acc);
            acc += fam.missing.len();
        }
        table.iter().map(|p| start[p.family] + p.missing).collect()
    };
    let columns = column_of.iter().copied().max().map_or(0, |c| c + 1);
    loop {
        let open = |p: &PairwiseLr| !victim_done[p.victim] && !fixed[p.family].iter().any(|&(k, _)| k == p.missing);
        // Best and second best ln LR of every open victim and every open missing person: a pair
        // is undisputed when it is the best of both, at least T, and T above both runners-up.
        let mut by_victim = vec![(f64::NEG_INFINITY, f64::NEG_INFINITY, usize::MAX); nv];
        let mut by_missing = vec![(f64::NEG_INFINITY, f64::NEG_INFINITY, usize::MAX); columns];
        let push = |top: &mut (f64, f64, usize), l: f64, i: usize| {
            if l > top.0 {
                *top = (l, top.0, i);
            } else if l > top.1 {
                top.1 = l;
            }
        };
        for (i, p) in table.iter().enumerate() {
            let Some(l) = p.ln_lr.filter(|_| open(p)) else { continue };
            push(&mut by_victim[p.victim], l, i);
            push(&mut by_missing[column_of[i]], l, i);
        }
        let mut found = None;
        for top in &by_victim {
            let (l, runner_up, i) = *top;
            if i == usize::MAX || l < t || l < runner_up + t {
                continue;
            }
            let (cl, column_runner_up, ci) = by_missing[column_of[i]];
            if ci == i && cl == l && l >= column_runner_up + t {
                let p = &table[i];
                found = Some(UndisputedPair {
                    victim: p.victim,
                    family: p.family,
                    missing: p.missing,
                    ln_lr: l,
                });
                break;
            }
        }
        let Some(pair) = found else { break };
        victim_done[pair.victim] = true;
        let f = pair.family;
        fixed[f].push((pair.missing, pair.victim));
        for k in 0..case.families()[f].missing.len() {
            if fixed[f].iter().any(|&(fk, _)| fk == k) {
                continue;
            }
            let row = rows.row(f, &fixed[f], k, family_markers[f])?;
            for p in table.iter_mut().filter(|p| p.family == f && p.missing == k) {
                if p.ln_lr.is_some() {
                    p.ln_lr = Some(row.ln_lr[p.victim]);
                }
            }
        }
        out.push(pair);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{exchangeable_classes, ln_add, ln_orderings};
    use crate::dvi::Family;
    use kinship::{MemberSpec, Pedigree, Sex, Typing};

    fn family(specs: Vec<MemberSpec>, typed: &[&str], missing: &[&str]) -> Family {
        let pedigree = Pedigree::new(specs).unwrap();
        let typings = vec![(0..pedigree.len())
            .map(|i| {
                if typed.contains(&pedigree.member(i).id.as_str()) {
                    Typing::Pair(0, 1)
                } else {
                    Typing::Untyped
                }
            })
            .collect()];
        Family {
            id: "F".into(),
            missing: missing.iter().map(|m| pedigree.index_of(m).unwrap()).collect(),
            pedigree,
            typings,
            dropout: Default::default(),
        }
    }

    #[test]
    fn exchangeable_missing_persons_are_childless_siblings_of_one_sex() {
        let m = |s: &str, fa: Option<&str>, mo: Option<&str>, sex| MemberSpec::new(s, fa, mo, sex);
        let specs = vec![
            m("FA", None, None, Sex::Male),
            m("MO", None, None, Sex::Female),
            m("S1", Some("FA"), Some("MO"), Sex::Male),
            m("S2", Some("FA"), Some("MO"), Sex::Male),
            m("S3", Some("FA"), Some("MO"), Sex::Male),
            m("D1", Some("FA"), Some("MO"), Sex::Female),
            m("W", None, None, Sex::Female),
            m("G", Some("S3"), Some("W"), Sex::Male),
        ];
        // FA is their father, D1 a sister, S3 has a son: only S1 and S2 can be swapped.
        let fam = family(specs.clone(), &["MO"], &["FA", "S1", "D1", "S2", "S3"]);
        assert_eq!(
            exchangeable_classes(&fam),
            vec![vec![0], vec![1, 3], vec![2], vec![1, 3], vec![4]]
        );
        // S3's typed son tells him apart from his brothers.
        let fam = family(specs, &["MO", "G"], &["S1", "S2", "S3"]);
        assert_eq!(exchangeable_classes(&fam), vec![vec![0, 1], vec![0, 1], vec![2]]);
        let founders = vec![m("A", None, None, Sex::Male), m("B", None, None, Sex::Male)];
        let fam = family(founders, &[], &["A", "B"]);
        assert_eq!(exchangeable_classes(&fam), vec![vec![0], vec![1]]);
    }

    #[test]
    fn orderings_are_injections() {
        assert_eq!(ln_orderings(4, 0), 0.0);
        assert!((ln_orderings(4, 2) - 12f64.ln()).abs() < 1e-15);
        assert!((ln_orderings(3, 3) - 6f64.ln()).abs() < 1e-15);
    }

    #[test]
    fn ln_add_is_the_log_of_a_sum() {
        assert!((ln_add(0.0, 0.0) - 2f64.ln()).abs() < 1e-15);
        assert_eq!(ln_add(f64::NEG_INFINITY, 3.0), 3.0);
        assert!((ln_add(1000.0, 1000.0) - (1000.0 + 2f64.ln())).abs() < 1e-12);
    }
}
