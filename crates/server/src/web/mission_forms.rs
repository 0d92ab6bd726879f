//! The planner's forms: a new mission (kind, name, dates, sites, participants, permits) and its
//! itinerary planned from the visit requests for its sites (`jobs::planning::plan_mission`, the
//! API's computation), drawn on the mission's map day by day; and the liaison's record that a
//! family was told of a confirmed identification. Each refusal is shown beside its field.

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::Extension;
use maud::{html, Markup};
use registry::model::{FieldError, PartialDate};
use registry::{Channel, MissionKind, NewMission, NewNotification, Participant};

use super::forms::{options, respond_with, Extra, Fields, FormView, Refused};
use super::i18n::Msg;
use super::{Ctx, PageError, PageId, PageResult};
use crate::AppState;

fn bad(field: &str, message: impl Into<String>) -> Refused {
    Refused::field(FieldError::new(field, message.into()))
}

/// The mission as the form gives it; participants one a line, `name — role` (or `name, role`).
fn parse_mission(f: &Fields) -> Result<NewMission, Refused> {
    let kind: MissionKind = f.get("kind").parse().map_err(|e: String| bad("kind", e))?;
    let date = |name: &str| -> Result<Option<PartialDate>, Refused> {
        f.opt(name)
            .map(|v| v.parse::<PartialDate>().map_err(|e: String| bad(name, e)))
            .transpose()
    };
    let start = date("start")?.ok_or_else(|| bad("start", "the first day (YYYY-MM-DD)"))?;
    let mut site_ids = Vec::new();
    for (k, v) in &f.0 {
        if k == "site_ids" {
            site_ids.push(
                v.trim()
                    .parse::<i64>()
                    .map_err(|_| bad("site_ids", format!("'{v}' is not a burial site")))?,
            );
        }
    }
    site_ids.sort_unstable();
    site_ids.dedup();
    let participants = f
        .get("participants")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let (name, role) = line
                .split_once('—')
                .or_else(|| line.split_once(','))
                .map_or((line, None), |(n, r)| (n, Some(r.trim())));
            Participant {
                name: name.trim().to_owned(),
                role: role.filter(|r| !r.is_empty()).map(str::to_owned),
            }
        })
        .collect();
    Ok(NewMission {
        kind,
        name: f.get("name").trim().to_owned(),
        start,
        end: date("end")?,
        site_ids,
        participants,
        permits: f.opt("permits"),
    })
}

async fn mission_form_page(s: &AppState, ctx: &Ctx, f: &Fields, refused: Option<&Refused>) -> PageResult {
    let form = FormView::new(ctx, f, refused);
    let kinds = options(
        ctx,
        &[MissionKind::GraveVisit, MissionKind::Recovery],
        |k| k.as_str(),
        |k| match k {
            MissionKind::GraveVisit => Msg::GraveVisit,
            MissionKind::Recovery => Msg::Recovery,
        },
    );
    let chosen: Vec<&str> =
        f.0.iter()
            .filter(|(k, _)| k == "site_ids")
            .map(|(_, v)| v.as_str())
            .collect();
    let sites = s.store.list_sites().await?;
    // A multiple choice, which `FormView::select` (one value) does not draw.
    let site_error = refused.filter(|r| r.field.as_deref() == Some("site_ids"));
    let inner = html! {
        (form.select("kind", ctx.t(Msg::MissionKind), &kinds))
        (form.input("name", ctx.t(Msg::Name), "text", Extra::NONE.required()))
        (form.input("start", ctx.t(Msg::Start), "date", Extra::NONE.required()))
        (form.input("end", ctx.t(Msg::End), "date", Extra::NONE))
        div.field {
            label for="site_ids" { (ctx.t(Msg::Sites)) }
            select id="site_ids" name="site_ids" multiple size="8" {
                @for site in &sites {
                    @let id = site.id.to_string();
                    option value=(id) selected[chosen.contains(&id.as_str())] {
                        (super::pages::first_name(ctx.lang, &site.data.names))
                    }
                }
            }
            @if let Some(r) = site_error { p.field-error data-field="site_ids" { (r.text(ctx.lang)) } }
        }
        (form.textarea("participants", ctx.t(Msg::ParticipantsOnePerLine)))
        (form.input("permits", ctx.t(Msg::Permits), "text", Extra::NONE))
    };
    let body = form.section(
        ("new-mission", "mission-form"),
        ctx.t(Msg::NewMission),
        html! {},
        "/missions/new",
        inner,
    );
    let status = refused.map_or(StatusCode::OK, |r| r.status);
    respond_with(ctx, status, ctx.t(Msg::NewMission), body)
}

pub(crate) async fn new_mission(State(s): State<AppState>, Extension(ctx): Extension<Ctx>) -> PageResult {
    let f = Fields::default().with("kind", MissionKind::GraveVisit.as_str());
    mission_form_page(&s, &ctx, &f, None).await
}

pub(crate) async fn create_mission(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<Fields>,
) -> PageResult {
    let refused = match parse_mission(&f) {
        Ok(m) => match s.store.create_mission(&ctx.user.username, &m).await {
            Ok(created) => return Ok(Redirect::to(&format!("/missions/{}", created.id)).into_response()),
            Err(e) => Refused::from_store(e)?,
        },
        Err(r) => r,
    };
    mission_form_page(&s, &ctx, &f, Some(&refused)).await
}

/// The itinerary form of mission `id` (its fields as last submitted, or the defaults).
pub(crate) fn plan_form(ctx: &Ctx, id: i64, f: &Fields, refused: Option<&Refused>) -> Markup {
    let form = FormView::new(ctx, f, refused).prefixed("plan-");
    let number = |name: &str, label: Msg, extra: Extra| form.input(name, ctx.t(label), "number", extra);
    let inner = html! {
        (form.hidden("expected_version"))
        (form.input("base_label", ctx.t(Msg::BasePoint), "text", Extra::NONE.required()))
        (number("base_lat", Msg::Latitude, Extra::NONE.step("any").range("-90", Some("90")).required()))
        (number("base_lon", Msg::Longitude, Extra::NONE.step("any").range("-180", Some("180")).required()))
        (number("days", Msg::Days, Extra::NONE.range("1", Some("366"))))
        (number("day_hours", Msg::DayHours, Extra::NONE.step("0.5").range("0.5", Some("24"))))
        (number("speed_kmh", Msg::SpeedKmh, Extra::NONE.step("any").range("1", Some("200"))))
        div.field {
            label {
                input type="checkbox" name="return_to_base" value="true" checked[f.get("return_to_base") == "true"];
                " " (ctx.t(Msg::ReturnToBase))
            }
        }
    };
    form.section(
        ("plan-itinerary", "plan-form"),
        ctx.t(Msg::PlanItinerary),
        html! { p { (ctx.t(Msg::PlanItineraryNote)) } },
        &format!("/missions/{id}/plan"),
        inner,
    )
}

/// The plan form's defaults: the current itinerary's version and base (to plan again from), and
/// 8-hour days at 40 km/h.
pub(crate) fn plan_defaults(itinerary: Option<&registry::MissionItinerary>) -> Fields {
    let base = itinerary.map(|i| &i.plan["base"]);
    let text = |key: &str| {
        base.and_then(|b| match &b[key] {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .unwrap_or_default()
    };
    Fields::default()
        .with(
            "expected_version",
            itinerary.map(|i| i.version.to_string()).unwrap_or_default(),
        )
        .with("base_label", text("label"))
        .with("base_lat", text("lat"))
        .with("base_lon", text("lon"))
        .with("day_hours", "8")
        .with("speed_kmh", "40")
}

fn parse_plan(f: &Fields) -> Result<jobs::planning::PlanOptions, Refused> {
    let number = |name: &str| -> Result<Option<f64>, Refused> {
        f.opt(name)
            .map(|v| {
                v.parse::<f64>()
                    .map_err(|_| bad(name, format!("'{v}' is not a number")))
            })
            .transpose()
    };
    let lat = number("base_lat")?.ok_or_else(|| bad("base_lat", "the base's latitude"))?;
    let lon = number("base_lon")?.ok_or_else(|| bad("base_lon", "the base's longitude"))?;
    let days = f
        .opt("days")
        .map(|v| {
            v.parse::<u32>()
                .map_err(|_| bad("days", format!("'{v}' is not a number of days")))
        })
        .transpose()?;
    let expected_version = f
        .opt("expected_version")
        .map(|v| {
            v.parse::<i64>()
                .map_err(|_| bad("expected_version", format!("'{v}' is not a version")))
        })
        .transpose()?;
    Ok(jobs::planning::PlanOptions {
        base: jobs::planning::BasePoint {
            label: f.get("base_label").trim().to_owned(),
            lat,
            lon,
        },
        days,
        day_hours: number("day_hours")?.unwrap_or(8.0),
        day_start_hour: 8,
        speed_kmh: number("speed_kmh")?.unwrap_or(40.0),
        road_factor: 1.4,
        return_to_base: f.get("return_to_base") == "true",
        expected_version,
    })
}

pub(crate) async fn plan_itinerary(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    PageId(id): PageId,
    Form(f): Form<Fields>,
) -> PageResult {
    use jobs::planning::PlanError;
    let refused = match parse_plan(&f) {
        Ok(options) => match jobs::planning::plan_mission(&s.store, &ctx.user.username, id, &options).await {
            Ok(_) => return Ok(Redirect::to(&format!("/missions/{id}#day-plans")).into_response()),
            Err(PlanError::Store(e)) => Refused::from_store(e)?,
            // The planner's names of the fields as the form's.
            Err(PlanError::Invalid { field, message }) => bad(
                match field {
                    "base.label" => "base_label",
                    "base" => "base_lat",
                    other => other,
                },
                message,
            ),
            Err(e @ PlanError::Problem(_)) => Refused {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                ..bad("form", e.to_string())
            },
            Err(e @ PlanError::Schedule(_)) => return Err(PageError::from(crate::ApiError::Unexpected(e.to_string()))),
        },
        Err(r) => r,
    };
    super::family_sample_mission_pages::mission_page(&s, &ctx, id, &f, Some(&refused)).await
}

/// The liaison's form beside a notification due: how the family was told, and a note.
pub(crate) fn notify_form(ctx: &Ctx, family_id: i64, identification_id: i64) -> Markup {
    let channels = options(
        ctx,
        &[Channel::Visit, Channel::Letter, Channel::Phone, Channel::Email],
        |c| c.as_str(),
        |c| match c {
            Channel::Visit => Msg::ChannelVisit,
            Channel::Letter => Msg::ChannelLetter,
            Channel::Phone => Msg::ChannelPhone,
            Channel::Email => Msg::ChannelEmail,
        },
    );
    let f = Fields::default()
        .with("family_id", family_id.to_string())
        .with("identification_id", identification_id.to_string());
    let form = FormView::new(ctx, &f, None).prefixed(&format!("notify-{identification_id}-{family_id}-"));
    html! {
        form.inline.notify method="post" action="/notifications" {
            (form.csrf())
            (form.hidden("family_id"))
            (form.hidden("identification_id"))
            (form.select("channel", ctx.t(Msg::Channel), &channels))
            (form.input("note", ctx.t(Msg::Notes), "text", Extra::NONE))
            button type="submit" { (ctx.t(Msg::RecordNotification)) }
        }
    }
}

pub(crate) async fn record_notification(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<Fields>,
) -> PageResult {
    let id = |name: &str| {
        f.get(name)
            .trim()
            .parse::<i64>()
            .map_err(|_| bad(name, "not a record id"))
    };
    let parsed = (|| -> Result<NewNotification, Refused> {
        Ok(NewNotification {
            family_id: id("family_id")?,
            identification_id: id("identification_id")?,
            channel: f.get("channel").parse().map_err(|e: String| bad("channel", e))?,
            note: f.opt("note"),
        })
    })();
    let refused = match parsed {
        Ok(n) => {
            s.store
                .require_family_in_scope(&ctx.family_scope(), n.family_id)
                .await?;
            match s.store.record_notification(&ctx.user.username, &n).await {
                Ok(_) => return Ok(Redirect::to("/queues/notifications").into_response()),
                Err(e) => Refused::from_store(e)?,
            }
        }
        Err(r) => r,
    };
    let body = html! {
        p.error role="alert" { (ctx.t(Msg::FormNotSaved)) " " (refused.text(ctx.lang)) }
        p { a href="/queues/notifications" { (ctx.t(Msg::NotificationsDue)) } }
    };
    respond_with(&ctx, refused.status, ctx.t(Msg::RecordNotification), body)
}
