//! The planner on a mission of 71 sites, 200 requests and 10 days of 10 hours, returning to base
//! (Pyongyang) each night, sites scattered within about 60 km; and the same moving on.
//!
//!     cargo bench -p itinerary --bench plan

use divan::Bencher;
use itinerary::{
    solve, Date, Endpoint, LatLon, MissionWindow, Mobility, Nights, Problem, Site, Travel, VisitDurations, VisitRequest,
};

fn main() {
    // What the timed runs produce, for docs/benchmarks.md.
    for nights in [Nights::ReturnToBase, Nights::MoveOn] {
        let problem = mission(nights);
        let solution = solve::solve(&problem);
        let cost = solution.cost(&problem).unwrap();
        let baseline = solve::nearest_neighbour(&problem).cost(&problem).unwrap();
        eprintln!(
            "{nights:?}: {} sites requested, {} left out (nearest neighbour: {}), {} min of travel (nearest neighbour: {})",
            problem.sites().len(),
            problem.set_aside().len() + cost.unplanned,
            problem.set_aside().len() + baseline.unplanned,
            cost.travel_minutes,
            baseline.travel_minutes
        );
    }
    divan::main();
}

/// A deterministic pseudo-random sequence in [0, 1) (64-bit LCG, top bits).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn mission(nights: Nights) -> Problem {
    let mut random = Lcg(71);
    let base = LatLon::new(39.0194, 125.7533).unwrap();
    let sites: Vec<Site> = (0..71)
        .map(|i| Site {
            id: format!("S{i:02}"),
            name: format!("site {i}"),
            position: Some(
                LatLon::new(
                    base.lat() + (random.next() - 0.5) * 1.0,
                    base.lon() + (random.next() - 0.5) * 2.6,
                )
                .unwrap(),
            ),
            visit_minutes: None,
        })
        .collect();
    let requests: Vec<VisitRequest> = (0..200)
        .map(|i| VisitRequest {
            family_id: format!("F{i:03}"),
            site_id: sites[(random.next() * 71.0) as usize % 71].id.clone(),
            visitors: 1 + (random.next() * 4.0) as u32,
            mobility: Mobility {
                reduced_mobility: random.next() < 0.1,
                ..Mobility::default()
            },
        })
        .collect();
    let endpoint = Endpoint {
        label: "hotel".into(),
        position: Some(base),
    };
    let window = MissionWindow {
        start_date: Date::new(2026, 5, 4).unwrap(),
        days: 10,
        day_hours: 10.0,
        day_start_minutes: 7 * 60,
        start: endpoint.clone(),
        end: endpoint,
        nights,
    };
    let travel = Travel::Distance {
        speed_kmh: 50.0,
        road_factor: 1.3,
    };
    let durations = VisitDurations {
        base_minutes: 20,
        per_request_minutes: 10,
        reduced_mobility_factor: 1.5,
    };
    Problem::new(&sites, &requests, &window, &travel, &durations).unwrap()
}

#[divan::bench(args = [Nights::ReturnToBase, Nights::MoveOn], sample_count = 10)]
fn plan_71_sites_200_requests_10_days(bencher: Bencher, nights: Nights) {
    let problem = mission(nights);
    bencher.bench(|| solve::solve(divan::black_box(&problem)));
}
