//! Planning a grave-visit mission's days from the registry: the mission's sites, the families'
//! visit requests for them, and the planner's window and travel assumptions become an
//! `itinerary::Problem`; the plan is stored on the mission (JSON) by version.

use itinerary::{Date, Endpoint, LatLon, MissionWindow, Nights, Problem, Site, Travel, VisitDurations, VisitRequest};
use registry::{MissionItinerary, Mobility, Store};
use serde::Deserialize;

/// What the planner decides: the base, the length of days, how fast the roads are.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanOptions {
    /// Where each day starts and the mission begins and ends (a hotel, an airport).
    pub base: BasePoint,
    /// Days of the mission; by default from its start and end dates.
    #[serde(default)]
    pub days: Option<u32>,
    /// Travel and visits together, per day.
    #[serde(default = "default_day_hours")]
    pub day_hours: f64,
    /// When each day starts, hours after midnight.
    #[serde(default = "default_day_start")]
    pub day_start_hour: u32,
    #[serde(default = "default_speed")]
    pub speed_kmh: f64,
    /// Road distance over great-circle distance.
    #[serde(default = "default_road_factor")]
    pub road_factor: f64,
    /// Sleep near the last site of each day (`move-on`, the default: sites far apart) or come back
    /// to the base every night (`return-to-base`).
    #[serde(default)]
    pub return_to_base: bool,
    /// The itinerary version being replaced; none for the first plan.
    #[serde(default)]
    pub expected_version: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasePoint {
    pub label: String,
    pub lat: f64,
    pub lon: f64,
}

impl PlanOptions {
    /// The ranges a mission's day can have: what the types alone do not say.
    pub fn check(&self) -> Result<(), PlanError> {
        let within = |field: &'static str, value: f64, low: f64, high: f64, unit: &str| {
            if value.is_finite() && (low..=high).contains(&value) {
                Ok(())
            } else {
                Err(invalid(field, format!("{value} is not {low}–{high} {unit}")))
            }
        };
        within("day_hours", self.day_hours, 0.5, 24.0, "hours")?;
        within("speed_kmh", self.speed_kmh, 1.0, 200.0, "km/h")?;
        within(
            "road_factor",
            self.road_factor,
            1.0,
            5.0,
            "(road over straight distance)",
        )?;
        if self.day_start_hour > 23 {
            return Err(invalid(
                "day_start_hour",
                format!("{} is not an hour 0–23", self.day_start_hour),
            ));
        }
        if let Some(days) = self.days {
            if !(1..=366).contains(&days) {
                return Err(invalid("days", format!("{days} is not 1–366 days")));
            }
        }
        registry::model::check_text("base.label", &self.base.label, 200).map_err(|e| invalid("base.label", e.message))
    }
}

fn default_day_hours() -> f64 {
    8.0
}
fn default_day_start() -> u32 {
    8
}
fn default_speed() -> f64 {
    40.0
}
fn default_road_factor() -> f64 {
    1.4
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("{0}")]
    Store(#[from] registry::StoreError),
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
    #[error("{0}")]
    Problem(#[from] itinerary::ProblemError),
    #[error("planning the mission: {0}")]
    Schedule(String),
}

fn invalid(field: &'static str, message: impl Into<String>) -> PlanError {
    PlanError::Invalid {
        field,
        message: message.into(),
    }
}

/// The party's limits by how well they walk: bereaved visitors with limited mobility travel at
/// most six hours a day and their visits take longer; in a wheelchair, five hours and at most 90
/// minutes at a grave.
fn limits(mobility: Mobility) -> itinerary::Mobility {
    match mobility {
        Mobility::Walks => itinerary::Mobility::default(),
        Mobility::Limited => itinerary::Mobility {
            max_travel_hours_per_day: Some(6.0),
            max_site_minutes: None,
            reduced_mobility: true,
        },
        Mobility::Wheelchair => itinerary::Mobility {
            max_travel_hours_per_day: Some(5.0),
            max_site_minutes: Some(90),
            reduced_mobility: true,
        },
    }
}

/// Plans `mission_id`'s days from the visit requests for its sites and stores the plan on the
/// mission. The plan names families by their registry name and external id.
pub async fn plan_mission(
    store: &Store,
    actor: &str,
    mission_id: i64,
    options: &PlanOptions,
) -> Result<MissionItinerary, PlanError> {
    options.check()?;
    let mission = store
        .get_mission(mission_id)
        .await?
        .ok_or(registry::StoreError::NotFound {
            entity: "mission",
            id: mission_id.to_string(),
        })?;
    let start = mission.data.start;
    let (Some(month), Some(day)) = (start.month, start.day) else {
        return Err(invalid(
            "start",
            format!("the mission's start {start} needs a month and a day"),
        ));
    };
    let start_date = Date::new(i64::from(start.year), u32::from(month), u32::from(day))
        .ok_or_else(|| invalid("start", format!("{start} is not a date")))?;
    let days = match (options.days, mission.data.end) {
        (Some(d), _) => d,
        (None, Some(end)) => {
            let (Some(m), Some(d)) = (end.month, end.day) else {
                return Err(invalid(
                    "days",
                    "give the number of days: the mission's end is not a full date",
                ));
            };
            let end = Date::new(i64::from(end.year), u32::from(m), u32::from(d))
                .ok_or_else(|| invalid("end", format!("{end} is not a date")))?;
            (0..=366u32)
                .find(|&n| start_date.plus_days(n) == end)
                .map(|n| n + 1)
                .ok_or_else(|| invalid("days", "the mission's end is more than a year after its start"))?
        }
        (None, None) => return Err(invalid("days", "give the number of days: the mission has no end date")),
    };
    let mut sites = Vec::new();
    for &id in &mission.data.site_ids {
        let Some(site) = store.get_site(id).await? else {
            continue;
        };
        let name = site
            .data
            .names
            .iter()
            .find(|n| n.script == "Latn")
            .or(site.data.names.first())
            .map_or_else(|| format!("site {id}"), |n| n.text.clone());
        sites.push(Site {
            id: id.to_string(),
            name,
            position: site
                .data
                .coordinates
                .map(|c| LatLon::new(c.lat, c.lon))
                .transpose()
                .map_err(|e| invalid("sites", e.to_string()))?,
            visit_minutes: None,
        });
    }
    let mut requests = Vec::new();
    for r in store
        .list_visit_requests(Some(&mission.data.site_ids), &registry::FamilyScope::All)
        .await?
    {
        let family = store.get_family(r.data.family_id).await?;
        let family_id = family.map_or_else(
            || format!("family {}", r.data.family_id),
            |f| format!("{} [{}]", f.name, f.external_id),
        );
        requests.push(VisitRequest {
            family_id,
            site_id: r.data.site_id.to_string(),
            visitors: r.data.visitors,
            mobility: limits(r.data.mobility),
        });
    }
    let base = Endpoint {
        label: options.base.label.clone(),
        position: Some(LatLon::new(options.base.lat, options.base.lon).map_err(|e| invalid("base", e.to_string()))?),
    };
    let window = MissionWindow {
        start_date,
        days,
        day_hours: options.day_hours,
        day_start_minutes: options.day_start_hour.saturating_mul(60),
        start: base.clone(),
        end: base,
        nights: if options.return_to_base {
            Nights::ReturnToBase
        } else {
            Nights::MoveOn
        },
    };
    let travel = Travel::Distance {
        speed_kmh: options.speed_kmh,
        road_factor: options.road_factor,
    };
    let durations = VisitDurations::default();
    let plan = tokio::task::spawn_blocking(move || {
        let problem = Problem::new(&sites, &requests, &window, &travel, &durations)?;
        itinerary::solve::plan(&problem).map_err(|e| PlanError::Schedule(e.to_string()))
    })
    .await
    .map_err(|e| PlanError::Schedule(e.to_string()))??;
    let mut json = serde_json::to_value(&plan).map_err(|e| PlanError::Schedule(e.to_string()))?;
    // The plan names its base by label only; kept with its position, the stored plan can be drawn.
    json["base"] = serde_json::json!({
        "label": options.base.label,
        "lat": options.base.lat,
        "lon": options.base.lon,
    });
    Ok(store
        .set_mission_itinerary(actor, mission_id, options.expected_version, &json)
        .await?)
}
