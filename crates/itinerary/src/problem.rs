//! The planning input, checked once: sites, visit requests, the mission window and travel times,
//! turned into a [`Problem`] of whole minutes that the solvers share.
//!
//! Rules, in one place:
//! * Only sites that some family asked to visit are planned; the requests at a site are visited
//!   together (one stop).
//! * A site's visit takes its base time (the site's own `visit_minutes`, else the configured base)
//!   plus the per-request time for each family there. Reduced mobility multiplies that family's
//!   time, and the base time too (getting to the grave and back is slower for the whole group).
//! * All families travel together, so the daily travel limit is the smallest of the families'
//!   `max_travel_hours_per_day` (and never more than the day's hours). A family's
//!   `max_site_minutes` must cover the whole visit at its site.
//! * Travel times are whole minutes, rounded up, so that a plan that fits in whole minutes fits in
//!   real time too.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::Serialize;

use crate::date::Date;
use crate::geo::{haversine_km, LatLon};

/// The point index of the mission's start.
pub const START: usize = 0;
/// The point index of the mission's end (the base in [`Nights::ReturnToBase`]).
pub const END: usize = 1;

/// The point index of planned site `site`.
pub fn site_point(site: usize) -> usize {
    site + 2
}

/// A burial site.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub id: String,
    pub name: String,
    pub position: Option<LatLon>,
    /// This site's base visit time, instead of [`VisitDurations::base_minutes`].
    pub visit_minutes: Option<u32>,
}

/// What a family can manage.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mobility {
    pub max_travel_hours_per_day: Option<f64>,
    /// The longest the family can be on foot at a site.
    pub max_site_minutes: Option<u32>,
    /// Lengthens the visit by [`VisitDurations::reduced_mobility_factor`].
    pub reduced_mobility: bool,
}

/// A family's wish to visit a site.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitRequest {
    pub family_id: String,
    pub site_id: String,
    pub visitors: u32,
    pub mobility: Mobility,
}

/// How long visits take.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VisitDurations {
    pub base_minutes: u32,
    pub per_request_minutes: u32,
    pub reduced_mobility_factor: f64,
}

impl Default for VisitDurations {
    fn default() -> Self {
        VisitDurations {
            base_minutes: 30,
            per_request_minutes: 20,
            reduced_mobility_factor: 1.5,
        }
    }
}

/// Where the party sleeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Nights {
    /// Day 1 runs from the start to the base (the end point); every later day leaves the base and
    /// comes back to it.
    ReturnToBase,
    /// The party sleeps near the last site of each day and travels to the end point on the day of
    /// its last visit (or, if that day is full, the next day).
    MoveOn,
}

/// The mission's start or end: a name, and a position unless travel times come from a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    pub label: String,
    pub position: Option<LatLon>,
}

/// When the mission runs and how long its days are.
#[derive(Debug, Clone, PartialEq)]
pub struct MissionWindow {
    pub start_date: Date,
    pub days: u32,
    /// Travel and visits together, per day.
    pub day_hours: f64,
    /// When each day begins, in minutes after midnight.
    pub day_start_minutes: u32,
    pub start: Endpoint,
    pub end: Endpoint,
    pub nights: Nights,
}

/// Travel times between named points (endpoint labels and site ids), in minutes. A missing
/// direction is taken from the other one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TravelTable {
    minutes: BTreeMap<(String, String), u32>,
}

impl TravelTable {
    pub fn insert(&mut self, from: &str, to: &str, minutes: u32) {
        self.minutes.insert((from.to_owned(), to.to_owned()), minutes);
    }

    fn get(&self, from: &str, to: &str) -> Option<u32> {
        let key = |a: &str, b: &str| (a.to_owned(), b.to_owned());
        self.minutes
            .get(&key(from, to))
            .or_else(|| self.minutes.get(&key(to, from)))
            .copied()
    }
}

/// How travel times are known.
#[derive(Debug, Clone, PartialEq)]
pub enum Travel {
    /// Great-circle distance × `road_factor` at `speed_kmh`.
    Distance {
        speed_kmh: f64,
        road_factor: f64,
    },
    Table(TravelTable),
}

/// Why input is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProblemError {
    #[error("site '{0}' is given twice")]
    DuplicateSite(String),
    #[error("request {index} (family '{family_id}'): there is no site '{site_id}'")]
    UnknownSite {
        index: usize,
        family_id: String,
        site_id: String,
    },
    #[error("family '{family_id}' asks to visit site '{site_id}' twice")]
    DuplicateRequest { family_id: String, site_id: String },
    #[error("{0} has no position; travel times from distances need lat/lon")]
    NoPosition(String),
    #[error("the travel table has no time between '{from}' and '{to}'")]
    MissingTravelTime { from: String, to: String },
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
}

fn invalid(field: &'static str, message: impl Into<String>) -> ProblemError {
    ProblemError::Invalid {
        field,
        message: message.into(),
    }
}

/// A family's part in a stop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FamilyVisit {
    pub family_id: String,
    pub visitors: u32,
    pub reduced_mobility: bool,
}

/// A site somebody asked to visit, with everything the planner needs.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedSite {
    pub id: String,
    pub name: String,
    pub visit_minutes: u32,
    pub families: Vec<FamilyVisit>,
}

/// Why a site is not in the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    VisitLongerThanDay {
        visit_minutes: u32,
        day_minutes: u32,
    },
    FamilyCannotStay {
        family_id: String,
        limit_minutes: u32,
        visit_minutes: u32,
    },
    RoundTripTooLong {
        travel_minutes: u32,
        visit_minutes: u32,
        day_minutes: u32,
        travel_limit_minutes: u32,
    },
    /// Moving on: even the nearest place to come from (`inbound`) or go on to is too far.
    Unreachable {
        inbound: bool,
        nearest_minutes: u32,
        visit_minutes: u32,
        day_minutes: u32,
        travel_limit_minutes: u32,
    },
    /// The site fits a day of the window on its own, but no day of the plan, busy or unused, can
    /// take it with the others.
    NoRoom {
        days: u32,
        visit_minutes: u32,
    },
    /// Moving on: the site does not fit the window on its own (from the start and on to the end),
    /// only by way of other sites, and no day of the plan can take it with the others.
    OnlyByWayOfOthers {
        days: u32,
        visit_minutes: u32,
    },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::VisitLongerThanDay {
                visit_minutes,
                day_minutes,
            } => write!(
                f,
                "the visit takes {visit_minutes} min, longer than a whole day ({day_minutes} min)"
            ),
            Reason::FamilyCannotStay {
                family_id,
                limit_minutes,
                visit_minutes,
            } => write!(
                f,
                "the visit takes {visit_minutes} min but family {family_id} can be on foot at most {limit_minutes} min"
            ),
            Reason::RoundTripTooLong {
                travel_minutes,
                visit_minutes,
                day_minutes,
                travel_limit_minutes,
            } => write!(
                f,
                "there and back is {travel_minutes} min of travel plus {visit_minutes} min at the site; a day allows \
                 {day_minutes} min with at most {travel_limit_minutes} min of travel"
            ),
            Reason::Unreachable {
                inbound,
                nearest_minutes,
                visit_minutes,
                day_minutes,
                travel_limit_minutes,
            } => {
                let way = if *inbound { "from" } else { "on to" };
                write!(
                    f,
                    "the nearest place to travel {way} is {nearest_minutes} min away (visit {visit_minutes} min); a day \
                     allows {day_minutes} min with at most {travel_limit_minutes} min of travel"
                )
            }
            Reason::NoRoom { days, visit_minutes } => write!(
                f,
                "fits a day on its own (visit {visit_minutes} min) but not into the {days}-day window with the other sites"
            ),
            Reason::OnlyByWayOfOthers { days, visit_minutes } => write!(
                f,
                "does not fit the {days}-day window on its own, from the start and on to the end (visit {visit_minutes} \
                 min); it can only be reached by way of other sites, and no day of the plan can take it with them"
            ),
        }
    }
}

/// A site left out of the plan, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unplanned {
    pub site_id: String,
    pub site_name: String,
    pub families: Vec<String>,
    pub reason: Reason,
    pub explanation: String,
}

impl Unplanned {
    pub(crate) fn new(site: &PlannedSite, reason: Reason) -> Unplanned {
        Unplanned {
            site_id: site.id.clone(),
            site_name: site.name.clone(),
            families: site.families.iter().map(|f| f.family_id.clone()).collect(),
            explanation: reason.to_string(),
            reason,
        }
    }
}

/// A checked planning problem in whole minutes. Points are numbered [`START`], [`END`], then the
/// planned sites ([`site_point`]).
#[derive(Debug, Clone)]
pub struct Problem {
    sites: Vec<PlannedSite>,
    candidates: Vec<usize>,
    set_aside: Vec<Unplanned>,
    points: usize,
    travel: Vec<u32>,
    day_minutes: u32,
    travel_limit: u32,
    travel_limit_set_by: Option<String>,
    window: MissionWindow,
}

fn positive(field: &'static str, value: f64) -> Result<f64, ProblemError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(invalid(field, format!("{value} is not a positive number")))
    }
}

/// `hours` as whole minutes, rounded down (a limit is never stretched).
fn hours_to_minutes(hours: f64) -> u32 {
    (hours * 60.0 + 1e-9).floor().min(f64::from(u32::MAX)) as u32
}

impl Problem {
    pub fn new(
        sites: &[Site],
        requests: &[VisitRequest],
        window: &MissionWindow,
        travel: &Travel,
        durations: &VisitDurations,
    ) -> Result<Problem, ProblemError> {
        if window.days == 0 || window.days > 366 {
            return Err(invalid("days", format!("{} is not within 1..366", window.days)));
        }
        let day_minutes = hours_to_minutes(positive("hours", window.day_hours)?);
        if day_minutes == 0 || window.day_start_minutes + day_minutes > 24 * 60 {
            return Err(invalid(
                "hours",
                format!(
                    "{} h from {} does not fit in a day",
                    window.day_hours,
                    Clock(window.day_start_minutes)
                ),
            ));
        }
        let factor = durations.reduced_mobility_factor;
        if !(factor.is_finite() && factor >= 1.0) {
            return Err(invalid(
                "reduced_mobility_factor",
                format!("{factor} is not at least 1"),
            ));
        }

        let mut index_of = HashMap::new();
        for (i, site) in sites.iter().enumerate() {
            if index_of.insert(site.id.as_str(), i).is_some() {
                return Err(ProblemError::DuplicateSite(site.id.clone()));
            }
        }
        // Requests grouped by site, sites in input order.
        let mut by_site: Vec<Vec<&VisitRequest>> = vec![Vec::new(); sites.len()];
        let mut travel_limit = day_minutes;
        let mut travel_limit_set_by = None;
        for (index, request) in requests.iter().enumerate() {
            let &site = index_of
                .get(request.site_id.as_str())
                .ok_or_else(|| ProblemError::UnknownSite {
                    index,
                    family_id: request.family_id.clone(),
                    site_id: request.site_id.clone(),
                })?;
            if by_site[site].iter().any(|r| r.family_id == request.family_id) {
                return Err(ProblemError::DuplicateRequest {
                    family_id: request.family_id.clone(),
                    site_id: request.site_id.clone(),
                });
            }
            if request.visitors == 0 {
                return Err(invalid(
                    "visitors",
                    format!("family {} brings no visitors", request.family_id),
                ));
            }
            if let Some(hours) = request.mobility.max_travel_hours_per_day {
                let limit = hours_to_minutes(positive("max_travel_hours", hours)?);
                if limit < travel_limit {
                    travel_limit = limit;
                    travel_limit_set_by = Some(request.family_id.clone());
                }
            }
            by_site[site].push(request);
        }

        let mut planned = Vec::new();
        let mut positions = vec![window.start.position, window.end.position];
        let mut labels = vec![window.start.label.clone(), window.end.label.clone()];
        let mut stay_limits = Vec::new();
        for (site, requests) in sites.iter().zip(&by_site) {
            if requests.is_empty() {
                continue;
            }
            let any_reduced = requests.iter().any(|r| r.mobility.reduced_mobility);
            let scale = |minutes: u32, reduced: bool| {
                if reduced {
                    (f64::from(minutes) * factor).ceil() as u32
                } else {
                    minutes
                }
            };
            let base = scale(site.visit_minutes.unwrap_or(durations.base_minutes), any_reduced);
            let visit_minutes = requests.iter().fold(base, |total, r| {
                total.saturating_add(scale(durations.per_request_minutes, r.mobility.reduced_mobility))
            });
            stay_limits.push(
                requests
                    .iter()
                    .filter_map(|r| r.mobility.max_site_minutes.map(|m| (m, r.family_id.clone())))
                    .min(),
            );
            planned.push(PlannedSite {
                id: site.id.clone(),
                name: site.name.clone(),
                visit_minutes,
                families: requests
                    .iter()
                    .map(|r| FamilyVisit {
                        family_id: r.family_id.clone(),
                        visitors: r.visitors,
                        reduced_mobility: r.mobility.reduced_mobility,
                    })
                    .collect(),
            });
            positions.push(site.position);
            labels.push(site.id.clone());
        }

        let points = planned.len() + 2;
        let mut minutes = vec![0u32; points * points];
        for a in 0..points {
            for b in 0..points {
                if a != b {
                    minutes[a * points + b] =
                        travel_minutes(travel, (&labels[a], positions[a]), (&labels[b], positions[b]))?;
                }
            }
        }

        let mut problem = Problem {
            sites: planned,
            candidates: Vec::new(),
            set_aside: Vec::new(),
            points,
            travel: minutes,
            day_minutes,
            travel_limit,
            travel_limit_set_by,
            window: window.clone(),
        };
        let direct = problem.travel(START, END);
        if direct > travel_limit {
            return Err(invalid(
                "start/end",
                format!("the start and the end are {direct} min apart, more than a day's travel ({travel_limit} min)"),
            ));
        }
        for (site, stay_limit) in stay_limits.into_iter().enumerate() {
            match problem.alone_unfit(site, stay_limit) {
                None => problem.candidates.push(site),
                Some(reason) => problem.set_aside.push(Unplanned::new(&problem.sites[site], reason)),
            }
        }
        Ok(problem)
    }

    /// Why `site` could not be visited even if it were the only one, if so.
    fn alone_unfit(&self, site: usize, stay_limit: Option<(u32, String)>) -> Option<Reason> {
        let visit_minutes = self.sites[site].visit_minutes;
        let (day_minutes, travel_limit_minutes) = (self.day_minutes, self.travel_limit);
        if let Some((limit_minutes, family_id)) = stay_limit {
            if limit_minutes < visit_minutes {
                return Some(Reason::FamilyCannotStay {
                    family_id,
                    limit_minutes,
                    visit_minutes,
                });
            }
        }
        if visit_minutes > day_minutes {
            return Some(Reason::VisitLongerThanDay {
                visit_minutes,
                day_minutes,
            });
        }
        let here = site_point(site);
        match self.window.nights {
            Nights::ReturnToBase => {
                // Day 1 comes from the start, later days from the base: the cheaper one counts, but
                // a window of one day has no later day.
                let inbound = match self.window.days {
                    1 => self.travel(START, here),
                    _ => self.travel(START, here).min(self.travel(END, here)),
                };
                let travel_minutes = inbound + self.travel(here, END);
                (travel_minutes > travel_limit_minutes || travel_minutes + visit_minutes > day_minutes).then_some(
                    Reason::RoundTripTooLong {
                        travel_minutes,
                        visit_minutes,
                        day_minutes,
                        travel_limit_minutes,
                    },
                )
            }
            Nights::MoveOn => {
                let others = || (2..self.points).filter(move |&p| p != here);
                let inbound = others().chain([START]).map(|p| self.travel(p, here)).min().unwrap_or(0);
                let outbound = others().chain([END]).map(|p| self.travel(here, p)).min().unwrap_or(0);
                let unreachable = |inbound, nearest_minutes| Reason::Unreachable {
                    inbound,
                    nearest_minutes,
                    visit_minutes,
                    day_minutes,
                    travel_limit_minutes,
                };
                if inbound > travel_limit_minutes || inbound + visit_minutes > day_minutes {
                    Some(unreachable(true, inbound))
                } else if outbound > travel_limit_minutes {
                    Some(unreachable(false, outbound))
                } else {
                    None
                }
            }
        }
    }

    /// Travel minutes from point `from` to point `to`.
    pub fn travel(&self, from: usize, to: usize) -> u32 {
        self.travel[from * self.points + to]
    }

    /// Every site somebody asked to visit, requests grouped.
    pub fn sites(&self) -> &[PlannedSite] {
        &self.sites
    }

    /// The sites that fit a day on their own: the ones the solvers plan.
    pub fn candidates(&self) -> &[usize] {
        &self.candidates
    }

    /// The sites that cannot be visited even alone, with the reason.
    pub fn set_aside(&self) -> &[Unplanned] {
        &self.set_aside
    }

    pub fn visit_minutes(&self, site: usize) -> u32 {
        self.sites[site].visit_minutes
    }

    /// Travel and visits together, per day.
    pub fn day_minutes(&self) -> u32 {
        self.day_minutes
    }

    /// Travel per day: the day's minutes or the strictest family's limit.
    pub fn travel_limit(&self) -> u32 {
        self.travel_limit
    }

    /// The family whose limit sets [`Problem::travel_limit`], if it is not the day's length.
    pub fn travel_limit_set_by(&self) -> Option<&str> {
        self.travel_limit_set_by.as_deref()
    }

    pub fn days(&self) -> usize {
        self.window.days as usize
    }

    pub fn nights(&self) -> Nights {
        self.window.nights
    }

    pub fn window(&self) -> &MissionWindow {
        &self.window
    }

    /// The name of point `point` for printing.
    pub fn point_label(&self, point: usize) -> &str {
        match point {
            START => &self.window.start.label,
            END => &self.window.end.label,
            p => &self.sites[p - 2].name,
        }
    }

    /// Whether a day with this much travel and time at sites is allowed.
    pub fn day_fits(&self, travel: u64, visit: u64) -> bool {
        travel <= u64::from(self.travel_limit) && travel + visit <= u64::from(self.day_minutes)
    }
}

fn travel_minutes(
    travel: &Travel,
    (from, from_position): (&str, Option<LatLon>),
    (to, to_position): (&str, Option<LatLon>),
) -> Result<u32, ProblemError> {
    match travel {
        Travel::Distance { speed_kmh, road_factor } => {
            let speed = positive("speed", *speed_kmh)?;
            if !(road_factor.is_finite() && *road_factor >= 1.0) {
                return Err(invalid("road_factor", format!("{road_factor} is not at least 1")));
            }
            let a = from_position.ok_or_else(|| ProblemError::NoPosition(from.to_owned()))?;
            let b = to_position.ok_or_else(|| ProblemError::NoPosition(to.to_owned()))?;
            let minutes = (haversine_km(a, b) * road_factor / speed * 60.0).ceil();
            Ok(minutes.min(f64::from(u32::MAX / 4)) as u32)
        }
        Travel::Table(table) => {
            if from == to {
                return Ok(0);
            }
            table.get(from, to).ok_or_else(|| ProblemError::MissingTravelTime {
                from: from.to_owned(),
                to: to.to_owned(),
            })
        }
    }
}

/// A time of day, in minutes after midnight; printed and serialised as `HH:MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Clock(pub u32);

impl fmt::Display for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl Serialize for Clock {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}
