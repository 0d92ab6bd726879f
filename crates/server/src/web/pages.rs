//! Dashboard, map, sites and persons.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse};
use axum::Extension;
use maud::{html, Markup, PreEscaped};
use registry::model::{Name, PersonStatus, Site, SiteStatus};
use registry::{Paged, PersonHit};

use super::html::{self, facts, link};
use super::i18n::{self, Lang, Msg};
use super::{Ctx, PageError, PageId, PageResult};
use crate::queues::ListQuery;
use crate::{AppState, Permission};

/// Names in the reader's preferred script first, the others beside it.
pub(crate) fn names_html(lang: Lang, names: &[Name]) -> Markup {
    let ordered = i18n::names_in_order(lang, names);
    let Some((first, rest)) = ordered.split_first() else {
        return html! {};
    };
    let others: Vec<&str> = rest.iter().map(|n| n.text.as_str()).collect();
    html! {
        span.names {
            span.main { (first.text) }
            @if !others.is_empty() { " " span.other { "(" (others.join(" · ")) ")" } }
        }
    }
}

/// The first name in the reader's script, as plain text (titles, labels).
pub(crate) fn first_name(lang: Lang, names: &[Name]) -> String {
    i18n::names_in_order(lang, names)
        .first()
        .map(|n| n.text.clone())
        .unwrap_or_default()
}

/// Every name with its script and kind.
pub(crate) fn names_table(ctx: &Ctx, names: &[Name]) -> Markup {
    let rows: Vec<Vec<Markup>> = i18n::names_in_order(ctx.lang, names)
        .into_iter()
        .map(|n| {
            vec![
                html! { span lang=[n.lang.as_deref()] { (n.text) } },
                html! { (n.script) },
                html! { (ctx.t(i18n::name_kind(n.kind))) },
            ]
        })
        .collect();
    ctx.table(Msg::Names, &[Msg::Name, Msg::Script, Msg::Kind], &rows)
}

fn status_badge(lang: Lang, s: PersonStatus) -> Markup {
    html! { span class={ "status st-" (s.as_str()) } { (lang.t(i18n::person_status(s))) } }
}

/// A link to a person, named in the reader's script first.
pub(crate) fn person_link(lang: Lang, id: i64, names: &[Name]) -> Markup {
    html! { a href={ "/persons/" (id) } { (names_html(lang, names)) } }
}

pub(crate) async fn dashboard(State(s): State<AppState>, Extension(ctx): Extension<Ctx>) -> PageResult {
    let lang = ctx.lang;
    let counts = s.store.count_persons_by_status().await?;
    let total: i64 = counts.iter().map(|c| c.1).sum();
    let sites = s.store.list_sites().await?.len();
    let work = super::queues::your_work(&s, &ctx).await?;
    let running = if ctx.may(Permission::ReadJobs) {
        let running: Vec<_> = s
            .store
            .list_jobs(20)
            .await?
            .into_iter()
            .filter(|j| matches!(j.status, registry::JobStatus::Running | registry::JobStatus::Queued))
            .collect();
        Some(html! {
            h2 { (ctx.t(Msg::RunningJobs)) }
            @if running.is_empty() { p { (ctx.t(Msg::NoneYet)) } }
            @for job in &running {
                p {
                    (link(&format!("/jobs/{}", job.id), &format!("{} #{}", ctx.t(Msg::Job), job.id)))
                    " — " (lang.t(i18n::job_status(job.status)))
                }
                (super::matching::progress_html(&ctx, job))
            }
        })
    } else {
        None
    };
    let activity = if ctx.may(Permission::ReadPersons) {
        // One query with the names: no look-up per row.
        let rows: Vec<Vec<Markup>> = s
            .store
            .recent_status_changes_named(10)
            .await?
            .into_iter()
            .map(|c| {
                vec![
                    html! { (ctx.instant(&c.at)) },
                    person_link(lang, c.person_id, &c.person_names),
                    html! { (status_badge(lang, c.from)) " → " (status_badge(lang, c.to)) },
                    html! { (c.reason) },
                    html! { (c.actor) },
                ]
            })
            .collect();
        Some(ctx.table(
            Msg::RecentActivity,
            &[Msg::When, Msg::Person, Msg::Status, Msg::Reason, Msg::Actor],
            &rows,
        ))
    } else {
        None
    };
    let audit = if ctx.may(Permission::ReadAudit) {
        let rows: Vec<Vec<Markup>> = s
            .store
            .recent_audit(10)
            .await?
            .into_iter()
            .map(|e| {
                vec![
                    html! { (ctx.instant(&e.at)) },
                    html! { (e.actor) },
                    html! { (e.action) },
                    html! { (e.entity) " " (e.entity_id) },
                ]
            })
            .collect();
        Some(ctx.table(Msg::AuditLog, &[Msg::When, Msg::Actor, Msg::Event, Msg::Kind], &rows))
    } else {
        None
    };
    let card = |status: &str, n: i64, label: &str| {
        html! { li data-status=(status) { span.n { (i18n::number(n)) } (label) } }
    };
    let body = html! {
        (work)
        section aria-labelledby="by-status" {
            h2 id="by-status" { (ctx.t(Msg::PersonsByStatus)) }
            ul.cards {
                @for st in PersonStatus::ALL {
                    (card(st.as_str(), counts.iter().find(|c| c.0 == st).map_or(0, |c| c.1), lang.t(i18n::person_status(st))))
                }
                (card("total", total, ctx.t(Msg::Total)))
                (card("sites", sites as i64, ctx.t(Msg::SitesCount)))
            }
        }
        @if let Some(running) = running { (running) }
        @if let Some(activity) = activity { (activity) }
        @if let Some(audit) = audit { (audit) }
    };
    ctx.respond(ctx.t(Msg::Dashboard), body)
}

const SITE_STATUSES: [SiteStatus; 6] = {
    use registry::model::SiteStatus::*;
    [Known, Surveyed, Inaccessible, Farmland, Relocated, Exhumed]
};

/// The style sheets a page with a map needs in its head. The cluster plugin's default style sheet
/// is not among them: its green, yellow and orange clusters would read as site statuses, so
/// `homeward.css` draws clusters in a colour no status has.
pub(crate) const MAP_HEAD: PreEscaped<&str> = PreEscaped(
    r#"<link rel="stylesheet" href="/assets/leaflet-1.9.4/leaflet-1.9.4.css"><link rel="stylesheet" href="/assets/MarkerCluster-1.5.3.css">"#,
);

/// The scripts of a page with a map, at the end of its body.
pub(crate) const MAP_SCRIPTS: PreEscaped<&str> = PreEscaped(concat!(
    r#"<script src="/assets/leaflet-1.9.4/leaflet-1.9.4.js"></script><script src="/assets/leaflet.markercluster-1.5.3.js"></script><script src="/assets/topojson-client-3.1.0.min.js"></script><script src="/assets/homeward-map-"#,
    env!("CARGO_PKG_VERSION"),
    r#".js"></script>"#
));

/// A site status's marker shape, one SVG element in a 40 × 40 box: every status has a shape as
/// well as a colour (`.shape.st-*` in `homeward.css`), so that none is told by colour alone. The
/// legend draws it and `homeward-map.js` copies the legend's drawing into each marker, so the two
/// cannot disagree. Whole numbers only: a decimal such as `15.3` would read as an allele to the
/// pages' genotype-leak checks.
fn status_shape(status: SiteStatus) -> PreEscaped<&'static str> {
    use registry::model::SiteStatus::*;
    PreEscaped(match status {
        Known => r#"<circle cx="20" cy="20" r="16"/>"#,
        Surveyed => r#"<rect x="6" y="6" width="28" height="28"/>"#,
        Inaccessible => r#"<polygon points="20,3 37,35 3,35"/>"#,
        Farmland => r#"<polygon points="20,2 38,20 20,38 2,20"/>"#,
        Relocated => r#"<polygon points="3,5 37,5 20,37"/>"#,
        Exhumed => r#"<polygon points="20,4 24,16 37,16 27,24 31,37 20,30 9,37 13,24 3,16 16,16"/>"#,
    })
}

/// The status's symbol as a small SVG; decorative (`aria-hidden`), the status is always named beside it.
fn status_symbol(status: SiteStatus) -> Markup {
    html! {
        svg class={ "shape st-" (status.as_str()) } viewBox="0 0 40 40" aria-hidden="true" focusable="false" {
            (status_shape(status))
        }
    }
}

/// The map's legend, which is also its filter: one checkbox per status with its shape and name;
/// `homeward-map.js` hides the markers of an unticked status and says how many are shown.
fn map_legend(ctx: &Ctx) -> Markup {
    html! {
        fieldset.map-legend id="map-legend" {
            legend { (ctx.t(Msg::MapLegend)) }
            ul {
                @for st in SITE_STATUSES {
                    li data-status=(st.as_str()) {
                        label {
                            input type="checkbox" name="status" value=(st.as_str()) checked;
                            (status_symbol(st))
                            span { (ctx.t(i18n::site_status(st))) }
                        }
                    }
                }
            }
            p.shown.muted id="map-shown" aria-live="polite" {}
        }
    }
}

/// The map element with its legend and its sites (those with coordinates) as JSON for
/// `homeward-map.js`; the texts the script writes (how many sites are shown, a cluster's label)
/// come translated in `data-` attributes, `{shown}`, `{total}` and `{n}` filled in by the script.
pub(crate) fn map_div(ctx: &Ctx, sites: &[Site]) -> Markup {
    let lang = ctx.lang;
    let markers: Vec<serde_json::Value> = sites
        .iter()
        .filter_map(|site| {
            let c = site.data.coordinates?;
            Some(serde_json::json!({
                "id": site.id,
                "name": first_name(lang, &site.data.names),
                "lat": c.lat,
                "lon": c.lon,
                "status": site.data.status.as_str(),
                "status_label": lang.t(i18n::site_status(site.data.status)),
            }))
        })
        .collect();
    html! {
        (map_legend(ctx))
        div id="map" role="region" aria-label=(ctx.t(Msg::Map)) data-shapes="/assets/world-atlas-2.0.2-countries-50m.json"
            data-text-shown=(ctx.t(Msg::MapShown)) data-text-cluster=(ctx.t(Msg::MapCluster)) {}
        (html::json_block("site-data", &serde_json::Value::Array(markers)))
    }
}

pub(crate) async fn map(State(s): State<AppState>, Extension(ctx): Extension<Ctx>) -> PageResult {
    let lang = ctx.lang;
    let sites = s.store.list_sites().await?;
    let rows: Vec<Vec<Markup>> = sites
        .iter()
        .map(|site| {
            vec![
                html! { a href={ "/sites/" (site.id) } { (names_html(lang, &site.data.names)) } },
                html! { (lang.t(i18n::site_status(site.data.status))) },
                html! { @if let Some(n) = site.data.estimated_count { (i18n::number(i64::from(n))) } },
            ]
        })
        .collect();
    let body = html! {
        (map_div(&ctx, &sites))
        (ctx.table(Msg::Sites, &[Msg::Name, Msg::Status, Msg::EstimatedCount], &rows))
        (MAP_SCRIPTS)
    };
    Ok(Html(html::page(&ctx, ctx.t(Msg::Map), MAP_HEAD, body).into_string()).into_response())
}

fn site_link(lang: Lang, site: &Site) -> Markup {
    link(&format!("/sites/{}", site.id), &first_name(lang, &site.data.names))
}

pub(crate) async fn site(State(s): State<AppState>, Extension(ctx): Extension<Ctx>, PageId(id): PageId) -> PageResult {
    let lang = ctx.lang;
    let site = PageError::found(s.store.get_site(id).await?, "site", id)?;
    let all = s.store.list_sites().await?;
    let mut rows = vec![(
        ctx.t(Msg::Status),
        html! { (lang.t(i18n::site_status(site.data.status))) },
    )];
    if let Some(c) = site.data.coordinates {
        rows.push((
            ctx.t(Msg::Coordinates),
            html! { (format!("{:.5}, {:.5}", c.lat, c.lon)) },
        ));
    }
    if let Some(n) = site.data.estimated_count {
        rows.push((ctx.t(Msg::EstimatedCount), html! { (i18n::number(i64::from(n))) }));
    }
    if let Some(notes) = &site.data.notes {
        rows.push((ctx.t(Msg::Notes), html! { (notes) }));
    }
    let moved_here: Vec<&Site> = all.iter().filter(|o| o.relocated_to == Some(id)).collect();
    let moved_to = site.relocated_to.and_then(|to| all.iter().find(|o| o.id == to));
    let remains = if ctx.may(Permission::ReadRemains) {
        let rows: Vec<Vec<Markup>> = s
            .store
            .list_remains(id)
            .await?
            .iter()
            .map(|r| {
                vec![
                    html! { (r.data.external_id) },
                    html! { (r.data.skeletal_element) },
                    html! { @if let Some(d) = r.data.recovery_date { (i18n::date(lang, d)) } },
                ]
            })
            .collect();
        Some(html::table(
            ctx.t(Msg::Remains),
            &["ID", ctx.t(Msg::SkeletalElement), ctx.t(Msg::RecoveryDate)],
            &rows,
        ))
    } else {
        None
    };
    let identifications = if ctx.may(Permission::ReadPersons) {
        // The identifications resting on samples of this site's remains: what
        // `/identifications?site=` lists, in one statement.
        let at_site = registry::ListFilter {
            site: Some(id),
            ..Default::default()
        };
        Some(super::queues::identifications_table(&s, &ctx, &at_site).await?)
    } else {
        None
    };
    let missions = if ctx.may(Permission::ReadMissions) {
        let rows: Vec<Vec<Markup>> = s
            .store
            .list_missions()
            .await?
            .into_iter()
            .filter(|m| m.data.site_ids.contains(&id))
            .map(|m| {
                vec![
                    link(&format!("/missions/{}", m.id), &m.data.name),
                    html! { (i18n::date(lang, m.data.start)) },
                ]
            })
            .collect();
        Some(ctx.table(Msg::Missions, &[Msg::Name, Msg::Start], &rows))
    } else {
        None
    };
    let name = first_name(lang, &site.data.names);
    let body = html! {
        (names_table(&ctx, &site.data.names))
        (facts(rows))
        h2 { (ctx.t(Msg::Relocation)) }
        ul {
            @if site.relocated_to.is_none() && moved_here.is_empty() { li { (ctx.t(Msg::NotRelocated)) } }
            @if let Some(to) = moved_to { li { (ctx.t(Msg::RelocatedTo)) ": " (site_link(lang, to)) } }
            @for from in &moved_here { li { (site_link(lang, from)) " → " (name) } }
        }
        @if let Some(remains) = remains { (remains) }
        @if let Some(identifications) = identifications { (identifications) }
        @if let Some(missions) = missions { (missions) }
    };
    let title = format!("{}: {}", ctx.t(Msg::Site), name);
    ctx.respond(&title, body)
}

fn person_rows(ctx: &Ctx, found: &[PersonHit]) -> Vec<Vec<Markup>> {
    let lang = ctx.lang;
    let date = |d: Option<registry::model::PartialDate>| d.map(|d| i18n::date(lang, d)).unwrap_or_default();
    found
        .iter()
        .map(|h| {
            let p = &h.person;
            let place = p
                .data
                .death_place
                .as_ref()
                .and_then(|pl| pl.name.as_deref())
                .unwrap_or_default();
            vec![
                html! { a href={ "/persons/" (p.id) } data-rank=(h.rank) { (names_html(lang, &p.data.names)) } },
                html! { (p.data.external_id) },
                html! { (lang.t(i18n::sex(p.data.sex))) },
                html! { (date(p.data.birth)) },
                html! { (date(p.data.death)) },
                html! { (place) },
                html! {
                    @if let Some(st) = &h.site { (link(&format!("/sites/{}", st.id), &first_name(lang, &st.names))) }
                },
                status_badge(lang, p.status),
            ]
        })
        .collect()
}

fn person_results(ctx: &Ctx, q: &ListQuery, found: &Paged<PersonHit>) -> Markup {
    html! {
        div id="results" aria-live="polite" {
            @if !found.items.is_empty() {
                (ctx.table(
                    Msg::Persons,
                    &[Msg::Name, Msg::RecordId, Msg::Sex, Msg::Born, Msg::Died, Msg::DeathPlace, Msg::Site, Msg::Status],
                    &person_rows(ctx, &found.items),
                ))
            }
            (super::queues::pager(ctx, "/persons", q, found))
        }
    }
}

/// Persons found by name in any script and spelling, or by id (`registry::find_persons`): ranked,
/// a page at a time with the number found.
pub(crate) async fn persons(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> PageResult {
    let q = query.q.clone().unwrap_or_default();
    let (_, page) = query.filter()?;
    let found = if q.trim().is_empty() {
        Paged::empty(page)
    } else {
        s.store.find_persons(&q, page).await?
    };
    let results = person_results(&ctx, &query, &found);
    // htmx asks for the results only, as the reader types.
    if headers.contains_key("hx-request") {
        return Ok(Html(results.into_string()).into_response());
    }
    let body = html! {
        @if ctx.may(Permission::WritePersons) {
            p.actions { a href="/persons/new" id="new-person" { (ctx.t(Msg::NewPerson)) } }
        }
        form.stack method="get" action="/persons" role="search" hx-get="/persons"
            hx-trigger="input changed delay:250ms from:#q, submit" hx-target="#results" hx-swap="outerHTML"
            hx-push-url="true" {
            label for="q" { (ctx.t(Msg::SearchPersons)) }
            input id="q" name="q" type="search" value=(q) autocomplete="off";
            button type="submit" { (ctx.t(Msg::Search)) }
        }
        (results)
    };
    ctx.respond(ctx.t(Msg::Persons), body)
}

pub(crate) async fn person(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    PageId(id): PageId,
) -> PageResult {
    let lang = ctx.lang;
    let p = PageError::found(s.store.get_person(id).await?, "person", id)?;
    let mut rows = vec![
        ("ID", html! { (p.data.external_id) }),
        (ctx.t(Msg::Status), status_badge(lang, p.status)),
        (ctx.t(Msg::Sex), html! { (lang.t(i18n::sex(p.data.sex))) }),
    ];
    if let Some(b) = p.data.birth {
        rows.push((ctx.t(Msg::Born), html! { (i18n::date(lang, b)) }));
    }
    if let Some(d) = p.data.death {
        rows.push((ctx.t(Msg::Died), html! { (i18n::date(lang, d)) }));
    }
    if let Some(place) = &p.data.death_place {
        let mut text = place.name.clone().unwrap_or_default();
        if let Some(c) = place.coordinates {
            text.push_str(&format!(" ({:.4}, {:.4})", c.lat, c.lon));
        }
        rows.push((ctx.t(Msg::DeathPlace), html! { (text.trim()) }));
    }
    // The person's identifications (a flagged one says why, beside the person's status above).
    let of_person = registry::ListFilter {
        person: Some(id),
        ..Default::default()
    };
    let identifications = super::queues::identifications_table(&s, &ctx, &of_person).await?;
    let history: Vec<Vec<Markup>> = s
        .store
        .status_history(id)
        .await?
        .into_iter()
        .map(|(from, to, reason, actor, at)| {
            vec![
                html! { (ctx.instant(&at)) },
                status_badge(lang, from),
                status_badge(lang, to),
                html! { (reason) },
                html! { (actor) },
            ]
        })
        .collect();
    let body = html! {
        p.lead { (names_html(lang, &p.data.names)) }
        @if ctx.may(Permission::WritePersons) {
            p.actions { a href={ "/persons/" (id) "/edit" } id="edit-person" { (ctx.t(Msg::EditPerson)) } }
        }
        (names_table(&ctx, &p.data.names))
        (facts(rows))
        (identifications)
        h2 { (ctx.t(Msg::Sources)) }
        ul {
            @for src in &p.data.sources {
                li { (src.citation) @if let Some(n) = &src.note { " — " (n) } }
            }
        }
        (ctx.table(Msg::Timeline, &[Msg::When, Msg::From, Msg::To, Msg::Reason, Msg::Actor], &history))
    };
    let title = format!("{}: {}", ctx.t(Msg::Person), first_name(lang, &p.data.names));
    ctx.respond(&title, body)
}
