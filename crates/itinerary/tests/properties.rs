//! Random missions: every plan keeps the rules (checked from the plan alone) and is never worse
//! than nearest neighbour; the exact planner equals plain enumeration; nothing beats the exact plan.

mod common;

use common::{brute_force, scattered, window, Instance};
use itinerary::exact::exact;
use itinerary::solve::{nearest_neighbour, plan, solve};
use itinerary::Nights;
use proptest::prelude::*;

fn instance(max_sites: usize) -> impl Strategy<Value = Instance> {
    (
        any::<u64>(),
        1..=max_sites,
        0usize..6,
        1u32..=3,
        3u32..=10,
        any::<bool>(),
        0.05f64..0.8,
        prop::option::of(2u32..=6),
    )
        .prop_map(|(seed, sites, extra, days, hours, move_on, spread, limit)| {
            let nights = if move_on { Nights::MoveOn } else { Nights::ReturnToBase };
            let mut i = scattered(
                seed,
                sites,
                sites + extra,
                spread,
                window(days, f64::from(hours), nights),
            );
            if let Some(hours) = limit {
                i.requests[0].mobility.max_travel_hours_per_day = Some(f64::from(hours));
            }
            if seed % 3 == 0 {
                // A different end point: the airport.
                i.window.end.label = "airport".into();
                i.window.end.position = Some(common::point(39.2241, 125.6700));
            }
            i
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn plans_keep_the_rules_and_beat_nearest_neighbour(instance in instance(9)) {
        let problem = instance.problem();
        let planned = solve(&problem);
        let cost = planned.cost(&problem).expect("the planner keeps the rules");
        let baseline = nearest_neighbour(&problem).cost(&problem).expect("so does nearest neighbour");
        prop_assert!(cost <= baseline, "{:?} > {:?}", cost, baseline);
        instance.check(&plan(&problem).unwrap());
    }

    #[test]
    fn exact_equals_enumeration(instance in instance(5)) {
        let problem = instance.problem();
        let by_enumeration = brute_force(&problem);
        let solution = exact(&problem).unwrap();
        let by_exact = solution.as_ref().map(|s| s.cost(&problem).expect("exact plans keep the rules").travel_minutes);
        prop_assert_eq!(by_exact, by_enumeration);
        if let Some(s) = solution {
            instance.check(&itinerary::Plan::new(&problem, &s).unwrap());
        }
    }

    #[test]
    fn nothing_beats_the_exact_plan(instance in instance(7)) {
        let problem = instance.problem();
        let planned = solve(&problem).cost(&problem).unwrap();
        match exact(&problem).unwrap() {
            Some(best) => {
                let best = best.cost(&problem).unwrap();
                prop_assert!(planned.unplanned > 0 || planned.travel_minutes >= best.travel_minutes);
            }
            // If nothing visits every site, neither does the planner.
            None => prop_assert!(planned.unplanned > 0),
        }
    }
}
