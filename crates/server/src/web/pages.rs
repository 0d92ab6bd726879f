//! Dashboard, map, sites and persons.

use std::fmt::Write;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse};
use axum::Extension;
use registry::model::{Name, PersonStatus, Site, SiteStatus};
use registry::{Paged, PersonHit};

use super::html::esc;
use super::html::legacy::{facts, link, page, table};
use super::i18n::{self, Lang, Msg};
use super::{Ctx, PageError, PageId, PageResult};
use crate::queues::ListQuery;
use crate::{AppState, Permission};

/// Names in the reader's preferred script first, the others beside it.
pub(crate) fn names_html(lang: Lang, names: &[Name]) -> String {
    let ordered = i18n::names_in_order(lang, names);
    let Some((first, rest)) = ordered.split_first() else {
        return String::new();
    };
    let mut out = format!(r#"<span class="names"><span class="main">{}</span>"#, esc(&first.text));
    if !rest.is_empty() {
        let others: Vec<String> = rest.iter().map(|n| esc(&n.text)).collect();
        let _ = write!(out, r#" <span class="other">({})</span>"#, others.join(" · "));
    }
    out.push_str("</span>");
    out
}

/// The first name in the reader's script, as plain text (titles, labels).
pub(crate) fn first_name(lang: Lang, names: &[Name]) -> String {
    i18n::names_in_order(lang, names)
        .first()
        .map(|n| n.text.clone())
        .unwrap_or_default()
}

/// Every name with its script and kind.
pub(crate) fn names_table(ctx: &Ctx, names: &[Name]) -> String {
    let rows: Vec<Vec<String>> = i18n::names_in_order(ctx.lang, names)
        .into_iter()
        .map(|n| {
            let lang = n
                .lang
                .as_deref()
                .map(|l| format!(r#" lang="{}""#, esc(l)))
                .unwrap_or_default();
            vec![
                format!("<span{lang}>{}</span>", esc(&n.text)),
                esc(&n.script),
                ctx.t(i18n::name_kind(n.kind)).to_owned(),
            ]
        })
        .collect();
    ctx.legacy_table(Msg::Names, &[Msg::Name, Msg::Script, Msg::Kind], &rows)
}

fn status_badge(lang: Lang, s: PersonStatus) -> String {
    format!(
        r#"<span class="status st-{}">{}</span>"#,
        s.as_str(),
        lang.t(i18n::person_status(s))
    )
}

pub(crate) async fn dashboard(State(s): State<AppState>, Extension(ctx): Extension<Ctx>) -> PageResult {
    let lang = ctx.lang;
    let counts = s.store.count_persons_by_status().await?;
    let total: i64 = counts.iter().map(|c| c.1).sum();
    let sites = s.store.list_sites().await?.len();
    let mut body = super::queues::your_work(&s, &ctx).await?;
    let _ = write!(
        body,
        r#"<section aria-labelledby="by-status"><h2 id="by-status">{}</h2><ul class="cards">"#,
        ctx.t(Msg::PersonsByStatus)
    );
    for st in PersonStatus::ALL {
        let n = counts.iter().find(|c| c.0 == st).map_or(0, |c| c.1);
        let _ = write!(
            body,
            r#"<li data-status="{}"><span class="n">{}</span>{}</li>"#,
            st.as_str(),
            i18n::number(n),
            lang.t(i18n::person_status(st))
        );
    }
    let _ = write!(
        body,
        r#"<li data-status="total"><span class="n">{}</span>{}</li><li data-status="sites"><span class="n">{}</span>{}</li></ul></section>"#,
        i18n::number(total),
        ctx.t(Msg::Total),
        i18n::number(sites as i64),
        ctx.t(Msg::SitesCount)
    );
    if ctx.may(Permission::ReadJobs) {
        let running: Vec<_> = s
            .store
            .list_jobs(20)
            .await?
            .into_iter()
            .filter(|j| matches!(j.status, registry::JobStatus::Running | registry::JobStatus::Queued))
            .collect();
        let _ = write!(body, r#"<h2>{}</h2>"#, ctx.t(Msg::RunningJobs));
        if running.is_empty() {
            let _ = write!(body, "<p>{}</p>", ctx.t(Msg::NoneYet));
        }
        for job in running {
            let _ = write!(
                body,
                r#"<p>{} — {}</p>{}"#,
                link(
                    &format!("/jobs/{}", job.id),
                    &format!("{} #{}", ctx.t(Msg::Job), job.id)
                ),
                lang.t(i18n::job_status(job.status)),
                super::matching::progress_html(&ctx, &job)
            );
        }
    }
    if ctx.may(Permission::ReadPersons) {
        // One query with the names: no look-up per row.
        let rows: Vec<Vec<String>> = s
            .store
            .recent_status_changes_named(10)
            .await?
            .into_iter()
            .map(|c| {
                vec![
                    esc(&ctx.instant(&c.at)),
                    format!(
                        r#"<a href="/persons/{}">{}</a>"#,
                        c.person_id,
                        names_html(lang, &c.person_names)
                    ),
                    format!("{} → {}", status_badge(lang, c.from), status_badge(lang, c.to)),
                    esc(&c.reason),
                    esc(&c.actor),
                ]
            })
            .collect();
        body.push_str(&ctx.legacy_table(
            Msg::RecentActivity,
            &[Msg::When, Msg::Person, Msg::Status, Msg::Reason, Msg::Actor],
            &rows,
        ));
    }
    if ctx.may(Permission::ReadAudit) {
        let rows: Vec<Vec<String>> = s
            .store
            .recent_audit(10)
            .await?
            .into_iter()
            .map(|e| {
                vec![
                    esc(&ctx.instant(&e.at)),
                    esc(&e.actor),
                    esc(&e.action),
                    esc(&format!("{} {}", e.entity, e.entity_id)),
                ]
            })
            .collect();
        body.push_str(&ctx.legacy_table(Msg::AuditLog, &[Msg::When, Msg::Actor, Msg::Event, Msg::Kind], &rows));
    }
    ctx.legacy_respond(ctx.t(Msg::Dashboard), &body)
}

/// JSON for a `<script type="application/json">` block: `<` escaped so no text can close it.
pub(crate) fn script_json(value: &serde_json::Value) -> String {
    value.to_string().replace('<', "\\u003c")
}

const SITE_STATUSES: [SiteStatus; 6] = {
    use registry::model::SiteStatus::*;
    [Known, Surveyed, Inaccessible, Farmland, Relocated, Exhumed]
};

/// The style sheets a page with a map needs in its head. The cluster plugin's default style sheet
/// is not among them: its green, yellow and orange clusters would read as site statuses, so
/// `homeward.css` draws clusters in a colour no status has.
pub(crate) const MAP_HEAD: &str = r#"<link rel="stylesheet" href="/assets/leaflet-1.9.4/leaflet-1.9.4.css"><link rel="stylesheet" href="/assets/MarkerCluster-1.5.3.css">"#;

/// The scripts of a page with a map, at the end of its body.
pub(crate) const MAP_SCRIPTS: &str = concat!(
    r#"<script src="/assets/leaflet-1.9.4/leaflet-1.9.4.js"></script><script src="/assets/leaflet.markercluster-1.5.3.js"></script><script src="/assets/topojson-client-3.1.0.min.js"></script><script src="/assets/homeward-map-"#,
    env!("CARGO_PKG_VERSION"),
    r#".js"></script>"#
);

/// A site status's marker shape, one SVG element in a 40 × 40 box: every status has a shape as
/// well as a colour (`.shape.st-*` in `homeward.css`), so that none is told by colour alone. The
/// legend draws it and `homeward-map.js` copies the legend's drawing into each marker, so the two
/// cannot disagree. Whole numbers only: a decimal such as `15.3` would read as an allele to the
/// pages' genotype-leak checks.
fn status_shape(status: SiteStatus) -> &'static str {
    use registry::model::SiteStatus::*;
    match status {
        Known => r#"<circle cx="20" cy="20" r="16"/>"#,
        Surveyed => r#"<rect x="6" y="6" width="28" height="28"/>"#,
        Inaccessible => r#"<polygon points="20,3 37,35 3,35"/>"#,
        Farmland => r#"<polygon points="20,2 38,20 20,38 2,20"/>"#,
        Relocated => r#"<polygon points="3,5 37,5 20,37"/>"#,
        Exhumed => r#"<polygon points="20,4 24,16 37,16 27,24 31,37 20,30 9,37 13,24 3,16 16,16"/>"#,
    }
}

/// The status's symbol as a small SVG; decorative (`aria-hidden`), the status is always named beside it.
fn status_symbol(status: SiteStatus) -> String {
    format!(
        r#"<svg class="shape st-{}" viewBox="0 0 40 40" aria-hidden="true" focusable="false">{}</svg>"#,
        status.as_str(),
        status_shape(status)
    )
}

/// The map's legend, which is also its filter: one checkbox per status with its shape and name;
/// `homeward-map.js` hides the markers of an unticked status and says how many are shown.
fn map_legend(ctx: &Ctx) -> String {
    let mut out = format!(
        r#"<fieldset class="map-legend" id="map-legend"><legend>{}</legend><ul>"#,
        ctx.t(Msg::MapLegend)
    );
    for st in SITE_STATUSES {
        let _ = write!(
            out,
            r#"<li data-status="{st}"><label><input type="checkbox" name="status" value="{st}" checked>{symbol}<span>{label}</span></label></li>"#,
            st = st.as_str(),
            symbol = status_symbol(st),
            label = ctx.t(i18n::site_status(st)),
        );
    }
    out.push_str(r#"</ul><p class="shown muted" id="map-shown" aria-live="polite"></p></fieldset>"#);
    out
}

/// The map element with its legend and its sites (those with coordinates) as JSON for
/// `homeward-map.js`; the texts the script writes (how many sites are shown, a cluster's label)
/// come translated in `data-` attributes, `{shown}`, `{total}` and `{n}` filled in by the script.
pub(crate) fn map_div(ctx: &Ctx, sites: &[Site]) -> String {
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
    format!(
        r#"{legend}<div id="map" role="region" aria-label="{label}" data-shapes="/assets/world-atlas-2.0.2-countries-50m.json" data-text-shown="{shown}" data-text-cluster="{cluster}"></div><script type="application/json" id="site-data">{json}</script>"#,
        legend = map_legend(ctx),
        label = ctx.t(Msg::Map),
        shown = esc(ctx.t(Msg::MapShown)),
        cluster = esc(ctx.t(Msg::MapCluster)),
        json = script_json(&serde_json::Value::Array(markers))
    )
}

pub(crate) async fn map(State(s): State<AppState>, Extension(ctx): Extension<Ctx>) -> PageResult {
    let lang = ctx.lang;
    let sites = s.store.list_sites().await?;
    let mut body = map_div(&ctx, &sites);
    let rows: Vec<Vec<String>> = sites
        .iter()
        .map(|site| {
            vec![
                format!(
                    r#"<a href="/sites/{}">{}</a>"#,
                    site.id,
                    names_html(lang, &site.data.names)
                ),
                lang.t(i18n::site_status(site.data.status)).to_owned(),
                site.data
                    .estimated_count
                    .map(|n| i18n::number(i64::from(n)))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    body.push_str(&ctx.legacy_table(Msg::Sites, &[Msg::Name, Msg::Status, Msg::EstimatedCount], &rows));
    body.push_str(MAP_SCRIPTS);
    Ok(Html(page(&ctx, ctx.t(Msg::Map), MAP_HEAD, &body)).into_response())
}

fn site_link(lang: Lang, site: &Site) -> String {
    format!(
        r#"<a href="/sites/{}">{}</a>"#,
        site.id,
        esc(&first_name(lang, &site.data.names))
    )
}

pub(crate) async fn site(State(s): State<AppState>, Extension(ctx): Extension<Ctx>, PageId(id): PageId) -> PageResult {
    let lang = ctx.lang;
    let site = PageError::found(s.store.get_site(id).await?, "site", id)?;
    let all = s.store.list_sites().await?;
    let mut body = names_table(&ctx, &site.data.names);
    let mut rows = vec![(
        ctx.t(Msg::Status),
        lang.t(i18n::site_status(site.data.status)).to_owned(),
    )];
    if let Some(c) = site.data.coordinates {
        rows.push((ctx.t(Msg::Coordinates), format!("{:.5}, {:.5}", c.lat, c.lon)));
    }
    if let Some(n) = site.data.estimated_count {
        rows.push((ctx.t(Msg::EstimatedCount), i18n::number(i64::from(n))));
    }
    if let Some(notes) = &site.data.notes {
        rows.push((ctx.t(Msg::Notes), esc(notes)));
    }
    body.push_str(&facts(rows));
    let _ = write!(body, "<h2>{}</h2><ul>", ctx.t(Msg::Relocation));
    let moved_here: Vec<&Site> = all.iter().filter(|o| o.relocated_to == Some(id)).collect();
    if site.relocated_to.is_none() && moved_here.is_empty() {
        let _ = write!(body, "<li>{}</li>", ctx.t(Msg::NotRelocated));
    }
    if let Some(to) = site.relocated_to.and_then(|to| all.iter().find(|o| o.id == to)) {
        let _ = write!(body, "<li>{}: {}</li>", ctx.t(Msg::RelocatedTo), site_link(lang, to));
    }
    for from in moved_here {
        let _ = write!(
            body,
            "<li>{} → {}</li>",
            site_link(lang, from),
            esc(&first_name(lang, &site.data.names))
        );
    }
    body.push_str("</ul>");
    let remains = if ctx.may(Permission::ReadRemains) {
        s.store.list_remains(id).await?
    } else {
        Vec::new()
    };
    if ctx.may(Permission::ReadRemains) {
        let rows: Vec<Vec<String>> = remains
            .iter()
            .map(|r| {
                vec![
                    esc(&r.data.external_id),
                    esc(&r.data.skeletal_element),
                    r.data.recovery_date.map(|d| i18n::date(lang, d)).unwrap_or_default(),
                ]
            })
            .collect();
        body.push_str(&table(
            ctx.t(Msg::Remains),
            &["ID", ctx.t(Msg::SkeletalElement), ctx.t(Msg::RecoveryDate)],
            &rows,
        ));
    }
    if ctx.may(Permission::ReadPersons) {
        // The identifications resting on samples of this site's remains: what
        // `/identifications?site=` lists, in one statement.
        let at_site = registry::ListFilter {
            site: Some(id),
            ..Default::default()
        };
        body.push_str(&super::queues::identifications_table(&s, &ctx, &at_site).await?);
    }
    if ctx.may(Permission::ReadMissions) {
        let rows: Vec<Vec<String>> = s
            .store
            .list_missions()
            .await?
            .into_iter()
            .filter(|m| m.data.site_ids.contains(&id))
            .map(|m| {
                vec![
                    link(&format!("/missions/{}", m.id), &m.data.name),
                    i18n::date(lang, m.data.start),
                ]
            })
            .collect();
        body.push_str(&ctx.legacy_table(Msg::Missions, &[Msg::Name, Msg::Start], &rows));
    }
    let title = format!("{}: {}", ctx.t(Msg::Site), first_name(lang, &site.data.names));
    ctx.legacy_respond(&title, &body)
}

fn person_rows(ctx: &Ctx, found: &[PersonHit]) -> Vec<Vec<String>> {
    let lang = ctx.lang;
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
            let site = h
                .site
                .as_ref()
                .map(|st| link(&format!("/sites/{}", st.id), &first_name(lang, &st.names)))
                .unwrap_or_default();
            vec![
                format!(
                    r#"<a href="/persons/{}" data-rank="{}">{}</a>"#,
                    p.id,
                    h.rank,
                    names_html(lang, &p.data.names)
                ),
                esc(&p.data.external_id),
                lang.t(i18n::sex(p.data.sex)).to_owned(),
                p.data.birth.map(|d| i18n::date(lang, d)).unwrap_or_default(),
                p.data.death.map(|d| i18n::date(lang, d)).unwrap_or_default(),
                esc(place),
                site,
                status_badge(lang, p.status),
            ]
        })
        .collect()
}

fn person_results(ctx: &Ctx, q: &ListQuery, found: &Paged<PersonHit>) -> String {
    let mut out = String::from(r#"<div id="results" aria-live="polite">"#);
    if !found.items.is_empty() {
        out.push_str(&ctx.legacy_table(
            Msg::Persons,
            &[
                Msg::Name,
                Msg::RecordId,
                Msg::Sex,
                Msg::Born,
                Msg::Died,
                Msg::DeathPlace,
                Msg::Site,
                Msg::Status,
            ],
            &person_rows(ctx, &found.items),
        ));
    }
    out.push_str(&super::queues::pager(ctx, "/persons", q, found));
    out.push_str("</div>");
    out
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
        return Ok(Html(results).into_response());
    }
    let body = format!(
        r##"<form method="get" action="/persons" role="search" class="stack" hx-get="/persons" hx-trigger="input changed delay:250ms from:#q, submit" hx-target="#results" hx-swap="outerHTML" hx-push-url="true"><label for="q">{label}</label><input id="q" name="q" type="search" value="{value}" autocomplete="off"><button type="submit">{search}</button></form>{results}"##,
        label = ctx.t(Msg::SearchPersons),
        value = esc(&q),
        search = ctx.t(Msg::Search),
    );
    let body = if ctx.may(Permission::WritePersons) {
        format!(
            r#"<p class="actions"><a href="/persons/new" id="new-person">{}</a></p>{body}"#,
            ctx.t(Msg::NewPerson)
        )
    } else {
        body
    };
    ctx.legacy_respond(ctx.t(Msg::Persons), &body)
}

pub(crate) async fn person(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    PageId(id): PageId,
) -> PageResult {
    let lang = ctx.lang;
    let p = PageError::found(s.store.get_person(id).await?, "person", id)?;
    let mut body = format!(r#"<p class="lead">{}</p>"#, names_html(lang, &p.data.names));
    if ctx.may(Permission::WritePersons) {
        let _ = write!(
            body,
            r#"<p class="actions"><a href="/persons/{id}/edit" id="edit-person">{}</a></p>"#,
            ctx.t(Msg::EditPerson)
        );
    }
    body.push_str(&names_table(&ctx, &p.data.names));
    let mut rows = vec![
        ("ID", esc(&p.data.external_id)),
        (ctx.t(Msg::Status), status_badge(lang, p.status)),
        (ctx.t(Msg::Sex), lang.t(i18n::sex(p.data.sex)).to_owned()),
    ];
    if let Some(b) = p.data.birth {
        rows.push((ctx.t(Msg::Born), i18n::date(lang, b)));
    }
    if let Some(d) = p.data.death {
        rows.push((ctx.t(Msg::Died), i18n::date(lang, d)));
    }
    if let Some(place) = &p.data.death_place {
        let mut text = place.name.clone().unwrap_or_default();
        if let Some(c) = place.coordinates {
            let _ = write!(text, " ({:.4}, {:.4})", c.lat, c.lon);
        }
        rows.push((ctx.t(Msg::DeathPlace), esc(text.trim())));
    }
    body.push_str(&facts(rows));
    // The person's identifications (a flagged one says why, beside the person's status above).
    let of_person = registry::ListFilter {
        person: Some(id),
        ..Default::default()
    };
    body.push_str(&super::queues::identifications_table(&s, &ctx, &of_person).await?);
    let _ = write!(body, "<h2>{}</h2><ul>", ctx.t(Msg::Sources));
    for src in &p.data.sources {
        let note = src
            .note
            .as_deref()
            .map(|n| format!(" — {}", esc(n)))
            .unwrap_or_default();
        let _ = write!(body, "<li>{}{note}</li>", esc(&src.citation));
    }
    body.push_str("</ul>");
    let history = s.store.status_history(id).await?;
    let rows: Vec<Vec<String>> = history
        .into_iter()
        .map(|(from, to, reason, actor, at)| {
            vec![
                esc(&ctx.instant(&at)),
                status_badge(lang, from),
                status_badge(lang, to),
                esc(&reason),
                esc(&actor),
            ]
        })
        .collect();
    body.push_str(&ctx.legacy_table(
        Msg::Timeline,
        &[Msg::When, Msg::From, Msg::To, Msg::Reason, Msg::Actor],
        &rows,
    ));
    let title = format!("{}: {}", ctx.t(Msg::Person), first_name(lang, &p.data.names));
    ctx.legacy_respond(&title, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_its_script_block() {
        let v = serde_json::json!({ "name": "</script><script>alert(1)</script>" });
        let out = script_json(&v);
        assert!(!out.contains("</script>"));
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back, v);
    }
}
