//! `homeward itinerary` through the built binary: a plan that visits every requested site within
//! each day's hours, in Markdown and JSON, and bad rows named by file, line and column (exit 2).

use std::process::Output;

mod common;
use common::{arg, bad_input, json, Scratch};

const SITES: &str = "external_id,name,lat,lon,status,visit_minutes
S-1,Sunan hill,39.20,125.68,known,
S-2,Ryongsong,39.12,125.80,surveyed,45
S-3,Mangyongdae,38.99,125.66,,
S-4,Sadong,39.01,125.86,,
S-5,Unused,40.5,127.0,,
";

const REQUESTS: &str = "family_external_id,site_external_id,visitors,max_travel_hours,max_site_minutes,reduced_mobility
F-1,S-1,2,,,no
F-2,S-2,1,,,yes
F-3,S-2,3,5,,
F-4,S-3,2,,120,
F-5,S-4,,,,
";

fn run(name: &str, sites: &str, requests: &str, extra: &[&str]) -> (Output, Scratch) {
    let d = Scratch::new(name);
    let (s, r) = (d.file("sites.csv", sites), d.file("requests.csv", requests));
    let mut args = vec![
        "itinerary",
        "--sites",
        arg(&s),
        "--requests",
        arg(&r),
        "--start",
        "2026-05-04",
        "--days",
        "2",
        "--hours",
        "8",
        "--from",
        "39.0194,125.7533",
    ];
    args.extend_from_slice(extra);
    (common::run(&args), d)
}

#[test]
fn plans_every_requested_site_within_the_day() {
    let (output, _) = run("json", SITES, REQUESTS, &["--json", "--speed", "35"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let days = plan["days"].as_array().unwrap();
    assert_eq!(days.len(), 2);
    assert_eq!(days[1]["date"], "2026-05-05");
    let mut visited: Vec<&str> = days
        .iter()
        .flat_map(|d| d["stops"].as_array().unwrap())
        .filter_map(|s| s["site_id"].as_str())
        .collect();
    visited.sort();
    assert_eq!(visited, ["S-1", "S-2", "S-3", "S-4"]);
    assert_eq!(plan["unplanned"].as_array().unwrap().len(), 0);
    // F-3's 5 hours set the travel limit.
    assert_eq!(plan["travel_limit_minutes"], 300);
    for day in days {
        let stops = day["stops"].as_array().unwrap();
        let travel: u64 = stops.iter().map(|s| s["travel_minutes"].as_u64().unwrap()).sum();
        let visit: u64 = stops.iter().map(|s| s["visit_minutes"].as_u64().unwrap()).sum();
        assert!(travel <= 300 && travel + visit <= 480, "{day}");
    }
    // S-2: 45 min base × 1.5 (a family with reduced mobility) + 20 × 1.5 + 20.
    let s2 = days
        .iter()
        .flat_map(|d| d["stops"].as_array().unwrap())
        .find(|s| s["site_id"] == "S-2")
        .unwrap();
    assert_eq!(s2["visit_minutes"], 68 + 30 + 20);
}

#[test]
fn prints_markdown_and_names_what_cannot_fit() {
    let requests = format!("{REQUESTS}F-6,S-5,1,,,\n");
    let (output, _) = run("markdown", SITES, &requests, &["--move-on"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.starts_with("# Mission plan 2026-05-04 – 2026-05-05"), "{text}");
    assert!(
        text.contains("## Day 1 (2026-05-04)") && text.contains("## Day 2 (2026-05-05)"),
        "{text}"
    );
    assert!(text.contains("Ryongsong (S-2)"), "{text}");
    assert!(text.contains("* Unused (S-5), families F-6: "), "{text}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("1 requested sites are not in the plan"));
}

#[test]
fn bad_rows_name_file_line_and_column() {
    let bad_lat = SITES.replace("39.12,125.80", "north,125.80");
    let (output, d) = run("bad-lat", &bad_lat, REQUESTS, &[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let expected = format!("{}: line 3, column 'lat': 'north'", d.join("sites.csv").display());
    assert!(stderr.contains(&expected), "{stderr}");

    let unknown = REQUESTS.replace("F-4,S-3", "F-4,S-9");
    let (output, d) = run("unknown-site", SITES, &unknown, &[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let expected = format!(
        "{}: line 5, column 'site_external_id': no site 'S-9'",
        d.join("requests.csv").display()
    );
    assert!(stderr.contains(&expected), "{stderr}");

    let flag = REQUESTS.replace(",120,", ",120,maybe");
    let (output, _) = run("yes-no", SITES, &flag, &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("line 5, column 'reduced_mobility': 'maybe' is not yes or no")
    );

    let (output, _) = run("bad-clock", SITES, REQUESTS, &["--day-start", "25:00"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--day-start: '25:00' is not HH:MM"));
}

/// `homeward recovery-priority`: the site with most comparable remains × power × access first; a
/// power above 1 is refused naming its line and column.
#[test]
fn recovery_sites_are_ranked_with_the_score_explained() {
    let d = Scratch::new("recovery");
    let file = d.file(
        "recovery.csv",
        "external_id,name,estimated_remains,linked_families,identification_power,accessibility\n\
         R-1,Open field,300,40,0.8,1\nR-2,Big but closed,2000,500,0.9,0.05\nR-3,Few families,900,10,0.9,1\n",
    );
    let ranked = json(&common::run(["recovery-priority", "--sites", arg(&file), "--json"]));
    let ids: Vec<&str> = ranked
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    // 40 × 0.8 = 32; 500 × 0.9 × 0.05 = 22.5; 10 × 0.9 = 9.
    assert_eq!(ids, ["R-1", "R-2", "R-3"]);
    assert!((ranked[0]["score"].as_f64().unwrap() - 32.0).abs() < 1e-9);
    let file = d.file(
        "recovery.csv",
        "external_id,name,estimated_remains,linked_families,identification_power,accessibility\n\
         R-1,Open field,300,40,1.5,1\n",
    );
    let err = bad_input(&common::run(["recovery-priority", "--sites", arg(&file)]));
    assert!(err.contains("line 2") && err.contains("identification_power"), "{err}");
}
