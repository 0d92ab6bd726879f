//! The heuristic planner: two constructions, each improved by local search until no move helps,
//! the better one kept. Every candidate move is judged by [`total_travel`] on the whole solution, so
//! the rules of a day live in one place and a move can never break them; the price is O(n) per move,
//! which is small for the tens of sites a mission visits. Deterministic: ties go to the lower index.
//!
//! Leaving a site out costs more than any travel, so the search ends only when no left-out site fits
//! anywhere in the days as they stand (a day left unused included) and none fits once others move
//! out of its way: one planned site taken out and put back elsewhere, one day's sites placed again,
//! the days built again around it, or (moving on) the whole path re-cut into days with the site in
//! it. That is still a heuristic: a window that could take every site may rarely keep one out (the
//! rate is pinned by the tests against the exact planner).

use std::cmp::Reverse;

use crate::exact::cut_greedily;
use crate::problem::{site_point, Nights, Problem, END, START};
use crate::schedule::{day_start_point, total_travel, Plan, ScheduleError, Solution};

/// The planned solution (see the module documentation).
pub fn solve(problem: &Problem) -> Solution {
    // Both constructions are improved: they end in different local optima often enough.
    let from_neighbour = improve(problem, nearest_neighbour(problem));
    let from_insertion = improve(problem, cheapest_insertion(problem));
    if from_insertion.cost(problem) < from_neighbour.cost(problem) {
        from_insertion
    } else {
        from_neighbour
    }
}

/// [`solve`], as a printable plan.
pub fn plan(problem: &Problem) -> Result<Plan, ScheduleError> {
    Plan::new(problem, &solve(problem))
}

/// Day by day, go to the nearest site not yet visited that still fits the day; when none does, the
/// next day. What no day takes is left out. The baseline the planner must never be worse than.
pub fn nearest_neighbour(problem: &Problem) -> Solution {
    let mut days = vec![Vec::new(); problem.days()];
    let mut left = problem.candidates().to_vec();
    for day in 0..days.len() {
        loop {
            let here = days[day]
                .last()
                .map_or_else(|| day_start_point(problem, &days, day), |&s| site_point(s));
            let mut nearest: Vec<(u32, usize)> = left
                .iter()
                .enumerate()
                .map(|(i, &s)| (problem.travel(here, site_point(s)), i))
                .collect();
            nearest.sort_unstable();
            let chosen = nearest.into_iter().find(|&(_, i)| {
                days[day].push(left[i]);
                let fits = total_travel(problem, &days).is_some();
                days[day].pop();
                fits
            });
            let Some((_, i)) = chosen else { break };
            days[day].push(left.remove(i));
        }
    }
    Solution { days, unplanned: left }
}

/// The sites farthest from the start and end first, each where it adds the least travel.
pub fn cheapest_insertion(problem: &Problem) -> Solution {
    let mut order = problem.candidates().to_vec();
    order.sort_by_key(|&s| (Reverse(round_trip(problem, s)), s));
    let mut solution = Solution {
        days: vec![Vec::new(); problem.days()],
        unplanned: Vec::new(),
    };
    for site in order {
        match cheapest_place(problem, &mut solution.days, site) {
            Some((_, day, at)) => solution.days[day].insert(at, site),
            None => solution.unplanned.push(site),
        }
    }
    solution.unplanned.sort_unstable();
    solution
}

/// The (travel, day, position) where inserting `site` keeps the rules and costs least.
fn cheapest_place(problem: &Problem, days: &mut [Vec<usize>], site: usize) -> Option<(u64, usize, usize)> {
    let mut best = None;
    for day in 0..days.len() {
        for at in 0..=days[day].len() {
            days[day].insert(at, site);
            if let Some(travel) = total_travel(problem, days) {
                if best.is_none_or(|(b, _, _)| travel < b) {
                    best = Some((travel, day, at));
                }
            }
            days[day].remove(at);
        }
    }
    best
}

/// Local search from `solution` (which must keep the rules): insert left-out sites, relocate one
/// site, exchange two, exchange the ends of two days (2-opt*), reverse a stretch of a day (2-opt), move a stretch of two or three
/// (or-opt), and when moving on the same over the whole path, re-cut into days; taking the first move that lowers the cost, until none does.
/// Then a left-out site that fits once others move out of its way is planned (`make_room`) and
/// the search goes on; it ends with no left-out site fitting anywhere in the days as they stand.
pub fn improve(problem: &Problem, mut solution: Solution) -> Solution {
    let Some(mut travel) = total_travel(problem, &solution.days) else {
        return solution;
    };
    loop {
        if insert_left_out(problem, &mut solution) {
            travel = total_travel(problem, &solution.days).unwrap_or(travel);
            continue;
        }
        let days = &mut solution.days;
        let better = relocate(problem, days, travel)
            .or_else(|| exchange(problem, days, travel))
            .or_else(|| exchange_tails(problem, days, travel))
            .or_else(|| two_opt(problem, days, travel))
            .or_else(|| or_opt(problem, days, travel))
            .or_else(|| whole_path(problem, days, travel));
        match better {
            Some(t) => travel = t,
            // At a local optimum a left-out site may still fit once other sites move out of its
            // way; planning it outweighs any travel, so the search goes on from there.
            None if make_room(problem, &mut solution) => {
                travel = total_travel(problem, &solution.days).unwrap_or(travel);
            }
            None => return solution,
        }
    }
}

/// Plans one more left-out site by moving others out of its way, if it can. For each left-out site,
/// in turn: moving on, the site put into the whole path and the path cut into days again; one
/// planned site taken out, the left-out site put where it costs least and the other put back where
/// it costs least; each busy day emptied, the site put where it costs least and the day's sites put
/// back, farthest first; the days built again from the site alone. The first that plans every site
/// it moved is kept. Without this a site that fits a day on its own was left out whenever the
/// constructions happened to fill the days it fits first, or (moving on) put the night before it
/// too far away, although the others would have gone on days left unused.
fn make_room(problem: &Problem, solution: &mut Solution) -> bool {
    for i in 0..solution.unplanned.len() {
        let site = solution.unplanned[i];
        let days = &solution.days;
        if let Some(days) = into_the_path(problem, days, site)
            .or_else(|| eject_one(problem, days, site))
            .or_else(|| clear_a_day(problem, days, site))
            .or_else(|| start_afresh(problem, days, site))
        {
            solution.days = days;
            solution.unplanned.remove(i);
            return true;
        }
    }
    false
}

/// Moving on, the days with `site` put anywhere in the whole path, in the path run backwards or with
/// one day's sites run backwards, and the path cut into days again: a site that fits nowhere in the
/// days as they stand may fit once the nights fall elsewhere (the party then reaches it early in a
/// day instead of late) or a day ends nearer to it.
fn into_the_path(problem: &Problem, days: &[Vec<usize>], site: usize) -> Option<Vec<Vec<usize>>> {
    if problem.nights() != Nights::MoveOn {
        return None;
    }
    let order = days.concat();
    let backwards = order.iter().rev().copied().collect();
    let day_backwards = (0..days.len()).filter(|&d| days[d].len() > 1).map(|d| {
        let mut turned = days.to_vec();
        turned[d].reverse();
        turned.concat()
    });
    [order, backwards].into_iter().chain(day_backwards).find_map(|path| {
        (0..=path.len()).find_map(|at| {
            let mut candidate = path.clone();
            candidate.insert(at, site);
            // The cut states the rules apart from `lay_out`; the plan is judged by `lay_out`.
            cut_greedily(problem, &candidate).filter(|cut| total_travel(problem, cut).is_some())
        })
    })
}

/// The days with `site` planned and one other site moved, if that keeps the rules.
fn eject_one(problem: &Problem, days: &[Vec<usize>], site: usize) -> Option<Vec<Vec<usize>>> {
    for day in 0..days.len() {
        for i in 0..days[day].len() {
            let mut trial = days.to_vec();
            let other = trial[day].remove(i);
            if place_all(problem, &mut trial, &[site, other]) {
                return Some(trial);
            }
        }
    }
    None
}

/// The days with `site` planned and one busy day's sites placed again, if that keeps the rules.
fn clear_a_day(problem: &Problem, days: &[Vec<usize>], site: usize) -> Option<Vec<Vec<usize>>> {
    for day in (0..days.len()).filter(|&d| !days[d].is_empty()) {
        let mut trial = days.to_vec();
        let mut moved = std::mem::take(&mut trial[day]);
        moved.sort_by_key(|&s| (Reverse(round_trip(problem, s)), s));
        moved.insert(0, site);
        if place_all(problem, &mut trial, &moved) {
            return Some(trial);
        }
    }
    None
}

/// The days built again by cheapest insertion from `site` alone on day 1 or day 2, the planned
/// sites farthest first, if every one of them finds a place.
fn start_afresh(problem: &Problem, days: &[Vec<usize>], site: usize) -> Option<Vec<Vec<usize>>> {
    let mut moved = days.concat();
    moved.sort_by_key(|&s| (Reverse(round_trip(problem, s)), s));
    // With nothing else planned, returning to base every later day is like day 2, and moving on a
    // lone site on a later day only rests first: days 1 and 2 are the starts worth trying.
    (0..days.len().min(2)).find_map(|day| {
        let mut trial = vec![Vec::new(); days.len()];
        trial[day].push(site);
        (total_travel(problem, &trial).is_some() && place_all(problem, &mut trial, &moved)).then_some(trial)
    })
}

/// Puts each of `sites` in turn where it costs least; false as soon as one fits nowhere (the days
/// are then partly changed, so the caller works on a copy).
fn place_all(problem: &Problem, days: &mut [Vec<usize>], sites: &[usize]) -> bool {
    sites.iter().all(|&site| match cheapest_place(problem, days, site) {
        Some((_, day, at)) => {
            days[day].insert(at, site);
            true
        }
        None => false,
    })
}

/// Travel from the start to `site` and on to the end: how far out of the way a site lies, the order
/// in which insertion places sites (the farthest first, while there is most choice).
fn round_trip(problem: &Problem, site: usize) -> u32 {
    problem.travel(START, site_point(site)) + problem.travel(site_point(site), END)
}

fn insert_left_out(problem: &Problem, solution: &mut Solution) -> bool {
    for i in 0..solution.unplanned.len() {
        let site = solution.unplanned[i];
        if let Some((_, day, at)) = cheapest_place(problem, &mut solution.days, site) {
            solution.days[day].insert(at, site);
            solution.unplanned.remove(i);
            return true;
        }
    }
    false
}

/// Applies `change` and keeps it if it keeps the rules with less travel than `travel`; otherwise
/// `undo` restores the days. Returns the new travel if kept.
fn try_move(
    problem: &Problem,
    days: &mut [Vec<usize>],
    travel: u64,
    change: impl FnOnce(&mut [Vec<usize>]),
    undo: impl FnOnce(&mut [Vec<usize>]),
) -> Option<u64> {
    change(days);
    match total_travel(problem, days) {
        Some(t) if t < travel => Some(t),
        _ => {
            undo(days);
            None
        }
    }
}

fn relocate(problem: &Problem, days: &mut [Vec<usize>], travel: u64) -> Option<u64> {
    // (from, i, to, at): the site at day `from`, index `i` goes to day `to` at index `at`.
    let mut moves = Vec::new();
    for (from, day_from) in days.iter().enumerate() {
        for i in 0..day_from.len() {
            for (to, day_to) in days.iter().enumerate() {
                let slots = day_to.len() + usize::from(to != from);
                moves.extend(
                    (0..slots)
                        .filter(|&at| to != from || at != i)
                        .map(|at| (from, i, to, at)),
                );
            }
        }
    }
    first_improving(
        problem,
        days,
        travel,
        moves,
        |d, (from, i, to, at)| {
            let site = d[from].remove(i);
            d[to].insert(at, site);
        },
        |d, (from, i, to, at)| {
            let site = d[to].remove(at);
            d[from].insert(i, site);
        },
    )
}

fn swap(days: &mut [Vec<usize>], (a, i): Place, (b, j): Place) {
    let (x, y) = (days[a][i], days[b][j]);
    days[a][i] = y;
    days[b][j] = x;
}

/// Two places in the days: (day, index in the day).
type Place = (usize, usize);

/// The first of `moves` that `change` makes while keeping the rules with less travel; the new
/// travel. A move that does not is undone by `undo`, which leaves the days as they were, so the moves
/// can be listed before any is tried.
fn first_improving<M: Copy>(
    problem: &Problem,
    days: &mut [Vec<usize>],
    travel: u64,
    moves: Vec<M>,
    change: impl Fn(&mut [Vec<usize>], M),
    undo: impl Fn(&mut [Vec<usize>], M),
) -> Option<u64> {
    moves
        .into_iter()
        .find_map(|m| try_move(problem, days, travel, |d| change(d, m), |d| undo(d, m)))
}

fn exchange(problem: &Problem, days: &mut [Vec<usize>], travel: u64) -> Option<u64> {
    let mut places = Vec::new();
    for (a, day_a) in days.iter().enumerate() {
        for i in 0..day_a.len() {
            for (b, day_b) in days.iter().enumerate().skip(a) {
                let first = if b == a { i + 1 } else { 0 };
                places.extend((first..day_b.len()).map(|j| ((a, i), (b, j))));
            }
        }
    }
    // A swap is its own undo.
    let swap = |d: &mut [Vec<usize>], (p, q): (Place, Place)| swap(d, p, q);
    first_improving(problem, days, travel, places, swap, swap)
}

fn two_opt(problem: &Problem, days: &mut [Vec<usize>], travel: u64) -> Option<u64> {
    // (day, i, j): the stretch i..j of the day reversed, its own undo.
    let mut moves = Vec::new();
    for (day, sites) in days.iter().enumerate() {
        for i in 0..sites.len() {
            moves.extend((i + 2..=sites.len()).map(|j| (day, i, j)));
        }
    }
    let reverse = |d: &mut [Vec<usize>], (day, i, j): (usize, usize, usize)| d[day][i..j].reverse();
    first_improving(problem, days, travel, moves, reverse, reverse)
}

/// A stretch of `len` sites moved: from day `from` at index `i` to day `to` at index `at`, reversed or not.
#[derive(Debug, Clone, Copy)]
struct StretchMove {
    len: usize,
    from: usize,
    i: usize,
    to: usize,
    at: usize,
    reversed: bool,
}

/// Moves the stretch of `m.len` sites at `src`'s index `src_at` to `dst` at `dst_at`, reversing it if
/// `m.reversed` (so doing it again from the destination undoes it).
fn carry_stretch(days: &mut [Vec<usize>], m: StretchMove, (src, src_at): Place, (dst, dst_at): Place) {
    let mut stretch: Vec<usize> = days[src].drain(src_at..src_at + m.len).collect();
    if m.reversed {
        stretch.reverse();
    }
    days[dst].splice(dst_at..dst_at, stretch);
}

fn or_opt(problem: &Problem, days: &mut [Vec<usize>], travel: u64) -> Option<u64> {
    let mut moves = Vec::new();
    for len in 2..=3 {
        for (from, day_from) in days.iter().enumerate() {
            for i in 0..day_from.len().saturating_sub(len - 1) {
                for (to, day_to) in days.iter().enumerate() {
                    let slots = day_to.len() + 1 - if to == from { len } else { 0 };
                    for at in 0..slots {
                        for reversed in [false, true] {
                            if to == from && at == i && !reversed {
                                continue;
                            }
                            moves.push(StretchMove {
                                len,
                                from,
                                i,
                                to,
                                at,
                                reversed,
                            });
                        }
                    }
                }
            }
        }
    }
    first_improving(
        problem,
        days,
        travel,
        moves,
        |d, m| carry_stretch(d, m, (m.from, m.i), (m.to, m.at)),
        |d, m| carry_stretch(d, m, (m.to, m.at), (m.from, m.i)),
    )
}

/// Moving on, the travel depends only on the order of the whole path, and a move that carries
/// sites across a night may need the days re-cut: 2-opt and or-opt (stretches of one to three,
/// either way round) over the whole path, each order cut into days greedily.
fn whole_path(problem: &Problem, days: &mut Vec<Vec<usize>>, travel: u64) -> Option<u64> {
    if problem.nights() != Nights::MoveOn {
        return None;
    }
    let order = days.concat();
    let n = order.len();
    let mut better = |candidate: &[usize]| -> Option<u64> {
        let cut = cut_greedily(problem, candidate)?;
        let t = total_travel(problem, &cut).filter(|&t| t < travel)?;
        *days = cut;
        Some(t)
    };
    for i in 0..n {
        for j in i + 2..=n {
            let mut candidate = order.clone();
            candidate[i..j].reverse();
            if let Some(t) = better(&candidate) {
                return Some(t);
            }
        }
    }
    for len in 1..=3.min(n) {
        for i in 0..=n - len {
            let mut rest = order.clone();
            let stretch: Vec<usize> = rest.drain(i..i + len).collect();
            for at in (0..=rest.len()).filter(|&at| at != i) {
                for reversed in [false, true] {
                    let mut candidate = rest.clone();
                    if reversed {
                        candidate.splice(at..at, stretch.iter().rev().copied());
                    } else {
                        candidate.splice(at..at, stretch.iter().copied());
                    }
                    if let Some(t) = better(&candidate) {
                        return Some(t);
                    }
                }
            }
        }
    }
    None
}

/// Swaps the ends of two days: day a keeps its first i sites and takes day b's sites from j on,
/// and the other way round (2-opt* between routes).
fn exchange_tails(problem: &Problem, days: &mut [Vec<usize>], travel: u64) -> Option<u64> {
    let swap_tails = |d: &mut [Vec<usize>], (a, i): Place, (b, j): Place| {
        let tail_a: Vec<usize> = d[a].drain(i..).collect();
        let tail_b: Vec<usize> = d[b].drain(j..).collect();
        d[a].extend(tail_b);
        d[b].extend(tail_a);
    };
    let mut places = Vec::new();
    for a in 0..days.len() {
        for b in a + 1..days.len() {
            let (len_a, len_b) = (days[a].len(), days[b].len());
            for i in 0..=len_a {
                // Both tails empty, or both whole: the days would stay (or only trade places).
                let tails = (0..=len_b).filter(|&j| !((i == len_a && j == len_b) || (i == 0 && j == 0)));
                places.extend(tails.map(|j| ((a, i), (b, j))));
            }
        }
    }
    // Swapping the tails back is the undo.
    let swap_tails = |d: &mut [Vec<usize>], (p, q): (Place, Place)| swap_tails(d, p, q);
    first_improving(problem, days, travel, places, swap_tails, swap_tails)
}
