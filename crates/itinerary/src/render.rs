//! The plan as Markdown, for printing and for the web UI. (JSON is the serde form of [`Plan`].)

use std::fmt::Write;

use crate::problem::Nights;
use crate::schedule::Plan;

/// `90` → `1 h 30 min`.
pub fn duration(minutes: u64) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// The plan day by day: a table of stops (depart, travel, arrive, visit, families), then the sites
/// left out and why.
pub fn markdown(plan: &Plan) -> String {
    let mut out = String::new();
    let last = plan.start_date.plus_days(plan.days_available.saturating_sub(1));
    let nights = match plan.nights {
        Nights::ReturnToBase => "back to base each night",
        Nights::MoveOn => "moving on each day",
    };
    // Writing to a String cannot fail.
    let _ = writeln!(out, "# Mission plan {} – {}\n", plan.start_date, last);
    let _ = writeln!(
        out,
        "{} days, {nights}; at most {} of travel and visits a day, {} of travel{}.",
        plan.days_available,
        duration(plan.day_limit_minutes.into()),
        duration(plan.travel_limit_minutes.into()),
        plan.travel_limit_set_by
            .as_deref()
            .map(|f| format!(" (set by family {f})"))
            .unwrap_or_default()
    );
    let visited: usize = plan
        .days
        .iter()
        .map(|d| d.stops.iter().filter(|s| s.site_id.is_some()).count())
        .sum();
    let _ = writeln!(
        out,
        "{visited} sites visited, {} left out; {} of travel, {} at the sites.\n",
        plan.unplanned.len(),
        duration(plan.total_travel_minutes),
        duration(plan.total_visit_minutes)
    );
    for day in &plan.days {
        let _ = writeln!(out, "## Day {} ({})\n", day.day, day.date);
        if day.stops.is_empty() {
            let _ = writeln!(out, "No travel; the party stays at {}.\n", day.starts_at);
            continue;
        }
        let _ = writeln!(
            out,
            "From {} to {}: {} of travel, {} at the sites, {} in all.\n",
            day.starts_at,
            day.ends_at,
            duration(day.travel_minutes.into()),
            duration(day.visit_minutes.into()),
            duration(day.used_minutes.into())
        );
        let _ = writeln!(out, "| depart | travel | arrive | place | visit | leave | families |");
        let _ = writeln!(out, "|---|---|---|---|---|---|---|");
        for stop in &day.stops {
            let place = match &stop.site_id {
                Some(id) => format!("{} ({id})", stop.place),
                None => stop.place.clone(),
            };
            let families: Vec<String> = stop
                .families
                .iter()
                .map(|f| {
                    let reduced = if f.reduced_mobility { ", reduced mobility" } else { "" };
                    format!("{} ({} visitors{reduced})", f.family_id, f.visitors)
                })
                .collect();
            let (visit, leave) = if stop.site_id.is_some() {
                (duration(stop.visit_minutes.into()), stop.leave.to_string())
            } else {
                (String::new(), String::new())
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {visit} | {leave} | {} |",
                stop.depart,
                duration(stop.travel_minutes.into()),
                stop.arrive,
                place.replace('|', "\\|"),
                families.join("; ").replace('|', "\\|")
            );
        }
        out.push('\n');
    }
    if !plan.unplanned.is_empty() {
        let _ = writeln!(out, "## Not in the plan\n");
        for u in &plan.unplanned {
            let _ = writeln!(
                out,
                "* {} ({}), families {}: {}",
                u.site_name,
                u.site_id,
                u.families.join(", "),
                u.explanation
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn durations() {
        assert_eq!(duration(0), "0 min");
        assert_eq!(duration(45), "45 min");
        assert_eq!(duration(120), "2 h");
        assert_eq!(duration(125), "2 h 5 min");
    }
}
