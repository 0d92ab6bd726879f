//! Matching jobs (start, live progress), candidate review with the evidence marker by marker, and
//! the two-reviewer decision. The rules (who may review, two different reviewers, the person's
//! status) are the registry's; these handlers pass the signed-in user on.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect};
use axum::{Extension, Form};
use maud::{html, Markup};
use registry::{Candidate, Decision, Identification, Job};
use serde::Deserialize;

use super::family_sample_mission_pages::family_view;
use super::forms::{respond_with, Extra, Fields, FormView, Refused};
use super::html::{csrf_field, link, table};
use super::i18n::{self, Msg};
use super::pages::names_html;
use super::{Ctx, PageError, PageId, PageResult, ProfileReader};
use crate::decisions::{job_percent, launch_job, JobOptions};
use crate::{ApiError, AppState, Permission};
use registry::model::{FieldError, Problem};

/// The progress bar of a job; while it runs, htmx asks for a fresh one every second.
pub(crate) fn progress_html(ctx: &Ctx, job: &Job) -> Markup {
    let p = job_percent(job);
    let running = matches!(job.status, registry::JobStatus::Running | registry::JobStatus::Queued);
    let bar = format!("job-{}-bar", job.id);
    html! {
        div.progress id={ "job-" (job.id) "-progress" } data-status=(job.status.as_str())
            hx-get=[running.then(|| format!("/jobs/{}/progress", job.id))] hx-trigger=[running.then_some("every 1s")]
            hx-swap=[running.then_some("outerHTML")] {
            label for=(bar) { (ctx.t(Msg::Progress)) }
            " "
            progress id=(bar) max="100" value=(format!("{p:.1}")) { (format!("{p:.0}%")) }
            " "
            span.percent data-percent=(format!("{p:.0}")) { (format!("{p:.0}%")) }
            " "
            span.job-status { (ctx.t(i18n::job_status(job.status))) }
            @if let Some(e) = &job.error { p.error { (e) } }
        }
    }
}

/// The form starting a job, its settings shown as the server's (the job records what it ran under).
async fn start_form(
    s: &AppState,
    ctx: &Ctx,
    f: Option<&Fields>,
    refused: Option<&Refused>,
) -> Result<Markup, PageError> {
    if !ctx.may(Permission::RunJobs) {
        return Ok(html! {});
    }
    let Some(settings) = &s.config.matching else {
        return Ok(html! { p { (ctx.t(Msg::NoMatchingSettings)) } });
    };
    let defaults = Fields::default()
        .with("min_log10_lr", settings.min_log10_lr.to_string())
        .with("top", settings.top.to_string())
        .with(
            "snp_panel",
            settings.snp.as_ref().map(|p| p.panel.clone()).unwrap_or_default(),
        )
        .with(
            "snp_genotype_error",
            settings
                .snp
                .as_ref()
                .map_or("0".to_owned(), |p| p.genotype_error.to_string()),
        );
    let fields = f.unwrap_or(&defaults);
    let form = FormView::new(ctx, fields, refused).prefixed("job-");
    let mut panels = vec![(String::new(), ctx.t(Msg::StrOnly).to_owned())];
    panels.extend(s.store.snp_panels().await?.into_iter().map(|p| {
        let label = format!("{} ({} SNPs)", p.name, p.snps);
        (p.name, label)
    }));
    let number = |name: &str, label: Msg, extra: Extra| form.input(name, ctx.t(label), "number", extra);
    let inputs = html! {
        (number("min_log10_lr", Msg::MinLog10Lr, Extra::NONE.step("any").range("-10", Some("100"))))
        (number("top", Msg::TopCandidates, Extra::NONE.range("1", Some("1000"))))
        (form.select("snp_panel", ctx.t(Msg::SnpPanel), &panels))
        (number("snp_genotype_error", Msg::SnpGenotypeError, Extra::NONE.step("any").range("0", Some("0.99"))))
    };
    Ok(html! {
        section id="start" {
            h2 { (ctx.t(Msg::StartJob)) }
            (form.summary())
            form.stack method="post" action="/jobs" id="job-form" {
                (form.csrf())
                (inputs)
                button type="submit" id="start-job" { (ctx.t(Msg::StartJob)) }
            }
        }
    })
}

async fn jobs_page(s: &AppState, ctx: &Ctx, f: Option<&Fields>, refused: Option<&Refused>) -> PageResult {
    let rows: Vec<Vec<Markup>> = s
        .store
        .list_jobs(50)
        .await?
        .into_iter()
        .map(|j| {
            vec![
                link(&format!("/jobs/{}", j.id), &format!("#{}", j.id)),
                html! { (ctx.t(i18n::job_status(j.status))) },
                html! { (format!("{:.0}%", job_percent(&j))) },
                html! { (j.created_by) },
                html! { (ctx.instant(&j.created_at)) },
            ]
        })
        .collect();
    let header = [
        "#",
        ctx.t(Msg::Status),
        ctx.t(Msg::Progress),
        ctx.t(Msg::Actor),
        ctx.t(Msg::Created),
    ];
    let body = html! {
        (start_form(s, ctx, f, refused).await?)
        (table(ctx.t(Msg::Jobs), &header, &rows))
    };
    let status = refused.map_or(axum::http::StatusCode::OK, |r| r.status);
    respond_with(ctx, status, ctx.t(Msg::Jobs), body)
}

pub(crate) async fn jobs(State(s): State<AppState>, Extension(ctx): Extension<Ctx>) -> PageResult {
    jobs_page(&s, &ctx, None, None).await
}

/// The form's settings as the API takes them; a value that is no number is refused beside it.
fn job_options(f: &Fields) -> Result<JobOptions, Refused> {
    let number = |name: &str| -> Result<Option<f64>, Refused> {
        f.opt(name)
            .map(|v| {
                v.parse::<f64>().map_err(|_| {
                    Refused::field(FieldError::new(name, format!("'{v}' is not a number")).because(Problem::NotANumber))
                })
            })
            .transpose()
    };
    let top = f
        .opt("top")
        .map(|v| {
            v.parse::<usize>()
                .map_err(|_| Refused::field(FieldError::new("top", format!("'{v}' is not a number of candidates"))))
        })
        .transpose()?;
    let snp_panel = Some(f.get("snp_panel").trim().to_owned());
    let snp_genotype_error = match snp_panel.as_deref() {
        Some("") => None,
        _ => number("snp_genotype_error")?,
    };
    Ok(JobOptions {
        min_log10_lr: number("min_log10_lr")?,
        top,
        snp_panel,
        snp_genotype_error,
    })
}

pub(crate) async fn start_job(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<Fields>,
) -> PageResult {
    // A post with no fields (a bare button, as before the settings) starts under the server's.
    let options = if f.0.iter().all(|(k, _)| k == "csrf") {
        Ok(JobOptions::default())
    } else {
        job_options(&f)
    };
    let refused = match options {
        Ok(options) => match launch_job(&s, &ctx.user, &options).await {
            Ok(job) => return Ok(Redirect::to(&format!("/jobs/{}", job.id)).into_response()),
            Err(ApiError::BadRequest {
                message,
                field: Some(field),
            }) => {
                let message = message
                    .strip_prefix(&format!("{field}: "))
                    .unwrap_or(&message)
                    .to_owned();
                Refused::field(FieldError::new(&field, message))
            }
            Err(e) => return Err(e.into()),
        },
        Err(r) => r,
    };
    jobs_page(&s, &ctx, Some(&f), Some(&refused)).await
}

async fn the_job(s: &AppState, id: i64) -> Result<Job, PageError> {
    PageError::found(s.store.get_job(id).await?, "job", id)
}

/// How many of a job's candidates its page lists (the best, by LR); the API has them all.
const SHOWN_CANDIDATES: i64 = 200;

/// The progress bar and, once the job is done, its candidates: what htmx swaps in (`out_of_band`:
/// into the page's job block, beside the bar that replaces itself).
async fn job_block(s: &AppState, ctx: &Ctx, job: &Job, out_of_band: bool) -> Result<Markup, PageError> {
    let candidates = if job.status == registry::JobStatus::Done {
        let (candidates, total) = s.store.top_candidates(job.id, SHOWN_CANDIDATES).await?;
        let rows: Vec<Vec<Markup>> = candidates
            .into_iter()
            .map(|c| {
                vec![
                    link(&format!("/candidates/{}", c.id), &format!("#{}", c.id)),
                    html! { (c.data.sample_id) },
                    link(
                        &format!("/families/{}", c.data.family_id),
                        &c.data.family_id.to_string(),
                    ),
                    i18n::lr_html(c.data.log10_lr),
                    html! { (c.data.exclusions) },
                ]
            })
            .collect();
        Some(html! {
            (ctx.table(
                Msg::Candidates,
                &[Msg::Candidate, Msg::Sample, Msg::Family, Msg::Lr, Msg::Exclusions],
                &rows,
            ))
            @if total > SHOWN_CANDIDATES {
                p { (ctx.t(Msg::ShownCandidates)) " " (i18n::number(SHOWN_CANDIDATES)) " / " (i18n::number(total)) }
            }
        })
    } else {
        None
    };
    Ok(html! {
        div id="job-block" hx-swap-oob=[out_of_band.then_some("true")] {
            (progress_html(ctx, job))
            @if let Some(candidates) = candidates { (candidates) }
        }
    })
}

pub(crate) async fn job(State(s): State<AppState>, Extension(ctx): Extension<Ctx>, PageId(id): PageId) -> PageResult {
    let job = the_job(&s, id).await?;
    let body = html! {
        (job_block(&s, &ctx, &job, false).await?)
        (start_form(&s, &ctx, None, None).await?)
    };
    let title = format!("{} #{id}", ctx.t(Msg::Job));
    ctx.respond(&title, body)
}

/// The htmx fragment: once the job is done, the bar stops polling and the candidates appear.
pub(crate) async fn progress(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    PageId(id): PageId,
) -> PageResult {
    let job = the_job(&s, id).await?;
    // The bar replaces itself; when done, the candidates come out of band into the job block.
    let fragment = if job.status == registry::JobStatus::Done {
        html! {
            (progress_html(&ctx, &job))
            (job_block(&s, &ctx, &job, true).await?)
        }
    } else {
        progress_html(&ctx, &job)
    };
    Ok(Html(fragment.into_string()).into_response())
}

/// Everything the candidate page shows and the proposal cites.
struct CandidateCase {
    candidate: Candidate,
    person_id: Option<i64>,
    active_references: Vec<i64>,
    posterior: f64,
    prior: registry::Prior,
}

async fn candidate_case(s: &AppState, ctx: &Ctx, id: i64) -> Result<CandidateCase, PageError> {
    let candidate = PageError::found(s.store.get_candidate(id).await?, "candidate", id)?;
    // The registry's posterior: the one the identification stores and every page shows.
    let (posterior, prior) = s.store.candidate_posterior_with_prior(id).await?;
    let member = s.store.get_member(candidate.data.member_id).await?;
    let active_references = if ctx.may(Permission::ReadReferences) {
        s.store
            .list_references(candidate.data.family_id)
            .await?
            .into_iter()
            .filter(|r| r.withdrawal.is_none())
            .map(|r| r.id)
            .collect()
    } else {
        Vec::new()
    };
    Ok(CandidateCase {
        person_id: member.and_then(|m| m.data.person_id),
        active_references,
        posterior,
        prior,
        candidate,
    })
}

/// The open identification of this candidate's person and sample (from whichever job) and the
/// latest rejected one, each with the candidate it was proposed from: one registry query and one
/// look-up each.
struct Pairing {
    open: Option<(Identification, Option<i64>)>,
    rejected: Option<(i64, Option<i64>)>,
}

async fn pairing(s: &AppState, case: &CandidateCase) -> Result<Pairing, PageError> {
    let Some(person) = case.person_id else {
        return Ok(Pairing {
            open: None,
            rejected: None,
        });
    };
    let (open, rejected) = s
        .store
        .identifications_of_pairing(person, case.candidate.data.sample_id)
        .await?;
    let open = match open {
        Some(id) => {
            let ident = PageError::found(s.store.get_identification(id).await?, "identification", id)?;
            Some((ident, s.store.identification_candidate(id).await?))
        }
        None => None,
    };
    let rejected = match rejected {
        Some(id) => Some((id, s.store.identification_candidate(id).await?)),
        None => None,
    };
    Ok(Pairing { open, rejected })
}

/// The per-marker table; genotypes side by side only for a role that may read them.
async fn marker_table(s: &AppState, ctx: &Ctx, case: &CandidateCase) -> Result<Markup, PageError> {
    let c = &case.candidate;
    let mut header: Vec<String> = vec![ctx.t(Msg::Marker).to_owned()];
    let mut columns: Vec<BTreeMap<String, String>> = Vec::new();
    if let Some(reader) = ProfileReader::new(ctx) {
        header.push(format!("{} {}", ctx.t(Msg::Sample), c.data.sample_id));
        columns.push(reader.sample(&s.store, c.data.sample_id).await?);
        let view = family_view(s, ctx, c.data.family_id).await?;
        let active: Vec<&registry::Reference> = view.references.iter().filter(|r| r.withdrawal.is_none()).collect();
        for r in &active {
            header.push(format!("{} ({})", view.member_name(r.donor_member_id), r.external_id));
        }
        let ids: Vec<i64> = active.iter().map(|r| r.id).collect();
        columns.extend(reader.references(&s.store, &ids).await?);
    }
    header.push(ctx.t(Msg::MarkerLr).to_owned());
    Ok(html! {
        div.scroll {
            table.markers {
                caption { (ctx.t(Msg::PerMarker)) }
                thead { tr { @for h in &header { th scope="col" { (h) } } } }
                tbody {
                    @for e in &c.data.evidence {
                        // A marker that speaks strongly against the relationship: an exclusion or near one.
                        @let inconsistent = e.log10_lr < -2.0;
                        tr class=[inconsistent.then_some("inconsistent")] {
                            th scope="row" { (e.marker) }
                            @for col in &columns {
                                td.genotype { (col.get(&e.marker).map_or("–", String::as_str)) }
                            }
                            td.num {
                                (i18n::lr_html(e.log10_lr))
                                @if inconsistent { " " strong { "(" (ctx.t(Msg::Inconsistent)) ")" } }
                            }
                        }
                    }
                }
            }
        }
    })
}

pub(crate) async fn candidate(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    PageId(id): PageId,
) -> PageResult {
    let lang = ctx.lang;
    let case = candidate_case(&s, &ctx, id).await?;
    let c = &case.candidate;
    let person = match case.person_id {
        Some(p) => s.store.get_person(p).await?,
        None => None,
    };
    let joint = c.data.joint_posterior.zip(c.data.joint_bound);
    let markers = if c.data.evidence.is_empty() {
        None
    } else {
        Some(marker_table(&s, &ctx, &case).await?)
    };
    let view = if ctx.may(Permission::ReadFamilies) {
        Some(family_view(&s, &ctx, c.data.family_id).await?)
    } else {
        None
    };
    let snp = match &c.data.snp_evidence {
        Some(ev) => Some(super::snp_view::snp_section(&s, &ctx, id, ev, view.as_ref()).await?),
        None => None,
    };
    let pair = pairing(&s, &case).await?;
    let decision = match &pair.open {
        Some((ident, from)) if *from == Some(id) => Some(decision_section(&s, &ctx, ident, id).await?),
        _ => None,
    };
    // Where an earlier or open identification of this pairing is decided: its candidate's page,
    // else its person's.
    let decided_at = |from: Option<i64>, person: i64| {
        from.map_or_else(|| format!("/persons/{person}"), |c| format!("/candidates/{c}#decision"))
    };
    let body = html! {
        dl.facts {
            @if let Some(p) = &person {
                dt { (ctx.t(Msg::Missing)) }
                dd {
                    a href={ "/persons/" (p.id) } { (names_html(lang, &p.data.names)) }
                    " — "
                    span.person-status data-status=(p.status.as_str()) { (ctx.t(i18n::person_status(p.status))) }
                }
            }
            dt { (ctx.t(Msg::Sample)) }
            dd { a href={ "/samples/" (c.data.sample_id) } { (c.data.sample_id) } }
            dt { (ctx.t(Msg::Family)) }
            dd { a href={ "/families/" (c.data.family_id) } { (c.data.family_id) } }
            dt { (ctx.t(Msg::Lr)) }
            dd.lr { (i18n::lr_html(c.data.log10_lr)) }
            dt { (ctx.t(Msg::Posterior)) }
            dd.posterior {
                (i18n::posterior_text(case.posterior))
                " " span.muted { "(" (ctx.t(Msg::PosteriorNote)) ": " (case.prior.words) ")" }
            }
            dt { (ctx.t(Msg::Exclusions)) }
            dd { (c.data.exclusions) }
            dt { (ctx.t(Msg::Job)) }
            dd { a href={ "/jobs/" (c.job_id) } { "#" (c.job_id) } }
        }
        @if let Some((p, bound)) = joint {
            dl.facts {
                dt { (ctx.t(Msg::JointPosterior)) }
                dd.joint-posterior {
                    (i18n::probability_html(p))
                    " " span.muted { "(" (ctx.t(Msg::JointBound)) " " (format!("{bound:.1e}")) ") " (ctx.t(Msg::JointPosteriorNote)) }
                }
            }
        }
        @if let Some(markers) = markers { (markers) }
        @if let Some(snp) = snp { (snp) }
        @if let Some(view) = &view {
            h2 { (ctx.t(Msg::Pedigree)) }
            (view.pedigree_svg(&ctx))
        }
        section id="decision" {
            h2 { (ctx.t(Msg::Identification)) }
            @if let Some((rejected, from)) = pair.rejected {
                p.rejected-before data-identification=(rejected) {
                    (ctx.t(Msg::EarlierRejected)) " "
                    a href=(decided_at(from, case.person_id.unwrap_or_default())) { "#" (rejected) }
                }
            }
            @match (&pair.open, decision) {
                (Some(_), Some(decision)) => (decision),
                (Some((ident, from)), None) => {
                    p.open-identification data-identification=(ident.id) {
                        (ctx.t(Msg::OpenIdentification)) " "
                        a href=(decided_at(*from, ident.person_id)) { (ctx.t(Msg::Identification)) " #" (ident.id) }
                        " — "
                        (i18n::identification_status_html(ctx.lang, ident.status, ident.flag_reason.as_deref()))
                    }
                }
                (None, _) if ctx.may(Permission::ProposeIdentifications) => {
                    @if case.person_id.is_some() && !case.active_references.is_empty() {
                        form method="post" action={ "/candidates/" (id) "/propose" } {
                            (csrf_field(&ctx))
                            button type="submit" id="propose" { (ctx.t(Msg::ProposeIdentification)) }
                        }
                    } @else {
                        p { (ctx.t(Msg::CannotPropose)) }
                    }
                }
                (None, _) => { p { (ctx.t(Msg::NoneYet)) } }
            }
        }
    };
    let title = format!("{} #{id}", ctx.t(Msg::Candidate));
    ctx.respond(&title, body)
}

async fn decision_section(
    s: &AppState,
    ctx: &Ctx,
    ident: &Identification,
    candidate: i64,
) -> Result<Markup, PageError> {
    // Blind: while it is proposed a reviewer sees only their own review.
    let reviews = s.store.reviews_seen_by(&ctx.user, ident.id, ident.status).await?;
    let rows: Vec<Vec<Markup>> = reviews
        .iter()
        .map(|r| {
            vec![
                html! { (r.reviewer) },
                html! { (i18n::decision(&r.decision).map_or(r.decision.as_str(), |m| ctx.t(m))) },
                html! { (r.comment) },
                html! { (ctx.instant(&r.at)) },
            ]
        })
        .collect();
    let proposed = ident.status == registry::IdentificationStatus::Proposed;
    let reviewer = ctx.may(Permission::ReviewIdentifications) && proposed;
    let already = reviews.iter().any(|r| r.reviewer == ctx.user.username);
    Ok(html! {
        p {
            (ctx.t(Msg::Identification)) " #" (ident.id) ": "
            (i18n::identification_status_html(ctx.lang, ident.status, ident.flag_reason.as_deref()))
        }
        p.muted { (ctx.t(Msg::TwoReviewers)) }
        (ctx.table(Msg::Reviews, &[Msg::Reviewer, Msg::Decision, Msg::Comment, Msg::When], &rows))
        @if reviewer { p.muted.blind { (ctx.t(Msg::ReviewsHidden)) } }
        @if reviewer && !already {
            form.stack method="post" action={ "/identifications/" (ident.id) "/reviews" } id="review-form" {
                (csrf_field(ctx))
                input type="hidden" name="candidate" value=(candidate);
                fieldset {
                    legend { (ctx.t(Msg::Decision)) }
                    label { input type="radio" name="decision" value="confirm" required; " " (ctx.t(Msg::Confirm)) }
                    " "
                    label { input type="radio" name="decision" value="reject"; " " (ctx.t(Msg::Reject)) }
                }
                label for="comment" { (ctx.t(Msg::Comment)) }
                textarea id="comment" name="comment" rows="3" required {}
                button type="submit" { (ctx.t(Msg::SubmitReview)) }
            }
        }
    })
}

pub(crate) async fn propose(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    PageId(id): PageId,
) -> PageResult {
    let case = candidate_case(&s, &ctx, id).await?;
    case.person_id.ok_or_else(|| ApiError::BadRequest {
        message: ctx.t(Msg::CannotPropose).to_owned(),
        field: None,
    })?;
    if pairing(&s, &case).await?.open.is_none() {
        // The page names the candidate; the registry supplies and checks the evidence.
        s.store.propose_from_candidate(&ctx.user.username, id).await?;
    }
    Ok(Redirect::to(&format!("/candidates/{id}#decision")).into_response())
}

#[derive(Debug, Deserialize)]
pub(crate) struct ReviewForm {
    decision: Decision,
    comment: String,
    candidate: i64,
    #[allow(dead_code)]
    csrf: Option<String>,
}

pub(crate) async fn review(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    PageId(id): PageId,
    Form(f): Form<ReviewForm>,
) -> PageResult {
    s.store
        .review_identification(&ctx.user, id, f.decision, &f.comment)
        .await?;
    Ok(Redirect::to(&format!("/candidates/{}#decision", f.candidate)).into_response())
}
