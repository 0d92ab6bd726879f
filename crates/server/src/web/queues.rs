//! Each role's work: the queues on the dashboard (a count and the first rows of each) and their own
//! pages, every one paged with the number in all and a link to each page, filtered (status, site,
//! job, LR range, typing) and sorted by a form that sends the API's query parameters. The rows
//! come from one registry query per list (`registry::queues`); a reviewer's queue holds nothing of
//! other reviews.

use axum::extract::{Query, State};
use axum::Extension;
use maud::{html, Markup};
use registry::model::Site;
use registry::{
    CandidateRow, IdentificationRow, IdentificationStatus, MissionToPlan, NotificationDue, Page, Paged, Sample, Sort,
    VisitToArrange,
};

use super::html::link;
use super::i18n::{self, Msg};
use super::pages::{first_name, person_link};
use super::{Ctx, PageResult};
use crate::queues::ListQuery;
use crate::{AppState, Permission};

/// Rows of each queue the dashboard shows.
const DASHBOARD_ROWS: i64 = 5;

/// The filters a list's form offers.
#[derive(Debug, Clone, Copy, Default)]
struct Fields {
    status: bool,
    site: bool,
    job: bool,
    lr: bool,
    typed: bool,
}

impl Fields {
    /// A list filtered by site only (the family and mission queues).
    const SITE: Fields = Fields {
        status: false,
        site: true,
        job: false,
        lr: false,
        typed: false,
    };
}

/// The query string of `q` with `offset`, for the pager's links.
fn query_with_offset(q: &ListQuery, offset: i64) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    for (k, v) in [
        ("q", &q.q),
        ("status", &q.status),
        ("site", &q.site),
        ("job", &q.job),
        ("min_lr", &q.min_lr),
        ("max_lr", &q.max_lr),
        ("typed", &q.typed),
        ("sort", &q.sort),
        ("limit", &q.limit),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
            pairs.push((k, v.to_owned()));
        }
    }
    pairs.push(("offset", offset.to_string()));
    serde_urlencoded::to_string(&pairs).unwrap_or_default()
}

/// "Showing 51–100 of 596" and a link to every page (a window around this one when there are
/// many, with the first and the last), so that any row is two clicks from the list.
pub(crate) fn pager<T>(ctx: &Ctx, path: &str, q: &ListQuery, paged: &Paged<T>) -> Markup {
    let first = paged.offset + 1;
    let last = paged.offset + paged.items.len() as i64;
    let pages = (paged.total + paged.limit - 1) / paged.limit;
    let current = paged.offset / paged.limit;
    let shown = |p: i64| pages <= 40 || p == 0 || p == pages - 1 || (p - current).abs() <= 15;
    let href = |offset: i64| format!("{path}?{}", query_with_offset(q, offset));
    html! {
        nav.pager aria-label=(ctx.t(Msg::Pages)) {
            @if paged.total == 0 {
                p { (ctx.t(Msg::NoResults)) }
            } @else {
                p.count data-total=(paged.total) {
                    (i18n::showing(ctx.lang, first, last.max(first), paged.total, paged.total_capped))
                }
                @if pages > 1 {
                    ul {
                        @if let Some(prev) = paged.previous_offset() {
                            li { a rel="prev" href=(href(prev)) { (ctx.t(Msg::Previous)) } }
                        }
                        @for p in 0..pages {
                            @if !shown(p) {
                                // One ellipsis for each run of pages left out.
                                @if p == 0 || shown(p - 1) { li { "…" } }
                            } @else if p == current {
                                li { span aria-current="page" { (p + 1) } }
                            } @else {
                                li { a href=(href(p * paged.limit)) { (p + 1) } }
                            }
                        }
                        @if let Some(next) = paged.next_offset() {
                            li { a rel="next" href=(href(next)) { (ctx.t(Msg::Next)) } }
                        }
                    }
                }
            }
        }
    }
}

/// One `<select>` of a filter form: "any" first, then `choices` (value, label); `chosen` selected.
fn filter_select(
    ctx: &Ctx,
    name: &str,
    label: Msg,
    chosen: Option<&str>,
    choices: impl IntoIterator<Item = (String, String)>,
) -> Markup {
    let id = format!("f-{name}");
    let choices: Vec<(String, String)> = choices.into_iter().collect();
    html! {
        label for=(id) { (ctx.t(label)) }
        " "
        select id=(id) name=(name) {
            option value="" selected[chosen == Some("")] { (ctx.t(Msg::Any)) }
            @for (value, text) in &choices {
                option value=(value) selected[chosen == Some(value.as_str())] { (text) }
            }
        }
        " "
    }
}

/// The filter form of a list: GET to `path` with the API's parameter names.
fn filter_form(ctx: &Ctx, path: &str, q: &ListQuery, fields: Fields, sites: &[Site]) -> Markup {
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let statuses = [
        IdentificationStatus::Proposed,
        IdentificationStatus::Confirmed,
        IdentificationStatus::Flagged,
        IdentificationStatus::Rejected,
    ]
    .map(|st| {
        (
            st.as_str().to_owned(),
            ctx.t(i18n::identification_status(st)).to_owned(),
        )
    });
    let site_choices = sites
        .iter()
        .map(|site| (site.id.to_string(), first_name(ctx.lang, &site.data.names)));
    let typed = [("true", Msg::Yes), ("false", Msg::No)].map(|(v, m)| (v.to_owned(), ctx.t(m).to_owned()));
    let sorts: &[(Sort, Msg)] = if fields.lr {
        &[
            (Sort::LrDesc, Msg::SortLrDesc),
            (Sort::LrAsc, Msg::SortLrAsc),
            (Sort::Newest, Msg::SortNewest),
            (Sort::Oldest, Msg::SortOldest),
        ]
    } else {
        &[(Sort::Oldest, Msg::SortOldest), (Sort::Newest, Msg::SortNewest)]
    };
    let sorts = sorts
        .iter()
        .map(|(sort, label)| (sort.as_str().to_owned(), ctx.t(*label).to_owned()));
    html! {
        form.filters method="get" action=(path) role="search" {
            @if fields.status { (filter_select(ctx, "status", Msg::Status, q.status.as_deref(), statuses)) }
            @if fields.site { (filter_select(ctx, "site", Msg::Site, q.site.as_deref(), site_choices)) }
            @if fields.job {
                label for="f-job" { (ctx.t(Msg::Job)) }
                " "
                input id="f-job" name="job" type="number" min="1" value=(value(&q.job));
                " "
            }
            @if fields.lr {
                label for="f-min" { (ctx.t(Msg::MinLr)) }
                " "
                input id="f-min" name="min_lr" type="number" step="any" value=(value(&q.min_lr));
                " "
                label for="f-max" { (ctx.t(Msg::MaxLr)) }
                " "
                input id="f-max" name="max_lr" type="number" step="any" value=(value(&q.max_lr));
                " "
            }
            @if fields.typed { (filter_select(ctx, "typed", Msg::Typed, q.typed.as_deref(), typed)) }
            (filter_select(ctx, "sort", Msg::SortBy, q.sort.as_deref(), sorts))
            button type="submit" { (ctx.t(Msg::Filter)) }
        }
    }
}

/// A dash for what a row does not have.
fn none() -> Markup {
    html! { "–" }
}

fn lr_cell(log10_lr: Option<f64>) -> Markup {
    log10_lr.map_or_else(none, i18n::lr_html)
}

fn site_cell(ctx: &Ctx, id: Option<i64>, names: Option<&[registry::model::Name]>) -> Markup {
    match (id, names) {
        (Some(id), Some(names)) => link(&format!("/sites/{id}"), &first_name(ctx.lang, names)),
        _ => none(),
    }
}

/// Where a reviewer decides an identification: its candidate's page (DNA), else the person's.
fn identification_href(row: &IdentificationRow) -> String {
    match row.candidate_id {
        Some(c) => format!("/candidates/{c}#decision"),
        None => format!("/persons/{}", row.person_id),
    }
}

/// The identifications `filter` selects (a person's, a site's: a handful to a few hundred), each
/// with its status and, flagged, why, as the identifications list shows them; empty when the
/// reader may not see identifications or there are none.
pub(crate) async fn identifications_table(
    s: &AppState,
    ctx: &Ctx,
    filter: &registry::ListFilter,
) -> Result<Markup, super::PageError> {
    if !ctx.may(Permission::ReadIdentifications) {
        return Ok(html! {});
    }
    let paged = s
        .store
        .identifications_page(filter, Page { limit: 1000, offset: 0 })
        .await?;
    if paged.items.is_empty() {
        return Ok(html! {});
    }
    let rows: Vec<Vec<Markup>> = paged.items.iter().map(|r| identification_row(ctx, r)).collect();
    Ok(ctx.table(Msg::Identification, IDENTIFICATION_HEADER, &rows))
}

fn identification_row(ctx: &Ctx, r: &IdentificationRow) -> Vec<Markup> {
    vec![
        html! {
            a.queue-item data-identification=(r.id) href=(identification_href(r)) { "#" (r.id) }
            " "
            a.report-link href={ "/identifications/" (r.id) "/report" } { (ctx.t(Msg::Report)) }
        },
        person_link(ctx.lang, r.person_id, &r.person_names),
        i18n::identification_status_html(ctx.lang, r.status, r.flag_reason.as_deref()),
        r.sample_id
            .map_or_else(none, |s| link(&format!("/samples/{s}"), &s.to_string())),
        site_cell(ctx, r.site_id, r.site_names.as_deref()),
        r.job_id
            .map_or_else(none, |j| link(&format!("/jobs/{j}"), &format!("#{j}"))),
        lr_cell(r.log10_lr),
        r.posterior.map_or_else(none, i18n::probability_html),
        html! { (r.proposed_by.as_deref().unwrap_or("–")) },
    ]
}

const IDENTIFICATION_HEADER: &[Msg] = &[
    Msg::Identification,
    Msg::Person,
    Msg::Status,
    Msg::Sample,
    Msg::Site,
    Msg::Job,
    Msg::Lr,
    Msg::Posterior,
    Msg::ProposedBy,
];

fn candidate_row(ctx: &Ctx, r: &CandidateRow) -> Vec<Markup> {
    let person = match (r.person_id, &r.person_names) {
        (Some(id), Some(names)) => person_link(ctx.lang, id, names),
        _ => none(),
    };
    vec![
        link(
            &format!("/candidates/{}", r.candidate_id),
            &format!("#{}", r.candidate_id),
        ),
        person,
        link(&format!("/samples/{}", r.sample_id), &r.sample_id.to_string()),
        site_cell(ctx, Some(r.site_id), Some(&r.site_names)),
        link(&format!("/jobs/{}", r.job_id), &format!("#{}", r.job_id)),
        lr_cell(Some(r.log10_lr)),
        html! {
            @if let Some(i) = r.rejected_identification { span.rejected { (ctx.t(Msg::Rejected)) " #" (i) } }
        },
    ]
}

const CANDIDATE_HEADER: &[Msg] = &[
    Msg::Candidate,
    Msg::Person,
    Msg::Sample,
    Msg::Site,
    Msg::Job,
    Msg::Lr,
    Msg::Rejected,
];

fn sample_row(ctx: &Ctx, x: &Sample) -> Vec<Markup> {
    vec![
        link(&format!("/samples/{}", x.id), &x.external_id),
        html! { (x.lab) },
        html! { (x.profile_kind.as_str()) },
        html! { (ctx.t(if x.typed { Msg::Yes } else { Msg::No })) },
    ]
}

const SAMPLE_HEADER: &[Msg] = &[Msg::Sample, Msg::Lab, Msg::Kind, Msg::Typed];

fn notification_row(ctx: &Ctx, r: &NotificationDue) -> Vec<Markup> {
    vec![
        html! { "#" (r.identification_id) },
        person_link(ctx.lang, r.person_id, &r.person_names),
        link(&format!("/families/{}", r.family_id), &r.family_name),
        super::mission_forms::notify_form(ctx, r.family_id, r.identification_id),
    ]
}

const NOTIFICATION_HEADER: &[Msg] = &[Msg::Identification, Msg::Person, Msg::Family, Msg::RecordNotification];

fn visit_row(ctx: &Ctx, r: &VisitToArrange) -> Vec<Markup> {
    vec![
        link(&format!("/families/{}", r.family_id), &r.family_name),
        site_cell(ctx, Some(r.site_id), Some(&r.site_names)),
        html! { (r.visitors) },
        html! { (ctx.instant(&r.created_at)) },
    ]
}

const VISIT_HEADER: &[Msg] = &[Msg::Family, Msg::Site, Msg::Visitors, Msg::Created];

fn mission_row(_ctx: &Ctx, r: &MissionToPlan) -> Vec<Markup> {
    vec![
        link(&format!("/missions/{}", r.mission_id), &r.name),
        html! { (r.start_date) },
        html! { (r.sites) },
    ]
}

const MISSION_HEADER: &[Msg] = &[Msg::Mission, Msg::Start, Msg::SitesInMission];

/// One queue: what the dashboard and the queue's page show of it.
struct Queue {
    path: &'static str,
    title: Msg,
    note: Option<Msg>,
    fields: Fields,
    header: &'static [Msg],
}

const REVIEW: Queue = Queue {
    path: "/queues/review",
    title: Msg::ReviewQueue,
    note: Some(Msg::ReviewQueueNote),
    fields: Fields {
        status: false,
        site: true,
        job: true,
        lr: true,
        typed: false,
    },
    header: IDENTIFICATION_HEADER,
};
const CANDIDATES: Queue = Queue {
    path: "/queues/candidates",
    title: Msg::CandidatesToPropose,
    note: Some(Msg::CandidatesToProposeNote),
    fields: Fields {
        status: false,
        site: true,
        job: true,
        lr: true,
        typed: false,
    },
    header: CANDIDATE_HEADER,
};
const SAMPLES: Queue = Queue {
    path: "/samples",
    title: Msg::Samples,
    note: None,
    fields: Fields {
        status: false,
        site: true,
        job: false,
        lr: false,
        typed: true,
    },
    header: SAMPLE_HEADER,
};
const NOTIFICATIONS: Queue = Queue {
    path: "/queues/notifications",
    title: Msg::NotificationsDue,
    note: None,
    fields: Fields::SITE,
    header: NOTIFICATION_HEADER,
};
const VISITS: Queue = Queue {
    path: "/queues/visits",
    title: Msg::VisitsToArrange,
    note: None,
    fields: Fields::SITE,
    header: VISIT_HEADER,
};
const MISSIONS: Queue = Queue {
    path: "/queues/missions",
    title: Msg::MissionsToPlan,
    note: None,
    fields: Fields::SITE,
    header: MISSION_HEADER,
};
const IDENTIFICATIONS: Queue = Queue {
    path: "/identifications",
    title: Msg::Identification,
    note: None,
    fields: Fields {
        status: true,
        site: true,
        job: true,
        lr: true,
        typed: false,
    },
    header: IDENTIFICATION_HEADER,
};

/// A queue's own page: its note, the filter form, the table and the pager.
async fn queue_page<T>(
    s: &AppState,
    ctx: &Ctx,
    queue: &Queue,
    q: &ListQuery,
    paged: Paged<T>,
    row: fn(&Ctx, &T) -> Vec<Markup>,
) -> PageResult {
    let sites = if queue.fields.site {
        s.store.list_sites().await?
    } else {
        Vec::new()
    };
    let rows: Vec<Vec<Markup>> = paged.items.iter().map(|r| row(ctx, r)).collect();
    let body = html! {
        @if let Some(note) = queue.note { p.muted { (ctx.t(note)) } }
        (filter_form(ctx, queue.path, q, queue.fields, &sites))
        div id="queue" data-total=(paged.total) {
            (ctx.table(queue.title, queue.header, &rows))
            (pager(ctx, queue.path, q, &paged))
        }
    };
    ctx.respond(ctx.t(queue.title), body)
}

/// A queue's block on the dashboard: the count, the first rows, a link to the whole list.
fn dashboard_block<T>(ctx: &Ctx, queue: &Queue, paged: &Paged<T>, row: fn(&Ctx, &T) -> Vec<Markup>) -> Markup {
    let rows: Vec<Vec<Markup>> = paged.items.iter().map(|r| row(ctx, r)).collect();
    html! {
        section.queue data-queue=(queue.path) {
            h3 { (ctx.t(queue.title)) " " span.n data-total=(paged.total) { (i18n::number(paged.total)) } }
            @if rows.is_empty() {
                p { (ctx.t(Msg::NoneYet)) }
            } @else {
                (ctx.table(queue.title, queue.header, &rows))
                p { a href=(queue.path) { (ctx.t(Msg::ShowAll)) " (" (i18n::number(paged.total)) ")" } }
            }
        }
    }
}

/// The signed-in user's queues, for the dashboard: one paged query each, for the queues the role
/// works (a reviewer's review queue; an analyst's candidates and samples to type; a liaison's
/// families to notify and visits to arrange; a planner's visits and missions).
pub(crate) async fn your_work(s: &AppState, ctx: &Ctx) -> Result<Markup, super::PageError> {
    let first = Page {
        limit: DASHBOARD_ROWS,
        offset: 0,
    };
    let all = registry::ListFilter {
        assigned_to: ctx.family_scope().liaison().map(str::to_owned),
        ..Default::default()
    };
    let mut blocks = Vec::new();
    if ctx.may(Permission::ReviewIdentifications) {
        let paged = s.store.review_queue(&ctx.user.username, &all, first).await?;
        blocks.push(dashboard_block(ctx, &REVIEW, &paged, identification_row));
    }
    if ctx.may(Permission::ProposeIdentifications) {
        let paged = s.store.candidates_to_propose(&all, first).await?;
        blocks.push(dashboard_block(ctx, &CANDIDATES, &paged, candidate_row));
    }
    if ctx.may(Permission::WriteProfiles) {
        let untyped = registry::ListFilter {
            typed: Some(false),
            ..Default::default()
        };
        let paged = s.store.samples_page(&untyped, first).await?;
        let queue = Queue {
            title: Msg::SamplesAwaitingTyping,
            path: "/samples?typed=false",
            ..SAMPLES
        };
        blocks.push(dashboard_block(ctx, &queue, &paged, sample_row));
    }
    if ctx.may(Permission::WriteHandovers) {
        let paged = s.store.notifications_due(&all, first).await?;
        blocks.push(dashboard_block(ctx, &NOTIFICATIONS, &paged, notification_row));
    }
    if ctx.may(Permission::WriteVisitRequests) {
        let paged = s.store.visits_to_arrange(&all, first).await?;
        blocks.push(dashboard_block(ctx, &VISITS, &paged, visit_row));
    }
    if ctx.may(Permission::WriteMissions) {
        let paged = s.store.missions_to_plan(&all, first).await?;
        blocks.push(dashboard_block(ctx, &MISSIONS, &paged, mission_row));
    }
    if blocks.is_empty() {
        return Ok(html! {});
    }
    Ok(html! {
        section id="your-work" aria-labelledby="your-work-h" {
            h2 id="your-work-h" { (ctx.t(Msg::YourWork)) }
            @for block in blocks { (block) }
        }
    })
}

/// The page handler of each queue: the query's filter and page, the registry's one query (the
/// review queue's with the signed-in reviewer), the queue's page.
macro_rules! queue_pages {
    ($($handler:ident: $queue:ident, |$s:ident, $ctx:ident, $f:ident, $p:ident| $fetch:expr, $row:ident;)*) => {$(
        pub(crate) async fn $handler(
            State($s): State<AppState>,
            Extension($ctx): Extension<Ctx>,
            Query(q): Query<ListQuery>,
        ) -> PageResult {
            let (mut $f, $p) = q.filter()?;
            // The family queues of a liaison: their own families only.
            $f.assigned_to = $ctx.family_scope().liaison().map(str::to_owned);
            let paged = $fetch.await?;
            queue_page(&$s, &$ctx, &$queue, &q, paged, $row).await
        }
    )*};
}

queue_pages! {
    review: REVIEW, |s, ctx, f, p| s.store.review_queue(&ctx.user.username, &f, p), identification_row;
    candidates: CANDIDATES, |s, ctx, f, p| s.store.candidates_to_propose(&f, p), candidate_row;
    samples: SAMPLES, |s, ctx, f, p| s.store.samples_page(&f, p), sample_row;
    notifications: NOTIFICATIONS, |s, ctx, f, p| s.store.notifications_due(&f, p), notification_row;
    visits: VISITS, |s, ctx, f, p| s.store.visits_to_arrange(&f, p), visit_row;
    missions: MISSIONS, |s, ctx, f, p| s.store.missions_to_plan(&f, p), mission_row;
    identifications: IDENTIFICATIONS, |s, ctx, f, p| s.store.identifications_page(&f, p), identification_row;
}
