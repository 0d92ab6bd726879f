//! The planner on fixed missions: everything visited within each day's hours (checked from the plan
//! alone), no worse than the exact planner on small ones, and clear reasons for what cannot fit.

mod common;

use common::{reasons, request, scattered, site, window, Instance};
use itinerary::exact::exact;
use itinerary::problem::Reason;
use itinerary::solve::{nearest_neighbour, plan, solve};
use itinerary::{Endpoint, Nights, Problem, ProblemError, Travel, TravelTable, VisitDurations};

#[test]
fn twelve_sites_thirty_requests_five_days_of_eight_hours() {
    for nights in [Nights::ReturnToBase, Nights::MoveOn] {
        let instance = scattered(12, 12, 30, 0.45, window(5, 8.0, nights));
        let plan = plan(&instance.problem()).unwrap();
        let visited = instance.check(&plan);
        assert_eq!(visited.len(), 12, "{nights:?}: {:?}", plan.unplanned);
        assert!(plan.unplanned.is_empty());
        let families: usize = plan.days.iter().flat_map(|d| &d.stops).map(|s| s.families.len()).sum();
        assert_eq!(families, 30);
    }
}

#[test]
fn seven_sites_no_longer_than_the_exact_plan() {
    for (seed, nights) in [
        (7, Nights::ReturnToBase),
        (8, Nights::ReturnToBase),
        (7, Nights::MoveOn),
        (9, Nights::MoveOn),
    ] {
        let instance = scattered(seed, 7, 12, 0.5, window(3, 8.0, nights));
        let problem = instance.problem();
        let best = exact(&problem).unwrap().expect("the instance fits the window");
        let best_travel = best.cost(&problem).unwrap().travel_minutes;
        let planned = solve(&problem);
        let cost = planned.cost(&problem).unwrap();
        assert_eq!(cost.unplanned, 0);
        assert!(
            cost.travel_minutes <= best_travel,
            "{nights:?}: {} > {best_travel}",
            cost.travel_minutes
        );
        // The exact plan is itself a valid plan.
        instance.check(&itinerary::Plan::new(&problem, &best).unwrap());
    }
}

#[test]
fn the_planner_improves_on_nearest_neighbour() {
    // A case where the nearest site first leads the tour astray.
    let instance = scattered(3, 20, 40, 0.5, window(6, 8.0, Nights::ReturnToBase));
    let problem = instance.problem();
    let baseline = nearest_neighbour(&problem).cost(&problem).unwrap();
    let planned = solve(&problem).cost(&problem).unwrap();
    assert!(planned < baseline, "{planned:?} vs {baseline:?}");
}

#[test]
fn sites_that_cannot_fit_are_named_with_the_reason() {
    let mut instance: Instance = scattered(5, 4, 4, 0.2, window(2, 8.0, Nights::ReturnToBase));
    // Too far: Hamhung is ~ 200 km away, 7 h there and back at 40 km/h with the road factor.
    instance.sites.push(site("FAR", 39.92, 127.54));
    instance.requests.push(request("F-far", "FAR"));
    // A visit longer than a day.
    let mut long = site("LONG", 39.05, 125.80);
    long.visit_minutes = Some(600);
    instance.sites.push(long);
    instance.requests.push(request("F-long", "LONG"));
    // A family that cannot stay as long as the visit takes.
    instance.sites.push(site("STAY", 39.03, 125.76));
    let mut short = request("F-short", "STAY");
    short.mobility.max_site_minutes = Some(15);
    instance.requests.push(short);
    let plan = plan(&instance.problem()).unwrap();
    instance.check(&plan);
    let why = reasons(&plan);
    assert_eq!(why.keys().collect::<Vec<_>>(), ["FAR", "LONG", "STAY"]);
    assert!(why["FAR"].starts_with("there and back is"), "{}", why["FAR"]);
    assert_eq!(
        why["LONG"],
        "the visit takes 610 min, longer than a whole day (480 min)"
    );
    assert_eq!(
        why["STAY"],
        "the visit takes 30 min but family F-short can be on foot at most 15 min"
    );
    let far = plan.unplanned.iter().find(|u| u.site_id == "FAR").unwrap();
    assert_eq!(far.families, ["F-far"]);
    assert!(matches!(far.reason, Reason::RoundTripTooLong { .. }));
}

#[test]
fn a_window_too_short_leaves_sites_out_and_says_so() {
    let instance = scattered(11, 10, 20, 0.5, window(1, 6.0, Nights::ReturnToBase));
    let problem = instance.problem();
    assert!(problem.set_aside().is_empty());
    let plan = plan(&problem).unwrap();
    let visited = instance.check(&plan);
    assert!(!visited.is_empty() && visited.len() < 10, "{visited:?}");
    assert_eq!(visited.len() + plan.unplanned.len(), 10);
    for u in &plan.unplanned {
        assert!(matches!(u.reason, Reason::NoRoom { days: 1, .. }), "{u:?}");
        assert!(u.explanation.contains("not into the 1-day window"), "{}", u.explanation);
    }
}

#[test]
fn the_strictest_family_sets_the_travel_limit() {
    let mut instance = scattered(13, 6, 6, 0.4, window(4, 9.0, Nights::MoveOn));
    instance.requests[2].mobility.max_travel_hours_per_day = Some(2.5);
    let problem = instance.problem();
    assert_eq!(problem.travel_limit(), 150);
    assert_eq!(problem.travel_limit_set_by(), Some("F02"));
    let plan = plan(&problem).unwrap();
    instance.check(&plan);
    assert_eq!(plan.travel_limit_set_by.as_deref(), Some("F02"));
}

#[test]
fn a_travel_table_replaces_distances() {
    let sites = vec![site("A", 0.0, 0.0), site("B", 0.0, 0.0), site("C", 0.0, 0.0)];
    let requests = vec![request("F1", "A"), request("F2", "B"), request("F3", "C")];
    let mut table = TravelTable::default();
    for (from, to, minutes) in [
        ("hotel", "A", 60),
        ("hotel", "B", 100),
        ("hotel", "C", 70),
        ("A", "B", 30),
        ("B", "C", 30),
        ("A", "C", 90),
    ] {
        table.insert(from, to, minutes);
    }
    let durations = VisitDurations::default();
    let w = window(1, 8.0, Nights::ReturnToBase);
    let problem = Problem::new(&sites, &requests, &w, &Travel::Table(table.clone()), &durations).unwrap();
    let planned = solve(&problem);
    // hotel → A → B → C → hotel (60 + 30 + 30 + 70) or the reverse; 150 min of visits.
    assert_eq!(planned.cost(&problem).unwrap().travel_minutes, 190);
    let plan = itinerary::Plan::new(&problem, &planned).unwrap();
    assert_eq!(plan.days[0].used_minutes, 340);

    let mut partial = TravelTable::default();
    partial.insert("hotel", "A", 10);
    let error = Problem::new(&sites[..2], &requests[..2], &w, &Travel::Table(partial), &durations).unwrap_err();
    assert!(matches!(error, ProblemError::MissingTravelTime { .. }), "{error}");
}

#[test]
fn bad_input_is_refused_with_the_reason() {
    let instance = scattered(1, 3, 3, 0.2, window(2, 8.0, Nights::ReturnToBase));
    let travel = Travel::Distance {
        speed_kmh: 40.0,
        road_factor: 1.3,
    };
    let d = VisitDurations::default();
    let (s, r, w) = (&instance.sites, &instance.requests, &instance.window);

    let mut unknown = r.clone();
    unknown.push(request("F9", "NOPE"));
    let e = Problem::new(s, &unknown, w, &travel, &d).unwrap_err();
    assert_eq!(e.to_string(), "request 3 (family 'F9'): there is no site 'NOPE'");

    let mut twice = s.clone();
    twice.push(s[0].clone());
    assert_eq!(
        Problem::new(&twice, r, w, &travel, &d).unwrap_err(),
        ProblemError::DuplicateSite("S00".into())
    );

    let mut repeated = r.clone();
    repeated.push(r[0].clone());
    assert!(matches!(
        Problem::new(s, &repeated, w, &travel, &d),
        Err(ProblemError::DuplicateRequest { .. })
    ));

    let mut nowhere = s.clone();
    nowhere[1].position = None;
    assert_eq!(
        Problem::new(&nowhere, r, w, &travel, &d).unwrap_err(),
        ProblemError::NoPosition("S01".into())
    );

    let mut far_end = w.clone();
    far_end.end = Endpoint {
        label: "Busan".into(),
        position: Some(common::point(35.1, 129.0)),
    };
    let e = Problem::new(s, r, &far_end, &travel, &d).unwrap_err();
    assert!(e.to_string().contains("more than a day's travel"), "{e}");

    for (days, hours) in [(0, 8.0), (2, 0.0), (2, f64::NAN), (2, 17.0)] {
        let mut bad = w.clone();
        bad.days = days;
        bad.day_hours = hours;
        assert!(matches!(
            Problem::new(s, r, &bad, &travel, &d),
            Err(ProblemError::Invalid { .. })
        ));
    }
    let slow = Travel::Distance {
        speed_kmh: -3.0,
        road_factor: 1.3,
    };
    assert!(matches!(
        Problem::new(s, r, w, &slow, &d),
        Err(ProblemError::Invalid { field: "speed", .. })
    ));
}

#[test]
fn markdown_and_json_show_every_day_and_stop() {
    let instance = scattered(12, 12, 30, 0.45, window(5, 8.0, Nights::ReturnToBase));
    let plan = plan(&instance.problem()).unwrap();
    let text = itinerary::render::markdown(&plan);
    assert!(text.starts_with("# Mission plan 2026-05-04 – 2026-05-08\n"), "{text}");
    for day in &plan.days {
        assert!(text.contains(&format!("## Day {} ({})", day.day, day.date)));
        for stop in &day.stops {
            let row = format!(
                "| {} | {} | {} |",
                stop.depart,
                itinerary::render::duration(stop.travel_minutes.into()),
                stop.arrive
            );
            assert!(text.contains(&row), "{row}");
        }
    }
    let json: serde_json::Value = serde_json::to_value(&plan).unwrap();
    assert_eq!(json["days"].as_array().unwrap().len(), 5);
    assert_eq!(json["nights"], "return-to-base");
    let first = &json["days"][0]["stops"][0];
    assert!(first["depart"].as_str().unwrap().starts_with("08:"), "{first}");
    assert_eq!(json["start_date"], "2026-05-04");
}

/// The heuristic is not exact; this pins how often it misses the optimum on random 7-site missions
/// (measured: 12 of 200 returning to base, 1 of 200 moving on), so that a weaker search shows up.
#[test]
fn rarely_worse_than_exact_on_seven_sites() {
    for nights in [Nights::ReturnToBase, Nights::MoveOn] {
        let (mut worse, mut total) = (0, 0);
        for seed in 0..200 {
            let instance = scattered(seed, 7, 12, 0.5, window(3, 8.0, nights));
            let problem = instance.problem();
            let Some(best) = exact(&problem).unwrap() else { continue };
            total += 1;
            let best = best.cost(&problem).unwrap();
            let planned = solve(&problem).cost(&problem).unwrap();
            assert!(planned >= best, "seed {seed}: better than exact");
            worse += usize::from(planned > best);
        }
        assert!(total >= 150, "{nights:?}: only {total} feasible instances");
        assert!(
            worse * 10 <= total,
            "{nights:?}: worse than exact on {worse} of {total}"
        );
    }
}

/// Sites A..D with visit times, the window and a travel table over `points`: (from, to, minutes).
fn table_problem(
    visits: &[(&str, u32)],
    start: &str,
    end: &str,
    (days, hours, nights): (u32, f64, Nights),
    legs: &[(&str, &str, u32)],
) -> Problem {
    let sites: Vec<_> = visits
        .iter()
        .map(|&(id, minutes)| {
            let mut s = site(id, 0.0, 0.0);
            s.visit_minutes = Some(minutes);
            s
        })
        .collect();
    let requests: Vec<_> = visits.iter().map(|&(id, _)| request(&format!("F-{id}"), id)).collect();
    let mut table = TravelTable::default();
    for &(from, to, minutes) in legs {
        table.insert(from, to, minutes);
    }
    let mut w = window(days, hours, nights);
    w.start = Endpoint {
        label: start.into(),
        position: None,
    };
    w.end = Endpoint {
        label: end.into(),
        position: None,
    };
    let durations = VisitDurations {
        base_minutes: 30,
        per_request_minutes: 0,
        reduced_mobility_factor: 1.5,
    };
    Problem::new(&sites, &requests, &w, &Travel::Table(table), &durations).unwrap()
}

fn planned_ids(problem: &Problem, solution: &itinerary::Solution) -> Vec<Vec<String>> {
    let id = |&s: &usize| problem.sites()[s].id.clone();
    solution.days.iter().map(|d| d.iter().map(id).collect()).collect()
}

/// Moving on, three days of three hours from the hotel and back. Nearest neighbour takes A and B on
/// day 1 and C on day 2, and then D (which fits a day on its own: 70 + 40 + 70 min) fits nowhere:
/// after C the journey on to the hotel would fall on a fourth day. The planner used to stop there,
/// D left out with day 3 unused; visited before C, D fits (B → D on day 2, D → C → hotel on day 3).
#[test]
fn a_site_that_fits_a_day_is_not_left_out_while_a_day_is_unused() {
    let problem = table_problem(
        &[("A", 30), ("B", 30), ("C", 30), ("D", 40)],
        "hotel",
        "hotel",
        (3, 3.0, Nights::MoveOn),
        &[
            ("hotel", "A", 40),
            ("hotel", "B", 40),
            ("hotel", "C", 70),
            ("hotel", "D", 70),
            ("A", "B", 30),
            ("A", "C", 120),
            ("A", "D", 115),
            ("B", "C", 110),
            ("B", "D", 110),
            ("C", "D", 75),
        ],
    );
    assert!(problem.set_aside().is_empty());
    let baseline = nearest_neighbour(&problem);
    assert_eq!(planned_ids(&problem, &baseline), [vec!["A", "B"], vec!["C"], vec![]]);
    assert_eq!(baseline.unplanned.len(), 1);
    let planned = solve(&problem);
    assert!(planned.unplanned.is_empty(), "{planned:?}");
    assert_eq!(planned_ids(&problem, &planned), [vec!["A", "B"], vec!["D"], vec!["C"]]);
    assert_eq!(planned.cost(&problem).unwrap().travel_minutes, 40 + 30 + 110 + 75 + 70);
}

/// Returning to the base at the airport, two days of six hours, day 1 from the hotel. N1 and N2,
/// close together, fit one day only from the airport (day 1 from the hotel runs 5 min over); F
/// fits either day. The constructions put N1 on day 1 and F on day 2, and no single site moved
/// makes room for N2: F and N1 must trade days. The planner used to leave N2 out.
#[test]
fn a_site_is_not_left_out_when_the_others_can_trade_days() {
    let problem = table_problem(
        &[("N1", 30), ("N2", 30), ("F", 30)],
        "hotel",
        "airport",
        (2, 6.0, Nights::ReturnToBase),
        &[
            ("hotel", "airport", 50),
            ("hotel", "N1", 145),
            ("hotel", "N2", 160),
            ("hotel", "F", 170),
            ("airport", "N1", 125),
            ("airport", "N2", 135),
            ("airport", "F", 120),
            ("N1", "N2", 25),
            ("N1", "F", 190),
            ("N2", "F", 180),
        ],
    );
    let planned = solve(&problem);
    assert!(planned.unplanned.is_empty(), "{planned:?}");
    let best = exact(&problem).unwrap().expect("every site fits");
    assert_eq!(planned.cost(&problem), best.cost(&problem));
    assert_eq!(planned_ids(&problem, &planned), [vec!["F"], vec!["N1", "N2"]]);
}

/// A one-day window has no later day leaving the base: a site that only a later day could reach
/// is set aside as too far, not reported as fitting a day on its own.
#[test]
fn a_one_day_window_sets_aside_what_only_a_later_day_reaches() {
    let legs = [("hotel", "airport", 300), ("hotel", "X", 320), ("airport", "X", 30)];
    let one_day = table_problem(&[("X", 30)], "hotel", "airport", (1, 6.0, Nights::ReturnToBase), &legs);
    assert!(one_day.candidates().is_empty());
    let plan = plan(&one_day).unwrap();
    assert_eq!(plan.unplanned.len(), 1);
    assert_eq!(
        plan.unplanned[0].reason,
        Reason::RoundTripTooLong {
            travel_minutes: 350,
            visit_minutes: 30,
            day_minutes: 360,
            travel_limit_minutes: 360,
        }
    );
    // With a second day, X goes on it: airport → X → airport.
    let two_days = table_problem(&[("X", 30)], "hotel", "airport", (2, 6.0, Nights::ReturnToBase), &legs);
    let planned = solve(&two_days);
    assert_eq!(planned_ids(&two_days, &planned), [vec![], vec!["X"]]);
}

/// Moving on, a site may be reached only by way of another; when it then does not fit, the reason
/// says so instead of claiming that it fits a day on its own.
#[test]
fn moving_on_a_site_reached_only_by_way_of_another_says_so() {
    let legs = [("hotel", "A", 60), ("A", "F", 60), ("hotel", "F", 200)];
    let visits = [("A", 30), ("F", 30)];
    // One day of six hours: F alone is 200 + 30 + 200 min, by way of A 60 + 60 + 200 + 60.
    let one_day = table_problem(&visits, "hotel", "hotel", (1, 6.0, Nights::MoveOn), &legs);
    assert_eq!(one_day.candidates().len(), 2);
    let plan = plan(&one_day).unwrap();
    let why = reasons(&plan);
    assert_eq!(why.keys().collect::<Vec<_>>(), ["F"]);
    assert_eq!(
        plan.unplanned[0].reason,
        Reason::OnlyByWayOfOthers {
            days: 1,
            visit_minutes: 30
        }
    );
    assert!(
        why["F"].contains("only be reached by way of other sites"),
        "{}",
        why["F"]
    );
    // Two days: hotel → A → F on day 1, on to the hotel on day 2.
    let two_days = table_problem(&visits, "hotel", "hotel", (2, 6.0, Nights::MoveOn), &legs);
    let planned = solve(&two_days);
    assert!(planned.unplanned.is_empty(), "{planned:?}");
}

/// The heuristic may still leave out a site that the exact plan visits (it is not exact), but
/// rarely; this pins how rarely on random 6- and 7-site missions in tight windows (measured: never
/// returning to base, 6 of 160 moving on; 32 of 160 before it made room for left-out sites).
#[test]
fn rarely_leaves_out_a_site_the_exact_plan_visits() {
    for nights in [Nights::ReturnToBase, Nights::MoveOn] {
        let (mut left_out, mut total) = (0, 0);
        for (sites, days, hours) in [(7, 3, 5.0), (6, 3, 4.0)] {
            for seed in 0..200 {
                let instance = scattered(seed, sites, 10, 0.5, window(days, hours, nights));
                let problem = instance.problem();
                if exact(&problem).unwrap().is_none() {
                    continue;
                }
                total += 1;
                left_out += usize::from(!solve(&problem).unplanned.is_empty());
            }
        }
        assert!(total >= 100, "{nights:?}: only {total} instances where every site fits");
        let allowed = match nights {
            Nights::ReturnToBase => 0,
            Nights::MoveOn => 6,
        };
        assert!(
            left_out <= allowed,
            "{nights:?}: left sites out on {left_out} of {total} that fit"
        );
    }
}
