//! The exact planner for small instances: the least travel that visits every candidate site, the
//! reference the heuristic is tested against (and itself tested against plain enumeration).
//!
//! * Returning to base: the days are independent tours, so the best tour of every subset of sites
//!   is found by dynamic programming over subsets (Held–Karp), once from the start (day 1) and once
//!   from the base (later days, which are interchangeable), and the best partition of the sites
//!   into at most that many days by a second dynamic programme over subsets.
//! * Moving on: the mission is one path from the start to the end cut into days. Every order of the
//!   sites is tried; for an order the travel is fixed and the days are cut greedily (each day takes
//!   as many sites as fit), which uses the fewest days any cut can.

use crate::problem::{site_point, Nights, Problem, END, START};
use crate::schedule::Solution;

/// The most sites [`exact`] takes when returning to base.
pub const MAX_SITES_RETURNING: usize = 12;
/// The most sites [`exact`] takes when moving on.
pub const MAX_SITES_MOVING_ON: usize = 9;

/// Why the exact planner declines.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{sites} sites are too many for the exact planner (at most {max})")]
pub struct TooLarge {
    pub sites: usize,
    pub max: usize,
}

const NONE: u64 = u64::MAX;

/// The solution visiting every candidate site with the least travel, or `None` if no solution
/// visits them all.
pub fn exact(problem: &Problem) -> Result<Option<Solution>, TooLarge> {
    let n = problem.candidates().len();
    let max = match problem.nights() {
        Nights::ReturnToBase => MAX_SITES_RETURNING,
        Nights::MoveOn => MAX_SITES_MOVING_ON,
    };
    if n > max {
        return Err(TooLarge { sites: n, max });
    }
    Ok(match problem.nights() {
        Nights::ReturnToBase => returning(problem),
        Nights::MoveOn => moving_on(problem),
    })
}

/// Best paths from `origin` through every subset of the candidates: `paths[mask * n + last]` is
/// the least travel from `origin` visiting exactly `mask` and ending at candidate `last`.
fn held_karp(problem: &Problem, origin: usize) -> Vec<u64> {
    let points: Vec<usize> = problem.candidates().iter().map(|&s| site_point(s)).collect();
    let n = points.len();
    let mut paths = vec![NONE; (1 << n) * n];
    for (k, &p) in points.iter().enumerate() {
        paths[(1 << k) * n + k] = u64::from(problem.travel(origin, p));
    }
    for mask in 1usize..1 << n {
        for last in 0..n {
            let here = paths[mask * n + last];
            if here == NONE || mask & (1 << last) == 0 {
                continue;
            }
            for next in (0..n).filter(|&k| mask & (1 << k) == 0) {
                let slot = &mut paths[(mask | 1 << next) * n + next];
                *slot = (*slot).min(here + u64::from(problem.travel(points[last], points[next])));
            }
        }
    }
    paths
}

/// For every subset, the travel of its best tour from `origin` to the end if that tour fits a day
/// (else [`NONE`]); `empty` is the value for the empty subset.
fn day_tours(problem: &Problem, origin: usize, empty: u64) -> (Vec<u64>, Vec<u64>) {
    let points: Vec<usize> = problem.candidates().iter().map(|&s| site_point(s)).collect();
    let n = points.len();
    let paths = held_karp(problem, origin);
    let visits: Vec<u64> = (0usize..1 << n)
        .map(|mask| {
            (0..n)
                .filter(|k| mask & (1 << k) != 0)
                .map(|k| u64::from(problem.visit_minutes(problem.candidates()[k])))
                .sum()
        })
        .collect();
    let tours = (0usize..1 << n)
        .map(|mask| {
            if mask == 0 {
                return empty;
            }
            let best = (0..n)
                .filter(|&k| paths[mask * n + k] != NONE)
                .map(|k| paths[mask * n + k] + u64::from(problem.travel(points[k], END)))
                .min()
                .unwrap_or(NONE);
            if best != NONE && problem.day_fits(best, visits[mask]) {
                best
            } else {
                NONE
            }
        })
        .collect();
    (tours, paths)
}

/// The order of `mask`'s sites on its best tour, read back from the `paths` of its origin.
fn tour_order(problem: &Problem, paths: &[u64], mut mask: usize) -> Vec<usize> {
    let candidates = problem.candidates();
    let n = candidates.len();
    let point = |k: usize| site_point(candidates[k]);
    let cost_to_end = |m: usize, k: usize| paths[m * n + k].saturating_add(u64::from(problem.travel(point(k), END)));
    let mut order = Vec::new();
    let Some(mut last) = (0..n)
        .filter(|&k| mask & (1 << k) != 0)
        .min_by_key(|&k| cost_to_end(mask, k))
    else {
        return order;
    };
    loop {
        order.push(candidates[last]);
        let rest = mask & !(1 << last);
        if rest == 0 {
            break;
        }
        let here = paths[mask * n + last];
        // A predecessor always exists; if it did not, the short order fails Plan::new's check.
        let Some(previous) = (0..n).filter(|&k| rest & (1 << k) != 0).find(|&k| {
            paths[rest * n + k] != NONE
                && paths[rest * n + k] + u64::from(problem.travel(point(k), point(last))) == here
        }) else {
            break;
        };
        last = previous;
        mask = rest;
    }
    order.reverse();
    order
}

fn returning(problem: &Problem) -> Option<Solution> {
    let n = problem.candidates().len();
    let full = (1usize << n) - 1;
    let (first_tours, first_paths) = day_tours(problem, START, u64::from(problem.travel(START, END)));
    let (later_tours, later_paths) = day_tours(problem, END, 0);
    // cover[k][mask]: least travel covering `mask` with k later days (a day may stay empty).
    let later_days = (problem.days() - 1).min(n);
    let mut cover = vec![vec![NONE; 1 << n]];
    cover[0][0] = 0;
    for k in 1..=later_days {
        let previous = &cover[k - 1];
        let mut row = previous.clone();
        for mask in 1..=full {
            let lowest = mask & mask.wrapping_neg();
            // Subsets holding the lowest site: the days are interchangeable, so one order suffices.
            let mut sub = mask;
            while sub > 0 {
                if sub & lowest != 0 && later_tours[sub] != NONE && previous[mask ^ sub] != NONE {
                    row[mask] = row[mask].min(later_tours[sub] + previous[mask ^ sub]);
                }
                sub = (sub - 1) & mask;
            }
        }
        cover.push(row);
    }
    let last = &cover[later_days];
    let first = (0..=full)
        .filter(|&t| first_tours[t] != NONE && last[full ^ t] != NONE)
        .min_by_key(|&t| (first_tours[t] + last[full ^ t], t))?;
    let mut days = vec![tour_order(problem, &first_paths, first)];
    let mut rest = full ^ first;
    for k in (1..=later_days).rev() {
        if cover[k][rest] == cover[k - 1][rest] {
            continue;
        }
        let lowest = rest & rest.wrapping_neg();
        let mut sub = rest;
        while sub > 0 {
            if sub & lowest != 0
                && later_tours[sub] != NONE
                && cover[k - 1][rest ^ sub] != NONE
                && later_tours[sub] + cover[k - 1][rest ^ sub] == cover[k][rest]
            {
                break;
            }
            sub = (sub - 1) & rest;
        }
        days.push(tour_order(problem, &later_paths, sub));
        rest ^= sub;
    }
    days.resize(problem.days(), Vec::new());
    Some(Solution {
        days,
        unplanned: Vec::new(),
    })
}

/// Cuts `order` into days greedily, or `None` if it does not fit the window. An independent
/// statement of the moving-on rules of [`crate::schedule::lay_out`]; the heuristic uses it too.
pub(crate) fn cut_greedily(problem: &Problem, order: &[usize]) -> Option<Vec<Vec<usize>>> {
    let mut days = vec![Vec::new()];
    let (mut travel, mut visit, mut here) = (0u64, 0u64, START);
    for &site in order {
        let leg = u64::from(problem.travel(here, site_point(site)));
        let minutes = u64::from(problem.visit_minutes(site));
        if problem.day_fits(travel + leg, visit + minutes) {
            travel += leg;
            visit += minutes;
        } else {
            if !problem.day_fits(leg, minutes) {
                return None;
            }
            days.push(Vec::new());
            (travel, visit) = (leg, minutes);
        }
        days.last_mut()?.push(site);
        here = site_point(site);
    }
    let leg = u64::from(problem.travel(here, END));
    if !problem.day_fits(travel + leg, visit) && !problem.day_fits(leg, 0) {
        return None;
    }
    let needed = days.len() + usize::from(!problem.day_fits(travel + leg, visit));
    if needed > problem.days() {
        return None;
    }
    days.resize(problem.days(), Vec::new());
    Some(days)
}

fn path_travel(problem: &Problem, order: &[usize]) -> u64 {
    let points: Vec<usize> = std::iter::once(START)
        .chain(order.iter().map(|&s| site_point(s)))
        .chain([END])
        .collect();
    points.windows(2).map(|w| u64::from(problem.travel(w[0], w[1]))).sum()
}

fn moving_on(problem: &Problem) -> Option<Solution> {
    let mut order = problem.candidates().to_vec();
    let mut best: Option<(u64, Vec<Vec<usize>>)> = None;
    loop {
        let travel = path_travel(problem, &order);
        if best.as_ref().is_none_or(|(b, _)| travel < *b) {
            if let Some(days) = cut_greedily(problem, &order) {
                best = Some((travel, days));
            }
        }
        if !next_permutation(&mut order) {
            break;
        }
    }
    best.map(|(_, days)| Solution {
        days,
        unplanned: Vec::new(),
    })
}

/// Steps `items` to the next permutation in lexicographic order; false after the last.
fn next_permutation(items: &mut [usize]) -> bool {
    let Some(pivot) = items.windows(2).rposition(|w| w[0] < w[1]) else {
        return false;
    };
    let successor = items.iter().rposition(|&x| x > items[pivot]).unwrap_or(pivot);
    items.swap(pivot, successor);
    items[pivot + 1..].reverse();
    true
}

#[cfg(test)]
mod tests {
    use super::next_permutation;

    #[test]
    fn permutations_are_all_visited_once() {
        let mut items = vec![0, 1, 2, 3];
        let mut seen = std::collections::BTreeSet::new();
        loop {
            assert!(seen.insert(items.clone()));
            if !next_permutation(&mut items) {
                break;
            }
        }
        assert_eq!(seen.len(), 24);
    }
}
