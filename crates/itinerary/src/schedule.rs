//! Solutions, the rules of a day, and the printable plan.

use serde::Serialize;

use crate::date::Date;
use crate::problem::{site_point, Clock, FamilyVisit, Nights, Problem, Reason, Unplanned, END, START};

/// Which sites each day visits, in order, and which candidates are left out. Sites are indices into
/// [`Problem::sites`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Solution {
    pub days: Vec<Vec<usize>>,
    pub unplanned: Vec<usize>,
}

/// What the solvers minimise, in this order: sites left out, then minutes of travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cost {
    pub unplanned: usize,
    pub travel_minutes: u64,
}

impl Solution {
    /// Nothing planned: every candidate left out.
    pub fn empty(problem: &Problem) -> Solution {
        Solution {
            days: vec![Vec::new(); problem.days()],
            unplanned: problem.candidates().to_vec(),
        }
    }

    /// The cost, or `None` if some day breaks the rules.
    pub fn cost(&self, problem: &Problem) -> Option<Cost> {
        total_travel(problem, &self.days).map(|travel_minutes| Cost {
            unplanned: self.unplanned.len(),
            travel_minutes,
        })
    }
}

/// One journey between two points on day `day` (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leg {
    pub day: usize,
    pub from: usize,
    pub to: usize,
}

/// Where day `day` begins, given the days before it.
pub fn day_start_point(problem: &Problem, days: &[Vec<usize>], day: usize) -> usize {
    match problem.nights() {
        Nights::ReturnToBase if day == 0 => START,
        Nights::ReturnToBase => END,
        Nights::MoveOn => days[..day]
            .iter()
            .rev()
            .find_map(|d| d.last())
            .map_or(START, |&s| site_point(s)),
    }
}

/// Walks the days under the rules of [`Nights`], calling `on_leg` for each journey, and returns the
/// total travel minutes, or `None` if a day runs over its hours or its travel limit, or there are
/// more days than the window has. The one place that knows what a day is:
///
/// * A day with no visits does not travel, except day 1 (which must reach the base, or the end if
///   nothing is visited at all).
/// * Returning to base: day 1 runs start → sites → end, later days end → sites → end.
/// * Moving on: each day starts where the last one stopped; the journey to the end is made on the
///   day of the last visit if it fits, else on the next day (if the window has one).
pub fn lay_out(problem: &Problem, days: &[Vec<usize>], mut on_leg: impl FnMut(Leg)) -> Option<u64> {
    if days.len() > problem.days() {
        return None;
    }
    let last_busy = days.iter().rposition(|d| !d.is_empty()).unwrap_or(0);
    let mut total = 0u64;
    let mut here = START;
    let mut end_leg_tomorrow = false;
    for (day, stops) in days.iter().enumerate() {
        if stops.is_empty() && day != 0 {
            continue;
        }
        let from = match problem.nights() {
            Nights::ReturnToBase if day > 0 => END,
            _ => here,
        };
        let (mut travel, mut visit) = (0u64, 0u64);
        here = from;
        for &site in stops {
            let next = site_point(site);
            travel += u64::from(problem.travel(here, next));
            visit += u64::from(problem.visit_minutes(site));
            on_leg(Leg {
                day,
                from: here,
                to: next,
            });
            here = next;
        }
        let end_leg = u64::from(problem.travel(here, END));
        let end_today = match problem.nights() {
            Nights::ReturnToBase => true,
            Nights::MoveOn if day == last_busy => {
                end_leg_tomorrow = !problem.day_fits(travel + end_leg, visit);
                !end_leg_tomorrow
            }
            Nights::MoveOn => false,
        };
        if end_today {
            travel += end_leg;
            on_leg(Leg {
                day,
                from: here,
                to: END,
            });
            here = END;
        }
        if !problem.day_fits(travel, visit) {
            return None;
        }
        total += travel;
    }
    if end_leg_tomorrow {
        let leg = u64::from(problem.travel(here, END));
        if last_busy + 1 >= problem.days() || !problem.day_fits(leg, 0) {
            return None;
        }
        on_leg(Leg {
            day: last_busy + 1,
            from: here,
            to: END,
        });
        total += leg;
    }
    Some(total)
}

/// Total travel minutes of `days`, or `None` if they break the rules (see [`lay_out`]).
pub fn total_travel(problem: &Problem, days: &[Vec<usize>]) -> Option<u64> {
    lay_out(problem, days, |_| {})
}

/// Whether `site`, planned alone on some day of the window, keeps the rules. Days 1 and 2 say it
/// all: returning to base every later day leaves the base as day 2 does, and moving on a lone site
/// on a later day is the same journey after days of rest.
pub fn fits_alone(problem: &Problem, site: usize) -> bool {
    (0..problem.days().min(2)).any(|day| {
        let mut days = vec![Vec::new(); problem.days()];
        days[day].push(site);
        total_travel(problem, &days).is_some()
    })
}

/// Why a solution cannot be turned into a plan.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("site {0} is not a candidate of this problem")]
    NotACandidate(usize),
    #[error("site {0} appears twice")]
    Repeated(usize),
    #[error("candidate site {0} is neither planned nor left out")]
    Missing(usize),
    #[error("a day runs over its hours or the window is too short")]
    Infeasible,
}

/// One journey and the visit at its end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stop {
    /// The site's name, or the end point's label.
    pub place: String,
    /// `None` for the end point.
    pub site_id: Option<String>,
    pub depart: Clock,
    pub travel_minutes: u32,
    pub arrive: Clock,
    pub visit_minutes: u32,
    pub leave: Clock,
    pub families: Vec<FamilyVisit>,
}

/// One day of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayPlan {
    /// 1-based.
    pub day: u32,
    pub date: Date,
    pub starts_at: String,
    pub ends_at: String,
    pub travel_minutes: u32,
    pub visit_minutes: u32,
    pub used_minutes: u32,
    pub stops: Vec<Stop>,
}

/// The printable plan: every day of the window, and the sites left out with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub start_date: Date,
    pub days_available: u32,
    pub nights: Nights,
    pub day_limit_minutes: u32,
    pub travel_limit_minutes: u32,
    pub travel_limit_set_by: Option<String>,
    pub total_travel_minutes: u64,
    pub total_visit_minutes: u64,
    pub days: Vec<DayPlan>,
    pub unplanned: Vec<Unplanned>,
}

impl Plan {
    /// The plan of `solution`, after checking that it plans every candidate once and keeps the rules.
    pub fn new(problem: &Problem, solution: &Solution) -> Result<Plan, ScheduleError> {
        check_partition(problem, solution)?;
        let mut legs = Vec::new();
        let total_travel_minutes =
            lay_out(problem, &solution.days, |leg| legs.push(leg)).ok_or(ScheduleError::Infeasible)?;
        let window = problem.window();
        let mut days = Vec::with_capacity(problem.days());
        let mut here = START;
        for day in 0..problem.days() {
            let mut clock = window.day_start_minutes;
            let starts_at = problem.point_label(here).to_owned();
            let mut plan = DayPlan {
                day: day as u32 + 1,
                date: window.start_date.plus_days(day as u32),
                starts_at,
                ends_at: String::new(),
                travel_minutes: 0,
                visit_minutes: 0,
                used_minutes: 0,
                stops: Vec::new(),
            };
            for leg in legs.iter().filter(|l| l.day == day) {
                let travel = problem.travel(leg.from, leg.to);
                let site = (leg.to >= 2).then(|| &problem.sites()[leg.to - 2]);
                let visit = site.map_or(0, |s| s.visit_minutes);
                plan.stops.push(Stop {
                    place: problem.point_label(leg.to).to_owned(),
                    site_id: site.map(|s| s.id.clone()),
                    depart: Clock(clock),
                    travel_minutes: travel,
                    arrive: Clock(clock + travel),
                    visit_minutes: visit,
                    leave: Clock(clock + travel + visit),
                    families: site.map_or_else(Vec::new, |s| s.families.clone()),
                });
                clock += travel + visit;
                plan.travel_minutes += travel;
                plan.visit_minutes += visit;
                here = leg.to;
            }
            if let Some(first) = legs.iter().find(|l| l.day == day) {
                plan.starts_at = problem.point_label(first.from).to_owned();
            }
            plan.used_minutes = plan.travel_minutes + plan.visit_minutes;
            plan.ends_at = problem.point_label(here).to_owned();
            days.push(plan);
        }
        let mut unplanned = problem.set_aside().to_vec();
        unplanned.extend(solution.unplanned.iter().map(|&site| {
            let (days, visit_minutes) = (window.days, problem.visit_minutes(site));
            // Moving on, a candidate need only be reachable from some other site, so "fits a day
            // on its own" is checked, not assumed.
            let reason = if fits_alone(problem, site) {
                Reason::NoRoom { days, visit_minutes }
            } else {
                Reason::OnlyByWayOfOthers { days, visit_minutes }
            };
            Unplanned::new(&problem.sites()[site], reason)
        }));
        Ok(Plan {
            start_date: window.start_date,
            days_available: window.days,
            nights: window.nights,
            day_limit_minutes: problem.day_minutes(),
            travel_limit_minutes: problem.travel_limit(),
            travel_limit_set_by: problem.travel_limit_set_by().map(str::to_owned),
            total_travel_minutes,
            total_visit_minutes: days.iter().map(|d| u64::from(d.visit_minutes)).sum(),
            days,
            unplanned,
        })
    }
}

/// Every candidate exactly once, planned or left out, and nothing else.
fn check_partition(problem: &Problem, solution: &Solution) -> Result<(), ScheduleError> {
    let mut seen = vec![false; problem.sites().len()];
    let mut is_candidate = vec![false; problem.sites().len()];
    for &c in problem.candidates() {
        is_candidate[c] = true;
    }
    for &site in solution.days.iter().flatten().chain(&solution.unplanned) {
        if !is_candidate.get(site).copied().unwrap_or(false) {
            return Err(ScheduleError::NotACandidate(site));
        }
        if std::mem::replace(&mut seen[site], true) {
            return Err(ScheduleError::Repeated(site));
        }
    }
    match problem.candidates().iter().find(|&&c| !seen[c]) {
        Some(&c) => Err(ScheduleError::Missing(c)),
        None => Ok(()),
    }
}
