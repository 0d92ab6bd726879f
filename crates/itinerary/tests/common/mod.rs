//! Instances for the planning tests, and a checker that recomputes a plan from its inputs without
//! the solver's code (its own great-circle formula, its own visit times).

#![allow(dead_code)]

use std::collections::BTreeMap;

use itinerary::schedule::{Plan, Solution};
use itinerary::{
    Date, Endpoint, LatLon, MissionWindow, Mobility, Nights, Problem, Site, Travel, VisitDurations, VisitRequest,
};

/// Pyongyang, Kim Il Sung Square.
pub const BASE: (f64, f64) = (39.0194, 125.7533);

#[derive(Debug, Clone)]
pub struct Instance {
    pub sites: Vec<Site>,
    pub requests: Vec<VisitRequest>,
    pub window: MissionWindow,
    pub speed_kmh: f64,
    pub road_factor: f64,
    pub durations: VisitDurations,
}

/// A deterministic pseudo-random sequence in [0, 1).
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

pub fn point(lat: f64, lon: f64) -> LatLon {
    LatLon::new(lat, lon).unwrap()
}

pub fn site(id: &str, lat: f64, lon: f64) -> Site {
    Site {
        id: id.to_owned(),
        name: format!("Site {id}"),
        position: Some(point(lat, lon)),
        visit_minutes: None,
    }
}

pub fn request(family: &str, site: &str) -> VisitRequest {
    VisitRequest {
        family_id: family.to_owned(),
        site_id: site.to_owned(),
        visitors: 2,
        mobility: Mobility::default(),
    }
}

pub fn window(days: u32, hours: f64, nights: Nights) -> MissionWindow {
    let base = Endpoint {
        label: "hotel".into(),
        position: Some(point(BASE.0, BASE.1)),
    };
    MissionWindow {
        start_date: Date::new(2026, 5, 4).unwrap(),
        days,
        day_hours: hours,
        day_start_minutes: 8 * 60,
        start: base.clone(),
        end: base,
        nights,
    }
}

/// `sites` sites scattered within `spread` degrees of the base and `requests` requests spread
/// over them (every site at least one).
pub fn scattered(seed: u64, sites: usize, requests: usize, spread: f64, window: MissionWindow) -> Instance {
    let mut random = Lcg(seed);
    let sites: Vec<Site> = (0..sites)
        .map(|i| {
            let lat = BASE.0 + (random.next() - 0.5) * 2.0 * spread;
            let lon = BASE.1 + (random.next() - 0.5) * 2.0 * spread;
            site(&format!("S{i:02}"), lat, lon)
        })
        .collect();
    let requests = (0..requests)
        .map(|i| {
            let at = if i < sites.len() {
                i
            } else {
                (random.next() * sites.len() as f64) as usize
            };
            let mut r = request(&format!("F{i:02}"), &sites[at].id);
            r.mobility.reduced_mobility = random.next() < 0.2;
            r
        })
        .collect();
    Instance {
        sites,
        requests,
        window,
        speed_kmh: 40.0,
        road_factor: 1.4,
        durations: VisitDurations {
            base_minutes: 20,
            per_request_minutes: 10,
            reduced_mobility_factor: 1.5,
        },
    }
}

impl Instance {
    pub fn problem(&self) -> Problem {
        let travel = Travel::Distance {
            speed_kmh: self.speed_kmh,
            road_factor: self.road_factor,
        };
        Problem::new(&self.sites, &self.requests, &self.window, &travel, &self.durations).unwrap()
    }

    fn position(&self, site_id: Option<&str>) -> LatLon {
        match site_id {
            Some(id) => self.sites.iter().find(|s| s.id == id).unwrap().position.unwrap(),
            None => self.window.end.position.unwrap(),
        }
    }

    /// Real (unrounded) travel minutes by the chord formula on unit vectors.
    fn travel_minutes(&self, a: LatLon, b: LatLon) -> f64 {
        let unit = |p: LatLon| {
            let (lat, lon) = (p.lat().to_radians(), p.lon().to_radians());
            [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
        };
        let (u, v) = (unit(a), unit(b));
        let chord = ((u[0] - v[0]).powi(2) + (u[1] - v[1]).powi(2) + (u[2] - v[2]).powi(2)).sqrt();
        let km = 2.0 * 6371.0088 * (chord / 2.0).asin();
        km * self.road_factor / self.speed_kmh * 60.0
    }

    /// The visit minutes of a site from the requests, as the crate documents them.
    fn visit_minutes(&self, site_id: &str) -> u32 {
        let here: Vec<&VisitRequest> = self.requests.iter().filter(|r| r.site_id == site_id).collect();
        let reduced = |m: u32, r: bool| {
            if r {
                (m as f64 * self.durations.reduced_mobility_factor).ceil() as u32
            } else {
                m
            }
        };
        let site = self.sites.iter().find(|s| s.id == site_id).unwrap();
        let base = site.visit_minutes.unwrap_or(self.durations.base_minutes);
        reduced(base, here.iter().any(|r| r.mobility.reduced_mobility))
            + here
                .iter()
                .map(|r| reduced(self.durations.per_request_minutes, r.mobility.reduced_mobility))
                .sum::<u32>()
    }

    /// Checks `plan` against the inputs alone; returns the sites it visits.
    pub fn check(&self, plan: &Plan) -> Vec<String> {
        let w = &self.window;
        assert_eq!(plan.days.len(), w.days as usize);
        let day_limit = w.day_hours * 60.0;
        let travel_limit = self
            .requests
            .iter()
            .filter_map(|r| r.mobility.max_travel_hours_per_day)
            .fold(day_limit, |l, h| l.min(h * 60.0));
        let mut here = w.start.position.unwrap();
        let mut visited = Vec::new();
        for (i, day) in plan.days.iter().enumerate() {
            assert_eq!(day.day as usize, i + 1);
            assert_eq!(day.date, w.start_date.plus_days(i as u32));
            let (mut travel, mut visit, mut clock) = (0.0, 0u32, w.day_start_minutes);
            for stop in &day.stops {
                let there = self.position(stop.site_id.as_deref());
                let real = self.travel_minutes(here, there);
                // The plan's minutes are the real time rounded up.
                assert!(f64::from(stop.travel_minutes) >= real - 1e-6, "{stop:?}: {real}");
                assert!(f64::from(stop.travel_minutes) < real + 1.0 + 1e-6, "{stop:?}: {real}");
                let minutes = stop.site_id.as_deref().map_or(0, |id| self.visit_minutes(id));
                assert_eq!(stop.visit_minutes, minutes, "{stop:?}");
                assert_eq!(stop.depart.0, clock);
                assert_eq!(stop.arrive.0, clock + stop.travel_minutes);
                assert_eq!(stop.leave.0, stop.arrive.0 + minutes);
                clock = stop.leave.0;
                if let Some(id) = &stop.site_id {
                    let families: Vec<&str> = self
                        .requests
                        .iter()
                        .filter(|r| &r.site_id == id)
                        .map(|r| r.family_id.as_str())
                        .collect();
                    let listed: Vec<&str> = stop.families.iter().map(|f| f.family_id.as_str()).collect();
                    assert_eq!(listed, families);
                    visited.push(id.clone());
                }
                travel += real;
                visit += minutes;
                here = there;
            }
            assert!(
                travel <= travel_limit + 1e-6,
                "day {}: travel {travel} > {travel_limit}",
                day.day
            );
            assert!(
                travel + f64::from(visit) <= day_limit + 1e-6,
                "day {}: {travel} + {visit} > {day_limit}",
                day.day
            );
            assert!(clock <= w.day_start_minutes + day_limit as u32);
            if w.nights == Nights::ReturnToBase && !day.stops.is_empty() {
                assert_eq!(
                    day.stops.last().unwrap().site_id,
                    None,
                    "day {} must end at the base",
                    day.day
                );
            }
        }
        assert_eq!(here, w.end.position.unwrap(), "the mission must end at the end point");
        let mut sorted = visited.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), visited.len(), "a site is visited twice: {visited:?}");
        let unplanned: Vec<&str> = plan.unplanned.iter().map(|u| u.site_id.as_str()).collect();
        for r in &self.requests {
            let planned = visited.contains(&r.site_id);
            assert!(
                planned != unplanned.contains(&r.site_id.as_str()),
                "site {} must be either visited or reported",
                r.site_id
            );
        }
        visited
    }
}

/// Every site of `days` in every order and every cut into the window's days, judged by the
/// crate's day rules: the least travel visiting all candidates.
pub fn brute_force(problem: &Problem) -> Option<u64> {
    let sites = problem.candidates().to_vec();
    let mut best: Option<u64> = None;
    permute(&sites, &mut Vec::new(), &mut vec![false; sites.len()], &mut |order| {
        cuts(order, problem.days(), &mut Vec::new(), &mut |days| {
            let solution = Solution {
                days: days.to_vec(),
                unplanned: Vec::new(),
            };
            if let Some(cost) = solution.cost(problem) {
                best = Some(best.map_or(cost.travel_minutes, |b| b.min(cost.travel_minutes)));
            }
        });
    });
    best
}

fn permute(items: &[usize], order: &mut Vec<usize>, used: &mut Vec<bool>, each: &mut dyn FnMut(&[usize])) {
    if order.len() == items.len() {
        each(order);
        return;
    }
    for i in 0..items.len() {
        if !used[i] {
            used[i] = true;
            order.push(items[i]);
            permute(items, order, used, each);
            order.pop();
            used[i] = false;
        }
    }
}

fn cuts(rest: &[usize], days: usize, done: &mut Vec<Vec<usize>>, each: &mut dyn FnMut(&[Vec<usize>])) {
    if days == 1 {
        done.push(rest.to_vec());
        each(done);
        done.pop();
        return;
    }
    for take in 0..=rest.len() {
        done.push(rest[..take].to_vec());
        cuts(&rest[take..], days - 1, done, each);
        done.pop();
    }
}

/// Sites by id: handy for assertions.
pub fn reasons(plan: &Plan) -> BTreeMap<String, String> {
    plan.unplanned
        .iter()
        .map(|u| (u.site_id.clone(), u.explanation.clone()))
        .collect()
}
