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
//! else placed; a greedy matching; or a bound the caller knows, such as an earlier sum found with
//! fewer states). Beyond a number of states per victim chosen by the caller the lightest are
//! dropped whatever the budget. The dropped bounds are returned as the certified cut (they
//! bound the dropped mass whatever lower bound steered the choice).
//!
//! The passes are fused where they read the same states (the pairing masses with the backward
//! pass, the best LR with each pairing with the backward max-plus pass), and only the forward
//! layers are kept.

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
const MAX_STATES: usize = 1 << 17;

/// States kept over all the layers at most (states per victim times victims): measured, 131,072
/// states for 95 victims take about 1.5 GiB.
const MAX_STATE_LAYERS: usize = 96 << 17;

type Mask = u128;

/// A hasher for masks: their two halves folded and multiplied (the states are sets of families,
/// not adversarial input).
#[derive(Debug, Default, Clone, Copy)]
struct MaskHasher(u64);

impl std::hash::Hasher for MaskHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7C_C1_B7_27_22_0A_95);
        }
    }
    fn write_u128(&mut self, x: u128) {
        let folded = (x as u64) ^ ((x >> 64) as u64).rotate_left(29);
        let h = (folded ^ (folded >> 31)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = h ^ (h >> 32);
    }
}

/// States and their values.
type Map = HashMap<Mask, f64, std::hash::BuildHasherDefault<MaskHasher>>;

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

    /// ln(1 + victim v's weights in the pool): leaving v out divides the pool's total by at most
    /// that (every matching without v, plus those giving v to a family, each at most as heavy as a
    /// matching without v times v's weight there).
    pub fn ln_removal(&self, v: usize) -> f64 {
        self.links
            .iter()
            .find(|(u, _)| *u == v)
            .map_or(0.0, |(_, l)| l.iter().fold(0.0, |acc, x| ln_add(acc, x.1)))
    }

    /// The sums over matchings that leave the victims with `used(v)` out; states dropped within
    /// `budget` (relative) of the total. `ln_known` is ln of a known lower bound on that total
    /// (−∞ for none): the better it is, the more states fit in the budget.
    /// At most `max_states` states are kept per victim ([`MAX_STATES`] at most); beyond, the
    /// lightest are dropped whatever the budget (the cut then says so).
    pub fn solve(&self, used: &dyn Fn(usize) -> bool, budget: f64, ln_known: f64, max_states: usize) -> PoolSum {
        let p = self.families.len();
        let free: Vec<&(usize, Pairings)> = self.links.iter().filter(|(v, _)| !used(*v)).collect();
        let n = free.len();
        // Memory: every layer's states are kept (forwards, and in max-plus).
        let max_states = max_states.min(MAX_STATES).min(MAX_STATE_LAYERS / (n + 1)).max(1);
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
        // heaviest free victim), or the one known.
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
            total.max(ln_known)
        };
        let ln_budget = if budget > 0.0 { budget.ln() } else { f64::NEG_INFINITY };
        // Forward: layer j holds the states after victims 0..j, values scaled by e^norm[j].
        let mut layers: Vec<Map> = Vec::with_capacity(n + 1);
        let mut norm = Vec::with_capacity(n + 1);
        layers.push(Map::from_iter([(0, 1.0)]));
        norm.push(0.0);
        let mut ln_cut = f64::NEG_INFINITY;
        // Per victim: the largest of its weights and 1, and each link's weight over it.
        let tops: Vec<f64> = free
            .iter()
            .map(|(_, l)| l.iter().map(|x| x.1).fold(0.0, f64::max))
            .collect();
        let scaled: Vec<Vec<(usize, f64)>> = free
            .iter()
            .zip(&tops)
            .map(|((_, l), &top)| l.iter().map(|&(i, w, _)| (i, (w - top).exp())).collect())
            .collect();
        for j in 0..n {
            let prev = &layers[j];
            let mut next = Map::with_capacity_and_hasher(prev.len() * 2, Default::default());
            let nobody = (-tops[j]).exp();
            let keep = open[j + 1];
            for (&mask, &x) in prev {
                *next.entry(mask & keep).or_insert(0.0) += x * nobody;
                for &(i, e) in &scaled[j] {
                    if mask & (1 << i) == 0 {
                        *next.entry((mask | (1 << i)) & keep).or_insert(0.0) += x * e;
                    }
                }
            }
            let max = next.values().copied().fold(0.0, f64::max);
            for x in next.values_mut() {
                *x /= max;
            }
            let ln_norm = norm[j] + tops[j] + max.ln();
            // Drop the states that cannot matter, lightest bound first, within the budget of
            // the total's lower bound e^ln_norm (the heaviest state, completed by nobody).
            let room = &ln_room[j + 1];
            let mut bounds: Vec<(f64, Mask)> = next
                .iter()
                .map(|(&mask, &x)| {
                    let mut filled = 0.0;
                    let mut bits = mask;
                    while bits != 0 {
                        filled += room[bits.trailing_zeros() as usize];
                        bits &= bits - 1;
                    }
                    (x.ln() + room_total[j + 1] - filled + ln_norm, mask)
                })
                .collect();
            bounds.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let keep_at_least = 1;
            let over = bounds.len().saturating_sub(max_states);
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
        // from `mask`, scaled by e^bnorm[j]; with it, every pairing's mass (forward mass into
        // the state, the pairing, backward mass out of it).
        // Only the layer after the one computed is kept.
        let mut back: Map;
        let mut bnorm = vec![0.0; n + 1];
        back = layers[n].keys().map(|&m| (m, 1.0)).collect();
        let mut pairing_mass = Vec::new();
        for j in (0..n).rev() {
            let later = &back;
            let nobody = (-tops[j]).exp();
            let mut now = Map::with_capacity_and_hasher(layers[j].len(), Default::default());
            let keep = open[j + 1];
            let links = &scaled[j];
            let mut through = vec![0.0; links.len()];
            for (&mask, &x) in &layers[j] {
                let mut s = later.get(&(mask & keep)).map_or(0.0, |&b| b * nobody);
                for (l, &(i, e)) in links.iter().enumerate() {
                    if mask & (1 << i) == 0 {
                        if let Some(&b) = later.get(&((mask | (1 << i)) & keep)) {
                            s += b * e;
                            through[l] += x * b;
                        }
                    }
                }
                now.insert(mask, s);
            }
            let (v, pairings) = free[j];
            for (&(i, w, _), &t) in pairings.iter().zip(&through).rev() {
                if t > 0.0 {
                    pairing_mass.push((*v, self.families[i], t.ln() + norm[j] + w + bnorm[j + 1]));
                }
            }
            let max = now.values().copied().fold(0.0, f64::max);
            if max > 0.0 {
                for x in now.values_mut() {
                    *x /= max;
                }
            }
            bnorm[j] = bnorm[j + 1] + tops[j] + if max > 0.0 { max.ln() } else { 0.0 };
            back = now;
        }
        pairing_mass.reverse();
        let ln_z = back.get(&0).map_or(f64::NEG_INFINITY, |b| b.ln()) + bnorm[0];
        // Max-plus on the LRs over the same states.
        let mut fmax: Vec<Map> = vec![Map::default(); n + 1];
        fmax[0].insert(0, 0.0);
        for j in 0..n {
            let mut next = Map::default();
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
        let mut bmax: Map = layers[n].keys().map(|&m| (m, 0.0)).collect();
        let mut best_with = Vec::new();
        for j in (0..n).rev() {
            let mut now = Map::with_capacity_and_hasher(layers[j].len(), Default::default());
            let keep = open[j + 1];
            let (v, pairings) = free[j];
            let mut with = vec![f64::NEG_INFINITY; pairings.len()];
            for &mask in layers[j].keys() {
                let from = fmax[j].get(&mask).copied();
                let mut s = bmax.get(&(mask & keep)).copied().unwrap_or(f64::NEG_INFINITY);
                for (l, &(i, _, r)) in pairings.iter().enumerate() {
                    if mask & (1 << i) == 0 {
                        if let Some(&b) = bmax.get(&((mask | (1 << i)) & keep)) {
                            s = s.max(r + b);
                            if let Some(x) = from {
                                with[l] = with[l].max(x + r + b);
                            }
                        }
                    }
                }
                now.insert(mask, s);
            }
            for (&(i, _, _), &s) in pairings.iter().zip(&with).rev() {
                if s > f64::NEG_INFINITY {
                    best_with.push((*v, self.families[i], s));
                }
            }
            bmax = now;
        }
        best_with.reverse();
        let best_lr = bmax.get(&0).copied().unwrap_or(f64::NEG_INFINITY);
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
            hinted in any::<bool>(),
        ) {
            let all = matchings(&families, &used);
            let pool = Pool::new(families.clone());
            // With no known lower bound, and with the true total as one.
            let z_true = all.iter().fold(f64::NEG_INFINITY, |a, m| ln_add(a, m.1));
            let got = pool.solve(&|v| used.contains(&v), budget, if hinted { z_true } else { f64::NEG_INFINITY }, 1 << 12);
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
            // With at most two states per victim the lightest go whatever the budget: the cut
            // still bounds what they held.
            let few = pool.solve(&|v| used.contains(&v), budget, f64::NEG_INFINITY, 2);
            prop_assert!(few.ln_z <= z + 1e-9 && z <= ln_add(few.ln_z, few.ln_cut) + 1e-9, "kept {} true {} cut {}", few.ln_z, z, few.ln_cut);
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
