//! One-missing families summed by dynamic programming over victims.
//!
//! Families with a single missing person and several plausible victims (weak references, or
//! victims who fit many families a little) make a depth-first search meet a product of
//! near-equal alternatives: with p such families sharing n victims, up to n^p assignments. Their
//! total mass is a permanent-like sum over partial matchings, which a dynamic programme over the
//! victims computes: victims taken one at a time, the state is the set of the pool's families
//! already holding a victim, and each state carries the mass of the matchings that lead to it.
//! Run forwards and backwards it also gives, for every pairing, the mass of the matchings that
//! make it; in max-plus form, the best LR of a matching and the best LR of one making each
//! pairing.
//!
//! Most of the 2^p states weigh nothing next to the heaviest (a strong family left empty after
//! its victim went by), so only the states that can matter are kept: a state is dropped when its
//! mass times an upper bound on everything the victims still to come can add to it
//! (Π over its empty families of 1 + their remaining weights) fits, with the others dropped, in
//! `budget` times a lower bound on the total (the heaviest state so far, completed with nobody
//! else placed). The dropped bounds are returned as the certified cut.

use std::collections::HashMap;

/// The pool: families (their indices in the case) and, per victim, its pairings with them.
#[derive(Debug)]
pub(super) struct Pool {
    pub families: Vec<usize>,
    /// (victim, [(pool family, ln weight, ln LR)]), heaviest victims first.
    links: Vec<(usize, Pairings)>,
}

/// The pool's sums given the victims the rest of the assignment uses.
#[derive(Debug, Clone)]
pub(super) struct PoolSum {
    /// ln of the mass of the matchings of the pool to the free victims that were kept (nobody
    /// placed: 1).
    pub ln_z: f64,
    /// ln of a certified upper bound on the mass of the matchings dropped.
    pub ln_cut: f64,
    /// (victim, family index in the case, ln of the kept mass of the matchings making it).
    pub pairing_mass: Vec<(usize, usize, f64)>,
    /// Best ln LR of a kept matching.
    pub best_lr: f64,
    /// (victim, family, best ln LR of a kept matching making that pairing).
    pub best_with: Vec<(usize, usize, f64)>,
}

/// At most this many families in one pool (a state is a bit set of them).
pub(super) const POOL_MAX: usize = 128;

/// States kept per victim at most: beyond, the lightest are dropped whatever the budget (the
/// bound then says so), so that memory stays bounded.
const MAX_STATES: usize = 1 << 12;

type Mask = u128;

/// A family's or a victim's pairings: (victim or pool family, ln weight, ln LR).
pub(super) type Pairings = Vec<(usize, f64, f64)>;

impl Pool {
    /// `families[i]` with its pairings `(victim, ln weight, ln LR)`.
    pub fn new(families: Vec<(usize, Pairings)>) -> Pool {
        assert!(families.len() <= POOL_MAX);
        let mut by_victim: std::collections::BTreeMap<usize, Vec<(usize, f64, f64)>> = Default::default();
        let mut ids = Vec::with_capacity(families.len());
        for (i, (f, pairings)) in families.into_iter().enumerate() {
            ids.push(f);
            for (v, w, r) in pairings {
                by_victim.entry(v).or_default().push((i, w, r));
            }
        }
        let mut links: Vec<(usize, Pairings)> = by_victim.into_iter().collect();
        // The decisive victims first: their families are settled early and few states live on
        // (measured on the mass grave: a smaller cut than an order that keeps few families open).
        let heaviest = |l: &[(usize, f64, f64)]| l.iter().map(|x| x.1).fold(f64::NEG_INFINITY, f64::max);
        links.sort_by(|a, b| heaviest(&b.1).total_cmp(&heaviest(&a.1)).then(a.0.cmp(&b.0)));
        Pool { families: ids, links }
    }

    /// The pool's victims.
    pub fn victims(&self) -> impl Iterator<Item = usize> + '_ {
        self.links.iter().map(|(v, _)| *v)
    }

    /// The sums over matchings that leave the victims with `used(v)` out; states dropped within
    /// `budget` (relative) of the total.
    pub fn solve(&self, used: &dyn Fn(usize) -> bool, budget: f64) -> PoolSum {
        let p = self.families.len();
        let free: Vec<&(usize, Pairings)> = self.links.iter().filter(|(v, _)| !used(*v)).collect();
        let n = free.len();
        // ln(1 + the weights of family i over victims j..): what the rest can add to it.
        let mut ln_room = vec![vec![0.0f64; p]; n + 1];
        for j in (0..n).rev() {
            let mut next = ln_room[j + 1].clone();
            for &(i, w, _) in &free[j].1 {
                // ln(1 + R + w) from ln(1 + R).
                next[i] = ln_add(next[i], w);
            }
            ln_room[j] = next;
        }
        let room_total: Vec<f64> = ln_room.iter().map(|r| r.iter().sum()).collect();
        // A family whose last victim has gone by is closed: its bit no longer matters, and the
        // states that differ only there are merged. `open[j]`: the families with a victim at
        // j or later.
        let mut open: Vec<Mask> = vec![0; n + 1];
        for j in (0..n).rev() {
            open[j] = open[j + 1] | free[j].1.iter().fold(0, |m, &(i, _, _)| m | (1 << i));
        }
        // A lower bound on the total: a greedy matching (each family, heaviest first, takes its
        // heaviest free victim).
        let ln_lower = {
            let mut order: Vec<usize> = (0..p).collect();
            let best = |i: usize| {
                free.iter()
                    .flat_map(|(_, l)| l.iter().filter(move |x| x.0 == i).map(|x| x.1))
                    .fold(f64::NEG_INFINITY, f64::max)
            };
            order.sort_by(|&a, &b| best(b).total_cmp(&best(a)));
            let mut taken = vec![false; n];
            let mut total = 0.0;
            for i in order {
                let pick = (0..n)
                    .filter(|&j| !taken[j])
                    .filter_map(|j| free[j].1.iter().find(|x| x.0 == i).map(|x| (j, x.1)))
                    .max_by(|a, b| a.1.total_cmp(&b.1));
                if let Some((j, w)) = pick.filter(|x| x.1 > 0.0) {
                    taken[j] = true;
                    total += w;
                }
            }
            total
        };
        let ln_budget = if budget > 0.0 { budget.ln() } else { f64::NEG_INFINITY };
        // Forward: layer j holds the states after victims 0..j, values scaled by e^norm[j].
        let mut layers: Vec<HashMap<Mask, f64>> = Vec::with_capacity(n + 1);
        let mut norm = Vec::with_capacity(n + 1);
        layers.push(HashMap::from([(0, 1.0)]));
        norm.push(0.0);
        let mut ln_cut = f64::NEG_INFINITY;
        for j in 0..n {
            let prev = &layers[j];
            let mut next: HashMap<Mask, f64> = HashMap::with_capacity(prev.len() * 2);
            let weights: Vec<(usize, f64)> = free[j].1.iter().map(|&(i, w, _)| (i, w)).collect();
            let top = weights.iter().map(|x| x.1).fold(0.0, f64::max);
            let keep = open[j + 1];
            for (&mask, &x) in prev {
                *next.entry(mask & keep).or_insert(0.0) += x * (-top).exp();
                for &(i, w) in &weights {
                    if mask & (1 << i) == 0 {
                        *next.entry((mask | (1 << i)) & keep).or_insert(0.0) += x * (w - top).exp();
                    }
                }
            }
            let max = next.values().copied().fold(0.0, f64::max);
            for x in next.values_mut() {
                *x /= max;
            }
            let ln_norm = norm[j] + top + max.ln();
            // Drop the states that cannot matter, lightest bound first, within the budget of
            // the total's lower bound e^ln_norm (the heaviest state, completed by nobody).
            let room = &ln_room[j + 1];
            let mut bounds: Vec<(f64, Mask)> = next
                .iter()
                .map(|(&mask, &x)| {
                    let filled: f64 = (0..p).filter(|&i| mask & (1 << i) != 0).map(|i| room[i]).sum();
                    (x.ln() + room_total[j + 1] - filled + ln_norm, mask)
                })
                .collect();
            bounds.sort_by(|a, b| a.0.total_cmp(&b.0));
            let keep_at_least = 1;
            let over = bounds.len().saturating_sub(MAX_STATES);
            for (k, &(ub, mask)) in bounds.iter().enumerate() {
                if bounds.len() - k <= keep_at_least {
                    break;
                }
                let total = ln_add(ln_cut, ub);
                if k >= over && total > ln_budget + ln_norm.max(ln_lower) {
                    break;
                }
                ln_cut = total;
                next.remove(&mask);
            }
            layers.push(next);
            norm.push(ln_norm);
        }
        // Backward over the states kept: back[j][mask] = mass of the choices of victims j..
        // from `mask`, scaled by e^bnorm[j].
        let mut back: Vec<HashMap<Mask, f64>> = vec![HashMap::new(); n + 1];
        let mut bnorm = vec![0.0; n + 1];
        back[n] = layers[n].keys().map(|&m| (m, 1.0)).collect();
        for j in (0..n).rev() {
            let later = &back[j + 1];
            let top = free[j].1.iter().map(|x| x.1).fold(0.0, f64::max);
            let mut now: HashMap<Mask, f64> = HashMap::with_capacity(layers[j].len());
            let keep = open[j + 1];
            for &mask in layers[j].keys() {
                let mut s = later.get(&(mask & keep)).map_or(0.0, |&b| b * (-top).exp());
                for &(i, w, _) in &free[j].1 {
                    if mask & (1 << i) == 0 {
                        if let Some(&b) = later.get(&((mask | (1 << i)) & keep)) {
                            s += b * (w - top).exp();
                        }
                    }
                }
                now.insert(mask, s);
            }
            let max = now.values().copied().fold(0.0, f64::max);
            if max > 0.0 {
                for x in now.values_mut() {
                    *x /= max;
                }
            }
            bnorm[j] = bnorm[j + 1] + top + if max > 0.0 { max.ln() } else { 0.0 };
            back[j] = now;
        }
        let ln_z = back[0].get(&0).map_or(f64::NEG_INFINITY, |b| b.ln()) + bnorm[0];
        let mut pairing_mass = Vec::new();
        for (j, (v, links)) in free.iter().enumerate() {
            for &(i, w, _) in links {
                let mut s = 0.0;
                for (&mask, &x) in &layers[j] {
                    if mask & (1 << i) == 0 {
                        if let Some(&b) = back[j + 1].get(&((mask | (1 << i)) & open[j + 1])) {
                            s += x * b;
                        }
                    }
                }
                if s > 0.0 {
                    pairing_mass.push((*v, self.families[i], s.ln() + norm[j] + w + bnorm[j + 1]));
                }
            }
        }
        // Max-plus on the LRs over the same states.
        let mut fmax: Vec<HashMap<Mask, f64>> = vec![HashMap::new(); n + 1];
        fmax[0].insert(0, 0.0);
        for j in 0..n {
            let mut next: HashMap<Mask, f64> = HashMap::new();
            let keep = open[j + 1];
            for (&mask, &x) in &fmax[j] {
                let mut put = |m: Mask, val: f64| {
                    let m = m & keep;
                    if layers[j + 1].contains_key(&m) {
                        let e = next.entry(m).or_insert(f64::NEG_INFINITY);
                        *e = e.max(val);
                    }
                };
                put(mask, x);
                for &(i, _, r) in &free[j].1 {
                    if mask & (1 << i) == 0 {
                        put(mask | (1 << i), x + r);
                    }
                }
            }
            fmax[j + 1] = next;
        }
        let mut bmax: Vec<HashMap<Mask, f64>> = vec![HashMap::new(); n + 1];
        bmax[n] = layers[n].keys().map(|&m| (m, 0.0)).collect();
        for j in (0..n).rev() {
            let mut now = HashMap::with_capacity(layers[j].len());
            let keep = open[j + 1];
            for &mask in layers[j].keys() {
                let mut s = bmax[j + 1].get(&(mask & keep)).copied().unwrap_or(f64::NEG_INFINITY);
                for &(i, _, r) in &free[j].1 {
                    if mask & (1 << i) == 0 {
                        if let Some(&b) = bmax[j + 1].get(&((mask | (1 << i)) & keep)) {
                            s = s.max(r + b);
                        }
                    }
                }
                now.insert(mask, s);
            }
            bmax[j] = now;
        }
        let best_lr = bmax[0].get(&0).copied().unwrap_or(f64::NEG_INFINITY);
        let mut best_with = Vec::new();
        for (j, (v, links)) in free.iter().enumerate() {
            for &(i, _, r) in links {
                let mut s = f64::NEG_INFINITY;
                for (&mask, &x) in &fmax[j] {
                    if mask & (1 << i) == 0 {
                        if let Some(&b) = bmax[j + 1].get(&((mask | (1 << i)) & open[j + 1])) {
                            s = s.max(x + r + b);
                        }
                    }
                }
                if s > f64::NEG_INFINITY {
                    best_with.push((*v, self.families[i], s));
                }
            }
        }
        PoolSum {
            ln_z,
            ln_cut,
            pairing_mass,
            best_lr,
            best_with,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::{ln_add, Pairings, Pool};
    use proptest::prelude::*;

    type Matching = (Vec<(usize, usize)>, f64, f64);

    /// Every matching of the families to the free victims: (pairs (victim, family), ln weight,
    /// ln LR).
    fn matchings(families: &[(usize, Pairings)], used: &[usize]) -> Vec<Matching> {
        let mut out = vec![(Vec::new(), 0.0, 0.0)];
        for (f, pairings) in families {
            let mut next = Vec::new();
            for (pairs, w, r) in &out {
                next.push((pairs.clone(), *w, *r));
                for &(v, pw, pr) in pairings {
                    if used.contains(&v) || pairs.iter().any(|&(u, _)| u == v) {
                        continue;
                    }
                    let mut p = pairs.clone();
                    p.push((v, *f));
                    next.push((p, w + pw, r + pr));
                }
            }
            out = next;
        }
        out
    }

    fn pool_strategy() -> impl Strategy<Value = Vec<(usize, Pairings)>> {
        prop::collection::vec(
            prop::collection::btree_map(0usize..6, (-12.0..25.0f64, -12.0..25.0f64), 0..5),
            1..5,
        )
        .prop_map(|fams| {
            fams.into_iter()
                .enumerate()
                .map(|(f, m)| (10 + f, m.into_iter().map(|(v, (w, r))| (v, w, r)).collect()))
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        #[test]
        fn the_programme_equals_the_enumeration_of_matchings(
            families in pool_strategy(),
            used in prop::collection::vec(0usize..6, 0..2),
            budget in prop::sample::select(vec![0.0, 1e-6, 1e-2]),
        ) {
            let all = matchings(&families, &used);
            let pool = Pool::new(families.clone());
            let got = pool.solve(&|v| used.contains(&v), budget);
            let z = all.iter().fold(f64::NEG_INFINITY, |a, m| ln_add(a, m.1));
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0);
            // Kept ≤ true ≤ kept + cut, the cut within the budget.
            let upper = ln_add(got.ln_z, got.ln_cut);
            prop_assert!(got.ln_z <= z + 1e-9 && z <= upper + 1e-9, "kept {} true {} cut {}", got.ln_z, z, got.ln_cut);
            prop_assert!(got.ln_cut <= z + budget.ln() + 1e-9 || budget == 0.0 && got.ln_cut == f64::NEG_INFINITY);
            if budget == 0.0 {
                prop_assert!(close(got.ln_z, z), "{} vs {}", got.ln_z, z);
                let best = all.iter().map(|m| m.2).fold(f64::NEG_INFINITY, f64::max);
                prop_assert!(close(got.best_lr, best));
            }
            for (f, pairings) in &families {
                for &(v, _, _) in pairings {
                    if used.contains(&v) {
                        continue;
                    }
                    let want = all.iter().filter(|m| m.0.contains(&(v, *f))).fold(f64::NEG_INFINITY, |a, m| ln_add(a, m.1));
                    let have = got.pairing_mass.iter().find(|x| x.0 == v && x.1 == *f).map_or(f64::NEG_INFINITY, |x| x.2);
                    prop_assert!(have <= want + 1e-9 && want <= ln_add(have, got.ln_cut) + 1e-9, "pairing ({}, {}): {} vs {}", v, f, have, want);
                    if budget == 0.0 {
                        let best = all.iter().filter(|m| m.0.contains(&(v, *f))).map(|m| m.2).fold(f64::NEG_INFINITY, f64::max);
                        let have = got.best_with.iter().find(|x| x.0 == v && x.1 == *f).map_or(f64::NEG_INFINITY, |x| x.2);
                        prop_assert!(close(have, best), "best with ({}, {}): {} vs {}", v, f, have, best);
                    }
                }
            }
        }
    }
}
