//! `homeward itinerary`: a grave-visit mission planned from a sites file and a requests file
//! (the planning itself is the `itinerary` crate).
//!
//! **Sites** (the `import sites` file works as it is): `external_id` and `name` (required), `lat`,
//! `lon` (required for the sites someone asks to visit), `visit_minutes` (this site's base visit
//! time); the other columns of `import sites` are allowed and ignored.
//!
//! **Requests**, one row per family and site: `family_external_id`, `site_external_id`
//! (required), `visitors` (default 1), `max_travel_hours` (per day), `max_site_minutes` (on foot at
//! the site), `reduced_mobility` (yes/no).

use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, Result};
use clap::Args;
use itinerary::{
    Date, Endpoint, LatLon, MissionWindow, Mobility, Nights, Problem, ProblemError, Site, Travel, VisitDurations,
    VisitRequest,
};

use casework::import::sites::SITE_COLUMNS;
use casework::input_error;
use formats::{Row, Table, TableError, TableSpec};

const SITE_EXTRA_COLUMNS: [&str; 1] = ["visit_minutes"];
const REQUEST_COLUMNS: [&str; 6] = [
    "family_external_id",
    "site_external_id",
    "visitors",
    "max_travel_hours",
    "max_site_minutes",
    "reduced_mobility",
];

#[derive(Debug, Args)]
pub struct ItineraryArgs {
    /// Burial sites (CSV; the `import sites` columns, plus `visit_minutes`).
    #[arg(long, value_name = "SITES.csv")]
    sites: PathBuf,
    /// Visit requests (CSV: family_external_id, site_external_id, visitors, max_travel_hours,
    /// max_site_minutes, reduced_mobility).
    #[arg(long, value_name = "REQUESTS.csv")]
    requests: PathBuf,
    /// The first day of the mission (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    start: String,
    /// Days in the mission window.
    #[arg(long, value_name = "N")]
    days: u32,
    /// Hours of travel and visits a day.
    #[arg(long, value_name = "H")]
    hours: f64,
    /// Average road speed.
    #[arg(long, value_name = "KMH", default_value_t = 40.0)]
    speed: f64,
    /// Road distance over great-circle distance.
    #[arg(long, value_name = "F", default_value_t = 1.3)]
    road_factor: f64,
    /// Where the mission starts (default: the first site of the sites file with a position).
    #[arg(long, value_name = "LAT,LON")]
    from: Option<String>,
    /// Where it ends, and the base to return to each night (default: the start).
    #[arg(long, value_name = "LAT,LON")]
    to: Option<String>,
    /// Sleep near the last site of each day instead of returning to base.
    #[arg(long)]
    move_on: bool,
    /// When each day begins (HH:MM).
    #[arg(long, value_name = "HH:MM", default_value = "08:00")]
    day_start: String,
    /// Minutes at a site whatever the number of families.
    #[arg(long, value_name = "MIN", default_value_t = 30)]
    visit_base: u32,
    /// Minutes more for each family at the site.
    #[arg(long, value_name = "MIN", default_value_t = 20)]
    visit_per_request: u32,
    /// Print the plan as JSON instead of Markdown.
    #[arg(long)]
    json: bool,
}

/// Reads a CSV file of this command (UTF-8; the header checked by `formats::Table`: every column
/// named once, known, the required ones present).
fn read_csv(path: &Path, known: &[&str], required: &[&str]) -> Result<Table> {
    let text = casework::text_file::read_utf8(path)?;
    Ok(Table::read(
        &text,
        &TableSpec::csv(&path.display().to_string(), Some(known), required),
    )?)
}

/// The value of `column` parsed; an error shows the value and why it does not parse.
fn parse<T: FromStr>(row: &Row<'_>, column: &str) -> Result<Option<T>, TableError>
where
    T::Err: Display,
{
    row.get(column)
        .map(|v| v.parse().map_err(|e| row.error(column, format!("'{v}': {e}"))))
        .transpose()
}

fn read_sites(path: &Path) -> Result<Vec<Site>> {
    let known: Vec<&str> = SITE_COLUMNS.iter().chain(&SITE_EXTRA_COLUMNS).copied().collect();
    let table = read_csv(path, &known, &["external_id", "name"])?;
    table
        .rows()
        .map(|row| {
            let position = match (parse::<f64>(&row, "lat")?, parse::<f64>(&row, "lon")?) {
                (Some(lat), Some(lon)) => Some(LatLon::new(lat, lon).map_err(|e| row.error("lat", e))?),
                (None, None) => None,
                (Some(_), None) => return Err(row.error("lon", "is empty but lat is given").into()),
                (None, Some(_)) => return Err(row.error("lat", "is empty but lon is given").into()),
            };
            Ok(Site {
                id: row.required("external_id")?.to_owned(),
                name: row.required("name")?.to_owned(),
                position,
                visit_minutes: parse(&row, "visit_minutes")?,
            })
        })
        .collect()
}

/// Yes or no; empty is no. (Stricter than the imports' flags: no `t`/`f`.)
fn yes_no(row: &Row<'_>, column: &str) -> Result<bool, TableError> {
    match row.get(column).map(str::to_ascii_lowercase).as_deref() {
        None | Some("no" | "n" | "false" | "0") => Ok(false),
        Some("yes" | "y" | "true" | "1") => Ok(true),
        Some(other) => Err(row.error(column, format!("'{other}' is not yes or no"))),
    }
}

fn read_requests(table: &Table) -> Result<Vec<VisitRequest>> {
    table
        .rows()
        .map(|row| {
            Ok(VisitRequest {
                family_id: row.required("family_external_id")?.to_owned(),
                site_id: row.required("site_external_id")?.to_owned(),
                visitors: parse(&row, "visitors")?.unwrap_or(1),
                mobility: Mobility {
                    max_travel_hours_per_day: parse(&row, "max_travel_hours")?,
                    max_site_minutes: parse(&row, "max_site_minutes")?,
                    reduced_mobility: yes_no(&row, "reduced_mobility")?,
                },
            })
        })
        .collect()
}

fn endpoint(label: &str, flag: &str, text: &str) -> Result<Endpoint> {
    let position = text.parse::<LatLon>().map_err(|e| input_error!("--{flag}: {e}"))?;
    Ok(Endpoint {
        label: format!("{label} ({position})"),
        position: Some(position),
    })
}

fn day_start_minutes(text: &str) -> Result<u32> {
    let parsed = text
        .split_once(':')
        .and_then(|(h, m)| Some((h.parse::<u32>().ok()?, m.parse::<u32>().ok()?)))
        .filter(|&(h, m)| h < 24 && m < 60 && text.len() == 5);
    parsed
        .map(|(h, m)| h * 60 + m)
        .ok_or_else(|| input_error!("--day-start: '{text}' is not HH:MM"))
}

pub fn run(args: &ItineraryArgs) -> Result<()> {
    let sites = read_sites(&args.sites)?;
    let request_file = read_csv(&args.requests, &REQUEST_COLUMNS, &REQUEST_COLUMNS[..2])?;
    let requests = read_requests(&request_file)?;
    let start_date: Date = args.start.parse().map_err(|e| input_error!("--start: {e}"))?;
    let start = match &args.from {
        Some(text) => endpoint("start", "from", text)?,
        None => {
            let first = sites
                .iter()
                .find(|s| s.position.is_some())
                .ok_or_else(|| input_error!("--from is needed: no site in {} has a position", args.sites.display()))?;
            Endpoint {
                label: first.name.clone(),
                position: first.position,
            }
        }
    };
    let end = match &args.to {
        Some(text) => endpoint("end", "to", text)?,
        None => start.clone(),
    };
    let window = MissionWindow {
        start_date,
        days: args.days,
        day_hours: args.hours,
        day_start_minutes: day_start_minutes(&args.day_start)?,
        start,
        end,
        nights: if args.move_on {
            Nights::MoveOn
        } else {
            Nights::ReturnToBase
        },
    };
    let travel = Travel::Distance {
        speed_kmh: args.speed,
        road_factor: args.road_factor,
    };
    let durations = VisitDurations {
        base_minutes: args.visit_base,
        per_request_minutes: args.visit_per_request,
        ..VisitDurations::default()
    };
    let problem = Problem::new(&sites, &requests, &window, &travel, &durations).map_err(|e| match e {
        ProblemError::UnknownSite { index, site_id, .. } => request_file
            .error(
                request_file.row(index).map_or(0, |r| r.line),
                "site_external_id",
                format!("no site '{site_id}' in {}", args.sites.display()),
            )
            .into(),
        ProblemError::DuplicateSite(_) | ProblemError::NoPosition(_) => {
            input_error!("{}: {e}", args.sites.display())
        }
        ProblemError::DuplicateRequest { .. } => input_error!("{}: {e}", request_file.label()),
        other => input_error!("{other}"),
    })?;
    let plan = itinerary::solve::plan(&problem).context("planning the mission")?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&plan)?);
    } else {
        print!("{}", itinerary::render::markdown(&plan));
    }
    if !plan.unplanned.is_empty() {
        eprintln!(
            "note: {} requested sites are not in the plan (see \"unplanned\" / \"Not in the plan\")",
            plan.unplanned.len()
        );
    }
    Ok(())
}

/// The columns of the recovery-sites file.
const RECOVERY_COLUMNS: [&str; 6] = [
    "external_id",
    "name",
    "estimated_remains",
    "linked_families",
    "identification_power",
    "accessibility",
];

#[derive(Debug, Args)]
pub struct RecoveryArgs {
    /// Candidate recovery sites (CSV: external_id, name, estimated_remains, linked_families,
    /// identification_power (0–1: the chance a linked family's references identify their missing
    /// person, e.g. from `homeward advise`), accessibility (0–1)).
    #[arg(long, value_name = "SITES.csv")]
    sites: PathBuf,
    /// Print the ranking as JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// `homeward recovery-priority`: recovery sites ranked by expected identifications × accessibility,
/// each score explained.
pub fn recovery_priority(args: &RecoveryArgs) -> Result<()> {
    let csv = read_csv(&args.sites, &RECOVERY_COLUMNS, &RECOVERY_COLUMNS)?;
    let sites = csv
        .rows()
        .map(|row| {
            let number = |column: &str| -> Result<f64, TableError> {
                parse::<f64>(&row, column)?.ok_or_else(|| row.error(column, "is empty"))
            };
            Ok((
                row.line,
                itinerary::priority::RecoverySite {
                    id: row.required("external_id")?.to_owned(),
                    name: row.required("name")?.to_owned(),
                    estimated_remains: number("estimated_remains")?,
                    linked_families: parse::<u32>(&row, "linked_families")?
                        .ok_or_else(|| row.error("linked_families", "is empty"))?,
                    mean_identification_power: number("identification_power")?,
                    accessibility: number("accessibility")?,
                },
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let plain: Vec<_> = sites.iter().map(|(_, s)| s.clone()).collect();
    let ranked = itinerary::priority::rank(&plain).map_err(|e| {
        let line = sites.iter().find(|(_, s)| s.id == e.site).map_or(0, |(l, _)| *l);
        let column = match e.field {
            "mean_identification_power" => "identification_power",
            other => other,
        };
        csv.error(line, column, format!("{} is not within {}", e.value, e.range))
    })?;
    if args.json {
        println!("{}", serde_json::to_string(&ranked)?);
    } else {
        println!("| rank | site | expected identifications | accessibility | score | why |");
        println!("|---:|---|---:|---:|---:|---|");
        for r in &ranked {
            println!(
                "| {} | {} ({}) | {:.1} | {:.2} | {:.1} | {} |",
                r.rank, r.name, r.id, r.expected_identifications, r.accessibility, r.score, r.explanation
            );
        }
    }
    Ok(())
}
